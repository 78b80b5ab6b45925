//! Which URLs of a Connect app to probe, found in its descriptor as Atlassian's Connect
//! Security Requirements Tester finds them (research section 1.3): every `url` under
//! `modules` (except `jiraBackgroundScripts` and `postInstallPage`, and not under `icon`,
//! `icons`, `documentation`, `imagePlaceholder`, `template`), with template variables
//! filled in, joined to `baseUrl`; plus every `lifecycle` URL. Unlike CSRT, `cacheable`
//! modules are kept and marked, so the checks can treat them as the requirement intends.

use serde_json::Value;

use crate::http::Url;

/// One URL to probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub url: Url,
    /// Module type (`generalPages`, `webhooks`, …) or `lifecycle`.
    pub module: String,
    /// Module key, or the lifecycle event.
    pub key: String,
    /// `"cacheable": true`: the page itself is loaded without a JWT, by design.
    pub cacheable: bool,
    /// An administration page (configurePage, adminPages, project admin panels, or a
    /// `user_is_admin` / `user_is_sysadmin` condition).
    pub admin: bool,
    /// `installed`, `uninstalled`, `enabled`, `disabled` for lifecycle callbacks.
    pub lifecycle: Option<String>,
}

/// What the descriptor says.
#[derive(Debug, Clone)]
pub struct App {
    pub key: String,
    pub name: String,
    pub base: Url,
    pub jwt: bool,
    pub signed_install: bool,
    pub links: Vec<Link>,
    /// URLs that could not be used (not http(s), another host's template, …) with why.
    pub skipped: Vec<String>,
}

const SKIPPED_MODULES: [&str; 2] = ["jiraBackgroundScripts", "postInstallPage"];
const SKIPPED_KEYS: [&str; 6] = [
    "icon",
    "icons",
    "documentation",
    "imagePlaceholder",
    "template",
    "post-install-page",
];
const ADMIN_MODULES: [&str; 4] = [
    "configurePage",
    "adminPages",
    "jiraProjectAdminTabPanels",
    "jiraProjectPermissions",
];

