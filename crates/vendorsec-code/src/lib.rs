//! Source-code parsing for vendorsec. The tree-sitter grammars (C code) live in this crate
//! alone so that edits elsewhere never rebuild them.
//!
//! Today: the annotations of Java methods and classes ([`java_methods`]); and the
//! Atlassian product REST calls and Express routes a JavaScript or TypeScript file has —
//! Forge `requestJira` / `requestConfluence` (with `route` template literals, through
//! `api.asApp()` / `api.asUser()` or `@forge/bridge`), Connect `AP.request`,
//! atlassian-connect-express `httpClient` calls, and `fetch` to product paths — with the
//! path resolved where the file says what it is (literals, template literals whose
//! substitutions are path parameters or same-file constants, concatenation), and marked
//! unresolved where it does not.

mod descriptor;
mod java;
mod kotlin;
mod storage;
mod xss;

use std::collections::HashMap;

pub use descriptor::{CodeDescriptor, Handler, connect_descriptor, exported_function};
pub use java::{
    Annotation, IgnoredPath, JavaMethod, Smell, ignored_paths, java_methods, java_rest_calls,
    java_smells, legacy_tls_protocol, weak_cipher_transformation, weak_hash_algorithm,
};
pub use kotlin::{kotlin_methods, kotlin_rest_calls, kotlin_smells};
pub use storage::{
    credential_name, java_credential_fields, js_credential_storage, kotlin_credential_fields,
};
use tree_sitter::{Node, Parser};
pub use xss::{HtmlSink, NamedLine, html_sinks, velocity_html_refs};

/// Largest source file parsed (bundles and minified files beyond it are skipped).
pub const MAX_SOURCE_BYTES: usize = 2 << 20;

/// Source languages this crate parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    JavaScript,
    TypeScript,
    Tsx,
}

impl Lang {
    /// The language of a file name, if it is one this crate parses.
    #[must_use]
    pub fn of(name: &str) -> Option<Lang> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".min.js") || lower.ends_with(".d.ts") {
            return None;
        }
        let ext = lower.rsplit_once('.')?.1;
        match ext {
            "js" | "mjs" | "cjs" | "jsx" => Some(Lang::JavaScript),
            "ts" | "mts" | "cts" => Some(Lang::TypeScript),
            "tsx" => Some(Lang::Tsx),
            _ => None,
        }
    }
}

/// Which API a call goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Api {
    /// Forge `requestJira` / `requestConfluence` / `requestBitbucket`.
    Forge,
    /// Connect `AP.request` (browser).
    ConnectBrowser,
    /// atlassian-connect-express `httpClient` (server).
    ConnectServer,
    /// `fetch` or axios to a product path.
    Fetch,
    /// Spring `RestTemplate` / `WebClient` (atlassian-connect-spring-boot's
    /// `AtlassianHostRestClients`), in Java, Kotlin or bytecode.
    Spring,
}

impl Api {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Api::Forge => "Forge requestJira/requestConfluence",
            Api::ConnectBrowser => "AP.request",
            Api::ConnectServer => "ACE httpClient",
            Api::Spring => "Spring RestTemplate/WebClient",
            Api::Fetch => "fetch/axios",
        }
    }
}

/// One product REST call found in code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestCall {
    pub api: Api,
    /// Upper-case HTTP method (GET when the call does not say).
    pub method: String,
    /// The path with path parameters as `{p}`, or `None` when it could not be resolved.
    pub path: Option<String>,
    /// The expression as written (truncated), for evidence.
    pub expression: String,
    /// 1-based line and column.
    pub line: u64,
    pub column: u64,
    /// `asUser()` / `asUserByAccountId()` in the call chain.
    pub as_user: bool,
}

#[cfg(test)]
impl RestCall {
    /// `METHOD path lLINE[ asUser]` (the path `UNRESOLVED` when not stated), for tests.
    pub(crate) fn summary(&self) -> String {
        format!(
            "{} {} l{}{}",
            self.method,
            self.path.as_deref().unwrap_or("UNRESOLVED"),
            self.line,
            if self.as_user { " asUser" } else { "" }
        )
    }
}

/// Most nodes visited in one tree (a bound against pathological input).
const NODE_LIMIT: usize = 4_000_000;

