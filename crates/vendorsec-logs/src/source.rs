//! Reading logs: JSON lines (streamed, memory flat in the input), a JSON array, or
//! CloudTrail's `{"Records": [...]}` (each record located at the line it starts on), gzip
//! (by magic number) and stdin. A bad line or record is a diagnostic and reading goes on.

use std::io::{BufRead, BufReader, Read};

use serde_json::Value;

/// Longest JSON line read; longer lines are skipped with a diagnostic.
pub const MAX_LINE: usize = 64 << 20;
/// Largest JSON array / Records document read into memory.
pub const MAX_DOCUMENT: u64 = 1 << 30;

/// Where an event is in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    /// 1-based line where the event starts.
    pub line: u64,
    /// 0-based index of the record in a JSON array (`None` for JSON lines).
    pub index: Option<u64>,
}

/// A problem with one part of a log; reading goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub reason: String,
}

/// Records not parsed yet, handed over together: their bytes in one buffer (for JSON lines,
/// the block of the file they were read in: no copy per record) and where each one is.
#[derive(Debug, Default)]
pub struct Batch {
    bytes: Vec<u8>,
    records: Vec<(At, std::ops::Range<usize>)>,
}

impl Batch {
    /// Each record: where it is in its log, and its bytes (trimmed of surrounding space).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (At, &[u8])> + '_ {
        self.records
            .iter()
            .map(|(at, r)| (*at, self.bytes.get(r.clone()).unwrap_or_default()))
    }

    /// How many records.
    #[must_use]
    pub fn len(&self) -> usize {
        self.records.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The record's bytes, `i` below [`Batch::len`].
    #[must_use]
    pub fn get(&self, i: usize) -> Option<(At, &[u8])> {
        let (at, r) = self.records.get(i)?;
        Some((*at, self.bytes.get(r.clone())?))
    }

    /// A block buffer: a spare one (its old bytes left in place, so that reads need not
    /// zero it again), else a new one.
    fn buffer() -> Vec<u8> {
        SPARE
            .lock()
            .ok()
            .and_then(|mut s| s.pop())
            .unwrap_or_else(|| Vec::with_capacity(BATCH_BYTES + (1 << 20)))
    }

    fn push_copy(&mut self, at: At, raw: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(raw);
        self.records.push((at, start..self.bytes.len()));
    }
}

/// Block buffers of batches dropped, for the reader to fill again (a few, for the batches in
/// flight between the reader and the matching).
static SPARE: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());

impl Drop for Batch {
    fn drop(&mut self) {
        // (Not one grown for a large document or line: it would stay for the rest of the run.)
        if (BATCH_BYTES..=4 * BATCH_BYTES).contains(&self.bytes.capacity())
            && let Ok(mut spare) = SPARE.lock()
            && spare.len() < 4
        {
            spare.push(std::mem::take(&mut self.bytes));
        }
    }
}

/// Records handed over at once (so that parsing and matching can run in parallel).
const BATCH_RECORDS: usize = 2048;
const BATCH_BYTES: usize = 8 << 20;

/// An access-log line in the NCSA common or combined format (nginx's and Apache's default),
/// as the fields Sigma's `webserver` rules use: `c-ip`, `cs-username`, `date`, `cs-method`,
/// `cs-uri-stem`, `cs-uri-query`, `cs-uri`, `cs-version`, `sc-status`, `sc-bytes`,
/// `cs-referer`, `cs-user-agent`.
#[must_use]
pub fn access_log(line: &str) -> Option<Value> {
    // host ident user [time] "request" status bytes ["referer" "agent"]
    let (host, rest) = line.split_once(' ')?;
    let (_ident, rest) = rest.split_once(' ')?;
    let (user, rest) = rest.split_once(' ')?;
    let rest = rest.strip_prefix('[')?;
    let (time, rest) = rest.split_once("] ")?;
    let rest = rest.strip_prefix('"')?;
    let (request, rest) = quoted_end(rest)?;
    let mut it = rest.trim_start().splitn(3, ' ');
    let status = it.next()?;
    if status.len() != 3 || !status.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bytes = it.next().unwrap_or("-");
    let tail = it.next().unwrap_or("").trim();
    let (referer, agent) = match tail.strip_prefix('"').and_then(quoted_end) {
        Some((r, after)) => (
            Some(r),
            after
                .trim()
                .strip_prefix('"')
                .and_then(quoted_end)
                .map(|x| x.0),
        ),
        None => (None, None),
    };
    let mut parts = request.splitn(3, ' ');
    let method = parts.next().unwrap_or("");
    let uri = parts.next().unwrap_or("");
    let version = parts.next().unwrap_or("");
    let (stem, query) = uri.split_once('?').unwrap_or((uri, ""));
    let mut m = serde_json::Map::new();
    let mut put = |k: &str, v: &str| {
        if !v.is_empty() && v != "-" {
            m.insert(k.to_owned(), Value::from(v));
        }
    };
    put("c-ip", host);
    put("cs-username", user);
    put("date", time);
    put("cs-method", method);
    put("cs-uri", uri);
    put("cs-uri-stem", stem);
    put("cs-uri-query", query);
    put("cs-version", version);
    put("sc-status", status);
    put("sc-bytes", bytes);
    put("cs-referer", referer.unwrap_or(""));
    put("cs-user-agent", agent.unwrap_or(""));
    Some(Value::Object(m))
}

