//! Lean scopes from evidence: the product REST calls found in an app's code, mapped to the
//! scopes their operations need (the generated OpenAPI table), against the scopes the
//! descriptor declares (CN-SCOPE-02, FG-SCOPE-01/02 and the INACCESSIBLE check of the
//! research's table).
//!
//! Precision first: an excess-scope finding needs at least one call found, every product
//! call resolved to a path, and every path matched to a known operation; otherwise the check
//! says in the profile why it did not conclude. A Connect app with modules is assumed to
//! need READ (webhooks and most modules deliver product data), so only levels above READ
//! are ever called excess.

use std::collections::BTreeSet;

use vendorsec_code::{FileFacts, RestCall};
use vendorsec_core::{Finding, Location, Origin, Severity};

use crate::model::{AppKind, AppProfile, CallInfo, Check, finding};
use crate::scopes::{self, connect_level};

/// Java methods with security-relevant annotations in one file.
pub(crate) type JavaFile = (Vec<String>, Vec<vendorsec_code::JavaMethod>);

/// What one source file says: its origin chain, calls and routes.
pub(crate) type FileCalls = (Vec<String>, FileFacts);

const LEVEL_NAMES: [&str; 6] = ["NONE", "READ", "WRITE", "DELETE", "PROJECT_ADMIN", "ADMIN"];

fn at(chain: &[String], c: &RestCall) -> String {
    format!("{}:{}", chain.join("!/"), c.line)
}

fn call_location(chain: &[String], c: &RestCall) -> Location {
    let origin = Origin {
        chain: chain.to_vec(),
        commit: None,
    };
    Location::new(&origin, c.line, c.column, c.line, c.column)
}

