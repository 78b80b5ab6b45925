//! SemVer 2.0 ordering, lenient about the forms lockfiles and advisories hold: a `v` or
//! `=` prefix, fewer or more than three numeric parts (missing parts are zero), numbers
//! of any length. Build metadata (`+…`, including Go's `+incompatible`) is ignored; Go
//! pseudo-versions (`v0.0.0-20210101000000-abcdef123456`) are pre-releases and order by
//! their timestamp, as Go does. Used for npm, crates.io, Go and OSV `SEMVER` ranges.

use std::cmp::Ordering;

pub(super) fn num_cmp(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

pub(super) fn is_num(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

struct Parts<'a> {
    core: Vec<&'a str>,
    pre: Option<&'a str>,
}

fn split(v: &str) -> Parts<'_> {
    let v = v.trim();
    let v = v.trim_start_matches(['v', 'V', '=']);
    let v = v.split('+').next().unwrap_or("");
    let (core, pre) = match v.find('-') {
        Some(i) => (&v[..i], Some(&v[i + 1..])),
        None => (v, None),
    };
    Parts {
        core: core.split('.').collect(),
        pre,
    }
}

/// Whether the string is a version this comparator understands (digits first).
pub(crate) fn valid(v: &str) -> bool {
    let p = split(v);
    p.core.iter().all(|c| is_num(c))
}

fn core_cmp(a: &[&str], b: &[&str]) -> Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let x = a.get(i).copied().unwrap_or("0");
        let y = b.get(i).copied().unwrap_or("0");
        let o = match (is_num(x), is_num(y)) {
            (true, true) => num_cmp(x, y),
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// SemVer pre-release precedence (dot-separated identifiers; numbers below words).
pub(super) fn pre_cmp(a: &str, b: &str) -> Ordering {
    let mut x = a.split('.');
    let mut y = b.split('.');
    loop {
        match (x.next(), y.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) => {
                let o = match (is_num(p), is_num(q)) {
                    (true, true) => num_cmp(p, q),
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (false, false) => p.cmp(q),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

/// Compare two versions by SemVer precedence.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (x, y) = (split(a), split(b));
    core_cmp(&x.core, &y.core).then_with(|| match (x.pre, y.pre) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(p), Some(q)) => pre_cmp(p, q),
    })
}
