//! Following logs: read what was appended since the last look (surviving rotation and
//! truncation), remember where each file was in a checkpoint written atomically, so that a
//! restarted watcher neither loses nor repeats events; and alerts with de-duplication and
//! per-rule throttling.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// Where a file was read up to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Position {
    /// Inode (or 0 where there is none): a different one means the file was rotated.
    pub id: u64,
    pub offset: u64,
    /// Lines read before `offset` (so findings keep their line numbers).
    pub line: u64,
}

/// Positions of every followed file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub files: BTreeMap<String, Position>,
    /// Correlation state ([`crate::correlation::Engine::export`]).
    pub correlations: Value,
}

impl Checkpoint {
    /// Load a checkpoint; a missing file is an empty one.
    ///
    /// # Errors
    /// A checkpoint that exists but cannot be read or parsed.
    pub fn load(path: &Path) -> Result<Checkpoint, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Checkpoint::default()),
            Err(e) => return Err(format!("{}: cannot read: {e}", path.display())),
        };
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a checkpoint: {e}", path.display()))?;
        let mut cp = Checkpoint::default();
        for (k, p) in v
            .get("files")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let n = |f: &str| p.get(f).and_then(Value::as_u64).unwrap_or(0);
            cp.files.insert(
                k.clone(),
                Position {
                    id: n("id"),
                    offset: n("offset"),
                    line: n("line"),
                },
            );
        }
        cp.correlations = v.get("correlations").cloned().unwrap_or(Value::Null);
        Ok(cp)
    }

    /// Write atomically (a temporary file renamed over the old one).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let files: serde_json::Map<String, Value> = self
            .files
            .iter()
            .map(|(k, p)| {
                (
                    k.clone(),
                    json!({"id": p.id, "offset": p.offset, "line": p.line}),
                )
            })
            .collect();
        let tmp = path.with_extension("tmp");
        std::fs::write(
            &tmp,
            serde_json::to_vec_pretty(
                &json!({"version": 1, "files": files, "correlations": self.correlations}),
            )?,
        )?;
        std::fs::rename(&tmp, path)
    }
}

#[cfg(unix)]
fn file_id(m: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    m.ino()
}

#[cfg(not(unix))]
fn file_id(_m: &std::fs::Metadata) -> u64 {
    0
}

/// Largest amount read from one file in one look.
const MAX_READ: u64 = 256 << 20;

/// Read what is new in `path` since `pos`: the bytes, the new position, and whether the
/// file was rotated (a different inode, or shorter than the offset: read from the start).
///
/// A log of JSON lines gives its complete lines appended since `pos` (a partial last line
/// waits for the next look). A gzipped log, and a JSON document (`[…]`, CloudTrail's
/// `{"Records": […]}`), is written whole and cannot be read line by line: it is read when it
/// is new or has changed, and given decompressed, whole. A gzipped log that grew is read from
/// where it was (gzip members appended), or again whole when no member starts there (written
/// anew in place); one still being written (its stream cut short) is an error and is not
/// advanced past, so the next look reads it again. A JSON document that changed is read again
/// whole (its new version).
///
/// # Errors
/// When the file cannot be opened or read, or a gzipped log does not decompress.
pub fn read_new(path: &Path, pos: Position) -> std::io::Result<(Vec<u8>, Position, bool)> {
    let meta = std::fs::metadata(path)?;
    let id = file_id(&meta);
    let mut rotated = pos.id != 0 && id != pos.id || meta.len() < pos.offset;
    let mut start = if rotated {
        Position {
            id,
            offset: 0,
            line: 0,
        }
    } else {
        Position { id, ..pos }
    };
    if !rotated && meta.len() == start.offset {
        // Nothing new (not even opened: a watched directory may hold thousands of files).
        return Ok((Vec::new(), start, false));
    }
    let mut f = std::fs::File::open(path)?;
    match whole_kind(&mut f)? {
        Some(Whole::Gzip) => {
            if start.offset > 0 {
                // Grown by gzip members appended, or rewritten in place (the same file, larger):
                // then no member starts where the last read ended, and it is read again whole.
                f.seek(SeekFrom::Start(start.offset))?;
                let mut magic = Vec::with_capacity(2);
                (&mut f).take(2).read_to_end(&mut magic)?;
                if magic != [0x1f, 0x8b] {
                    rotated = true;
                    start.offset = 0;
                    start.line = 0;
                }
            }
            f.seek(SeekFrom::Start(start.offset))?;
            let mut text = Vec::new();
            flate2::read::MultiGzDecoder::new(std::io::BufReader::new(f.take(MAX_READ)))
                .take(crate::source::MAX_DOCUMENT + 1)
                .read_to_end(&mut text)?;
            if text.len() as u64 > crate::source::MAX_DOCUMENT {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "over {} MiB decompressed: not read",
                        crate::source::MAX_DOCUMENT >> 20
                    ),
                ));
            }
            start.offset = meta.len();
            start.line += memchr::memchr_iter(b'\n', &text).count() as u64;
            Ok((text, start, rotated))
        }
        Some(Whole::Document) => {
            f.seek(SeekFrom::Start(0))?;
            let mut text = Vec::new();
            f.take(crate::source::MAX_DOCUMENT).read_to_end(&mut text)?;
            let lines = memchr::memchr_iter(b'\n', &text).count() as u64;
            Ok((
                text,
                Position {
                    id,
                    offset: meta.len(),
                    line: lines,
                },
                rotated || pos.offset > 0,
            ))
        }
        None => {
            f.seek(SeekFrom::Start(start.offset))?;
            let mut buf = Vec::new();
            f.take(MAX_READ).read_to_end(&mut buf)?;
            // Only complete lines; the rest waits for the next look.
            let end = buf.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            buf.truncate(end);
            start.offset += end as u64;
            start.line += buf.iter().filter(|b| **b == b'\n').count() as u64;
            Ok((buf, start, rotated))
        }
    }
}

