//! Archive readers: zip family (jar, war, ear, obr, whl, nupkg, …), tar, gzip; nested to a
//! depth limit, every read bounded.

use std::io::{self, Cursor, Read, Seek};

use sha1::{Digest, Sha1};

use vendorsec_core::{Diagnostic, DiagnosticKind, Origin};

use crate::Visitor;
use crate::classfile;
use crate::limits::{Bounded, Budget, LimitHit, Limits, limit_hit};
use crate::sniff::{HEAD_LEN, Kind, is_tar, sniff};

pub(crate) struct Ctx<'a> {
    pub(crate) visitor: &'a dyn Visitor,
    pub(crate) limits: &'a Limits,
}

/// What happened to one entry.
enum Outcome {
    Done,
    /// The archive's byte budget is spent: stop reading it.
    BudgetSpent,
}

/// Read up to `HEAD_LEN` bytes.
pub(crate) fn read_head(reader: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_LEN);
    reader.take(HEAD_LEN as u64).read_to_end(&mut head)?;
    Ok(head)
}

fn diag(ctx: &Ctx<'_>, kind: DiagnosticKind, origin: &Origin, message: impl Into<String>) {
    ctx.visitor
        .diagnostic(Diagnostic::new(kind, origin.display(), message));
}

/// Report a read error of `origin`; true when it was the archive budget running out.
fn report_read_error(ctx: &Ctx<'_>, origin: &Origin, e: &io::Error) -> bool {
    match limit_hit(e) {
        Some(hit) => {
            diag(
                ctx,
                DiagnosticKind::SizeLimit,
                origin,
                format!("{hit}; rest of the entry skipped"),
            );
            hit == LimitHit::Budget
        }
        None => {
            diag(
                ctx,
                DiagnosticKind::Unreadable,
                origin,
                format!("read failed: {e}"),
            );
            false
        }
    }
}

/// Report a read error and tell the caller whether the archive budget is spent.
fn read_error_outcome(ctx: &Ctx<'_>, origin: &Origin, e: &io::Error) -> Outcome {
    if report_read_error(ctx, origin, e) {
        Outcome::BudgetSpent
    } else {
        Outcome::Done
    }
}

/// A top-level input that can seek (a file): archives are opened in place.
pub(crate) fn process_seekable<R: Read + Seek>(
    ctx: &Ctx<'_>,
    origin: &Origin,
    mut reader: R,
    size: Option<u64>,
) {
    let head = match read_head(&mut reader) {
        Ok(h) => h,
        Err(e) => {
            diag(
                ctx,
                DiagnosticKind::Unreadable,
                origin,
                format!("cannot read: {e}"),
            );
            return;
        }
    };
    let budget = Budget::new(ctx.limits.max_archive_bytes);
    // A zip file is opened in place (its directory is at the end); everything else, and a
    // zip beyond the depth limit, takes the same path as an archive entry.
    if sniff(&head) == Kind::Zip && origin.depth() < ctx.limits.max_depth {
        if let Err(e) = reader.rewind() {
            diag(
                ctx,
                DiagnosticKind::Unreadable,
                origin,
                format!("cannot seek: {e}"),
            );
            return;
        }
        let sha1 = match sha1_of_reader(&mut reader) {
            Ok(h) => h,
            Err(e) => {
                diag(
                    ctx,
                    DiagnosticKind::Unreadable,
                    origin,
                    format!("cannot read: {e}"),
                );
                return;
            }
        };
        open_zip(ctx, origin, reader, &budget, Some(&sha1));
        return;
    }
    let _ = dispatch(ctx, origin, head, &mut reader, size, &budget);
}

/// A binary blob: a class file is read for its string literals (scanned as text), anything
/// else goes to the visitor as binary.
fn binary(ctx: &Ctx<'_>, origin: &Origin, head: Vec<u8>, reader: &mut dyn Read) -> Outcome {
    if classfile::is_class(&head) && origin.leaf().ends_with(".class") {
        let mut bytes = head;
        let mut rest = reader.take(classfile::MAX_CLASS_BYTES);
        if let Err(e) = rest.read_to_end(&mut bytes) {
            return read_error_outcome(ctx, origin, &e);
        }
        ctx.visitor.class_file(origin, &bytes);
        match classfile::string_literals(&bytes) {
            Some(text) => {
                if let Err(e) = ctx.visitor.text(origin, &text, &mut io::empty()) {
                    report_read_error(ctx, origin, &e);
                }
            }
            None => {
                diag(
                    ctx,
                    DiagnosticKind::Unreadable,
                    origin,
                    "class file with a malformed constant pool; skipped",
                );
                ctx.visitor
                    .binary(origin, &bytes[..bytes.len().min(HEAD_LEN)]);
            }
        }
        return Outcome::Done;
    }
    ctx.visitor.binary(origin, &head);
    Outcome::Done
}

