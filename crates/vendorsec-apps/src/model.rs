//! An app's profile and the helpers every descriptor analyser shares.

use serde::Serialize;
use vendorsec_core::redact::fingerprint;
use vendorsec_core::{Confidence, Finding, Location, Origin, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AppKind {
    Connect,
    Forge,
    P2,
}

impl AppKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AppKind::Connect => "Connect",
            AppKind::Forge => "Forge",
            AppKind::P2 => "P2 / Data Center",
        }
    }
}

/// A declared scope and what it allows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ScopeInfo {
    pub scope: String,
    pub allows: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub impersonation: bool,
}

/// Something the app exposes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Endpoint {
    /// Module type or role (`lifecycle: installed`, `generalPages`, `servlet`, `rest`, …).
    pub kind: String,
    pub url: String,
    /// How callers are authenticated, as far as the descriptor says.
    pub auth: String,
}

/// A host the app may contact, or that the product contacts for it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Host {
    pub host: String,
    pub source: String,
}

/// A product REST call found in the app's code, with the scope it needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CallInfo {
    pub method: String,
    /// Resolved path (`{p}` for parameters), or `None` when the code does not say.
    pub path: Option<String>,
    /// `file:line`.
    pub at: String,
    pub api: String,
    /// The matched operation's template, when the path matched one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Connect scope (Connect apps) or OAuth scopes (Forge apps) the operation needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs: Option<String>,
}

/// What an app is, can reach, exposes and contacts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppProfile {
    pub kind: AppKind,
    /// The descriptor's origin chain display.
    pub descriptor: String,
    pub key: String,
    pub name: String,
    pub version: String,
    pub scopes: Vec<ScopeInfo>,
    pub endpoints: Vec<Endpoint>,
    pub hosts: Vec<Host>,
    /// Product REST calls found in the code under the descriptor's directory.
    pub calls: Vec<CallInfo>,
    /// Content-security-policy relaxations (Forge) and other notes.
    pub notes: Vec<String>,
}

impl AppProfile {
    pub(crate) fn new(kind: AppKind, chain: &[String]) -> AppProfile {
        AppProfile {
            kind,
            descriptor: chain.join("!/"),
            key: String::new(),
            name: String::new(),
            version: String::new(),
            scopes: Vec::new(),
            endpoints: Vec::new(),
            hosts: Vec::new(),
            calls: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub(crate) fn sort(&mut self) {
        self.scopes.sort();
        self.scopes.dedup();
        self.endpoints.sort();
        self.endpoints.dedup();
        self.hosts.sort();
        self.hosts.dedup_by(|a, b| a.host == b.host);
    }
}

/// The 1-based line of the first occurrence of `needle` (0 when absent).
pub(crate) fn line_of(text: &[u8], needle: &str) -> u64 {
    if needle.is_empty() {
        return 0;
    }
    let t = String::from_utf8_lossy(text);
    t.find(needle).map_or(0, |at| {
        1 + t[..at].bytes().filter(|b| *b == b'\n').count() as u64
    })
}

/// The host of an absolute http(s)/wss URL.
pub(crate) fn host_of(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .or_else(|| url.strip_prefix("wss://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    let host = host.split(':').next().unwrap_or(host);
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

pub(crate) struct Check<'a> {
    pub(crate) rule: &'static str,
    pub(crate) severity: Severity,
    pub(crate) message: String,
    pub(crate) evidence: String,
    pub(crate) remediation: &'a str,
    pub(crate) line: u64,
    /// What makes this finding this finding (for the fingerprint), besides the rule.
    pub(crate) identity: String,
}

pub(crate) fn finding(chain: &[String], c: Check<'_>) -> Finding {
    let guideline = crate::RULES
        .iter()
        .find(|r| r.0 == c.rule)
        .map_or("code.owasp-top-10", |r| r.4);
    let origin = Origin {
        chain: chain.to_vec(),
        commit: None,
    };
    let mut data = serde_json::Map::new();
    data.insert("descriptor".into(), serde_json::json!(chain.join("!/")));
    Finding {
        rule: c.rule.into(),
        guideline: guideline.into(),
        severity: c.severity,
        // Read from the descriptor itself: a fact, not a guess.
        confidence: Confidence::High,
        message: c.message,
        remediation: c.remediation.into(),
        evidence: c.evidence,
        fingerprint: fingerprint(c.rule, c.identity.as_bytes()),
        locations: vec![Location::new(&origin, c.line, 0, c.line, 0)],
        data,
    }
}
