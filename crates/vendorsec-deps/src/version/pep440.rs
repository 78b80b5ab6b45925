//! PEP 440 version ordering (what `packaging.version.Version` does): epoch, release
//! (trailing zeros insignificant), pre-release (a < b < rc, with the spellings alpha,
//! beta, c, pre, preview), post-release (`.postN`, `-N`, `rev`, `r`), dev release, and
//! local version labels; case-insensitive, with `v` prefix and separators normalised.

use std::cmp::Ordering;

#[derive(Debug, Clone)]
pub(crate) struct Pep440 {
    epoch: u64,
    release: Vec<u64>,
    pre: Option<(u8, u64)>,
    post: Option<u64>,
    dev: Option<u64>,
    local: Vec<Local>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Local {
    Num(u64),
    Str(String),
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn eat_sep(&mut self) -> bool {
        if matches!(self.peek(), Some(b'.' | b'-' | b'_')) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn number(&mut self) -> Option<u64> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if self.i == start {
            return None;
        }
        let digits = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        // Very long numbers saturate: they still order above every realistic value.
        Some(digits.parse::<u64>().unwrap_or(u64::MAX))
    }
    fn word(&mut self, words: &[&str]) -> Option<usize> {
        let rest = &self.s[self.i..];
        // Longest spelling first so "preview" wins over "pre", "rc" over "r".
        let mut best: Option<(usize, usize)> = None;
        for (k, w) in words.iter().enumerate() {
            if rest.starts_with(w.as_bytes()) && best.is_none_or(|(_, l)| w.len() > l) {
                best = Some((k, w.len()));
            }
        }
        let (k, l) = best?;
        self.i += l;
        Some(k)
    }
}

/// Parse a version the way `packaging` does; `None` when it is not PEP 440.
pub(crate) fn parse(v: &str) -> Option<Pep440> {
    let lower = v.trim().to_ascii_lowercase();
    let mut c = Cursor {
        s: lower.as_bytes(),
        i: 0,
    };
    if c.peek() == Some(b'v') {
        c.i += 1;
    }
    let mut epoch = 0;
    let save = c.i;
    if let Some(n) = c.number() {
        if c.peek() == Some(b'!') {
            epoch = n;
            c.i += 1;
        } else {
            c.i = save;
        }
    }
    let mut release = vec![c.number()?];
    while c.peek() == Some(b'.') && c.s.get(c.i + 1).is_some_and(u8::is_ascii_digit) {
        c.i += 1;
        release.push(c.number()?);
    }
    // pre-release
    let mut pre = None;
    let save = c.i;
    c.eat_sep();
    const PRE: [&str; 7] = ["a", "alpha", "b", "beta", "c", "rc", "pre"];
    const PREVIEW: &str = "preview";
    let kind = if c.s[c.i..].starts_with(PREVIEW.as_bytes()) {
        c.i += PREVIEW.len();
        Some(2)
    } else {
        c.word(&PRE).map(|k| match k {
            0 | 1 => 0u8,
            2 | 3 => 1,
            _ => 2,
        })
    };
    match kind {
        Some(k) => {
            c.eat_sep();
            pre = Some((k, c.number().unwrap_or(0)));
        }
        None => c.i = save,
    }
    // post-release
    let mut post = None;
    let save = c.i;
    if c.peek() == Some(b'-') && c.s.get(c.i + 1).is_some_and(u8::is_ascii_digit) {
        c.i += 1;
        post = c.number();
    } else {
        c.eat_sep();
        if c.word(&["post", "rev", "r"]).is_some() {
            c.eat_sep();
            post = Some(c.number().unwrap_or(0));
        } else {
            c.i = save;
        }
    }
    // dev release
    let mut dev = None;
    let save = c.i;
    c.eat_sep();
    if c.word(&["dev"]).is_some() {
        c.eat_sep();
        dev = Some(c.number().unwrap_or(0));
    } else {
        c.i = save;
    }
    // local
    let mut local = Vec::new();
    if c.peek() == Some(b'+') {
        c.i += 1;
        let rest = std::str::from_utf8(&c.s[c.i..]).ok()?;
        if rest.is_empty() {
            return None;
        }
        for part in rest.split(['.', '-', '_']) {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return None;
            }
            local.push(match part.parse::<u64>() {
                Ok(n) if part.bytes().all(|b| b.is_ascii_digit()) => Local::Num(n),
                _ => Local::Str(part.to_owned()),
            });
        }
        c.i = c.s.len();
    }
    if c.i != c.s.len() {
        return None;
    }
    Some(Pep440 {
        epoch,
        release,
        pre,
        post,
        dev,
        local,
    })
}

fn release_cmp(a: &[u64], b: &[u64]) -> Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let o = a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0));
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// The sort key of `packaging`: pre-less dev releases sort before every pre-release.
fn pre_key(v: &Pep440) -> (i8, u8, u64) {
    match v.pre {
        None if v.post.is_none() && v.dev.is_some() => (-1, 0, 0),
        None => (1, 0, 0),
        Some((k, n)) => (0, k, n),
    }
}

fn local_cmp(a: &[Local], b: &[Local]) -> Ordering {
    if a.is_empty() || b.is_empty() {
        return (!a.is_empty()).cmp(&!b.is_empty());
    }
    for (x, y) in a.iter().zip(b) {
        let o = match (x, y) {
            (Local::Num(p), Local::Num(q)) => p.cmp(q),
            (Local::Num(_), Local::Str(_)) => Ordering::Greater,
            (Local::Str(_), Local::Num(_)) => Ordering::Less,
            (Local::Str(p), Local::Str(q)) => p.cmp(q),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

impl Ord for Pep440 {
    fn cmp(&self, o: &Self) -> Ordering {
        self.epoch
            .cmp(&o.epoch)
            .then_with(|| release_cmp(&self.release, &o.release))
            .then_with(|| pre_key(self).cmp(&pre_key(o)))
            .then_with(|| {
                // No post release sorts below any post release.
                self.post
                    .map_or((0, 0), |n| (1, n))
                    .cmp(&o.post.map_or((0, 0), |n| (1, n)))
            })
            .then_with(|| {
                // No dev release sorts above any dev release.
                self.dev
                    .map_or((1, 0), |n| (0, n))
                    .cmp(&o.dev.map_or((1, 0), |n| (0, n)))
            })
            .then_with(|| local_cmp(&self.local, &o.local))
    }
}

impl PartialEq for Pep440 {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}

impl Eq for Pep440 {}

impl PartialOrd for Pep440 {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// Compare; a version that is not PEP 440 sorts below every valid one, and two invalid
/// ones compare as strings (packaging raises; advisories rarely hold such strings).
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => a.cmp(b),
    }
}
