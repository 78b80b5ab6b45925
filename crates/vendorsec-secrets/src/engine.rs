//! The matching engine: keyword prefilter, windowed regex, filters, chunked streaming.

use std::collections::HashMap;
use std::io::Read;

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use serde_json::{Map, Value};
use vendorsec_core::redact::{fingerprint, redact, sha256_hex};
use vendorsec_core::{Confidence, Finding, Location, Origin, Severity};

use crate::filter;
use crate::rule::{Rule, RuleSet, Scope};
use crate::validate::{self, Verdict};

/// Bytes read per chunk of a large input.
const CHUNK: usize = 8 << 20;
/// Bytes carried from one chunk into the next, so no match shorter than this is split.
const OVERLAP: usize = 96 << 10;
/// Window bounds around a keyword hit.
const LINE_BACK: usize = 2048;
const LINE_FWD: usize = 4096;
const MULTI_BACK: usize = 1024;
const MULTI_FWD: usize = 64 << 10;
/// Most bytes of context shown either side of a secret in the evidence.
const EVIDENCE_CONTEXT: usize = 48;
/// The inline suppression marker.
const IGNORE_MARKER: &str = "vendorsec:ignore";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    #[error("rule {id}: {message}")]
    Rule { id: String, message: String },
    #[error("keyword automaton: {0}")]
    Automaton(String),
}

struct CompiledRule {
    rule: Rule,
    /// Compiled on first use: most scans touch few rules, and compiling all of them was
    /// most of a small scan's start-up time. Patterns are checked when the engine is built.
    matchers: OnceLock<Matchers>,
}

struct Matchers {
    regex: regex::bytes::Regex,
    /// The group named `secret`; without one (or when it did not take part in the match),
    /// the first capture group that did, else the whole match.
    secret_group: Option<usize>,
    allow: Vec<regex::Regex>,
    allow_match: Vec<regex::bytes::Regex>,
}

impl Matchers {
    fn compile(rule: &Rule) -> Result<Matchers, String> {
        let regex = regex::bytes::RegexBuilder::new(&format!("(?-u){}", rule.pattern))
            .size_limit(64 << 20)
            .build()
            .map_err(|e| e.to_string())?;
        let secret_group = regex.capture_names().position(|n| n == Some("secret"));
        let allow = rule
            .allow
            .iter()
            .map(|a| regex::Regex::new(a).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        let allow_match = rule
            .allow_match
            .iter()
            .map(|a| regex::bytes::Regex::new(&format!("(?-u){a}")).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Matchers {
            regex,
            secret_group,
            allow,
            allow_match,
        })
    }
}

impl CompiledRule {
    /// The rule's matchers; `None` only if a pattern that parsed fails to compile (a
    /// size limit), which `Engine::compile_all` reports.
    fn matchers(&self) -> Option<&Matchers> {
        if let Some(m) = self.matchers.get() {
            return Some(m);
        }
        let m = Matchers::compile(&self.rule).ok()?;
        Some(self.matchers.get_or_init(|| m))
    }
}

/// Where a chunk starts in its blob's text: newlines before it, and code points since the
/// last of them (so columns stay right on lines longer than a chunk).
#[derive(Debug, Default, Clone, Copy)]
struct TextPos {
    lines: u64,
    column: u64,
}

/// The compiled rule set.
pub struct Engine {
    rules: Vec<CompiledRule>,
    automaton: AhoCorasick,
    /// For each automaton pattern, the rules it selects; `None` for the ignore marker.
    keyword_rules: Vec<Option<Vec<u32>>>,
}

/// One match of one rule, before grouping. Holds the secret in memory only; it is never
/// serialised.
#[derive(Clone)]
pub struct RawMatch {
    pub rule: usize,
    pub secret: String,
    /// Byte offset of the secret in the blob.
    pub offset: u64,
    pub evidence: String,
    pub line: u64,
    pub column: u64,
    pub end_line: u64,
    pub end_column: u64,
    pub severity: Severity,
    pub confidence: Confidence,
    pub data: Map<String, Value>,
}

impl std::fmt::Debug for RawMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawMatch")
            .field("rule", &self.rule)
            .field("secret", &redact(&self.secret))
            .field("line", &self.line)
            .field("column", &self.column)
            .finish_non_exhaustive()
    }
}

