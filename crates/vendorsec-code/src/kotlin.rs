//! Kotlin (tree-sitter-kotlin-ng): the same facts as for Java — annotated functions of
//! P2 plugins and Spring Boot Connect apps, product REST calls through
//! `AtlassianHostRestClients` / `RestTemplate` / `WebClient`, and the crypto, TLS and
//! injection smells — so that a plugin written in Kotlin is checked like one in Java.

use std::collections::HashMap;

use tree_sitter::{Node, Parser};

use crate::java::{Annotation, JavaMethod, Smell};
use crate::{
    MAX_SOURCE_BYTES, legacy_tls_protocol, nodes, weak_cipher_transformation, weak_hash_algorithm,
};

pub(crate) fn parse_kotlin(source: &[u8]) -> Option<tree_sitter::Tree> {
    if source.len() > MAX_SOURCE_BYTES {
        return None;
    }
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_kotlin_ng::LANGUAGE.into())
        .ok()?;
    parser.parse(source, None)
}

fn text<'a>(n: Node<'_>, src: &'a [u8]) -> &'a str {
    n.utf8_text(src).unwrap_or("")
}

pub(crate) fn first_named<'a>(n: Node<'a>, kind: &str) -> Option<Node<'a>> {
    let mut c = n.walk();
    n.named_children(&mut c).find(|x| x.kind() == kind)
}

fn last_named(n: Node<'_>) -> Option<Node<'_>> {
    let mut c = n.walk();
    n.named_children(&mut c).last()
}

/// The value of a string literal with each `$name` / `${…}` template turned into `{p}`, or
/// into a same-file constant's value when the name is one.
fn string_value(n: Node<'_>, src: &[u8], consts: &HashMap<String, String>) -> String {
    let raw = text(n, src);
    let inner = raw
        .strip_prefix("\"\"\"")
        .and_then(|s| s.strip_suffix("\"\"\""))
        .or_else(|| raw.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
        .unwrap_or(raw);
    let mut out = String::new();
    let mut rest = inner;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(body) = after.strip_prefix('{') {
            let end = body.find('}').map_or(body.len(), |e| e + 1);
            let expr = body[..end.saturating_sub(1)].trim();
            out.push_str(consts.get(expr).map_or("{p}", String::as_str));
            rest = body.get(end..).unwrap_or("");
        } else {
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if end == 0 {
                out.push('$');
            } else {
                out.push_str(consts.get(&after[..end]).map_or("{p}", String::as_str));
            }
            rest = &after[end..];
        }
    }
    out.push_str(rest);
    out
}

fn is_template(n: Node<'_>, src: &[u8]) -> bool {
    n.kind() == "string_literal" && text(n, src).contains('$')
}

/// `const val X = "…"` / `val X = "…"` string constants of the file (first binding wins).
fn constants(root: Node<'_>, src: &[u8]) -> HashMap<String, String> {
    let empty = HashMap::new();
    let mut out = HashMap::new();
    for n in nodes(root) {
        if n.kind() == "property_declaration"
            && let Some(var) = first_named(n, "variable_declaration")
            && let Some(name) = first_named(var, "identifier")
            && let Some(lit) = first_named(n, "string_literal")
            && !is_template(lit, src)
        {
            out.entry(text(name, src).to_owned())
                .or_insert_with(|| string_value(lit, src, &empty));
        }
    }
    out
}

fn resolve(
    n: Node<'_>,
    src: &[u8],
    consts: &HashMap<String, String>,
    depth: usize,
) -> Option<String> {
    if depth > 16 {
        return None;
    }
    match n.kind() {
        "value_argument" | "parenthesized_expression" => {
            last_named(n).and_then(|c| resolve(c, src, consts, depth + 1))
        }
        "string_literal" => {
            let v = string_value(n, src, consts);
            (v != "{p}").then_some(v)
        }
        "identifier" => consts.get(text(n, src)).cloned(),
        "binary_expression" => {
            let l = n.child_by_field_name("left")?;
            let r = n.child_by_field_name("right")?;
            let op = src.get(l.end_byte()..r.start_byte()).unwrap_or_default();
            if String::from_utf8_lossy(op).trim() != "+" {
                return None;
            }
            let part = |x: Node<'_>| {
                resolve(x, src, consts, depth + 1).unwrap_or_else(|| "{p}".to_owned())
            };
            let (a, b) = (part(l), part(r));
            if a == "{p}" && b == "{p}" {
                return None;
            }
            Some(format!("{a}{b}"))
        }
        _ => None,
    }
}

