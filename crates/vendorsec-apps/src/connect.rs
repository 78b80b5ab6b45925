//! Connect apps: `atlassian-connect.json` (CN-DESC-01, CN-DESC-02, CN-SCOPE-01 of the
//! research's check table) and the profile: scopes, lifecycle and module URLs, hosts.

use serde_json::Value;
use vendorsec_core::{Finding, Severity};

use crate::model::{
    AppKind, AppProfile, Check, Endpoint, Host, ScopeInfo, finding, host_of, line_of,
};
use crate::scopes::connect_scope_meaning;

const LIFECYCLE: [&str; 4] = ["installed", "uninstalled", "enabled", "disabled"];

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

/// A value the build fills in (`{{localBaseUrl}}`, `${BASE_URL}`): not checked.
fn templated(v: &str) -> bool {
    v.contains("{{") || v.contains("${") || v.contains("<%")
}

pub(crate) fn analyse(
    chain: &[String],
    text: &[u8],
) -> Result<Option<(AppProfile, Vec<Finding>)>, String> {
    let v: Value = serde_json::from_slice(text)
        .map_err(|e| format!("atlassian-connect.json: not valid JSON: {e}"))?;
    let mut p = AppProfile::new(AppKind::Connect, chain);
    let mut out = Vec::new();
    let Some(obj) = v.as_object() else {
        out.push(finding(chain, Check {
            rule: "connect/descriptor-invalid",
            severity: Severity::Medium,
            message: "The Connect descriptor is not a JSON object.".into(),
            evidence: "top-level JSON value is not an object".into(),
            remediation: "Publish a descriptor object with key, name, baseUrl, authentication, lifecycle, scopes and modules.",
            line: 1,
            identity: chain.join("!/"),
        }));
        return Ok(Some((p, out)));
    };
    p.key = s(&v, "key").to_owned();
    p.name = s(&v, "name").to_owned();
    p.version = s(&v, "version").to_owned();
    let base_url = s(&v, "baseUrl");
    let missing: Vec<&str> = ["key", "name", "baseUrl"]
        .into_iter()
        .filter(|k| s(&v, k).trim().is_empty())
        .collect();
    if !missing.is_empty() {
        out.push(finding(chain, Check {
            rule: "connect/descriptor-invalid",
            severity: Severity::Medium,
            message: format!("The Connect descriptor lacks {}.", missing.join(", ")),
            evidence: format!("missing: {}", missing.join(", ")),
            remediation: "Give the descriptor a unique key, a name and the app's HTTPS baseUrl.",
            line: 1,
            identity: format!("{}|missing|{}", p.key, missing.join(",")),
        }));
    }
    if !base_url.is_empty() && !templated(base_url) {
        if let Some(h) = host_of(base_url) {
            p.hosts.push(Host {
                host: h,
                source: "baseUrl".into(),
            });
        }
        let local = host_of(base_url).is_some_and(|h| h == "localhost" || h == "127.0.0.1");
        if !base_url.starts_with("https://") && !local {
            out.push(finding(chain, Check {
                rule: "connect/base-url-not-https",
                severity: Severity::High,
                message: format!("The app's baseUrl {base_url} is not HTTPS: the product would send users, JWTs and the install shared secret over plain HTTP."),
                evidence: format!("\"baseUrl\": \"{base_url}\""),
                remediation: "Serve the app over HTTPS only (TLS 1.2 or later) and set an https:// baseUrl.",
                line: line_of(text, "\"baseUrl\""),
                identity: format!("{}|{base_url}", p.key),
            }));
        }
    }
    let lifecycle = v.get("lifecycle").and_then(Value::as_object);
    let modules = v.get("modules").and_then(Value::as_object);
    let auth = v.get("authentication").map(|a| s(a, "type")).unwrap_or("");
    let has_callbacks =
        lifecycle.is_some_and(|l| !l.is_empty()) || modules.is_some_and(|m| !m.is_empty());
    if has_callbacks && !auth.eq_ignore_ascii_case("jwt") {
        out.push(finding(chain, Check {
            rule: "connect/no-jwt-authentication",
            severity: Severity::High,
            message: format!(
                "The descriptor declares modules or lifecycle callbacks but its authentication type is {}: product requests to the app carry no verifiable JWT.",
                if auth.is_empty() { "missing".to_owned() } else { format!("`{auth}`") }
            ),
            evidence: format!("\"authentication\": {{\"type\": \"{auth}\"}}"),
            remediation: "Set \"authentication\": {\"type\": \"jwt\"} and verify the JWT (signature, exp, qsh) on every request.",
            line: line_of(text, "\"authentication\"").max(1),
            identity: format!("{}|auth|{auth}", p.key),
        }));
    }
    let migrations = v.get("apiMigrations");
    let migrated =
        |k: &str| migrations.and_then(|m| m.get(k)).and_then(Value::as_bool) == Some(true);
    let signed = migrated("signed-install");
    for (flag, why) in [
        (
            "signed-install",
            "install and uninstall callbacks are then signed with Atlassian's asymmetric key (RS256) and can be verified; without it an attacker can replay or forge install requests",
        ),
        (
            "context-qsh",
            "context tokens then carry `qsh: context-qsh`, so the app can refuse them where a request-bound token is required",
        ),
    ] {
        if !migrated(flag) {
            out.push(finding(chain, Check {
                rule: "connect/api-migration-missing",
                severity: Severity::Medium,
                message: format!("`apiMigrations.{flag}` is not enabled: {why}."),
                evidence: format!("apiMigrations.{flag} absent or false"),
                remediation: "Opt in to the security API migrations (\"apiMigrations\": {\"signed-install\": true, \"context-qsh\": true}) and verify tokens accordingly.",
                line: line_of(text, "\"apiMigrations\"").max(1),
                identity: format!("{}|{flag}", p.key),
            }));
        }
    }
    // Scopes.
    for sc in v
        .get("scopes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = sc.as_str() else { continue };
        let upper = name.to_ascii_uppercase();
        p.scopes.push(ScopeInfo {
            scope: upper.clone(),
            allows: connect_scope_meaning(&upper).into(),
            impersonation: upper == "ACT_AS_USER",
        });
        let severity = match upper.as_str() {
            "ADMIN" | "ACT_AS_USER" => Severity::Medium,
            "ACCESS_EMAIL_ADDRESSES" => Severity::Low,
            _ => continue,
        };
        out.push(finding(chain, Check {
            rule: "connect/risky-scope",
            severity,
            message: format!("The app declares the {upper} scope, which allows it to {}.", connect_scope_meaning(&upper)),
            evidence: format!("\"scopes\": [… \"{name}\" …]"),
            remediation: "Keep scopes as lean as possible: remove the scope unless a feature needs it, and document why it does.",
            line: line_of(text, &format!("\"{name}\"")),
            identity: format!("{}|{upper}", p.key),
        }));
    }
    // Endpoints: lifecycle callbacks and module URLs.
    let lifecycle_auth = if signed {
        "JWT: RS256 signed install (apiMigrations.signed-install)"
    } else {
        "JWT: HS256 shared secret; first install unauthenticated (no signed-install)"
    };
    for k in LIFECYCLE {
        if let Some(url) = lifecycle.and_then(|l| l.get(k)).and_then(Value::as_str) {
            p.endpoints.push(Endpoint {
                kind: format!("lifecycle: {k}"),
                url: url.to_owned(),
                auth: lifecycle_auth.into(),
            });
        }
    }
    let jwt = if auth.eq_ignore_ascii_case("jwt") {
        "JWT from the product"
    } else {
        "none declared"
    };
    for (module_type, defs) in modules.into_iter().flatten() {
        let defs: Vec<&Value> = match defs {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        for d in defs {
            for field in ["url", "workflow", "target"] {
                let Some(url) = d.get(field).and_then(Value::as_str) else {
                    continue;
                };
                if url.is_empty() {
                    continue;
                }
                let cacheable = d.get("cacheable").and_then(Value::as_bool) == Some(true);
                p.endpoints.push(Endpoint {
                    kind: module_type.clone(),
                    url: url.to_owned(),
                    auth: if cacheable {
                        format!("{jwt} (cacheable: no JWT on the page request)")
                    } else {
                        jwt.to_owned()
                    },
                });
                if let Some(h) = host_of(url) {
                    p.hosts.push(Host {
                        host: h,
                        source: format!("module {module_type}"),
                    });
                }
            }
        }
    }
    let _ = obj;
    p.sort();
    Ok(Some((p, out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<String> {
        let (_, f) = analyse(&["atlassian-connect.json".into()], text.as_bytes())
            .unwrap()
            .unwrap();
        let mut r: Vec<String> = f
            .iter()
            .map(|f| format!("{} {} l{}", f.rule, f.severity, f.locations[0].line))
            .collect();
        r.sort();
        r
    }

    const GOOD: &str = r#"{
  "key": "com.example.good",
  "name": "Good app",
  "baseUrl": "https://good.example.com",
  "authentication": {"type": "jwt"},
  "lifecycle": {"installed": "/installed", "uninstalled": "/uninstalled"},
  "apiMigrations": {"signed-install": true, "context-qsh": true, "gdpr": true},
  "scopes": ["READ", "WRITE"],
  "modules": {
    "generalPages": [{"key": "main", "url": "/main", "name": {"value": "Main"}}],
    "webhooks": [{"event": "jira:issue_created", "url": "/hooks/created"}]
  }
}"#;

    #[test]
    fn a_careful_descriptor_has_no_finding_and_a_full_profile() {
        assert!(rules(GOOD).is_empty());
        let (p, _) = analyse(&["atlassian-connect.json".into()], GOOD.as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(p.key, "com.example.good");
        assert_eq!(
            p.scopes
                .iter()
                .map(|s| s.scope.as_str())
                .collect::<Vec<_>>(),
            vec!["READ", "WRITE"]
        );
        let eps: Vec<String> = p
            .endpoints
            .iter()
            .map(|e| format!("{} {}", e.kind, e.url))
            .collect();
        assert_eq!(
            eps,
            vec![
                "generalPages /main",
                "lifecycle: installed /installed",
                "lifecycle: uninstalled /uninstalled",
                "webhooks /hooks/created"
            ]
        );
        assert_eq!(p.hosts[0].host, "good.example.com");
    }

    #[test]
    fn a_careless_descriptor_gets_each_finding_at_its_line() {
        let bad = r#"{
  "key": "com.example.bad",
  "baseUrl": "http://bad.example.com",
  "authentication": {"type": "none"},
  "lifecycle": {"installed": "/installed"},
  "scopes": ["read", "ADMIN", "ACT_AS_USER", "ACCESS_EMAIL_ADDRESSES"],
  "modules": {"generalPages": [{"key": "m", "url": "/m"}]}
}"#;
        assert_eq!(
            rules(bad),
            vec![
                "connect/api-migration-missing medium l1",
                "connect/api-migration-missing medium l1",
                "connect/base-url-not-https high l3",
                "connect/descriptor-invalid medium l1",
                "connect/no-jwt-authentication high l4",
                "connect/risky-scope low l6",
                "connect/risky-scope medium l6",
                "connect/risky-scope medium l6",
            ]
        );
    }

    #[test]
    fn templated_and_local_base_urls_are_not_flagged() {
        let dev = GOOD.replace("https://good.example.com", "{{localBaseUrl}}");
        assert!(rules(&dev).is_empty());
        let local = GOOD.replace("https://good.example.com", "http://localhost:3000");
        assert!(rules(&local).is_empty());
    }

    #[test]
    fn invalid_json_is_a_problem_not_a_panic() {
        assert!(analyse(&["atlassian-connect.json".into()], b"{\"key\": ").is_err());
        assert_eq!(
            rules("[1, 2]"),
            vec!["connect/descriptor-invalid medium l1"]
        );
    }
}