/// An inline `vendorsec:ignore <rule> <reason>` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineIgnore {
    pub line: u64,
    pub rule: String,
    pub reason: Option<String>,
    pub used: bool,
}

/// What scanning one blob produced.
#[derive(Debug, Default)]
pub struct BlobScan {
    pub matches: Vec<RawMatch>,
    pub ignores: Vec<InlineIgnore>,
    pub bytes: u64,
    /// Matches removed by inline comments.
    pub suppressed: u64,
}

impl Engine {
    /// Compile a rule set.
    ///
    /// # Errors
    /// A pattern that does not compile, or an automaton too large to build.
    pub fn new(rules: RuleSet) -> Result<Engine, EngineError> {
        let mut compiled = Vec::with_capacity(rules.rules.len());
        let mut keyword_index: HashMap<String, usize> = HashMap::new();
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Option<Vec<u32>>> = Vec::new();
        for (i, rule) in rules.rules.into_iter().enumerate() {
            let err = |message: String| EngineError::Rule {
                id: rule.id.clone(),
                message,
            };
            // Syntax is checked now (cheap); compilation waits for the rule's first use.
            let mut parser = regex_syntax::ParserBuilder::new().utf8(false).build();
            parser
                .parse(&format!("(?-u){}", rule.pattern))
                .map_err(|e| err(e.to_string()))?;
            for a in &rule.allow {
                regex_syntax::Parser::new()
                    .parse(a)
                    .map_err(|e| err(e.to_string()))?;
            }
            for a in &rule.allow_match {
                regex_syntax::ParserBuilder::new()
                    .utf8(false)
                    .build()
                    .parse(&format!("(?-u){a}"))
                    .map_err(|e| err(e.to_string()))?;
            }
            let idx = u32::try_from(i).map_err(|_| err("too many rules".into()))?;
            for k in &rule.keywords {
                let k = k.to_ascii_lowercase();
                let slot = *keyword_index.entry(k.clone()).or_insert_with(|| {
                    keywords.push(k);
                    keyword_rules.push(Some(Vec::new()));
                    keywords.len() - 1
                });
                if let Some(v) = &mut keyword_rules[slot] {
                    v.push(idx);
                }
            }
            compiled.push(CompiledRule {
                rule,
                matchers: OnceLock::new(),
            });
        }
        keywords.push(IGNORE_MARKER.to_string());
        keyword_rules.push(None);
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&keywords)
            .map_err(|e| EngineError::Automaton(e.to_string()))?;
        Ok(Engine {
            rules: compiled,
            automaton,
            keyword_rules,
        })
    }

    /// Compile every rule now (for `rules check` and tests): reports a pattern that
    /// parses but does not compile, such as one over the size limit.
    ///
    /// # Errors
    /// The first rule that does not compile.
    pub fn compile_all(&self) -> Result<(), EngineError> {
        for cr in &self.rules {
            if cr.matchers.get().is_none() {
                let m = Matchers::compile(&cr.rule).map_err(|message| EngineError::Rule {
                    id: cr.rule.id.clone(),
                    message,
                })?;
                let _ = cr.matchers.set(m);
            }
        }
        Ok(())
    }

    /// The rules, in index order (a [`RawMatch::rule`] indexes this).
    pub fn rules(&self) -> impl ExactSizeIterator<Item = &Rule> {
        self.rules.iter().map(|c| &c.rule)
    }

    #[must_use]
    pub fn rule(&self, index: usize) -> &Rule {
        &self.rules[index].rule
    }

    /// Scan an in-memory blob. `path` is the blob's path (for test-path confidence).
    #[must_use]
    pub fn scan_bytes(&self, data: &[u8], path: &str) -> BlobScan {
        let mut scan = self.scan_bytes_unresolved(data, path);
        self.finish(&mut scan, data.len() as u64);
        scan
    }

    /// Every match of every rule, without resolving overlaps between rules (for checking
    /// each rule's examples on their own).
    fn scan_bytes_unresolved(&self, data: &[u8], path: &str) -> BlobScan {
        let mut scan = BlobScan::default();
        let mut at = TextPos::default();
        self.scan_chunk(data, 0, data.len(), &mut at, path, &mut scan);
        scan
    }

    /// Scan a stream in bounded chunks; `head` holds bytes already read from it (by a
    /// content sniffer) that come first. A read error part-way ends the scan: what was found
    /// up to it is kept, and the error is returned beside it.
    pub fn scan_reader(
        &self,
        head: &[u8],
        reader: &mut dyn Read,
        path: &str,
    ) -> (BlobScan, Option<std::io::Error>) {
        let mut scan = BlobScan::default();
        let mut buf: Vec<u8> = Vec::with_capacity(head.len().max(64 << 10));
        buf.extend_from_slice(head);
        let mut at = TextPos::default();
        let mut total = 0u64;
        let mut error = None;
        loop {
            let eof = match fill(reader, &mut buf, CHUNK) {
                Ok(eof) => eof,
                Err(e) => {
                    error = Some(e);
                    true
                }
            };
            if eof {
                self.scan_chunk(&buf, total, buf.len(), &mut at, path, &mut scan);
                total += buf.len() as u64;
                break;
            }
            let owned = buf.len() - OVERLAP;
            self.scan_chunk(&buf, total, owned, &mut at, path, &mut scan);
            total += owned as u64;
            buf.drain(..owned);
        }
        self.finish(&mut scan, total);
        (scan, error)
    }

    /// Scan `data`, reporting matches that start before `owned_end`. `at` is the text
    /// position of `data[0]` and is advanced past `data[..owned_end]`.
    fn scan_chunk(
        &self,
        data: &[u8],
        base: u64,
        owned_end: usize,
        at: &mut TextPos,
        path: &str,
        scan: &mut BlobScan,
    ) {
        let n_rules = self.rules.len();
        let mut windows: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n_rules];
        let mut touched: Vec<u32> = Vec::new();
        let mut markers: Vec<usize> = Vec::new();
        for m in self.automaton.find_overlapping_iter(data) {
            let p = m.start();
            let Some(rules) = &self.keyword_rules[m.pattern().as_usize()] else {
                if p < owned_end {
                    markers.push(p);
                }
                continue;
            };
            for &r in rules {
                let ws = &mut windows[r as usize];
                if let Some(last) = ws.last()
                    && p >= last.0
                    && p < last.1
                    && self.rules[r as usize].rule.scope == Scope::Line
                {
                    continue;
                }
                if ws.is_empty() {
                    touched.push(r);
                }
                ws.push(window(data, p, self.rules[r as usize].rule.scope));
            }
        }

        let mut found: Vec<(usize, usize, usize, usize, usize)> = Vec::new();
        for &r in &touched {
            let ws = &mut windows[r as usize];
            ws.sort_unstable();
            let cr = &self.rules[r as usize];
            let Some(m) = cr.matchers() else { continue };
            let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ws.len());
            for &(s, e) in ws.iter() {
                match merged.last_mut() {
                    Some(last) if s <= last.1 => last.1 = last.1.max(e),
                    _ => merged.push((s, e)),
                }
            }
            for (s, e) in merged {
                for caps in m.regex.captures_iter(&data[s..e]) {
                    let Some(whole) = caps.get(0) else { continue };
                    let secret = m
                        .secret_group
                        .and_then(|g| caps.get(g))
                        .or_else(|| caps.iter().skip(1).flatten().next())
                        .unwrap_or(whole);
                    let mut start = s + whole.start();
                    // A leading boundary byte (`=`, quote, space) is not part of what was
                    // found: start at the secret.
                    if s + secret.start() == start + 1 && !data[start].is_ascii_alphanumeric() {
                        start += 1;
                    }
                    if start >= owned_end {
                        continue;
                    }
                    found.push((
                        start,
                        r as usize,
                        s + whole.end(),
                        s + secret.start(),
                        s + secret.end(),
                    ));
                }
            }
        }
        found.sort_unstable();

        // Positions to line/column, in one forward pass.
        let mut cursor = 0usize;
        let mut line_at_cursor = at.lines;
        let mut line_of = |pos: usize| -> u64 {
            if pos >= cursor {
                line_at_cursor += memchr::memchr_iter(b'\n', &data[cursor..pos]).count() as u64;
            } else {
                line_at_cursor -= memchr::memchr_iter(b'\n', &data[pos..cursor]).count() as u64;
            }
            cursor = pos;
            line_at_cursor + 1
        };

        // Columns, computed forward from one match start to the next (linear even on a
        // single 200 MB line).
        let start_column = at.column;
        let mut col_cursor = 0usize;
        let mut col_at_cursor = start_column;
        let mut col_of = |p: usize| -> u64 {
            let (from, base_col) = if p >= col_cursor {
                (col_cursor, col_at_cursor)
            } else {
                (0, start_column)
            };
            let col = match memchr::memrchr(b'\n', &data[from..p]) {
                Some(i) => code_points(&data[from + i + 1..p]),
                None => base_col + code_points(&data[from..p]),
            };
            col_cursor = p;
            col_at_cursor = col;
            col + 1
        };

        let source_code = filter::is_source_code(path);
        let accepted: Vec<_> = found
            .into_iter()
            .filter_map(|(start, r, end, ss, se)| {
                if source_code
                    && self.rules[r].rule.code_literals_only
                    && !literal_context(data, ss)
                {
                    return None;
                }
                let secret = std::str::from_utf8(&data[ss..se]).ok()?;
                let (severity, fields) = accept(&self.rules[r], &data[start..end], secret)?;
                Some((start, r, end, ss, se, severity, fields))
            })
            .collect();
        // Every accepted secret is redacted in every evidence that shows it, not only its own.
        let secret_spans: Vec<(usize, usize)> = accepted.iter().map(|a| (a.3, a.4)).collect();
        for (start, r, end, ss, se, severity, fields) in accepted {
            let cr = &self.rules[r];
            let secret = String::from_utf8_lossy(&data[ss..se]).into_owned();
            let line = line_of(start);
            let column = col_of(start);
            let end_line = line_of(end);
            let end_column = match memchr::memrchr(b'\n', &data[start..end]) {
                Some(i) => code_points(&data[start + i + 1..end]) + 1,
                None => column + code_points(&data[start..end]),
            };
            let mut confidence = cr.rule.confidence;
            if filter::is_test_path(path) {
                confidence = confidence.lowered();
            }
            scan.matches.push(RawMatch {
                rule: r,
                offset: base + ss as u64,
                evidence: evidence(data, start, end, (ss, se), &secret_spans),
                secret,
                line,
                column,
                end_line,
                end_column,
                severity,
                confidence,
                data: fields,
            });
        }
        for p in markers {
            let line = line_of(p);
            let line_end = memchr::memchr(b'\n', &data[p..]).map_or(data.len(), |i| p + i);
            let text = String::from_utf8_lossy(&data[p + IGNORE_MARKER.len()..line_end]);
            // `vendorsec:ignore` then whitespace then a rule id (or `all`); anything else is
            // prose or code that mentions the marker, not a marker.
            if !text.starts_with([' ', '\t']) {
                continue;
            }
            let mut words = text.split_whitespace();
            let rule = words.next().unwrap_or("").to_string();
            if !is_rule_id(&rule) {
                continue;
            }
            let reason: String = words
                .filter(|w| !matches!(*w, "*/" | "-->" | "#}" | "%>"))
                .collect::<Vec<_>>()
                .join(" ");
            scan.ignores.push(InlineIgnore {
                line,
                rule,
                reason: (!reason.is_empty()).then_some(reason),
                used: false,
            });
        }
        at.lines += memchr::memchr_iter(b'\n', &data[..owned_end]).count() as u64;
        at.column = match memchr::memrchr(b'\n', &data[..owned_end]) {
            Some(i) => code_points(&data[i + 1..owned_end]),
            None => at.column + code_points(&data[..owned_end]),
        };
    }

    /// Drop matches whose secret overlaps a better rule's match (a JDBC URL rule and the
    /// generic password rule seeing the same password), apply inline ignores, and record
    /// the byte count.
    fn finish(&self, scan: &mut BlobScan, bytes: u64) {
        scan.bytes = bytes;
        self.drop_overlaps(&mut scan.matches);
        if scan.ignores.is_empty() {
            return;
        }
        let before = scan.matches.len();
        let ignores = &mut scan.ignores;
        scan.matches.retain(|m| {
            let id = &self.rules[m.rule].rule.id;
            let hit = ignores.iter_mut().find(|ig| {
                ig.reason.is_some()
                    && (ig.rule == *id || ig.rule == "all")
                    && (ig.line == m.line || ig.line + 1 == m.line)
            });
            match hit {
                Some(ig) => {
                    ig.used = true;
                    false
                }
                None => true,
            }
        });
        scan.suppressed += (before - scan.matches.len()) as u64;
    }
}

