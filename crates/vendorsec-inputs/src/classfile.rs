//! A text view of a Java class file: its string literals (`CONSTANT_String` entries of the
//! constant pool), one per line, so that credentials compiled into a JAR are found like
//! those in source. Only the constant pool is read; everything after it is ignored.

/// Largest class file read for its literals.
pub(crate) const MAX_CLASS_BYTES: u64 = 16 << 20;

/// True when `head` starts like a class file.
pub(crate) fn is_class(head: &[u8]) -> bool {
    head.len() >= 10 && head[..4] == [0xCA, 0xFE, 0xBA, 0xBE]
}

struct Cursor<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let data: &'a [u8] = self.data;
        let s = data.get(self.at..end)?;
        self.at = end;
        Some(s)
    }
    fn u1(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u2(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
}

/// The string literals of a class file joined by newlines (newlines inside a literal are
/// kept, so a PEM block in a literal stays a PEM block), or `None` if the constant pool is
/// malformed.
pub(crate) fn string_literals(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut c = Cursor { data: bytes, at: 0 };
    if c.take(4)? != [0xCA, 0xFE, 0xBA, 0xBE] {
        return None;
    }
    c.take(4)?; // minor, major
    let count = usize::from(c.u2()?);
    let mut utf8: Vec<Option<&[u8]>> = vec![None; count];
    let mut strings: Vec<u16> = Vec::new();
    let mut i = 1;
    while i < count {
        let tag = c.u1()?;
        match tag {
            1 => {
                let len = usize::from(c.u2()?);
                utf8[i] = Some(c.take(len)?);
            }
            8 => strings.push(c.u2()?),
            7 | 16 | 19 | 20 => {
                c.take(2)?;
            }
            15 => {
                c.take(3)?;
            }
            3 | 4 | 9 | 10 | 11 | 12 | 17 | 18 => {
                c.take(4)?;
            }
            5 | 6 => {
                c.take(8)?;
                i += 1; // eight-byte constants take two slots
            }
            _ => return None,
        }
        i += 1;
    }
    let mut out = Vec::new();
    for idx in strings {
        if let Some(Some(s)) = utf8.get(usize::from(idx)) {
            out.extend_from_slice(s);
            out.push(b'\n');
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal class file: constant pool with a Utf8 literal, a String pointing at it, a
    /// Long (two slots) and a Class.
    fn class_with(literal: &str) -> Vec<u8> {
        let mut b = vec![0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 61];
        b.extend_from_slice(&6u16.to_be_bytes()); // count: entries 1..=5
        b.push(1);
        b.extend_from_slice(&(literal.len() as u16).to_be_bytes());
        b.extend_from_slice(literal.as_bytes());
        b.push(8);
        b.extend_from_slice(&1u16.to_be_bytes());
        b.push(5);
        b.extend_from_slice(&[0; 8]);
        b.push(7);
        b.extend_from_slice(&1u16.to_be_bytes());
        b.extend_from_slice(&[0, 0x21, 0, 4]); // access flags, this_class …
        b
    }

    #[test]
    fn literals_are_extracted() {
        let c = class_with("jdbc:mysql://db/app?password=Zq8Hs72kLmNx");
        assert!(is_class(&c));
        assert_eq!(
            string_literals(&c).unwrap(),
            b"jdbc:mysql://db/app?password=Zq8Hs72kLmNx\n"
        );
    }

    #[test]
    fn malformed_pools_are_rejected() {
        let c = class_with("abc");
        for cut in 0..c.len() - 4 {
            let _ = string_literals(&c[..cut]);
        }
        let mut bad = c.clone();
        bad[10] = 99; // unknown tag
        assert!(string_literals(&bad).is_none());
    }
}
