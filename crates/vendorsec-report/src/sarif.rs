//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other viewers.
//!
//! Archive members are artifacts with `parentIndex` pointing at the archive that holds
//! them (SARIF §3.24.3); a result's `artifactLocation` names the innermost artifact by
//! `index` and by a `uri` equal to that artifact's own, so viewers that only read `uri`
//! still show the whole chain (`app.obr!/META-INF/lib/x.jar!/config.properties`).

use std::collections::HashMap;

use serde_json::{Value, json};
use vendorsec_core::{Finding, RuleMeta, ScanReport, Severity};

use crate::guideline_title;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` scale (0–10).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// Percent-encode what may not stand in a URI reference (keep `/`, `!`, unreserved).
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn rule_json(r: &RuleMeta) -> Value {
    let mut help_md = format!(
        "**{}**\n\n{}\n\n**Fix:** {}\n\nGuideline item: `{}` — {}",
        r.name,
        r.description,
        r.remediation,
        r.guideline,
        guideline_title(&r.guideline)
    );
    if !r.references.is_empty() {
        help_md.push_str("\n\nReferences:\n");
        for x in &r.references {
            help_md.push_str(&format!("- {x}\n"));
        }
    }
    let mut rule = json!({
        "id": r.id,
        "name": r.id.rsplit('/').next().unwrap_or(&r.id),
        "shortDescription": { "text": r.name },
        "fullDescription": { "text": r.description },
        "help": {
            "text": format!("{} Fix: {} (guideline item {})", r.description, r.remediation, r.guideline),
            "markdown": help_md,
        },
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": {
            "tags": ["security", r.guideline.clone()],
            "security-severity": security_severity(r.severity),
            "precision": "high",
        },
    });
    if let Some(first) = r.references.first() {
        rule["helpUri"] = Value::from(first.clone());
    }
    rule
}

struct Artifacts {
    list: Vec<Value>,
    index: HashMap<String, usize>,
}

impl Artifacts {
    /// The index of the artifact for `chain`, adding it and its parents as needed.
    fn intern(&mut self, chain: &[String]) -> usize {
        let key = chain.join("!/");
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let parent = (chain.len() > 1).then(|| self.intern(&chain[..chain.len() - 1]));
        let mut a = json!({ "location": { "uri": uri(&key) } });
        if let Some(p) = parent {
            a["parentIndex"] = Value::from(p);
        }
        self.list.push(a);
        let i = self.list.len() - 1;
        self.index.insert(key, i);
        i
    }
}

/// A result; `artifacts` holds the index of each location's artifact.
fn result_json(f: &Finding, rule_index: Option<usize>, artifacts: &[usize]) -> Value {
    let locations: Vec<Value> = f
        .locations
        .iter()
        .zip(artifacts)
        .map(|(l, &idx)| {
            let mut phys = json!({
                "artifactLocation": { "uri": uri(&l.chain.join("!/")), "index": idx },
            });
            if l.line > 0 {
                phys["region"] = json!({
                    "startLine": l.line,
                    "startColumn": l.column.max(1),
                    "endLine": l.end_line.max(l.line),
                    "endColumn": l.end_column.max(1),
                });
            }
            let mut loc = json!({ "physicalLocation": phys });
            if let Some(c) = &l.commit {
                loc["properties"] = json!({
                    "commit": c.id, "author": c.author, "email": c.email, "date": c.date,
                });
            }
            loc
        })
        .collect();
    let (primary, related) = match locations.split_first() {
        Some((p, rest)) => (vec![p.clone()], rest.to_vec()),
        None => (Vec::new(), Vec::new()),
    };
    let mut message = format!("{} Evidence: {}", f.message, f.evidence);
    if f.locations.len() > 1 {
        message.push_str(&format!(" (seen in {} places)", f.locations.len()));
    }
    let mut r = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": { "text": message },
        "locations": primary,
        "partialFingerprints": { "vendorsec/v1": f.fingerprint },
        "properties": {
            "severity": f.severity.as_str(),
            "confidence": f.confidence.as_str(),
            "guideline": f.guideline,
            "remediation": f.remediation,
            "data": Value::Object(f.data.clone()),
        },
    });
    if let Some(i) = rule_index {
        r["ruleIndex"] = Value::from(i);
    }
    if !related.is_empty() {
        let related: Vec<Value> = related
            .into_iter()
            .enumerate()
            .map(|(i, mut v)| {
                v["id"] = Value::from(i + 1);
                v["message"] = json!({ "text": "same secret" });
                v
            })
            .collect();
        r["relatedLocations"] = Value::from(related);
    }
    r
}

/// The artifacts of every finding's locations, interned in the order they are first named,
/// and the index of each location's artifact, finding by finding.
fn artifacts(report: &ScanReport) -> (Vec<Value>, Vec<Vec<usize>>) {
    let mut artifacts = Artifacts {
        list: Vec::new(),
        index: HashMap::new(),
    };
    let ids = report
        .findings
        .iter()
        .map(|f| {
            f.locations
                .iter()
                .map(|l| artifacts.intern(&l.chain))
                .collect()
        })
        .collect();
    (artifacts.list, ids)
}

/// The whole SARIF log, with `results`.
fn document(
    report: &ScanReport,
    rules: &[RuleMeta],
    artifacts: Vec<Value>,
    results: Vec<Value>,
) -> Value {
    let notifications: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            json!({
                "level": "warning",
                "message": { "text": if d.origin.is_empty() { d.message.clone() } else { format!("{}: {}", d.origin, d.message) } },
                "descriptor": { "id": d.kind.as_str() },
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "vendorsec",
                "version": report.version,
                "semanticVersion": report.version,
                "informationUri": "https://github.com/vendorsec/vendorsec",
                "rules": rules.iter().map(rule_json).collect::<Vec<_>>(),
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "artifacts": artifacts,
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn rule_indexes(rules: &[RuleMeta]) -> HashMap<&str, usize> {
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect()
}

/// The log as one `serde_json` value rendered at once (what [`render`] writes, byte for
/// byte; its fallback).
pub(crate) fn render_whole(report: &ScanReport, rules: &[RuleMeta]) -> String {
    let rule_index = rule_indexes(rules);
    let (artifacts, ids) = artifacts(report);
    let results = report
        .findings
        .iter()
        .zip(&ids)
        .map(|(f, ids)| result_json(f, rule_index.get(f.rule.as_str()).copied(), ids))
        .collect();
    let mut s = serde_json::to_string_pretty(&document(report, rules, artifacts, results))
        .unwrap_or_default();
    s.push('\n');
    s
}

/// The SARIF log. Its results are rendered in parallel, each as a `serde_json` value
/// dropped once written: built all at once, the values of 10,000 results held 150 MB.
pub(crate) fn render(report: &ScanReport, rules: &[RuleMeta]) -> String {
    render_spliced(report, rules).unwrap_or_else(|| render_whole(report, rules))
}

/// [`render`]'s way: the log without results, with the results rendered apart put in.
pub(crate) fn render_spliced(report: &ScanReport, rules: &[RuleMeta]) -> Option<String> {
    let rule_index = rule_indexes(rules);
    let (artifacts, ids) = artifacts(report);
    let outer =
        serde_json::to_string_pretty(&document(report, rules, artifacts, Vec::new())).ok()?;
    let mut s =
        crate::pretty::splice_array(&outer, "results", 3, &report.findings, |buf, f, i| {
            let ids = ids.get(i).map_or(&[][..], Vec::as_slice);
            let r = result_json(f, rule_index.get(f.rule.as_str()).copied(), ids);
            serde_json::to_writer_pretty(buf, &r)
        })?
        .ok()?;
    s.push('\n');
    Some(s)
}
