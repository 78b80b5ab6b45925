//! Sigma values and their modifiers, compiled once into matchers.
//!
//! Decisions (research logs.md section 6, each tested below): values compare as
//! case-insensitive strings unless `cased`; numbers and booleans in events compare as their
//! text (`553` equals `"553"`, `true` equals `'true'`); `null` matches an absent field or a
//! JSON null; an array field matches when any element does; `neq` with a list means none of
//! the values; a missing field matches nothing but `null` and `exists: false`. Regular
//! expressions use the `regex` crate (linear time, no backtracking).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use regex::Regex;
use serde_json::Value;

use crate::node::Node;

/// Why a value or modifier cannot be compiled.
pub type Reason = String;

/// How a string is compared.
#[derive(Debug, Clone)]
pub enum Str {
    /// Exact, with the text already lower-cased unless `cased`.
    Eq(String),
    Contains(String),
    StartsWith(String),
    EndsWith(String),
    /// A value with wildcards in the middle, as a regular expression.
    Glob(Regex),
}

/// `re` on `s`, when `s` has the literal every match contains.
fn re_test(re: &Regex, needle: &Option<String>, s: &str) -> bool {
    needle.as_ref().is_none_or(|n| s.contains(n.as_str())) && re.is_match(s)
}

/// A compiled value test on one field.
#[derive(Debug, Clone)]
pub enum Matcher {
    Str {
        test: Str,
        cased: bool,
    },
    /// A regular expression, and a literal that every match contains (tested first: a
    /// substring search costs a fraction of a regex search's setup).
    Re(Regex, Option<String>),
    Cidr(Net),
    Num(Cmp, f64),
    Exists(bool),
    Null,
    /// Equal to another field of the same event.
    FieldRef(String),
    /// A part of the field's timestamp (UTC): equal to the number, or compared with it.
    Time(TimePart, Option<Cmp>, f64),
    /// The negation of the inner test (`neq`).
    Not(Box<Matcher>),
}

/// The part of a timestamp a time modifier takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimePart {
    Minute,
    Hour,
    /// Day of the month.
    Day,
    /// ISO 8601 week number.
    Week,
    Month,
    Year,
}

impl TimePart {
    fn of(m: &str) -> Option<TimePart> {
        Some(match m {
            "minute" => TimePart::Minute,
            "hour" => TimePart::Hour,
            "day" => TimePart::Day,
            "week" => TimePart::Week,
            "month" => TimePart::Month,
            "year" => TimePart::Year,
            _ => return None,
        })
    }

    /// This part of a time in seconds since the epoch (UTC).
    #[must_use]
    #[allow(clippy::cast_possible_truncation)]
    pub fn of_seconds(self, t: f64) -> i64 {
        let secs = t.floor() as i64;
        let days = secs.div_euclid(86_400);
        let in_day = secs.rem_euclid(86_400);
        let (y, m, d) = civil(days);
        match self {
            TimePart::Minute => in_day % 3600 / 60,
            TimePart::Hour => in_day / 3600,
            TimePart::Day => d,
            TimePart::Month => m,
            TimePart::Year => y,
            TimePart::Week => {
                // ISO week: weeks start on Monday; week 1 holds the year's first Thursday.
                let weekday = (days + 3).rem_euclid(7) + 1; // 1970-01-01 was a Thursday (4).
                let ordinal = days - days_from_civil(y, 1, 1) + 1;
                let week = (ordinal - weekday + 10) / 7;
                if week < 1 {
                    iso_weeks(y - 1)
                } else if week > iso_weeks(y) {
                    1
                } else {
                    week
                }
            }
        }
    }
}

/// (year, month, day) of a day number since 1970-01-01 (proleptic Gregorian).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// ISO weeks in a year: 53 when it starts on a Thursday, or on a Wednesday in a leap year.
fn iso_weeks(y: i64) -> i64 {
    let jan1 = (days_from_civil(y, 1, 1) + 3).rem_euclid(7) + 1;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if jan1 == 4 || (leap && jan1 == 3) {
        53
    } else {
        52
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Lte,
    Gt,
    Gte,
}

/// An IPv4 or IPv6 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    addr: u128,
    bits: u8,
    v6: bool,
}