impl Engine {
    /// Rank of a match when two rules claim overlapping secrets: specific rules beat
    /// generic ones, then higher confidence, then higher severity, then the longer secret.
    fn rank(&self, m: &RawMatch) -> (bool, Confidence, Severity, usize) {
        let generic = self.rules[m.rule].rule.id.starts_with("secret/generic-");
        (
            !generic,
            self.rules[m.rule].rule.confidence,
            m.severity,
            m.secret.len(),
        )
    }

    fn drop_overlaps(&self, matches: &mut Vec<RawMatch>) {
        if matches.len() < 2 {
            return;
        }
        matches.sort_by_key(|m| m.offset);
        let mut keep = vec![true; matches.len()];
        for i in 0..matches.len() {
            if !keep[i] {
                continue;
            }
            let end_i = matches[i].offset + matches[i].secret.len() as u64;
            for j in i + 1..matches.len() {
                if matches[j].offset >= end_i {
                    break;
                }
                if !keep[j] {
                    continue;
                }
                if self.rank(&matches[j]) > self.rank(&matches[i]) {
                    keep[i] = false;
                    break;
                }
                keep[j] = false;
            }
        }
        let mut k = keep.into_iter();
        matches.retain(|_| k.next().unwrap_or(true));
    }
}

/// `all`, or `domain/kebab-name`.
fn is_rule_id(s: &str) -> bool {
    if s == "all" {
        return true;
    }
    let Some((domain, name)) = s.split_once('/') else {
        return false;
    };
    !domain.is_empty()
        && domain
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Whether a value at `ss` in source code is data rather than an identifier or expression:
/// a quoted literal, XML element text (`>value`), or a `key=value` with no space before the
/// `=` (configuration embedded in a string). `password: String` and `pwd = other` are code.
fn literal_context(data: &[u8], ss: usize) -> bool {
    match ss.checked_sub(1).map(|i| data[i]) {
        Some(b'"' | b'\'' | b'`' | b'>') => true,
        Some(b'=') => ss >= 2 && !data[ss - 2].is_ascii_whitespace(),
        _ => false,
    }
}

/// Read until `buf` holds `want` bytes or the reader ends; true at end of input. Grows the
/// buffer only as data arrives (no zero-filling of the whole chunk for small blobs).
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    let missing = want.saturating_sub(buf.len());
    if missing == 0 {
        return Ok(false);
    }
    let got = reader.take(missing as u64).read_to_end(buf)?;
    Ok(got < missing)
}

