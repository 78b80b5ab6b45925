//! `Gem::Version` ordering: segments are runs of digits or letters; a letter makes a
//! pre-release (`1.0.a < 1.0`); trailing zeros of the numeric and of the pre-release part
//! are insignificant; a `-` means `.pre.`.

use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Num(String),
    Str(String),
}

fn segments(v: &str) -> Vec<Seg> {
    let v = v.trim().replace('-', ".pre.");
    let mut out = Vec::new();
    let b = v.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i].is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Seg::Num(v[start..i].trim_start_matches('0').to_owned()));
        } else if b[i].is_ascii_alphabetic() {
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(Seg::Str(v[start..i].to_owned()));
        } else {
            i += 1;
        }
    }
    out
}

/// Drop trailing zeros from the numeric part and from the part after the first letter.
fn canonical(v: &str) -> Vec<Seg> {
    let segs = segments(v);
    let split = segs
        .iter()
        .position(|s| matches!(s, Seg::Str(_)))
        .unwrap_or(segs.len());
    let (num, rest) = segs.split_at(split);
    let trim = |part: &[Seg]| -> Vec<Seg> {
        let mut p = part.to_vec();
        while matches!(p.last(), Some(Seg::Num(d)) if d.is_empty()) {
            p.pop();
        }
        p
    };
    let mut out = trim(num);
    out.extend(trim(rest));
    out
}

pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (x, y) = (canonical(a), canonical(b));
    let zero = Seg::Num(String::new());
    let n = x.len().max(y.len());
    for i in 0..n {
        let l = x.get(i).unwrap_or(&zero);
        let r = y.get(i).unwrap_or(&zero);
        let o = match (l, r) {
            (Seg::Num(p), Seg::Num(q)) => p.len().cmp(&q.len()).then_with(|| p.cmp(q)),
            (Seg::Str(_), Seg::Num(_)) => Ordering::Less,
            (Seg::Num(_), Seg::Str(_)) => Ordering::Greater,
            (Seg::Str(p), Seg::Str(q)) => p.cmp(q),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}
