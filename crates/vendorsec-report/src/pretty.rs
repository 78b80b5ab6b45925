//! Pretty JSON with a large array rendered in parallel: byte for byte what
//! `serde_json::to_string_pretty` writes for the whole document.

use rayon::prelude::*;

/// `outer`, pretty JSON with an empty array under `key` on a line of its own indented by
/// `depth` levels (two spaces each), with that array filled by `items`, each written by
/// `one` (given a buffer, the item and its index) as pretty JSON, which is then indented one
/// level deeper. Items are rendered in parallel, in runs of 256, each run into one buffer,
/// and what `one` builds for an item is dropped once it is written. `None` when `outer` has
/// no such line.
///
/// A key is the only thing on its line at its depth (a JSON string holds no raw line
/// break), so the line is found exactly.
pub(crate) fn splice_array<T, F>(
    outer: &str,
    key: &str,
    depth: usize,
    items: &[T],
    one: F,
) -> Option<serde_json::Result<String>>
where
    T: Sync,
    F: Fn(&mut Vec<u8>, &T, usize) -> serde_json::Result<()> + Sync,
{
    const RUN: usize = 256;
    let empty = format!("\n{}\"{key}\": []", "  ".repeat(depth));
    let at = outer.find(&empty)?;
    let indent = "  ".repeat(depth + 1);
    let parts: serde_json::Result<Vec<Vec<u8>>> = items
        .par_chunks(RUN)
        .enumerate()
        .map(|(k, run)| {
            let mut out = Vec::with_capacity(run.len() * 1536);
            let mut buf = Vec::with_capacity(4096);
            for (i, item) in run.iter().enumerate() {
                buf.clear();
                one(&mut buf, item, k * RUN + i)?;
                out.extend_from_slice(b",\n");
                out.extend_from_slice(indent.as_bytes());
                // (A string holds no raw line break: each one is the serializer's.)
                let mut rest = &buf[..];
                while let Some(nl) = memchr::memchr(b'\n', rest) {
                    out.extend_from_slice(&rest[..=nl]);
                    out.extend_from_slice(indent.as_bytes());
                    rest = &rest[nl + 1..];
                }
                out.extend_from_slice(rest);
            }
            Ok(out)
        })
        .collect();
    let parts = match parts {
        Ok(p) => p,
        Err(e) => return Some(Err(e)),
    };
    let mut s = Vec::with_capacity(outer.len() + parts.iter().map(Vec::len).sum::<usize>() + 8);
    s.extend_from_slice(&outer.as_bytes()[..at]);
    s.extend_from_slice(empty.strip_suffix(']').unwrap_or(&empty).as_bytes());
    for (i, p) in parts.iter().enumerate() {
        // (Each run starts with a separator: the very first has none.)
        s.extend_from_slice(if i == 0 {
            p.strip_prefix(b",").unwrap_or(p)
        } else {
            p
        });
    }
    if !parts.is_empty() {
        s.push(b'\n');
        s.extend_from_slice("  ".repeat(depth).as_bytes());
    }
    s.push(b']');
    s.extend_from_slice(&outer.as_bytes()[at + empty.len()..]);
    // (Every piece is serde_json's UTF-8 output, cut at ASCII bytes.)
    Some(String::from_utf8(s).map_err(|e| serde::ser::Error::custom(e.to_string())))
}
