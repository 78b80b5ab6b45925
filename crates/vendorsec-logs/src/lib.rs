//! `vendorsec logs`: Sigma detection over audit logs.
//!
//! Rules load from Sigma YAML with a precise reason for any that cannot ([`rule`]); values
//! and modifiers compile once ([`matcher`]); logs stream from JSON lines, JSON arrays,
//! CloudTrail `Records` files and gzip ([`source`]); each event's product is recognised by
//! its shape so that a rule for one product runs only on that product's events, and a rule
//! for a product this engine does not know runs on every event as it is ([`event`]).

pub mod activities;
pub mod correlation;
pub mod event;
pub mod firstseen;
pub mod matcher;
pub mod mmdb;
pub mod node;
pub mod pack;
pub mod pii;
pub mod rule;
pub mod source;
pub mod watch;

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;
use vendorsec_core::redact::fingerprint;
use vendorsec_core::{Confidence, Finding, Location, Origin, Severity};

pub use rule::{LoadError, Placeholders, Rule};
pub use source::{At, Problem};

/// Rules that loaded and files that did not.
#[derive(Debug, Default)]
pub struct Loaded {
    pub rules: Vec<Rule>,
    pub correlations: Vec<correlation::Correlation>,
    pub errors: Vec<LoadError>,
    /// Filters waiting to be attached: the rules they name, and the filter as a rule.
    filters: Vec<(Vec<String>, Rule, String, u64)>,
}

/// Field mappings: for a log source (`product`, `product/service` or `category`), Sigma
/// field name → the field in the logs, or a list of fields (the first present is read).
/// YAML or JSON:
///
/// ```yaml
/// okta:
///   eventType: eventtype        # a shipper that lower-cased the keys
/// webserver:
///   cs-uri-query: [cs-uri-query, request.query]
/// ```
#[derive(Debug, Default, Clone)]
pub struct Mappings(
    std::collections::HashMap<String, std::collections::HashMap<String, Vec<String>>>,
);

/// The built-in mappings (`mappings/builtin.yml`), under any the user gives.
pub const BUILTIN_MAPPINGS: &str = include_str!("../mappings/builtin.yml");

impl Mappings {
    /// Parse a mapping file.
    ///
    /// # Errors
    /// A reason when it is not a map of maps of strings.
    pub fn parse(text: &str) -> Result<Mappings, String> {
        let v = rule::yaml(text)?;
        let top = v
            .as_object()
            .ok_or("a mapping file is a map of log sources")?;
        let mut out = std::collections::HashMap::new();
        for (source, fields) in top {
            let f = fields
                .as_object()
                .ok_or_else(|| format!("`{source}`: a map of Sigma field → log field"))?;
            let mut m = std::collections::HashMap::new();
            for (from, to) in f {
                let bad = || format!("`{source}.{from}`: a log field or a list of log fields");
                let to: Vec<String> = match to {
                    Value::String(t) => vec![t.clone()],
                    Value::Array(a) if !a.is_empty() => a
                        .iter()
                        .map(|x| x.as_str().map(str::to_owned).ok_or_else(bad))
                        .collect::<Result<_, _>>()?,
                    _ => return Err(bad()),
                };
                m.insert(from.clone(), to);
            }
            out.insert(source.to_ascii_lowercase(), m);
        }
        Ok(Mappings(out))
    }

    /// The built-in mappings.
    ///
    /// # Panics
    /// Never: the file is checked by a test.
    #[must_use]
    pub fn builtin() -> Mappings {
        Mappings::parse(BUILTIN_MAPPINGS).unwrap_or_default()
    }

    /// These mappings with `over`'s laid on top (a field `over` maps replaces ours).
    #[must_use]
    pub fn with(mut self, over: Mappings) -> Mappings {
        for (source, fields) in over.0 {
            self.0.entry(source).or_default().extend(fields);
        }
        self
    }
}

impl Loaded {
    /// Apply field mappings to every rule whose log source they name (the most specific
    /// wins: `product/service`, then `product`, then `category`).
    pub fn apply(&mut self, m: &Mappings) {
        for r in &mut self.rules {
            let keys = [
                format!("{}/{}", r.product, r.service),
                r.product.clone(),
                r.category.clone(),
            ];
            if let Some(map) = keys.iter().find_map(|k| m.0.get(k)) {
                r.rename_fields(map);
            }
        }
    }

    /// Resolve the rules' Atlassian activity names with an organisation's catalogue (see
    /// [`activities`]): the activities each rule resolved to, by rule.
    pub fn resolve_activities<'c>(
        &mut self,
        actions: &'c activities::EventActions,
    ) -> Vec<Vec<(&'c str, &'c str)>> {
        self.rules
            .iter_mut()
            .map(|r| r.resolve_activities(actions))
            .collect()
    }

    /// Attach every filter to the rules it names (by `id` or `name`); a filter naming no
    /// loaded rule is an error.
    pub(crate) fn attach_filters(&mut self) {
        for (refs, f, path, line) in std::mem::take(&mut self.filters) {
            for r in refs {
                let mut hit = false;
                for rule in &mut self.rules {
                    if rule.id == r || (!rule.name.is_empty() && rule.name == r) {
                        rule.filters.push(f.clone());
                        hit = true;
                    }
                }
                if !hit {
                    self.errors.push(LoadError {
                        path: path.clone(),
                        line,
                        reason: format!(
                            "filter `{}` names `{r}`, which no loaded rule has as id or name",
                            f.title
                        ),
                    });
                }
            }
        }
    }
}

/// The YAML documents of a file (`---` separated) with the line each starts on.
fn documents(text: &str) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 1u64;
    for (i, line) in text.lines().enumerate() {
        if line.trim_end() == "---" {
            if !cur.trim().is_empty() {
                out.push((start, std::mem::take(&mut cur)));
            }
            cur.clear();
            start = i as u64 + 2;
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
    }
    if !cur.trim().is_empty() {
        out.push((start, cur));
    }
    out
}