fn annotations(modifiers: Option<Node<'_>>, src: &[u8]) -> Vec<Annotation> {
    let mut out = Vec::new();
    let Some(m) = modifiers else { return out };
    let mut c = m.walk();
    for a in m.named_children(&mut c) {
        if a.kind() != "annotation" {
            continue;
        }
        let (ty, args) = match first_named(a, "constructor_invocation") {
            Some(ci) => (
                first_named(ci, "user_type"),
                first_named(ci, "value_arguments").map_or("", |x| text(x, src)),
            ),
            None => (first_named(a, "user_type"), ""),
        };
        let name = ty.map_or("", |t| text(t, src));
        let name = name.rsplit('.').next().unwrap_or(name);
        let name = name.split('<').next().unwrap_or(name).trim().to_owned();
        out.push(Annotation {
            name,
            args: args.to_owned(),
        });
    }
    out
}

/// Every function of every class or object in a Kotlin file, with the annotations of the
/// function and of its enclosing classes.
#[must_use]
pub fn kotlin_methods(source: &[u8]) -> Vec<JavaMethod> {
    let Some(tree) = parse_kotlin(source) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for n in nodes(tree.root_node()) {
        if n.kind() != "function_declaration" {
            continue;
        }
        let method = n
            .child_by_field_name("name")
            .map_or("", |x| text(x, source));
        let mut class = String::new();
        let mut class_annotations = Vec::new();
        let mut cur = n.parent();
        while let Some(p) = cur {
            if matches!(p.kind(), "class_declaration" | "object_declaration") {
                let name = p
                    .child_by_field_name("name")
                    .map_or("", |x| text(x, source));
                class = if class.is_empty() {
                    name.to_owned()
                } else {
                    format!("{name}.{class}")
                };
                class_annotations.extend(annotations(first_named(p, "modifiers"), source));
            }
            cur = p.parent();
        }
        let pos = n.start_position();
        out.push(JavaMethod {
            class,
            method: method.to_owned(),
            annotations: annotations(first_named(n, "modifiers"), source),
            class_annotations,
            line: pos.row as u64 + 1,
            column: pos.column as u64 + 1,
        });
    }
    out.sort_by_key(|m| (m.line, m.column));
    out
}

/// Receiver and member of a call's callee (`a.b().c(…)` -> (`a.b()`, `c`)).
fn callee(n: Node<'_>) -> Option<(Option<Node<'_>>, Node<'_>)> {
    let f = n.named_child(0)?;
    match f.kind() {
        "navigation_expression" => {
            let member = last_named(f)?;
            Some((f.named_child(0), member))
        }
        "identifier" => Some((None, f)),
        _ => None,
    }
}

