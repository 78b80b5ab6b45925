//! Java: the annotations on each method and its class (tree-sitter-java), for the checks
//! that read them (P2 REST resources' anonymous access and XSRF exclusions, Spring Boot
//! Connect apps' `@IgnoreJwt` / `@ContextJwt`).

use tree_sitter::{Node, Parser};

use crate::{MAX_SOURCE_BYTES, nodes};

/// One annotation: simple name and its arguments as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub name: String,
    pub args: String,
}

/// A method with its annotations and those of its enclosing classes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaMethod {
    pub class: String,
    pub method: String,
    pub annotations: Vec<Annotation>,
    pub class_annotations: Vec<Annotation>,
    pub line: u64,
    pub column: u64,
}

impl JavaMethod {
    /// Whether the method or its class carries an annotation of this simple name.
    #[must_use]
    pub fn has(&self, name: &str) -> bool {
        self.annotations
            .iter()
            .chain(&self.class_annotations)
            .any(|a| a.name == name)
    }

    /// The HTTP method a JAX-RS or Spring annotation gives the handler, if any.
    #[must_use]
    pub fn http_method(&self) -> Option<&'static str> {
        for a in &self.annotations {
            let m = match a.name.as_str() {
                "GET" | "GetMapping" => "GET",
                "POST" | "PostMapping" => "POST",
                "PUT" | "PutMapping" => "PUT",
                "DELETE" | "DeleteMapping" => "DELETE",
                "PATCH" | "PatchMapping" => "PATCH",
                "RequestMapping" => {
                    let up = a.args.to_ascii_uppercase();
                    if up.contains("POST") {
                        "POST"
                    } else if up.contains("PUT") {
                        "PUT"
                    } else if up.contains("DELETE") {
                        "DELETE"
                    } else if up.contains("PATCH") {
                        "PATCH"
                    } else {
                        "ANY"
                    }
                }
                _ => continue,
            };
            return Some(m);
        }
        None
    }
}

/// Parse a Java file (bounded in size); `None` for an oversized file or a parser failure.
pub(crate) fn parse_java(source: &[u8]) -> Option<tree_sitter::Tree> {
    if source.len() > MAX_SOURCE_BYTES {
        return None;
    }
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_java::LANGUAGE.into())
        .ok()?;
    parser.parse(source, None)
}

fn text<'a>(n: Node<'_>, src: &'a [u8]) -> &'a str {
    n.utf8_text(src).unwrap_or("")
}

fn annotations(n: Node<'_>, src: &[u8]) -> Vec<Annotation> {
    let mut out = Vec::new();
    let mut c = n.walk();
    for ch in n.children(&mut c) {
        if ch.kind() != "modifiers" {
            continue;
        }
        let mut c2 = ch.walk();
        for a in ch.children(&mut c2) {
            if a.kind() == "marker_annotation" || a.kind() == "annotation" {
                let name = a.child_by_field_name("name").map_or("", |x| text(x, src));
                let name = name.rsplit('.').next().unwrap_or(name).to_owned();
                let args = a
                    .child_by_field_name("arguments")
                    .map_or("", |x| text(x, src))
                    .to_owned();
                out.push(Annotation { name, args });
            }
        }
    }
    out
}