/// Parse one rule file: detection rules and correlation rules, several per file.
pub(crate) fn parse_file(path: &str, text: &str, out: &mut Loaded, placeholders: &Placeholders) {
    for (start, doc) in documents(text) {
        let shift = |mut e: LoadError| {
            e.line = e.line.max(1) + start - 1;
            e
        };
        if doc.lines().any(|l| l.starts_with("filter:"))
            && !doc.lines().any(|l| l.starts_with("detection:"))
        {
            // A Sigma filter: its selection and condition must also hold for the rules it
            // names (an environment's exclusions).
            let parsed = rule::yaml(&doc).and_then(|v| {
                let f = v
                    .get("filter")
                    .and_then(Value::as_object)
                    .ok_or("`filter` is not a map")?;
                let refs: Vec<String> = match f.get("rules") {
                    Some(Value::Array(a)) => a.iter().filter_map(matcher::scalar_text).collect(),
                    Some(x) => matcher::scalar_text(x).into_iter().collect(),
                    None => Vec::new(),
                };
                if refs.is_empty() {
                    return Err("filter without `rules`".to_owned());
                }
                let mut detection = f.clone();
                detection.remove("rules");
                let synth = serde_json::json!({
                    "title": v.get("title").cloned().unwrap_or(Value::from("filter")),
                    "logsource": v.get("logsource").cloned().unwrap_or(serde_json::json!({})),
                    "detection": detection,
                });
                let rule = Rule::parse_with(path, &synth.to_string(), placeholders)
                    .map_err(|e| e.reason)?;
                Ok((refs, rule))
            });
            match parsed {
                Ok((refs, rule)) => out.filters.push((refs, rule, path.to_owned(), start)),
                Err(reason) => out.errors.push(LoadError {
                    path: path.to_owned(),
                    line: start,
                    reason,
                }),
            }
            continue;
        }
        if doc.lines().any(|l| l.starts_with("correlation:")) {
            match rule::yaml(&doc) {
                Ok(v) => match correlation::Correlation::parse(path, start, &v) {
                    Ok(c) => out.correlations.push(c),
                    Err(e) => out.errors.push(e),
                },
                Err(reason) => out.errors.push(LoadError {
                    path: path.to_owned(),
                    line: start,
                    reason,
                }),
            }
        } else {
            match Rule::parse_with(path, &doc, placeholders) {
                Ok(r) => out.rules.push(r),
                Err(e) => out.errors.push(shift(e)),
            }
        }
    }
}

/// Largest number of rule files read from one set of paths.
const MAX_RULE_FILES: usize = 100_000;

/// Load every `.yml` / `.yaml` under the paths (files or directories, recursively; symlinks
/// are not followed); a rule using `|expand` does not load (no placeholder values).
#[must_use]
pub fn load(paths: &[PathBuf]) -> Loaded {
    load_with(paths, &Placeholders::default())
}

/// [`load`], with values for `|expand` placeholders.
#[must_use]
pub fn load_with(paths: &[PathBuf], placeholders: &Placeholders) -> Loaded {
    let mut files = Vec::new();
    for p in paths {
        let mut stack = vec![p.clone()];
        while let Some(d) = stack.pop() {
            if files.len() >= MAX_RULE_FILES {
                break;
            }
            let Ok(meta) = std::fs::symlink_metadata(&d) else {
                files.push(d);
                continue;
            };
            if meta.is_dir() {
                if let Ok(rd) = std::fs::read_dir(&d) {
                    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
                    entries.sort();
                    stack.extend(entries.into_iter().rev());
                }
            } else if meta.is_file()
                && (d.extension().is_some_and(|e| e == "yml" || e == "yaml") || d == *p)
            {
                // A file named directly is read whatever its extension.
                files.push(d);
            }
        }
    }
    files.sort();
    let mut out = Loaded::default();
    // (Filters are attached once every rule is loaded, below.)
    for f in files {
        let path = f.display().to_string();
        match std::fs::read(&f) {
            Ok(bytes) if bytes.len() <= 4 << 20 => {
                let text = String::from_utf8_lossy(&bytes);
                parse_file(&path, &text, &mut out, placeholders);
            }
            Ok(_) => out.errors.push(LoadError {
                path,
                line: 0,
                reason: "rule file over 4 MiB".into(),
            }),
            Err(e) => out.errors.push(LoadError {
                path,
                line: 0,
                reason: format!("cannot read: {e}"),
            }),
        }
    }
    out.attach_filters();
    out
}

/// Whether a rule applies to an event of this product (see the crate documentation).
#[must_use]
pub fn applies(rule: &Rule, product: Option<&str>) -> bool {
    if !event::KNOWN_PRODUCTS.contains(&rule.product.as_str()) {
        return true;
    }
    product == Some(rule.product.as_str())
}

/// One rule matched one event.
#[derive(Debug, Clone)]
pub struct Match {
    pub rule: usize,
    pub at: At,
    record: std::sync::Arc<Record>,
}

/// A matched record, shared by the rules that matched it; its `Value` is built only when
/// asked for (most matches of a noisy rule are only counted). Its bytes stay in the batch it
/// was read in (not copied): a match keeps that batch's buffer alive until it is dropped.
#[derive(Debug)]
struct Record {
    batch: std::sync::Arc<source::Batch>,
    index: usize,
    /// The event is `raw` itself, one line of JSON (no wrapper, nothing the adapter added).
    verbatim: bool,
    event_path: Option<std::sync::Arc<str>>,
    event: std::sync::OnceLock<std::sync::Arc<Value>>,
}

impl Record {
    fn raw(&self) -> &[u8] {
        self.batch.get(self.index).map_or(&[], |(_, raw)| raw)
    }
}

/// An event's time and [`summary`].
#[derive(Debug, PartialEq)]
struct Brief {
    time: Option<String>,
    summary: String,
}

impl Brief {
    fn of<D: node::Doc>(e: &D) -> Brief {
        Brief {
            time: event::time(e, None)
                .and_then(node::Doc::scalar)
                .map(String::from),
            summary: summary(e),
        }
    }
}

impl Match {
    /// The same match placed elsewhere (a watcher's line within the whole file).
    #[must_use]
    pub fn relocated(&self, at: At) -> Match {
        Match {
            rule: self.rule,
            at,
            record: self.record.clone(),
        }
    }

    /// The matched event's JSON text as the log has it, on one line, when that is the event
    /// (not for a wrapper's inner event, an event the adapter added to, an access-log line
    /// or a multi-line record): written as it is, it needs no parse or serialisation.
    #[must_use]
    pub fn verbatim(&self) -> Option<&[u8]> {
        self.record.verbatim.then_some(self.record.raw())
    }

    /// What a finding shows of the event: its time and [`summary`] (from a borrowed parse:
    /// most matches of a noisy rule are only counted, and a finding needs no `Value`).
    fn brief(&self) -> Brief {
        if let Some(v) = self.record.event.get() {
            return Brief::of(v.as_ref());
        }
        // (Under a wrapper every member is kept: the keys are the inner event's.)
        let keep = self.record.event_path.is_none().then(brief_keys);
        self.with_node(keep, |n| {
            n.map_or_else(|| Brief::of(&Value::Null), Brief::of)
        })
    }

    /// The matched event.
    #[must_use]
    pub fn event(&self) -> &std::sync::Arc<Value> {
        self.record.event.get_or_init(|| {
            std::sync::Arc::new(
                self.with_node(None, |n| n.map_or(Value::Null, node::Node::to_value)),
            )
        })
    }