/// The text up to the closing quote (honouring `\"`), and what follows it.
fn quoted_end(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some((&s[..i], &s[i + 1..])),
            _ => i += 1,
        }
    }
    None
}

/// Parse one record: a JSON object, or an access-log line.
///
/// # Errors
/// A problem at the record's line when it is neither.
pub fn parse(at: At, raw: &[u8]) -> Result<Value, Problem> {
    if raw.first() != Some(&b'{')
        && at.index.is_none()
        && let Some(v) = std::str::from_utf8(raw).ok().and_then(access_log)
    {
        return Ok(v);
    }
    match serde_json::from_slice::<Value>(raw) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(Problem {
            line: at.line,
            reason: match at.index {
                Some(i) => format!("record {i} is not a JSON object"),
                None => "not a JSON object".into(),
            },
        }),
        Err(e) => Err(Problem {
            line: at.line,
            reason: match at.index {
                Some(i) => format!("record {i}: not JSON: {e}"),
                None => format!("not JSON: {e}"),
            },
        }),
    }
}

/// Read every event of a log stream, calling `on_event` for each and `on_problem` for
/// each part that cannot be read.
///
/// # Errors
/// When the stream itself cannot be read at all.
pub fn read(
    input: Box<dyn Read + Send + '_>,
    on_event: &mut dyn FnMut(At, Value),
    on_problem: &mut dyn FnMut(Problem),
) -> std::io::Result<()> {
    let mut problems = Vec::new();
    read_raw(
        input,
        &mut |batch| {
            for (at, raw) in batch.iter() {
                match parse(at, raw) {
                    Ok(v) => on_event(at, v),
                    Err(p) => problems.push(p),
                }
            }
        },
        on_problem,
    )?;
    problems.into_iter().for_each(on_problem);
    Ok(())
}

/// Read the records of a log stream unparsed, in batches, in order.
///
/// # Errors
/// When the stream itself cannot be read at all.
pub fn read_raw(
    input: Box<dyn Read + Send + '_>,
    on_batch: &mut dyn FnMut(Batch),
    on_problem: &mut dyn FnMut(Problem),
) -> std::io::Result<()> {
    let mut r = BufReader::with_capacity(1 << 16, input);
    // gzip by magic number.
    let head = r.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::read::MultiGzDecoder::new(r);
        return read_raw(Box::new(gz), on_batch, on_problem);
    }
    match document_kind(head) {
        Some(records) => document(r, on_batch, on_problem, records),
        None => lines(r, on_batch, on_problem, MAX_LINE),
    }
}

/// The keys of a top-level object whose array holds a log's records: CloudTrail's files
/// (`Records`), and the pages of audit APIs as they are saved: Atlassian Data Center's
/// auditing API (`entities`: Bitbucket, Jira, Confluence) and Google Cloud Logging's
/// `entries:list` (`entries`). Atlassian's organisation events API pages them under `data`,
/// a common key, taken only in a document of Atlassian events ([`atlassian_events`]).
const PAGE_KEYS: [&[u8]; 3] = [b"Records", b"entities", b"entries"];

/// Whether a page's key (`key`, a top-level key) holds the records.
fn page_key(key: &[u8], with_data: bool) -> bool {
    PAGE_KEYS.contains(&key) || with_data && key == b"data"
}

/// Whether a document is Atlassian organisation events: `"type": "events"` near its start.
fn atlassian_events(head: &[u8]) -> bool {
    let near = &head[..head.len().min(512)];
    memchr::memmem::find(near, b"\"type\":\"events\"").is_some()
        || memchr::memmem::find(near, b"\"type\": \"events\"").is_some()
}

