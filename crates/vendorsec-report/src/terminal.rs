//! The default terminal report: grouped by guideline item, then rule; colours only when
//! asked (the binary asks when stdout is a TTY).

use std::fmt::Write as _;

use vendorsec_core::{Finding, RuleMeta, ScanReport, Severity};

use crate::{guideline_title, rule_name, summary_line};

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn bold(&self, t: &str) -> String {
        self.wrap("1", t)
    }
    fn dim(&self, t: &str) -> String {
        self.wrap("2", t)
    }
    fn severity(&self, s: Severity) -> String {
        let label = s.as_str().to_uppercase();
        let code = match s {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.wrap(code, &format!("{label:<8}"))
    }
}

pub(crate) fn render(report: &ScanReport, rules: &[RuleMeta], color: bool) -> String {
    let p = Paint { on: color };
    let mut out = String::new();
    for g in report.guidelines() {
        let _ = writeln!(
            out,
            "{} {}",
            p.bold(g),
            p.dim(&format!("— {}", guideline_title(g)))
        );
        let in_g: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.guideline == g)
            .collect();
        let mut rule_ids: Vec<&str> = in_g.iter().map(|f| f.rule.as_str()).collect();
        rule_ids.sort_unstable();
        rule_ids.dedup();
        for r in rule_ids {
            let fs: Vec<&&Finding> = in_g.iter().filter(|f| f.rule == r).collect();
            let _ = writeln!(
                out,
                "  {} {}",
                p.bold(r),
                p.dim(&format!(
                    "{} ({} finding{})",
                    rule_name(rules, r),
                    fs.len(),
                    if fs.len() == 1 { "" } else { "s" }
                ))
            );
            for f in fs {
                let _ = writeln!(
                    out,
                    "    {} {}  {}",
                    p.severity(f.severity),
                    p.dim(&format!("{} confidence", f.confidence)),
                    f.evidence
                );
                for (i, l) in f.locations.iter().enumerate() {
                    if i == 8 {
                        let _ =
                            writeln!(out, "      … and {} more locations", f.locations.len() - 8);
                        break;
                    }
                    let mut line = format!("      at {}", l.origin);
                    if l.line > 0 {
                        let _ = write!(line, ":{}:{}", l.line, l.column);
                    }
                    if let Some(c) = &l.commit {
                        let _ = write!(
                            line,
                            "  (commit {} by {} on {})",
                            &c.id[..c.id.len().min(12)],
                            c.author,
                            c.date
                        );
                    }
                    let _ = writeln!(out, "{line}");
                }
                let _ = writeln!(
                    out,
                    "      {}",
                    p.dim(&format!("fingerprint {}", f.fingerprint))
                );
            }
        }
        out.push('\n');
    }
    if !report.diagnostics.is_empty() {
        let _ = writeln!(out, "{}", p.bold("Diagnostics"));
        for d in &report.diagnostics {
            let at = if d.origin.is_empty() {
                String::new()
            } else {
                format!("{}: ", d.origin)
            };
            let _ = writeln!(
                out,
                "  {} {at}{}",
                p.dim(&format!("[{}]", d.kind.as_str())),
                d.message
            );
        }
        out.push('\n');
    }
    let failing = report.failing();
    let verdict = if failing > 0 {
        p.wrap("1;31", &format!("{failing} at or above {}", report.fail_on))
    } else {
        p.wrap("32", &format!("none at or above {}", report.fail_on))
    };
    let _ = writeln!(out, "{} · {verdict}", summary_line(report));
    out
}