    /// `f` on a borrowed parse of the matched event (`None` if the record has none), with
    /// only the top-level members in `keep` when given.
    fn with_node<T>(
        &self,
        keep: Option<&node::KeySet>,
        f: impl FnOnce(Option<&node::Node<'_>>) -> T,
    ) -> T {
        let mut owned = None;
        let ev = event_node(
            self.record.raw(),
            self.at,
            self.record.event_path.as_deref(),
            &node::Eager::NONE,
            keep,
            Vec::new(),
            &mut owned,
        );
        f(ev.ok().flatten().as_ref().map(|(n, _)| n))
    }
}

/// The event of a record as rules see it: a borrowed parse (anything that does not take —
/// an access-log line, a record that is not an object, bad JSON — goes the `Value` way,
/// which also words the diagnostic), the object at `event_path` when given (`None` when the
/// record has none), normalised by its product's adapter; and whether the event is the
/// record's JSON text as it is (no wrapper, nothing added).
fn event_node<'a>(
    raw: &'a [u8],
    at: At,
    event_path: Option<&str>,
    eager: &node::Eager,
    keep: Option<&node::KeySet>,
    spare: node::Entries<'a>,
    owned: &'a mut Option<Value>,
) -> Result<Option<(node::Node<'a>, bool)>, Problem> {
    let (root, mut verbatim) = match node::Node::parse_eager(raw, eager, keep, spare) {
        Ok(n @ node::Node::Obj(_)) => (n, event_path.is_none()),
        _ => (
            node::Node::from_value(owned.insert(source::parse(at, raw)?)),
            false,
        ),
    };
    // A wrapper (`{"event": {...}}` of a shipper or a test file): the event inside.
    let mut ev = match event_path {
        Some(p) => match event::field(&root, p).map(node::Node::resolved) {
            Some(inner @ node::Node::Obj(_)) => inner.clone(),
            _ => return Ok(None),
        },
        None => root,
    };
    verbatim &= !event::normalise(&mut ev);
    Ok(Some((ev, verbatim)))
}

/// Field values (lower case) to the rules that require one of them: open addressing,
/// where an ASCII value is hashed and compared in any case (no lowered copy). The keys come
/// from the rules, not from the log, so a hash made to resist collision attacks
/// (`HashMap`'s SipHash) is not needed.
#[derive(Default)]
struct ValueMap {
    /// Each key at the slot of its hash or after; a power of two long, at most half full.
    slots: Vec<Option<(String, Vec<usize>)>>,
    len: usize,
}

/// A hash of `b` that ASCII case does not change: its length and up to three of its
/// eight-byte words (first, middle, last), each byte with bit 5 set (which maps `A`-`Z`
/// to `a`-`z`, and other bytes alike in every case). A few multiplications, however long
/// the value.
fn hash_folded(b: &[u8]) -> usize {
    const FOLD: u64 = 0x2020_2020_2020_2020;
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let n = b.len();
    let word = |at: usize| {
        let w = match b.get(at..at + 8) {
            Some(c) => <[u8; 8]>::try_from(c).unwrap_or_default(),
            // (Shorter than a word: padded.)
            None => {
                let mut w = [0u8; 8];
                let part = b.get(at..).unwrap_or_default();
                w[..part.len().min(8)].copy_from_slice(&part[..part.len().min(8)]);
                w
            }
        };
        u64::from_le_bytes(w) | FOLD
    };
    let mut h = (n as u64).wrapping_mul(K) ^ word(0);
    if n > 8 {
        h = h.wrapping_mul(K) ^ word(n - 8);
    }
    if n > 16 {
        h = h.wrapping_mul(K) ^ word(n / 2 - 4);
    }
    let h = h.wrapping_mul(K);
    // (The low bits pick the slot: fold the high ones in.)
    (h ^ (h >> 29)) as usize
}

impl ValueMap {
    /// Add `rule` to the rules of the value `v` (lower case).
    fn push(&mut self, v: String, rule: usize) {
        if (self.len + 1) * 2 > self.slots.len() {
            let old = std::mem::take(&mut self.slots);
            self.slots.resize_with((old.len() * 2).max(16), || None);
            self.len = 0;
            for (k, rules) in old.into_iter().flatten() {
                let at = self.slot(&k, |x| x == k.as_str());
                self.slots[at] = Some((k, rules));
                self.len += 1;
            }
        }
        let at = self.slot(&v, |x| x == v.as_str());
        match &mut self.slots[at] {
            Some((_, rules)) => {
                if rules.last() != Some(&rule) {
                    rules.push(rule);
                }
            }
            empty @ None => {
                *empty = Some((v, vec![rule]));
                self.len += 1;
            }
        }
    }

    /// The slot of the key that `same` accepts (hashed as `s`), or the empty one where it
    /// would go.
    fn slot(&self, s: &str, same: impl Fn(&str) -> bool) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = hash_folded(s.as_bytes()) & mask;
        while let Some((k, _)) = &self.slots[at] {
            if same(k) {
                break;
            }
            at = (at + 1) & mask;
        }
        at
    }

    /// The rules for the value `s`, in any case.
    fn get(&self, s: &str) -> Option<&[usize]> {
        if self.slots.is_empty() {
            return None;
        }
        let at = if s.is_ascii() {
            self.slot(s, |k| k.len() == s.len() && k.eq_ignore_ascii_case(s))
        } else {
            let low = s.to_lowercase();
            self.slot(&low, |k| k == low)
        };
        self.slots[at].as_ref().map(|(_, rules)| rules.as_slice())
    }
}

/// Rules indexed by a field value they require (`eventSource`, `eventName`, …), so that an
/// event is tried only against the rules it could match.
struct Index {
    by_field: Vec<(String, ValueMap)>,
    always: Vec<usize>,
}

