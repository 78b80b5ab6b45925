//! `vendorsec.toml`: excluded paths, disabled rules, severity overrides, ignores and the
//! `fail-on` threshold. Parsed, then validated into [`Config`]; every error names the file
//! and, where TOML can say, the line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::finding::Severity;

/// The file name looked for at the scanned root.
pub const FILE_NAME: &str = "vendorsec.toml";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: {field}: {message}")]
    Invalid {
        path: PathBuf,
        field: String,
        message: String,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    fail_on: Option<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    ignore: Vec<RawIgnore>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRules {
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawIgnore {
    rule: Option<String>,
    path: Option<String>,
    fingerprint: Option<String>,
    reason: Option<String>,
}

/// One `[[ignore]]` entry: every given condition must hold.
#[derive(Debug, Clone)]
pub struct IgnoreEntry {
    pub rule: Option<String>,
    pub path: Option<String>,
    pub path_glob: Option<globset::GlobMatcher>,
    pub fingerprint: Option<String>,
    pub reason: String,
    /// Where it was declared, for the unused-suppression diagnostic.
    pub declared_at: String,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it came from, if from a file.
    pub source: Option<PathBuf>,
    pub fail_on: Option<Severity>,
    pub exclude: Vec<String>,
    exclude_set: GlobSet,
    pub disabled_rules: Vec<String>,
    pub severity_overrides: BTreeMap<String, Severity>,
    pub ignores: Vec<IgnoreEntry>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            source: None,
            fail_on: None,
            exclude: Vec::new(),
            exclude_set: GlobSet::empty(),
            disabled_rules: Vec::new(),
            severity_overrides: BTreeMap::new(),
            ignores: Vec::new(),
        }
    }
}

fn glob(path: &Path, field: &str, pattern: &str) -> Result<Glob, ConfigError> {
    Glob::new(pattern).map_err(|e| ConfigError::Invalid {
        path: path.to_path_buf(),
        field: field.to_string(),
        message: format!("bad glob `{pattern}`: {e}"),
    })
}

impl Config {
    /// Read and validate a config file.
    ///
    /// # Errors
    /// The file cannot be read, is not TOML of the expected shape, or holds invalid values.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(path, &text)
    }

    /// Parse and validate config text; `path` is used in messages.
    ///
    /// # Errors
    /// As [`Config::load`].
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().replace('\n', " "),
        })?;
        let invalid = |field: String, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            field,
            message,
        };
        let fail_on = match raw.fail_on {
            Some(s) => Some(
                s.parse::<Severity>()
                    .map_err(|m| invalid("fail-on".into(), m))?,
            ),
            None => None,
        };
        let mut builder = GlobSetBuilder::new();
        for (i, pattern) in raw.exclude.iter().enumerate() {
            builder.add(glob(path, &format!("exclude[{i}]"), pattern)?);
        }
        let exclude_set = builder
            .build()
            .map_err(|e| invalid("exclude".into(), e.to_string()))?;
        let mut severity_overrides = BTreeMap::new();
        for (rule, sev) in raw.rules.severity {
            let parsed = sev
                .parse::<Severity>()
                .map_err(|m| invalid(format!("rules.severity.\"{rule}\""), m))?;
            severity_overrides.insert(rule, parsed);
        }
        let mut ignores = Vec::new();
        for (i, ig) in raw.ignore.into_iter().enumerate() {
            let field = format!("ignore[{i}]");
            let reason = match ig.reason {
                Some(r) if !r.trim().is_empty() => r,
                _ => return Err(invalid(field, "a reason is required".into())),
            };
            if ig.rule.is_none() && ig.path.is_none() && ig.fingerprint.is_none() {
                return Err(invalid(
                    field,
                    "give at least one of rule, path, fingerprint".into(),
                ));
            }
            let path_glob = match &ig.path {
                Some(p) => Some(glob(path, &field, p)?.compile_matcher()),
                None => None,
            };
            ignores.push(IgnoreEntry {
                rule: ig.rule,
                path: ig.path,
                path_glob,
                fingerprint: ig.fingerprint,
                reason,
                declared_at: format!("{}: {field}", path.display()),
            });
        }
        Ok(Config {
            source: Some(path.to_path_buf()),
            fail_on,
            exclude: raw.exclude,
            exclude_set,
            disabled_rules: raw.rules.disable,
            severity_overrides,
            ignores,
        })
    }

    /// Whether a path (relative to the scanned root, `/`-separated) is excluded.
    #[must_use]
    pub fn is_excluded(&self, rel_path: &str) -> bool {
        self.exclude_set.is_match(rel_path)
    }

    /// Whether a rule is turned off.
    #[must_use]
    pub fn rule_disabled(&self, rule: &str) -> bool {
        self.disabled_rules.iter().any(|r| r == rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("vendorsec.toml")
    }

    #[test]
    fn parses_full_config() {
        let c = Config::parse(
            p(),
            r#"
fail-on = "high"
exclude = ["vendor/**"]
[rules]
disable = ["secret/generic-password"]
severity = { "secret/stripe-test-key" = "info" }
[[ignore]]
rule = "secret/github-pat"
path = "tests/**"
reason = "fixture"
"#,
        )
        .unwrap();
        assert_eq!(c.fail_on, Some(Severity::High));
        assert!(c.is_excluded("vendor/x/y.js"));
        assert!(!c.is_excluded("src/vendor.js"));
        assert!(c.rule_disabled("secret/generic-password"));
        assert_eq!(
            c.severity_overrides["secret/stripe-test-key"],
            Severity::Info
        );
        assert_eq!(c.ignores.len(), 1);
    }

    #[test]
    fn rejects_ignore_without_reason_and_unknown_keys() {
        let e = Config::parse(p(), "[[ignore]]\nrule = \"x\"\n").unwrap_err();
        assert!(e.to_string().contains("reason is required"), "{e}");
        let e = Config::parse(p(), "colour = true\n").unwrap_err();
        assert!(e.to_string().starts_with("vendorsec.toml:"), "{e}");
        let e = Config::parse(p(), "fail-on = \"urgent\"\n").unwrap_err();
        assert!(e.to_string().contains("fail-on"), "{e}");
    }
}
