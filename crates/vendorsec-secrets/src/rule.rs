//! The rule model and the embedded rule files.

use serde::Deserialize;
use vendorsec_core::{Confidence, Severity};

use crate::validate::Validator;

/// Where a rule's regex runs around a keyword hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The line holding the keyword (bounded to a few KiB either side on huge lines).
    #[default]
    Line,
    /// A span of up to 64 KiB after the keyword and 1 KiB before it, across lines.
    Multiline,
}

/// One rule as written in a rule file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable id, `secret/<kebab-name>`.
    pub id: String,
    pub name: String,
    pub description: String,
    /// Regex (Rust syntax, bytes mode); the secret is the group named `secret`, else group 1.
    pub pattern: String,
    /// Case-insensitive literals, one of which occurs in every match.
    pub keywords: Vec<String>,
    pub severity: Severity,
    pub confidence: Confidence,
    /// The guideline catalog item; default `code.no-hardcoded-credentials`.
    #[serde(default = "default_guideline")]
    pub guideline: String,
    #[serde(default)]
    pub scope: Scope,
    /// Minimum Shannon entropy (bits per character) of the secret.
    #[serde(default)]
    pub min_entropy: Option<f64>,
    /// Apply the placeholder filter (`${VAR}`, `<your-key>`, `changeme`, `xxxx`, …).
    #[serde(default)]
    pub placeholder_filter: bool,
    /// Secrets matching any of these regexes are dropped.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Matches whose whole text (name and value) matches any of these regexes are dropped,
    /// e.g. a hex value assigned to a `*_hash` name.
    #[serde(default)]
    pub allow_match: Vec<String>,
    /// In source code (by file extension) accept only quoted literals: an unquoted value
    /// there is an identifier, a type or an expression (`password: String`,
    /// `password = userPassword`), never a hard-coded credential.
    #[serde(default)]
    pub code_literals_only: bool,
    #[serde(default)]
    pub validator: Option<Validator>,
    #[serde(default)]
    pub remediation: Option<String>,
    #[serde(default)]
    pub references: Vec<String>,
    pub examples: Vec<String>,
    pub negative_examples: Vec<String>,
}

fn default_guideline() -> String {
    "code.no-hardcoded-credentials".to_string()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rules: Vec<Rule>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("rule {id}: {message}")]
    Invalid { id: String, message: String },
}

/// The built-in rule files, embedded at build time.
const BUILTIN: &[(&str, &str)] = &[
    ("atlassian.yml", include_str!("../rules/atlassian.yml")),
    ("cloud.yml", include_str!("../rules/cloud.yml")),
    (
        "source-hosts.yml",
        include_str!("../rules/source-hosts.yml"),
    ),
    ("chat-mail.yml", include_str!("../rules/chat-mail.yml")),
    ("payments.yml", include_str!("../rules/payments.yml")),
    ("registries.yml", include_str!("../rules/registries.yml")),
    ("ai.yml", include_str!("../rules/ai.yml")),
    ("saas.yml", include_str!("../rules/saas.yml")),
    (
        "private-keys.yml",
        include_str!("../rules/private-keys.yml"),
    ),
    ("generic.yml", include_str!("../rules/generic.yml")),
];

/// A validated list of rules.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The rules shipped in the binary.
    ///
    /// # Errors
    /// A malformed built-in rule file (the crate's tests rule this out).
    pub fn builtin() -> Result<RuleSet, RuleError> {
        let mut rules = Vec::new();
        for (file, text) in BUILTIN {
            rules.extend(parse_file(file, text)?);
        }
        RuleSet::new(rules)
    }

    /// Check ids, keywords and examples (patterns and allow-lists are compiled, once, by
    /// [`crate::Engine::new`], which names the rule of any regex that does not compile).
    ///
    /// # Errors
    /// Duplicate ids, or a rule without keywords or examples.
    pub fn new(rules: Vec<Rule>) -> Result<RuleSet, RuleError> {
        let mut seen = std::collections::HashSet::new();
        for r in &rules {
            let invalid = |message: String| RuleError::Invalid {
                id: r.id.clone(),
                message,
            };
            if !r.id.starts_with("secret/") {
                return Err(invalid("id must start with `secret/`".into()));
            }
            if !seen.insert(r.id.clone()) {
                return Err(invalid("duplicate id".into()));
            }
            if r.keywords.is_empty() || r.keywords.iter().any(|k| k.len() < 2) {
                return Err(invalid("needs keywords of at least 2 bytes".into()));
            }
            if r.examples.is_empty() || r.negative_examples.is_empty() {
                return Err(invalid("needs examples and negative_examples".into()));
            }
        }
        Ok(RuleSet { rules })
    }

    /// Keep only the rules for which `keep` is true.
    #[must_use]
    pub fn filtered(mut self, keep: impl Fn(&Rule) -> bool) -> RuleSet {
        self.rules.retain(|r| keep(r));
        self
    }
}

fn parse_file(file: &str, text: &str) -> Result<Vec<Rule>, RuleError> {
    let parsed: RuleFile = serde_saphyr::from_str(text).map_err(|e| RuleError::Parse {
        file: file.to_string(),
        message: e.to_string(),
    })?;
    Ok(parsed.rules)
}
