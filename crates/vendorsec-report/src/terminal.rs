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

fn data_str<'a>(f: &'a Finding, key: &str) -> Option<&'a str> {
    f.data.get(key).and_then(serde_json::Value::as_str)
}

fn write_locations(out: &mut String, f: &Finding, indent: &str) {
    for (i, l) in f.locations.iter().enumerate() {
        if i == 8 {
            let _ = writeln!(
                out,
                "{indent}… and {} more locations",
                f.locations.len() - 8
            );
            break;
        }
        let mut line = format!("{indent}at {}", l.origin);
        if l.line > 0 {
            let _ = write!(line, ":{}", l.line);
        }
        let _ = writeln!(out, "{line}");
    }
}

/// Dependency findings: one block per component (name, version, ecosystem), with the
/// upgrade that fixes all of its vulnerabilities, then one line per vulnerability.
fn render_components(out: &mut String, p: &Paint, fs: &[&&Finding]) {
    let mut order: Vec<&str> = Vec::new();
    for f in fs {
        let c = data_str(f, "component").unwrap_or("");
        if !order.contains(&c) {
            order.push(c);
        }
    }
    for c in order {
        let mine: Vec<&&&Finding> = fs
            .iter()
            .filter(|f| data_str(f, "component") == Some(c))
            .collect();
        let first = mine[0];
        let top = mine
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Info);
        let fix = match data_str(first, "component_fix") {
            Some(v) => format!("fix: upgrade to {v} or later"),
            None => "fix: no single published upgrade fixes all of these".to_owned(),
        };
        let _ = writeln!(
            out,
            "    {} {} {}  {}",
            p.severity(top),
            p.bold(c),
            p.dim(&format!("({})", data_str(first, "ecosystem").unwrap_or(""))),
            fix
        );
        write_locations(out, first, "      ");
        for f in mine {
            let ids: Vec<&str> = f
                .data
                .get("ids")
                .and_then(serde_json::Value::as_array)
                .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
                .unwrap_or_default();
            let score = f
                .data
                .get("cvss_score")
                .and_then(serde_json::Value::as_f64)
                .map_or_else(
                    || data_str(f, "database_severity").map_or(String::new(), |l| format!(" {l}")),
                    |s| format!(" CVSS {s:.1}"),
                );
            let fixed =
                data_str(f, "fixed").map_or_else(|| " (no fix)".to_owned(), |v| format!(" → {v}"));
            let summary = f.message.split_once(": ").map_or("", |x| x.1);
            let _ = writeln!(
                out,
                "      {} {}{}{}  {}",
                p.severity(f.severity),
                ids.join(" "),
                p.dim(&score),
                fixed,
                summary
            );
        }
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
            if fs.iter().all(|f| f.data.contains_key("component")) {
                render_components(&mut out, &p, &fs);
                continue;
            }
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
