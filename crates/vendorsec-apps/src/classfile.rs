//! A bounded Java class-file reader: constant pool, class name, methods, and the runtime
//! annotations (visible and invisible) on the class and on each method, with their element
//! values as text. Every length is checked against the bytes; malformed input gives
//! `None`, never a panic.

/// Largest class file read.
pub const MAX_CLASS_BYTES: usize = 16 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Const {
    Utf8(String),
    /// CONSTANT_Class: index of its name.
    Class(u16),
    /// CONSTANT_String: index of its text.
    Str(u16),
    /// CONSTANT_Methodref / InterfaceMethodref: class index, name-and-type index.
    MethodRef(u16, u16),
    /// CONSTANT_NameAndType: name index, descriptor index.
    NameAndType(u16, u16),
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
    /// The bytecode of the method's Code attribute (empty for abstract methods).
    pub code: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassInfo {
    /// Binary name with `/` (`com/example/ConfigResource`).
    pub name: String,
    pub interfaces: Vec<String>,
    pub annotations: Vec<ClassAnnotation>,
    pub methods: Vec<ClassMethod>,
    /// Methods called, as `owner.name`.
    pub method_refs: Vec<String>,
    /// String literals.
    pub strings: Vec<String>,
    /// A name or literal of the class mentions passwords.
    pub mentions_passwords: bool,
}

struct Pool(Vec<Const>);

impl Pool {
    fn utf8(&self, i: u16) -> Option<&str> {
        match self.0.get(usize::from(i))? {
            Const::Utf8(s) => Some(s),
            _ => None,
        }
    }

    fn class_name(&self, i: u16) -> Option<&str> {
        match self.0.get(usize::from(i))? {
            Const::Class(n) => self.utf8(*n),
            _ => None,
        }
    }

    /// Every method the class calls, as `owner.name` (`javax/crypto/Cipher.getInstance`).
    fn method_refs(&self) -> Vec<String> {
        self.0
            .iter()
            .filter_map(|c| match c {
                Const::MethodRef(class, nat) => {
                    let owner = self.class_name(*class)?;
                    let name = match self.0.get(usize::from(*nat))? {
                        Const::NameAndType(n, _) => self.utf8(*n)?,
                        _ => return None,
                    };
                    Some(format!("{owner}.{name}"))
                }
                _ => None,
            })
            .collect()
    }

    /// The string literals of the class.
    fn strings(&self) -> Vec<String> {
        self.0
            .iter()
            .filter_map(|c| match c {
                Const::Str(i) => self.utf8(*i).map(str::to_owned),
                _ => None,
            })
            .collect()
    }

    fn mentions(&self, word: &str) -> bool {
        self.0
            .iter()
            .any(|c| matches!(c, Const::Utf8(s) if s.to_ascii_lowercase().contains(word)))
    }
}

/// Modified UTF-8 as Java writes it, read leniently.
fn java_utf8(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn read_pool(c: &mut Cursor<'_>) -> Option<Pool> {
    let count = c.u2()?;
    let mut pool = vec![Const::Gap];
    let mut i = 1u16;
    while i < count {
        let tag = c.u1()?;
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
                i += 1;
                Const::Gap
            }
            7 => Const::Class(c.u2()?),
            8 => Const::Str(c.u2()?),
            10 | 11 => Const::MethodRef(c.u2()?, c.u2()?),
            12 => Const::NameAndType(c.u2()?, c.u2()?),
            16 | 19 | 20 => {
                c.take(2)?;
                Const::Other
            }
            9 | 17 | 18 => {
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
        i = i.checked_add(1)?;
    }
    Some(Pool(pool))
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

/// Annotations from the attributes of a class or member, and the bytecode of a Code
/// attribute; other attributes are skipped.
fn attributes(c: &mut Cursor<'_>, pool: &Pool) -> Option<(Vec<ClassAnnotation>, Vec<u8>)> {
    let n = c.u2()?;
    let mut out = Vec::new();
    let mut code = Vec::new();
    for _ in 0..n {
        let name = pool.utf8(c.u2()?).unwrap_or("");
        let len = usize::try_from(c.u4()?).ok()?;
        let body = c.take(len)?;
        if name == "Code" {
            let mut a = Cursor { data: body, at: 0 };
            a.take(4)?; // max_stack, max_locals
            let code_len = usize::try_from(a.u4()?).ok()?;
            code = a.take(code_len)?.to_vec();
        }
        if name == "RuntimeVisibleAnnotations" || name == "RuntimeInvisibleAnnotations" {
            let mut a = Cursor { data: body, at: 0 };
            let count = a.u2()?;
            for _ in 0..count {
                out.push(annotation(&mut a, pool, 0)?);
            }
        }
    }
    Some((out, code))
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
    let pool = read_pool(&mut c)?;
    c.u2()?; // access flags
    let this = c.u2()?;
    let name = pool.class_name(this)?.to_owned();
    c.u2()?; // super
    let interface_count = c.u2()?;
    let mut interfaces = Vec::new();
    for _ in 0..interface_count {
        let i = c.u2()?;
        interfaces.push(pool.class_name(i).unwrap_or("").to_owned());
    }
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
        let (annotations, code) = attributes(&mut c, &pool)?;
        methods.push(ClassMethod {
            name: mname,
            annotations,
            code,
        });
    }
    let (annotations, _) = attributes(&mut c, &pool)?;
    Some(ClassInfo {
        name,
        interfaces,
        annotations,
        methods,
        method_refs: pool.method_refs(),
        strings: pool.strings(),
        mentions_passwords: pool.mentions("password"),
    })
}

/// The section 2.3 smells of a compiled class, from the methods it calls, its string
/// literals, the interfaces it implements and trivial method bodies: the same kinds the
/// Java source check reports (line 0: a class file has no source position here). Strings
/// are tied to a call by class, not by call site, so those kinds are reported one step less
/// confident than from source, and ambiguous strings (a bare `AES`, `SSL`) are not used.
#[must_use]
pub fn smells(info: &ClassInfo) -> Vec<vendorsec_code::Smell> {
    let calls = |r: &str| info.method_refs.iter().any(|m| m == r);
    let implements = |i: &str| info.interfaces.iter().any(|x| x == i);
    let mut out = Vec::new();
    let mut push = |kind: &'static str, evidence: String, about_passwords: bool| {
        out.push(vendorsec_code::Smell {
            kind,
            evidence,
            about_passwords,
            line: 0,
            column: 0,
        });
    };
    let class = info.name.replace('/', ".");
    if calls("java/security/MessageDigest.getInstance")
        && let Some(a) = info
            .strings
            .iter()
            .find(|s| vendorsec_code::weak_hash_algorithm(s))
    {
        push(
            "weak-hash",
            format!("{class}: MessageDigest.getInstance(\"{a}\")"),
            info.mentions_passwords,
        );
    }
    if calls("javax/crypto/Cipher.getInstance")
        && let Some(t) = info.strings.iter().find(|s| {
            // A bare "AES" in a class is as often a SecretKeySpec algorithm as a
            // cipher: bytecode reports only explicit ECB, DES and RC4 transformations.
            (s.contains('/') && vendorsec_code::weak_cipher_transformation(s))
                || (s.len() <= 24
                    && ["DES", "RC4", "ARCFOUR"]
                        .iter()
                        .any(|p| s.to_ascii_uppercase().starts_with(p)))
        })
    {
        push(
            "weak-cipher",
            format!("{class}: Cipher.getInstance(\"{t}\")"),
            false,
        );
    }
    if calls("javax/net/ssl/SSLContext.getInstance")
        && let Some(p) = info
            .strings
            .iter()
            .find(|s| s.as_str() != "SSL" && vendorsec_code::legacy_tls_protocol(s))
    {
        push(
            "legacy-tls",
            format!("{class}: SSLContext.getInstance(\"{p}\")"),
            false,
        );
    }
    // `return` alone (0xB1): the check accepts everything.
    if implements("javax/net/ssl/X509TrustManager")
        && info
            .methods
            .iter()
            .any(|m| m.name == "checkServerTrusted" && m.code == [0xB1])
    {
        push(
            "trust-all-certificates",
            format!("{class}.checkServerTrusted: empty"),
            false,
        );
    }
    // `iconst_1; ireturn`: every host name verifies.
    if implements("javax/net/ssl/HostnameVerifier")
        && info
            .methods
            .iter()
            .any(|m| m.name == "verify" && m.code == [0x04, 0xAC])
    {
        push(
            "permissive-hostname-verifier",
            format!("{class}.verify: returns true"),
            false,
        );
    }
    if calls("java/io/ObjectInputStream.<init>") {
        push(
            "unsafe-deserialization",
            format!("{class}: new ObjectInputStream(…)"),
            false,
        );
    }
    if calls("java/lang/Runtime.exec") || calls("java/lang/ProcessBuilder.<init>") {
        push(
            "command-execution",
            format!("{class}: Runtime.exec / ProcessBuilder"),
            false,
        );
    }
    out
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