impl Net {
    /// Parse `a.b.c.d/n` or `x::y/n` (a bare address is a /32 or /128).
    ///
    /// # Errors
    /// A reason when the text is not a network.
    pub fn parse(s: &str) -> Result<Net, Reason> {
        let (a, n) = s.split_once('/').unwrap_or((s, ""));
        let ip: std::net::IpAddr = a
            .trim()
            .parse()
            .map_err(|_| format!("cidr: `{s}` is not an IP network"))?;
        let (addr, max, v6) = match ip {
            std::net::IpAddr::V4(v) => (u128::from(u32::from(v)), 32, false),
            std::net::IpAddr::V6(v) => (u128::from(v), 128, true),
        };
        let bits = if n.is_empty() {
            max
        } else {
            n.parse::<u8>()
                .map_err(|_| format!("cidr: bad prefix in `{s}`"))?
        };
        if bits > max {
            return Err(format!("cidr: prefix /{bits} too long in `{s}`"));
        }
        Ok(Net { addr, bits, v6 })
    }

    fn contains(&self, ip: std::net::IpAddr) -> bool {
        let (addr, max, v6) = match ip {
            std::net::IpAddr::V4(v) => (u128::from(u32::from(v)), 32u8, false),
            std::net::IpAddr::V6(v) => (u128::from(v), 128u8, true),
        };
        if v6 != self.v6 {
            return false;
        }
        if self.bits == 0 {
            return true;
        }
        let shift = u32::from(max - self.bits);
        (addr >> shift) == (self.addr >> shift)
    }
}

/// A plain value's pieces: literal text and wildcards, with Sigma's escaping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Lit(String),
    Star,
    One,
}

/// Split a value into literals and wildcards: `*` any run, `?` one character, `\*` `\?`
/// `\\` literal; a lone `\` before anything else stays a backslash.
pub(crate) fn pieces(v: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let mut lit = String::new();
    let mut chars = v.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&n @ ('*' | '?' | '\\')) => {
                    lit.push(n);
                    chars.next();
                }
                _ => lit.push('\\'),
            },
            '*' | '?' => {
                if !lit.is_empty() {
                    out.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                out.push(if c == '*' { Piece::Star } else { Piece::One });
            }
            c => lit.push(c),
        }
    }
    if !lit.is_empty() {
        out.push(Piece::Lit(lit));
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Eq,
    Contains,
    Starts,
    Ends,
}

/// Compile a string test of `kind` for the value's pieces.
fn string_test(v: &str, kind: Kind, cased: bool) -> Result<Str, Reason> {
    let mut p = pieces(v);
    match kind {
        Kind::Contains => {
            p.insert(0, Piece::Star);
            p.push(Piece::Star);
        }
        Kind::Starts => p.push(Piece::Star),
        Kind::Ends => p.insert(0, Piece::Star),
        Kind::Eq => {}
    }
    // Collapse repeated stars.
    p.dedup_by(|a, b| *a == Piece::Star && *b == Piece::Star);
    let fold = |s: &str| {
        if cased {
            s.to_owned()
        } else {
            s.to_lowercase()
        }
    };
    let lits: Vec<&Piece> = p.iter().filter(|x| !matches!(x, Piece::Star)).collect();
    let only_lit = lits.len() <= 1 && !p.contains(&Piece::One);
    if only_lit {
        let text = match lits.first() {
            Some(Piece::Lit(s)) => fold(s),
            _ => String::new(),
        };
        let starts_star = p.first() == Some(&Piece::Star);
        let ends_star =
            p.last() == Some(&Piece::Star) && p.len() > 1 || (p.len() == 1 && p[0] == Piece::Star);
        return Ok(match (starts_star, ends_star, text.is_empty()) {
            (_, _, true) if p.contains(&Piece::Star) => Str::StartsWith(String::new()),
            (true, true, _) => Str::Contains(text),
            (true, false, _) => Str::EndsWith(text),
            (false, true, _) => Str::StartsWith(text),
            (false, false, _) => Str::Eq(text),
        });
    }
    let mut re = String::from(if cased { "(?s)^" } else { "(?si)^" });
    for x in &p {
        match x {
            Piece::Lit(s) => re.push_str(&regex::escape(s)),
            Piece::Star => re.push_str(".*"),
            Piece::One => re.push('.'),
        }
    }
    re.push('$');
    Regex::new(&re)
        .map(Str::Glob)
        .map_err(|e| format!("wildcard value `{v}`: {e}"))
}