/// Every method of every class in a Java source file, with annotations.
#[must_use]
pub fn java_methods(source: &[u8]) -> Vec<JavaMethod> {
    let Some(tree) = parse_java(source) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // (node, enclosing class name, enclosing class annotations)
    let mut stack: Vec<(Node<'_>, String, Vec<Annotation>)> =
        vec![(tree.root_node(), String::new(), Vec::new())];
    let mut seen = 0usize;
    while let Some((n, class, class_ann)) = stack.pop() {
        seen += 1;
        if seen > 2_000_000 {
            break;
        }
        let (class, class_ann) = match n.kind() {
            "class_declaration"
            | "interface_declaration"
            | "enum_declaration"
            | "record_declaration" => {
                let name = n
                    .child_by_field_name("name")
                    .map_or("", |x| text(x, source))
                    .to_owned();
                let mut anns = class_ann.clone();
                anns.extend(annotations(n, source));
                let full = if class.is_empty() {
                    name
                } else {
                    format!("{class}.{name}")
                };
                (full, anns)
            }
            "method_declaration" => {
                let pos = n.start_position();
                out.push(JavaMethod {
                    class: class.clone(),
                    method: n
                        .child_by_field_name("name")
                        .map_or("", |x| text(x, source))
                        .to_owned(),
                    annotations: annotations(n, source),
                    class_annotations: class_ann.clone(),
                    line: pos.row as u64 + 1,
                    column: pos.column as u64 + 1,
                });
                (class, class_ann)
            }
            _ => (class, class_ann),
        };
        let mut c = n.walk();
        for ch in n.named_children(&mut c) {
            stack.push((ch, class.clone(), class_ann.clone()));
        }
    }
    out.sort_by_key(|m| (m.line, m.column));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_with_class_and_method_annotations() {
        let src = br#"package com.example;
import com.atlassian.plugins.rest.common.security.AnonymousAllowed;
@Path("/config")
@AnonymousAllowed
public class ConfigResource {
    @GET
    public Response get() { return null; }

    @POST
    @com.atlassian.annotations.security.XsrfProtectionExcluded
    public Response save(String body) { return null; }
}
@RestController
class Hooks {
    @IgnoreJwt
    @RequestMapping(value = "/hook", method = RequestMethod.POST)
    public void hook() {}
}
"#;
        let m = java_methods(src);
        let got: Vec<String> = m
            .iter()
            .map(|x| {
                format!(
                    "{}.{} {:?} anon={} xsrf={} ignore={} l{}",
                    x.class,
                    x.method,
                    x.http_method(),
                    x.has("AnonymousAllowed"),
                    x.has("XsrfProtectionExcluded"),
                    x.has("IgnoreJwt"),
                    x.line
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                "ConfigResource.get Some(\"GET\") anon=true xsrf=false ignore=false l6",
                "ConfigResource.save Some(\"POST\") anon=true xsrf=true ignore=false l9",
                "Hooks.hook Some(\"POST\") anon=false xsrf=false ignore=true l15",
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(src in "\\PC{0,400}") {
            let _ = java_methods(src.as_bytes());
            let _ = java_smells(src.as_bytes());
            let _ = ignored_paths(src.as_bytes());
        }
    }
}

/// MD5, SHA-1, MD2, MD4 (as `MessageDigest` names them).
#[must_use]
pub fn weak_hash_algorithm(alg: &str) -> bool {
    let a = alg.to_ascii_uppercase().replace('-', "");
    matches!(a.as_str(), "MD5" | "SHA1" | "SHA" | "MD2" | "MD4")
}

/// A `Cipher` transformation in ECB mode (a bare `AES`/`DES` name means ECB), or DES/RC4.
#[must_use]
pub fn weak_cipher_transformation(t: &str) -> bool {
    let u = t.to_ascii_uppercase();
    u.contains("/ECB/")
        || (!u.contains('/') && matches!(u.as_str(), "AES" | "DES" | "DESEDE" | "BLOWFISH"))
        || u.starts_with("DES")
        || u.starts_with("RC4")
        || u.starts_with("ARCFOUR")
}

/// An `SSLContext` protocol name older than TLS 1.2.
#[must_use]
pub fn legacy_tls_protocol(p: &str) -> bool {
    matches!(p, "SSL" | "SSLv2" | "SSLv3" | "TLSv1" | "TLSv1.1")
}

/// A security smell in Java code (section 2.3 of the research's requirements).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smell {
    /// `weak-hash`, `weak-cipher`, `legacy-tls`, `trust-all-certificates`,
    /// `permissive-hostname-verifier`, `unsafe-deserialization`, `command-execution`.
    pub kind: &'static str,
    /// The expression as written (truncated).
    pub evidence: String,
    /// The enclosing method or class mentions passwords (for weak hashing).
    pub about_passwords: bool,
    pub line: u64,
    pub column: u64,
}

impl Smell {
    /// A smell at a node, its text (one line, at most 160 characters) as evidence.
    pub(crate) fn at(kind: &'static str, n: Node<'_>, src: &[u8], about_passwords: bool) -> Smell {
        let pos = n.start_position();
        let ev: String = text(n, src)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Smell {
            kind,
            evidence: ev.chars().take(160).collect(),
            about_passwords,
            line: pos.row as u64 + 1,
            column: pos.column as u64 + 1,
        }
    }
}

fn string_arg(n: Node<'_>, src: &[u8]) -> Option<String> {
    let args = n.child_by_field_name("arguments")?;
    let first = args.named_child(0)?;
    if first.kind() != "string_literal" {
        return None;
    }
    let t = text(first, src);
    Some(t.trim_matches('"').to_owned())
}

/// The smallest enclosing method or class text, lower-cased (for context words).
fn context_mentions(n: Node<'_>, src: &[u8], words: &[&str]) -> bool {
    let mut cur = n.parent();
    while let Some(p) = cur {
        if p.kind() == "method_declaration" || p.kind() == "class_declaration" {
            let t = text(p, src).to_ascii_lowercase();
            return words.iter().any(|w| t.contains(w));
        }
        cur = p.parent();
    }
    false
}

fn body_is_empty(method: Node<'_>, src: &[u8]) -> bool {
    method.child_by_field_name("body").is_some_and(|b| {
        let inner = text(b, src).trim_start_matches('{').trim_end_matches('}');
        inner.lines().all(|l| {
            let l = l.trim();
            l.is_empty() || l.starts_with("//")
        })
    })
}

fn returns_true(body: Node<'_>, src: &[u8]) -> bool {
    let t: String = text(body, src).split_whitespace().collect();
    t == "{returntrue;}" || t == "true"
}

/// Crypto, TLS and injection smells in a Java source file.
#[must_use]
pub fn java_smells(source: &[u8]) -> Vec<Smell> {
    let Some(tree) = parse_java(source) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut push = |kind: &'static str, n: Node<'_>, about_passwords: bool| {
        out.push(Smell::at(kind, n, source, about_passwords));
    };
    for n in nodes(tree.root_node()) {
        match n.kind() {
            "method_invocation" => {
                let name = n
                    .child_by_field_name("name")
                    .map_or("", |x| text(x, source));
                let object = n
                    .child_by_field_name("object")
                    .map_or("", |x| text(x, source));
                let object = object.rsplit('.').next().unwrap_or(object);
                match (object, name) {
                    ("MessageDigest", "getInstance") => {
                        if let Some(alg) = string_arg(n, source)
                            && weak_hash_algorithm(&alg)
                        {
                            push(
                                "weak-hash",
                                n,
                                context_mentions(n, source, &["password", "passwd", "pwd"]),
                            );
                        }
                    }
                    ("Cipher", "getInstance") => {
                        if let Some(t) = string_arg(n, source)
                            && weak_cipher_transformation(&t)
                        {
                            push("weak-cipher", n, false);
                        }
                    }
                    ("SSLContext", "getInstance") => {
                        if let Some(p) = string_arg(n, source)
                            && legacy_tls_protocol(&p)
                        {
                            push("legacy-tls", n, false);
                        }
                    }
                    (_, "exec") if text(n, source).contains("getRuntime()") => {
                        push("command-execution", n, false)
                    }
                    _ => {}
                }
            }
            "object_creation_expression" => {
                let ty = n
                    .child_by_field_name("type")
                    .map_or("", |x| text(x, source));
                match ty {
                    "ObjectInputStream" | "java.io.ObjectInputStream" => {
                        push("unsafe-deserialization", n, false)
                    }
                    "ProcessBuilder" => push("command-execution", n, false),
                    _ => {}
                }
            }
            "method_declaration" => {
                let name = n
                    .child_by_field_name("name")
                    .map_or("", |x| text(x, source));
                if name == "checkServerTrusted" && body_is_empty(n, source) {
                    push("trust-all-certificates", n, false);
                }
                if name == "verify"
                    && let Some(b) = n.child_by_field_name("body")
                    && returns_true(b, source)
                    && context_mentions(n, source, &["hostnameverifier"])
                {
                    push("permissive-hostname-verifier", n, false);
                }
            }
            "lambda_expression" => {
                // (hostname, session) -> true
                if let Some(b) = n.child_by_field_name("body")
                    && returns_true(b, source)
                    && n.child_by_field_name("parameters")
                        .is_some_and(|p| text(p, source).contains(','))
                    && [n.parent(), n.parent().and_then(|p| p.parent())]
                        .into_iter()
                        .flatten()
                        .any(|p| {
                            let t = text(p, source);
                            t.contains("HostnameVerifier") || t.contains("hostnameVerifier")
                        })
                {
                    push("permissive-hostname-verifier", n, false);
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(|s| (s.line, s.column));
    out
}

#[cfg(test)]
mod smell_tests {
    use super::*;

    #[test]
    fn crypto_tls_and_injection_smells() {
        let src = br#"class Smells {
    String hashPassword(String password) throws Exception {
        return hex(java.security.MessageDigest.getInstance("MD5").digest(password.getBytes()));
    }
    byte[] checksum(byte[] b) throws Exception { return MessageDigest.getInstance("SHA-1").digest(b); }
    byte[] good(byte[] b) throws Exception { return MessageDigest.getInstance("SHA-256").digest(b); }
    void cipher() throws Exception { Cipher.getInstance("AES/ECB/PKCS5Padding"); Cipher.getInstance("AES"); Cipher.getInstance("AES/GCM/NoPadding"); }
    void tls() throws Exception { SSLContext.getInstance("TLSv1"); SSLContext.getInstance("TLSv1.3"); }
    X509TrustManager tm = new X509TrustManager() {
        public void checkClientTrusted(X509Certificate[] c, String a) {}
        public void checkServerTrusted(X509Certificate[] c, String a) {
            // trust everyone
        }
        public X509Certificate[] getAcceptedIssuers() { return null; }
    };
    void hv(HttpsURLConnection c) { c.setHostnameVerifier((host, session) -> true); }
    Object read(InputStream in) throws Exception { return new ObjectInputStream(in).readObject(); }
    void run(String cmd) throws Exception { Runtime.getRuntime().exec(cmd); }
}
"#;
        let got: Vec<String> = java_smells(src)
            .iter()
            .map(|s| format!("{} l{} pw={}", s.kind, s.line, s.about_passwords))
            .collect();
        assert_eq!(
            got,
            vec![
                "weak-hash l3 pw=true",
                "weak-hash l5 pw=false",
                "weak-cipher l7 pw=false",
                "weak-cipher l7 pw=false",
                "legacy-tls l8 pw=false",
                "trust-all-certificates l11 pw=false",
                "permissive-hostname-verifier l16 pw=false",
                "unsafe-deserialization l17 pw=false",
                "command-execution l18 pw=false",
            ]
        );
    }
}

/// A path pattern Spring Security is told to ignore (`web.ignoring().antMatchers("/x/**")`):
/// requests to it skip the security filter chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredPath {
    pub pattern: String,
    pub line: u64,
    pub column: u64,
}

/// Spring Security `ignoring()` patterns in a Java source file.
#[must_use]
pub fn ignored_paths(source: &[u8]) -> Vec<IgnoredPath> {
    let Some(tree) = parse_java(source) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for n in nodes(tree.root_node()) {
        if n.kind() == "method_invocation" {
            let name = n
                .child_by_field_name("name")
                .map_or("", |x| text(x, source));
            let object = n
                .child_by_field_name("object")
                .map_or("", |x| text(x, source));
            if matches!(
                name,
                "antMatchers" | "requestMatchers" | "mvcMatchers" | "regexMatchers"
            ) && object.contains("ignoring()")
                && let Some(args) = n.child_by_field_name("arguments")
            {
                let mut c = args.walk();
                for a in args.named_children(&mut c) {
                    if a.kind() == "string_literal" {
                        let pos = a.start_position();
                        out.push(IgnoredPath {
                            pattern: text(a, source).trim_matches('"').to_owned(),
                            line: pos.row as u64 + 1,
                            column: pos.column as u64 + 1,
                        });
                    }
                }
            }
        }
    }
    out.sort_by_key(|p| (p.line, p.column));
    out
}

#[cfg(test)]
mod ignored_tests {
    use super::*;

    #[test]
    fn spring_security_ignoring_patterns() {
        let src = br#"class Sec extends WebSecurityConfigurerAdapter {
    public void configure(WebSecurity web) {
        web.ignoring().antMatchers("/css/**", "/installed");
        web.ignoring().requestMatchers(new AntPathRequestMatcher("/x"));
    }
    protected void configure(HttpSecurity http) { http.authorizeRequests().antMatchers("/open").permitAll(); }
}
"#;
        let got: Vec<String> = ignored_paths(src)
            .iter()
            .map(|p| format!("{} l{}", p.pattern, p.line))
            .collect();
        assert_eq!(got, vec!["/css/** l3", "/installed l3"]);
    }
}

/// `static final String X = "..."` constants of a Java file.
fn java_constants(root: Node<'_>, src: &[u8]) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    for n in nodes(root) {
        if n.kind() == "variable_declarator"
            && let (Some(name), Some(value)) = (
                n.child_by_field_name("name"),
                n.child_by_field_name("value"),
            )
            && value.kind() == "string_literal"
        {
            out.entry(text(name, src).to_owned())
                .or_insert_with(|| text(value, src).trim_matches('"').to_owned());
        }
    }
    out
}

fn java_resolve(
    n: Node<'_>,
    src: &[u8],
    consts: &std::collections::HashMap<String, String>,
    depth: usize,
) -> Option<String> {
    if depth > 16 {
        return None;
    }
    match n.kind() {
        "string_literal" => Some(text(n, src).trim_matches('"').to_owned()),
        "identifier" => consts.get(text(n, src)).cloned(),
        "parenthesized_expression" => n
            .named_child(0)
            .and_then(|c| java_resolve(c, src, consts, depth + 1)),
        "binary_expression" => {
            let l = n.child_by_field_name("left")?;
            let r = n.child_by_field_name("right")?;
            let part = |x: Node<'_>| {
                java_resolve(x, src, consts, depth + 1).or_else(|| Some("{p}".to_owned()))
            };
            let (a, b) = (part(l)?, part(r)?);
            if a == "{p}" && b == "{p}" {
                return None;
            }
            Some(format!("{a}{b}"))
        }
        _ => None,
    }
}

/// The HTTP method of a `RestTemplate` call by its name: `Some(Some(m))` for a verb method,
/// `Some(None)` for `exchange` (the method is an argument), `None` for anything else.
pub(crate) fn rest_template_verb(name: &str) -> Option<Option<&'static str>> {
    Some(match name {
        "getForObject" | "getForEntity" => Some("GET"),
        "postForObject" | "postForEntity" | "postForLocation" => Some("POST"),
        "put" => Some("PUT"),
        "delete" => Some("DELETE"),
        "patchForObject" => Some("PATCH"),
        "exchange" => None,
        _ => return None,
    })
}

/// Whether a call's receiver is a REST client of the app's (ACSB's clients or a RestTemplate).
pub(crate) fn rest_template_receiver(object: &str) -> bool {
    object.contains("authenticatedAs")
        || object.to_ascii_lowercase().contains("resttemplate")
        || object.contains("RestClients")
}

/// Whether the start of a `WebClient` chain is one (`webClient`, `WebClient.create(…)`,
/// ACSB's `authenticatedAs…()`).
pub(crate) fn web_client_receiver(object: &str) -> bool {
    object.to_ascii_lowercase().contains("webclient") || object.contains("authenticatedAs")
}

/// The HTTP method of a `WebClient` verb method.
pub(crate) fn web_client_verb(name: &str) -> Option<&'static str> {
    Some(match name {
        "get" => "GET",
        "post" => "POST",
        "put" => "PUT",
        "delete" => "DELETE",
        "patch" => "PATCH",
        _ => return None,
    })
}

