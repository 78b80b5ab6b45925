//! A bounded Java class-file reader: constant pool, class name, methods, and the runtime
//! annotations (visible and invisible) on the class and on each method, with their element
//! values as text. Every length is checked against the bytes; malformed input gives
//! `None`, never a panic.

/// Largest class file read.
pub const MAX_CLASS_BYTES: usize = 16 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Const {
    Utf8(String),
    Other,
    /// The unusable slot after a Long or Double.
    Gap,
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
    fn u4(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// An annotation: the type's simple name and its element values as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassAnnotation {
    pub name: String,
    pub args: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassMethod {
    pub name: String,
    pub annotations: Vec<ClassAnnotation>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassInfo {
    /// Binary name with `/` (`com/example/ConfigResource`).
    pub name: String,
    pub annotations: Vec<ClassAnnotation>,
    pub methods: Vec<ClassMethod>,
}

struct Pool(Vec<Const>);

impl Pool {
    fn utf8(&self, i: u16) -> Option<&str> {
        match self.0.get(usize::from(i))? {
            Const::Utf8(s) => Some(s),
            _ => None,
        }
    }
}

/// Modified UTF-8 as Java writes it, read leniently.
fn java_utf8(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn read_pool(c: &mut Cursor<'_>) -> Option<(Pool, Vec<(u8, u16)>)> {
    let count = c.u2()?;
    let mut pool = vec![Const::Gap];
    // (tag, first index) for Class entries: the class name lives in a Utf8.
    let mut classes = vec![(0u8, 0u16)];
    let mut i = 1u16;
    while i < count {
        let tag = c.u1()?;
        let mut class_ref = (tag, 0u16);
        let entry = match tag {
            1 => {
                let len = c.u2()?;
                Const::Utf8(java_utf8(c.take(usize::from(len))?))
            }
            3 | 4 => {
                c.take(4)?;
                Const::Other
            }
            5 | 6 => {
                c.take(8)?;
                pool.push(Const::Other);
                classes.push((tag, 0));
                i += 1;
                Const::Gap
            }
            7 => {
                class_ref.1 = c.u2()?;
                Const::Other
            }
            8 | 16 | 19 | 20 => {
                c.take(2)?;
                Const::Other
            }
            9 | 10 | 11 | 12 | 17 | 18 => {
                c.take(4)?;
                Const::Other
            }
            15 => {
                c.take(3)?;
                Const::Other
            }
            _ => return None,
        };
        pool.push(entry);
        classes.push(class_ref);
        i = i.checked_add(1)?;
    }
    Some((Pool(pool), classes))
}

/// The simple name of a descriptor type `Lcom/example/Foo$Bar;` -> `Bar`.
fn simple_type(desc: &str) -> String {
    let t = desc.trim_start_matches('L').trim_end_matches(';');
    t.rsplit(['/', '$']).next().unwrap_or(t).to_owned()
}

fn element_value(c: &mut Cursor<'_>, pool: &Pool, depth: usize) -> Option<String> {
    if depth > 16 {
        return None;
    }
    let tag = c.u1()?;
    Some(match tag {
        b'B' | b'C' | b'D' | b'F' | b'I' | b'J' | b'S' | b'Z' => {
            c.u2()?;
            "…".to_owned()
        }
        b's' => pool.utf8(c.u2()?).unwrap_or("").to_owned(),
        b'e' => {
            let ty = pool.utf8(c.u2()?).unwrap_or("");
            let constant = pool.utf8(c.u2()?).unwrap_or("");
            format!("{}.{constant}", simple_type(ty))
        }
        b'c' => pool.utf8(c.u2()?).unwrap_or("").to_owned(),
        b'@' => annotation(c, pool, depth + 1)?.name,
        b'[' => {
            let n = c.u2()?;
            let mut parts = Vec::new();
            for _ in 0..n {
                parts.push(element_value(c, pool, depth + 1)?);
            }
            format!("{{{}}}", parts.join(", "))
        }
        _ => return None,
    })
}

fn annotation(c: &mut Cursor<'_>, pool: &Pool, depth: usize) -> Option<ClassAnnotation> {
    let ty = pool.utf8(c.u2()?)?.to_owned();
    let pairs = c.u2()?;
    let mut args = Vec::new();
    for _ in 0..pairs {
        let name = pool.utf8(c.u2()?).unwrap_or("").to_owned();
        let v = element_value(c, pool, depth)?;
        args.push(format!("{name} = {v}"));
    }
    Some(ClassAnnotation {
        name: simple_type(&ty),
        args: args.join(", "),
    })
}

/// Annotations from the attributes of a class or member; other attributes are skipped.
fn attributes(c: &mut Cursor<'_>, pool: &Pool) -> Option<Vec<ClassAnnotation>> {
    let n = c.u2()?;
    let mut out = Vec::new();
    for _ in 0..n {
        let name = pool.utf8(c.u2()?).unwrap_or("");
        let len = usize::try_from(c.u4()?).ok()?;
        let body = c.take(len)?;
        if name == "RuntimeVisibleAnnotations" || name == "RuntimeInvisibleAnnotations" {
            let mut a = Cursor { data: body, at: 0 };
            let count = a.u2()?;
            for _ in 0..count {
                out.push(annotation(&mut a, pool, 0)?);
            }
        }
    }
    Some(out)
}

/// Read a class file.
#[must_use]
pub fn read(bytes: &[u8]) -> Option<ClassInfo> {
    if bytes.len() > MAX_CLASS_BYTES {
        return None;
    }
    let mut c = Cursor { data: bytes, at: 0 };
    if c.take(4)? != [0xCA, 0xFE, 0xBA, 0xBE] {
        return None;
    }
    c.take(4)?; // minor, major
    let (pool, classes) = read_pool(&mut c)?;
    c.u2()?; // access flags
    let this = c.u2()?;
    let name_index = classes
        .get(usize::from(this))
        .filter(|(tag, _)| *tag == 7)?
        .1;
    let name = pool.utf8(name_index)?.to_owned();
    c.u2()?; // super
    let interfaces = c.u2()?;
    c.take(usize::from(interfaces) * 2)?;
    let fields = c.u2()?;
    for _ in 0..fields {
        c.take(6)?;
        attributes(&mut c, &pool)?;
    }
    let method_count = c.u2()?;
    let mut methods = Vec::new();
    for _ in 0..method_count {
        c.u2()?;
        let mname = pool.utf8(c.u2()?).unwrap_or("").to_owned();
        c.u2()?;
        let annotations = attributes(&mut c, &pool)?;
        methods.push(ClassMethod {
            name: mname,
            annotations,
        });
    }
    let annotations = attributes(&mut c, &pool)?;
    Some(ClassInfo {
        name,
        annotations,
        methods,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4096)) {
            let mut v = vec![0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 52];
            v.extend(data);
            let _ = read(&v);
        }
    }

    #[test]
    fn truncated_and_foreign_bytes_are_refused() {
        assert!(read(b"").is_none());
        assert!(read(b"\xCA\xFE\xBA\xBE\x00\x00\x00\x34\x00\x05").is_none());
        assert!(read(b"PK\x03\x04").is_none());
    }
}