/// Whether a log that starts with `head` is one JSON document (or several), read whole,
/// rather than JSON lines: `Some(false)` for an array, `Some(true)` for an object: a page of
/// records ([`page_first`]), or one printed over several lines (`jq .`), whose first line
/// is its `{` alone.
pub(crate) fn document_kind(head: &[u8]) -> Option<bool> {
    let at = head.iter().position(|b| !b.is_ascii_whitespace())?;
    match head[at] {
        b'[' => Some(false),
        b'{' if page_first(&head[at..]) || alone_on_its_line(&head[at + 1..]) => Some(true),
        _ => None,
    }
}

/// Whether `rest`, what follows an opening bracket, is whitespace up to the end of its line.
fn alone_on_its_line(rest: &[u8]) -> bool {
    rest.iter()
        .take_while(|b| **b != b'\n')
        .all(|b| matches!(b, b' ' | b'\t' | b'\r'))
        && rest.contains(&b'\n')
}

/// Whether `head`, which starts with `{`, opens with a page's key ([`PAGE_KEYS`]) and its
/// array, JSON whitespace aside: `{"Records":[` (CloudTrail's files, one line or
/// pretty-printed), `{"entities":[`, `{"entries":[`, or `{"data":[` of Atlassian
/// organisation events (`"type":"events"` near the start: `data` is a common key in the
/// first line of a JSON-lines log). Anything else that starts with `{` on a line with more is
/// read as JSON lines. (Only the first bytes are looked at: such a file is often one line.)
fn page_first(head: &[u8]) -> bool {
    let mut rest = head
        .iter()
        .copied()
        .filter(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r'));
    if rest.next() != Some(b'{') || rest.next() != Some(b'"') {
        return false;
    }
    let key: Vec<u8> = rest.by_ref().take_while(|c| *c != b'"').take(16).collect();
    page_key(&key, atlassian_events(head)) && rest.next() == Some(b':') && rest.next() == Some(b'[')
}

/// JSON lines, read in blocks: a batch is the complete lines of a block, the records being
/// ranges of it; a partial last line moves on to the next block. Lines over `max_line`
/// bytes are skipped with a problem (and never held whole).
fn lines(
    mut r: BufReader<Box<dyn Read + Send + '_>>,
    on_batch: &mut dyn FnMut(Batch),
    on_problem: &mut dyn FnMut(Problem),
    max_line: usize,
) -> std::io::Result<()> {
    const READ: usize = 1 << 20;
    let mut n = 0u64;
    let mut batch = Batch::default();
    // Reads start small (a small log costs little) and grow to READ.
    let mut read_size = 64 << 10;
    // `batch.bytes[..filled]` has been read, and the rest is room for the next reads
    // (zeroes, or a spare buffer's old bytes). `..scanned` of it is split into lines; the
    // rest is the start of the next line.
    let mut filled = 0usize;
    let mut scanned = 0usize;
    // Inside a line over `max_line`: its bytes are dropped up to its end.
    let mut skipping = false;
    loop {
        if filled == batch.bytes.len() {
            batch.bytes.resize(filled + read_size, 0);
            read_size = (read_size * 2).min(READ);
        }
        let got = match r.read(&mut batch.bytes[filled..]) {
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        filled += got;
        while let Some(p) = memchr::memchr(b'\n', &batch.bytes[scanned..filled]) {
            let end = scanned + p;
            n += 1;
            if skipping || end - scanned > max_line {
                if !skipping {
                    on_problem(too_long(n, max_line));
                }
                skipping = false;
                batch.bytes.copy_within(end + 1..filled, scanned);
                filled -= end + 1 - scanned;
                continue;
            }
            push_line(&mut batch, n, scanned..end);
            scanned = end + 1;
        }
        if got == 0 {
            if !skipping && scanned < filled {
                push_line(&mut batch, n + 1, scanned..filled);
            }
            batch.bytes.truncate(filled);
            break;
        }
        if !skipping && filled - scanned > max_line {
            on_problem(too_long(n + 1, max_line));
            skipping = true;
        }
        if skipping {
            filled = scanned;
        }
        if batch.records.len() >= BATCH_RECORDS || scanned >= BATCH_BYTES {
            // The next batch starts with the partial line, in a spare buffer.
            let mut next = Batch::buffer();
            let rest = filled - scanned;
            if next.len() < rest {
                next.resize(rest, 0);
            }
            next[..rest].copy_from_slice(&batch.bytes[scanned..filled]);
            filled = rest;
            scanned = 0;
            let full = std::mem::replace(
                &mut batch,
                Batch {
                    bytes: next,
                    records: Vec::new(),
                },
            );
            on_batch(full);
        }
    }
    if !batch.is_empty() {
        on_batch(batch);
    }
    Ok(())
}

fn too_long(line: u64, max_line: usize) -> Problem {
    Problem {
        line,
        reason: if max_line >= 1 << 20 {
            format!("line longer than {} MiB skipped", max_line >> 20)
        } else {
            format!("line longer than {max_line} bytes skipped")
        },
    }
}

/// Record line `n` (the bytes at `range` of the batch) unless it is blank.
fn push_line(batch: &mut Batch, n: u64, range: std::ops::Range<usize>) {
    let t = trimmed(&batch.bytes[range.clone()]);
    if !t.is_empty() {
        batch.records.push((
            At {
                line: n,
                index: None,
            },
            range.start + t.start..range.start + t.end,
        ));
    }
}

fn trim(b: &[u8]) -> &[u8] {
    &b[trimmed(b)]
}

/// Where `b` is without its leading and trailing ASCII whitespace.
fn trimmed(b: &[u8]) -> std::ops::Range<usize> {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(s, |i| i + 1);
    s..e
}

/// The offset of the quote that closes the string opening at `open`: past each escape and
/// the byte it escapes; `None` when it is never closed.
fn string_close(b: &[u8], open: usize) -> Option<usize> {
    let mut j = open + 1;
    loop {
        let p = crate::node::quote_or_escape(b.get(j..)?)?;
        if b[j + p] == b'"' {
            return Some(j + p);
        }
        j += p + 2;
    }
}

/// The offset of the bracket that closes the container opening at `open`, counting
/// brackets outside strings (of either kind, as [`element_ranges`] does); `None` when it is
/// never closed. The splitter's inner loop: a record is most of a document.
fn container_end(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while let Some(&c) = b.get(i) {
        match c {
            b'"' => i = string_close(b, i)?,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Byte ranges of the elements of the array at `target_depth` (1: a top-level array; 2:
/// the array of a page's key, `{"Records": [...]}`, [`PAGE_KEYS`]), found by a small scanner
/// that honours strings, and whether a page's array was found at all. A string's text is
/// skipped to its closing quote at once ([`crate::node::quote_or_escape`]: CloudTrail's
/// `Records` files are mostly string text, and going through it a byte at a time held the
/// reading thread, and with it the whole hunt of a directory of such files).
fn element_ranges(b: &[u8], records: bool, with_data: bool) -> (Vec<(usize, usize)>, bool) {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start: Option<usize> = None;
    let target = if records { 2 } else { 1 };
    let mut in_records = !records;
    // (Whether a page's array was found at all.)
    let mut paged = !records;
    let mut last_key_records = false;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'"' => {
                // A key of the top-level object (its text checked at the closing quote).
                let key_start = (depth == 1 && records && start.is_none()).then_some(i + 1);
                if depth == target && in_records && start.is_none() {
                    start = Some(i);
                }
                let Some(close) = string_close(b, i) else {
                    // (An unterminated string: nothing more to find.)
                    break;
                };
                if let Some(k) = key_start {
                    last_key_records = page_key(&b[k..close], with_data);
                }
                i = close + 1;
                continue;
            }
            b'[' | b'{' => {
                if depth == target && in_records && start.is_none() {
                    // A record: to its end at once (nothing inside it matters here).
                    let Some(close) = container_end(b, i) else {
                        // (Never closed: nothing more to find.)
                        break;
                    };
                    out.push((i, close + 1));
                    i = close + 1;
                    continue;
                }
                if records && depth == 1 && c == b'[' {
                    in_records = last_key_records;
                    paged |= in_records;
                }
                depth += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == target
                    && in_records
                    && let Some(s) = start.take()
                {
                    out.push((s, i + 1));
                } else if depth == target - 1 && in_records && c == b']' {
                    if let Some(s) = start.take() {
                        out.push((s, i));
                    }
                    if records {
                        in_records = false;
                    }
                }
            }
            b',' if depth == target && in_records => {
                if let Some(s) = start.take() {
                    out.push((s, i));
                }
            }
            c if !c.is_ascii_whitespace() && depth == target && in_records && start.is_none() => {
                start = Some(i);
            }
            _ => {}
        }
        i += 1;
    }
    (out, paged)
}

/// The byte ranges of the values one after another in `b`, each an object or an array; at
/// anything else, or a value never closed, a problem and the rest is left.
fn top_level_values(b: &[u8], on_problem: &mut dyn FnMut(Problem)) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = b
        .get(i..)
        .and_then(|r| r.iter().position(|c| !c.is_ascii_whitespace()))
    {
        let s = i + p;
        let end = matches!(b[s], b'{' | b'[')
            .then(|| container_end(b, s))
            .flatten();
        let Some(e) = end else {
            on_problem(Problem {
                line: 1 + memchr::memchr_iter(b'\n', &b[..s]).count() as u64,
                reason: if matches!(b[s], b'{' | b'[') {
                    "a JSON value that is never closed: the rest is not read".to_owned()
                } else {
                    "not JSON where a value should start: the rest is not read".to_owned()
                },
            });
            break;
        };
        out.push((s, e + 1));
        i = e + 1;
    }
    out
}

/// Read `r` to its end into `bytes`, whose old bytes are the room for it: `read_to_end`
/// zeroes its room before reading into it (gzip's reader takes only initialised bytes), an
/// eighth of the reading thread's time on a directory of small gzipped files. Returns the
/// length read, which `bytes` is cut to.
fn read_all(r: &mut impl Read, bytes: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut filled = 0;
    loop {
        if filled == bytes.len() {
            bytes.resize((2 * filled).max(64 << 10), 0);
        }
        match r.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(k) => filled += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                bytes.truncate(filled);
                return Err(e);
            }
        }
    }
    bytes.truncate(filled);
    Ok(filled)
}

fn document(
    r: BufReader<Box<dyn Read + Send + '_>>,
    on_batch: &mut dyn FnMut(Batch),
    on_problem: &mut dyn FnMut(Problem),
    records: bool,
) -> std::io::Result<()> {
    // Read into a spare block buffer: CloudTrail's files are small, and a buffer grown
    // from nothing for each one was copied as it grew and its pages faulted in again.
    let mut bytes = Batch::buffer();
    let n = read_all(&mut r.take(MAX_DOCUMENT + 1), &mut bytes)?;
    if n as u64 > MAX_DOCUMENT {
        on_problem(Problem {
            line: 1,
            reason: format!(
                "JSON document over {} MiB: not read (split it into JSON lines)",
                MAX_DOCUMENT >> 20
            ),
        });
        return Ok(());
    }
    let (mut ranges, paged) = element_ranges(&bytes, records, atlassian_events(&bytes));
    if !paged {
        // Objects that are not pages of records (printed over several lines, `jq .`): each
        // is a record.
        ranges = top_level_values(&bytes, on_problem);
    }
    let mut line = 1u64;
    let mut counted = 0usize;
    let mut at = |i: usize, s: usize| {
        line += memchr::memchr_iter(b'\n', &bytes[counted..s]).count() as u64;
        counted = s;
        At {
            line,
            index: Some(i as u64),
        }
    };
    if ranges.len() <= BATCH_RECORDS {
        // One batch: the records stay where they are in the document, which the batch
        // takes over.
        let records = ranges
            .iter()
            .enumerate()
            .map(|(i, &(s, e))| {
                let t = trimmed(&bytes[s..e]);
                (at(i, s), s + t.start..s + t.end)
            })
            .collect();
        if !ranges.is_empty() {
            on_batch(Batch { bytes, records });
        }
        return Ok(());
    }
    let mut batch = Batch::default();
    for (i, &(s, e)) in ranges.iter().enumerate() {
        if batch.bytes.capacity() == 0 {
            batch.bytes = Batch::buffer();
            batch.bytes.clear();
        }
        batch.push_copy(at(i, s), trim(&bytes[s..e]));
        if batch.len() >= BATCH_RECORDS {
            on_batch(std::mem::take(&mut batch));
        }
    }
    if !batch.is_empty() {
        on_batch(batch);
    }
    // (The document's buffer, back to the spares.)
    drop(Batch {
        bytes,
        records: Vec::new(),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scanner as it was, a byte at a time: what [`element_ranges`] must agree with.
    fn element_ranges_bytewise(b: &[u8], records: bool, with_data: bool) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut depth = 0usize;
        let mut in_str = false;
        let mut esc = false;
        let mut start: Option<usize> = None;
        let target = if records { 2 } else { 1 };
        let mut in_records = !records;
        let mut last_key_records = false;
        let mut key_start: Option<usize> = None;
        for (i, &c) in b.iter().enumerate() {
            if in_str {
                if esc {
                    esc = false;
                } else if c == b'\\' {
                    esc = true;
                } else if c == b'"' {
                    in_str = false;
                    if let Some(k) = key_start.take()
                        && records
                        && depth == 1
                    {
                        last_key_records = page_key(&b[k..i], with_data);
                    }
                }
                continue;
            }
            match c {
                b'"' => {
                    in_str = true;
                    if depth == 1 && records && start.is_none() {
                        key_start = Some(i + 1);
                    }
                    if depth == target && in_records && start.is_none() {
                        start = Some(i);
                    }
                }
                b'[' | b'{' => {
                    if depth == target && in_records && start.is_none() {
                        start = Some(i);
                    }
                    if records && depth == 1 && c == b'[' {
                        in_records = last_key_records;
                    }
                    depth += 1;
                }
                b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == target
                        && in_records
                        && let Some(s) = start.take()
                    {
                        out.push((s, i + 1));
                    } else if depth == target - 1 && in_records && c == b']' {
                        if let Some(s) = start.take() {
                            out.push((s, i));
                        }
                        if records {
                            in_records = false;
                        }
                    }
                }
                b',' if depth == target && in_records => {
                    if let Some(s) = start.take() {
                        out.push((s, i));
                    }
                }
                c if !c.is_ascii_whitespace()
                    && depth == target
                    && in_records
                    && start.is_none() =>
                {
                    start = Some(i);
                }
                _ => {}
            }
        }
        out
    }

    fn all(input: &[u8]) -> (Vec<(At, Value)>, Vec<Problem>) {
        let mut ev = Vec::new();
        let mut pr = Vec::new();
        read(Box::new(input), &mut |a, v| ev.push((a, v)), &mut |p| {
            pr.push(p)
        })
        .unwrap();
        (ev, pr)
    }

    #[test]
    fn json_lines_with_a_bad_line() {
        let (ev, pr) = all(b"{\"a\":1}\nnot json\n\n{\"a\":2}\n[1]\n");
        assert_eq!(ev.iter().map(|e| e.0.line).collect::<Vec<_>>(), vec![1, 4]);
        assert_eq!(pr.iter().map(|p| p.line).collect::<Vec<_>>(), vec![2, 5]);
    }

    /// Audit APIs' pages as saved, compact or printed over lines, one after another: their
    /// records are the page's array; a JSON-lines log whose lines start with another `data`
    /// is read line by line; objects printed over lines (`jq .`) are a record each.
    #[test]
    fn api_pages_and_printed_objects() {
        let names = |ev: &[(At, Value)]| -> Vec<String> {
            ev.iter()
                .map(|(a, v)| format!("{}:{:?} {}", a.line, a.index, v["n"]))
                .collect()
        };
        // Atlassian's organisation events, two pages appended by a loop over the cursor.
        let page = |a: u32, b: u32| {
            format!(
                r#"{{"data":[{{"id":"e{a}","type":"events","n":{a}}},{{"id":"e{b}","type":"events","n":{b}}}],"links":{{"next":"x"}},"meta":{{}}}}"#
            )
        };
        let (ev, pr) = all(format!("{}\n{}\n", page(1, 2), page(3, 4)).as_bytes());
        assert!(pr.is_empty(), "{pr:?}");
        assert_eq!(
            names(&ev),
            ["1:Some(0) 1", "1:Some(1) 2", "2:Some(2) 3", "2:Some(3) 4"]
        );
        // Data Center's auditing API printed by `jq .`, its paging first; GCP's entries.
        let dc = "{\n  \"pagingInfo\": {\"limit\": 2},\n  \"entities\": [\n    {\"n\": 1},\n    {\"n\": 2}\n  ]\n}\n";
        assert_eq!(names(&all(dc.as_bytes()).0), ["4:Some(0) 1", "5:Some(1) 2"]);
        let gcp = r#"{"entries":[{"n":1}],"nextPageToken":"t"}"#;
        assert_eq!(names(&all(gcp.as_bytes()).0), ["1:Some(0) 1"]);
        // A JSON-lines log whose lines start with a `data` array: its lines, as they are.
        let app = "{\"data\":[1,2],\"n\":1}\n{\"data\":[3],\"n\":2}\n";
        assert_eq!(names(&all(app.as_bytes()).0), ["1:None 1", "2:None 2"]);
        // Events printed over lines, one after another (one with a `data` array of its own).
        let printed = "{\n  \"n\": 1,\n  \"data\": [{\"x\": 1}]\n}\n{\n  \"n\": 2\n}\n";
        assert_eq!(
            names(&all(printed.as_bytes()).0),
            ["1:Some(0) 1", "5:Some(1) 2"]
        );
        // One never closed: the ones before it, and where it starts.
        let (ev, pr) = all(b"{\n  \"n\": 1\n}\n{\n  \"n\": ");
        assert_eq!(names(&ev), ["1:Some(0) 1"]);
        assert_eq!(pr.len(), 1);
        assert_eq!(pr[0].line, 4);
        assert!(pr[0].reason.contains("never closed"), "{}", pr[0].reason);
    }

    #[test]
    fn arrays_and_records_keep_lines() {
        let (ev, _) = all(b"[\n  {\"a\": \"x,]}\"},\n  {\"a\": [1,2]}\n]\n");
        assert_eq!(
            ev.iter().map(|e| (e.0.line, e.0.index)).collect::<Vec<_>>(),
            vec![(2, Some(0)), (3, Some(1))]
        );
        let (ev, _) = all(b"{\"Records\": [\n{\"eventName\": \"A\"},\n{\"eventName\": \"B\"}\n], \"x\": [{\"no\": 1}]}");
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[1].1["eventName"], "B");
        assert_eq!(ev[1].0.line, 3);
        let (ev, _) = all(b"{\n  \"Records\": [{\"eventName\": \"A\"}]\n}\n");
        assert_eq!(ev.len(), 1);
    }

    #[test]
    fn access_log_lines() {
        let line = r#"203.0.113.7 - alice [30/Nov/2026:10:00:00 +0000] "GET /admin/users?id=1%27%20OR%201=1 HTTP/1.1" 200 512 "https://ref.example/" "sqlmap/1.7 (\"x\")""#;
        let v = access_log(line).unwrap();
        assert_eq!(v["c-ip"], "203.0.113.7");
        assert_eq!(v["cs-username"], "alice");
        assert_eq!(v["cs-method"], "GET");
        assert_eq!(v["cs-uri-stem"], "/admin/users");
        assert_eq!(v["cs-uri-query"], "id=1%27%20OR%201=1");
        assert_eq!(v["sc-status"], "200");
        assert!(
            v["cs-user-agent"]
                .as_str()
                .unwrap()
                .starts_with("sqlmap/1.7")
        );
        let common =
            access_log("10.0.0.1 - - [30/Nov/2026:10:00:00 +0000] \"POST /login HTTP/1.1\" 401 -")
                .unwrap();
        assert_eq!(common["sc-status"], "401");
        assert!(common.get("cs-username").is_none());
        assert!(access_log("not an access log line").is_none());
        let (ev, pr) = all(format!("{line}\n{{\"a\":1}}\ngarbage\n").as_bytes());
        assert_eq!(ev.len(), 2);
        assert_eq!(pr.len(), 1);
    }

    #[test]
    fn gzip_and_truncated_gzip() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"{\"a\":1}\n{\"a\":2}\n").unwrap();
        let bytes = gz.finish().unwrap();
        let (ev, _) = all(&bytes);
        assert_eq!(ev.len(), 2);
        let mut ev = Vec::new();
        let r = read(
            Box::new(&bytes[..bytes.len() - 8]),
            &mut |a, v| ev.push((a, v)),
            &mut |_| {},
        );
        assert!(r.is_err() || ev.len() <= 2);
    }

    /// Gives at most `step` bytes per read.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let k = self.step.min(buf.len()).min(self.data.len());
            buf[..k].copy_from_slice(&self.data[..k]);
            self.data = &self.data[k..];
            Ok(k)
        }
    }

    fn lines_of(data: &[u8], step: usize, max_line: usize) -> (Vec<(At, Value)>, Vec<Problem>) {
        let mut ev = Vec::new();
        let mut bad = Vec::new();
        let mut pr = Vec::new();
        lines(
            BufReader::with_capacity(4, Box::new(Trickle { data, step })),
            &mut |b| {
                for (at, raw) in b.iter() {
                    match parse(at, raw) {
                        Ok(v) => ev.push((at, v)),
                        Err(p) => bad.push(p),
                    }
                }
            },
            &mut |p| pr.push(p),
            max_line,
        )
        .unwrap();
        pr.extend(bad);
        pr.sort_by_key(|p| p.line);
        (ev, pr)
    }

    #[test]
    fn over_long_lines_are_skipped_and_counted() {
        let long = format!("{{\"b\":\"{}\"}}", "x".repeat(40));
        let text = format!("{{\"a\":1}}\n{long}\n{{\"a\":2}}\n{long}");
        for step in [1, 5, 16, 1000] {
            let (ev, pr) = lines_of(text.as_bytes(), step, 16);
            assert_eq!(
                ev.iter()
                    .map(|(a, v)| (a.line, v["a"].clone()))
                    .collect::<Vec<_>>(),
                vec![(1, 1.into()), (3, 2.into())],
                "step {step}"
            );
            assert_eq!(
                pr,
                vec![
                    Problem {
                        line: 2,
                        reason: "line longer than 16 bytes skipped".into()
                    },
                    Problem {
                        line: 4,
                        reason: "line longer than 16 bytes skipped".into()
                    },
                ],
                "step {step}"
            );
        }
    }

    proptest::proptest! {
        /// However the stream arrives, each line is read once, at its number: blank lines
        /// and CRLF endings included, and a last line without a newline.
        #[test]
        fn lines_are_read_the_same_in_any_chunks(
            picks in proptest::collection::vec(0usize..6, 0..40),
            step in 1usize..40,
            newline_at_end in proptest::prelude::any::<bool>(),
        ) {
            let kinds = ["{\"a\":1}", "", "  ", "{\"b\":\"two words\"}\r", "not json", "\t{\"c\":[1,2,3]} "];
            let mut text = picks.iter().map(|k| kinds[*k]).collect::<Vec<_>>().join("\n");
            if newline_at_end {
                text.push('\n');
            }
            let mut want_ev = Vec::new();
            let mut want_pr = Vec::new();
            for (i, l) in text.split('\n').enumerate() {
                let l = l.trim();
                if l.is_empty() {
                    continue;
                }
                match serde_json::from_str::<Value>(l) {
                    Ok(v) => want_ev.push((i as u64 + 1, v)),
                    Err(_) => want_pr.push(i as u64 + 1),
                }
            }
            let (ev, pr) = lines_of(text.as_bytes(), step, 1 << 20);
            proptest::prop_assert_eq!(ev.into_iter().map(|(a, v)| (a.line, v)).collect::<Vec<_>>(), want_ev);
            proptest::prop_assert_eq!(pr.into_iter().map(|p| p.line).collect::<Vec<_>>(), want_pr);
        }

        #[test]
        fn any_bytes_are_events_or_problems(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..1024)) {
            let _ = all(&b);
            let mut v = b"[".to_vec();
            v.extend(&b);
            let _ = all(&v);
            let mut v = b"{\"Records\": [".to_vec();
            v.extend(&b);
            let _ = all(&v);
            // Pages, and objects printed over lines (each a record, or a problem).
            for prefix in [&b"{\n"[..], b"{\"data\":[{\"type\":\"events\"},", b"{\"entries\": ["] {
                let mut v = prefix.to_vec();
                v.extend(&b);
                let _ = all(&v);
            }
        }

        /// The scanner that skips string text finds the elements the byte-at-a-time one
        /// found: documents of structural characters, strings with escapes (also at the very
        /// end), `Records` keys at several depths.
        #[test]
        fn element_ranges_as_found_a_byte_at_a_time(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "{", "}", "[", "]", ",", ":", " ", "\n", "\"", "\\", "\\\"", "a", "1",
                    "\"Records\"", "\"x\"", "{\"Records\":[", "\"a\\\"]\"", "\"data\"",
                    "\"entries\"",
                ]),
                0..60,
            ),
            prefix in proptest::sample::select(vec!["", "[", "{\"Records\": [", "{\"k\": 1, \"Records\":[", "{\"data\":[", "{\"entities\": ["]),
            with_data in proptest::bool::ANY,
        ) {
            let doc = format!("{prefix}{}", pieces.concat());
            for records in [false, true] {
                proptest::prop_assert_eq!(
                    element_ranges(doc.as_bytes(), records, with_data).0,
                    element_ranges_bytewise(doc.as_bytes(), records, with_data),
                    "{:?} {}", doc, records
                );
            }
        }
    }
}
