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
    /// CONSTANT_Fieldref: class index, name-and-type index.
    FieldRef(u16, u16),
    /// CONSTANT_InvokeDynamic: bootstrap method index, name-and-type index.
    Indy(u16, u16),
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
    /// The superclass's binary name.
    pub super_name: String,
    pub interfaces: Vec<String>,
    pub annotations: Vec<ClassAnnotation>,
    pub methods: Vec<ClassMethod>,
    /// Methods called, as `owner.name`.
    pub method_refs: Vec<String>,
    /// String literals.
    pub strings: Vec<String>,
    /// A name or literal of the class mentions passwords.
    pub mentions_passwords: bool,
    pool: Pool,
    /// The static arguments of each BootstrapMethods entry (constant-pool indexes).
    bootstrap: Vec<Vec<u16>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
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

    /// A method or field reference as `owner.name`.
    fn member(&self, i: u16) -> Option<String> {
        let (Const::MethodRef(class, nat) | Const::FieldRef(class, nat)) =
            self.0.get(usize::from(i))?
        else {
            return None;
        };
        let owner = self.class_name(*class)?;
        let name = match self.0.get(usize::from(*nat))? {
            Const::NameAndType(n, _) => self.utf8(*n)?,
            _ => return None,
        };
        Some(format!("{owner}.{name}"))
    }

    /// Every method the class calls, as `owner.name` (`javax/crypto/Cipher.getInstance`).
    fn method_refs(&self) -> Vec<String> {
        (0..self.0.len())
            .filter(|&i| matches!(self.0[i], Const::MethodRef(..)))
            .filter_map(|i| self.member(u16::try_from(i).ok()?))
            .collect()
    }

    fn string(&self, i: u16) -> Option<&str> {
        match self.0.get(usize::from(i))? {
            Const::Str(t) => self.utf8(*t),
            _ => None,
        }
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
            9 => Const::FieldRef(c.u2()?, c.u2()?),
            18 => Const::Indy(c.u2()?, c.u2()?),
            12 => Const::NameAndType(c.u2()?, c.u2()?),
            16 | 19 | 20 => {
                c.take(2)?;
                Const::Other
            }
            17 => {
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

/// What the attributes of a class or member say.
#[derive(Default)]
struct Attributes {
    annotations: Vec<ClassAnnotation>,
    /// The bytecode of a Code attribute.
    code: Vec<u8>,
    /// BootstrapMethods: the static arguments of each entry.
    bootstrap: Vec<Vec<u16>>,
}

/// Annotations, the bytecode of a Code attribute and the bootstrap methods' arguments;
/// other attributes are skipped.
fn attributes(c: &mut Cursor<'_>, pool: &Pool) -> Option<Attributes> {
    let n = c.u2()?;
    let mut out = Vec::new();
    let mut code = Vec::new();
    let mut bootstrap = Vec::new();
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
        if name == "BootstrapMethods" {
            let mut a = Cursor { data: body, at: 0 };
            let count = a.u2()?;
            for _ in 0..count {
                a.u2()?; // method handle
                let args = a.u2()?;
                let mut v = Vec::with_capacity(usize::from(args));
                for _ in 0..args {
                    v.push(a.u2()?);
                }
                bootstrap.push(v);
            }
        }
        if name == "RuntimeVisibleAnnotations" || name == "RuntimeInvisibleAnnotations" {
            let mut a = Cursor { data: body, at: 0 };
            let count = a.u2()?;
            for _ in 0..count {
                out.push(annotation(&mut a, pool, 0)?);
            }
        }
    }
    Some(Attributes {
        annotations: out,
        code,
        bootstrap,
    })
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
    let super_index = c.u2()?;
    let super_name = pool.class_name(super_index).unwrap_or("").to_owned();
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
        let Attributes {
            annotations, code, ..
        } = attributes(&mut c, &pool)?;
        methods.push(ClassMethod {
            name: mname,
            annotations,
            code,
        });
    }
    let Attributes {
        annotations,
        bootstrap,
        ..
    } = attributes(&mut c, &pool)?;
    Some(ClassInfo {
        name,
        super_name,
        interfaces,
        annotations,
        methods,
        method_refs: pool.method_refs(),
        strings: pool.strings(),
        mentions_passwords: pool.mentions("password"),
        pool,
        bootstrap,
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

/// What one instruction of a method body does, for the data-flow the checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    /// `ldc` of a string, or an `invokedynamic` string concatenation (its recipe with each
    /// argument as `{p}`).
    Str(String),
    /// `invoke*` of `owner.name`.
    Invoke(String),
    /// `getstatic owner.name` (an enum constant such as `HttpMethod.DELETE`).
    Static(String),
    /// Anything else that produces a value.
    Other,
}

/// Length of the instruction at `pc` (JVM specification, chapter 6), or `None` for an
/// invalid opcode or one running past the end.
fn insn_len(code: &[u8], pc: usize) -> Option<usize> {
    let op = *code.get(pc)?;
    let be32 = |at: usize| -> Option<i64> {
        let b = code.get(at..at.checked_add(4)?)?;
        Some(i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]])))
    };
    Some(match op {
        0x00..=0x0f
        | 0x1a..=0x35
        | 0x3b..=0x83
        | 0x85..=0x98
        | 0xac..=0xb1
        | 0xbe
        | 0xbf
        | 0xc2
        | 0xc3
        | 0xca => 1,
        0x10 | 0x12 | 0x15..=0x19 | 0x36..=0x3a | 0xa9 | 0xbc => 2,
        0x11
        | 0x13
        | 0x14
        | 0x84
        | 0x99..=0xa8
        | 0xb2..=0xb8
        | 0xbb
        | 0xbd
        | 0xc0
        | 0xc1
        | 0xc6
        | 0xc7 => 3,
        0xc5 => 4,
        0xb9 | 0xba | 0xc8 | 0xc9 => 5,
        0xc4 => {
            if *code.get(pc + 1)? == 0x84 {
                6
            } else {
                4
            }
        }
        0xaa => {
            let base = (pc + 4) & !3;
            let low = be32(base + 4)?;
            let high = be32(base + 8)?;
            let n = usize::try_from(high.checked_sub(low)?.checked_add(1)?).ok()?;
            base + 12 + n.checked_mul(4)? - pc
        }
        0xab => {
            let base = (pc + 4) & !3;
            let n = usize::try_from(be32(base + 4)?).ok()?;
            base + 8 + n.checked_mul(8)? - pc
        }
        _ => return None,
    })
}