impl Index {
    fn new(rules: &[Rule]) -> Index {
        let mut by_field: Vec<(String, ValueMap)> = Vec::new();
        let mut always = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            match r.required() {
                Some((f, values)) => {
                    let slot = match by_field.iter().position(|(g, _)| *g == f) {
                        Some(p) => p,
                        None => {
                            by_field.push((f, ValueMap::default()));
                            by_field.len() - 1
                        }
                    };
                    for v in values {
                        by_field[slot].1.push(v, i);
                    }
                }
                None => always.push(i),
            }
        }
        Index { by_field, always }
    }

    /// The rules `ev` could match, into `out` (a buffer reused from event to event).
    fn candidates(&self, ev: &node::Node<'_>, out: &mut Vec<usize>) {
        out.clear();
        out.extend_from_slice(&self.always);
        for (f, map) in &self.by_field {
            if let Some(v) = event::field(ev, f) {
                matcher::any_text(
                    v,
                    &mut |s| {
                        if let Some(rs) = map.get(s) {
                            out.extend_from_slice(rs);
                        }
                        false
                    },
                    0,
                );
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// What became of one record: events counted and matches, or why it is not an event.
type Outcome = Result<(u64, Vec<Match>), Problem>;

/// A worker's buffers, reused from record to record.
#[derive(Default)]
struct Scratch {
    candidates: Vec<usize>,
    /// The rules that matched the record.
    hits: Vec<usize>,
    lower: Vec<u8>,
    entries: node::Entries<'static>,
}

/// Literals one of which must occur (ASCII case aside) in a record that can match.
enum Prefilter {
    /// Vectorised search (Teddy) for the literals in the record lowered to ASCII lower
    /// case: about 4 instructions a byte with the lowering, where the automaton below
    /// needs about 14.
    Packed(aho_corasick::packed::Searcher),
    /// For more literals than the packed search takes, or a processor without its
    /// instructions.
    Dfa(aho_corasick::AhoCorasick),
}

impl Prefilter {
    fn new(literals: Vec<String>) -> Option<Prefilter> {
        let mut lower: Vec<Vec<u8>> = literals
            .iter()
            .map(|l| l.as_bytes().to_ascii_lowercase())
            .collect();
        lower.sort_unstable();
        lower.dedup();
        // Past its default limit of 64 literals (the SigmaHQ CloudTrail rules have about 90,
        // at least 4 bytes long, so that each candidate is tested on 4 bytes).
        if let Some(s) = aho_corasick::packed::Config::new()
            .heuristic_pattern_limits(false)
            .builder()
            .extend(lower.iter())
            .build()
        {
            return Some(Prefilter::Packed(s));
        }
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            // A full DFA: the fastest automaton, for a set of a few hundred literals.
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(lower)
            .ok()
            .map(Prefilter::Dfa)
    }

    /// Whether `raw` has one of the literals (`lower`: a buffer for its lowered copy).
    fn is_match(&self, raw: &[u8], lower: &mut Vec<u8>) -> bool {
        match self {
            Prefilter::Packed(s) => {
                lower.clear();
                lower.extend(raw.iter().map(u8::to_ascii_lowercase));
                s.find(&lower[..]).is_some()
            }
            Prefilter::Dfa(ac) => ac.is_match(raw),
        }
    }
}

/// What a hunt matches each record with.
struct Hunter<'r> {
    rules: &'r [Rule],
    index: Index,
    /// When every rule names literals one of which must occur in a matching event, a
    /// record without escapes that contains none of them cannot match and is not even
    /// parsed.
    prefilter: Option<Prefilter>,
    event_path: Option<&'r str>,
    path: Option<std::sync::Arc<str>>,
    /// The paths of the fields read of every event (by the rules always tried and by the
    /// index): their containers are built while the record is parsed (see
    /// [`node::Node::parse_eager`]).
    eager: node::Eager,
    /// The top-level keys anything here reads (the rules' fields, the shape of each
    /// product): a record's other members are validated, not built. `None` (all kept) for
    /// keyword rules, which read every value, and under a wrapper (`event_path`).
    keep: Option<node::KeySet>,
}

impl<'r> Hunter<'r> {
    fn new(rules: &'r [Rule], event_path: Option<&'r str>) -> Hunter<'r> {
        let anchors: Option<Vec<String>> = rules
            .iter()
            .map(Rule::anchors)
            .collect::<Option<Vec<_>>>()
            .map(|v| v.concat());
        let prefilter = anchors.and_then(Prefilter::new);
        let index = Index::new(rules);
        // The fields read of every event: those of the rules always tried, and those the
        // index looks up. The containers on their paths are built as the record is read.
        let always = index.always.iter().flat_map(|i| rules[*i].fields());
        let eager = node::Eager::new(always.chain(index.by_field.iter().map(|(f, _)| f.as_str())));
        let keep =
            (event_path.is_none() && !rules.iter().any(Rule::reads_every_value)).then(|| {
                let mut keys: Vec<&str> = event::SHAPE_KEYS.to_vec();
                for f in rules.iter().flat_map(Rule::fields) {
                    // A dotted name is tried as one key, then by its prefixes.
                    keys.push(f);
                    keys.extend(event::prefixes(f));
                }
                node::KeySet::new(keys)
            });
        Hunter {
            rules,
            index,
            eager,
            keep,
            prefilter,
            event_path,
            path: event_path.map(std::sync::Arc::from),
        }
    }

    /// Match the record `index` of `batch` (`scratch`: buffers reused from record to
    /// record).
    fn record(
        &self,
        batch: &std::sync::Arc<source::Batch>,
        index: usize,
        try_prefilter: bool,
        skipped: &std::sync::atomic::AtomicUsize,
        scratch: &mut Scratch,
    ) -> Outcome {
        let Some((at, raw)) = batch.get(index) else {
            return Ok((0, Vec::new()));
        };
        if try_prefilter
            && let Some(pf) = &self.prefilter
            && raw.first() == Some(&b'{')
            && memchr::memchr(b'\\', raw).is_none()
            && !pf.is_match(raw, &mut scratch.lower)
            // Still checked to be JSON (without building it), so a malformed record is
            // reported like any other.
            && node::Node::validate(raw)
        {
            skipped.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Ok((1, Vec::new()));
        }
        let mut owned = None;
        let spare = node::recycle(std::mem::take(&mut scratch.entries));
        let Some((ev, verbatim)) = event_node(
            raw,
            at,
            self.event_path,
            &self.eager,
            self.keep.as_ref(),
            spare,
            &mut owned,
        )?
        else {
            return Ok((0, Vec::new()));
        };
        let product = event::product(&ev);
        let candidates = &mut scratch.candidates;
        self.index.candidates(&ev, candidates);
        let hits = &mut scratch.hits;
        hits.clear();
        hits.extend(
            candidates
                .iter()
                .copied()
                .filter(|i| applies(&self.rules[*i], product) && self.rules[*i].matches_node(&ev)),
        );
        // The top-level entries' room, for the next record.
        if let node::Node::Obj(entries) = ev {
            scratch.entries = node::recycle(entries);
        }
        if hits.is_empty() {
            return Ok((1, Vec::new()));
        }
        // One shared record for every rule that matched it.
        let shared = std::sync::Arc::new(Record {
            verbatim: verbatim && memchr::memchr2(b'\n', b'\r', raw).is_none(),
            batch: batch.clone(),
            index,
            event_path: self.path.clone(),
            event: std::sync::OnceLock::new(),
        });
        let found = hits
            .iter()
            .map(|&i| Match {
                rule: i,
                at,
                record: shared.clone(),
            })
            .collect();
        Ok((1, found))
    }
}

/// What the reading thread hands over: a batch of records, or a problem, in log order.
enum Piece {
    Batch(source::Batch),
    Problem(Problem),
}

/// Read `input` into batches on `tx` (on the reading thread).
fn read_pieces(
    input: Box<dyn Read + Send + '_>,
    tx: &std::sync::mpsc::SyncSender<Piece>,
) -> std::io::Result<()> {
    source::read_raw(
        input,
        &mut |b| {
            let _ = tx.send(Piece::Batch(b));
        },
        &mut |p| {
            let _ = tx.send(Piece::Problem(p));
        },
    )
}

/// A log being read (opened, gunzipped, split into records) on a thread of its own, a couple
/// of batches ahead of the hunt that takes it ([`Hunt::read`]). Started before the previous
/// log's hunt ends ([`Reading::after`]), it lets a log be read while the one before it is
/// matched: a directory of small gzipped CloudTrail files was read and matched by turns.
pub struct Reading {
    rx: std::sync::mpsc::Receiver<Piece>,
    thread: std::thread::JoinHandle<std::io::Result<()>>,
    /// Set once the thread has read its whole log, or stopped.
    done: std::sync::Arc<Done>,
}

/// Whether a reading thread is done, and a way to wait for it.
#[derive(Default)]
struct Done {
    flag: std::sync::Mutex<bool>,
    changed: std::sync::Condvar,
}

impl Done {
    fn set(&self) {
        *self
            .flag
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = true;
        self.changed.notify_all();
    }

    fn wait(&self) {
        let mut done = self
            .flag
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while !*done {
            done = self
                .changed
                .wait(done)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }
}

/// Sets its [`Done`] when dropped: when the reading thread returns, or unwinds.
struct SetWhenDropped(std::sync::Arc<Done>);

impl Drop for SetWhenDropped {
    fn drop(&mut self) {
        self.0.set();
    }
}

impl Reading {
    /// Start reading `input`: now, or with `before` as soon as that one has read all of its
    /// log (while it is still being matched). The two never read at once, so no more than
    /// one log is held whole at a time (a JSON document is read whole, up to 1 GiB), besides
    /// the batches waiting to be matched.
    #[must_use]
    pub fn after(input: Box<dyn Read + Send>, before: Option<&Reading>) -> Reading {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Piece>(2);
        let wait = before.map(|b| std::sync::Arc::clone(&b.done));
        let done = std::sync::Arc::new(Done::default());
        let set = SetWhenDropped(std::sync::Arc::clone(&done));
        let thread = std::thread::spawn(move || {
            let _set = set;
            if let Some(w) = wait {
                w.wait();
            }
            read_pieces(input, &tx)
        });
        Reading { rx, thread, done }
    }
}

/// Run the rules over a log stream; with `event_path`, each record's event is the object at
/// that path (records without it are skipped). Records are parsed and matched in parallel,
/// batch by batch; matches and problems are reported in the order of the log. Returns the
/// number of events. A [`Match`] refers to the batch its record was read in (up to a few
/// MiB): keep what it says (a finding, its event), not the match itself.
///
/// # Errors
/// When the stream cannot be read at all.
pub fn hunt(
    rules: &[Rule],
    event_path: Option<&str>,
    input: Box<dyn Read + Send + '_>,
    on_match: &mut dyn FnMut(Match),
    on_problem: &mut dyn FnMut(Problem),
) -> std::io::Result<u64> {
    Hunt::new(rules, event_path).run(input, on_match, on_problem)
}

/// A hunt over several logs in turn ([`Hunt::read`]): what the rules need is made once,
/// and the prefilter's record of how well it pays carries from one log to the next (a
/// directory of small CloudTrail files is one stream of events cut into pieces).
pub struct Hunt<'r> {
    hunter: Hunter<'r>,
    /// The prefilter pays for its scan only when it spares most records their parse (on
    /// the benchmark's corpora it skipped too few and cost 5-15%): it is measured on each
    /// batch it runs on, kept while it skips at least 80% of them, else set aside and
    /// tried again later (a log whose mix changes), less often after each failed trial.
    prefilter_on: bool,
    /// While the prefilter is set aside: batches until its next trial, and the wait after
    /// a failed trial (16, doubled after each one, up to 256).
    wait: usize,
    retry: usize,
}

impl<'r> Hunt<'r> {
    #[must_use]
    pub fn new(rules: &'r [Rule], event_path: Option<&'r str>) -> Hunt<'r> {
        Hunt {
            hunter: Hunter::new(rules, event_path),
            prefilter_on: true,
            wait: 0,
            retry: 16,
        }
    }

    /// [`hunt`] with what was made for the rules (a watcher matches what arrived since its
    /// last look, or a few lines of standard input, many times over).
    ///
    /// # Errors
    /// When the stream cannot be read at all.
    pub fn run(
        &mut self,
        input: Box<dyn Read + Send + '_>,
        on_match: &mut dyn FnMut(Match),
        on_problem: &mut dyn FnMut(Problem),
    ) -> std::io::Result<u64> {
        // Reading (and gunzipping) runs on its own thread, a couple of batches ahead, so
        // that the pool never waits for the next batch.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Piece>(2);
        std::thread::scope(|scope| {
            let reader = scope.spawn(move || read_pieces(input, &tx));
            let events = self.match_pieces(rx, on_match, on_problem);
            reader
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the log reader stopped")))
                .map(|()| events)
        })
    }

    /// [`hunt`] over a log already being read ([`Reading::after`]).
    ///
    /// # Errors
    /// When the stream cannot be read at all.
    pub fn read(
        &mut self,
        reading: Reading,
        on_match: &mut dyn FnMut(Match),
        on_problem: &mut dyn FnMut(Problem),
    ) -> std::io::Result<u64> {
        let events = self.match_pieces(reading.rx, on_match, on_problem);
        reading
            .thread
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the log reader stopped")))
            .map(|()| events)
    }

    /// The matching: every piece read, in order (the problems of records that are not
    /// events after everything else). Returns the number of events.
    fn match_pieces(
        &mut self,
        rx: std::sync::mpsc::Receiver<Piece>,
        on_match: &mut dyn FnMut(Match),
        on_problem: &mut dyn FnMut(Problem),
    ) -> u64 {
        use rayon::prelude::*;
        let hunter = &self.hunter;
        let mut events = 0u64;
        let mut late_problems = Vec::new();
        let mut pending: Option<Vec<Outcome>> = None;
        let mut deliver = |results: Vec<Outcome>| {
            for r in results {
                match r {
                    Ok((n, found)) => {
                        events += n;
                        found.into_iter().for_each(&mut *on_match);
                    }
                    Err(p) => late_problems.push(p),
                }
            }
        };
        for piece in rx {
            let batch = match piece {
                Piece::Batch(b) => std::sync::Arc::new(b),
                Piece::Problem(p) => {
                    // (After the matches of the records read before it.)
                    if let Some(previous) = pending.take() {
                        deliver(previous);
                    }
                    on_problem(p);
                    continue;
                }
            };
            let records = batch.len();
            self.wait = self.wait.saturating_sub(1);
            let try_prefilter = self.prefilter_on || self.wait == 0;
            let skipped = std::sync::atomic::AtomicUsize::new(0);
            let mut results: Vec<Outcome> = Vec::new();
            let previous = pending.take();
            // This batch is matched on the pool while the previous one's matches are handed
            // over here (`on_match` runs on the calling thread, in order).
            rayon::in_place_scope(|scope| {
                scope.spawn(|_| {
                    results = (0..records)
                        .into_par_iter()
                        // Short pieces, so that the workers finish a batch together (the
                        // next one starts when this one is done).
                        .with_max_len(32)
                        .map_init(Scratch::default, |scratch, i| {
                            hunter.record(&batch, i, try_prefilter, &skipped, scratch)
                        })
                        .collect();
                });
                if let Some(previous) = previous {
                    deliver(previous);
                }
            });
            if try_prefilter && hunter.prefilter.is_some() {
                self.prefilter_on = skipped.into_inner() * 10 >= records * 8;
                if self.prefilter_on {
                    self.retry = 16;
                } else {
                    self.wait = self.retry;
                    self.retry = (self.retry * 2).min(256);
                }
            }
            pending = Some(results);
        }
        if let Some(last) = pending {
            deliver(last);
        }
        late_problems.into_iter().for_each(on_problem);
        events
    }
}