/// A log that is read whole rather than line by line.
enum Whole {
    Gzip,
    Document,
}

/// What `f` is by its first bytes: gzip, a JSON document (`[` or `{"Records":[`), or
/// neither (JSON lines or text, read line by line).
fn whole_kind(f: &mut std::fs::File) -> std::io::Result<Option<Whole>> {
    let mut head = Vec::with_capacity(256);
    f.take(256).read_to_end(&mut head)?;
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Some(Whole::Gzip)
    } else if crate::source::document_kind(&head).is_some() {
        Some(Whole::Document)
    } else {
        None
    })
}

/// An alert: what the sinks send.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub rule: String,
    pub title: String,
    pub level: String,
    pub log: String,
    pub line: u64,
    pub summary: String,
    pub fingerprint: String,
}

impl Alert {
    #[must_use]
    pub fn json(&self) -> Value {
        json!({"rule": self.rule, "title": self.title, "level": self.level, "log": self.log, "line": self.line, "summary": self.summary, "fingerprint": self.fingerprint})
    }

    /// Slack-compatible webhook payload.
    #[must_use]
    pub fn slack(&self) -> Value {
        json!({"text": format!("[{}] {} — {} ({}:{})", self.level, self.title, self.summary, self.log, self.line), "vendorsec": self.json()})
    }
}

/// De-duplication (the same fingerprint once) and throttling (at most `per_minute` alerts
/// per rule in any minute; the rest counted and reported).
#[derive(Debug)]
pub struct Gate {
    seen: VecDeque<String>,
    seen_set: std::collections::HashSet<String>,
    window: HashMap<String, VecDeque<f64>>,
    pub per_minute: usize,
    pub suppressed: HashMap<String, u64>,
}

impl Gate {
    #[must_use]
    pub fn new(per_minute: usize) -> Gate {
        Gate {
            seen: VecDeque::new(),
            seen_set: std::collections::HashSet::new(),
            window: HashMap::new(),
            per_minute,
            suppressed: HashMap::new(),
        }
    }

    /// Whether to send this alert now (`now` in seconds).
    pub fn admit(&mut self, a: &Alert, now: f64) -> bool {
        if self.seen_set.contains(&a.fingerprint) {
            return false;
        }
        self.seen_set.insert(a.fingerprint.clone());
        self.seen.push_back(a.fingerprint.clone());
        if self.seen.len() > 100_000
            && let Some(old) = self.seen.pop_front()
        {
            self.seen_set.remove(&old);
        }
        let w = self.window.entry(a.rule.clone()).or_default();
        while w.front().is_some_and(|t| *t < now - 60.0) {
            w.pop_front();
        }
        if w.len() >= self.per_minute {
            *self.suppressed.entry(a.rule.clone()).or_default() += 1;
            return false;
        }
        w.push_back(now);
        true
    }
}

