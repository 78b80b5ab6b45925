//! Config and baseline suppression, applied after all analysers ran. Inline
//! `vendorsec:ignore` comments are applied by the analysers that see the text.
//! Every suppression that matched nothing is reported.

use crate::baseline::Baseline;
use crate::config::Config;
use crate::finding::{Diagnostic, DiagnosticKind, Finding};

/// Apply severity overrides, `[[ignore]]` entries and a baseline; returns the findings kept,
/// how many were suppressed, and a diagnostic per unused suppression.
#[must_use]
pub fn apply(
    config: &Config,
    baseline: Option<(&str, &Baseline)>,
    findings: Vec<Finding>,
) -> (Vec<Finding>, u64, Vec<Diagnostic>) {
    let mut used_ignores = vec![false; config.ignores.len()];
    let baseline_fps = baseline.map(|(_, b)| b.fingerprints());
    let mut used_baseline = std::collections::BTreeSet::new();
    let mut kept = Vec::with_capacity(findings.len());
    let mut suppressed = 0u64;

    for mut f in findings {
        if config.rule_disabled(&f.rule) {
            continue;
        }
        if let Some(sev) = config.severity_overrides.get(&f.rule) {
            f.severity = *sev;
        }
        if let Some(fps) = &baseline_fps
            && let Some(fp) = fps.get(f.fingerprint.as_str())
        {
            used_baseline.insert(*fp);
            suppressed += 1;
            continue;
        }
        for (i, ig) in config.ignores.iter().enumerate() {
            if ig.rule.as_ref().is_some_and(|r| r != &f.rule && r != "*") {
                continue;
            }
            if ig
                .fingerprint
                .as_ref()
                .is_some_and(|fp| fp != &f.fingerprint)
            {
                continue;
            }
            match &ig.path_glob {
                None => f.locations.clear(),
                Some(g) => {
                    let before = f.locations.len();
                    f.locations
                        .retain(|l| !g.is_match(l.path()) && !g.is_match(&l.origin));
                    if f.locations.len() == before {
                        continue;
                    }
                }
            }
            used_ignores[i] = true;
            if f.locations.is_empty() {
                break;
            }
        }
        if f.locations.is_empty() {
            suppressed += 1;
        } else {
            kept.push(f);
        }
    }

    let mut diagnostics = Vec::new();
    for (ig, used) in config.ignores.iter().zip(used_ignores) {
        if !used {
            diagnostics.push(Diagnostic::new(
                DiagnosticKind::UnusedSuppression,
                ig.declared_at.clone(),
                format!(
                    "ignore entry matched no finding (rule {}, path {}, fingerprint {}; reason: {})",
                    ig.rule.as_deref().unwrap_or("any"),
                    ig.path.as_deref().unwrap_or("any"),
                    ig.fingerprint.as_deref().unwrap_or("any"),
                    ig.reason
                ),
            ));
        }
    }
    if let Some((path, b)) = baseline {
        for e in &b.findings {
            if !used_baseline.contains(e.fingerprint.as_str()) {
                diagnostics.push(Diagnostic::new(
                    DiagnosticKind::UnusedSuppression,
                    path.to_string(),
                    format!(
                        "baseline entry {} ({} at {}) matched no finding: it was fixed or its rule changed",
                        e.fingerprint, e.rule, e.origin
                    ),
                ));
            }
        }
    }
    (kept, suppressed, diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Confidence, Location, Origin, Severity};
    use std::path::Path;

    fn finding(rule: &str, fp: &str, paths: &[&str]) -> Finding {
        Finding {
            rule: rule.into(),
            guideline: "code.no-hardcoded-credentials".into(),
            severity: Severity::High,
            confidence: Confidence::High,
            message: String::new(),
            remediation: String::new(),
            evidence: String::new(),
            fingerprint: fp.into(),
            locations: paths
                .iter()
                .map(|p| Location::new(&Origin::file(*p), 1, 1, 1, 2))
                .collect(),
            data: serde_json::Map::new(),
        }
    }

    #[test]
    fn path_ignore_drops_only_matching_locations_and_unused_are_reported() {
        let config = Config::parse(
            Path::new("vendorsec.toml"),
            "[[ignore]]\npath = \"tests/**\"\nreason = \"fixtures\"\n[[ignore]]\nrule = \"secret/none\"\nreason = \"stale\"\n",
        )
        .unwrap();
        let (kept, suppressed, diags) = apply(
            &config,
            None,
            vec![
                finding("secret/a", "1", &["src/a.rs", "tests/b.rs"]),
                finding("secret/a", "2", &["tests/c.rs"]),
            ],
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].locations.len(), 1);
        assert_eq!(suppressed, 1);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("secret/none"));
    }

    #[test]
    fn baseline_suppresses_known_and_reports_stale() {
        let f1 = finding("secret/a", "1", &["a"]);
        let stale = finding("secret/a", "9", &["z"]);
        let b = Baseline::from_findings(&[f1.clone(), stale]);
        let (kept, suppressed, diags) = apply(
            &Config::default(),
            Some(("base.json", &b)),
            vec![f1, finding("secret/a", "2", &["b"])],
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].fingerprint, "2");
        assert_eq!(suppressed, 1);
        assert_eq!(diags.len(), 1);
    }
}
