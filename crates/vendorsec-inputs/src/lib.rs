//! Inputs for vendorsec: walk directories (honouring ignore files), open archives (zip,
//! jar, war, ear, obr, whl, nupkg, tar, tar.gz, tgz, gz) nested to a depth limit, read
//! stdin, and read git history, handing every blob to a [`Visitor`] with its origin chain.
//!
//! Every resource is bounded: total uncompressed bytes per top-level archive, the
//! compression ratio of each entry, the size of a nested archive held in memory, the number
//! of entries, the nesting depth. Whatever goes wrong becomes a [`Diagnostic`] and the walk
//! goes on; archive entries are never written to disk, so `../` names are only reported.

mod archive;
mod classfile;
mod git;
mod limits;
mod sniff;
mod walk;

use std::io::{self, Read};

use vendorsec_core::{Diagnostic, Origin};

pub use git::{GitError, HistoryStats, scan_history};
pub use limits::Limits;
pub use sniff::{HEAD_LEN, Kind, sniff};
pub use walk::{InputError, WalkOptions, walk};

/// Receives the blobs of a walk. Called from several threads at once.
pub trait Visitor: Sync {
    /// A text blob: `head` holds its first bytes (already read for sniffing), `rest` the
    /// remainder. An error from `rest` (a corrupt entry, a limit reached) should be passed
    /// back so the walker can report it.
    ///
    /// # Errors
    /// Whatever reading `rest` returned.
    fn text(&self, origin: &Origin, head: &[u8], rest: &mut dyn Read) -> io::Result<()>;
    /// A binary blob, skipped for text rules; `head` is its first bytes (for keystore or
    /// class-file detection).
    fn binary(&self, origin: &Origin, head: &[u8]);
    /// A Java class file's bytes (also handed to [`Visitor::text`] as its string
    /// literals), for analysers that read its structure.
    fn class_file(&self, _origin: &Origin, _bytes: &[u8]) {}
    /// An archive was opened; `sha1` is the hex SHA-1 of a zip-format archive's bytes
    /// (the identity of a Java archive), `None` for tar and gzip.
    fn archive(&self, origin: &Origin, sha1: Option<&str>);
    /// Something went wrong, or is worth knowing.
    fn diagnostic(&self, diagnostic: Diagnostic);
}

/// Feed one in-memory blob through the whole reader (sniffing, archives, nesting) with a
/// visitor that drains and discards: the entry point of the `archive` fuzz target and of
/// the property tests.
pub fn fuzz_one(data: &[u8]) {
    struct Drain;
    impl Visitor for Drain {
        fn text(&self, _: &Origin, _: &[u8], rest: &mut dyn Read) -> io::Result<()> {
            io::copy(rest, &mut io::sink()).map(|_| ())
        }
        fn binary(&self, _: &Origin, _: &[u8]) {}
        fn archive(&self, _: &Origin, _: Option<&str>) {}
        fn diagnostic(&self, _: Diagnostic) {}
    }
    let limits = Limits {
        max_archive_bytes: 64 << 20,
        ..Limits::default()
    };
    let ctx = archive::Ctx {
        visitor: &Drain,
        limits: &limits,
    };
    archive::process_seekable(
        &ctx,
        &Origin::file("fuzz"),
        std::io::Cursor::new(data),
        Some(data.len() as u64),
    );
}