/// The path key of a followed file in the checkpoint.
#[must_use]
pub fn key(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| PathBuf::from(path))
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzipped_logs_and_json_documents_are_read_whole_when_new_or_changed() {
        use std::io::Write;
        let gz = |text: &str| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(text.as_bytes()).unwrap();
            e.finish().unwrap()
        };
        let dir = tempfile::tempdir().unwrap();
        // CloudTrail's one-line file, without a final newline: all of it, decompressed.
        let p = dir.path().join("t.json.gz");
        let one = gz(r#"{"Records":[{"eventName":"A"},{"eventName":"B"}]}"#);
        std::fs::write(&p, &one).unwrap();
        let (b, pos, rot) = read_new(&p, Position::default()).unwrap();
        assert_eq!(b, br#"{"Records":[{"eventName":"A"},{"eventName":"B"}]}"#);
        assert_eq!((pos.offset, pos.line, rot), (one.len() as u64, 0, false));
        // Unchanged: nothing new.
        let (b, same, _) = read_new(&p, pos).unwrap();
        assert!(b.is_empty() && same == pos);
        // A gzip member appended: only it.
        let mut two = one.clone();
        two.extend(gz("{\"eventName\":\"C\"}\n"));
        std::fs::write(&p, &two).unwrap();
        let (b, pos2, rot) = read_new(&p, pos).unwrap();
        assert_eq!(
            (b.as_slice(), rot),
            (&b"{\"eventName\":\"C\"}\n"[..], false)
        );
        assert_eq!((pos2.offset, pos2.line), (two.len() as u64, 1));
        // Written anew in place, larger: no member starts where the last read ended, so all
        // of it again (said as a rotation), where reading on from there failed at every look.
        let three = gz(
            "{\"eventName\":\"D\"}\n{\"eventName\":\"E\"}\n{\"eventName\":\"F\"}\n{\"eventName\":\"G\"}\n",
        );
        let mut anew = three.clone();
        anew.extend(gz(&"{\"eventName\":\"H\"}\n".repeat(40)));
        assert!(anew.len() > two.len());
        std::fs::write(&p, &anew).unwrap();
        let (b, pos3, rot) = read_new(&p, pos2).unwrap();
        assert!(rot);
        assert!(
            b.starts_with(b"{\"eventName\":\"D\"}\n"),
            "{}",
            String::from_utf8_lossy(&b)
        );
        assert_eq!((pos3.offset, pos3.line), (anew.len() as u64, 44));
        // Still being written (cut short): an error, and the position stays for the next look.
        let q = dir.path().join("u.json.gz");
        std::fs::write(&q, &one[..one.len() / 2]).unwrap();
        assert!(read_new(&q, Position::default()).is_err());
        // A JSON document: whole, and again whole when it changes.
        let d = dir.path().join("d.json");
        std::fs::write(&d, "[{\"a\": 1}]").unwrap();
        let (b, dpos, rot) = read_new(&d, Position::default()).unwrap();
        assert_eq!((b.as_slice(), rot), (&b"[{\"a\": 1}]"[..], false));
        std::fs::write(&d, "[{\"a\": 1},\n{\"a\": 2}]").unwrap();
        let (b, dpos2, rot) = read_new(&d, dpos).unwrap();
        assert_eq!(
            (b.as_slice(), rot),
            (&b"[{\"a\": 1},\n{\"a\": 2}]"[..], true)
        );
        assert_eq!(dpos2.line, 1);
    }

    #[test]
    fn appended_lines_rotation_and_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log");
        std::fs::write(&p, "one\ntwo\npart").unwrap();
        let (b, pos, rot) = read_new(&p, Position::default()).unwrap();
        assert_eq!(
            (b.as_slice(), pos.offset, pos.line, rot),
            (&b"one\ntwo\n"[..], 8, 2, false)
        );
        std::fs::write(&p, "one\ntwo\npartial\nthree\n").unwrap();
        let (b, pos2, _) = read_new(&p, pos).unwrap();
        assert_eq!(b, b"partial\nthree\n");
        assert_eq!(pos2.line, 4);
        // Rotation: a new file at the same path.
        std::fs::rename(&p, dir.path().join("a.log.1")).unwrap();
        std::fs::write(&p, "fresh\n").unwrap();
        let (b, pos3, rot) = read_new(&p, pos2).unwrap();
        assert!(rot);
        assert_eq!((b.as_slice(), pos3.line), (&b"fresh\n"[..], 1));
        // Truncation in place.
        std::fs::write(&p, "").unwrap();
        let (_, pos4, rot) = read_new(&p, pos3).unwrap();
        assert!(rot && pos4.offset == 0);
    }

    #[test]
    fn checkpoint_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cp.json");
        assert_eq!(Checkpoint::load(&p).unwrap(), Checkpoint::default());
        let mut cp = Checkpoint::default();
        cp.files.insert(
            "/x".into(),
            Position {
                id: 7,
                offset: 10,
                line: 2,
            },
        );
        cp.save(&p).unwrap();
        assert_eq!(Checkpoint::load(&p).unwrap(), cp);
        std::fs::write(&p, "{").unwrap();
        assert!(Checkpoint::load(&p).is_err());
    }

    #[test]
    fn dedupe_and_throttle() {
        let a = |fp: &str| Alert {
            rule: "r".into(),
            title: String::new(),
            level: String::new(),
            log: String::new(),
            line: 0,
            summary: String::new(),
            fingerprint: fp.into(),
        };
        let mut g = Gate::new(2);
        assert!(g.admit(&a("1"), 0.0));
        assert!(!g.admit(&a("1"), 1.0));
        assert!(g.admit(&a("2"), 2.0));
        assert!(!g.admit(&a("3"), 3.0));
        assert!(g.admit(&a("4"), 70.0));
        assert_eq!(g.suppressed["r"], 1);
    }
}