/// Sigma level to severity.
#[must_use]
pub fn severity(level: &str) -> Severity {
    match level {
        "critical" => Severity::Critical,
        "high" => Severity::High,
        "medium" => Severity::Medium,
        "low" => Severity::Low,
        _ => Severity::Info,
    }
}

/// A short, secret-free summary of an event: what happened, by whom, from where.
#[must_use]
pub fn summary<D: node::Doc>(e: &D) -> String {
    let pick = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| event::field(e, n).and_then(node::Doc::scalar))
    };
    let [what, source, who, ip] = SUMMARY_FIELDS.map(pick);
    let mut s = String::new();
    for (word, part) in [("", what), ("on ", source), ("by ", who), ("from ", ip)] {
        if let Some(p) = part {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(word);
            s.push_str(&p);
        }
    }
    match s.char_indices().nth(200) {
        Some((cut, _)) => s[..cut].to_owned(),
        None => s,
    }
}

/// The guideline item a rule answers to: the built-in pack implements the guideline's alert
/// list; any other rule is log review.
#[must_use]
pub fn guideline_of(path: &str) -> &'static str {
    if path.starts_with("builtin:") {
        "infra.logging-security-events"
    } else {
        "infra.log-review"
    }
}

/// What to do about a rule's match (the findings' and the rules' remediation).
pub const MATCH_REMEDIATION: &str = "Review the event: confirm it was expected (a change ticket, a known administrator) or start incident response.";

