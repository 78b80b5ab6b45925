//! `--format json`: the report as one JSON document (schema in the README, versioned by
//! `schema_version`).

use vendorsec_core::ScanReport;

pub(crate) fn render(report: &ScanReport) -> String {
    let mut s = pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialise report: {e}\"}}"));
    s.push('\n');
    s
}

/// `serde_json::to_string_pretty(report)`, byte for byte, with the findings rendered in
/// parallel: a hunt over a large log reports tens of thousands, and rendering them one after
/// the other was most of the time spent after the last event was matched.
fn pretty(report: &ScanReport) -> serde_json::Result<String> {
    spliced(report).unwrap_or_else(|| serde_json::to_string_pretty(report))
}

/// [`pretty`]'s way: the report without findings, with the findings rendered apart put in.
pub(crate) fn spliced(report: &ScanReport) -> Option<serde_json::Result<String>> {
    let outer = match serde_json::to_string_pretty(&report.without_findings()) {
        Ok(o) => o,
        Err(e) => return Some(Err(e)),
    };
    crate::pretty::splice_array(&outer, "findings", 1, &report.findings, |buf, f, _| {
        serde_json::to_writer_pretty(buf, f)
    })
}
