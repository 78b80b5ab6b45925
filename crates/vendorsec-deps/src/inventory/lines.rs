//! Line numbers for components found in structured files: the first occurrence of a
//! needle at or after a position, counted incrementally so a whole lockfile costs one pass.

use memchr::memmem;

pub(crate) struct LineFinder<'a> {
    text: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> LineFinder<'a> {
    pub(crate) fn new(text: &'a [u8]) -> Self {
        LineFinder {
            text,
            pos: 0,
            line: 1,
        }
    }

    /// The 1-based line of the next occurrence of `needle` after the previous find
    /// (searching from the start again when it is not ahead); 0 when absent.
    pub(crate) fn find(&mut self, needle: &str) -> u64 {
        if needle.is_empty() {
            return 0;
        }
        let n = needle.as_bytes();
        if let Some(i) = memmem::find(&self.text[self.pos..], n) {
            let at = self.pos + i;
            self.line += memchr::memchr_iter(b'\n', &self.text[self.pos..at]).count() as u64;
            self.pos = at;
            return self.line;
        }
        match memmem::find(self.text, n) {
            Some(at) => {
                self.pos = at;
                self.line = 1 + memchr::memchr_iter(b'\n', &self.text[..at]).count() as u64;
                self.line
            }
            None => 0,
        }
    }
}

/// The first line of each mapping key in a JSON or YAML file (`"key": …`, `key: …`,
/// `'key': …`), built in one pass: parsers whose maps lose the file's order look lines up
/// here.
pub(crate) struct KeyLines<'a> {
    text: &'a [u8],
    map: std::collections::HashMap<&'a [u8], u64>,
}

impl<'a> KeyLines<'a> {
    pub(crate) fn new(text: &'a [u8]) -> KeyLines<'a> {
        let mut map = std::collections::HashMap::new();
        for (i, line) in text.split(|b| *b == b'\n').enumerate() {
            let t = line.trim_ascii_start();
            let t = t.strip_prefix(b"- ").unwrap_or(t);
            let key: Option<&[u8]> = match t.first() {
                Some(q @ (b'"' | b'\'')) => {
                    let body = &t[1..];
                    let mut end = None;
                    let mut k = 0;
                    while k < body.len() {
                        if body[k] == b'\\' {
                            k += 2;
                            continue;
                        }
                        if body[k] == *q {
                            end = Some(k);
                            break;
                        }
                        k += 1;
                    }
                    end.filter(|e| body[e + 1..].trim_ascii_start().starts_with(b":"))
                        .map(|e| &body[..e])
                }
                Some(_) => memmem::find(t, b": ")
                    .or_else(|| {
                        t.trim_ascii_end()
                            .ends_with(b":")
                            .then(|| t.trim_ascii_end().len() - 1)
                    })
                    .map(|e| &t[..e]),
                None => None,
            };
            if let Some(k) = key {
                map.entry(k).or_insert(i as u64 + 1);
            }
        }
        KeyLines { text, map }
    }

    /// The key's line; for a key not at the start of a line (minified JSON), the line of
    /// its first quoted occurrence; 0 when absent.
    pub(crate) fn get(&self, key: &str) -> u64 {
        if let Some(l) = self.map.get(key.as_bytes()) {
            return *l;
        }
        let quoted = format!("\"{key}\"");
        memmem::find(self.text, quoted.as_bytes()).map_or(0, |at| {
            1 + memchr::memchr_iter(b'\n', &self.text[..at]).count() as u64
        })
    }
}