/// `HttpMethod.DELETE` -> `DELETE`.
pub(crate) fn http_method_name(expr: &str) -> String {
    expr.rsplit('.')
        .next()
        .unwrap_or("GET")
        .trim()
        .to_ascii_uppercase()
}

/// A call found at node `n`, through the client written as `object`.
pub(crate) fn rest_call(
    n: Node<'_>,
    src: &[u8],
    method: String,
    path: Option<String>,
    object: &str,
) -> crate::RestCall {
    let pos = n.start_position();
    let ev: String = text(n, src)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    crate::RestCall {
        api: crate::Api::Spring,
        method,
        path,
        expression: ev.chars().take(160).collect(),
        line: pos.row as u64 + 1,
        column: pos.column as u64 + 1,
        as_user: object.contains("authenticatedAsHostActor")
            || object.contains("authenticatedAs(") && object.contains("User"),
    }
}

/// Product REST calls through atlassian-connect-spring-boot's `AtlassianHostRestClients`
/// (a Spring `RestTemplate`): `getForObject`, `postForEntity`, `put`, `delete`,
/// `exchange(url, HttpMethod.X, …)`, and Spring `WebClient` chains
/// (`webClient.post().uri("/rest/…")`), with the URL resolved from literals, constants and
/// concatenation.
#[must_use]
pub fn java_rest_calls(source: &[u8]) -> Vec<crate::RestCall> {
    let Some(tree) = parse_java(source) else {
        return Vec::new();
    };
    let root = tree.root_node();
    let consts = java_constants(root, source);
    let mut out = Vec::new();
    for n in nodes(root) {
        if n.kind() != "method_invocation" {
            continue;
        }
        let name = n
            .child_by_field_name("name")
            .map_or("", |x| text(x, source));
        let receiver = n.child_by_field_name("object");
        let object = receiver.map_or("", |x| text(x, source));
        let args = n.child_by_field_name("arguments");
        let (method, url) = if name == "uri" {
            let Some(r) = receiver.filter(|r| r.kind() == "method_invocation") else {
                continue;
            };
            let client = r
                .child_by_field_name("object")
                .map_or("", |x| text(x, source));
            if !web_client_receiver(client) {
                continue;
            }
            let verb = r
                .child_by_field_name("name")
                .map_or("", |x| text(x, source));
            let verb = if verb == "method" {
                r.child_by_field_name("arguments")
                    .and_then(|a| a.named_child(0))
                    .map(|m| http_method_name(text(m, source)))
            } else {
                web_client_verb(verb).map(str::to_owned)
            };
            let Some(verb) = verb else { continue };
            (Some(verb), args.and_then(|a| a.named_child(0)))
        } else {
            let Some(m) = rest_template_verb(name) else {
                continue;
            };
            if !rest_template_receiver(object) {
                continue;
            }
            let method = m.map(str::to_owned).or_else(|| {
                args.and_then(|a| a.named_child(1))
                    .map(|m| http_method_name(text(m, source)))
            });
            (method, args.and_then(|a| a.named_child(0)))
        };
        let resolved = url.and_then(|f| java_resolve(f, source, &consts, 0));
        let path = resolved.as_deref().and_then(crate::product_path);
        if resolved.is_none() || path.is_some() {
            out.push(rest_call(
                n,
                source,
                method.unwrap_or_else(|| "GET".to_owned()),
                path,
                object,
            ));
        }
    }
    out.sort_by_key(|c| (c.line, c.column));
    out
}

