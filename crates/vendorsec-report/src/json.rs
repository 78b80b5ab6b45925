//! `--format json`: the report as one JSON document (schema in the README, versioned by
//! `schema_version`).

use vendorsec_core::ScanReport;

pub(crate) fn render(report: &ScanReport) -> String {
    let mut s = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialise report: {e}\"}}"));
    s.push('\n');
    s
}
