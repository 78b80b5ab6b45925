//! Git history: every blob reachable from every ref, each scanned exactly once, attributed
//! to the commit that introduced it (the first commit, oldest first, whose diff adds that
//! blob) and the path it had there.
//!
//! Reads through git's own plumbing (`git log --raw`, `git cat-file --batch`), so any
//! repository git can read (packed, shallow, with alternates) works.

use std::collections::HashSet;
use std::io::{self, BufRead, BufReader, Cursor, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};

use vendorsec_core::{CommitInfo, Origin};

use crate::Visitor;
use crate::archive::{Ctx, process_stream};
use crate::limits::Limits;

/// Blobs up to this size are read whole and scanned on a worker thread; larger ones are
/// streamed in place.
const IN_MEMORY_BLOB: u64 = 32 << 20;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GitError {
    #[error("{repo}: cannot run git: {source}")]
    Spawn { repo: String, source: io::Error },
    #[error("{repo}: not a git repository (or git failed): {message}")]
    NotARepo { repo: String, message: String },
    #[error("{repo}: reading history failed: {message}")]
    Read { repo: String, message: String },
}

/// Counts of a history scan.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HistoryStats {
    pub commits: u64,
    pub blobs: u64,
}

struct BlobRef {
    oid: String,
    path: String,
    commit: Arc<CommitInfo>,
}

/// Scan the history of the repository at `repo`.
///
/// # Errors
/// git cannot be run, `repo` is not a repository, or git's output breaks off.
pub fn scan_history(
    repo: &Path,
    limits: &Limits,
    threads: usize,
    visitor: &dyn Visitor,
) -> Result<HistoryStats, GitError> {
    let shown = repo.display().to_string();
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["rev-parse", "--git-dir"])
        .output()
        .map_err(|source| GitError::Spawn {
            repo: shown.clone(),
            source,
        })?;
    if !out.status.success() {
        return Err(GitError::NotARepo {
            repo: shown,
            message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    let (blobs, commits) = list_blobs(repo, &shown)?;
    let stats = HistoryStats {
        commits,
        blobs: blobs.len() as u64,
    };
    read_blobs(repo, &shown, blobs, limits, threads, visitor)?;
    Ok(stats)
}

fn list_blobs(repo: &Path, shown: &str) -> Result<(Vec<BlobRef>, u64), GitError> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "log",
            "--all",
            "--reverse",
            "--topo-order",
            "--format=%x01%H%x02%an%x02%ae%x02%aI",
            "--raw",
            "--no-abbrev",
            "--no-renames",
            "--diff-merges=first-parent",
            "-z",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| GitError::Spawn {
            repo: shown.to_string(),
            source,
        })?;
    let stdout = child.stdout.take().ok_or_else(|| GitError::Read {
        repo: shown.to_string(),
        message: "no stdout".into(),
    })?;
    let mut reader = BufReader::with_capacity(1 << 20, stdout);
    let mut seen: HashSet<String> = HashSet::new();
    let mut blobs = Vec::new();
    let mut commit: Option<Arc<CommitInfo>> = None;
    let mut commits = 0u64;
    let mut pending: Option<String> = None; // oid of a raw line whose path comes next
    let mut token = Vec::new();
    loop {
        token.clear();
        let n = reader
            .read_until(0, &mut token)
            .map_err(|e| GitError::Read {
                repo: shown.to_string(),
                message: e.to_string(),
            })?;
        if n == 0 {
            break;
        }
        if token.last() == Some(&0) {
            token.pop();
        }
        if let Some(oid) = pending.take() {
            let path = String::from_utf8_lossy(&token).into_owned();
            if let Some(c) = &commit
                && seen.insert(oid.clone())
            {
                blobs.push(BlobRef {
                    oid,
                    path,
                    commit: Arc::clone(c),
                });
            }
            continue;
        }
        let text = String::from_utf8_lossy(&token);
        let text = text.trim_start_matches('\n');
        if let Some(header) = text.strip_prefix('\u{1}') {
            let mut f = header.split('\u{2}');
            let id = f.next().unwrap_or("").to_string();
            let author = f.next().unwrap_or("").to_string();
            let email = f.next().unwrap_or("").to_string();
            let date = f.next().unwrap_or("").trim().to_string();
            commits += 1;
            commit = Some(Arc::new(CommitInfo {
                id,
                author,
                email,
                date,
                seq: commits,
            }));
        } else if let Some(raw) = text.strip_prefix(':') {
            // :<old mode> <new mode> <old oid> <new oid> <status>
            let fields: Vec<&str> = raw.split(' ').collect();
            if fields.len() >= 5 {
                let new_mode = fields[1];
                let new_oid = fields[3];
                let is_file = new_mode == "100644" || new_mode == "100755";
                if is_file && !new_oid.bytes().all(|b| b == b'0') {
                    pending = Some(new_oid.to_string());
                } else {
                    pending = Some(String::new()); // consume the path, keep nothing
                }
            }
        }
        if pending.as_deref() == Some("") {
            // Skip the next token (the path of a deletion, symlink or submodule).
            token.clear();
            let _ = reader.read_until(0, &mut token);
            pending = None;
        }
    }
    let status = child.wait().map_err(|e| GitError::Read {
        repo: shown.to_string(),
        message: e.to_string(),
    })?;
    if !status.success() {
        let mut err = String::new();
        if let Some(mut s) = child.stderr.take() {
            let _ = s.read_to_string(&mut err);
        }
        // An empty repository has no HEAD: that is no history, not an error.
        if !err.contains("does not have any commits") {
            return Err(GitError::Read {
                repo: shown.to_string(),
                message: err.trim().to_string(),
            });
        }
    }
    Ok((blobs, commits))
}