impl ClassInfo {
    /// The instructions of a method body that matter to the checks, in order; a malformed
    /// body ends early.
    fn ops(&self, code: &[u8]) -> Vec<Op> {
        let u2 = |at: usize| -> Option<u16> {
            Some(u16::from_be_bytes([*code.get(at)?, *code.get(at + 1)?]))
        };
        let mut out = Vec::new();
        let mut pc = 0usize;
        while pc < code.len() && out.len() < 100_000 {
            let Some(len) = insn_len(code, pc) else { break };
            let op = code[pc];
            let item = match op {
                0x12 => code
                    .get(pc + 1)
                    .and_then(|i| self.pool.string(u16::from(*i)))
                    .map_or(Op::Other, |t| Op::Str(t.to_owned())),
                0x13 => u2(pc + 1)
                    .and_then(|i| self.pool.string(i))
                    .map_or(Op::Other, |t| Op::Str(t.to_owned())),
                0xb6..=0xb9 => u2(pc + 1)
                    .and_then(|i| self.pool.member(i))
                    .map_or(Op::Other, Op::Invoke),
                0xb2 => u2(pc + 1)
                    .and_then(|i| self.pool.member(i))
                    .map_or(Op::Other, Op::Static),
                0xba => u2(pc + 1)
                    .and_then(|i| self.concat_recipe(i))
                    .map_or(Op::Other, Op::Str),
                _ => Op::Other,
            };
            if item != Op::Other || matches!(op, 0x01..=0x11 | 0x15..=0x19 | 0x1a..=0x2d) {
                out.push(item);
            }
            pc += len;
        }
        out
    }

    /// The recipe of a `makeConcatWithConstants` call site, arguments as `{p}`.
    fn concat_recipe(&self, indy: u16) -> Option<String> {
        let Const::Indy(bsm, _) = self.pool.0.get(usize::from(indy))? else {
            return None;
        };
        let args = self.bootstrap.get(usize::from(*bsm))?;
        let recipe = self.pool.string(*args.first()?)?;
        let mut constants = args[1..].iter().map(|a| self.pool.string(*a).unwrap_or(""));
        Some(
            recipe
                .chars()
                .map(|c| match c {
                    '\u{1}' => "{p}".to_owned(),
                    '\u{2}' => constants.next().unwrap_or("").to_owned(),
                    c => c.to_string(),
                })
                .collect(),
        )
    }

