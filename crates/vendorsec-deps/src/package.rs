//! A component found in an app: what it is, where it was found, and how sure we are.

use serde::Serialize;

use crate::Ecosystem;

/// How a component was identified, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// A lockfile pins the exact version.
    Lockfile,
    /// `META-INF/maven/**/pom.properties` inside a Java archive.
    PomProperties,
    /// A build manifest with an exact version (pom.xml, go.mod, pinned requirements).
    Manifest,
    /// `META-INF/MANIFEST.MF` of a Java archive.
    JarManifest,
    /// The archive's file name.
    FileName,
    /// A manifest range, not a pinned version (package.json without a lockfile).
    Range,
}

impl Evidence {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Lockfile => "lockfile",
            Evidence::PomProperties => "pom.properties",
            Evidence::Manifest => "manifest",
            Evidence::JarManifest => "MANIFEST.MF",
            Evidence::FileName => "file name",
            Evidence::Range => "version range",
        }
    }

    /// Whether a match on this evidence is certain (exact version from the artefact or a
    /// lock) or only likely.
    #[must_use]
    pub fn exact(self) -> bool {
        matches!(
            self,
            Evidence::Lockfile | Evidence::PomProperties | Evidence::Manifest
        )
    }
}

/// One component.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Package {
    pub ecosystem: Ecosystem,
    /// The name as the ecosystem writes it (`group:artifact` for Maven, `@scope/name`
    /// for npm, the module path for Go).
    pub name: String,
    /// The exact version, or a range for [`Evidence::Range`]; empty when unknown.
    pub version: String,
    /// Origin chain of the file it was found in (`app.jar!/META-INF/lib/x.jar`).
    pub path: Vec<String>,
    /// 1-based line in that file, 0 when unknown.
    pub line: u64,
    pub evidence: Evidence,
    /// Direct dependency of the project (`Some(true)`), transitive (`Some(false)`), or
    /// not stated by the file (`None`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direct: Option<bool>,
    /// dev, test, optional, peer, provided, build, …; `None` for a runtime dependency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// SHA-1 of the archive the component was identified in (Java archives).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
}

impl Package {
    #[must_use]
    pub fn new(ecosystem: Ecosystem, name: &str, version: &str, path: &[String]) -> Package {
        Package {
            ecosystem,
            name: name.trim().to_owned(),
            version: version.trim().to_owned(),
            path: path.to_vec(),
            line: 0,
            evidence: Evidence::Lockfile,
            direct: None,
            scope: None,
            sha1: None,
        }
    }

    #[must_use]
    pub fn evidence(mut self, e: Evidence) -> Package {
        self.evidence = e;
        self
    }

    #[must_use]
    pub fn line(mut self, line: u64) -> Package {
        self.line = line;
        self
    }

    #[must_use]
    pub fn direct(mut self, direct: Option<bool>) -> Package {
        self.direct = direct;
        self
    }

    #[must_use]
    pub fn scope(mut self, scope: Option<&str>) -> Package {
        self.scope = scope.map(str::to_owned);
        self
    }

    /// The path of the file, as shown in reports.
    #[must_use]
    pub fn file(&self) -> String {
        self.path.join("!/")
    }

    /// The package URL (purl) of the component.
    #[must_use]
    pub fn purl(&self) -> String {
        crate::purl::purl(self.ecosystem, &self.name, &self.version)
    }
}
