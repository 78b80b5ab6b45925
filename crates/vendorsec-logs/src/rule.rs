//! Sigma rules: parsing with precise reasons, the detection's search identifiers, and the
//! condition grammar (`and`, `or`, `not`, parentheses, `1 of x*`, `all of them`, lists of
//! conditions ORed). Precedence, loosest first: or, and, not, `x of`, parentheses.

use serde_json::Value;

use crate::event::field;
use crate::matcher::{self, Matcher};
use crate::node::Node;

/// A rule that loaded.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    /// `name`: how correlation rules reference it (besides `id`).
    pub name: String,
    pub title: String,
    pub level: String,
    pub product: String,
    pub service: String,
    pub category: String,
    pub description: String,
    pub tags: Vec<String>,
    /// The file it came from, and the file's stem (`sigma/<stem>` is its rule id).
    pub path: String,
    pub stem: String,
    searches: Vec<(String, Search)>,
    condition: Vec<Cond>,
    /// Sigma filters (`filter:` documents) that name this rule: each must hold too.
    pub(crate) filters: Vec<Rule>,
}

/// One field condition of a map: every matcher (all) or any (or).
#[derive(Debug, Clone)]
struct FieldCond {
    field: String,
    /// Other fields it is read from when `field` is absent (a field mapping's alternatives).
    alts: Vec<String>,
    matchers: Vec<Matcher>,
    all: bool,
}

impl FieldCond {
    /// This condition with an activity's display name read as its key: the keys of the
    /// catalogue's activities whose names it matches. Other conditions are returned as they
    /// are.
    fn resolved(&self, actions: &crate::activities::EventActions) -> FieldCond {
        if self.field != crate::activities::ACTIVITY {
            return self.clone();
        }
        let mut matchers = Vec::new();
        for (key, name) in actions.iter() {
            let n = Node::Str(std::borrow::Cow::Borrowed(name));
            let test = |m: &Matcher| m.test(Some(&n), &n);
            let ok = if self.all {
                self.matchers.iter().all(test)
            } else {
                self.matchers.iter().any(test)
            };
            if ok {
                matchers.push(Matcher::Str {
                    test: matcher::Str::Eq(key.to_lowercase()),
                    cased: false,
                });
            }
        }
        // (No key matched: an empty list, which nothing matches.)
        FieldCond {
            field: crate::activities::ACTION.to_owned(),
            alts: Vec::new(),
            matchers,
            all: false,
        }
    }

    fn value<'n, 'a>(&self, event: &'n Node<'a>) -> Option<&'n Node<'a>> {
        field(event, &self.field).or_else(|| self.alts.iter().find_map(|a| field(event, a)))
    }
}

#[derive(Debug, Clone)]
enum Search {
    /// A map: every field condition holds.
    Map(Vec<FieldCond>),
    /// A list of maps: any.
    AnyMap(Vec<Vec<FieldCond>>),
    /// Keywords anywhere in the event: any, or all with `|all`.
    Keywords(Vec<Matcher>, bool),
}

impl Search {
    /// Its field conditions, every map's (none for keywords).
    fn conds(&self) -> impl Iterator<Item = &FieldCond> {
        let (one, any): (&[FieldCond], &[Vec<FieldCond>]) = match self {
            Search::Map(c) => (c, &[]),
            Search::AnyMap(ms) => (&[], ms),
            Search::Keywords(..) => (&[], &[]),
        };
        one.iter().chain(any.iter().flatten())
    }
}

/// The condition as a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    Id(String),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    /// `N of pattern` (N = 0 means all).
    Of(usize, String),
}

/// A YAML document as JSON, with YAML 1.2 booleans (an unquoted `y`, `yes` or `on` is
/// text, as Sigma needs); the error is the parser's first line.
pub(crate) fn yaml(text: &str) -> Result<Value, String> {
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        format!(
            "not valid YAML: {}",
            e.to_string().lines().next().unwrap_or("")
        )
    })
}

/// Values for Sigma placeholders (`%Administrators%` in a value with `|expand`): name →
/// values, from a YAML map the user supplies (`--placeholders FILE`):
///
/// ```yaml
/// Administrators: [alice, bob]
/// CountriesWeDoNotGoTo: [KP, IR]
/// ```
#[derive(Debug, Default, Clone)]
pub struct Placeholders(std::collections::HashMap<String, Vec<String>>);

/// Most values one expanded value may become (a product of several placeholders).
const MAX_EXPANSION: usize = 10_000;

impl Placeholders {
    /// Parse a placeholder file: a map of names (with or without the `%`s) to a value or a
    /// list of values.
    ///
    /// # Errors
    /// A reason when it is not such a map.
    pub fn parse(text: &str) -> Result<Placeholders, String> {
        let v = yaml(text)?;
        let top = v
            .as_object()
            .ok_or("a placeholder file is a map of name → values")?;
        let mut out = std::collections::HashMap::new();
        for (name, values) in top {
            let list: Vec<String> = match values {
                Value::Array(a) => a
                    .iter()
                    .map(|x| {
                        matcher::scalar_text(x)
                            .ok_or_else(|| format!("`{name}`: values must be scalars"))
                    })
                    .collect::<Result<_, _>>()?,
                x => vec![
                    matcher::scalar_text(x)
                        .ok_or_else(|| format!("`{name}`: values must be scalars"))?,
                ],
            };
            out.insert(name.trim_matches('%').to_owned(), list);
        }
        Ok(Placeholders(out))
    }

