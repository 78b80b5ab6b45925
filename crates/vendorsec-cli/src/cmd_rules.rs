//! `vendorsec rules list|check`.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context;
use vendorsec_core::RuleMeta;
use vendorsec_secrets::{Engine, RuleSet, keystore};

use crate::cli::{RulesArgs, RulesCommand};
use crate::output;

/// The built-in secret rules, compiled.
pub(crate) fn builtin_engine(keep: impl Fn(&str) -> bool) -> anyhow::Result<Engine> {
    let rules = RuleSet::builtin()
        .context("built-in rules")?
        .filtered(|r| keep(&r.id));
    Engine::new(rules).context("compiling rules")
}

/// Metadata of every rule an engine runs, plus the rules that are code.
pub(crate) fn rule_metas(engine: &Engine) -> Vec<RuleMeta> {
    let mut metas: Vec<RuleMeta> = engine
        .rules()
        .map(|r| RuleMeta {
            id: r.id.clone(),
            name: r.name.clone(),
            description: r.description.clone(),
            severity: r.severity,
            guideline: r.guideline.clone(),
            remediation: r.remediation.clone().unwrap_or_else(|| {
                "Revoke and rotate this credential at its issuer, remove it from the code and history, and load it at run time from a secret store or the environment.".into()
            }),
            references: r.references.clone(),
        })
        .collect();
    for (id, name, description) in vendorsec_deps::analyse::RULES {
        metas.push(RuleMeta {
            id: id.into(),
            name: name.into(),
            description: description.into(),
            severity: if id == vendorsec_deps::analyse::RULE_NOTICE {
                vendorsec_core::Severity::Info
            } else {
                vendorsec_core::Severity::High
            },
            guideline: vendorsec_deps::analyse::GUIDELINE.into(),
            remediation: "Upgrade the component to a fixed version (the finding names the nearest one), or replace it.".into(),
            references: vec!["https://osv.dev/".into()],
        });
    }
    for (id, name, description, severity, guideline) in vendorsec_apps::RULES {
        metas.push(RuleMeta {
            id: id.into(),
            name: name.into(),
            description: description.into(),
            severity,
            guideline: guideline.into(),
            remediation: description.into(),
            references: vec![
                "https://developer.atlassian.com/platform/marketplace/security-requirements/"
                    .into(),
            ],
        });
    }
    metas.extend(probe_metas());
    metas.extend(log_metas());
    metas.push(RuleMeta {
        id: keystore::RULE_ID.into(),
        name: keystore::RULE_NAME.into(),
        description: keystore::DESCRIPTION.into(),
        severity: keystore::SEVERITY,
        guideline: "code.no-hardcoded-credentials".into(),
        remediation: keystore::REMEDIATION.into(),
        references: Vec::new(),
    });
    metas
}

pub(crate) fn run(args: &RulesArgs) -> anyhow::Result<ExitCode> {
    let engine = builtin_engine(|_| true)?;
    match args.command {
        RulesCommand::List { json } => {
            let metas = rule_metas(&engine);
            let text = if json {
                let mut s = serde_json::to_string_pretty(&metas)?;
                s.push('\n');
                s
            } else {
                let mut s = String::new();
                for m in &metas {
                    let _ = writeln!(
                        s,
                        "{:<48} {:<8} {:<32} {}",
                        m.id, m.severity, m.guideline, m.name
                    );
                }
                let _ = writeln!(s, "{} rules", metas.len());
                s
            };
            output::write(None, &text)?;
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Check => {
            engine.compile_all()?;
            let failures = engine.check_examples();
            let mut s = String::new();
            let total_examples: usize = engine
                .rules()
                .map(|r| r.examples.len() + r.negative_examples.len())
                .sum();
            for f in &failures {
                let _ = writeln!(
                    s,
                    "FAIL {} {} example #{}",
                    f.rule,
                    if f.positive {
                        "positive (did not match)"
                    } else {
                        "negative (matched)"
                    },
                    f.example_index
                );
            }
            let _ = writeln!(
                s,
                "{} rules, {} examples: {} passed, {} failed",
                engine.rules().len(),
                total_examples,
                total_examples - failures.len(),
                failures.len()
            );
            output::write(None, &s)?;
            Ok(if failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

/// The rules of `vendorsec probe` (live checks; present when built with `network`).
pub(crate) fn probe_metas() -> Vec<RuleMeta> {
    #[cfg(feature = "network")]
    {
        vendorsec_probe::RULES
            .iter()
            .map(
                |(id, name, description, severity, guideline, check, csrt)| RuleMeta {
                    id: (*id).into(),
                    name: (*name).into(),
                    description: if check.is_empty() {
                        (*description).into()
                    } else {
                        format!("{description} ({check}; CSRT requirement {csrt})")
                    },
                    severity: *severity,
                    guideline: (*guideline).into(),
                    remediation: (*description).into(),
                    references: vec![
                    "https://developer.atlassian.com/platform/marketplace/security-requirements/"
                        .into(),
                ],
                },
            )
            .collect()
    }
    #[cfg(not(feature = "network"))]
    {
        Vec::new()
    }
}

/// A Sigma detection rule as a report's rule (`sigma/<file stem>`).
pub(crate) fn sigma_meta(r: &vendorsec_logs::Rule) -> RuleMeta {
    RuleMeta {
        id: format!("sigma/{}", r.stem),
        name: r.title.clone(),
        description: r.description.clone(),
        severity: vendorsec_logs::severity(&r.level),
        guideline: vendorsec_logs::guideline_of(&r.path).into(),
        remediation: vendorsec_logs::MATCH_REMEDIATION.into(),
        references: Vec::new(),
    }
}

/// The log rules shipped in the binary: the guideline pack (detections and correlations)
/// and the sensitive-data detectors of `logs secrets`.
pub(crate) fn log_metas() -> Vec<RuleMeta> {
    let pack = vendorsec_logs::pack::builtin();
    let mut out: Vec<RuleMeta> = pack.rules.iter().map(sigma_meta).collect();
    out.extend(pack.correlations.iter().map(|c| RuleMeta {
        id: format!("sigma/{}", c.name),
        name: c.title.clone(),
        description: format!("Sigma correlation over {}", c.rules.join(", ")),
        severity: vendorsec_logs::severity(&c.level),
        guideline: vendorsec_logs::guideline_of(&c.path).into(),
        remediation: vendorsec_logs::CORRELATION_REMEDIATION.into(),
        references: Vec::new(),
    }));
    out.push(RuleMeta {
        id: "logs/first-seen-login".into(),
        name: "Login from a country, network or user agent never seen for the user".into(),
        description: "A successful login from a country or ASN (MaxMind DB) or a user-agent family never seen for this user before (--first-seen).".into(),
        severity: vendorsec_core::Severity::Medium,
        guideline: "infra.logging-security-events".into(),
        remediation: "Confirm the login with the user; if it was not theirs, reset credentials and sessions.".into(),
        references: Vec::new(),
    });
    out.extend(
        vendorsec_logs::pii::RULES
            .iter()
            .map(|(id, name, severity)| RuleMeta {
                id: (*id).into(),
                name: (*name).into(),
                description: (*name).into(),
                severity: *severity,
                guideline: "infra.no-sensitive-data-in-logs".into(),
                remediation:
                    "Stop logging the value, purge it from stored logs, rotate what was exposed."
                        .into(),
                references: Vec::new(),
            }),
    );
    out
}