/// Every named node under `root`, depth first, at most [`NODE_LIMIT`] of them.
pub(crate) fn nodes(root: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    let mut stack = vec![root];
    let mut seen = 0usize;
    std::iter::from_fn(move || {
        let n = stack.pop()?;
        seen += 1;
        if seen > NODE_LIMIT {
            return None;
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
        Some(n)
    })
}

fn text<'a>(n: Node<'_>, src: &'a [u8]) -> &'a str {
    n.utf8_text(src).unwrap_or("")
}

fn truncate(s: &str, n: usize) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > n {
        format!("{}…", one_line.chars().take(n).collect::<String>())
    } else {
        one_line
    }
}

/// String constants of the file: `const X = '...'` (first binding wins).
fn constants(root: Node<'_>, src: &[u8]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for n in nodes(root) {
        if n.kind() == "variable_declarator"
            && let (Some(name), Some(value)) = (
                n.child_by_field_name("name"),
                n.child_by_field_name("value"),
            )
            && name.kind() == "identifier"
            && let Some(v) = literal(value, src)
        {
            out.entry(text(name, src).to_owned()).or_insert(v);
        }
    }
    out
}

/// The value of a plain string or a template literal without substitutions.
fn literal(n: Node<'_>, src: &[u8]) -> Option<String> {
    match n.kind() {
        "string" => {
            let t = text(n, src);
            Some(t.get(1..t.len().saturating_sub(1)).unwrap_or("").to_owned())
        }
        "template_string" => {
            let mut c = n.walk();
            if n.named_children(&mut c)
                .any(|x| x.kind() == "template_substitution")
            {
                return None;
            }
            let t = text(n, src);
            Some(t.get(1..t.len().saturating_sub(1)).unwrap_or("").to_owned())
        }
        _ => None,
    }
}

/// Resolve a path expression: literals and constants as they are, anything else inside a
/// template or concatenation as a path parameter `{p}`; `None` when the expression as a
/// whole is unknown.
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
        "string" => literal(n, src),
        "template_string" => {
            let mut out = String::new();
            let raw = text(n, src);
            let start = n.start_byte();
            let mut pos = start + 1;
            let mut c = n.walk();
            for ch in n.named_children(&mut c) {
                if ch.kind() == "template_substitution" {
                    out.push_str(raw.get(pos - start..ch.start_byte() - start).unwrap_or(""));
                    let inner = ch.named_child(0);
                    let val = inner
                        .filter(|i| i.kind() == "identifier")
                        .and_then(|i| consts.get(text(i, src)).cloned())
                        .unwrap_or_else(|| "{p}".to_owned());
                    out.push_str(&val);
                    pos = ch.end_byte();
                }
            }
            out.push_str(
                raw.get(pos - start..raw.len().saturating_sub(1))
                    .unwrap_or(""),
            );
            Some(out)
        }
        "identifier" => consts.get(text(n, src)).cloned(),
        "parenthesized_expression" => n
            .named_child(0)
            .and_then(|c| resolve(c, src, consts, depth + 1)),
        "binary_expression" => {
            if n.child_by_field_name("operator").map(|o| text(o, src)) != Some("+") {
                return None;
            }
            let l = n.child_by_field_name("left")?;
            let r = n.child_by_field_name("right")?;
            let part = |x: Node<'_>| -> Option<String> {
                resolve(x, src, consts, depth + 1).or_else(|| {
                    // An unknown operand of a concatenation is a path parameter.
                    matches!(
                        x.kind(),
                        "identifier"
                            | "member_expression"
                            | "call_expression"
                            | "subscript_expression"
                    )
                    .then(|| "{p}".to_owned())
                })
            };
            let (a, b) = (part(l)?, part(r)?);
            // Unknown on both sides says nothing.
            if a == "{p}" && b == "{p}" {
                return None;
            }
            Some(format!("{a}{b}"))
        }
        // route`...` (Forge) and similar tagged templates.
        "call_expression" => {
            let f = n.child_by_field_name("function")?;
            let args = n.child_by_field_name("arguments")?;
            if text(f, src) == "route" && args.kind() == "template_string" {
                resolve(args, src, consts, depth + 1)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// `{ method: 'PUT' }` / `{ type: 'POST' }` / `{ url: ... }` properties of an object literal.
fn property<'a>(obj: Node<'a>, src: &[u8], names: &[&str]) -> Option<Node<'a>> {
    if obj.kind() != "object" {
        return None;
    }
    let mut c = obj.walk();
    let found = obj.named_children(&mut c).find(|p| {
        p.kind() == "pair"
            && p.child_by_field_name("key")
                .map(|k| text(k, src).trim_matches(['"', '\'']))
                .is_some_and(|k| names.contains(&k))
    });
    found.and_then(|p| p.child_by_field_name("value"))
}