/// What to do about a fired correlation.
pub const CORRELATION_REMEDIATION: &str =
    "Review the events of the window: confirm they were expected, or start incident response.";

/// The finding for a fired correlation, located at the event that completed it.
#[must_use]
pub fn correlation_finding(
    c: &correlation::Correlation,
    log: &str,
    at: At,
    f: &correlation::Fired,
) -> Finding {
    let origin = Origin {
        chain: vec![log.to_owned()],
        commit: None,
    };
    let stem = if c.name.is_empty() {
        std::path::Path::new(&c.path)
            .file_stem()
            .map_or_else(|| c.title.clone(), |s| s.to_string_lossy().into_owned())
    } else {
        c.name.clone()
    };
    let id = format!("sigma/{stem}");
    let what = match c.kind {
        correlation::Kind::EventCount => format!("{} events", f.count),
        correlation::Kind::ValueCount => format!(
            "{} distinct {}",
            f.count,
            c.field.as_deref().unwrap_or("values")
        ),
        correlation::Kind::Temporal | correlation::Kind::TemporalOrdered => {
            format!("all {} rules", f.count)
        }
        correlation::Kind::ValueSum => format!(
            "sum of {} {} over {} events",
            c.field.as_deref().unwrap_or("values"),
            f.metric,
            f.count
        ),
        correlation::Kind::ValueAvg => format!(
            "mean {} {:.2} over {} events",
            c.field.as_deref().unwrap_or("values"),
            f.metric,
            f.count
        ),
        correlation::Kind::ValuePercentile => format!(
            "{}th percentile of {} {} over {} events",
            c.percentile.unwrap_or(100.0),
            c.field.as_deref().unwrap_or("values"),
            f.metric,
            f.count
        ),
    };
    let mut data = serde_json::Map::new();
    data.insert("correlation".into(), Value::from(c.title.clone()));
    data.insert("group".into(), Value::from(f.group.clone()));
    data.insert("count".into(), Value::from(f.count));
    data.insert("metric".into(), Value::from(f.metric));
    data.insert("window_seconds".into(), Value::from(f.last - f.first));
    Finding {
        fingerprint: fingerprint(&id, format!("{log}|{}|{}", at.line, f.group).as_bytes()),
        rule: id,
        guideline: guideline_of(&c.path).into(),
        severity: severity(&c.level),
        confidence: Confidence::Medium,
        message: format!(
            "{}: {what} within {:.0} s for {}",
            c.title,
            f.last - f.first,
            if f.group.is_empty() {
                "all events"
            } else {
                &f.group
            }
        ),
        remediation: CORRELATION_REMEDIATION.into(),
        evidence: format!("{what} ({})", f.group),
        locations: vec![Location::new(&origin, at.line, 0, at.line, 0)],
        data,
    }
}

/// The finding for a match, located at the log file and line.
#[must_use]
pub fn finding(rule: &Rule, log: &str, m: &Match) -> Finding {
    let origin = Origin {
        chain: vec![log.to_owned()],
        commit: None,
    };
    let mut data = serde_json::Map::new();
    data.insert("sigma_id".into(), Value::from(rule.id.clone()));
    data.insert("sigma_title".into(), Value::from(rule.title.clone()));
    data.insert("rule_file".into(), Value::from(rule.path.clone()));
    if let Some(i) = m.at.index {
        data.insert("record_index".into(), Value::from(i));
    }
    let brief = m.brief();
    if let Some(t) = brief.time {
        data.insert("event_time".into(), Value::from(t));
    }
    if !rule.tags.is_empty() {
        data.insert("tags".into(), Value::from(rule.tags.clone()));
    }
    let id = format!("sigma/{}", rule.stem);
    Finding {
        fingerprint: fingerprint(
            &id,
            format!("{log}|{}|{:?}", m.at.line, m.at.index).as_bytes(),
        ),
        rule: id,
        guideline: guideline_of(&rule.path).into(),
        severity: severity(&rule.level),
        confidence: Confidence::Medium,
        message: format!(
            "{}: {}",
            rule.title,
            if rule.description.is_empty() {
                "matched".to_owned()
            } else {
                rule.description.lines().next().unwrap_or("").to_owned()
            }
        ),
        remediation: MATCH_REMEDIATION.into(),
        evidence: brief.summary,
        locations: vec![Location::new(&origin, m.at.line, 0, m.at.line, 0)],
        data,
    }
}

/// A match's finding shows its event's time from `time_field` (`--time-field`) when the
/// event has it there (else the time of the event's source, as [`finding`] found it).
pub fn set_event_time(f: &mut Finding, m: &Match, time_field: &str) {
    if let Some(t) = event::field(m.event().as_ref(), time_field).and_then(matcher::scalar_text) {
        f.data.insert("event_time".into(), Value::from(t));
    }
}

/// The fields [`summary`] shows, in its order: what happened, on what, by whom, from where
/// (the first of each list that the event has).
const SUMMARY_FIELDS: [&[&str]; 4] = [
    &[
        "eventName",
        "action",
        "eventType",
        "eventtype",
        "protoPayload.methodName",
        "auditType.action",
        "attributes.action",
    ],
    &["eventSource", "protoPayload.serviceName", "repo", "org"],
    &[
        "userIdentity.arn",
        "userIdentity.userName",
        "actor.alternateId",
        "actor",
        "protoPayload.authenticationInfo.principalEmail",
        "author.name",
        "attributes.actor.email",
    ],
    &[
        "sourceIPAddress",
        "client.ipAddress",
        "actor_ip",
        "protoPayload.requestMetadata.callerIp",
        "attributes.location.ip",
    ],
];

/// The top-level keys a finding's [`Brief`] reads: the event's shape (product and
/// normalisation), its time and its summary. A finding's record is parsed again with only
/// these built (a full parse of every member was a third of a finding's cost).
fn brief_keys() -> &'static node::KeySet {
    static KEYS: std::sync::OnceLock<node::KeySet> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys: Vec<&str> = event::SHAPE_KEYS.to_vec();
        // (`attributes`, for `attributes.time`, is a shape key.)
        keys.extend(event::TIME_KEYS);
        for name in SUMMARY_FIELDS.iter().flat_map(|n| n.iter()) {
            keys.push(name);
            keys.extend(event::prefixes(name));
        }
        node::KeySet::new(keys)
    })
}