/// The value of a YAML scalar as Sigma text.
pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Transformations that turn one value into one or more strings before comparison.
fn transform(values: Vec<Vec<u8>>, m: &str) -> Result<Vec<Vec<u8>>, Reason> {
    let utf16 = |s: &[u8], le: bool| -> Vec<u8> {
        let text = String::from_utf8_lossy(s);
        text.encode_utf16()
            .flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() })
            .collect()
    };
    Ok(match m {
        "wide" | "utf16le" => values.iter().map(|v| utf16(v, true)).collect(),
        "utf16be" => values.iter().map(|v| utf16(v, false)).collect(),
        "utf16" => values
            .iter()
            .map(|v| {
                let mut b = vec![0xFF, 0xFE];
                b.extend(utf16(v, true));
                b
            })
            .collect(),
        "base64" => values
            .iter()
            .map(|v| STANDARD.encode(v).into_bytes())
            .collect(),
        "base64offset" => {
            let mut out = Vec::new();
            for v in &values {
                for i in 0..3usize {
                    let mut b = vec![b' '; i];
                    b.extend_from_slice(v);
                    let enc = STANDARD.encode(&b);
                    let start = [0usize, 2, 3][i];
                    let cut = [0usize, 3, 2][(v.len() + i) % 3];
                    let end = enc.len().saturating_sub(cut);
                    out.push(
                        enc.get(start..end.max(start))
                            .unwrap_or("")
                            .as_bytes()
                            .to_vec(),
                    );
                }
            }
            out
        }
        "windash" => {
            let mut out = Vec::new();
            for v in &values {
                let s = String::from_utf8_lossy(v).into_owned();
                let chars: Vec<char> = s.chars().collect();
                let spots: Vec<usize> = (0..chars.len())
                    .filter(|&i| {
                        matches!(chars[i], '-' | '/')
                            && (i == 0 || chars[i - 1].is_whitespace())
                            && chars.get(i + 1).is_some_and(|c| c.is_alphanumeric())
                    })
                    .take(4)
                    .collect();
                let dashes = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];
                let combos = dashes.len().pow(u32::try_from(spots.len()).unwrap_or(0));
                for mut k in 0..combos {
                    let mut c = chars.clone();
                    for &i in &spots {
                        c[i] = dashes[k % dashes.len()];
                        k /= dashes.len();
                    }
                    out.push(c.into_iter().collect::<String>().into_bytes());
                }
            }
            out
        }
        other => return Err(format!("internal: not a transform `{other}`")),
    })
}

/// Every modifier of the Sigma v2.1 specification this engine knows.
pub const MODIFIERS: [&str; 31] = [
    "all",
    "startswith",
    "endswith",
    "contains",
    "exists",
    "cased",
    "neq",
    "windash",
    "re",
    "i",
    "m",
    "s",
    "base64",
    "base64offset",
    "utf16le",
    "wide",
    "utf16be",
    "utf16",
    "lt",
    "lte",
    "gt",
    "gte",
    "cidr",
    "expand",
    "fieldref",
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "year",
];