fn window(data: &[u8], p: usize, scope: Scope) -> (usize, usize) {
    match scope {
        Scope::Line => {
            let lo = p.saturating_sub(LINE_BACK);
            let start = memchr::memrchr(b'\n', &data[lo..p]).map_or(lo, |i| lo + i + 1);
            let hi = (p + LINE_FWD).min(data.len());
            let end = memchr::memchr(b'\n', &data[p..hi]).map_or(hi, |i| p + i);
            (start, end)
        }
        Scope::Multiline => (
            p.saturating_sub(MULTI_BACK),
            (p + MULTI_FWD).min(data.len()),
        ),
    }
}

/// Unicode code points in UTF-8 bytes (continuation bytes do not count).
fn code_points(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u64
}

/// Run the rule's filters and validator; `None` drops the match.
fn accept(cr: &CompiledRule, whole: &[u8], secret: &str) -> Option<(Severity, Map<String, Value>)> {
    if secret.is_empty() || filter::is_documented_example(secret) || filter::is_masked(secret) {
        return None;
    }
    if cr.rule.placeholder_filter
        && (filter::is_placeholder(secret) || filter::looks_like_code(secret))
    {
        return None;
    }
    if let Some(min) = cr.rule.min_entropy
        && filter::shannon_entropy(secret) < min
    {
        return None;
    }
    let m = cr.matchers()?;
    if m.allow.iter().any(|a| a.is_match(secret)) || m.allow_match.iter().any(|a| a.is_match(whole))
    {
        return None;
    }
    let mut severity = cr.rule.severity;
    let mut fields = Map::new();
    if let Some(v) = cr.rule.validator {
        match validate::run(v, whole, secret) {
            Verdict::Reject => return None,
            Verdict::Accept { data, severity: s } => {
                fields = data;
                if let Some(s) = s {
                    severity = severity.min(s);
                }
            }
        }
    }
    Some((severity, fields))
}

