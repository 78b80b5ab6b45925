//! Forge apps: `manifest.yml` (FG-EGRESS-01, FG-CSP-01, impersonation, remotes of the
//! research's check table) and the profile: scopes, egress hosts, web triggers, remotes.

use serde_json::Value;
use vendorsec_core::{Finding, Severity};

use crate::model::{
    AppKind, AppProfile, Check, Endpoint, Host, ScopeInfo, finding, host_of, line_of,
};

const EXTERNAL_KINDS: [&str; 7] = [
    "fonts", "styles", "frames", "images", "media", "scripts", "fetch",
];

/// Every `permissions.external` entry: (kind, address or remote, analytics with in-scope
/// end-user data).
fn external_entries(external: &Value) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    let mut push = |kind: String, e: &Value| match e {
        Value::String(s) => out.push((kind, s.clone(), false)),
        Value::Object(m) => {
            let addr = m
                .get("address")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| {
                    m.get("remote")
                        .and_then(Value::as_str)
                        .map(|r| format!("remote:{r}"))
                });
            let analytics_eud = m.get("category").and_then(Value::as_str) == Some("analytics")
                && m.get("inScopeEUD").and_then(Value::as_bool) == Some(true);
            if let Some(a) = addr {
                out.push((kind, a, analytics_eud));
            }
        }
        _ => {}
    };
    for k in EXTERNAL_KINDS {
        match external.get(k) {
            Some(Value::Array(items)) => {
                for e in items {
                    push(k.to_owned(), e);
                }
            }
            // fetch: { backend: [...], client: [...] }
            Some(Value::Object(sub)) => {
                for (sk, items) in sub {
                    for e in items.as_array().into_iter().flatten() {
                        push(format!("{k}.{sk}"), e);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Declared scopes and whether each allows impersonation. Accepts a list of names, a list
/// with `{key|scope|name, allowImpersonation}` maps, or a map of name -> options.
fn scopes(v: Option<&Value>) -> Vec<(String, bool)> {
    let imp = |o: &Value| o.get("allowImpersonation").and_then(Value::as_bool) == Some(true);
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some((s.clone(), false)),
                Value::Object(m) => ["key", "scope", "name"]
                    .iter()
                    .find_map(|k| m.get(*k).and_then(Value::as_str))
                    .map(|n| (n.to_owned(), imp(i))),
                _ => None,
            })
            .collect(),
        Some(Value::Object(m)) => m.iter().map(|(k, o)| (k.clone(), imp(o))).collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn analyse(
    chain: &[String],
    text: &[u8],
) -> Result<Option<(AppProfile, Vec<Finding>)>, String> {
    let s = std::str::from_utf8(text).map_err(|e| format!("manifest.yml: not UTF-8: {e}"))?;
    let v: Value = match serde_saphyr::from_str(s) {
        Ok(v) => v,
        Err(e) => {
            // Only a problem when it looks like a Forge manifest at all.
            if s.contains("modules:") && s.contains("app:") {
                let msg = e.to_string();
                return Err(format!(
                    "manifest.yml: not valid YAML: {}",
                    msg.lines().next().unwrap_or("")
                ));
            }
            return Ok(None);
        }
    };
    let app = v.get("app");
    let is_forge = app
        .and_then(|a| a.get("id"))
        .and_then(Value::as_str)
        .is_some_and(|id| id.starts_with("ari:cloud:ecosystem::app/"))
        || (app.is_some() && v.get("modules").is_some());
    if !is_forge {
        return Ok(None);
    }
    let mut p = AppProfile::new(AppKind::Forge, chain);
    let mut out = Vec::new();
    p.key = app
        .and_then(|a| a.get("id"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    p.name = app
        .and_then(|a| a.get("name").or_else(|| a.get("key")))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let perms = v.get("permissions");
    for (scope, impersonation) in scopes(perms.and_then(|x| x.get("scopes"))) {
        p.scopes.push(ScopeInfo {
            allows: forge_scope_meaning(&scope),
            scope: scope.clone(),
            impersonation,
        });
        if impersonation {
            out.push(finding(chain, Check {
                rule: "forge/impersonation-scope",
                severity: Severity::Medium,
                message: format!("The scope {scope} is declared with allowImpersonation: the app may act as any user while they are offline."),
                evidence: format!("{scope}: allowImpersonation: true"),
                remediation: "Remove allowImpersonation unless a feature needs offline user impersonation, and document why it does.",
                line: line_of(text, &scope),
                identity: format!("{}|{scope}", p.key),
            }));
        }
    }
    if let Some(external) = perms.and_then(|x| x.get("external")) {
        for (kind, addr, analytics_eud) in external_entries(external) {
            let bare = addr.trim() == "*" || addr.trim() == "https://*";
            let wildcard = !bare && addr.contains('*');
            if let Some(h) = host_of(&addr).or_else(|| {
                (!addr.contains("://") && !addr.starts_with("remote:")).then(|| addr.clone())
            }) {
                p.hosts.push(Host {
                    host: h,
                    source: format!("permissions.external.{kind}"),
                });
            }
            let (severity, what) = if bare {
                (Severity::High, "any domain")
            } else if analytics_eud {
                (
                    Severity::Medium,
                    "an analytics destination that receives in-scope end-user data",
                )
            } else if wildcard {
                (Severity::Low, "every subdomain of a domain")
            } else {
                continue;
            };
            out.push(finding(chain, Check {
                rule: "forge/broad-egress",
                severity,
                message: format!("permissions.external.{kind} allows {what}: {addr}."),
                evidence: format!("permissions.external.{kind}: {addr}"),
                remediation: "List the exact hosts the app needs; never `*`; mark analytics egress that carries end-user data only when it must.",
                line: line_of(text, &addr),
                identity: format!("{}|{kind}|{addr}", p.key),
            }));
        }
    }
    if let Some(content) = perms.and_then(|x| x.get("content")) {
        for (kind, values) in [
            ("scripts", content.get("scripts")),
            ("styles", content.get("styles")),
        ] {
            for val in values
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let severity = match (kind, val) {
                    ("scripts", "unsafe-eval") => Severity::High,
                    ("scripts", "unsafe-inline" | "unsafe-hashes") => Severity::Medium,
                    ("styles", "unsafe-inline") => Severity::Low,
                    _ => {
                        p.notes.push(format!("CSP {kind}: {val}"));
                        continue;
                    }
                };
                p.notes.push(format!("CSP {kind}: {val}"));
                out.push(finding(chain, Check {
                    rule: "forge/csp-relaxation",
                    severity,
                    message: format!("permissions.content.{kind} allows `{val}` in the Custom UI content security policy."),
                    evidence: format!("permissions.content.{kind}: {val}"),
                    remediation: "Remove the relaxation: bundle scripts and styles, avoid eval and inline handlers, and use hashes for unavoidable inline code.",
                    line: line_of(text, val),
                    identity: format!("{}|{kind}|{val}", p.key),
                }));
            }
        }
    }
    for r in v
        .get("remotes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = r.get("key").and_then(Value::as_str).unwrap_or("");
        let base = match r.get("baseUrl") {
            Some(Value::String(b)) => b.clone(),
            // Per-environment map: take each.
            Some(Value::Object(m)) => m
                .values()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
            _ => String::new(),
        };
        for b in base.split(' ').filter(|b| !b.is_empty()) {
            if let Some(h) = host_of(b) {
                p.hosts.push(Host {
                    host: h,
                    source: format!("remote {key}"),
                });
            }
            p.endpoints.push(Endpoint {
                kind: format!("remote {key}"),
                url: b.to_owned(),
                auth: "Forge invocation token (FIT) from Atlassian; the remote must verify it"
                    .into(),
            });
            if b.starts_with("http://") {
                out.push(finding(chain, Check {
                    rule: "forge/insecure-remote",
                    severity: Severity::High,
                    message: format!("The remote {key} is reached over plain HTTP ({b})."),
                    evidence: format!("remotes: {key}: baseUrl: {b}"),
                    remediation: "Serve remotes over HTTPS only and verify the Forge invocation token on every request.",
                    line: line_of(text, b),
                    identity: format!("{}|{key}|{b}", p.key),
                }));
            }
        }
    }
    let modules = v.get("modules").and_then(Value::as_object);
    for (module_type, defs) in modules.into_iter().flatten() {
        for d in defs.as_array().into_iter().flatten() {
            let key = d.get("key").and_then(Value::as_str).unwrap_or("");
            match module_type.as_str() {
                "webtrigger" => p.endpoints.push(Endpoint {
                    kind: "webtrigger".into(),
                    url: format!("web trigger {key} (function {})", d.get("function").and_then(Value::as_str).unwrap_or("?")),
                    auth: "none by Forge: anyone with the URL can call it; the function must authenticate callers".into(),
                }),
                "endpoint" => p.endpoints.push(Endpoint {
                    kind: "endpoint".into(),
                    url: format!("endpoint {key} -> remote {}", d.get("remote").and_then(Value::as_str).unwrap_or("?")),
                    auth: "Forge invocation token".into(),
                }),
                _ => {}
            }
        }
    }
    p.sort();
    Ok(Some((p, out)))
}

/// A web trigger of a manifest and the handler of its function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Trigger {
    pub key: String,
    /// `index.run`: module `src/index.*`, export `run`.
    pub handler: String,
    /// Line of the trigger in the manifest.
    pub line: u64,
}

/// The web triggers of a manifest with their handlers (those whose function is declared).
pub(crate) fn triggers(text: &[u8]) -> Vec<Trigger> {
    let Ok(s) = std::str::from_utf8(text) else {
        return Vec::new();
    };
    let Ok(v) = serde_saphyr::from_str::<Value>(s) else {
        return Vec::new();
    };
    let modules = v.get("modules");
    let list = |k: &str| -> Vec<Value> {
        modules
            .and_then(|m| m.get(k))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let functions = list("function");
    let mut out = Vec::new();
    for t in list("webtrigger") {
        let key = t.get("key").and_then(Value::as_str).unwrap_or("");
        let Some(function) = t.get("function").and_then(Value::as_str) else {
            continue;
        };
        let handler = functions
            .iter()
            .find(|f| f.get("key").and_then(Value::as_str) == Some(function))
            .and_then(|f| f.get("handler").and_then(Value::as_str));
        if let Some(h) = handler {
            out.push(Trigger {
                key: key.to_owned(),
                handler: h.to_owned(),
                line: line_of(text, &format!("key: {key}")),
            });
        }
    }
    out
}

fn forge_scope_meaning(scope: &str) -> String {
    let (verb, rest) = scope.split_once(':').unwrap_or(("", scope));
    let what = rest.replace(':', " in ").replace('-', " ");
    match verb {
        "read" => format!("read {what}"),
        "write" => format!("create and change {what}"),
        "delete" => format!("delete {what}"),
        "manage" => format!("administer {what}"),
        "storage" => "use the app's Forge storage".into(),
        _ => format!("{scope} (see Atlassian's scope reference)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (AppProfile, Vec<String>) {
        let (p, f) = analyse(&["manifest.yml".into()], text.as_bytes())
            .unwrap()
            .unwrap();
        let mut r: Vec<String> = f
            .iter()
            .map(|f| format!("{} {} l{}", f.rule, f.severity, f.locations[0].line))
            .collect();
        r.sort();
        (p, r)
    }

    const GOOD: &str = "app:\n  id: ari:cloud:ecosystem::app/1234\nmodules:\n  jira:issuePanel:\n    - key: panel\n      resource: main\n      resolver:\n        function: resolver\n  function:\n    - key: resolver\n      handler: index.handler\npermissions:\n  scopes:\n    - read:jira-work\n    - storage:app\n  external:\n    fetch:\n      backend:\n        - api.example.com\n  content:\n    styles:\n      - unsafe-inline\n";

    #[test]
    fn a_lean_manifest_has_only_the_style_note() {
        let (p, r) = run(GOOD);
        assert_eq!(r, vec!["forge/csp-relaxation low l22"]);
        assert_eq!(p.key, "ari:cloud:ecosystem::app/1234");
        assert_eq!(p.scopes.len(), 2);
        assert_eq!(p.hosts[0].host, "api.example.com");
    }

    #[test]
    fn broad_egress_csp_impersonation_and_http_remotes() {
        let bad = "app:\n  id: ari:cloud:ecosystem::app/9\nmodules:\n  webtrigger:\n    - key: hook\n      function: fn\npermissions:\n  scopes:\n    - key: write:jira-work\n      allowImpersonation: true\n  external:\n    fetch:\n      backend:\n        - '*'\n        - address: stats.example.net\n          category: analytics\n          inScopeEUD: true\n    images:\n      - '*.cdn.example.com'\n  content:\n    scripts:\n      - unsafe-eval\n      - unsafe-inline\nremotes:\n  - key: backend\n    baseUrl: http://backend.example.com\n";
        let (p, r) = run(bad);
        assert_eq!(
            r,
            vec![
                "forge/broad-egress high l14",
                "forge/broad-egress low l19",
                "forge/broad-egress medium l15",
                "forge/csp-relaxation high l22",
                "forge/csp-relaxation medium l23",
                "forge/impersonation-scope medium l9",
                "forge/insecure-remote high l26",
            ]
        );
        assert!(
            p.endpoints
                .iter()
                .any(|e| e.kind == "webtrigger" && e.auth.contains("must authenticate"))
        );
    }

    #[test]
    fn other_manifests_are_not_forge() {
        assert!(
            analyse(&["manifest.yml".into()], b"applications:\n- name: cf-app\n")
                .unwrap()
                .is_none()
        );
        assert!(
            analyse(&["manifest.yml".into()], b"key: [unclosed\n")
                .unwrap()
                .is_none()
        );
        assert!(
            analyse(
                &["manifest.yml".into()],
                b"app:\n  id: x\nmodules: [unclosed\n"
            )
            .is_err()
        );
    }
}