    /// Product REST calls in the bytecode: a Spring `RestTemplate` / `RestOperations` verb
    /// or a `WebClient` `uri(…)`, each tied to the product path loaded before it in the same
    /// method (a string constant, a `StringBuilder` or `invokedynamic` concatenation, with
    /// unknown parts as `{p}`); no path there means the call is unresolved, never guessed.
    #[must_use]
    pub fn rest_calls(&self) -> Vec<vendorsec_code::RestCall> {
        let class = self.name.replace('/', ".");
        let mut out = Vec::new();
        for m in &self.methods {
            let mut candidate: Option<String> = None;
            let mut building: Option<String> = None;
            let mut last_static: Option<String> = None;
            let mut web_verb: Option<String> = None;
            let mut as_user = false;
            let mut prev: Option<Op> = None;
            for op in self.ops(&m.code) {
                match &op {
                    Op::Str(t) => {
                        if let Some(p) = vendorsec_code::product_path(t) {
                            candidate = Some(p);
                        }
                    }
                    Op::Static(f) => last_static = Some(f.clone()),
                    Op::Invoke(r) => {
                        let (owner, name) = r.rsplit_once('.').unwrap_or(("", r));
                        if owner == "java/lang/StringBuilder" {
                            match name {
                                "<init>" => {
                                    building = Some(match &prev {
                                        Some(Op::Str(t)) => t.clone(),
                                        _ => String::new(),
                                    });
                                }
                                "append" => {
                                    if let Some(b) = building.as_mut() {
                                        match &prev {
                                            Some(Op::Str(t)) => b.push_str(t),
                                            _ => b.push_str("{p}"),
                                        }
                                    }
                                }
                                "toString" => {
                                    if let Some(p) = building
                                        .take()
                                        .as_deref()
                                        .and_then(vendorsec_code::product_path)
                                    {
                                        candidate = Some(p);
                                    }
                                }
                                _ => {}
                            }
                        } else if name == "authenticatedAsHostActor" {
                            as_user = true;
                        } else if owner.contains("WebClient") {
                            if name == "method" {
                                web_verb = last_static.as_deref().map(http_constant);
                            } else if let Some(v) = web_client_verb(name) {
                                web_verb = Some(v.to_owned());
                            } else if name == "uri"
                                && let Some(verb) = web_verb.take()
                            {
                                out.push(call(&class, &m.name, verb, candidate.take(), as_user));
                                as_user = false;
                            }
                        } else if owner.ends_with("RestTemplate")
                            || owner.ends_with("RestOperations")
                        {
                            let verb = match name {
                                "getForObject" | "getForEntity" => Some("GET".to_owned()),
                                "postForObject" | "postForEntity" | "postForLocation" => {
                                    Some("POST".to_owned())
                                }
                                "put" => Some("PUT".to_owned()),
                                "delete" => Some("DELETE".to_owned()),
                                "patchForObject" => Some("PATCH".to_owned()),
                                "exchange" => last_static.as_deref().map(http_constant),
                                _ => None,
                            };
                            if let Some(verb) = verb {
                                out.push(call(&class, &m.name, verb, candidate.take(), as_user));
                                as_user = false;
                            }
                        }
                    }
                    Op::Other => {}
                }
                prev = Some(op);
            }
        }
        out
    }
}

impl ClassInfo {
    /// The request-data half of DC-XSS-01 from bytecode, as [`vendorsec_code::html_sinks`]
    /// finds it in source: `put("xHtml", …)` after a request read in the same method, and a
    /// web action's `setXHtml` / `getXHtml` pair.
    #[must_use]
    pub fn html_sinks(&self) -> Vec<vendorsec_code::HtmlSink> {
        let class = self
            .name
            .rsplit(['/', '$'])
            .next()
            .unwrap_or(&self.name)
            .to_owned();
        let mut out = Vec::new();
        let sink = |name: String, how: &'static str, evidence: String| vendorsec_code::HtmlSink {
            class: class.clone(),
            name,
            how,
            evidence,
            line: 0,
            column: 0,
        };
        for m in &self.methods {
            let mut key: Option<String> = None;
            let mut read = false;
            for op in self.ops(&m.code) {
                match op {
                    Op::Str(t) if t.ends_with("Html") && t.len() > 4 => {
                        key = Some(t);
                        read = false;
                    }
                    Op::Invoke(r) => {
                        let name = r.rsplit('.').next().unwrap_or("");
                        if [
                            "getParameter",
                            "getHeader",
                            "getQueryString",
                            "getRequestURI",
                            "getRequestURL",
                            "getPathInfo",
                            "getCookies",
                        ]
                        .contains(&name)
                        {
                            read = true;
                        } else if name == "put" {
                            if let Some(k) = key.take()
                                && read
                            {
                                out.push(sink(
                                    k.clone(),
                                    "context",
                                    format!("{class}.{}: put(\"{k}\", request data)", m.name),
                                ));
                            }
                            read = false;
                        }
                    }
                    _ => {}
                }
            }
        }
        if self.super_name.contains("Action") {
            for m in &self.methods {
                if let Some(prop) = m.name.strip_prefix("get").filter(|p| p.ends_with("Html"))
                    && self.methods.iter().any(|s| s.name == format!("set{prop}"))
                {
                    let mut c = prop.chars();
                    let name = c
                        .next()
                        .map(|f| f.to_lowercase().collect::<String>() + c.as_str())
                        .unwrap_or_default();
                    out.push(sink(
                        name,
                        "action-parameter",
                        format!("set{prop}(…) / get{prop}() on a web action"),
                    ));
                }
            }
        }
        out
    }
}