/// The matched text with the secret replaced by its redacted form, and any other secret
/// found in the blob that overlaps the shown text redacted too; context bounded, control
/// characters escaped.
fn evidence(
    data: &[u8],
    start: usize,
    end: usize,
    own: (usize, usize),
    secrets: &[(usize, usize)],
) -> String {
    let pre_start = start.max(own.0.saturating_sub(EVIDENCE_CONTEXT));
    let post_end = end.min(own.1 + EVIDENCE_CONTEXT);
    // Secret spans inside the shown window, merged, in order.
    let mut spans: Vec<(usize, usize)> = secrets
        .iter()
        .copied()
        .filter(|&(s, e)| s < post_end && e > pre_start)
        .map(|(s, e)| (s.max(pre_start), e.min(post_end)))
        .collect();
    spans.push(own);
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let mut out = String::new();
    if pre_start > start {
        out.push('…');
    }
    let mut at = pre_start;
    for (s, e) in merged {
        push_escaped(&mut out, &data[at..s]);
        out.push_str(&redact(&String::from_utf8_lossy(&data[s..e])));
        at = e;
    }
    push_escaped(&mut out, &data[at..post_end]);
    if post_end < end {
        out.push('…');
    }
    out
}

fn push_escaped(out: &mut String, bytes: &[u8]) {
    for c in String::from_utf8_lossy(bytes).chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push(' '),
            c if c.is_control() => out.push('�'),
            c => out.push(c),
        }
    }
}