    /// Replace every `field|…|expand` of a search by the field with its values expanded
    /// (each `%name%` by each configured value; `\%` is a literal percent sign).
    fn expand(&self, search: &mut Value) -> Result<(), String> {
        match search {
            Value::Array(items) => items.iter_mut().try_for_each(|i| self.expand(i)),
            Value::Object(map) => {
                if !map.keys().any(|k| k.split('|').any(|m| m == "expand")) {
                    return Ok(());
                }
                let old = std::mem::take(map);
                for (k, v) in old {
                    if !k.split('|').skip(1).any(|m| m == "expand") {
                        map.insert(k, v);
                        continue;
                    }
                    let key: Vec<&str> = k.split('|').filter(|m| *m != "expand").collect();
                    let values = match &v {
                        Value::Array(a) => a.clone(),
                        x => vec![x.clone()],
                    };
                    let mut out = Vec::new();
                    for x in &values {
                        let text = matcher::scalar_text(x)
                            .ok_or_else(|| format!("`{k}`: expand takes text values"))?;
                        for e in self.expand_text(&text)? {
                            out.push(Value::String(e));
                        }
                        if out.len() > MAX_EXPANSION {
                            return Err(format!(
                                "`{k}`: expands to more than {MAX_EXPANSION} values"
                            ));
                        }
                    }
                    map.insert(key.join("|"), Value::Array(out));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Every text a value stands for.
    fn expand_text(&self, text: &str) -> Result<Vec<String>, String> {
        let mut outs = vec![String::new()];
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix("\\%") {
                outs.iter_mut().for_each(|o| o.push('%'));
                rest = r;
            } else if let Some(r) = rest.strip_prefix('%') {
                let Some(end) = r.find('%') else {
                    return Err(format!("`{text}`: a `%` without its closing `%`"));
                };
                let name = &r[..end];
                let values = self.0.get(name).ok_or_else(|| {
                    format!(
                        "`expand` placeholder %{name}% has no values configured (--placeholders FILE); the specification requires rejecting the rule"
                    )
                })?;
                let mut next = Vec::with_capacity(outs.len() * values.len());
                for o in &outs {
                    for v in values {
                        next.push(format!("{o}{v}"));
                    }
                }
                if next.len() > MAX_EXPANSION {
                    return Err(format!(
                        "`{text}`: expands to more than {MAX_EXPANSION} values"
                    ));
                }
                outs = next;
                rest = &r[end + 1..];
            } else {
                let c = rest.chars().next().unwrap_or(' ');
                outs.iter_mut().for_each(|o| o.push(c));
                rest = &rest[c.len_utf8()..];
            }
        }
        Ok(outs)
    }
}

/// A rule that did not load: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub path: String,
    pub line: u64,
    pub reason: String,
}

fn line_of(text: &str, needle: &str) -> u64 {
    text.find(needle).map_or(0, |at| {
        1 + text[..at].bytes().filter(|b| *b == b'\n').count() as u64
    })
}

fn field_conds(map: &serde_json::Map<String, Value>) -> Result<Vec<FieldCond>, String> {
    let mut out = Vec::new();
    for (k, v) in map {
        let mut parts = k.split('|');
        let field = parts.next().unwrap_or("").to_owned();
        let mods: Vec<&str> = parts.collect();
        let values: Vec<Value> = match v {
            Value::Array(a) => a.clone(),
            other => vec![other.clone()],
        };
        if values.iter().any(|x| x.is_object() || x.is_array()) {
            return Err(format!(
                "`{k}`: a value must be a scalar or a list of scalars"
            ));
        }
        let (matchers, all) =
            matcher::compile(&mods, &values).map_err(|e| format!("`{k}`: {e}"))?;
        if field.is_empty() && !mods.is_empty() && mods != ["all"] {
            return Err(format!("`{k}`: a field name is missing"));
        }
        out.push(FieldCond {
            field,
            alts: Vec::new(),
            matchers,
            all,
        });
    }
    Ok(out)
}

fn search(name: &str, v: &Value) -> Result<Search, String> {
    match v {
        Value::Object(m) => {
            // `'|all': [keywords]`
            if m.len() == 1
                && let Some(kw) = m.get("|all")
            {
                let values = kw.as_array().cloned().unwrap_or_else(|| vec![kw.clone()]);
                let (ms, _) =
                    matcher::compile(&["contains"], &values).map_err(|e| format!("{name}: {e}"))?;
                return Ok(Search::Keywords(ms, true));
            }
            Ok(Search::Map(
                field_conds(m).map_err(|e| format!("{name}: {e}"))?,
            ))
        }
        Value::Array(items) => {
            if items.iter().all(Value::is_object) && !items.is_empty() {
                let mut maps = Vec::new();
                for i in items {
                    maps.push(
                        field_conds(i.as_object().unwrap_or(&serde_json::Map::new()))
                            .map_err(|e| format!("{name}: {e}"))?,
                    );
                }
                Ok(Search::AnyMap(maps))
            } else if items.iter().all(|i| !i.is_object() && !i.is_array()) {
                let (ms, _) =
                    matcher::compile(&["contains"], items).map_err(|e| format!("{name}: {e}"))?;
                Ok(Search::Keywords(ms, false))
            } else {
                Err(format!("{name}: a list mixes maps and keywords"))
            }
        }
        Value::String(_) | Value::Number(_) => {
            let (ms, _) = matcher::compile(&["contains"], std::slice::from_ref(v))
                .map_err(|e| format!("{name}: {e}"))?;
            Ok(Search::Keywords(ms, false))
        }
        _ => Err(format!("{name}: not a map, a list or a keyword")),
    }
}

/// Tokenise and parse a condition.
///
/// # Errors
/// A reason naming the token where parsing failed.
pub fn parse_condition(s: &str) -> Result<Cond, String> {
    let mut toks: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' | ')' => {
                if !cur.is_empty() {
                    toks.push(std::mem::take(&mut cur));
                }
                toks.push(c.to_string());
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    toks.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        toks.push(cur);
    }
    if toks.iter().any(|t| t == "|") {
        return Err(
            "the pipe aggregation syntax (`| count() …`) is obsolete; use a correlation rule"
                .into(),
        );
    }
    let mut p = Parser {
        toks,
        at: 0,
        depth: 0,
    };
    let c = p.or()?;
    if p.at < p.toks.len() {
        return Err(format!("unexpected `{}` in condition `{s}`", p.toks[p.at]));
    }
    Ok(c)
}

