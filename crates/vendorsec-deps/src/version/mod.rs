//! Version ordering per ecosystem, each written from the ecosystem's own rules and tested
//! against the pairs its reference implementation produced
//! (`shared/data/version-ordering/`).

mod maven;
mod nuget;
mod packagist;
pub(crate) mod pep440;
mod rubygems;
mod semver;

use std::cmp::Ordering;

use crate::Ecosystem;

/// Which ordering a comparison uses: an ecosystem's own, or SemVer (OSV `SEMVER` ranges).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Maven,
    Pep440,
    SemVer,
    RubyGems,
    NuGet,
    Packagist,
}

impl Scheme {
    /// The ordering OSV `ECOSYSTEM` ranges of this ecosystem use.
    #[must_use]
    pub fn of(ecosystem: Ecosystem) -> Scheme {
        match ecosystem {
            Ecosystem::Maven => Scheme::Maven,
            Ecosystem::PyPI => Scheme::Pep440,
            Ecosystem::Npm | Ecosystem::CratesIo | Ecosystem::Go => Scheme::SemVer,
            Ecosystem::RubyGems => Scheme::RubyGems,
            Ecosystem::NuGet => Scheme::NuGet,
            Ecosystem::Packagist => Scheme::Packagist,
        }
    }

    /// Compare two versions.
    #[must_use]
    pub fn compare(self, a: &str, b: &str) -> Ordering {
        match self {
            Scheme::Maven => maven::compare(a, b),
            Scheme::Pep440 => pep440::compare(a, b),
            Scheme::SemVer => semver::compare(a, b),
            Scheme::RubyGems => rubygems::compare(a, b),
            Scheme::NuGet => nuget::compare(a, b),
            Scheme::Packagist => packagist::compare(a, b),
        }
    }

    /// Whether a version string can be ordered meaningfully by this scheme (a version
    /// that cannot is reported as unresolved instead of being matched).
    #[must_use]
    pub fn valid(self, v: &str) -> bool {
        let v = v.trim();
        if v.is_empty() || v.len() > 256 {
            return false;
        }
        match self {
            Scheme::Pep440 => pep440::parse(v).is_some(),
            Scheme::SemVer => semver::valid(v),
            _ => v
                .trim_start_matches(['v', 'V'])
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_digit()),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
