//! The finding: one type for every analyser.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// How bad a finding is if it is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity `{other}` (expected critical, high, medium, low or info)"
            )),
        }
    }
}

/// How sure the analyser is that the finding is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// One step less sure (used for matches under test paths).
    #[must_use]
    pub fn lowered(self) -> Confidence {
        match self {
            Confidence::High => Confidence::Medium,
            Confidence::Medium | Confidence::Low => Confidence::Low,
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The commit that introduced a blob, for findings from git history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitInfo {
    pub id: String,
    pub author: String,
    pub email: String,
    /// ISO 8601 author date.
    pub date: String,
    /// Position in history, oldest first (for picking the introducing commit).
    #[serde(skip)]
    pub seq: u64,
}

/// Where a blob came from: the chain of containers down to the entry, e.g.
/// `["app.obr", "META-INF/lib/x.jar", "config.properties"]`, and for git history the commit
/// that introduced it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    pub chain: Vec<String>,
    pub commit: Option<Arc<CommitInfo>>,
}

impl Origin {
    #[must_use]
    pub fn file(path: impl Into<String>) -> Origin {
        Origin {
            chain: vec![path.into()],
            commit: None,
        }
    }

    /// The origin of an entry inside this one (an archive member).
    #[must_use]
    pub fn child(&self, name: impl Into<String>) -> Origin {
        let mut chain = self.chain.clone();
        chain.push(name.into());
        Origin {
            chain,
            commit: self.commit.clone(),
        }
    }

    /// The innermost name (the entry's own path inside its container).
    #[must_use]
    pub fn leaf(&self) -> &str {
        self.chain.last().map_or("", String::as_str)
    }

    /// How many archives deep this blob is.
    #[must_use]
    pub fn depth(&self) -> usize {
        self.chain.len().saturating_sub(1)
    }

    /// The display form: `app.obr!/META-INF/lib/x.jar!/config.properties`, or for git history
    /// `<commit>:path`.
    #[must_use]
    pub fn display(&self) -> String {
        let joined = self.chain.join("!/");
        match &self.commit {
            Some(c) => format!("{}:{}", short_id(&c.id), joined),
            None => joined,
        }
    }
}

fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// One place a finding was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Display form of the origin chain.
    pub origin: String,
    /// The chain itself: outermost file first, innermost entry last.
    pub chain: Vec<String>,
    /// 1-based line and column of the start; 0 when the analyser has no position.
    pub line: u64,
    pub column: u64,
    pub end_line: u64,
    pub end_column: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitInfo>,
}

impl Location {
    #[must_use]
    pub fn new(origin: &Origin, line: u64, column: u64, end_line: u64, end_column: u64) -> Self {
        Location {
            origin: origin.display(),
            chain: origin.chain.clone(),
            line,
            column,
            end_line,
            end_column,
            commit: origin.commit.as_deref().cloned(),
        }
    }

    /// The path used for path-based suppression: the chain joined with `!/`.
    #[must_use]
    pub fn path(&self) -> String {
        self.chain.join("!/")
    }
}

/// A finding: one problem, all the places it was seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule id `domain/name`.
    pub rule: String,
    /// The guideline catalog item this answers to.
    pub guideline: String,
    pub severity: Severity,
    pub confidence: Confidence,
    /// One sentence a user acts on.
    pub message: String,
    pub remediation: String,
    /// The offending text with any secret redacted.
    pub evidence: String,
    /// Stable across runs and line moves.
    pub fingerprint: String,
    pub locations: Vec<Location>,
    /// Rule-specific structured data.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub data: serde_json::Map<String, serde_json::Value>,
}

/// What kind of trouble a diagnostic reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticKind {
    /// A file or entry could not be read.
    Unreadable,
    /// A corrupt or unsupported archive.
    CorruptArchive,
    /// An archive entry with a `..` or absolute name (reported, never written).
    SuspiciousEntryName,
    /// Archives nested deeper than the limit.
    NestingLimit,
    /// Uncompressed size or ratio bound reached (zip bomb guard).
    SizeLimit,
    /// A symlink loop or similar walk problem.
    WalkError,
    /// A suppression (config entry, inline comment, baseline entry) that matched nothing.
    UnusedSuppression,
    /// Git history could not be read.
    GitError,
    /// Anything else worth knowing.
    Note,
}

impl DiagnosticKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticKind::Unreadable => "unreadable",
            DiagnosticKind::CorruptArchive => "corrupt-archive",
            DiagnosticKind::SuspiciousEntryName => "suspicious-entry-name",
            DiagnosticKind::NestingLimit => "nesting-limit",
            DiagnosticKind::SizeLimit => "size-limit",
            DiagnosticKind::WalkError => "walk-error",
            DiagnosticKind::UnusedSuppression => "unused-suppression",
            DiagnosticKind::GitError => "git-error",
            DiagnosticKind::Note => "note",
        }
    }
}

/// Something the scan could not do or wants the user to know; never a finding, never fatal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Diagnostic {
    pub kind: DiagnosticKind,
    /// Where: an origin chain display, a config file, or empty.
    pub origin: String,
    pub message: String,
}

impl Diagnostic {
    #[must_use]
    pub fn new(
        kind: DiagnosticKind,
        origin: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            kind,
            origin: origin.into(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_chain_display() {
        let o = Origin::file("app.obr")
            .child("META-INF/lib/x.jar")
            .child("config.properties");
        assert_eq!(
            o.display(),
            "app.obr!/META-INF/lib/x.jar!/config.properties"
        );
        assert_eq!(o.depth(), 2);
        assert_eq!(o.leaf(), "config.properties");
    }

    #[test]
    fn severity_order_and_parse() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Info);
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("urgent".parse::<Severity>().is_err());
    }
}