/// Turn the raw matches of many blobs into findings: one per (rule, secret), with every
/// location.
#[must_use]
pub fn group_matches(engine: &Engine, matches: Vec<(Origin, RawMatch)>) -> Vec<Finding> {
    let mut by_key: HashMap<(usize, String), Finding> = HashMap::new();
    let mut order: Vec<(usize, String)> = Vec::new();
    for (origin, m) in matches {
        let rule = engine.rule(m.rule);
        let secret_hash = sha256_hex(&[m.secret.as_bytes()]);
        let key = (m.rule, secret_hash);
        let loc = Location::new(&origin, m.line, m.column, m.end_line, m.end_column);
        if let Some(f) = by_key.get_mut(&key) {
            f.locations.push(loc);
            f.confidence = f.confidence.max(m.confidence);
            continue;
        }
        let mut data = m.data;
        data.insert("rule_name".into(), Value::from(rule.name.clone()));
        data.insert("secret_redacted".into(), Value::from(redact(&m.secret)));
        data.insert(
            "secret_length".into(),
            Value::from(m.secret.chars().count()),
        );
        let finding = Finding {
            rule: rule.id.clone(),
            guideline: rule.guideline.clone(),
            severity: m.severity,
            confidence: m.confidence,
            message: format!("{} found: {}", rule.name, rule.description),
            remediation: rule
                .remediation
                .clone()
                .unwrap_or_else(|| DEFAULT_REMEDIATION.into()),
            evidence: m.evidence,
            fingerprint: fingerprint(&rule.id, m.secret.as_bytes()),
            locations: vec![loc],
            data,
        };
        order.push(key.clone());
        by_key.insert(key, finding);
    }
    order
        .into_iter()
        .filter_map(|k| by_key.remove(&k))
        .collect()
}

