//! P2 / Data Center apps: `atlassian-plugin.xml` (DC-FILTER-01 and the descriptor half of
//! DC-AUTH-02 of the research's check table) and the profile: servlets, filters, REST
//! resources, webwork actions and who may call them.

use std::collections::HashMap;

use vendorsec_core::{Finding, Severity};

use crate::model::{AppKind, AppProfile, Check, Endpoint, finding};

fn line(doc: &roxmltree::Document<'_>, n: roxmltree::Node<'_, '_>) -> u64 {
    u64::from(doc.text_pos_at(n.range().start).row)
}

fn child_texts(n: roxmltree::Node<'_, '_>, tag: &str) -> Vec<String> {
    n.children()
        .filter(|c| c.has_tag_name(tag))
        .filter_map(|c| c.text())
        .map(|t| t.trim().to_owned())
        .collect()
}

/// Web-item sections of the products' administration menus.
fn admin_section(section: &str) -> bool {
    let s = section.to_ascii_lowercase();
    s.starts_with("system.admin")
        || s.starts_with("admin_plugins_menu")
        || s.starts_with("atl.admin")
        || s.starts_with("system.admin.top.navigation.bar")
        || s.contains("/admin")
}

fn admin_role(roles: &str) -> bool {
    roles.split([',', ' ']).any(|r| {
        matches!(
            r.trim().to_ascii_lowercase().as_str(),
            "admin" | "sysadmin" | "system_admin" | "administrator"
        )
    })
}

