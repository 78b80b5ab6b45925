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
    use rayon::prelude::*;
    // Where the findings go in the document rendered without them: a top-level key is the
    // only thing on a line indented by two spaces (a string holds no raw line break).
    const EMPTY: &str = "\n  \"findings\": []";
    let outer = serde_json::to_string_pretty(&report.without_findings())?;
    let Some(at) = outer.find(EMPTY) else {
        return serde_json::to_string_pretty(report);
    };
    // Runs of findings, each rendered into one buffer (not one per finding: fewer
    // allocations to make and to touch), every line indented to the array's depth.
    let parts: Vec<Vec<u8>> = report
        .findings
        .par_chunks(256)
        .map(|run| {
            let mut out = Vec::with_capacity(run.len() * 1536);
            let mut one = Vec::with_capacity(4096);
            for f in run {
                one.clear();
                serde_json::to_writer_pretty(&mut one, f)?;
                out.extend_from_slice(b",\n    ");
                // (A string holds no raw line break: each one is the serializer's.)
                let mut rest = &one[..];
                while let Some(at) = memchr::memchr(b'\n', rest) {
                    out.extend_from_slice(&rest[..=at]);
                    out.extend_from_slice(b"    ");
                    rest = &rest[at + 1..];
                }
                out.extend_from_slice(rest);
            }
            Ok(out)
        })
        .collect::<serde_json::Result<_>>()?;
    let mut s = Vec::with_capacity(outer.len() + parts.iter().map(Vec::len).sum::<usize>() + 8);
    s.extend_from_slice(&outer.as_bytes()[..at]);
    s.extend_from_slice(b"\n  \"findings\": [");
    for (i, p) in parts.iter().enumerate() {
        // (Each run starts with a separator: the very first has none.)
        s.extend_from_slice(if i == 0 {
            p.strip_prefix(b",").unwrap_or(p)
        } else {
            p
        });
    }
    s.extend_from_slice(if parts.is_empty() { b"]" } else { b"\n  ]" });
    s.extend_from_slice(&outer.as_bytes()[at + EMPTY.len()..]);
    // (Every piece is serde_json's UTF-8 output, cut at ASCII bytes.)
    String::from_utf8(s).map_err(|e| serde::ser::Error::custom(e.to_string()))
}