/// A top-level input that cannot seek (stdin, a git blob stream).
pub(crate) fn process_stream(ctx: &Ctx<'_>, origin: &Origin, reader: &mut dyn Read) {
    let budget = Budget::new(ctx.limits.max_archive_bytes);
    let _ = process_entry(ctx, origin, reader, None, &budget);
}

/// One blob given as a reader: sniff, then open an archive, or hand text or binary to the
/// visitor.
fn process_entry(
    ctx: &Ctx<'_>,
    origin: &Origin,
    reader: &mut dyn Read,
    compressed: Option<u64>,
    budget: &Budget,
) -> Outcome {
    match read_head(reader) {
        Ok(head) => dispatch(ctx, origin, head, reader, compressed, budget),
        Err(e) => read_error_outcome(ctx, origin, &e),
    }
}

/// A blob whose first bytes (`head`) were read: open an archive, or hand text or binary to
/// the visitor.
fn dispatch(
    ctx: &Ctx<'_>,
    origin: &Origin,
    head: Vec<u8>,
    reader: &mut dyn Read,
    compressed: Option<u64>,
    budget: &Budget,
) -> Outcome {
    let kind = sniff(&head);
    if matches!(kind, Kind::Zip | Kind::Gzip | Kind::Tar) && origin.depth() >= ctx.limits.max_depth
    {
        diag(
            ctx,
            DiagnosticKind::NestingLimit,
            origin,
            format!(
                "archive nested deeper than {} levels; not opened",
                ctx.limits.max_depth
            ),
        );
        return Outcome::Done;
    }
    match kind {
        Kind::Zip => {
            let cap = ctx.limits.max_nested_archive_bytes;
            let mut bytes = head;
            let mut rest = reader.take(cap.saturating_sub(bytes.len() as u64) + 1);
            if let Err(e) = rest.read_to_end(&mut bytes) {
                return read_error_outcome(ctx, origin, &e);
            }
            if bytes.len() as u64 > cap {
                diag(
                    ctx,
                    DiagnosticKind::SizeLimit,
                    origin,
                    format!("nested archive larger than {cap} bytes; not opened"),
                );
                return Outcome::Done;
            }
            let sha1 = hex(&Sha1::digest(&bytes));
            open_zip(ctx, origin, Cursor::new(bytes), budget, Some(&sha1));
            Outcome::Done
        }
        Kind::Gzip | Kind::Tar => {
            let mut stream = Cursor::new(head).chain(reader);
            open_stream_archive(ctx, origin, kind, &mut stream, compressed, budget)
        }
        Kind::Binary => binary(ctx, origin, head, reader),
        Kind::Text => match ctx.visitor.text(origin, &head, reader) {
            Ok(()) => Outcome::Done,
            Err(e) => read_error_outcome(ctx, origin, &e),
        },
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-1 of a whole seekable input (the identity of a Java archive for lookups), left
/// rewound to the start.
fn sha1_of_reader<R: Read + Seek>(reader: &mut R) -> io::Result<String> {
    reader.rewind()?;
    let mut h = Sha1::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    reader.rewind()?;
    Ok(hex(&h.finalize()))
}

fn open_zip<R: Read + Seek>(
    ctx: &Ctx<'_>,
    origin: &Origin,
    reader: R,
    budget: &Budget,
    sha1: Option<&str>,
) {
    ctx.visitor.archive(origin, sha1);
    let mut archive = match zip::ZipArchive::new(reader) {
        Ok(a) => a,
        Err(e) => {
            diag(
                ctx,
                DiagnosticKind::CorruptArchive,
                origin,
                format!("not a readable zip archive: {e}"),
            );
            return;
        }
    };
    let mut n = archive.len();
    if n as u64 > ctx.limits.max_entries {
        diag(
            ctx,
            DiagnosticKind::SizeLimit,
            origin,
            format!(
                "{n} entries; only the first {} read",
                ctx.limits.max_entries
            ),
        );
        n = usize::try_from(ctx.limits.max_entries).unwrap_or(usize::MAX);
    }
    for i in 0..n {
        let listed = archive
            .name_for_index(i)
            .and_then(Result::ok)
            .map_or_else(|| format!("#{i}"), std::borrow::Cow::into_owned);
        let mut entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                diag(
                    ctx,
                    DiagnosticKind::CorruptArchive,
                    &origin.child(listed),
                    format!("entry unreadable: {e}"),
                );
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let child = origin.child(name.clone());
        if entry.enclosed_name().is_none() || escapes(&name) {
            diag(
                ctx,
                DiagnosticKind::SuspiciousEntryName,
                &child,
                format!(
                    "entry name `{}` is absolute or climbs out with `..`; scanned in memory, never extracted",
                    name.escape_debug()
                ),
            );
        }
        let compressed = (entry.compression() != zip::CompressionMethod::Stored)
            .then(|| entry.compressed_size());
        let mut bounded = Bounded::new(&mut entry, budget, compressed, ctx.limits);
        if let Outcome::BudgetSpent = process_entry(ctx, &child, &mut bounded, compressed, budget) {
            diag(
                ctx,
                DiagnosticKind::SizeLimit,
                origin,
                "archive byte budget spent; remaining entries skipped",
            );
            return;
        }
    }
}

/// gzip (of a tar or of one file) or a plain tar, read as a stream.
fn open_stream_archive(
    ctx: &Ctx<'_>,
    origin: &Origin,
    kind: Kind,
    reader: &mut dyn Read,
    compressed: Option<u64>,
    budget: &Budget,
) -> Outcome {
    if kind == Kind::Gzip {
        let decoder = flate2::read::MultiGzDecoder::new(reader);
        let mut bounded = Bounded::new(decoder, budget, compressed, ctx.limits);
        let head = match read_head(&mut bounded) {
            Ok(h) => h,
            Err(e) => {
                let spent = limit_hit(&e) == Some(LimitHit::Budget);
                diag(
                    ctx,
                    DiagnosticKind::CorruptArchive,
                    origin,
                    format!("not a readable gzip stream: {e}"),
                );
                return if spent {
                    Outcome::BudgetSpent
                } else {
                    Outcome::Done
                };
            }
        };
        if is_tar(&head) {
            let mut stream = Cursor::new(head).chain(bounded);
            return open_tar(ctx, origin, &mut stream, budget);
        }
        // A gzip of one file: the content is that file, under the same origin.
        let mut stream = Cursor::new(head).chain(bounded);
        let inner = Budget::new(u64::MAX);
        return process_entry(ctx, origin, &mut stream, None, &inner);
    }
    let mut bounded = Bounded::new(reader, budget, None, ctx.limits);
    open_tar(ctx, origin, &mut bounded, budget)
}

fn open_tar(ctx: &Ctx<'_>, origin: &Origin, reader: &mut dyn Read, budget: &Budget) -> Outcome {
    ctx.visitor.archive(origin, None);
    let mut archive = tar::Archive::new(reader);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => {
            diag(
                ctx,
                DiagnosticKind::CorruptArchive,
                origin,
                format!("not a readable tar archive: {e}"),
            );
            return Outcome::Done;
        }
    };
    let mut count = 0u64;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let spent = limit_hit(&e) == Some(LimitHit::Budget);
                diag(
                    ctx,
                    if spent {
                        DiagnosticKind::SizeLimit
                    } else {
                        DiagnosticKind::CorruptArchive
                    },
                    origin,
                    format!("tar stream broken: {e}; rest skipped"),
                );
                return if spent {
                    Outcome::BudgetSpent
                } else {
                    Outcome::Done
                };
            }
        };
        count += 1;
        if count > ctx.limits.max_entries {
            diag(
                ctx,
                DiagnosticKind::SizeLimit,
                origin,
                format!("more than {} entries; rest skipped", ctx.limits.max_entries),
            );
            return Outcome::Done;
        }
        let et = entry.header().entry_type();
        if !(et.is_file() || et == tar::EntryType::Continuous) {
            continue;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let child = origin.child(name.clone());
        if escapes(&name) {
            diag(
                ctx,
                DiagnosticKind::SuspiciousEntryName,
                &child,
                format!(
                    "entry name `{}` is absolute or climbs out with `..`; scanned in memory, never extracted",
                    name.escape_debug()
                ),
            );
        }
        if let Outcome::BudgetSpent = process_entry(ctx, &child, &mut entry, None, budget) {
            diag(
                ctx,
                DiagnosticKind::SizeLimit,
                origin,
                "archive byte budget spent; remaining entries skipped",
            );
            return Outcome::BudgetSpent;
        }
    }
    Outcome::Done
}

/// An entry name that is absolute or climbs out of the extraction directory.
fn escapes(name: &str) -> bool {
    let b = name.as_bytes();
    name.starts_with(['/', '\\'])
        || (b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic())
        || name.split(['/', '\\']).any(|c| c == "..")
}