fn method_of(
    obj: Option<Node<'_>>,
    src: &[u8],
    consts: &HashMap<String, String>,
) -> Option<String> {
    let v = property(obj?, src, &["method", "type"])?;
    resolve(v, src, consts, 0).map(|m| m.to_ascii_uppercase())
}

/// Normalise a resolved URL to a product path: absolute site URLs lose scheme and host, a
/// leading unknown base (`{p}/rest/…`) is dropped, the query string goes.
#[must_use]
pub fn product_path(p: &str) -> Option<String> {
    let mut s = p.trim().to_owned();
    if let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    {
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        if !(host.ends_with(".atlassian.net") || host.ends_with(".jira.com") || host == "{p}") {
            return None;
        }
        s = format!("/{path}");
    }
    if let Some(rest) = s.strip_prefix("{p}")
        && (rest.starts_with("/rest/") || rest.starts_with("/wiki/"))
    {
        s = rest.to_owned();
    }
    let s = s.split(['?', '#']).next().unwrap_or("").to_owned();
    (s.starts_with("/rest/") || s.starts_with("/wiki/") || s.starts_with("/gateway/")).then_some(s)
}

fn parse(source: &[u8], lang: Lang) -> Option<tree_sitter::Tree> {
    if source.len() > MAX_SOURCE_BYTES {
        return None;
    }
    let mut parser = Parser::new();
    let language = match lang {
        Lang::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
    };
    parser.set_language(&language).ok()?;
    parser.parse(source, None)
}

/// An absolute URL the code fetches or shows (Forge egress).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalUrl {
    /// `fetch` (fetch, api.fetch, axios) or `image` (an `<img src>` / `src=` attribute).
    pub kind: &'static str,
    pub url: String,
    pub line: u64,
    pub column: u64,
}