fn args(n: Node<'_>) -> Vec<Node<'_>> {
    first_named(n, "value_arguments")
        .map(|a| {
            let mut c = a.walk();
            a.named_children(&mut c).collect()
        })
        .unwrap_or_default()
}

/// Product REST calls in Kotlin: `RestTemplate` verbs on `AtlassianHostRestClients`
/// (`authenticatedAsAddon()`, `authenticatedAsHostActor()`) or any `restTemplate`, and
/// `WebClient` chains (`webClient.post().uri("/rest/…", …)`).
#[must_use]
pub fn kotlin_rest_calls(source: &[u8]) -> Vec<crate::RestCall> {
    let Some(tree) = parse_kotlin(source) else {
        return Vec::new();
    };
    let root = tree.root_node();
    let consts = constants(root, source);
    let mut out = Vec::new();
    for n in nodes(root) {
        if n.kind() != "call_expression" {
            continue;
        }
        let Some((Some(receiver), member)) = callee(n) else {
            continue;
        };
        let name = text(member, source);
        let object = text(receiver, source);
        let a = args(n);
        let (method, url) = if name == "uri" {
            // WebClient: receiver is `<client>.get()` / `.method(HttpMethod.X)`.
            let Some((Some(client), verb)) = (receiver.kind() == "call_expression")
                .then(|| callee(receiver))
                .flatten()
            else {
                continue;
            };
            if !crate::java::web_client_receiver(text(client, source)) {
                continue;
            }
            let verb = match text(verb, source) {
                "method" => args(receiver)
                    .first()
                    .map(|m| crate::java::http_method_name(text(*m, source))),
                v => crate::java::web_client_verb(v).map(str::to_owned),
            };
            let Some(verb) = verb else { continue };
            (Some(verb), a.first().copied())
        } else {
            let Some(m) = crate::java::rest_template_verb(name) else {
                continue;
            };
            if !crate::java::rest_template_receiver(object) {
                continue;
            }
            let method = m.map(str::to_owned).or_else(|| {
                a.get(1)
                    .map(|m| crate::java::http_method_name(text(*m, source)))
            });
            (method, a.first().copied())
        };
        let resolved = url.and_then(|f| resolve(f, source, &consts, 0));
        let path = resolved.as_deref().and_then(crate::product_path);
        if resolved.is_none() || path.is_some() {
            out.push(crate::java::rest_call(
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

fn context_mentions(n: Node<'_>, src: &[u8], words: &[&str]) -> bool {
    let mut cur = n.parent();
    while let Some(p) = cur {
        if matches!(
            p.kind(),
            "function_declaration" | "class_declaration" | "object_declaration"
        ) {
            let t = text(p, src).to_ascii_lowercase();
            return words.iter().any(|w| t.contains(w));
        }
        cur = p.parent();
    }
    false
}

fn first_string_arg(n: Node<'_>, src: &[u8]) -> Option<String> {
    let a = *args(n).first()?;
    let lit = a.named_child(0).filter(|x| x.kind() == "string_literal")?;
    (!is_template(lit, src)).then(|| string_value(lit, src, &HashMap::new()))
}

/// A `{ a, b -> true }` lambda.
fn lambda_returns_true(l: Node<'_>, src: &[u8]) -> bool {
    let params = first_named(l, "lambda_parameters").map_or(0, |p| p.named_child_count());
    let body: String = text(l, src).split_whitespace().collect();
    params == 2 && body.ends_with("->true}")
}

/// Crypto, TLS and injection smells in a Kotlin file (the same kinds as [`crate::java_smells`]).
#[must_use]
pub fn kotlin_smells(source: &[u8]) -> Vec<Smell> {
    let Some(tree) = parse_kotlin(source) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut push = |kind: &'static str, n: Node<'_>, about_passwords: bool| {
        out.push(Smell::at(kind, n, source, about_passwords));
    };
    for n in nodes(tree.root_node()) {
        match n.kind() {
            "call_expression" => {
                let Some((receiver, member)) = callee(n) else {
                    continue;
                };
                let name = text(member, source);
                let object = receiver.map_or("", |r| text(r, source));
                let object = object.rsplit('.').next().unwrap_or(object);
                match (receiver.is_some(), object, name) {
                    (true, "MessageDigest", "getInstance")
                        if first_string_arg(n, source).is_some_and(|a| weak_hash_algorithm(&a)) =>
                    {
                        push(
                            "weak-hash",
                            n,
                            context_mentions(n, source, &["password", "passwd", "pwd"]),
                        );
                    }
                    (true, "Cipher", "getInstance")
                        if first_string_arg(n, source)
                            .is_some_and(|t| weak_cipher_transformation(&t)) =>
                    {
                        push("weak-cipher", n, false);
                    }
                    (true, "SSLContext", "getInstance")
                        if first_string_arg(n, source).is_some_and(|p| legacy_tls_protocol(&p)) =>
                    {
                        push("legacy-tls", n, false);
                    }
                    (true, _, "exec") if object.contains("getRuntime()") => {
                        push("command-execution", n, false);
                    }
                    (false, _, "ObjectInputStream") => push("unsafe-deserialization", n, false),
                    (false, _, "ProcessBuilder") => push("command-execution", n, false),
                    (_, _, "HostnameVerifier" | "setHostnameVerifier")
                        if first_named(n, "annotated_lambda")
                            .and_then(|a| first_named(a, "lambda_literal"))
                            .is_some_and(|l| lambda_returns_true(l, source)) =>
                    {
                        push("permissive-hostname-verifier", n, false);
                    }
                    _ => {}
                }
            }
            "assignment" => {
                // c.hostnameVerifier = { _, _ -> true } (SAM conversion)
                if let (Some(l), Some(r)) = (
                    n.child_by_field_name("left"),
                    n.child_by_field_name("right"),
                ) && text(l, source).ends_with("hostnameVerifier")
                    && r.kind() == "lambda_literal"
                    && lambda_returns_true(r, source)
                {
                    push("permissive-hostname-verifier", n, false);
                }
            }
            "function_declaration" => {
                let name = n
                    .child_by_field_name("name")
                    .map_or("", |x| text(x, source));
                if name == "checkServerTrusted"
                    && let Some(body) = first_named(n, "function_body")
                {
                    let inner = text(body, source)
                        .trim_start_matches('{')
                        .trim_end_matches('}');
                    if inner.lines().all(|l| {
                        let l = l.trim();
                        l.is_empty() || l.starts_with("//")
                    }) {
                        push("trust-all-certificates", n, false);
                    }
                }
                if name == "verify"
                    && context_mentions(n, source, &["hostnameverifier"])
                    && let Some(body) = first_named(n, "function_body")
                {
                    let t: String = text(body, source).split_whitespace().collect();
                    if t == "=true" || t == "{returntrue}" {
                        push("permissive-hostname-verifier", n, false);
                    }
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(|s| (s.line, s.column));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotated_functions() {
        let src = br#"package x
@Path("/admin")
@AnonymousAllowed
class AdminResource {
    @POST
    @com.atlassian.annotations.security.XsrfProtectionExcluded
    fun save(@QueryParam("k") key: String): Response = Response.ok().build()
    fun plain() {}
}
"#;
        let m = kotlin_methods(src);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].class, "AdminResource");
        assert_eq!(m[0].method, "save");
        assert!(m[0].has("XsrfProtectionExcluded") && m[0].has("AnonymousAllowed"));
        assert_eq!(m[0].http_method(), Some("POST"));
        assert_eq!(m[0].line, 5);
        assert!(!m[1].annotations.iter().any(|a| a.name == "POST"));
    }

    #[test]
    fn rest_calls_resolved_or_said_unresolved() {
        let src = br#"const val ISSUE = "/rest/api/3/issue/"
class S(private val clients: AtlassianHostRestClients, private val webClient: WebClient) {
    fun run(key: String, url: String) {
        clients.authenticatedAsAddon().getForObject("/rest/api/3/issue/$key", String::class.java)
        clients.authenticatedAsAddon().put(ISSUE + key, body)
        clients.authenticatedAsHostActor().exchange("/rest/api/3/issue/${key}", HttpMethod.DELETE, null, Void::class.java)
        clients.authenticatedAsAddon().getForObject(url, String::class.java)
        webClient.post().uri("/rest/api/3/issue/{k}/comment", key).retrieve()
        webClient.method(HttpMethod.PUT).uri("$ISSUE{k}", key).retrieve()
        restTemplate.getForObject("https://example.com/other", String::class.java)
        map.put("/rest/api/3/issue", x)
    }
}
"#;
        let got: Vec<String> = kotlin_rest_calls(src)
            .iter()
            .map(crate::RestCall::summary)
            .collect();
        assert_eq!(
            got,
            vec![
                "GET /rest/api/3/issue/{p} l4",
                "PUT /rest/api/3/issue/{p} l5",
                "DELETE /rest/api/3/issue/{p} l6 asUser",
                "GET UNRESOLVED l7",
                "POST /rest/api/3/issue/{k}/comment l8",
                "PUT /rest/api/3/issue/{k} l9",
            ]
        );
    }

    #[test]
    fn smells_match_the_java_kinds() {
        let src = br#"class Smells {
    fun hashPassword(password: String) = MessageDigest.getInstance("MD5").digest(password.toByteArray())
    fun checksum(b: ByteArray) = MessageDigest.getInstance("SHA-256").digest(b)
    fun cipher() { Cipher.getInstance("AES/ECB/PKCS5Padding"); Cipher.getInstance("AES/GCM/NoPadding") }
    fun tls() { SSLContext.getInstance("TLSv1.1"); SSLContext.getInstance("TLSv1.3") }
    val tm = object : X509TrustManager {
        override fun checkClientTrusted(c: Array<X509Certificate>, a: String) {}
        override fun checkServerTrusted(c: Array<X509Certificate>, a: String) {
            // trust everyone
        }
        override fun getAcceptedIssuers(): Array<X509Certificate> = arrayOf()
    }
    fun hv(c: HttpsURLConnection) { c.hostnameVerifier = HostnameVerifier { _, _ -> true } }
    fun hv2(c: HttpsURLConnection) { c.setHostnameVerifier { h, s -> h == "example.com" } }
    fun read(i: InputStream) = ObjectInputStream(i).readObject()
    fun run(cmd: String) { Runtime.getRuntime().exec(cmd) }
}
"#;
        let got: Vec<String> = kotlin_smells(src)
            .iter()
            .map(|s| format!("{} l{} pw={}", s.kind, s.line, s.about_passwords))
            .collect();
        assert_eq!(
            got,
            vec![
                "weak-hash l2 pw=true",
                "weak-cipher l4 pw=false",
                "legacy-tls l5 pw=false",
                "trust-all-certificates l8 pw=false",
                "permissive-hostname-verifier l13 pw=false",
                "unsafe-deserialization l15 pw=false",
                "command-execution l16 pw=false",
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(src in "\\PC{0,400}") {
            let _ = kotlin_methods(src.as_bytes());
            let _ = kotlin_rest_calls(src.as_bytes());
            let _ = kotlin_smells(src.as_bytes());
            let _ = crate::kotlin_credential_fields(src.as_bytes());
        }
    }
}
