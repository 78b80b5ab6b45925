//! Walking the paths a user named: directories (honouring `.gitignore` / `.ignore`), single
//! files, `-` for stdin.

use std::path::{Path, PathBuf};

use ignore::{WalkBuilder, WalkState, overrides::OverrideBuilder};
use vendorsec_core::{Diagnostic, DiagnosticKind, Origin};

use crate::Visitor;
use crate::archive::{Ctx, process_seekable, process_stream};
use crate::limits::Limits;

/// How to walk.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Scan files that `.gitignore`, `.ignore` and git's exclude files would skip.
    pub no_ignore: bool,
    /// Globs (relative to each named directory) of paths to skip.
    pub exclude: Vec<String>,
    /// Follow symbolic links (loops are detected and reported).
    pub follow_symlinks: bool,
    pub limits: Limits,
    /// Worker threads; 0 picks the number of cores.
    pub threads: usize,
}

/// A named path that could not be read at all.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct InputError {
    pub path: PathBuf,
    pub message: String,
}

/// Walk every named path, handing blobs to `visitor`. Returns the named paths that could not
/// be read at all (a usage error); everything below them is reported through diagnostics.
pub fn walk(paths: &[PathBuf], options: &WalkOptions, visitor: &dyn Visitor) -> Vec<InputError> {
    let ctx = Ctx {
        visitor,
        limits: &options.limits,
    };
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let stdin = std::io::stdin();
            let mut lock = stdin.lock();
            process_stream(&ctx, &Origin::file("<stdin>"), &mut lock);
            continue;
        }
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                errors.push(InputError {
                    path: path.clone(),
                    message: e.to_string(),
                });
                continue;
            }
        };
        if meta.is_dir() {
            if let Err(e) = walk_dir(path, options, &ctx) {
                errors.push(InputError {
                    path: path.clone(),
                    message: e,
                });
            }
        } else {
            scan_file(&ctx, path, display(path));
        }
    }
    errors
}

fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

fn scan_file(ctx: &Ctx<'_>, path: &Path, shown: String) {
    let origin = Origin::file(shown);
    match std::fs::File::open(path) {
        Ok(f) => {
            let size = f.metadata().ok().map(|m| m.len());
            process_seekable(
                ctx,
                &origin,
                std::io::BufReader::with_capacity(64 << 10, f),
                size,
            );
        }
        Err(e) => ctx.visitor.diagnostic(Diagnostic::new(
            DiagnosticKind::Unreadable,
            origin.display(),
            format!("cannot open: {e}"),
        )),
    }
}

fn walk_dir(root: &Path, options: &WalkOptions, ctx: &Ctx<'_>) -> Result<(), String> {
    let mut overrides = OverrideBuilder::new(root);
    for g in &options.exclude {
        overrides
            .add(&format!("!{g}"))
            .map_err(|e| format!("bad --exclude glob `{g}`: {e}"))?;
    }
    // Never descend into git's own object store: history is scanned with --git-history.
    overrides.add("!.git/").map_err(|e| e.to_string())?;
    let overrides = overrides.build().map_err(|e| e.to_string())?;
    let threads = if options.threads == 0 {
        std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
    } else {
        options.threads
    };
    let walker = WalkBuilder::new(root)
        .hidden(false)
        .parents(!options.no_ignore)
        .ignore(!options.no_ignore)
        .git_ignore(!options.no_ignore)
        .git_global(!options.no_ignore)
        .git_exclude(!options.no_ignore)
        .require_git(false)
        .follow_links(options.follow_symlinks)
        .overrides(overrides)
        .threads(threads)
        .build_parallel();
    walker.run(|| {
        Box::new(move |entry| {
            match entry {
                Ok(entry) => {
                    if entry.file_type().is_some_and(|t| t.is_file()) {
                        scan_file(ctx, entry.path(), display(entry.path()));
                    }
                }
                Err(e) => ctx.visitor.diagnostic(Diagnostic::new(
                    DiagnosticKind::WalkError,
                    display(root),
                    e.to_string(),
                )),
            }
            WalkState::Continue
        })
    });
    Ok(())
}