/// Absolute http(s) URLs passed to fetch-like calls or written in JSX `src` attributes.
#[must_use]
pub fn external_urls(source: &[u8], lang: Lang) -> Vec<ExternalUrl> {
    let Some(tree) = parse(source, lang) else {
        return Vec::new();
    };
    let root = tree.root_node();
    let consts = constants(root, source);
    let mut out = Vec::new();
    let absolute = |u: &str| u.starts_with("https://") || u.starts_with("http://");
    for n in nodes(root) {
        let pos = n.start_position();
        match n.kind() {
            "call_expression" => {
                let f = n.child_by_field_name("function");
                let callee = f.map_or("", |f| text(f, source));
                let fetchy = matches!(
                    callee,
                    "fetch" | "api.fetch" | "window.fetch" | "axios" | "got" | "ky"
                ) || callee.starts_with("axios.");
                if fetchy
                    && let Some(args) = n.child_by_field_name("arguments")
                    && let Some(first) = args.named_child(0)
                    && let Some(u) = resolve(first, source, &consts, 0).or_else(|| {
                        property(first, source, &["url"])
                            .and_then(|v| resolve(v, source, &consts, 0))
                    })
                    && absolute(&u)
                {
                    out.push(ExternalUrl {
                        kind: "fetch",
                        url: u,
                        line: pos.row as u64 + 1,
                        column: pos.column as u64 + 1,
                    });
                }
            }
            "jsx_attribute" => {
                let mut c = n.walk();
                let parts: Vec<Node<'_>> = n.named_children(&mut c).collect();
                if parts.len() == 2
                    && text(parts[0], source) == "src"
                    && let Some(u) = literal(parts[1], source).or_else(|| {
                        parts[1]
                            .named_child(0)
                            .and_then(|e| resolve(e, source, &consts, 0))
                    })
                    && absolute(&u)
                {
                    out.push(ExternalUrl {
                        kind: "image",
                        url: u,
                        line: pos.row as u64 + 1,
                        column: pos.column as u64 + 1,
                    });
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(|u| (u.line, u.column));
    out
}

/// What one file tells about its product REST calls and its Express routes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FileFacts {
    pub calls: Vec<RestCall>,
    pub routes: Vec<Route>,
    /// `app.use(addon.authenticate())` or similar: every later route is guarded.
    pub global_guard: bool,
}

/// An Express route registration (`app.get('/path', …)`, `router.post(…)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: String,
    /// The route path, `None` when not a literal.
    pub path: Option<String>,
    /// A guard among the handlers: `addon.authenticate()`, `addon.checkValidToken()`, or a
    /// middleware whose name says it checks the JWT.
    pub guarded: bool,
    pub line: u64,
    pub column: u64,
    pub expression: String,
}

const ROUTE_METHODS: [&str; 8] = ["get", "post", "put", "delete", "del", "patch", "all", "use"];

/// Whether an expression is an atlassian-connect-express JWT guard.
fn is_guard(n: Node<'_>, src: &[u8]) -> bool {
    let t = text(n, src);
    let callee = if n.kind() == "call_expression" {
        n.child_by_field_name("function")
            .map_or(t, |f| text(f, src))
    } else {
        t
    };
    let last = callee
        .rsplit('.')
        .next()
        .unwrap_or(callee)
        .to_ascii_lowercase();
    last == "authenticate"
        || last == "checkvalidtoken"
        || last.contains("jwt")
        || last.starts_with("requireauth")
        || last.starts_with("ensureauth")
}

fn route_of(n: Node<'_>, src: &[u8], consts: &HashMap<String, String>) -> Option<(Route, bool)> {
    let f = n.child_by_field_name("function")?;
    if f.kind() != "member_expression" {
        return None;
    }
    let prop = text(f.child_by_field_name("property")?, src);
    if !ROUTE_METHODS.contains(&prop) {
        return None;
    }
    let object = f.child_by_field_name("object")?;
    if object.kind() != "identifier" {
        return None;
    }
    let obj = text(object, src).to_ascii_lowercase();
    if !(obj.contains("app") || obj.contains("router") || obj.contains("server")) {
        return None;
    }
    let args = n.child_by_field_name("arguments")?;
    let mut c = args.walk();
    let argv: Vec<Node<'_>> = args.named_children(&mut c).collect();
    let first = argv.first()?;
    let path = resolve(*first, src, consts, 0).filter(|p| p.starts_with('/'));
    let handlers: &[Node<'_>] = if path.is_some() {
        &argv[1..]
    } else {
        &argv[..]
    };
    let guarded = handlers.iter().any(|h| is_guard(*h, src));
    if prop == "use" {
        // app.use(addon.authenticate()): a global guard; app.use('/x', …) is not a route.
        return Some((
            Route {
                method: "USE".into(),
                path,
                guarded,
                line: 0,
                column: 0,
                expression: String::new(),
            },
            guarded,
        ))
        .filter(|(r, _)| r.path.is_none());
    }
    if path.is_none() || handlers.is_empty() {
        return None;
    }
    let pos = n.start_position();
    Some((
        Route {
            method: if prop == "del" {
                "DELETE".into()
            } else {
                prop.to_ascii_uppercase()
            },
            path,
            guarded,
            line: pos.row as u64 + 1,
            column: pos.column as u64 + 1,
            expression: truncate(text(n, src), 160),
        },
        false,
    ))
}

/// Calls and Express routes of one file.
#[must_use]
pub fn file_facts(source: &[u8], lang: Lang) -> FileFacts {
    let Some(tree) = parse(source, lang) else {
        return FileFacts::default();
    };
    let root = tree.root_node();
    let consts = constants(root, source);
    let mut facts = FileFacts {
        calls: calls_in(root, source, &consts),
        ..FileFacts::default()
    };
    for n in nodes(root) {
        if n.kind() == "call_expression"
            && let Some((route, global)) = route_of(n, source, &consts)
        {
            if route.method == "USE" {
                facts.global_guard |= global;
            } else {
                facts.routes.push(route);
            }
        }
    }
    facts.routes.sort_by_key(|r| (r.line, r.column));
    facts
}

/// Every product REST call in one file.
#[must_use]
pub fn rest_calls(source: &[u8], lang: Lang) -> Vec<RestCall> {
    let Some(tree) = parse(source, lang) else {
        return Vec::new();
    };
    let root = tree.root_node();
    let consts = constants(root, source);
    calls_in(root, source, &consts)
}

fn calls_in(root: Node<'_>, source: &[u8], consts: &HashMap<String, String>) -> Vec<RestCall> {
    let mut out = Vec::new();
    for n in nodes(root) {
        if n.kind() == "call_expression"
            && let Some(call) = classify(n, source, consts)
        {
            out.push(call);
        }
    }
    out.sort_by_key(|c| (c.line, c.column));
    out
}

fn classify(n: Node<'_>, src: &[u8], consts: &HashMap<String, String>) -> Option<RestCall> {
    let f = n.child_by_field_name("function")?;
    let args = n.child_by_field_name("arguments")?;
    if args.kind() != "arguments" {
        return None;
    }
    let mut c = args.walk();
    let argv: Vec<Node<'_>> = args.named_children(&mut c).collect();
    let callee = text(f, src);
    let (prop, object) = if f.kind() == "member_expression" {
        (
            f.child_by_field_name("property")
                .map(|p| text(p, src))
                .unwrap_or(""),
            f.child_by_field_name("object")
                .map(|o| text(o, src))
                .unwrap_or(""),
        )
    } else {
        (callee, "")
    };
    let as_user = object.contains("asUser");
    let (api, url_node, method) = match prop {
        "requestJira" | "requestConfluence" | "requestBitbucket" => (
            Api::Forge,
            argv.first().copied(),
            method_of(argv.get(1).copied(), src, consts),
        ),
        "request" if object == "AP" || object.ends_with(".AP") => match argv.first() {
            Some(a) if a.kind() == "object" => (
                Api::ConnectBrowser,
                property(*a, src, &["url"]),
                method_of(Some(*a), src, consts),
            ),
            a => (
                Api::ConnectBrowser,
                a.copied(),
                method_of(argv.get(1).copied(), src, consts),
            ),
        },
        "get" | "post" | "put" | "del" | "delete" | "patch" | "head"
            if object.contains("httpClient") =>
        {
            let m = match prop {
                "del" => "DELETE".to_owned(),
                other => other.to_ascii_uppercase(),
            };
            match argv.first() {
                Some(a) if a.kind() == "object" => (
                    Api::ConnectServer,
                    property(*a, src, &["url", "uri"]),
                    Some(m),
                ),
                a => (Api::ConnectServer, a.copied(), Some(m)),
            }
        }
        "fetch" if object.is_empty() || object == "api" || object == "window" => (
            Api::Fetch,
            argv.first().copied(),
            method_of(argv.get(1).copied(), src, consts),
        ),
        // axios.get(url) / axios.post(url, data) / axios(url, config) / axios({ url, method })
        "get" | "post" | "put" | "delete" | "patch" | "head" if object == "axios" => (
            Api::Fetch,
            argv.first().copied(),
            Some(prop.to_ascii_uppercase()),
        ),
        "axios" if object.is_empty() => match argv.first() {
            Some(a) if a.kind() == "object" => (
                Api::Fetch,
                property(*a, src, &["url"]),
                method_of(Some(*a), src, consts),
            ),
            a => (
                Api::Fetch,
                a.copied(),
                method_of(argv.get(1).copied(), src, consts),
            ),
        },
        _ => return None,
    };
    let url_node = url_node?;
    let resolved = resolve(url_node, src, consts, 0);
    let path = match &resolved {
        Some(p) => product_path(p),
        None => None,
    };
    // fetch counts only when it reaches a product path; the others are product calls by API.
    if api == Api::Fetch && path.is_none() {
        return None;
    }
    let pos = n.start_position();
    Some(RestCall {
        api,
        method: method.unwrap_or_else(|| "GET".to_owned()),
        path: if resolved.is_some() {
            path.or(resolved)
        } else {
            None
        },
        expression: truncate(text(n, src), 160),
        line: pos.row as u64 + 1,
        column: pos.column as u64 + 1,
        as_user,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(src: &str, lang: Lang) -> Vec<String> {
        rest_calls(src.as_bytes(), lang)
            .iter()
            .map(|c| format!("{:?} {}", c.api, c.summary()))
            .collect()
    }

    #[test]
    fn forge_resolvers_with_route_templates() {
        let src = r#"import api, { route } from '@forge/api';
const FIELD = 'summary';
export async function run(key, id) {
  const r = await api.asApp().requestJira(route`/rest/api/3/issue/${key}?fields=${FIELD}`);
  await api.asUser().requestJira(route`/rest/api/3/issue/${key}`, { method: 'PUT', body: '{}' });
  await api.asApp().requestConfluence(route`/wiki/api/v2/pages/${id}`, { method: "DELETE" });
  await api.asApp().requestJira(someRoute);
}
"#;
        assert_eq!(
            calls(src, Lang::JavaScript),
            vec![
                "Forge GET /rest/api/3/issue/{p} l4",
                "Forge PUT /rest/api/3/issue/{p} l5 asUser",
                "Forge DELETE /wiki/api/v2/pages/{p} l6",
                "Forge GET UNRESOLVED l7",
            ]
        );
    }

    #[test]
    fn connect_browser_server_and_fetch_in_typescript() {
        let src = r#"
const BASE = '/rest/api/3';
AP.request('/rest/api/3/myself');
AP.request({ url: BASE + '/project/' + projectKey, type: 'PUT' });
export function handler(addon: any, req: any) {
  const httpClient = addon.httpClient(req);
  httpClient.get('/rest/api/3/search?jql=x');
  addon.httpClient(req).asUserByAccountId(id).post({ url: `/rest/api/3/issue`, json: true });
  httpClient.del(`/rest/api/3/issue/${key}`);
  fetch('https://example.com/api/things');
  fetch(`https://acme.atlassian.net/rest/api/3/user/email?accountId=${a}`);
  const x: number = 1;
  axios.put(`https://acme.atlassian.net/rest/api/3/issue/${key}`, body);
  axios({ url: 'https://acme.atlassian.net/wiki/api/v2/pages', method: 'post' });
  axios.get('https://example.com/not-a-product');
}
"#;
        assert_eq!(
            calls(src, Lang::TypeScript),
            vec![
                "ConnectBrowser GET /rest/api/3/myself l3",
                "ConnectBrowser PUT /rest/api/3/project/{p} l4",
                "ConnectServer GET /rest/api/3/search l7",
                "ConnectServer POST /rest/api/3/issue l8 asUser",
                "ConnectServer DELETE /rest/api/3/issue/{p} l9",
                "Fetch GET /rest/api/3/user/email l11",
                "Fetch PUT /rest/api/3/issue/{p} l13",
                "Fetch POST /wiki/api/v2/pages l14",
            ]
        );
    }

    #[test]
    fn tsx_and_language_detection() {
        assert_eq!(Lang::of("src/index.tsx"), Some(Lang::Tsx));
        assert_eq!(Lang::of("dist/app.min.js"), None);
        assert_eq!(Lang::of("types.d.ts"), None);
        let src = "import { requestJira } from '@forge/bridge';\nexport const App = () => { requestJira('/rest/api/3/field'); return <div/>; };\n";
        assert_eq!(
            calls(src, Lang::Tsx),
            vec!["Forge GET /rest/api/3/field l2"]
        );
    }

    #[test]
    fn external_urls_in_fetch_calls_and_jsx() {
        let src = r#"import api from '@forge/api';
const API = 'https://api.example.com/v1';
export async function run() {
  await api.fetch(`${API}/items`);
  await fetch('https://stats.example.net/collect', { method: 'POST' });
  await fetch('/relative/only');
  await axios.get('http://plain.example.org/x');
}
export const Logo = () => <img src="https://cdn.example.com/logo.png" alt="" />;
"#;
        let got: Vec<String> = external_urls(src.as_bytes(), Lang::Tsx)
            .iter()
            .map(|u| format!("{} {} l{}", u.kind, u.url, u.line))
            .collect();
        assert_eq!(
            got,
            vec![
                "fetch https://api.example.com/v1/items l4",
                "fetch https://stats.example.net/collect l5",
                "fetch http://plain.example.org/x l7",
                "image https://cdn.example.com/logo.png l9",
            ]
        );
    }

    #[test]
    fn express_routes_and_their_guards() {
        let src = r#"export default function routes(app, addon) {
  app.get('/', (req, res) => res.redirect('/atlassian-connect.json'));
  app.get('/issue-panel', addon.authenticate(), (req, res) => res.render('panel'));
  app.post('/api/save', addon.checkValidToken(), save);
  app.post('/api/delete', remove);
  router.get(`/admin`, requireJwt, admin);
  app.use('/static', express.static('public'));
}
"#;
        let f = file_facts(src.as_bytes(), Lang::JavaScript);
        let got: Vec<String> = f
            .routes
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} l{}",
                    r.method,
                    r.path.as_deref().unwrap_or("?"),
                    r.guarded,
                    r.line
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                "GET / false l2",
                "GET /issue-panel true l3",
                "POST /api/save true l4",
                "POST /api/delete false l5",
                "GET /admin true l6"
            ]
        );
        assert!(!f.global_guard);
        let g = file_facts(
            b"app.use(addon.authenticate());
app.get('/x', h);
",
            Lang::JavaScript,
        );
        assert!(g.global_guard);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(src in "\\PC{0,400}") {
            for l in [Lang::JavaScript, Lang::TypeScript, Lang::Tsx] {
                let _ = file_facts(src.as_bytes(), l);
                let _ = external_urls(src.as_bytes(), l);
            }
        }
    }
}