struct Parser {
    toks: Vec<String>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.toks.get(self.at).map(String::as_str)
    }
    fn next(&mut self) -> Option<String> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }
    fn or(&mut self) -> Result<Cond, String> {
        let mut l = self.and()?;
        while self.peek().is_some_and(|t| t.eq_ignore_ascii_case("or")) {
            self.at += 1;
            l = Cond::Or(Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Cond, String> {
        let mut l = self.not()?;
        while self.peek().is_some_and(|t| t.eq_ignore_ascii_case("and")) {
            self.at += 1;
            l = Cond::And(Box::new(l), Box::new(self.not()?));
        }
        Ok(l)
    }
    fn not(&mut self) -> Result<Cond, String> {
        if self.peek().is_some_and(|t| t.eq_ignore_ascii_case("not")) {
            self.at += 1;
            self.depth += 1;
            if self.depth > 64 {
                return Err("condition nested too deeply".into());
            }
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Cond::Not(Box::new(inner)));
        }
        self.primary()
    }
    fn primary(&mut self) -> Result<Cond, String> {
        let Some(t) = self.next() else {
            return Err("condition ends too early".into());
        };
        if t == "(" {
            self.depth += 1;
            if self.depth > 64 {
                return Err("condition nested too deeply".into());
            }
            let c = self.or()?;
            self.depth -= 1;
            return match self.next().as_deref() {
                Some(")") => Ok(c),
                other => Err(format!(
                    "expected `)` but found `{}`",
                    other.unwrap_or("end")
                )),
            };
        }
        if t == ")" {
            return Err("unexpected `)`".into());
        }
        let lower = t.to_ascii_lowercase();
        if ["and", "or"].contains(&lower.as_str()) {
            return Err(format!("unexpected `{t}`"));
        }
        if self.peek().is_some_and(|x| x.eq_ignore_ascii_case("of")) {
            let n = if lower == "all" {
                0
            } else if lower == "any" {
                1
            } else {
                lower
                    .parse::<usize>()
                    .map_err(|_| format!("`{t} of`: a count must be a number or `all`"))?
            };
            self.at += 1;
            let pat = self.next().ok_or("`of` needs a pattern or `them`")?;
            return Ok(Cond::Of(n, pat));
        }
        Ok(Cond::Id(t))
    }
}

fn glob_match(pat: &str, s: &str) -> bool {
    match pat.split_once('*') {
        None => pat == s,
        Some((pre, rest)) => {
            if !s.starts_with(pre) {
                return false;
            }
            let s = &s[pre.len()..];
            if rest.is_empty() {
                return true;
            }
            (0..=s.len())
                .filter(|i| s.is_char_boundary(*i))
                .any(|i| glob_match(rest, &s[i..]))
        }
    }
}

/// A field and the exact values (lower-cased) one of which it must have for a rule to match.
pub type Required = (String, Vec<String>);

fn map_required(conds: &[FieldCond]) -> Vec<Required> {
    conds
        .iter()
        // (A field read from alternatives cannot index: the event may have another one.)
        .filter(|fc| {
            !fc.field.is_empty() && fc.alts.is_empty() && !fc.all && !fc.matchers.is_empty()
        })
        .filter_map(|fc| {
            let values: Option<Vec<String>> = fc
                .matchers
                .iter()
                .map(|m| match m {
                    Matcher::Str {
                        test: matcher::Str::Eq(v),
                        cased: false,
                    } => Some(v.clone()),
                    _ => None,
                })
                .collect();
            values.map(|v| (fc.field.clone(), v))
        })
        .collect()
}

fn pick(mut options: Vec<Required>) -> Option<Required> {
    // Prefer the fields most selective in audit logs (an action's name over its service).
    options.sort_by_key(|(f, _)| match f.as_str() {
        "eventName" => 0,
        "eventSource" => 1,
        "action" | "eventType" => 2,
        _ => 3,
    });
    options.into_iter().next()
}

fn union_same(a: Option<Required>, b: Option<Required>) -> Option<Required> {
    let (a, b) = (a?, b?);
    if a.0 != b.0 {
        return None;
    }
    let mut v = a.1;
    v.extend(b.1);
    v.sort();
    v.dedup();
    Some((a.0, v))
}

/// Literal texts (lower-case ASCII) one of which must occur in an event's raw JSON for a
/// rule to possibly match; `None` when no such set is known.
pub type Anchors = Vec<String>;

/// A literal of a matcher that any matching value must contain, if one is known and safe to
/// look for in raw JSON (ASCII with no quote, backslash or control character; the caller
/// only uses anchors on text without escapes).
fn matcher_anchor(m: &Matcher) -> Option<String> {
    let lit = match m {
        Matcher::Str { test, .. } => match test {
            matcher::Str::Eq(v)
            | matcher::Str::Contains(v)
            | matcher::Str::StartsWith(v)
            | matcher::Str::EndsWith(v) => v.clone(),
            matcher::Str::Glob(re) => regex_anchor(re.as_str())?,
        },
        Matcher::Re(_, needle) => needle.clone()?,
        _ => return None,
    };
    let ok = lit.len() >= 3
        && lit
            .bytes()
            .all(|b| b.is_ascii() && b >= 0x20 && b != b'"' && b != b'\\');
    ok.then(|| lit.to_ascii_lowercase())
}

/// The longest literal a regular expression's every match must contain (top-level
/// concatenation only; case-insensitive patterns give none).
pub(crate) fn regex_anchor(pattern: &str) -> Option<String> {
    use regex_syntax::hir::{Hir, HirKind};
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    fn lit(h: &Hir) -> Option<String> {
        match h.kind() {
            HirKind::Literal(l) => String::from_utf8(l.0.to_vec()).ok(),
            HirKind::Capture(c) => lit(&c.sub),
            HirKind::Concat(parts) => {
                // Runs of adjacent literals, the longest wins.
                let mut best = String::new();
                let mut cur = String::new();
                for p in parts {
                    match lit(p) {
                        Some(s) if matches!(p.kind(), HirKind::Literal(_)) => cur.push_str(&s),
                        other => {
                            if cur.len() > best.len() {
                                best = std::mem::take(&mut cur);
                            }
                            cur.clear();
                            if let Some(s) = other
                                && s.len() > best.len()
                            {
                                best = s;
                            }
                        }
                    }
                }
                if cur.len() > best.len() {
                    best = cur;
                }
                (!best.is_empty()).then_some(best)
            }
            _ => None,
        }
    }
    lit(&hir)
}

/// A literal most events of its source contain (a service's endpoint name, a very short
/// text): a poor anchor however few alternatives it has.
fn weak(a: &str) -> bool {
    a.len() < 4 || a.ends_with(".amazonaws.com") || a.ends_with(".googleapis.com")
}

fn best(options: Vec<Anchors>) -> Option<Anchors> {
    // No weak literal, then fewest alternatives, then the longest shortest literal.
    options.into_iter().min_by_key(|a| {
        (
            a.iter().any(|x| weak(x)),
            a.len(),
            usize::MAX - a.iter().map(String::len).min().unwrap_or(0),
        )
    })
}

fn union(a: Option<Anchors>, b: Option<Anchors>) -> Option<Anchors> {
    let mut v = a?;
    v.extend(b?);
    v.sort();
    v.dedup();
    Some(v)
}

impl Rule {
    /// The searches an `of` pattern names (`them`: all but those starting with `_`).
    fn chosen(&self, pat: &str) -> Vec<&Search> {
        self.searches
            .iter()
            .filter(|(name, _)| {
                if pat == "them" {
                    !name.starts_with('_')
                } else {
                    glob_match(pat, name)
                }
            })
            .map(|(_, s)| s)
            .collect()
    }

    fn search_anchors(&self, s: &Search) -> Option<Anchors> {
        let map = |conds: &[FieldCond]| -> Option<Anchors> {
            let options: Vec<Anchors> = conds
                .iter()
                .filter_map(|fc| {
                    if fc.all {
                        // Every value must occur: any one of them anchors.
                        fc.matchers.iter().find_map(matcher_anchor).map(|a| vec![a])
                    } else {
                        fc.matchers
                            .iter()
                            .map(matcher_anchor)
                            .collect::<Option<Vec<_>>>()
                    }
                })
                .collect();
            best(options)
        };
        match s {
            Search::Map(c) => map(c),
            Search::AnyMap(ms) => ms.iter().map(|c| map(c)).reduce(union).flatten(),
            Search::Keywords(ms, all) => {
                if *all {
                    ms.iter().find_map(matcher_anchor).map(|a| vec![a])
                } else {
                    ms.iter().map(matcher_anchor).collect()
                }
            }
        }
    }

    fn cond_anchors(&self, c: &Cond) -> Option<Anchors> {
        match c {
            Cond::Id(id) => self
                .searches
                .iter()
                .find(|(n, _)| n == id)
                .and_then(|(_, s)| self.search_anchors(s)),
            Cond::And(a, b) => best(
                [self.cond_anchors(a), self.cond_anchors(b)]
                    .into_iter()
                    .flatten()
                    .collect(),
            ),
            Cond::Or(a, b) => union(self.cond_anchors(a), self.cond_anchors(b)),
            Cond::Not(_) => None,
            Cond::Of(n, pat) => {
                let chosen: Vec<Option<Anchors>> = self
                    .chosen(pat)
                    .into_iter()
                    .map(|s| self.search_anchors(s))
                    .collect();
                if chosen.is_empty() {
                    return None;
                }
                if *n == 0 {
                    best(chosen.into_iter().flatten().collect())
                } else {
                    chosen.into_iter().reduce(union).flatten()
                }
            }
        }
    }

    /// Literals one of which must occur in an event's raw text for this rule to match (see
    /// [`Anchors`]); `None` when the rule can match without any (it then sees every event).
    #[must_use]
    pub fn anchors(&self) -> Option<Anchors> {
        self.condition
            .iter()
            .map(|c| self.cond_anchors(c))
            .reduce(union)
            .flatten()
    }

    fn search_required(&self, s: &Search) -> Vec<Required> {
        match s {
            Search::Map(c) => map_required(c),
            Search::AnyMap(ms) => {
                // Every alternative must require the same field.
                let per: Vec<Vec<Required>> = ms.iter().map(|c| map_required(c)).collect();
                let Some(first) = per.first() else {
                    return Vec::new();
                };
                first
                    .iter()
                    .filter_map(|(f, _)| {
                        let mut acc: Option<Required> = Some((f.clone(), Vec::new()));
                        for alt in &per {
                            let r = alt.iter().find(|(g, _)| g == f).cloned();
                            acc = union_same(acc, r);
                        }
                        acc
                    })
                    .collect()
            }
            Search::Keywords(..) => Vec::new(),
        }
    }

    fn cond_required(&self, c: &Cond) -> Vec<Required> {
        match c {
            Cond::Id(id) => self
                .searches
                .iter()
                .find(|(n, _)| n == id)
                .map(|(_, s)| self.search_required(s))
                .unwrap_or_default(),
            Cond::And(a, b) => {
                let mut v = self.cond_required(a);
                v.extend(self.cond_required(b));
                v
            }
            Cond::Or(a, b) => {
                let (x, y) = (self.cond_required(a), self.cond_required(b));
                x.iter()
                    .filter_map(|r| {
                        union_same(Some(r.clone()), y.iter().find(|q| q.0 == r.0).cloned())
                    })
                    .collect()
            }
            Cond::Not(_) => Vec::new(),
            Cond::Of(n, pat) => {
                let chosen = self.chosen(pat);
                if *n == 0 {
                    chosen
                        .iter()
                        .flat_map(|s| self.search_required(s))
                        .collect()
                } else {
                    let per: Vec<Vec<Required>> =
                        chosen.iter().map(|s| self.search_required(s)).collect();
                    let Some(first) = per.first() else {
                        return Vec::new();
                    };
                    first
                        .iter()
                        .filter_map(|(f, _)| {
                            let mut acc: Option<Required> = Some((f.clone(), Vec::new()));
                            for alt in &per {
                                acc = union_same(acc, alt.iter().find(|(g, _)| g == f).cloned());
                            }
                            acc
                        })
                        .collect()
                }
            }
        }
    }

    /// A field and values one of which the event must have for this rule to possibly match
    /// (exact, case-insensitive), derived from the condition; `None` when there is none.
    /// Used to index rules: the result never changes what matches, only what is tried.
    #[must_use]
    pub fn required(&self) -> Option<Required> {
        let per: Vec<Vec<Required>> = self
            .condition
            .iter()
            .map(|c| self.cond_required(c))
            .collect();
        let first = per.first()?;
        let options: Vec<Required> = first
            .iter()
            .filter_map(|(f, _)| {
                let mut acc: Option<Required> = Some((f.clone(), Vec::new()));
                for alt in &per {
                    acc = union_same(acc, alt.iter().find(|(g, _)| g == f).cloned());
                }
                acc
            })
            .collect();
        pick(options).filter(|(_, v)| !v.is_empty())
    }

    /// Rename the fields this rule (and its filters) reads: `map` takes a Sigma field name
    /// to the log's (a field mapping). Matchers are unchanged; `fieldref` targets are renamed
    /// too.
    pub fn rename_fields(&mut self, map: &std::collections::HashMap<String, Vec<String>>) {
        let rename = |fc: &mut FieldCond| {
            if let Some((first, rest)) = map.get(&fc.field).and_then(|to| to.split_first()) {
                fc.field.clone_from(first);
                fc.alts = rest.to_vec();
            }
            for m in &mut fc.matchers {
                if let Matcher::FieldRef(f) = m
                    && let Some(to) = map.get(f.as_str()).and_then(|t| t.first())
                {
                    f.clone_from(to);
                }
            }
        };
        for (_, s) in &mut self.searches {
            match s {
                Search::Map(c) => c.iter_mut().for_each(rename),
                Search::AnyMap(ms) => ms.iter_mut().flatten().for_each(rename),
                Search::Keywords(..) => {}
            }
        }
        for f in &mut self.filters {
            f.rename_fields(map);
        }
    }

    /// Whether the rule (or one of its filters) names Atlassian activities by display name
    /// ([`crate::activities`]).
    #[must_use]
    pub fn names_activities(&self) -> bool {
        self.product == "atlassian"
            && self
                .searches
                .iter()
                .any(|(_, s)| s.conds().any(|fc| fc.field == crate::activities::ACTIVITY))
            || self.filters.iter().any(Rule::names_activities)
    }

    /// Resolve the rule's conditions on Atlassian activity names with an organisation's
    /// catalogue: a map with such conditions also matches, as an alternative, with each of
    /// them replaced by the keys of the activities whose names it matches. The activities
    /// (key, display name) that the rule now matches on an audit event with nothing but its
    /// key, in the catalogue's order (none when it names no activity).
    pub fn resolve_activities<'c>(
        &mut self,
        actions: &'c crate::activities::EventActions,
    ) -> Vec<(&'c str, &'c str)> {
        if !self.names_activities() {
            return Vec::new();
        }
        self.resolve_into(actions);
        actions
            .iter()
            .filter(|(key, _)| {
                let event = serde_json::json!({"type": "events", "attributes": {"action": key}});
                self.matches(&event)
            })
            .collect()
    }

    fn resolve_into(&mut self, actions: &crate::activities::EventActions) {
        if self.product == "atlassian" {
            for (_, s) in &mut self.searches {
                let maps: Vec<Vec<FieldCond>> = match s {
                    Search::Map(c) => vec![std::mem::take(c)],
                    Search::AnyMap(ms) => std::mem::take(ms),
                    Search::Keywords(..) => continue,
                };
                let mut out = Vec::with_capacity(maps.len() * 2);
                for m in maps {
                    let resolved = m
                        .iter()
                        .any(|fc| fc.field == crate::activities::ACTIVITY)
                        .then(|| m.iter().map(|fc| fc.resolved(actions)).collect());
                    out.push(m);
                    out.extend(resolved);
                }
                *s = match out.len() {
                    1 => Search::Map(out.pop().unwrap_or_default()),
                    _ => Search::AnyMap(out),
                };
            }
        }
        for f in &mut self.filters {
            f.resolve_into(actions);
        }
    }

    /// The fields this rule (with its filters) reads: field names, their mapped
    /// alternatives and `fieldref` targets.
    #[must_use]
    pub fn fields(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for (_, s) in &self.searches {
            for fc in s.conds() {
                out.push(fc.field.as_str());
                out.extend(fc.alts.iter().map(String::as_str));
                out.extend(fc.matchers.iter().filter_map(Matcher::field_ref));
            }
        }
        for f in &self.filters {
            out.extend(f.fields());
        }
        out
    }

    /// Whether the rule (or one of its filters) reads every value of an event: keywords.
    #[must_use]
    pub fn reads_every_value(&self) -> bool {
        self.searches.iter().any(|(_, s)| {
            matches!(s, Search::Keywords(..)) || s.conds().any(|fc| fc.field.is_empty())
        }) || self.filters.iter().any(Rule::reads_every_value)
    }

    /// Parse one rule file.
    ///
    /// # Errors
    /// A [`LoadError`] with the line and reason.
    pub fn parse(path: &str, text: &str) -> Result<Rule, LoadError> {
        Rule::parse_with(path, text, &Placeholders::default())
    }

    /// Parse one rule file, resolving `|expand` placeholders from `placeholders`.
    ///
    /// # Errors
    /// A [`LoadError`] with the line and reason (a placeholder with no values configured is
    /// one: the specification requires rejecting the rule).
    pub fn parse_with(
        path: &str,
        text: &str,
        placeholders: &Placeholders,
    ) -> Result<Rule, LoadError> {
        let err = |line: u64, reason: String| LoadError {
            path: path.to_owned(),
            line,
            reason,
        };
        if text.len() > 4 << 20 {
            return Err(err(0, "rule file over 4 MiB".into()));
        }
        let docs = text.split("\n---").count();
        // YAML 1.2 booleans only: a Sigma value `y`, `yes`, `on` is text, not `true`.
        let options = serde_saphyr::options! { strict_booleans: true };
        let v: Value = serde_saphyr::from_str_with_options(text, options).map_err(|e| {
            let m = e.to_string();
            let line = m
                .split("line ")
                .nth(1)
                .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            err(
                line,
                format!(
                    "not valid YAML{}: {}",
                    if docs > 1 { " (several documents)" } else { "" },
                    m.lines().next().unwrap_or("")
                ),
            )
        })?;
        let Some(obj) = v.as_object() else {
            return Err(err(1, "not a YAML map".into()));
        };
        if obj.contains_key("correlation") {
            return Err(err(
                line_of(text, "correlation:"),
                "a correlation rule, not a detection rule (load the file with `vendorsec_logs::load`)".into(),
            ));
        }
        if obj.contains_key("filter") && !obj.contains_key("detection") {
            return Err(err(
                line_of(text, "filter:"),
                "a filter document, not a detection rule (load the file with `vendorsec_logs::load`)".into(),
            ));
        }
        let s = |k: &str| {
            obj.get(k)
                .and_then(matcher::scalar_text)
                .unwrap_or_default()
        };
        let title = s("title");
        if title.is_empty() {
            return Err(err(1, "no `title`".into()));
        }
        let logsource = obj
            .get("logsource")
            .and_then(Value::as_object)
            .ok_or_else(|| err(1, "no `logsource` map".into()))?;
        let ls = |k: &str| {
            logsource
                .get(k)
                .and_then(matcher::scalar_text)
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        let mut detection = obj
            .get("detection")
            .and_then(Value::as_object)
            .ok_or_else(|| err(line_of(text, "detection"), "no `detection` map".into()))?
            .clone();
        for (name, body) in &mut detection {
            if name != "condition" {
                placeholders
                    .expand(body)
                    .map_err(|r| err(line_of(text, &format!("{name}:")), format!("{name}: {r}")))?;
            }
        }
        let mut searches = Vec::new();
        for (name, body) in &detection {
            if name == "condition" || name == "timeframe" {
                continue;
            }
            let s = search(name, body).map_err(|r| err(line_of(text, &format!("{name}:")), r))?;
            searches.push((name.clone(), s));
        }
        let cond_line = line_of(text, "condition:");
        let conditions: Vec<String> = match detection.get("condition") {
            Some(Value::String(c)) => vec![c.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
            _ => {
                return Err(err(
                    cond_line.max(line_of(text, "detection")),
                    "no `condition`".into(),
                ));
            }
        };
        let mut condition = Vec::new();
        for c in &conditions {
            let parsed = parse_condition(c).map_err(|r| err(cond_line, r))?;
            // Every identifier and pattern must name a search.
            check_refs(&parsed, &searches).map_err(|r| err(cond_line, r))?;
            condition.push(parsed);
        }
        let stem = std::path::Path::new(path)
            .file_stem()
            .map_or_else(|| title.clone(), |s| s.to_string_lossy().into_owned());
        Ok(Rule {
            id: s("id"),
            name: s("name"),
            level: s("level").to_ascii_lowercase(),
            product: ls("product"),
            service: ls("service"),
            category: ls("category"),
            description: s("description").trim().to_owned(),
            tags: obj
                .get("tags")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(matcher::scalar_text).collect())
                .unwrap_or_default(),
            path: path.to_owned(),
            stem,
            title,
            searches,
            condition,
            filters: Vec::new(),
        })
    }

    /// Whether the event matches, with `lookup` resolving a field name.
    #[must_use]
    pub fn matches(&self, event: &Value) -> bool {
        self.matches_node(&Node::from_value(event))
    }

    /// Whether the event (parsed as a [`Node`]) matches.
    #[must_use]
    pub fn matches_node(&self, event: &Node<'_>) -> bool {
        self.condition.iter().any(|c| self.eval(c, event))
            && self.filters.iter().all(|f| f.matches_node(event))
    }

    fn search_hit(&self, s: &Search, event: &Node<'_>) -> bool {
        let map_hit = |conds: &[FieldCond]| {
            conds.iter().all(|fc| {
                if fc.field.is_empty() {
                    // `|all` keywords inside a map.
                    return keywords_hit(&fc.matchers, fc.all, event);
                }
                let v = fc.value(event);
                if fc.all {
                    fc.matchers.iter().all(|m| m.test(v, event))
                } else {
                    fc.matchers.iter().any(|m| m.test(v, event))
                }
            })
        };
        match s {
            Search::Map(c) => map_hit(c),
            Search::AnyMap(ms) => ms.iter().any(|c| map_hit(c)),
            Search::Keywords(ms, all) => keywords_hit(ms, *all, event),
        }
    }

    fn eval(&self, c: &Cond, event: &Node<'_>) -> bool {
        match c {
            Cond::Id(id) => self
                .searches
                .iter()
                .find(|(n, _)| n == id)
                .is_some_and(|(_, s)| self.search_hit(s, event)),
            Cond::And(a, b) => self.eval(a, event) && self.eval(b, event),
            Cond::Or(a, b) => self.eval(a, event) || self.eval(b, event),
            Cond::Not(a) => !self.eval(a, event),
            Cond::Of(n, pat) => {
                let chosen = self.chosen(pat);
                if *n == 0 {
                    !chosen.is_empty() && chosen.iter().all(|s| self.search_hit(s, event))
                } else {
                    chosen.iter().filter(|s| self.search_hit(s, event)).count() >= *n
                }
            }
        }
    }
}

fn check_refs(c: &Cond, searches: &[(String, Search)]) -> Result<(), String> {
    match c {
        Cond::Id(id) => {
            if searches.iter().any(|(n, _)| n == id) {
                Ok(())
            } else {
                Err(format!(
                    "the condition names `{id}`, which the detection does not define"
                ))
            }
        }
        Cond::And(a, b) | Cond::Or(a, b) => {
            check_refs(a, searches)?;
            check_refs(b, searches)
        }
        Cond::Not(a) => check_refs(a, searches),
        Cond::Of(_, pat) => {
            if pat == "them" || searches.iter().any(|(n, _)| glob_match(pat, n)) {
                Ok(())
            } else {
                Err(format!("`of {pat}` matches no search identifier"))
            }
        }
    }
}

/// Keywords: every string value of the event, nested ones included, as case-insensitive
/// substrings (research decision 6).
fn keywords_hit(ms: &[Matcher], all: bool, event: &Node<'_>) -> bool {
    let mut strings = Vec::new();
    collect_strings(event, &mut strings, 0);
    let hit = |m: &Matcher| strings.iter().any(|s| m.test_text(s));
    if all {
        ms.iter().all(hit)
    } else {
        ms.iter().any(hit)
    }
}

fn collect_strings<'a>(v: &'a Node<'_>, out: &mut Vec<&'a str>, depth: usize) {
    if depth > 32 {
        return;
    }
    match v.resolved() {
        Node::Str(s) => out.push(s),
        Node::Arr(a) => a.iter().for_each(|x| collect_strings(x, out, depth + 1)),
        Node::Obj(m) => m
            .iter()
            .for_each(|(_, x)| collect_strings(x, out, depth + 1)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(detection: &str) -> Rule {
        let text = format!("title: t\nlogsource:\n  product: aws\ndetection:\n{detection}\n");
        Rule::parse("r.yml", &text).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn condition_grammar_and_precedence() {
        assert_eq!(
            parse_condition("a or b and not c").unwrap(),
            Cond::Or(
                Box::new(Cond::Id("a".into())),
                Box::new(Cond::And(
                    Box::new(Cond::Id("b".into())),
                    Box::new(Cond::Not(Box::new(Cond::Id("c".into()))))
                ))
            )
        );
        assert_eq!(
            parse_condition("1 of sel_* and not 1 of filter*")
                .unwrap()
                .to_owned(),
            parse_condition("(1 of sel_*) and (not (1 of filter*))").unwrap()
        );
        assert!(parse_condition("a and").is_err());
        assert!(parse_condition("(a").is_err());
        assert!(
            parse_condition("a | count() > 5")
                .unwrap_err()
                .contains("obsolete")
        );
    }

    #[test]
    fn detections() {
        let r = rule(
            "  selection:\n    eventSource: iam.amazonaws.com\n    eventName:\n      - CreateUser\n      - CreateAccessKey\n  filter:\n    errorCode: null\n  condition: selection and filter",
        );
        assert!(r.matches(&json!({"eventSource": "iam.amazonaws.com", "eventName": "CreateUser"})));
        assert!(!r.matches(&json!({"eventSource": "iam.amazonaws.com", "eventName": "CreateUser", "errorCode": "AccessDenied"})));
        assert!(
            !r.matches(&json!({"eventSource": "iam.amazonaws.com", "eventName": "DeleteUser"}))
        );
        // `them` skips identifiers starting with `_` (decision 7).
        let r = rule("  a:\n    x: 1\n  _b:\n    y: 2\n  condition: all of them");
        assert!(r.matches(&json!({"x": 1})));
        // A condition list is ORed.
        let r = rule("  a:\n    x: 1\n  b:\n    y: 2\n  condition:\n    - a\n    - b");
        assert!(r.matches(&json!({"y": "2"})));
        // Keywords, nested, case-insensitive; `|all` keywords.
        let r = rule("  keywords:\n    - 'EVIL'\n  condition: keywords");
        assert!(r.matches(&json!({"a": {"b": ["an evil thing"]}})));
        let r = rule("  keywords:\n    '|all':\n      - foo\n      - bar\n  condition: keywords");
        assert!(r.matches(&json!({"a": "foo", "b": "xbarx"})));
        assert!(!r.matches(&json!({"a": "foo"})));
        // A list of maps is ORed; `all` ANDs a list of values.
        // (`y` stays the text `y`: YAML 1.2 booleans only.)
        let r = rule(
            "  sel:\n    - a: 1\n    - b: 2\n  tags:\n    t|contains|all:\n      - x\n      - y\n  condition: sel and tags",
        );
        assert!(r.matches(&json!({"b": 2, "t": "yyxx"})));
        assert!(!r.matches(&json!({"b": 2, "t": "xx"})));
        // fieldref
        let r = rule("  sel:\n    a|fieldref: b\n  condition: sel");
        assert!(r.matches(&json!({"a": "Same", "b": "same"})));
        assert!(!r.matches(&json!({"a": "x", "b": "y"})));
    }

    #[test]
    fn expand_takes_placeholder_values_from_config_or_refuses_the_rule() {
        let text = "title: t\nlogsource:\n  product: aws\ndetection:\n  sel:\n    sourceIPAddress|expand: '%Offices%'\n    userIdentity.userName|expand|startswith: 'adm-%Teams%-'\n  filter:\n    - note|expand: '100\\%'\n  condition: sel and not filter\n";
        let e = Rule::parse("r.yml", text).unwrap_err();
        assert_eq!(e.line, 5);
        assert!(
            e.reason.contains("%Offices%") && e.reason.contains("rejecting"),
            "{}",
            e.reason
        );
        let ph =
            Placeholders::parse("Offices: [10.0.0.1, 10.0.0.2]\n'%Teams%':\n  - ops\n  - dev\n")
                .unwrap();
        let r = Rule::parse_with("r.yml", text, &ph).unwrap();
        let ev = |ip: &str, u: &str, note: &str| json!({"sourceIPAddress": ip, "userIdentity": {"userName": u}, "note": note});
        assert!(r.matches(&ev("10.0.0.2", "adm-dev-7", "x")));
        assert!(r.matches(&ev("10.0.0.1", "ADM-OPS-1", "x")));
        assert!(!r.matches(&ev("10.0.0.3", "adm-ops-1", "x")));
        assert!(!r.matches(&ev("10.0.0.1", "adm-qa-1", "x")));
        // `\%` is a literal percent sign, not a placeholder.
        assert!(!r.matches(&ev("10.0.0.1", "adm-ops-1", "100%")));
        // A product of placeholders expands to every combination.
        let ph = Placeholders::parse("A: [a, b]\nB: [x, y, z]\n").unwrap();
        assert_eq!(ph.expand_text("%A%-%B%").unwrap().len(), 6);
        assert!(ph.expand_text("%A").unwrap_err().contains("closing"));
        assert!(Placeholders::parse("A: [[1]]").is_err());
        assert!(Placeholders::parse("- 1").is_err());
    }

    #[test]
    fn required_values_for_indexing() {
        let r = rule(
            "  selection:\n    eventSource: IAM.amazonaws.com\n    eventName:\n      - CreateUser\n  filter:\n    x: 1\n  condition: selection and not filter",
        );
        assert_eq!(
            r.required(),
            Some(("eventName".into(), vec!["createuser".into()]))
        );
        let r = rule("  a:\n    eventName: A\n  b:\n    eventName: B\n  condition: 1 of them");
        assert_eq!(
            r.required(),
            Some(("eventName".into(), vec!["a".into(), "b".into()]))
        );
        let r = rule("  a:\n    eventName: A\n  b:\n    other: B\n  condition: a or b");
        assert_eq!(r.required(), None);
        let r = rule("  a:\n    eventName|contains: A\n  condition: a");
        assert_eq!(r.required(), None);
    }

    #[test]
    fn raw_anchors() {
        let r = rule("  sel:\n    userIdentity.arn|re: '.+:assumed-role/aws:.+'\n  condition: sel");
        assert_eq!(r.anchors(), Some(vec![":assumed-role/aws:".into()]));
        let r = rule("  sel:\n    userAgent|re: '^(curl|wget)-[0-9]+ backdoor$'\n  condition: sel");
        assert_eq!(r.anchors(), Some(vec![" backdoor".into()]));
        let r = rule(
            "  sel:\n    eventSource: IAM.amazonaws.com\n    eventName:\n      - CreateUser\n      - CreateRole\n  filter:\n    x: 1\n  condition: sel and not filter",
        );
        // Not the service's name, which every IAM call has: its action names.
        assert_eq!(
            r.anchors(),
            Some(vec!["createuser".into(), "createrole".into()])
        );
        let r = rule(
            "  a:\n    eventName: AAA\n  b:\n    eventName|contains: BBB\n  condition: a or b",
        );
        assert_eq!(r.anchors(), Some(vec!["aaa".into(), "bbb".into()]));
        let r = rule("  a:\n    n: 1\n  condition: not a");
        assert_eq!(r.anchors(), None);
    }

    #[test]
    fn load_errors_name_the_line() {
        let e = Rule::parse("r.yml", "title: t\nlogsource:\n  product: aws\ndetection:\n  sel:\n    a|nope: 1\n  condition: sel\n").unwrap_err();
        assert_eq!(e.line, 5);
        assert!(e.reason.contains("unknown modifier `nope`"), "{}", e.reason);
        let e = Rule::parse("r.yml", "title: t\nlogsource:\n  product: aws\ndetection:\n  sel:\n    a: 1\n  condition: sel and other\n").unwrap_err();
        assert_eq!(e.line, 7);
        assert!(e.reason.contains("`other`"));
        let e = Rule::parse("r.yml", "title: [unclosed\n").unwrap_err();
        assert!(e.reason.contains("not valid YAML"));
    }

    /// A condition on `activity` becomes, with a catalogue, the keys of the names it matches
    /// (under every modifier, `|all` too), as an alternative to the name itself; a rule for
    /// another product keeps its `activity` field as it is.
    #[test]
    fn activity_names_resolve_to_their_keys_as_an_alternative() {
        let actions = crate::activities::EventActions::parse(
            "a1: Enforced two-step verification\na2: Removed two-step verification\na3: Created site\n",
        )
        .unwrap();
        let text = |product: &str| {
            format!(
                "title: t\nlogsource:\n  product: {product}\ndetection:\n  sel:\n    activity|contains|all: [two-step, removed]\n  other:\n    - activity: created site\n    - x: 1\n  condition: sel or other\n"
            )
        };
        let mut r = Rule::parse("r.yml", &text("atlassian")).unwrap();
        assert!(r.names_activities());
        let got = r.resolve_activities(&actions);
        assert_eq!(
            got,
            [
                ("a2", "Removed two-step verification"),
                ("a3", "Created site")
            ]
        );
        let hit = |r: &Rule, v: Value| r.matches(&v);
        for (event, want) in [
            (json!({"attributes": {"action": "a2"}}), true),
            (json!({"attributes": {"action": "A3"}}), true),
            (json!({"attributes": {"action": "a1"}}), false),
            (json!({"activity": "Removed two-step verification"}), true),
            (json!({"x": 1}), true),
            (json!({"attributes": {"action": "a4"}}), false),
        ] {
            assert_eq!(hit(&r, event.clone()), want, "{event}");
        }
        let mut other = Rule::parse("r.yml", &text("aws")).unwrap();
        assert!(!other.names_activities());
        assert!(other.resolve_activities(&actions).is_empty());
        assert!(!hit(&other, json!({"attributes": {"action": "a2"}})));
        assert!(hit(&other, json!({"activity": "created site"})));
    }

    proptest::proptest! {
        #[test]
        fn conditions_parse_or_are_refused(s in "[a-z_*()1 ]{0,60}") {
            let _ = parse_condition(&s);
        }

        #[test]
        fn rule_files_load_or_are_refused(s in "\\PC{0,200}") {
            let _ = Rule::parse("r.yml", &s);
        }

        #[test]
        fn placeholder_values_expand_or_are_refused(s in "[a-z%\\\\]{0,30}", file in "\\PC{0,80}") {
            let ph = Placeholders::parse("a: [x, y]\nb: ''\n").unwrap();
            if let Ok(v) = ph.expand_text(&s) {
                assert!(!v.is_empty() && v.len() <= MAX_EXPANSION);
            }
            let _ = Placeholders::parse(&file);
        }
    }
}