/// Open a log file, decompressing gzip (by magic number).
///
/// # Errors
/// When the file cannot be opened or read.
pub fn open_decoded(path: &Path) -> std::io::Result<Box<dyn Read + Send>> {
    use std::io::BufRead;
    let mut r = std::io::BufReader::new(open(path)?);
    let gz = r.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    Ok(if gz {
        Box::new(flate2::read::MultiGzDecoder::new(r))
    } else {
        Box::new(r)
    })
}

/// The log files of the paths a user named, in order: a file (or `-`) as it is, a directory
/// as the files below it, each directory's entries in the order of their names (CloudTrail's
/// `AWSLogs/…/2025/10/09/…_20251009T0005Z_….json.gz` layout then reads oldest first, as
/// correlations and first-seen logins want). Hidden entries (`.name`) are left out, and so
/// are CloudTrail's `CloudTrail-Digest` directories; symbolic links to directories are not
/// followed (no loops). What is not read is returned with why, and the rest goes on.
#[must_use]
pub fn log_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    /// Deeper than any log layout (CloudTrail's is 8 below `AWSLogs`).
    const MAX_DEPTH: usize = 32;
    fn dir(
        d: &Path,
        depth: usize,
        files: &mut Vec<PathBuf>,
        problems: &mut Vec<(PathBuf, String)>,
    ) {
        if depth > MAX_DEPTH {
            problems.push((
                d.to_path_buf(),
                format!("more than {MAX_DEPTH} directories deep: not read"),
            ));
            return;
        }
        let mut entries: Vec<(PathBuf, std::fs::FileType)> = match std::fs::read_dir(d) {
            Ok(rd) => rd
                .filter_map(|e| match e.and_then(|e| Ok((e.path(), e.file_type()?))) {
                    Ok(x) => Some(x),
                    Err(err) => {
                        problems.push((d.to_path_buf(), format!("cannot list: {err}")));
                        None
                    }
                })
                .filter(|(p, _)| {
                    !p.file_name()
                        .is_some_and(|n| n.as_encoded_bytes().starts_with(b"."))
                })
                .collect(),
            Err(err) => {
                problems.push((d.to_path_buf(), format!("cannot list: {err}")));
                return;
            }
        };
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (p, t) in entries {
            if t.is_dir() && p.file_name().is_some_and(|n| n == "CloudTrail-Digest") {
                // (CloudTrail's hourly integrity digests sit beside its logs in S3.)
                problems.push((
                    p,
                    "CloudTrail's integrity digests, not events: not read (name it to read it)"
                        .into(),
                ));
            } else if t.is_dir() {
                dir(&p, depth + 1, files, problems);
            } else if t.is_symlink() {
                match std::fs::metadata(&p) {
                    Ok(m) if m.is_dir() => problems.push((
                        p,
                        "a symbolic link to a directory: not followed (name it to read it)".into(),
                    )),
                    Ok(_) => files.push(p),
                    Err(err) => problems.push((p, format!("cannot read: {err}"))),
                }
            } else if t.is_file() {
                files.push(p);
            } else {
                problems.push((p, "not a regular file: not read".into()));
            }
        }
    }
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        if p.as_os_str() != "-" && std::fs::metadata(p).is_ok_and(|m| m.is_dir()) {
            let before = files.len();
            dir(p, 0, &mut files, &mut problems);
            if files.len() == before {
                problems.push((p.clone(), "no log file in this directory".into()));
            }
        } else {
            files.push(p.clone());
        }
    }
    (files, problems)
}