/// Replace `{condition.x}` by `true` and any other `{…}` / `${…}` by `test`.
fn fill_templates(u: &str) -> String {
    let mut out = String::with_capacity(u.len());
    let mut rest = u;
    while let Some(i) = rest.find('{') {
        let dollar = i > 0 && rest.as_bytes()[i - 1] == b'$';
        out.push_str(&rest[..if dollar { i - 1 } else { i }]);
        let after = &rest[i + 1..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let var = &after[..end];
        out.push_str(if var.starts_with("condition.") {
            "true"
        } else {
            "test"
        });
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn has_admin_condition(v: &Value) -> bool {
    match v {
        Value::Object(m) => {
            m.get("condition")
                .and_then(Value::as_str)
                .is_some_and(|c| c == "user_is_admin" || c == "user_is_sysadmin")
                || m.iter()
                    .filter(|(k, _)| {
                        k.as_str() == "conditions" || k.as_str() == "or" || k.as_str() == "and"
                    })
                    .any(|(_, x)| has_admin_condition(x))
        }
        Value::Array(a) => a.iter().any(has_admin_condition),
        _ => false,
    }
}

fn collect(
    v: &Value,
    module: &str,
    key: &str,
    cacheable: bool,
    admin: bool,
    out: &mut Vec<(String, String, String, bool, bool)>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    match v {
        Value::Object(m) => {
            let key = m.get("key").and_then(Value::as_str).unwrap_or(key);
            let cacheable = cacheable || m.get("cacheable").and_then(Value::as_bool) == Some(true);
            let admin = admin || has_admin_condition(v);
            for (k, x) in m {
                if SKIPPED_KEYS.contains(&k.as_str()) {
                    continue;
                }
                if k == "url"
                    && let Some(u) = x.as_str()
                {
                    out.push((
                        u.to_owned(),
                        module.to_owned(),
                        key.to_owned(),
                        cacheable,
                        admin,
                    ));
                } else {
                    collect(x, module, key, cacheable, admin, out, depth + 1);
                }
            }
        }
        Value::Array(a) => {
            for x in a {
                collect(x, module, key, cacheable, admin, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// Read a descriptor.
///
/// # Errors
/// A reason when it is not JSON, lacks `key`/`baseUrl`, or `baseUrl` is not http(s).
pub fn app(descriptor: &[u8]) -> Result<App, String> {
    let v: Value = serde_json::from_slice(descriptor)
        .map_err(|e| format!("descriptor: not valid JSON: {e}"))?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let (key, name, base) = (s("key"), s("name"), s("baseUrl"));
    if key.is_empty() || base.is_empty() {
        return Err("descriptor: no key or baseUrl".into());
    }
    let base = Url::parse(&base).map_err(|e| format!("descriptor baseUrl: {e}"))?;
    let jwt = v
        .get("authentication")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("jwt"));
    let signed_install = v
        .get("apiMigrations")
        .and_then(|m| m.get("signed-install"))
        .and_then(Value::as_bool)
        == Some(true);
    let mut found = Vec::new();
    if let Some(mods) = v.get("modules").and_then(Value::as_object) {
        for (module, defs) in mods {
            if SKIPPED_MODULES.contains(&module.as_str()) {
                continue;
            }
            let admin = ADMIN_MODULES.contains(&module.as_str());
            collect(defs, module, "", false, admin, &mut found, 0);
        }
    }
    let mut links = Vec::new();
    let mut skipped = Vec::new();
    for (u, module, key, cacheable, admin) in found {
        let filled = fill_templates(&u);
        match base.join(&filled) {
            Ok(url) => links.push(Link {
                url,
                module,
                key,
                cacheable,
                admin,
                lifecycle: None,
            }),
            Err(e) => skipped.push(format!("{module} {key}: {e}")),
        }
    }
    if let Some(l) = v.get("lifecycle").and_then(Value::as_object) {
        for (event, u) in l {
            let Some(u) = u.as_str() else { continue };
            match base.join(&fill_templates(u)) {
                Ok(url) => links.push(Link {
                    url,
                    module: "lifecycle".into(),
                    key: event.clone(),
                    cacheable: false,
                    admin: false,
                    lifecycle: Some(event.clone()),
                }),
                Err(e) => skipped.push(format!("lifecycle {event}: {e}")),
            }
        }
    }
    links.sort_by(|a, b| (a.url.to_text(), &a.module).cmp(&(b.url.to_text(), &b.module)));
    links.dedup_by(|a, b| a.url == b.url && a.lifecycle == b.lifecycle);
    Ok(App {
        key,
        name,
        base,
        jwt,
        signed_install,
        links,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_as_csrt_finds_them_with_cacheable_kept() {
        let d = br#"{
  "key": "k", "name": "N", "baseUrl": "https://app.example.com:8443/base",
  "authentication": {"type": "jwt"},
  "apiMigrations": {"signed-install": true},
  "lifecycle": {"installed": "/installed"},
  "modules": {
    "generalPages": [{"key": "p", "url": "/page?issue={issue.key}&x=${project.id}", "icon": {"url": "/icon.png"}}],
    "webPanels": [{"key": "c", "url": "/cached", "cacheable": true, "conditions": [{"condition": "user_is_admin"}]}],
    "adminPages": [{"key": "a", "url": "/admin"}],
    "jiraBackgroundScripts": [{"key": "b", "url": "/bg"}],
    "webhooks": [{"event": "jira:issue_created", "url": "https://hooks.example.com/h"}]
  }
}"#;
        let a = app(d).unwrap();
        assert!(a.jwt && a.signed_install);
        let got: Vec<String> = a
            .links
            .iter()
            .map(|l| {
                format!(
                    "{} {} c={} a={} {:?}",
                    l.module,
                    l.url.to_text(),
                    l.cacheable,
                    l.admin,
                    l.lifecycle
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                "adminPages https://app.example.com:8443/base/admin c=false a=true None",
                "webPanels https://app.example.com:8443/base/cached c=true a=true None",
                "lifecycle https://app.example.com:8443/base/installed c=false a=false Some(\"installed\")",
                "generalPages https://app.example.com:8443/base/page?issue=test&x=test c=false a=false None",
                "webhooks https://hooks.example.com/h c=false a=false None",
            ]
        );
    }

    #[test]
    fn bad_descriptors() {
        assert!(app(b"{").is_err());
        assert!(app(br#"{"key": "k"}"#).is_err());
        assert!(app(br#"{"key": "k", "baseUrl": "ftp://x"}"#).is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,300}") {
            let _ = app(s.as_bytes());
            let _ = fill_templates(&s);
        }
    }
}