const DEFAULT_REMEDIATION: &str = "Revoke and rotate this credential at its issuer, remove it from the code and history, and load it at run time from a secret store or the environment.";

/// The path an example is scanned under: an example may name it on a first line
/// `# file: <path>` (so rules can be shown to behave in source code and in configuration);
/// by default a neutral configuration file.
fn example_path(example: &str) -> &str {
    example
        .strip_prefix("# file: ")
        .and_then(|rest| rest.split('\n').next())
        .unwrap_or("config/settings.txt")
}

/// An example of a rule that did not behave as it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub rule: String,
    /// True for a positive example that did not match, false for a negative one that did.
    pub positive: bool,
    pub example_index: usize,
}

impl Engine {
    /// Run every rule's examples through the whole engine (prefilter, regex, filters,
    /// validators): every positive example must produce a match of its rule, no negative
    /// example may.
    #[must_use]
    pub fn check_examples(&self) -> Vec<ExampleFailure> {
        let mut failures = Vec::new();
        for (i, cr) in self.rules.iter().enumerate() {
            let cases = cr
                .rule
                .examples
                .iter()
                .map(|e| (true, e))
                .chain(cr.rule.negative_examples.iter().map(|e| (false, e)));
            let mut pos_i = 0;
            let mut neg_i = 0;
            for (positive, example) in cases {
                let scan = self.scan_bytes_unresolved(example.as_bytes(), example_path(example));
                let matched = scan.matches.iter().any(|m| m.rule == i);
                let index = if positive { &mut pos_i } else { &mut neg_i };
                if matched != positive {
                    failures.push(ExampleFailure {
                        rule: cr.rule.id.clone(),
                        positive,
                        example_index: *index,
                    });
                }
                *index += 1;
            }
        }
        failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn engine() -> &'static Engine {
        static E: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
        E.get_or_init(|| Engine::new(RuleSet::builtin().unwrap()).unwrap())
    }

    const TOKEN: &str = "ghp_Rt9QwErTyUiOpAsDfGhJkLzXcVbNm1234567";

    #[test]
    fn chunked_scan_finds_secret_across_boundaries_with_right_line() {
        let e = engine();
        // Many lines, then the token straddling the first chunk boundary.
        let mut data = Vec::new();
        let mut line = 1u64;
        while data.len() < CHUNK - OVERLAP - 10 {
            data.extend_from_slice(b"just some ordinary text line\n");
            line += 1;
        }
        data.extend_from_slice(format!("token = \"{TOKEN}\"\n").as_bytes());
        let expect_line = line;
        data.extend(std::iter::repeat_n(b'a', 3 * CHUNK));
        data.extend_from_slice(format!("\nsecond = \"{TOKEN}\"\n").as_bytes());
        let (scan, err) = e.scan_reader(&[], &mut &data[..], "x.txt");
        assert!(err.is_none());
        let hits: Vec<_> = scan
            .matches
            .iter()
            .filter(|m| e.rule(m.rule).id == "secret/github-pat")
            .collect();
        assert_eq!(hits.len(), 2, "{hits:?}");
        assert_eq!(hits[0].line, expect_line);
        assert_eq!(hits[1].line, expect_line + 2);
        assert_eq!(scan.bytes, data.len() as u64);
        let whole = e.scan_bytes(&data, "x.txt");
        assert_eq!(whole.matches.len(), scan.matches.len());
    }

