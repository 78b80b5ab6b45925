//! NuGet version ordering: up to four numeric parts (missing parts are zero, so
//! `1.0 == 1.0.0.0`), SemVer 2.0 release labels compared case-insensitively, metadata
//! after `+` ignored.

use std::cmp::Ordering;

fn num_cmp(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn is_num(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let split = |v: &str| -> (Vec<String>, Option<String>) {
        let v = v.trim().trim_start_matches(['v', 'V']).to_ascii_lowercase();
        let v = v.split('+').next().unwrap_or("").to_owned();
        match v.split_once('-') {
            Some((c, p)) => (
                c.split('.').map(str::to_owned).collect(),
                Some(p.to_owned()),
            ),
            None => (v.split('.').map(str::to_owned).collect(), None),
        }
    };
    let (xc, xp) = split(a);
    let (yc, yp) = split(b);
    for i in 0..xc.len().max(yc.len()).max(4) {
        let p = xc.get(i).map_or("0", String::as_str);
        let q = yc.get(i).map_or("0", String::as_str);
        let o = if is_num(p) && is_num(q) {
            num_cmp(p, q)
        } else {
            p.cmp(q)
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    match (xp, yp) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(p), Some(q)) => {
            let mut x = p.split('.');
            let mut y = q.split('.');
            loop {
                match (x.next(), y.next()) {
                    (None, None) => return Ordering::Equal,
                    (None, Some(_)) => return Ordering::Less,
                    (Some(_), None) => return Ordering::Greater,
                    (Some(l), Some(r)) => {
                        let o = match (is_num(l), is_num(r)) {
                            (true, true) => num_cmp(l, r),
                            (true, false) => Ordering::Less,
                            (false, true) => Ordering::Greater,
                            (false, false) => l.cmp(r),
                        };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                }
            }
        }
    }
}