pub(crate) fn analyse(
    chain: &[String],
    text: &[u8],
) -> Result<Option<(AppProfile, Vec<Finding>)>, String> {
    let s =
        std::str::from_utf8(text).map_err(|e| format!("atlassian-plugin.xml: not UTF-8: {e}"))?;
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 1_000_000,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(s, opts)
        .map_err(|e| format!("atlassian-plugin.xml: not well-formed XML: {e}"))?;
    let root = doc.root_element();
    if !root.has_tag_name("atlassian-plugin") {
        return Err("atlassian-plugin.xml: root element is not <atlassian-plugin>".into());
    }
    let mut p = AppProfile::new(AppKind::P2, chain);
    let mut out = Vec::new();
    p.key = root.attribute("key").unwrap_or("").to_owned();
    p.name = root.attribute("name").unwrap_or("").to_owned();
    if let Some(info) = root.children().find(|c| c.has_tag_name("plugin-info")) {
        p.version = child_texts(info, "version")
            .into_iter()
            .next()
            .unwrap_or_default();
    }
    // Web items in admin sections, by the action alias their link names.
    let mut admin_links: HashMap<String, String> = HashMap::new();
    for wi in root.descendants().filter(|n| n.has_tag_name("web-item")) {
        let section = wi.attribute("section").unwrap_or("");
        if !admin_section(section) {
            continue;
        }
        for link in child_texts(wi, "link") {
            let last = link.rsplit('/').next().unwrap_or(&link);
            let alias = last.split(['!', '.', '?']).next().unwrap_or(last);
            if !alias.is_empty() {
                admin_links.insert(alias.to_ascii_lowercase(), section.to_owned());
            }
        }
    }
    for m in root.children().filter(roxmltree::Node::is_element) {
        let key = m.attribute("key").unwrap_or("");
        match m.tag_name().name() {
            "servlet" => {
                for pat in child_texts(m, "url-pattern") {
                    p.endpoints.push(Endpoint {
                        kind: format!("servlet {key}"),
                        url: format!("/plugins/servlet{pat}"),
                        auth: "product session if any; the servlet must check the user itself"
                            .into(),
                    });
                }
            }
            "servlet-filter" => {
                let location = m.attribute("location").unwrap_or("before-dispatch");
                let patterns = child_texts(m, "url-pattern");
                let everything = patterns.iter().any(|x| x == "/*" || x == "*" || x == "/**");
                for pat in &patterns {
                    p.endpoints.push(Endpoint {
                        kind: format!("servlet-filter {key} ({location})"),
                        url: pat.clone(),
                        auth: if location == "before-login" {
                            "runs before authentication".into()
                        } else {
                            "runs after login".into()
                        },
                    });
                }
                let before_login = location == "before-login";
                if before_login || everything {
                    let severity = if before_login && everything {
                        Severity::High
                    } else {
                        Severity::Medium
                    };
                    let when = if before_login {
                        "before login".to_owned()
                    } else {
                        format!("at {location}")
                    };
                    out.push(finding(chain, Check {
                        rule: "p2/servlet-filter-before-login",
                        severity,
                        message: format!(
                            "The servlet filter {key} runs {}{} (url-pattern {}).",
                            when,
                            if everything { " on every request" } else { "" },
                            patterns.join(", ")
                        ),
                        evidence: format!("<servlet-filter key=\"{key}\" location=\"{location}\"> {}", patterns.join(" ")),
                        remediation: "Run filters after login and only on the app's own URLs; never make authentication or authorisation decisions from unauthenticated request data.",
                        line: line(&doc, m),
                        identity: format!("{}|{key}", p.key),
                    }));
                }
            }
            "rest" => {
                let path = m.attribute("path").unwrap_or("");
                let version = m.attribute("version").unwrap_or("1.0");
                p.endpoints.push(Endpoint {
                    kind: format!("rest {key}"),
                    url: format!("/rest{path}/{version}"),
                    auth: "per resource: the annotations of each handler (java handler rows)"
                        .into(),
                });
            }
            "webwork1" | "xwork" => {
                for a in m.descendants().filter(|n| n.has_tag_name("action")) {
                    let alias = a
                        .attribute("alias")
                        .or_else(|| a.attribute("name"))
                        .unwrap_or("");
                    let roles = a.attribute("roles-required").unwrap_or("");
                    p.endpoints.push(Endpoint {
                        kind: format!("{} action", m.tag_name().name()),
                        url: format!("{alias}.jspa"),
                        auth: if roles.is_empty() {
                            "any logged-in user (no roles-required)".into()
                        } else {
                            format!("roles-required={roles}")
                        },
                    });
                    if let Some(section) = admin_links.get(&alias.to_ascii_lowercase())
                        && !admin_role(roles)
                    {
                        out.push(finding(chain, Check {
                            rule: "p2/admin-action-without-role",
                            severity: Severity::High,
                            message: format!(
                                "The action {alias} is linked from the admin menu ({section}) but has {}: any logged-in user can call {alias}.jspa directly.",
                                if roles.is_empty() { "no roles-required".to_owned() } else { format!("roles-required=\"{roles}\"") }
                            ),
                            evidence: format!("<action alias=\"{alias}\" roles-required=\"{roles}\">"),
                            remediation: "Add roles-required=\"admin\" (or sysadmin) to the action, check permissions in the action itself, and require WebSudo for administration.",
                            line: line(&doc, a),
                            identity: format!("{}|{alias}", p.key),
                        }));
                    }
                }
            }
            _ => {}
        }
    }
    p.sort();
    Ok(Some((p, out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLUGIN: &str = r#"<atlassian-plugin key="com.example.p2" name="Example" plugins-version="2">
  <plugin-info>
    <version>1.4.0</version>
    <vendor name="Example" url="https://example.com"/>
  </plugin-info>
  <servlet key="export" class="com.example.Export"><url-pattern>/example/export</url-pattern></servlet>
  <servlet-filter key="sso" class="com.example.Sso" location="before-login" weight="10">
    <url-pattern>/*</url-pattern>
  </servlet-filter>
  <servlet-filter key="audit" class="com.example.Audit" location="after-encoding">
    <url-pattern>/plugins/servlet/example/*</url-pattern>
  </servlet-filter>
  <rest key="api" path="/example" version="1.0"/>
  <web-item key="cfg" section="system.admin/globalsettings" weight="10">
    <link linkId="cfg">/secure/admin/ExampleConfig!default.jspa</link>
  </web-item>
  <web-item key="report" section="system.top.navigation.bar" weight="10">
    <link>/secure/ExampleReport.jspa</link>
  </web-item>
  <webwork1 key="actions" name="Actions">
    <actions>
      <action name="com.example.ConfigAction" alias="ExampleConfig"><view name="input">/cfg.vm</view></action>
      <action name="com.example.AdminOk" alias="ExampleAdmin" roles-required="admin"/>
      <action name="com.example.Report" alias="ExampleReport"/>
    </actions>
  </webwork1>
</atlassian-plugin>"#;

    #[test]
    fn filters_and_admin_actions() {
        let (p, f) = analyse(
            &["src/main/resources/atlassian-plugin.xml".into()],
            PLUGIN.as_bytes(),
        )
        .unwrap()
        .unwrap();
        let mut r: Vec<String> = f
            .iter()
            .map(|f| format!("{} {} l{}", f.rule, f.severity, f.locations[0].line))
            .collect();
        r.sort();
        assert_eq!(
            r,
            vec![
                "p2/admin-action-without-role high l22",
                "p2/servlet-filter-before-login high l7"
            ]
        );
        assert_eq!(p.version, "1.4.0");
        let eps: Vec<String> = p
            .endpoints
            .iter()
            .map(|e| format!("{} | {} | {}", e.kind, e.url, e.auth))
            .collect();
        assert!(eps.contains(&"rest api | /rest/example/1.0 | per resource: the annotations of each handler (java handler rows)".to_owned()), "{eps:?}");
        assert!(
            eps.contains(&"webwork1 action | ExampleAdmin.jspa | roles-required=admin".to_owned()),
            "{eps:?}"
        );
        assert!(eps.contains(&"servlet export | /plugins/servlet/example/export | product session if any; the servlet must check the user itself".to_owned()));
    }

    #[test]
    fn bad_xml_is_a_problem() {
        assert!(
            analyse(
                &["atlassian-plugin.xml".into()],
                b"<atlassian-plugin><servlet>"
            )
            .is_err()
        );
        assert!(
            analyse(
                &["atlassian-plugin.xml".into()],
                b"<!DOCTYPE x [<!ENTITY a \"b\">]><atlassian-plugin/>"
            )
            .is_err()
        );
        assert!(analyse(&["atlassian-plugin.xml".into()], b"<beans/>").is_err());
    }
}
