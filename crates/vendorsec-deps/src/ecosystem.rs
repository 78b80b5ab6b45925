//! The package ecosystems vendorsec inventories and matches, with OSV's names for them,
//! package-URL types and name normalisation.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Ecosystem {
    #[serde(rename = "npm")]
    Npm,
    Maven,
    PyPI,
    #[serde(rename = "crates.io")]
    CratesIo,
    Go,
    RubyGems,
    NuGet,
    Packagist,
}

impl Ecosystem {
    pub const ALL: [Ecosystem; 8] = [
        Ecosystem::Npm,
        Ecosystem::Maven,
        Ecosystem::PyPI,
        Ecosystem::CratesIo,
        Ecosystem::Go,
        Ecosystem::RubyGems,
        Ecosystem::NuGet,
        Ecosystem::Packagist,
    ];

    /// OSV's ecosystem name (also the folder name of its exports).
    #[must_use]
    pub fn osv_name(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::Maven => "Maven",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Go => "Go",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::NuGet => "NuGet",
            Ecosystem::Packagist => "Packagist",
        }
    }

    /// The OSV ecosystem, ignoring a `:suffix` (e.g. `Maven:https://repo…`).
    #[must_use]
    pub fn from_osv(name: &str) -> Option<Ecosystem> {
        let base = name.split(':').next().unwrap_or(name);
        Ecosystem::ALL.into_iter().find(|e| e.osv_name() == base)
    }

    /// The package-URL type.
    #[must_use]
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::Maven => "maven",
            Ecosystem::PyPI => "pypi",
            Ecosystem::CratesIo => "cargo",
            Ecosystem::Go => "golang",
            Ecosystem::RubyGems => "gem",
            Ecosystem::NuGet => "nuget",
            Ecosystem::Packagist => "composer",
        }
    }

    /// The name under which advisories are looked up: PyPI names are PEP 503-normalised,
    /// NuGet and Packagist names are case-insensitive; the others are exact.
    #[must_use]
    pub fn normalize_name(self, name: &str) -> String {
        match self {
            Ecosystem::PyPI => {
                let mut out = String::with_capacity(name.len());
                let mut sep = false;
                for c in name.trim().chars() {
                    if matches!(c, '-' | '_' | '.') {
                        sep = true;
                    } else {
                        if sep && !out.is_empty() {
                            out.push('-');
                        }
                        sep = false;
                        out.extend(c.to_lowercase());
                    }
                }
                out
            }
            Ecosystem::NuGet | Ecosystem::Packagist => name.trim().to_lowercase(),
            _ => name.trim().to_owned(),
        }
    }
}

impl std::fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.osv_name())
    }
}