/// Attach the calls to the profile and derive the scope findings.
pub(crate) fn check(
    profile: &mut AppProfile,
    descriptor_chain: &[String],
    descriptor_text: &[u8],
    files: &[&FileCalls],
    has_modules: bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut unresolved = 0usize;
    let mut unmatched = 0usize;
    let mut matched: Vec<(&Vec<String>, &RestCall, &'static scopes::Operation)> = Vec::new();
    for (chain, facts) in files {
        for c in &facts.calls {
            let op = c.path.as_deref().and_then(|p| scopes::lookup(&c.method, p));
            match (&c.path, op) {
                (None, _) => unresolved += 1,
                (Some(_), None) => unmatched += 1,
                (Some(_), Some(op)) => matched.push((chain, c, op)),
            }
            let needs = op.map(|o| match profile.kind {
                AppKind::Forge => {
                    let mut s = o.oauth_scopes.clone();
                    s.extend(o.granular_scopes.iter().cloned());
                    s.join(" | ")
                }
                _ => o.connect_scope.clone(),
            });
            profile.calls.push(CallInfo {
                method: c.method.clone(),
                path: c.path.clone(),
                at: at(chain, c),
                api: c.api.as_str().into(),
                operation: op.map(|o| format!("{} {}", o.method, o.path)),
                needs,
            });
        }
    }
    profile.calls.sort();
    let total = profile.calls.len();
    let conclusive = total > 0 && unresolved == 0 && unmatched == 0;
    if total == 0 {
        profile.notes.push(
            "no product REST call found in the code beside the descriptor; scope use not checked"
                .into(),
        );
    } else if !conclusive {
        profile.notes.push(format!(
            "{total} product REST calls found; {unresolved} with a path the code does not state and {unmatched} not in the operation table: excess scopes are not concluded"
        ));
    }
    let key = profile.key.clone();
    if profile.kind == AppKind::Connect {
        routes(profile, descriptor_chain, files, &key, &mut out);
    }
    match profile.kind {
        AppKind::Connect => connect(
            profile,
            descriptor_chain,
            descriptor_text,
            &matched,
            conclusive,
            has_modules,
            &key,
            &mut out,
        ),
        AppKind::Forge => forge(
            profile,
            descriptor_chain,
            descriptor_text,
            &matched,
            conclusive,
            &key,
            &mut out,
        ),
        AppKind::P2 => {}
    }
    out
}

fn with_calls(mut f: Finding, calls: &[(&Vec<String>, &RestCall, &scopes::Operation)]) -> Finding {
    for (chain, c, _) in calls.iter().take(8) {
        f.locations.push(call_location(chain, c));
    }
    f
}

#[allow(clippy::too_many_arguments)]
fn connect(
    profile: &AppProfile,
    chain: &[String],
    text: &[u8],
    matched: &[(&Vec<String>, &RestCall, &'static scopes::Operation)],
    conclusive: bool,
    has_modules: bool,
    key: &str,
    out: &mut Vec<Finding>,
) {
    let declared: BTreeSet<String> = profile.scopes.iter().map(|s| s.scope.clone()).collect();
    let declared_level = declared
        .iter()
        .filter_map(|s| connect_level(s))
        .max()
        .unwrap_or(0);
    let line = crate::model::line_of(text, "\"scopes\"");
    // INACCESSIBLE operations.
    let inaccessible: Vec<_> = matched
        .iter()
        .filter(|m| m.2.connect_scope == "INACCESSIBLE")
        .cloned()
        .collect();
    for (c_chain, c, op) in &inaccessible {
        out.push(with_calls(finding(chain, Check {
            rule: "connect/inaccessible-api",
            severity: Severity::Medium,
            message: format!("{} {} ({}) is not available to Connect apps (x-atlassian-connect-scope INACCESSIBLE), called at {}.", op.method, op.path, op.product, at(c_chain, c)),
            evidence: c.expression.clone(),
            remediation: "Use an operation Connect apps may call, or move the feature to Forge with the matching OAuth scope.",
            line,
            identity: format!("{key}|{} {}", op.method, op.path),
        }), &[(c_chain, c, op)]));
    }
    let usable: Vec<_> = matched
        .iter()
        .filter(|m| m.2.connect_scope != "INACCESSIBLE")
        .cloned()
        .collect();
    // What the calls need: the highest level, and the independent scopes.
    let mut needed_level = if has_modules { 1 } else { 0 };
    let mut top: Option<(&Vec<String>, &RestCall, &scopes::Operation)> = None;
    let mut special: BTreeSet<&str> = BTreeSet::new();
    for m in &usable {
        if let Some(l) = connect_level(&m.2.connect_scope)
            && (l > needed_level || top.is_none() && l == needed_level)
        {
            needed_level = needed_level.max(l);
            top = Some(*m);
        }
        if m.2.connect_scope == "ACT_AS_USER" || m.1.as_user {
            special.insert("ACT_AS_USER");
        }
        if m.2.connect_scope == "ACCESS_EMAIL_ADDRESSES" {
            special.insert("ACCESS_EMAIL_ADDRESSES");
        }
    }
    let level_name = |l: u8| LEVEL_NAMES[usize::from(l.min(5))];
    if needed_level > declared_level {
        let proof: Vec<_> = usable
            .iter()
            .filter(|m| connect_level(&m.2.connect_scope) > Some(declared_level))
            .cloned()
            .collect();
        out.push(with_calls(finding(chain, Check {
            rule: "connect/missing-scope",
            severity: Severity::Medium,
            message: format!("The code calls operations that need {} but the descriptor declares at most {}.", level_name(needed_level), level_name(declared_level)),
            evidence: proof.first().map_or(String::new(), |m| format!("{} {} needs {}", m.2.method, m.2.path, m.2.connect_scope)),
            remediation: "Declare the scope the calls need (or remove the calls): the product refuses them otherwise.",
            line,
            identity: format!("{key}|missing|{}", level_name(needed_level)),
        }), &proof));
    }
    for s in &special {
        if !declared.contains(*s) {
            let proof: Vec<_> = usable
                .iter()
                .filter(|m| m.2.connect_scope == *s || (*s == "ACT_AS_USER" && m.1.as_user))
                .cloned()
                .collect();
            out.push(with_calls(finding(chain, Check {
                rule: "connect/missing-scope",
                severity: Severity::Medium,
                message: format!("The code needs {s} (user impersonation or email addresses) but the descriptor does not declare it."),
                evidence: proof.first().map_or(String::new(), |m| m.1.expression.clone()),
                remediation: "Declare the scope the calls need (or remove the calls).",
                line,
                identity: format!("{key}|missing|{s}"),
            }), &proof));
        }
    }
    if !conclusive {
        return;
    }
    if declared_level > needed_level {
        let declared_name = level_name(declared_level);
        let why = match top {
            Some((c_chain, c, op)) => format!(
                "the most demanding call, {} {} at {}, needs {}",
                op.method,
                op.path,
                at(c_chain, c),
                op.connect_scope
            ),
            None => "the app's modules need at most READ".to_owned(),
        };
        out.push(with_calls(finding(chain, Check {
            rule: "connect/excess-scope",
            severity: if declared_level >= 4 { Severity::High } else { Severity::Medium },
            message: format!("The descriptor declares {declared_name} but {} product calls found need at most {}: {why}.", usable.len(), level_name(needed_level)),
            evidence: format!("declared {declared_name}; needed {}", level_name(needed_level)),
            remediation: "Keep scopes as lean as possible: declare only the highest level the app's calls need.",
            line,
            identity: format!("{key}|excess|{declared_name}|{}", level_name(needed_level)),
        }), &top.into_iter().collect::<Vec<_>>()));
    }
    for s in ["ACT_AS_USER", "ACCESS_EMAIL_ADDRESSES"] {
        if declared.contains(s) && !special.contains(s) {
            out.push(finding(chain, Check {
                rule: "connect/excess-scope",
                severity: Severity::Medium,
                message: format!("The descriptor declares {s} but none of the {} product calls found needs it.", usable.len()),
                evidence: format!("declared {s}; no call needs it"),
                remediation: "Remove the scope, or document the feature that needs it.",
                line,
                identity: format!("{key}|excess|{s}"),
            }));
        }
    }
}

fn forge(
    profile: &AppProfile,
    chain: &[String],
    text: &[u8],
    matched: &[(&Vec<String>, &RestCall, &'static scopes::Operation)],
    conclusive: bool,
    key: &str,
    out: &mut Vec<Finding>,
) {
    let declared: BTreeSet<String> = profile.scopes.iter().map(|s| s.scope.clone()).collect();
    let mut used: BTreeSet<String> = BTreeSet::new();
    for (c_chain, c, op) in matched {
        let options: BTreeSet<String> = op
            .oauth_scopes
            .iter()
            .chain(op.granular_scopes.iter())
            .cloned()
            .collect();
        if options.is_empty() {
            continue;
        }
        let satisfied: Vec<&String> = options.intersection(&declared).collect();
        if satisfied.is_empty() {
            out.push(with_calls(finding(chain, Check {
                rule: "forge/missing-scope",
                severity: Severity::Medium,
                message: format!(
                    "{} {} at {} needs {} but the manifest declares none of them.",
                    op.method, op.path, at(c_chain, c),
                    if op.oauth_scopes.is_empty() { op.granular_scopes.join(" or ") } else { op.oauth_scopes.join(" or ") }
                ),
                evidence: c.expression.clone(),
                remediation: "Declare the scope in permissions.scopes (or remove the call); the call fails without it.",
                line: crate::model::line_of(text, "scopes:"),
                identity: format!("{key}|missing|{} {}", op.method, op.path),
            }), &[(c_chain, c, op)]));
        }
        used.extend(satisfied.into_iter().cloned());
    }
    if !conclusive {
        return;
    }
    // Only scopes that gate REST operations can be judged by REST calls.
    let rest_scopes: BTreeSet<&str> = scopes::table()
        .iter()
        .flat_map(|o| o.oauth_scopes.iter().chain(o.granular_scopes.iter()))
        .map(String::as_str)
        .collect();
    for s in &declared {
        if rest_scopes.contains(s.as_str()) && !used.contains(s) {
            out.push(finding(chain, Check {
                rule: "forge/excess-scope",
                severity: if s.starts_with("manage:") || s.starts_with("delete:") || s.starts_with("write:") { Severity::Medium } else { Severity::Low },
                message: format!("The manifest declares {s} but none of the {} product calls found needs it.", matched.len()),
                evidence: format!("permissions.scopes: {s}"),
                remediation: "Keep scopes as lean as possible: remove the scope, or document the feature that needs it.",
                line: crate::model::line_of(text, s),
                identity: format!("{key}|excess|{s}"),
            }));
        }
    }
}

/// The path part of a module URL (`/panel?issue={issue.key}` -> `/panel`).
fn url_path(u: &str) -> Option<&str> {
    if u.contains("://") {
        return None;
    }
    let p = u.split(['?', '#']).next().unwrap_or(u);
    p.starts_with('/').then_some(p)
}

/// Whether an Express route path serves a URL path (`:param` matches one segment).
fn route_matches(route: &str, path: &str) -> bool {
    let r: Vec<&str> = route.trim_end_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    r.len() == p.len()
        && r.iter()
            .zip(&p)
            .all(|(a, b)| a.starts_with(':') || a == b || (b.starts_with('{') && b.ends_with('}')))
}

/// CS-AUTH-01: atlassian-connect-express routes registered without a JWT guard.
fn routes(
    profile: &AppProfile,
    descriptor: &[String],
    files: &[&FileCalls],
    key: &str,
    out: &mut Vec<Finding>,
) {
    for (chain, facts) in files {
        if facts.global_guard {
            continue;
        }
        for r in facts.routes.iter().filter(|r| !r.guarded) {
            let Some(path) = r.path.as_deref() else {
                continue;
            };
            let served: Vec<&crate::model::Endpoint> = profile
                .endpoints
                .iter()
                .filter(|e| url_path(&e.url).is_some_and(|u| route_matches(path, u)))
                .collect();
            let changes_data = matches!(
                r.method.as_str(),
                "POST" | "PUT" | "DELETE" | "PATCH" | "ALL"
            );
            let (severity, why) = if let Some(e) = served.first() {
                (
                    Severity::High,
                    format!("it serves the descriptor's {} URL {}", e.kind, e.url),
                )
            } else if changes_data && path != "/installed" && path != "/uninstalled" {
                (Severity::Medium, "it changes data".to_owned())
            } else {
                continue;
            };
            let origin = Origin {
                chain: chain.to_vec(),
                commit: None,
            };
            let mut f = finding(
                descriptor,
                Check {
                    rule: "connect/unauthenticated-route",
                    severity,
                    message: format!(
                        "The route {} {path} is registered without addon.authenticate() or addon.checkValidToken(), and {why}.",
                        r.method
                    ),
                    evidence: r.expression.clone(),
                    remediation: "Add addon.authenticate() (or addon.checkValidToken() for AJAX calls with context tokens) to the route's middleware.",
                    line: 0,
                    identity: format!("{key}|{}|{}|{path}", chain.join("!/"), r.method),
                },
            );
            // The route is where to fix it: put it first.
            f.locations.insert(
                0,
                Location::new(&origin, r.line, r.column, r.line, r.column),
            );
            f.locations.truncate(1);
            out.push(f);
        }
    }
}

/// `AC_OPTS=no-auth` in a configuration or script file.
pub(crate) fn no_auth_finding(chain: &[String], line: u64, text: &str) -> Finding {
    finding(chain, Check {
        rule: "connect/ace-no-auth",
        severity: Severity::High,
        message: "AC_OPTS=no-auth turns off JWT verification for every route of the atlassian-connect-express app.".into(),
        evidence: text.to_owned(),
        remediation: "Remove no-auth from AC_OPTS everywhere outside a developer's local setup.",
        line,
        identity: format!("{}|{line}", chain.join("!/")),
    })
}

/// CS-AUTH-02 (Spring Boot Connect apps) and DC-AUTH-01 / DC-XSRF-01 from source (P2).
pub(crate) fn java_checks(
    profile: &mut AppProfile,
    descriptor: &[String],
    files: &[&JavaFile],
) -> Vec<Finding> {
    let mut out = Vec::new();
    let key = profile.key.clone();
    for (chain, methods) in files {
        let origin = Origin {
            chain: chain.to_vec(),
            commit: None,
        };
        for m in methods {
            let http = m.http_method();
            let changes = matches!(http, Some("POST" | "PUT" | "DELETE" | "PATCH" | "ANY"));
            let name = format!("{}.{}", m.class, m.method);
            let mut push = |rule: &'static str,
                            severity: Severity,
                            message: String,
                            remediation: &'static str,
                            what: &str| {
                let mut f = finding(
                    descriptor,
                    Check {
                        rule,
                        severity,
                        message,
                        evidence: format!(
                            "{name} {what}{}",
                            http.map_or(String::new(), |h| format!(" ({h})"))
                        ),
                        remediation,
                        line: 0,
                        identity: format!("{key}|{rule}|{name}"),
                    },
                );
                f.locations = vec![Location::new(&origin, m.line, m.column, m.line, m.column)];
                out.push(f);
            };
            match profile.kind {
                AppKind::Connect => {
                    if m.has("IgnoreJwt") {
                        push(
                            "connect/jwt-ignored",
                            if changes {
                                Severity::High
                            } else {
                                Severity::Medium
                            },
                            format!(
                                "{name} is annotated @IgnoreJwt: requests reach it without any JWT check{}.",
                                if changes { ", and it changes data" } else { "" }
                            ),
                            "Remove @IgnoreJwt unless the handler is deliberately public and serves no tenant data; verify the JWT otherwise.",
                            "@IgnoreJwt",
                        );
                    } else if m.has("ContextJwt") {
                        push(
                            "connect/jwt-ignored",
                            if changes {
                                Severity::Medium
                            } else {
                                Severity::Low
                            },
                            format!(
                                "{name} is annotated @ContextJwt: it accepts context tokens, whose qsh binds them to no request{}.",
                                if changes { ", and it changes data" } else { "" }
                            ),
                            "Accept context tokens only on the AJAX endpoints designed for them, and check the user's permission in the handler.",
                            "@ContextJwt",
                        );
                    }
                }
                AppKind::P2 => {
                    let anonymous = [
                        "AnonymousAllowed",
                        "UnrestrictedAccess",
                        "AnonymousSiteAccess",
                    ]
                    .into_iter()
                    .find(|a| m.has(a));
                    let method_level = m.annotations.iter().any(|a| {
                        matches!(
                            a.name.as_str(),
                            "AnonymousAllowed" | "UnrestrictedAccess" | "AnonymousSiteAccess"
                        )
                    });
                    if let Some(a) = anonymous
                        && (http.is_some() || method_level)
                    {
                        push(
                            "p2/anonymous-endpoint",
                            if changes {
                                Severity::High
                            } else {
                                Severity::Medium
                            },
                            format!(
                                "{name} is open to anonymous users (@{a}){}.",
                                if changes { " and changes data" } else { "" }
                            ),
                            "Remove the anonymous-access annotation unless the endpoint is public by design and exposes no data; check permissions in the method.",
                            &format!("@{a}"),
                        );
                        profile.endpoints.push(crate::model::Endpoint {
                            kind: "java handler".into(),
                            url: name.clone(),
                            auth: format!("anonymous (@{a})"),
                        });
                    }
                    let admin = ["AdminOnly", "SystemAdminOnly"]
                        .into_iter()
                        .find(|a| m.has(a));
                    if let Some(a) = admin
                        && !m.has("WebSudoRequired")
                        && (http.is_some() || m.annotations.iter().any(|x| x.name == a))
                    {
                        push(
                            "p2/admin-without-websudo",
                            if changes {
                                Severity::Medium
                            } else {
                                Severity::Low
                            },
                            format!(
                                "{name} is for administrators (@{a}) but does not require WebSudo (@WebSudoRequired){}.",
                                if changes { " and changes data" } else { "" }
                            ),
                            "Annotate the resource or method with @WebSudoRequired so administrators confirm their password before using it.",
                            &format!("@{a} without @WebSudoRequired"),
                        );
                    }
                    if m.has("XsrfProtectionExcluded") && (changes || http.is_none()) {
                        push(
                            "p2/xsrf-check-disabled",
                            if anonymous.is_some() {
                                Severity::High
                            } else {
                                Severity::Medium
                            },
                            format!(
                                "{name} is annotated @XsrfProtectionExcluded: other sites can make a logged-in user's browser call it."
                            ),
                            "Keep XSRF protection: remove the annotation and send the XSRF token from the app's own pages.",
                            "@XsrfProtectionExcluded",
                        );
                    }
                }
                AppKind::Forge => {}
            }
            if profile.kind == AppKind::Connect && (m.has("IgnoreJwt") || m.has("ContextJwt")) {
                profile.endpoints.push(crate::model::Endpoint {
                    kind: "java handler".into(),
                    url: name.clone(),
                    auth: if m.has("IgnoreJwt") {
                        "none (@IgnoreJwt)".into()
                    } else {
                        "context JWT (@ContextJwt)".into()
                    },
                });
            }
        }
    }
    profile.sort();
    out
}

/// Whether a declared egress entry (`host`, `*.domain`, `*`) covers a host.
fn covers(declared: &str, host: &str) -> bool {
    declared == "*"
        || declared == host
        || declared
            .strip_prefix("*.")
            .is_some_and(|d| host.ends_with(&format!(".{d}")))
}

/// FG-EGRESS-02: hosts the code fetches from or shows images from that the manifest does
/// not declare.
pub(crate) fn egress(
    profile: &mut AppProfile,
    descriptor: &[String],
    files: &[(Vec<String>, Vec<vendorsec_code::ExternalUrl>)],
) -> Vec<Finding> {
    let mut out = Vec::new();
    let declared: Vec<(String, String)> = profile
        .hosts
        .iter()
        .filter_map(|h| {
            h.source
                .strip_prefix("permissions.external.")
                .map(|k| (k.to_owned(), h.host.clone()))
        })
        .collect();
    let key = profile.key.clone();
    let mut new_hosts = Vec::new();
    for (chain, urls) in files {
        for u in urls {
            let Some(host) = crate::model::host_of(&u.url) else {
                continue;
            };
            new_hosts.push(crate::model::Host {
                host: host.clone(),
                source: format!("code ({})", u.kind),
            });
            // Custom UI code (under static/, the resources' usual home) runs in the browser
            // and needs fetch.client; resolvers and functions need fetch.backend.
            let client = chain
                .join("!/")
                .split('/')
                .any(|c| c == "static" || c == "frontend" || c == "custom-ui");
            let wanted = match (u.kind == "image", client) {
                (true, _) => "images",
                (false, true) => "fetch.client",
                (false, false) => "fetch.backend",
            };
            let ok = declared.iter().any(|(k, d)| {
                (k == wanted || k == "fetch" && wanted.starts_with("fetch")) && covers(d, &host)
            });
            if ok {
                continue;
            }
            let origin = Origin {
                chain: chain.clone(),
                commit: None,
            };
            let mut f = finding(
                descriptor,
                Check {
                    rule: "forge/undeclared-egress",
                    severity: Severity::Medium,
                    message: format!(
                        "The code {} {} but permissions.external.{wanted} does not declare {host}.",
                        if u.kind == "image" {
                            "shows an image from"
                        } else {
                            "fetches"
                        },
                        u.url
                    ),
                    evidence: u.url.clone(),
                    remediation: "Declare the host in permissions.external (fetch.backend / fetch.client / images), or remove the call.",
                    line: 0,
                    identity: format!("{key}|{wanted}|{host}"),
                },
            );
            f.locations = vec![Location::new(&origin, u.line, u.column, u.line, u.column)];
            out.push(f);
        }
    }
    // One finding per host: the first place it is used.
    let mut seen = BTreeSet::new();
    out.retain(|f| seen.insert(f.fingerprint.clone()));
    profile.hosts.extend(new_hosts);
    profile.sort();
    out
}

/// CS-SEC-01: the framework's default tenant store keeps `sharedSecret` in plaintext.
pub(crate) fn plaintext_secret(
    profile: &AppProfile,
    descriptor: &[String],
    fw: &crate::DependencyFact,
) -> Finding {
    let (what, fix) = if fw.ecosystem == "npm" {
        (
            "atlassian-connect-express keeps each tenant's install payload, sharedSecret included, as plaintext JSON in its store (AddonSettings clientInfo)",
            "Register a store adapter that encrypts clientInfo (or at least sharedSecret) with a key from a KMS or secret manager, and re-save existing tenants.",
        )
    } else {
        (
            "atlassian-connect-spring-boot keeps each tenant's sharedSecret as a plain column of AtlassianHost",
            "Add a JPA AttributeConverter (or a custom AtlassianHostRepository) that encrypts sharedSecret with a key from a KMS or secret manager.",
        )
    };
    let mut f = finding(
        descriptor,
        Check {
            rule: "connect/plaintext-shared-secret",
            severity: Severity::Medium,
            message: format!(
                "{what}; no encrypting store adapter or converter was found in the app."
            ),
            evidence: format!("{} {} ({})", fw.name, fw.version, fw.ecosystem),
            remediation: fix,
            line: 0,
            identity: format!("{}|{}", profile.key, fw.name),
        },
    );
    // Lower than the descriptor checks: the store may be encrypted below the app (an
    // encrypted database), which the code does not show.
    f.confidence = vendorsec_core::Confidence::Medium;
    let origin = Origin {
        chain: fw.path.clone(),
        commit: None,
    };
    f.locations
        .push(Location::new(&origin, fw.line, 0, fw.line, 0));
    f
}

/// Findings for the crypto, TLS and injection smells of one Java file.
pub(crate) fn smell_findings(chain: &[String], smells: &[vendorsec_code::Smell]) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in smells {
        let (rule, severity, confidence, message, remediation) = match s.kind {
            "weak-hash" if s.about_passwords => (
                "java/weak-password-hash",
                Severity::High,
                vendorsec_core::Confidence::Medium,
                "Passwords are hashed with MD5 or SHA-1, which are fast and unsalted here: stolen hashes are cracked quickly.",
                "Use bcrypt, scrypt, Argon2 or PBKDF2 with a per-user salt (Atlassian's PasswordEncoder in P2 apps).",
            ),
            "weak-cipher" => (
                "java/weak-cipher",
                Severity::Medium,
                vendorsec_core::Confidence::High,
                "A weak cipher or ECB mode is used (a bare \"AES\" or \"DES\" means ECB).",
                "Use AES/GCM/NoPadding with a random nonce, or a library such as Tink.",
            ),
            "legacy-tls" => (
                "java/legacy-tls",
                Severity::High,
                vendorsec_core::Confidence::High,
                "The SSLContext is pinned to SSL or TLS 1.0/1.1.",
                "Use SSLContext.getInstance(\"TLS\") (or TLSv1.3) and let the JDK negotiate TLS 1.2 or later.",
            ),
            "trust-all-certificates" => (
                "java/trust-all-certificates",
                Severity::High,
                vendorsec_core::Confidence::High,
                "checkServerTrusted does nothing: any certificate, an attacker's included, is accepted.",
                "Remove the custom TrustManager; to trust a private CA, load it into a KeyStore and use the default TrustManagerFactory.",
            ),
            "permissive-hostname-verifier" => (
                "java/permissive-hostname-verifier",
                Severity::High,
                vendorsec_core::Confidence::High,
                "The HostnameVerifier accepts every host name.",
                "Remove the custom HostnameVerifier and use the default one.",
            ),
            "unsafe-deserialization" => (
                "java/unsafe-deserialization",
                Severity::Medium,
                vendorsec_core::Confidence::Medium,
                "A stream is deserialized with ObjectInputStream; untrusted input can execute code through gadget classes.",
                "Do not deserialize untrusted data; use JSON, or an ObjectInputFilter allow-list.",
            ),
            "plaintext-credential-storage" => (
                "code/plaintext-credential-storage",
                Severity::Medium,
                vendorsec_core::Confidence::Medium,
                "A credential is persisted as plain text (the field or key is named like a token or secret and nothing encrypts it): a database dump or backup then hands it over.",
                "Encrypt tokens and secrets at rest: a JPA AttributeConverter or column encryption backed by a KMS key, an encrypting model plugin, or Forge storage.setSecret.",
            ),
            "command-execution" => (
                "java/command-execution",
                Severity::Low,
                vendorsec_core::Confidence::Low,
                "An operating-system command is run; request data reaching it would allow command injection.",
                "Avoid shelling out; pass arguments as an array, never through a shell, and validate them against an allow-list.",
            ),
            _ => continue,
        };
        let mut f = finding(
            chain,
            Check {
                rule,
                severity,
                message: message.to_owned(),
                evidence: s.evidence.clone(),
                remediation,
                line: s.line,
                identity: format!("{}|{}|{}", chain.join("!/"), s.kind, s.evidence),
            },
        );
        // From bytecode (line 0) a string is tied to the call by class only.
        f.confidence =
            if s.line == 0 && matches!(s.kind, "weak-hash" | "weak-cipher" | "legacy-tls") {
                confidence.lowered()
            } else {
                confidence
            };
        f.locations[0].column = s.column;
        f.data.remove("descriptor");
        out.push(f);
    }
    out
}

/// DC-XSS-01: a Velocity template that turns escaping off.
pub(crate) fn velocity_finding(chain: &[String], line: u64, text: &str) -> Finding {
    let mut f = finding(chain, Check {
        rule: "p2/velocity-escaping-disabled",
        severity: Severity::Medium,
        message: "The template turns automatic HTML escaping off: every reference it renders is output raw.".into(),
        evidence: text.chars().take(160).collect(),
        remediation: "Remove the opt-out; render HTML only from references whose names end in Html and that hold markup the app built and escaped itself.",
        line,
        identity: format!("{}|{line}", chain.join("!/")),
    });
    f.data.remove("descriptor");
    f
}

/// Whether an Ant-style pattern (`/a/*`, `/a/**`, `/**`) covers a path.
fn ant_matches(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.trim_end_matches('/').split('/').collect();
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    fn go(p: &[&str], s: &[&str]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(&"**"), _) => go(&p[1..], s) || (!s.is_empty() && go(p, &s[1..])),
            (Some(a), Some(b)) => {
                (*a == "*" || a == b || (b.starts_with('{') && b.ends_with('}')))
                    && go(&p[1..], &s[1..])
            }
            _ => false,
        }
    }
    go(&pat, &segs)
}

/// CS-AUTH-02 (rest): Spring Security `ignoring()` patterns over the app's own URLs.
pub(crate) fn ignored_paths(
    profile: &mut AppProfile,
    descriptor: &[String],
    files: &[&(Vec<String>, Vec<vendorsec_code::IgnoredPath>)],
) -> Vec<Finding> {
    let mut out = Vec::new();
    let key = profile.key.clone();
    let mut added = Vec::new();
    for (chain, paths) in files {
        let origin = Origin {
            chain: chain.clone(),
            commit: None,
        };
        for p in paths {
            added.push(crate::model::Endpoint {
                kind: "spring security ignoring()".into(),
                url: p.pattern.clone(),
                auth: "none: skips the security filter chain".into(),
            });
            let everything = matches!(p.pattern.as_str(), "/**" | "/*" | "**" | "/");
            let served: Vec<&crate::model::Endpoint> = profile
                .endpoints
                .iter()
                .filter(|e| url_path(&e.url).is_some_and(|u| ant_matches(&p.pattern, u)))
                .collect();
            let why = if everything {
                "every URL of the app".to_owned()
            } else if let Some(e) = served.first() {
                format!("the descriptor's {} URL {}", e.kind, e.url)
            } else {
                continue;
            };
            let mut f = finding(
                descriptor,
                Check {
                    rule: "connect/security-ignored-path",
                    severity: Severity::High,
                    message: format!(
                        "Spring Security ignores {} ({why}); requests there skip the security filter chain.",
                        p.pattern
                    ),
                    evidence: format!("web.ignoring() … \"{}\"", p.pattern),
                    remediation: "Ignore only static resources; let module, webhook and lifecycle URLs go through the filter chain and atlassian-connect-spring-boot's JWT check.",
                    line: 0,
                    identity: format!("{key}|{}", p.pattern),
                },
            );
            f.locations = vec![Location::new(&origin, p.line, p.column, p.line, p.column)];
            out.push(f);
        }
    }
    profile.endpoints.extend(added);
    profile.sort();
    out
}

/// FG-TRIG-01: each web trigger's handler (`index.run` -> `src/index.*`, export `run`)
/// must read a credential from the request. Handlers not found are said in the profile, not
/// guessed at.
pub(crate) fn webtriggers(
    profile: &mut AppProfile,
    manifest: &[String],
    triggers: &[crate::forge::Trigger],
    root: &str,
    scripts: &[&(Vec<String>, vendorsec_code::Lang, Vec<u8>)],
) -> Vec<Finding> {
    // Words that are evidence on their own, and words that are evidence on a line that
    // reads the request's headers or query parameters.
    const STRONG: [&str; 9] = [
        "authorization",
        "signature",
        "hmac",
        "timingsafeequal",
        "verify",
        "bearer",
        "authenticate",
        "isauthori",
        "checkauth",
    ];
    const WITH_REQUEST: [&str; 5] = ["token", "secret", "key", "auth", "sig"];
    let mut out = Vec::new();
    for t in triggers {
        let Some((module, export)) = t.handler.rsplit_once('.') else {
            continue;
        };
        let wanted = format!("{root}src/{module}.");
        let script = scripts.iter().find(|(c, _, _)| {
            let d = c.join("!/");
            d.strip_prefix(wanted.as_str())
                .is_some_and(|ext| matches!(ext, "js" | "jsx" | "ts" | "tsx" | "mjs" | "cjs"))
        });
        let found = script.and_then(|(c, lang, src)| {
            Some((c, vendorsec_code::exported_function(src, *lang, export)?))
        });
        let Some((chain, h)) = found else {
            profile.notes.push(format!(
                "web trigger {}: handler {} not found under {root}src/ (or it neither returns a statusCode nor reads queryParameters); caller authentication not checked",
                t.key, t.handler
            ));
            continue;
        };
        let lower = h.text.to_ascii_lowercase();
        let checks = STRONG.iter().any(|e| lower.contains(e))
            || lower.lines().any(|l| {
                (l.contains("header") || l.contains("queryparameters"))
                    && WITH_REQUEST.iter().any(|w| l.contains(w))
            });
        if checks {
            continue;
        }
        let file = chain.join("!/");
        let mut f = finding(
            chain,
            Check {
                rule: "forge/unauthenticated-webtrigger",
                severity: Severity::Medium,
                message: format!(
                    "The web trigger {} runs {} ({file}:{}), which reads no credential from the request: anyone with the trigger URL can invoke it.",
                    t.key, t.handler, h.line
                ),
                evidence: h
                    .text
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim()
                    .chars()
                    .take(160)
                    .collect(),
                remediation: "Authenticate callers in the handler: verify a signature (HMAC of the body with a shared secret, compared in constant time) or a secret token header, and refuse everything else with 401.",
                line: h.line,
                identity: format!("{}|{}|{}", profile.key, t.key, t.handler),
            },
        );
        let origin = Origin {
            chain: manifest.to_vec(),
            commit: None,
        };
        f.locations
            .push(Location::new(&origin, t.line, 0, t.line, 0));
        out.push(f);
    }
    out
}

/// DC-XSS-01, request-data half: each sink whose value is request data for certain
/// (`context`, `html-safe`, `template`) is a finding, with the templates that render it; a
/// web action's bound `…Html` parameter is one only when a template renders it.
pub(crate) fn html_sink_findings(
    sinks: &[(Vec<String>, Vec<vendorsec_code::HtmlSink>)],
    refs: &[(Vec<String>, String, u64)],
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (chain, list) in sinks {
        for s in list {
            let rendered: Vec<&(Vec<String>, String, u64)> = refs
                .iter()
                .filter(|(c, n, l)| *n == s.name && !(c == chain && *l == s.line))
                .collect();
            if s.how == "action-parameter" && rendered.is_empty() {
                continue;
            }
            let what = match s.how {
                "context" => format!("The context value {} is set from request data", s.name),
                "html-safe" => format!("The @HtmlSafe getter for {} returns request data", s.name),
                "template" => format!("The template sets ${} from request data", s.name),
                _ => format!("The request parameter {} is bound to a web action", s.name),
            };
            let shown = rendered
                .first()
                .map(|(c, _, l)| format!(" and rendered at {}:{l}", c.join("!/")))
                .unwrap_or_default();
            let mut f = finding(
                chain,
                Check {
                    rule: "p2/unescaped-request-data",
                    severity: Severity::High,
                    message: format!(
                        "{what}{shown}; Velocity does not escape …Html references (or @HtmlSafe values), so a crafted request is cross-site scripting."
                    ),
                    evidence: s.evidence.clone(),
                    remediation: "Do not name request-derived values …Html or mark them @HtmlSafe: let the template escape them, or sanitise with an HTML policy (OWASP Java HTML Sanitizer) first.",
                    line: s.line,
                    identity: format!("{}|{}|{}", s.class, s.name, s.how),
                },
            );
            f.locations[0].column = s.column;
            f.data.remove("descriptor");
            for (c, _, l) in rendered.iter().take(8) {
                let origin = Origin {
                    chain: c.clone(),
                    commit: None,
                };
                f.locations.push(Location::new(&origin, *l, 0, *l, 0));
            }
            out.push(f);
        }
    }
    out
}
