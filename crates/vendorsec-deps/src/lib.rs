//! Dependencies: inventory of every component an app ships (lockfiles, manifests, Java
//! archives), an offline OSV advisory database with a compact on-disk index, version
//! ordering per ecosystem, matching, CVSS scoring and SBOM output (CycloneDX, SPDX).

pub mod analyse;
pub mod cvss;
pub mod db;
mod ecosystem;
pub mod matcher;
pub mod osv;
mod package;
pub mod purl;
pub mod sbom;
pub mod version;

pub use ecosystem::Ecosystem;
pub use package::{Evidence, Package};
pub mod inventory;
