//! The dependency inventory's side of the walk, shared by `scan` and `sbom`.

use std::io::{self, Read};

use vendorsec_core::Origin;
use vendorsec_deps::inventory::{Collector, MAX_MANIFEST_BYTES, kind_of};

/// When the blob is an inventory file, read it whole (bounded), hand it to the collector
/// and return the bytes read so the caller can scan them too; `None` leaves `rest`
/// untouched.
pub(crate) fn feed_text(
    collector: &Collector,
    origin: &Origin,
    head: &[u8],
    rest: &mut dyn Read,
) -> io::Result<Option<Vec<u8>>> {
    let Some(kind) = kind_of(&origin.chain) else {
        return Ok(None);
    };
    let mut buf = head.to_vec();
    rest.take(MAX_MANIFEST_BYTES + 1 - buf.len().min(MAX_MANIFEST_BYTES as usize) as u64)
        .read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX_MANIFEST_BYTES {
        collector.too_large(&origin.chain, kind, buf.len() as u64);
    } else {
        collector.file(&origin.chain, kind, &buf);
    }
    Ok(Some(buf))
}

/// A binary blob where an inventory file was expected (a pom.properties of garbage): the
/// parser sees its first bytes and reports what is wrong.
pub(crate) fn feed_binary(collector: &Collector, origin: &Origin, head: &[u8]) {
    if let Some(kind) = kind_of(&origin.chain) {
        collector.file(&origin.chain, kind, head);
    }
}