#[cfg(test)]
mod rest_tests {
    use super::*;

    #[test]
    fn acsb_rest_template_calls() {
        let src = br#"class IssueService {
    private static final String ISSUE = "/rest/api/3/issue/";
    void run(AtlassianHostRestClients clients, String key, String url) {
        clients.authenticatedAsAddon().getForObject("/rest/api/3/issue/{key}", String.class, key);
        clients.authenticatedAsAddon().put(ISSUE + key, body);
        clients.authenticatedAsHostActor().exchange("/rest/api/3/issue/" + key, HttpMethod.DELETE, null, Void.class);
        clients.authenticatedAsAddon().getForObject(url, String.class);
        restTemplate.getForObject("https://example.com/other", String.class);
        webClient.post().uri("/rest/api/3/issue/{k}/comment", key).retrieve();
        WebClient.create().method(HttpMethod.PUT).uri(ISSUE + "{k}", key).retrieve();
    }
}
"#;
        let got: Vec<String> = java_rest_calls(src)
            .iter()
            .map(crate::RestCall::summary)
            .collect();
        assert_eq!(
            got,
            vec![
                "GET /rest/api/3/issue/{key} l4",
                "PUT /rest/api/3/issue/{p} l5",
                "DELETE /rest/api/3/issue/{p} l6 asUser",
                "GET UNRESOLVED l7",
                "POST /rest/api/3/issue/{k}/comment l9",
                "PUT /rest/api/3/issue/{k} l10",
            ]
        );
    }
}