    #[test]
    fn columns_stay_right_on_lines_longer_than_a_chunk() {
        let e = engine();
        let mut data = vec![b'x'; 2 * CHUNK + 12345];
        data.extend_from_slice(format!(" {TOKEN} ").as_bytes());
        data.extend_from_slice(format!("\nab {TOKEN}\n").as_bytes());
        let (scan, _) = e.scan_reader(&[], &mut &data[..], "one-line.txt");
        let mut cols: Vec<(u64, u64)> = scan.matches.iter().map(|m| (m.line, m.column)).collect();
        cols.sort_unstable();
        assert_eq!(cols, vec![(1, 2 * CHUNK as u64 + 12345 + 2), (2, 4)]);
        let whole = e.scan_bytes(&data, "one-line.txt");
        let mut cols2: Vec<(u64, u64)> = whole.matches.iter().map(|m| (m.line, m.column)).collect();
        cols2.sort_unstable();
        assert_eq!(cols, cols2);
    }

    #[test]
    fn inline_ignore_needs_rule_and_reason() {
        let e = engine();
        let text = format!(
            "a = \"{TOKEN}\" # vendorsec:ignore secret/github-pat rotated test token\n\
             # vendorsec:ignore secret/github-pat\nb = \"{TOKEN}\"\n\
             # vendorsec:ignore secret/aws-access-key-id stale\n\
             docs mention `vendorsec:ignore <rule-id> <reason>` and vendorsec:ignore{{}}\n"
        );
        let scan = e.scan_bytes(text.as_bytes(), "x.py");
        assert_eq!(
            scan.matches.len(),
            1,
            "the reasonless marker does not suppress"
        );
        assert_eq!(scan.suppressed, 1);
        assert_eq!(scan.ignores.iter().filter(|i| i.used).count(), 1);
        assert_eq!(
            scan.ignores.iter().filter(|i| i.reason.is_none()).count(),
            1
        );
    }

    #[test]
    fn test_paths_lower_confidence() {
        let e = engine();
        let text = format!("t = \"{TOKEN}\"\n");
        let a = e.scan_bytes(text.as_bytes(), "src/main.py");
        let b = e.scan_bytes(text.as_bytes(), "src/test/main_test.py");
        assert!(a.matches[0].confidence > b.matches[0].confidence);
    }

    #[test]
    fn evidence_is_redacted() {
        let e = engine();
        let scan = e.scan_bytes(format!("x={TOKEN}\n").as_bytes(), "a");
        assert!(!scan.matches[0].evidence.contains(TOKEN));
        assert!(scan.matches[0].evidence.contains("ghp_…"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The fuzz entry point: arbitrary bytes never panic, and streaming in chunks agrees
        /// with scanning in memory.
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..4096), prefix in "(password=|ghp_|-----BEGIN RSA PRIVATE KEY-----\n|eyJ|jdbc:mysql://a:|AKIA)") {
            let e = engine();
            let mut bytes = prefix.into_bytes();
            bytes.extend(data);
            let a = e.scan_bytes(&bytes, "f");
            let (b, err) = e.scan_reader(&bytes[..bytes.len().min(7)], &mut &bytes[bytes.len().min(7)..], "f");
            prop_assert!(err.is_none());
            prop_assert_eq!(a.matches.len(), b.matches.len());
        }
    }
}