/// Open a log path (`-` is standard input).
///
/// # Errors
/// When the file cannot be opened.
pub fn open(path: &Path) -> std::io::Result<Box<dyn Read + Send>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin()));
    }
    Ok(Box::new(std::fs::File::open(path)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hunting with only the top-level keys the rules read gives the matches (and the
    /// problems) of hunting with every key, on every sample log in shared: all SigmaHQ rules
    /// but the keyword ones (which keep every key), and the built-in pack.
    #[test]
    fn keeping_only_the_keys_rules_read_changes_no_outcome() {
        let shared = std::env::var_os("VENDORSEC_SHARED_DATA").map_or_else(
            || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")),
            PathBuf::from,
        );
        let mut rules = load(&[shared.join("logs/sigma-rules/rules")]).rules;
        rules.extend(pack::builtin().rules);
        rules.retain(|r| !r.reads_every_value());
        let keep = Hunter::new(&rules, None);
        assert!(keep.keep.is_some());
        let mut all = Hunter::new(&rules, None);
        all.keep = None;
        let mut files = Vec::new();
        for dir in [
            "logs/samples/panther-tests",
            "logs/samples/stratus-cloudtrail",
        ] {
            for e in std::fs::read_dir(shared.join(dir)).unwrap().flatten() {
                if e.path()
                    .extension()
                    .is_some_and(|x| x == "json" || x == "jsonl")
                {
                    files.push(e.path());
                }
            }
        }
        assert!(files.len() >= 20);
        let skipped = std::sync::atomic::AtomicUsize::new(0);
        let (mut records, mut matched) = (0, 0);
        let outcome =
            |o: Outcome| o.map(|(n, ms)| (n, ms.iter().map(|m| m.rule).collect::<Vec<_>>()));
        for f in &files {
            // Panther's labelled records wrap the event (`{"event": {...}, ...}`): the events
            // themselves, one a line, so that every product's shape is hunted.
            let text = std::fs::read(f).unwrap();
            let input: Box<dyn Read + Send> = if f.to_string_lossy().contains("panther") {
                let events: Vec<u8> = text
                    .split(|c| *c == b'\n')
                    .filter_map(|l| serde_json::from_slice::<Value>(l).ok())
                    .filter_map(|v| v.get("event").map(Value::to_string))
                    .flat_map(|e| (e + "\n").into_bytes())
                    .collect();
                Box::new(std::io::Cursor::new(events))
            } else {
                Box::new(std::io::Cursor::new(text))
            };
            let mut batches = Vec::new();
            source::read_raw(input, &mut |b| batches.push(b), &mut |_| {}).unwrap();
            for b in batches.into_iter().map(std::sync::Arc::new) {
                for i in 0..b.len() {
                    let (mut s1, mut s2) = (Scratch::default(), Scratch::default());
                    let kept = outcome(keep.record(&b, i, false, &skipped, &mut s1));
                    let every = outcome(all.record(&b, i, false, &skipped, &mut s2));
                    assert_eq!(kept, every, "{} record {i}", f.display());
                    // A finding's time and summary, from only the keys it reads: the same.
                    let brief = |keep| {
                        let (at, raw) = b.get(i).unwrap();
                        let mut owned = None;
                        let ev = event_node(
                            raw,
                            at,
                            None,
                            &node::Eager::NONE,
                            keep,
                            Vec::new(),
                            &mut owned,
                        );
                        ev.ok().flatten().map(|(n, _)| Brief::of(&n))
                    };
                    assert_eq!(
                        brief(Some(brief_keys())),
                        brief(None),
                        "{} record {i}",
                        f.display()
                    );
                    records += 1;
                    matched += usize::from(every.is_ok_and(|(_, m)| !m.is_empty()));
                }
            }
        }
        assert!(
            // (1,351 records, 430 of them matched, when this was written.)
            records > 1000 && matched > 400,
            "{records} records, {matched} matched"
        );
    }

    #[test]
    fn the_value_map_ignores_ascii_case_and_lowers_the_rest() {
        let mut m = ValueMap::default();
        // Enough values to grow the table a few times.
        for i in 0..100 {
            m.push(format!("createuser{i}"), i);
        }
        m.push("createuser7".into(), 200);
        m.push("ärger".into(), 300);
        m.push("k".into(), 400);
        assert_eq!(m.get("CreateUser7"), Some(&[7, 200][..]));
        assert_eq!(m.get("createuser99"), Some(&[99][..]));
        assert_eq!(m.get("createuser100"), None);
        assert_eq!(m.get("ÄRGER"), Some(&[300][..]));
        // The Kelvin sign lowers to an ASCII k.
        assert_eq!(m.get("\u{212a}"), Some(&[400][..]));
        assert_eq!(m.get(""), None);
        assert_eq!(ValueMap::default().get("x"), None);
    }

    proptest::proptest! {
        /// The table answers as a map of the lowered values would, in any case: values of
        /// every length around the hash's words (8, 16), ASCII or not.
        #[test]
        fn value_map_ignores_case_as_lowering_does(
            keys in proptest::collection::vec("[a-zA-Z0-9_.:äK]{0,40}", 1..40),
            probes in proptest::collection::vec("[a-zA-Z0-9_.:äÄK]{0,40}", 0..40),
        ) {
            let mut m = ValueMap::default();
            let mut reference: std::collections::HashMap<String, Vec<usize>> =
                std::collections::HashMap::new();
            for (i, k) in keys.iter().enumerate() {
                let low = k.to_lowercase();
                m.push(low.clone(), i);
                reference.entry(low).or_default().push(i);
            }
            for p in probes.iter().chain(keys.iter()) {
                let want = reference.get(&p.to_lowercase()).map(Vec::as_slice);
                proptest::prop_assert_eq!(m.get(p), want);
                proptest::prop_assert_eq!(m.get(&p.to_uppercase()), reference.get(&p.to_uppercase().to_lowercase()).map(Vec::as_slice));
            }
        }
    }
    use serde_json::json;

    #[test]
    fn field_mappings_rename_what_rules_read() {
        let mut l = Loaded::default();
        parse_file(
            "r.yml",
            "title: t\nlogsource:\n  product: okta\ndetection:\n  sel:\n    eventType: user.session.start\n  condition: sel\n",
            &mut l,
            &Placeholders::default(),
        );
        let ev = json!({"eventtype": "user.session.start"});
        assert!(!l.rules[0].matches(&ev));
        l.apply(&Mappings::parse("okta:\n  eventType: eventtype\n").unwrap());
        assert!(l.rules[0].matches(&ev));
        assert!(Mappings::parse("okta: [1]").is_err());
        assert!(Mappings::parse("okta:\n  eventType: []\n").is_err());
        // Alternatives: the first field present is read; the built-in mappings parse, and
        // a user's mapping of a field replaces the built-in one.
        let mut l = Loaded::default();
        parse_file(
            "g.yml",
            "title: t\nlogsource:\n  product: gcp\n  service: gcp.audit\ndetection:\n  sel:\n    gcp.audit.method_name: v1.compute.firewalls.delete\n  condition: sel\n",
            &mut l,
            &Placeholders::default(),
        );
        assert!(l.rules[0].required().is_some());
        l.apply(&Mappings::builtin());
        // (An alternative cannot index: the rule is tried on every GCP event.)
        assert!(l.rules[0].required().is_none());
        let ecs = json!({"gcp": {"audit": {"method_name": "v1.compute.firewalls.delete"}}});
        let raw = json!({"protoPayload": {"methodName": "v1.compute.firewalls.delete"}, "logName": "projects/p/logs/cloudaudit.googleapis.com%2Factivity"});
        assert!(l.rules[0].matches(&ecs) && l.rules[0].matches(&raw));
        assert!(
            !l.rules[0]
                .matches(&json!({"protoPayload": {"methodName": "v1.compute.firewalls.get"}}))
        );
        let user = Mappings::parse("gcp/gcp.audit:\n  gcp.audit.method_name: method\n").unwrap();
        let merged = Mappings::builtin().with(user);
        assert_eq!(
            merged.0["gcp/gcp.audit"]["gcp.audit.method_name"],
            vec!["method".to_owned()]
        );
        assert!(merged.0["okta"].contains_key("eventType"));
    }

    #[test]
    fn filters_exclude_from_the_rules_they_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.yml"), "title: User created\nid: 11111111-2222-4333-8444-555555555555\nlogsource:\n  product: aws\ndetection:\n  sel:\n    eventName: CreateUser\n  condition: sel\n").unwrap();
        std::fs::write(dir.path().join("mf_admins.yml"), "title: Provisioning robot\nlogsource:\n  product: aws\nfilter:\n  rules:\n    - 11111111-2222-4333-8444-555555555555\n  selection:\n    userIdentity.userName|startswith: provisioner-\n  condition: not selection\n").unwrap();
        std::fs::write(dir.path().join("mf_bad.yml"), "title: Dangling\nfilter:\n  rules: [nope]\n  selection:\n    x: 1\n  condition: not selection\n").unwrap();
        let l = load(&[dir.path().to_path_buf()]);
        assert_eq!(l.rules.len(), 1);
        assert_eq!(l.errors.len(), 1, "{:?}", l.errors);
        assert!(l.errors[0].reason.contains("`nope`"));
        let ev = |u: &str| json!({"eventSource": "iam.amazonaws.com", "eventName": "CreateUser", "userIdentity": {"userName": u}, "eventVersion": "1.08"});
        assert!(l.rules[0].matches(&ev("alice")));
        assert!(!l.rules[0].matches(&ev("provisioner-7")));
    }

    #[test]
    fn product_rules_run_only_on_their_products() {
        let aws = Rule::parse("a.yml", "title: t\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  k:\n    - evil\n  condition: k\n").unwrap();
        let other = Rule::parse("b.yml", "title: t\nlogsource:\n  product: someproduct\ndetection:\n  k:\n    - evil\n  condition: k\n").unwrap();
        let ct = json!({"eventSource": "s", "eventName": "evil", "userIdentity": {}});
        let gh = json!({"action": "evil", "actor": "x"});
        assert!(applies(&aws, event::product(&ct)) && !applies(&aws, event::product(&gh)));
        assert!(applies(&other, event::product(&gh)));
        let mut hits = Vec::new();
        let input = format!("{ct}\n{gh}\n");
        hunt(
            &[aws, other],
            None,
            Box::new(input.as_bytes()),
            &mut |m| hits.push((m.rule, m.at.line)),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(hits, vec![(0, 1), (1, 1), (1, 2)]);
        assert!(summary(&ct).starts_with("evil on s"));
    }
}
