//! `--format markdown`: a report for pull-request comments and wikis.

use std::fmt::Write as _;

use vendorsec_core::{RuleMeta, ScanReport};

use crate::{guideline_title, rule_name, summary_line};

/// Escape text for a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('`', "'")
        .replace('\n', " ")
}

pub(crate) fn render(report: &ScanReport, rules: &[RuleMeta]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# vendorsec scan report\n");
    let _ = writeln!(out, "{}\n", summary_line(report));
    let _ = writeln!(
        out,
        "Targets: {}\n",
        report
            .targets
            .iter()
            .map(|t| format!("`{}`", cell(t)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if report.findings.is_empty() {
        let _ = writeln!(out, "No findings.\n");
    }
    for g in report.guidelines() {
        let _ = writeln!(out, "## {} — `{g}`\n", cell(&guideline_title(g)));
        let _ = writeln!(
            out,
            "| Severity | Rule | Evidence | Locations | Fingerprint |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|");
        for f in report.findings.iter().filter(|f| f.guideline == g) {
            let locs: Vec<String> = f
                .locations
                .iter()
                .take(5)
                .map(|l| {
                    let mut s = format!("`{}`", cell(&l.origin));
                    if l.line > 0 {
                        s.push_str(&format!(":{}", l.line));
                    }
                    s
                })
                .collect();
            let more = if f.locations.len() > 5 {
                format!(" (+{} more)", f.locations.len() - 5)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "| {} | `{}` {} | `{}` | {}{} | `{}` |",
                f.severity,
                f.rule,
                cell(rule_name(rules, &f.rule)),
                cell(&f.evidence),
                locs.join("<br>"),
                more,
                f.fingerprint
            );
        }
        out.push('\n');
    }
    if !report.diagnostics.is_empty() {
        let _ = writeln!(out, "## Diagnostics\n");
        for d in &report.diagnostics {
            let _ = writeln!(
                out,
                "- **{}** `{}`: {}",
                d.kind.as_str(),
                cell(&d.origin),
                cell(&d.message)
            );
        }
        out.push('\n');
    }
    out
}
