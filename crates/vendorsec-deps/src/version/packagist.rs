//! Packagist (Composer) ordering: PHP's `version_compare` on versions with a leading `v`
//! removed. PHP canonicalises a version by turning `-`, `_` and `+` into `.` and putting a `.` between digits and letters, then compares
//! part by part: numbers numerically, words by their "special form" order
//! dev < alpha = a < beta = b < RC = rc < (number) < pl = p (unknown words first), matched
//! by prefix as PHP does.

use std::cmp::Ordering;

fn canonical(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = String::with_capacity(b.len() * 2);
    let Some(&first) = b.first() else {
        return out;
    };
    out.push(first as char);
    let mut last = first;
    let isdig = |c: u8| c.is_ascii_digit();
    let isndig = |c: u8| !c.is_ascii_digit() && c != b'.';
    for &c in &b[1..] {
        if matches!(c, b'-' | b'_' | b'+') {
            if !out.ends_with('.') {
                out.push('.');
            }
        } else if (isndig(last) && isdig(c)) || (isdig(last) && isndig(c)) {
            if !out.ends_with('.') {
                out.push('.');
            }
            out.push(c as char);
        } else {
            out.push(c as char);
        }
        last = c;
    }
    out
}

fn special(form: &str) -> i32 {
    const FORMS: [(&str, i32); 10] = [
        ("dev", 0),
        ("alpha", 1),
        ("a", 1),
        ("beta", 2),
        ("b", 2),
        ("RC", 3),
        ("rc", 3),
        ("#", 4),
        ("pl", 5),
        ("p", 5),
    ];
    for (name, order) in FORMS {
        if form.starts_with(name) {
            return order;
        }
    }
    -6
}

fn starts_digit(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_digit)
}

fn part_cmp(p: &str, q: &str) -> Ordering {
    match (starts_digit(p), starts_digit(q)) {
        (true, true) => {
            let x = p.trim_start_matches('0');
            let y = q.trim_start_matches('0');
            x.len().cmp(&y.len()).then_with(|| x.cmp(y))
        }
        (false, false) => special(p).cmp(&special(q)),
        (true, false) => special("#N#").cmp(&special(q)),
        (false, true) => special(p).cmp(&special("#N#")),
    }
}

fn php_compare(a: &str, b: &str) -> Ordering {
    let (ca, cb) = (canonical(a), canonical(b));
    // Empty parts (from a trailing `.` or a run of separators) carry no order.
    let x: Vec<&str> = ca.split('.').filter(|p| !p.is_empty()).collect();
    let y: Vec<&str> = cb.split('.').filter(|p| !p.is_empty()).collect();
    let mut i = 0;
    while i < x.len() && i < y.len() {
        let o = part_cmp(x[i], y[i]);
        if o != Ordering::Equal {
            return o;
        }
        i += 1;
    }
    if i < x.len() {
        let rest = x[i..].join(".");
        if starts_digit(x[i]) {
            Ordering::Greater
        } else {
            php_compare(&rest, "#N#")
        }
    } else if i < y.len() {
        let rest = y[i..].join(".");
        if starts_digit(y[i]) {
            Ordering::Less
        } else {
            php_compare("#N#", &rest)
        }
    } else {
        Ordering::Equal
    }
}

pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let strip = |v: &str| -> String {
        let v = v.trim();
        v.strip_prefix(['v', 'V']).unwrap_or(v).to_owned()
    };
    php_compare(&strip(a), &strip(b))
}
