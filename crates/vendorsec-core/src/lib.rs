//! The shared model of vendorsec: the finding every analyser emits, the guideline catalog
//! every check answers to, the configuration file, and suppression (inline, config,
//! baseline).
//!
//! Nothing here does I/O except [`config::Config::load`] and [`baseline::Baseline`]'s
//! read/write helpers; analysers and renderers build on these types.

pub mod baseline;
pub mod catalog;
pub mod config;
pub mod facts;
pub mod finding;
pub mod redact;
pub mod report;
pub mod suppress;

pub use finding::{
    CommitInfo, Confidence, Diagnostic, DiagnosticKind, Finding, Location, Origin, Severity,
};
pub use report::{RuleMeta, ScanReport, Stats};