/// Compile the values of one field with its modifiers. Returns the matchers and whether
/// they must all hold (`all`, or `neq` with several values).
///
/// # Errors
/// An unknown modifier, a modifier on a value it cannot take, an unresolved placeholder.
pub fn compile(modifiers: &[&str], values: &[Value]) -> Result<(Vec<Matcher>, bool), Reason> {
    for m in modifiers {
        if !MODIFIERS.contains(m) {
            return Err(format!("unknown modifier `{m}`"));
        }
    }
    let has = |m: &str| modifiers.contains(&m);
    let all = has("all");
    if all && values.len() < 2 && !values.is_empty() {
        // The spec forbids `all` on a single value; it is harmless, so it is accepted.
    }
    if has("expand") {
        return Err("`expand` placeholder with no value configured (the specification requires rejecting it)".into());
    }
    let cased = has("cased");
    let neq = has("neq");
    let mut out = Vec::new();
    if let Some(part) = modifiers.iter().find_map(|m| TimePart::of(m)) {
        // A part of a timestamp (UTC) compared with a number: equal, or `lt` … `gte`.
        let cmp = [
            ("lt", Cmp::Lt),
            ("lte", Cmp::Lte),
            ("gt", Cmp::Gt),
            ("gte", Cmp::Gte),
        ]
        .iter()
        .find(|(n, _)| has(n))
        .map(|(_, c)| *c);
        for v in values {
            let n = scalar_text(v)
                .and_then(|t| t.trim().parse::<f64>().ok())
                .ok_or("a time modifier takes a number")?;
            let m = Matcher::Time(part, cmp, n);
            out.push(if neq { Matcher::Not(Box::new(m)) } else { m });
        }
        return Ok((out, all || neq));
    }
    if has("exists") {
        for v in values {
            let b = match v {
                Value::Bool(b) => *b,
                Value::String(s)
                    if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
                {
                    s.eq_ignore_ascii_case("true")
                }
                _ => return Err("`exists` takes true or false".into()),
            };
            out.push(Matcher::Exists(b));
        }
        return Ok((out, all));
    }
    for v in values {
        let m = if v.is_null() {
            if modifiers.iter().any(|m| *m != "all") {
                return Err("a null value takes no modifier".into());
            }
            Matcher::Null
        } else if has("fieldref") {
            Matcher::FieldRef(scalar_text(v).ok_or("fieldref takes a field name")?)
        } else if let Some(c) = [
            ("lt", Cmp::Lt),
            ("lte", Cmp::Lte),
            ("gt", Cmp::Gt),
            ("gte", Cmp::Gte),
        ]
        .iter()
        .find(|(n, _)| has(n))
        {
            let n = scalar_text(v)
                .and_then(|t| t.trim().parse::<f64>().ok())
                .ok_or_else(|| format!("`{}` takes a number", c.0))?;
            Matcher::Num(c.1, n)
        } else if has("cidr") {
            Matcher::Cidr(Net::parse(&scalar_text(v).ok_or("cidr takes a network")?)?)
        } else if has("re") {
            let text = scalar_text(v).ok_or("re takes a string")?;
            let mut flags = String::new();
            for (m, f) in [("i", 'i'), ("m", 'm'), ("s", 's')] {
                if has(m) {
                    flags.push(f);
                }
            }
            let pattern = if flags.is_empty() {
                text.clone()
            } else {
                format!("(?{flags}){text}")
            };
            let re = Regex::new(&pattern).map_err(|e| {
                format!(
                    "re `{text}`: {}",
                    e.to_string().lines().last().unwrap_or("")
                )
            })?;
            let needle = crate::rule::regex_anchor(re.as_str());
            Matcher::Re(re, needle)
        } else {
            let text = scalar_text(v)
                .ok_or_else(|| format!("a value of type {} cannot be compared", kind_of(v)))?;
            let mut bytes = vec![text.into_bytes()];
            for m in modifiers {
                if matches!(
                    *m,
                    "wide"
                        | "utf16le"
                        | "utf16be"
                        | "utf16"
                        | "base64"
                        | "base64offset"
                        | "windash"
                ) {
                    bytes = transform(bytes, m)?;
                }
            }
            let kind = if has("contains")
                || has("base64offset") && !has("startswith") && !has("endswith")
            {
                Kind::Contains
            } else if has("startswith") {
                Kind::Starts
            } else if has("endswith") {
                Kind::Ends
            } else {
                Kind::Eq
            };
            let encoded = has("base64") || has("base64offset");
            let mut variants = Vec::new();
            for b in bytes {
                let s = String::from_utf8_lossy(&b).into_owned();
                // Encoded text has no wildcards: escape them so they stay literal.
                let s = if encoded {
                    s.replace('\\', "\\\\")
                        .replace('*', "\\*")
                        .replace('?', "\\?")
                } else {
                    s
                };
                variants.push(Matcher::Str {
                    test: string_test(&s, kind, cased || encoded)?,
                    cased: cased || encoded,
                });
            }
            if variants.len() == 1 {
                variants.pop().unwrap_or(Matcher::Null)
            } else {
                // Several encodings of one value: any of them (kept as separate matchers
                // only when the field's values are ORed).
                out.extend(
                    variants
                        .into_iter()
                        .map(|m| if neq { Matcher::Not(Box::new(m)) } else { m }),
                );
                continue;
            }
        };
        out.push(if neq { Matcher::Not(Box::new(m)) } else { m });
    }
    Ok((out, all || neq))
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "map",
        Value::Array(_) => "list",
        _ => "scalar",
    }
}

