//! Renderers of a [`ScanReport`]: terminal text, JSON, SARIF 2.1.0 and Markdown.
//!
//! Every renderer returns a `String`; only the binary writes it out. Findings arrive with
//! their secrets already redacted, and nothing here ever sees a full secret.

mod json;
mod markdown;
mod pretty;
mod sarif;
mod terminal;

use vendorsec_core::{RuleMeta, ScanReport};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Terminal,
    Json,
    Sarif,
    Markdown,
}

/// Render `report` in `format`. `rules` describes every rule that can appear (for SARIF's
/// rule table and the terminal's headings); `color` turns on ANSI colours (terminal only).
#[must_use]
pub fn render(report: &ScanReport, rules: &[RuleMeta], format: Format, color: bool) -> String {
    match format {
        Format::Terminal => terminal::render(report, rules, color),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report, rules),
        Format::Markdown => markdown::render(report, rules),
    }
}

/// The catalog title of a guideline item, or the id itself.
fn guideline_title(id: &str) -> String {
    vendorsec_core::catalog::item(id).map_or_else(|| id.to_string(), |i| i.title.clone())
}

fn rule_name<'a>(rules: &'a [RuleMeta], id: &'a str) -> &'a str {
    rules
        .iter()
        .find(|r| r.id == id)
        .map_or(id, |r| r.name.as_str())
}

fn summary_line(report: &ScanReport) -> String {
    let counts: Vec<String> = report
        .counts()
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let s = &report.stats;
    // What was read, when something was (a probe reads no files).
    let read = if s.blobs_scanned > 0 || s.bytes_scanned > 0 || s.archives > 0 {
        format!(
            " · {} blobs, {:.1} MB scanned, {} binary skipped, {} archives",
            s.blobs_scanned,
            s.bytes_scanned as f64 / 1e6,
            s.blobs_binary,
            s.archives
        )
    } else {
        String::new()
    };
    format!(
        "{} finding{}{}{read} · {} suppressed · {} diagnostic{} · {:.2}s",
        report.findings.len(),
        if report.findings.len() == 1 { "" } else { "s" },
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        },
        s.suppressed,
        report.diagnostics.len(),
        if report.diagnostics.len() == 1 {
            ""
        } else {
            "s"
        },
        s.duration_ms as f64 / 1000.0,
    )
}

#[cfg(test)]
mod tests;