fn web_client_verb(name: &str) -> Option<&'static str> {
    Some(match name {
        "get" => "GET",
        "post" => "POST",
        "put" => "PUT",
        "delete" => "DELETE",
        "patch" => "PATCH",
        _ => return None,
    })
}

/// `org/springframework/http/HttpMethod.DELETE` -> `DELETE`.
fn http_constant(field: &str) -> String {
    field
        .rsplit('.')
        .next()
        .unwrap_or(field)
        .to_ascii_uppercase()
}

fn call(
    class: &str,
    method: &str,
    verb: String,
    path: Option<String>,
    as_user: bool,
) -> vendorsec_code::RestCall {
    vendorsec_code::RestCall {
        api: vendorsec_code::Api::Spring,
        expression: format!(
            "{class}.{method}: {verb} {}",
            path.as_deref().unwrap_or("(path not a constant)")
        ),
        method: verb,
        path,
        line: 0,
        column: 0,
        as_user,
    }
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

        #[test]
        fn bytecode_walks_never_panic(
            code in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048),
            strings in proptest::collection::vec("[a-zA-Z/{}Html]{0,24}", 0..8),
        ) {
            // A pool of strings, method and field refs the random code can point at.
            let mut pool = vec![Const::Gap];
            for t in &strings {
                pool.push(Const::Utf8(t.clone()));
                let i = u16::try_from(pool.len() - 1).unwrap();
                pool.push(Const::Str(i));
                pool.push(Const::Class(i));
                pool.push(Const::NameAndType(i, i));
                let c = u16::try_from(pool.len() - 2).unwrap();
                pool.push(Const::MethodRef(c, c + 1));
                pool.push(Const::Indy(0, c + 1));
            }
            let info = ClassInfo {
                name: "x/Y".into(),
                super_name: "x/WebActionSupport".into(),
                interfaces: Vec::new(),
                annotations: Vec::new(),
                methods: vec![ClassMethod { name: "m".into(), annotations: Vec::new(), code }],
                method_refs: Vec::new(),
                strings: strings.clone(),
                mentions_passwords: false,
                pool: Pool(pool),
                bootstrap: vec![vec![2, 2, 9], vec![]],
            };
            let _ = info.rest_calls();
            let _ = info.html_sinks();
        }
    }

    #[test]
    fn instruction_lengths_follow_the_specification() {
        // ldc #1, invokevirtual #2, tableswitch (padded, low 0, high 1), return
        let code = [
            0x12, 1, 0xb6, 0, 2, 0xaa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
            0, 0, 0xb1,
        ];
        assert_eq!(insn_len(&code, 0), Some(2));
        assert_eq!(insn_len(&code, 2), Some(3));
        // pc 5: opcode, 2 pad bytes to 8, default, low, high, 2 offsets = 1 + 2 + 12 + 8.
        assert_eq!(insn_len(&code, 5), Some(23));
        assert_eq!(insn_len(&code, 28), Some(1));
        assert_eq!(insn_len(&[0xc4, 0x84, 0, 1, 0, 1], 0), Some(6));
        assert_eq!(insn_len(&[0xfe], 0), None);
        assert_eq!(insn_len(&[0xaa, 0, 0], 0), None);
    }

    #[test]
    fn truncated_and_foreign_bytes_are_refused() {
        assert!(read(b"").is_none());
        assert!(read(b"\xCA\xFE\xBA\xBE\x00\x00\x00\x34\x00\x05").is_none());
        assert!(read(b"PK\x03\x04").is_none());
    }
}