/// Whether any string a field value compares as satisfies `f` (array elements each, nested
/// arrays flattened), without copying strings.
pub fn any_text(v: &Node<'_>, f: &mut dyn FnMut(&str) -> bool, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    match v.resolved() {
        Node::Str(s) | Node::Num(s) => f(s),
        Node::Bool(b) => f(if *b { "true" } else { "false" }),
        Node::Arr(a) => a.iter().any(|x| any_text(x, f, depth + 1)),
        Node::Obj(_) => f(&v.compact()),
        Node::Null | Node::Lazy(..) => false,
    }
}

/// The strings a field value compares as (array elements each, nested arrays flattened).
pub(crate) fn texts(v: &Node<'_>, out: &mut Vec<String>, depth: usize) {
    if depth > 16 {
        return;
    }
    match v.resolved() {
        Node::Str(s) | Node::Num(s) => out.push(s.to_string()),
        Node::Bool(b) => out.push(b.to_string()),
        Node::Arr(a) => {
            for x in a {
                texts(x, out, depth + 1);
            }
        }
        Node::Obj(_) => out.push(v.compact()),
        Node::Null | Node::Lazy(..) => {}
    }
}

fn str_test(t: &Str, cased: bool, s: &str) -> bool {
    // ASCII patterns compare case-insensitively without allocating (the common case).
    if !cased {
        let b = s.as_bytes();
        match t {
            Str::Eq(x) if x.is_ascii() => {
                return b.len() == x.len() && b.eq_ignore_ascii_case(x.as_bytes());
            }
            Str::StartsWith(x) if x.is_ascii() => {
                return b.len() >= x.len() && b[..x.len()].eq_ignore_ascii_case(x.as_bytes());
            }
            Str::EndsWith(x) if x.is_ascii() => {
                return b.len() >= x.len()
                    && b[b.len() - x.len()..].eq_ignore_ascii_case(x.as_bytes());
            }
            _ => {}
        }
    }
    let folded;
    let s = if cased {
        s
    } else {
        folded = s.to_lowercase();
        &folded
    };
    match t {
        Str::Eq(x) => s == x,
        Str::Contains(x) => s.contains(x.as_str()),
        Str::StartsWith(x) => s.starts_with(x.as_str()),
        Str::EndsWith(x) => s.ends_with(x.as_str()),
        Str::Glob(re) => re.is_match(s),
    }
}

impl Matcher {
    /// The field a `fieldref` compares with (under `neq` too).
    #[must_use]
    pub fn field_ref(&self) -> Option<&str> {
        match self {
            Matcher::FieldRef(f) => Some(f),
            Matcher::Not(m) => m.field_ref(),
            _ => None,
        }
    }

