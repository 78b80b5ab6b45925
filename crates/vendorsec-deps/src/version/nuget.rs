//! NuGet version ordering: up to four numeric parts (missing parts are zero, so
//! `1.0 == 1.0.0.0`), SemVer 2.0 release labels compared case-insensitively, metadata
//! after `+` ignored.

use std::cmp::Ordering;

use super::semver::{is_num, num_cmp, pre_cmp};

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
        // Labels were lower-cased above: NuGet compares them case-insensitively.
        (Some(p), Some(q)) => pre_cmp(&p, &q),
    }
}