fn read_blobs(
    repo: &Path,
    shown: &str,
    blobs: Vec<BlobRef>,
    limits: &Limits,
    threads: usize,
    visitor: &dyn Visitor,
) -> Result<(), GitError> {
    if blobs.is_empty() {
        return Ok(());
    }
    let err = |message: String| GitError::Read {
        repo: shown.to_string(),
        message,
    };
    let mut child = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|source| GitError::Spawn {
            repo: shown.to_string(),
            source,
        })?;
    let mut stdin = child.stdin.take().ok_or_else(|| err("no stdin".into()))?;
    let stdout = child.stdout.take().ok_or_else(|| err("no stdout".into()))?;
    let oids: Vec<String> = blobs.iter().map(|b| b.oid.clone()).collect();
    let ctx = Ctx { visitor, limits };
    let workers = if threads == 0 {
        std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
    } else {
        threads
    };
    let result = std::thread::scope(|scope| -> Result<(), GitError> {
        scope.spawn(move || {
            let mut w = io::BufWriter::new(&mut stdin);
            for oid in oids {
                if writeln!(w, "{oid}").is_err() {
                    break;
                }
            }
            let _ = w.flush();
            drop(w);
            drop(stdin);
        });
        let (tx, rx) = mpsc::sync_channel::<(Origin, Vec<u8>)>(workers * 4);
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..workers {
            let rx = Arc::clone(&rx);
            let ctx = &ctx;
            scope.spawn(move || {
                loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => break,
                    };
                    let Ok((origin, bytes)) = job else { break };
                    process_stream(ctx, &origin, &mut Cursor::new(bytes));
                }
            });
        }
        let mut reader = BufReader::with_capacity(1 << 20, stdout);
        let mut header = String::new();
        for blob in blobs {
            header.clear();
            reader
                .read_line(&mut header)
                .map_err(|e| err(e.to_string()))?;
            if header.is_empty() {
                return Err(err("git cat-file ended early".into()));
            }
            let mut parts = header.split_whitespace();
            let _oid = parts.next();
            let kind = parts.next().unwrap_or("missing");
            if kind == "missing" {
                continue;
            }
            let size: u64 = parts
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| err(format!("bad header {header:?}")))?;
            let origin = Origin {
                chain: vec![blob.path],
                commit: Some(blob.commit),
            };
            if size <= IN_MEMORY_BLOB {
                let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
                (&mut reader)
                    .take(size)
                    .read_to_end(&mut bytes)
                    .map_err(|e| err(e.to_string()))?;
                if tx.send((origin, bytes)).is_err() {
                    return Err(err("scan workers stopped".into()));
                }
            } else {
                let mut limited = (&mut reader).take(size);
                process_stream(&ctx, &origin, &mut limited);
                io::copy(&mut limited, &mut io::sink()).map_err(|e| err(e.to_string()))?;
            }
            let mut nl = [0u8; 1];
            reader.read_exact(&mut nl).map_err(|e| err(e.to_string()))?;
        }
        drop(tx);
        Ok(())
    });
    let _ = child.wait();
    result
}