    /// Test a field's value (`None`: the field is absent); `event` for `fieldref`.
    #[must_use]
    pub fn test(&self, value: Option<&Node<'_>>, event: &Node<'_>) -> bool {
        match self {
            Matcher::Null => value.is_none_or(Node::is_null),
            Matcher::Exists(want) => value.is_some() == *want,
            Matcher::Not(inner) => value.is_some() && !inner.test(value, event),
            _ => {
                let Some(v) = value else { return false };
                match self {
                    Matcher::Str { test, cased } => {
                        any_text(v, &mut |s| str_test(test, *cased, s), 0)
                    }
                    Matcher::Re(re, needle) => any_text(v, &mut |s| re_test(re, needle, s), 0),
                    Matcher::Cidr(net) => any_text(
                        v,
                        &mut |s| s.trim().parse().is_ok_and(|ip| net.contains(ip)),
                        0,
                    ),
                    Matcher::Num(c, n) => any_text(
                        v,
                        &mut |s| {
                            s.trim().parse::<f64>().is_ok_and(|x| match c {
                                Cmp::Lt => x < *n,
                                Cmp::Lte => x <= *n,
                                Cmp::Gt => x > *n,
                                Cmp::Gte => x >= *n,
                            })
                        },
                        0,
                    ),
                    Matcher::Time(part, cmp, n) => any_text(
                        v,
                        &mut |s| {
                            crate::correlation::seconds_text(s).is_some_and(|t| {
                                #[allow(clippy::cast_precision_loss)]
                                let x = part.of_seconds(t) as f64;
                                match cmp {
                                    None => (x - n).abs() < f64::EPSILON,
                                    Some(Cmp::Lt) => x < *n,
                                    Some(Cmp::Lte) => x <= *n,
                                    Some(Cmp::Gt) => x > *n,
                                    Some(Cmp::Gte) => x >= *n,
                                }
                            })
                        },
                        0,
                    ),
                    Matcher::FieldRef(other) => {
                        let Some(o) = crate::event::field(event, other) else {
                            return false;
                        };
                        let mut t = Vec::new();
                        texts(v, &mut t, 0);
                        let mut ot = Vec::new();
                        texts(o, &mut ot, 0);
                        t.iter()
                            .any(|a| ot.iter().any(|b| a.to_lowercase() == b.to_lowercase()))
                    }
                    _ => false,
                }
            }
        }
    }

