//! `vendorsec checklist`: the guideline catalog with the rules that automate each item.

use std::fmt::Write as _;
use std::process::ExitCode;

use serde_json::json;
use vendorsec_core::catalog;

use crate::cli::{ChecklistArgs, OutputFormat};
use crate::cmd_rules::{builtin_engine, rule_metas};
use crate::output;

fn refs(list: &[catalog::ControlRef]) -> String {
    list.iter()
        .map(|r| format!("{} ({})", r.reference, r.source))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn run(args: &ChecklistArgs) -> anyhow::Result<ExitCode> {
    let engine = builtin_engine(|_| true)?;
    let metas = rule_metas(&engine);
    let rules_for = |id: &str| -> Vec<&str> {
        metas
            .iter()
            .filter(|m| m.guideline == id)
            .map(|m| m.id.as_str())
            .collect()
    };
    let items = catalog::items();
    let text = match args.format {
        OutputFormat::Sarif => {
            anyhow::bail!("checklist prints terminal, json or markdown; SARIF is for scan results")
        }
        OutputFormat::Json => {
            let v: Vec<_> = items
                .iter()
                .map(|i| {
                    json!({
                        "id": i.id, "section": i.section, "title": i.title,
                        "automation": i.automation.as_str(),
                        "rules": rules_for(&i.id),
                        "soc2": i.soc2, "iso27001": i.iso27001,
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&v)?;
            s.push('\n');
            s
        }
        OutputFormat::Markdown => {
            let mut s = String::from(
                "# Guideline checklist\n\n| Item | Section | Automation | Rules | SOC 2 | ISO 27001:2022 |\n|---|---|---|---|---|---|\n",
            );
            for i in items {
                let r = rules_for(&i.id);
                let rules = if r.is_empty() {
                    "—".to_string()
                } else {
                    format!("{} rules", r.len())
                };
                let _ = writeln!(
                    s,
                    "| `{}` {} | {} | {} | {} | {} | {} |",
                    i.id,
                    i.title,
                    i.section,
                    i.automation.as_str(),
                    rules,
                    refs(&i.soc2),
                    refs(&i.iso27001)
                );
            }
            s.push_str("\nSources of the mappings: M1/M2/M3 intuitem crosswalks, CO strongdm/comply, E editorial (see the README).\n");
            s
        }
        OutputFormat::Terminal => {
            let mut s = String::new();
            let mut section = "";
            let mut automated = 0;
            for i in items {
                if i.section != section {
                    section = &i.section;
                    let _ = writeln!(s, "\n{section}");
                }
                let r = rules_for(&i.id);
                if !r.is_empty() {
                    automated += 1;
                }
                let status = if r.is_empty() {
                    match i.automation {
                        catalog::Automation::Manual => {
                            "manual: evidence only a person can supply".to_string()
                        }
                        _ => "not yet checked by vendorsec".to_string(),
                    }
                } else {
                    format!(
                        "checked by {} rule{}",
                        r.len(),
                        if r.len() == 1 { "" } else { "s" }
                    )
                };
                let _ = writeln!(s, "  {:<36} [{}] {}", i.id, i.automation.as_str(), i.title);
                let _ = writeln!(s, "  {:<36} {}", "", status);
                if !r.is_empty() && r.len() <= 6 {
                    let _ = writeln!(s, "  {:<36} rules: {}", "", r.join(", "));
                } else if !r.is_empty() {
                    let _ = writeln!(
                        s,
                        "  {:<36} rules: {}, … (`vendorsec rules list`)",
                        "",
                        r[..6].join(", ")
                    );
                }
                let _ = writeln!(
                    s,
                    "  {:<36} SOC 2: {} · ISO 27001: {}",
                    "",
                    refs(&i.soc2),
                    refs(&i.iso27001)
                );
            }
            let _ = writeln!(
                s,
                "\n{} items; {} checked by vendorsec rules today. Mapping sources: M1/M2/M3 intuitem crosswalks, CO strongdm/comply, E editorial.",
                items.len(),
                automated
            );
            s
        }
    };
    output::write(None, &text)?;
    Ok(ExitCode::SUCCESS)
}