    /// Test keyword matchers against every string of the event.
    #[must_use]
    pub fn test_text(&self, s: &str) -> bool {
        match self {
            Matcher::Str { test, cased } => str_test(test, *cased, s),
            Matcher::Re(re, needle) => re_test(re, needle, s),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(mods: &[&str], v: Value) -> (Vec<Matcher>, bool) {
        compile(mods, &[v]).unwrap()
    }

    fn hit(mods: &[&str], v: Value, field: Option<Value>) -> bool {
        let (ms, _) = m(mods, v);
        let field = field.as_ref().map(Node::from_value);
        ms.iter()
            .any(|x| x.test(field.as_ref(), &Node::Obj(Vec::new())))
    }

    #[test]
    fn wildcards_and_escapes() {
        assert_eq!(pieces(r"a\*b"), vec![Piece::Lit("a*b".into())]);
        assert_eq!(pieces(r"a\\*"), vec![Piece::Lit(r"a\".into()), Piece::Star]);
        assert_eq!(pieces(r"a\\\*"), vec![Piece::Lit(r"a\*".into())]);
        assert_eq!(
            pieces(r"C:\Windows"),
            vec![Piece::Lit(r"C:\Windows".into())]
        );
        assert!(hit(
            &[],
            json!("Get*Policy"),
            Some(json!("GetBucketPolicy"))
        ));
        assert!(!hit(&[], json!("Get*Policy"), Some(json!("GetBucketAcl"))));
        assert!(hit(&[], json!("a?c"), Some(json!("ABC"))));
        assert!(hit(&[], json!(r"a\*c"), Some(json!("a*c"))));
        assert!(!hit(&[], json!(r"a\*c"), Some(json!("abc"))));
    }

    #[test]
    fn the_seven_decisions() {
        // 1. numbers compare as strings, both ways
        assert!(hit(&[], json!(553), Some(json!("553"))));
        assert!(hit(&[], json!("553"), Some(json!(553))));
        // 2. null matches absent or JSON null, nothing else
        assert!(hit(&[], Value::Null, None));
        assert!(hit(&[], Value::Null, Some(Value::Null)));
        assert!(!hit(&[], Value::Null, Some(json!("AccessDenied"))));
        // 3. booleans as 'true'/'false'
        assert!(hit(&[], json!("true"), Some(json!(true))));
        // 4. arrays: any element
        assert!(hit(
            &["contains"],
            json!("admin"),
            Some(json!(["x", "SiteAdmin"]))
        ));
        // case-insensitive unless cased
        assert!(hit(&[], json!("consolelogin"), Some(json!("ConsoleLogin"))));
        assert!(!hit(
            &["cased"],
            json!("consolelogin"),
            Some(json!("ConsoleLogin"))
        ));
    }

    #[test]
    fn modifiers() {
        assert!(hit(
            &["startswith"],
            json!("arn:aws:iam"),
            Some(json!("ARN:aws:iam::1:root"))
        ));
        assert!(hit(
            &["endswith"],
            json!(":root"),
            Some(json!("arn:aws:iam::1:root"))
        ));
        assert!(hit(
            &["re"],
            json!("^Get.*Policy$"),
            Some(json!("GetBucketPolicy"))
        ));
        assert!(!hit(&["re"], json!("^get"), Some(json!("GetBucketPolicy"))));
        assert!(hit(
            &["re", "i"],
            json!("^get"),
            Some(json!("GetBucketPolicy"))
        ));
        // The literal every match contains is tested first: the same answers.
        let imds = json!(".+:assumed-role/aws:.+");
        let arn = |s: &str| Some(json!(format!("arn:aws:sts::1:{s}")));
        assert!(hit(&["re"], imds.clone(), arn("assumed-role/aws:x/i-1")));
        assert!(!hit(&["re"], imds.clone(), arn("assumed-role/AWS:x/i-1")));
        assert!(!hit(&["re"], imds.clone(), arn("assumed-role/aws:")));
        assert!(hit(&["re", "i"], imds, arn("Assumed-Role/AWS:x")));
        assert!(hit(
            &["re", "i"],
            json!("ab(c|d)ef"),
            Some(json!("xABDEFx"))
        ));
        assert!(hit(&["cidr"], json!("10.0.0.0/8"), Some(json!("10.2.3.4"))));
        assert!(!hit(
            &["cidr"],
            json!("10.0.0.0/8"),
            Some(json!("11.2.3.4"))
        ));
        assert!(hit(
            &["cidr"],
            json!("2001:db8::/32"),
            Some(json!("2001:db8::1"))
        ));
        assert!(hit(&["gt"], json!(5), Some(json!("7"))));
        assert!(!hit(&["lte"], json!(5), Some(json!(7))));
        assert!(hit(&["neq"], json!("x"), Some(json!("y"))));
        assert!(!hit(&["neq"], json!("x"), Some(json!("X"))));
        assert!(hit(&["exists"], json!(true), Some(json!(""))));
        assert!(hit(&["exists"], json!(false), None));
        // base64 of "secret" and the three offsets of it inside other text
        assert!(hit(&["base64"], json!("secret"), Some(json!("c2VjcmV0"))));
        let inside = STANDARD.encode(b"xx secret yy");
        assert!(hit(
            &["base64offset", "contains"],
            json!("secret"),
            Some(json!(inside))
        ));
        assert!(hit(
            &["windash", "contains"],
            json!(" -enc "),
            Some(json!("powershell /enc x"))
        ));
        assert!(hit(
            &["wide", "base64offset", "contains"],
            json!("ping"),
            Some(json!(
                STANDARD.encode(
                    "cmd ping"
                        .encode_utf16()
                        .flat_map(u16::to_le_bytes)
                        .collect::<Vec<u8>>()
                )
            ))
        ));
    }

    #[test]
    fn time_modifiers_take_parts_of_timestamps() {
        let t = Some(json!("2024-12-30T23:05:09Z"));
        assert!(hit(&["hour"], json!(23), t.clone()));
        assert!(!hit(&["hour"], json!(22), t.clone()));
        assert!(hit(&["minute"], json!(5), t.clone()));
        assert!(hit(&["day"], json!(30), t.clone()));
        assert!(hit(&["month"], json!(12), t.clone()));
        assert!(hit(&["year"], json!(2024), t.clone()));
        // 2024-12-30 is a Monday in ISO week 1 of 2025.
        assert!(hit(&["week"], json!(1), t.clone()));
        // Off hours: before 6 or from 22 on (two conditions: a list of values is ORed).
        assert!(hit(&["hour", "gte"], json!(22), t.clone()));
        assert!(!hit(&["hour", "lt"], json!(6), t.clone()));
        assert!(hit(&["hour", "neq"], json!(9), t.clone()));
        // Offsets are honoured (UTC), epoch seconds and milliseconds read.
        assert!(hit(
            &["hour"],
            json!(1),
            Some(json!("2024-01-01T03:00:00+02:00"))
        ));
        assert!(hit(&["year"], json!(1970), Some(json!(86_399))));
        assert!(hit(&["day"], json!(2), Some(json!(1_704_153_600_000_i64))));
        assert!(!hit(&["hour"], json!(1), Some(json!("not a time"))));
        // Weeks at year ends: 2021-01-03 (Sunday) is in 2020's week 53; 2026-12-31 in week 53.
        assert_eq!(TimePart::Week.of_seconds(1_609_632_000.0), 53);
        assert_eq!(
            TimePart::Week
                .of_seconds(crate::correlation::seconds_text("2026-12-31T12:00:00Z").unwrap()),
            53
        );
        assert_eq!(
            TimePart::Week
                .of_seconds(crate::correlation::seconds_text("2025-06-15T12:00:00Z").unwrap()),
            24
        );
        assert!(
            compile(&["hour"], &[json!("noon")])
                .unwrap_err()
                .contains("number")
        );
    }

    #[test]
    fn refusals_with_reasons() {
        assert!(
            compile(&["foo"], &[json!("x")])
                .unwrap_err()
                .contains("unknown modifier `foo`")
        );
        assert!(
            compile(&["expand"], &[json!("%Admins%")])
                .unwrap_err()
                .contains("placeholder")
        );
        assert!(compile(&["re"], &[json!("(")]).is_err());
        assert!(compile(&["gt"], &[json!("abc")]).is_err());
        assert!(compile(&["cidr"], &[json!("10.0.0.0/40")]).is_err());
    }

    proptest::proptest! {
        /// The literal tested before a regular expression never changes its answer: random
        /// patterns (groups, alternations, repetitions, classes, flags) on random values.
        #[test]
        fn the_regex_gate_never_changes_an_answer(
            pattern in "(\\(\\?i\\))?[aAb:.|()?*+\\[\\]k]{0,12}",
            values in proptest::collection::vec("[aAb:kK\u{212a}]{0,12}", 1..6),
        ) {
            if let Ok(re) = Regex::new(&pattern) {
                let needle = crate::rule::regex_anchor(re.as_str());
                for s in &values {
                    proptest::prop_assert_eq!(re_test(&re, &needle, s), re.is_match(s), "{:?} {:?} {:?}", pattern, needle, s);
                }
            }
        }

        #[test]
        fn any_value_compiles_or_is_refused(v in "\\PC{0,40}", mods in proptest::collection::vec(proptest::sample::select(MODIFIERS.to_vec()), 0..3)) {
            if let Ok((ms, _)) = compile(&mods, &[json!(v.clone())]) {
                let ev = json!({"a": v});
                for x in ms {
                    let f = json!(v.clone());
                    let _ = x.test(Some(&Node::from_value(&f)), &Node::from_value(&ev));
                }
            }
        }
    }
}
