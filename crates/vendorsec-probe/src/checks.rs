//! Running the checks over one app's links and hosts.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use vendorsec_core::redact::fingerprint;
use vendorsec_core::{Confidence, Finding, Location, Origin, Severity};

use crate::discover::{App, Link};
use crate::http::{Request, Response, Url, send, tls_config};
use crate::{jwt, tls, x509};

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// Per-request timeout.
    pub timeout: Duration,
    /// Requests per second, all workers together.
    pub rate: f64,
    /// Parallel workers.
    pub concurrency: usize,
    /// Trust anchors (PEM) instead of the system's.
    pub ca_file: Option<PathBuf>,
    /// Port of the plain-HTTP check (default 80).
    pub http_port: Option<u16>,
    /// A test installation's shared secret: enables the qsh and context-token tests.
    pub shared_secret: Option<String>,
    /// A non-admin user's context token: enables the admin-page test.
    pub user_jwt: Option<String>,
    /// Send install payloads to the lifecycle URLs.
    pub lifecycle_tests: bool,
    /// Skip the TLS handshake checks (for a plain-HTTP app under development).
    pub skip_tls: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(10),
            rate: 20.0,
            concurrency: 4,
            ca_file: None,
            http_port: None,
            shared_secret: None,
            user_jwt: None,
            lifecycle_tests: false,
            skip_tls: false,
        }
    }
}

/// What a probe found.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// Inconclusive results and what was not tested, said plainly.
    pub notes: Vec<String>,
    pub requests: u64,
    /// Which TLS versions each host accepted, for the report (`host:port` -> names).
    pub protocols: Vec<(String, Vec<String>)>,
}

/// A shared request budget: at most `rate` requests per second across workers.
struct Limiter {
    next: Mutex<Instant>,
    gap: Duration,
}

impl Limiter {
    fn wait(&self) {
        let slot = {
            let mut n = self
                .next
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            let slot = (*n).max(now);
            *n = slot + self.gap;
            slot
        };
        let now = Instant::now();
        if slot > now {
            std::thread::sleep(slot - now);
        }
    }
}

struct Ctx<'a> {
    app: &'a App,
    opts: &'a Options,
    tls: Arc<rustls::ClientConfig>,
    limiter: Limiter,
    requests: AtomicU64,
    findings: Mutex<Vec<Finding>>,
    notes: Mutex<Vec<String>>,
    progress: &'a (dyn Fn(&str) + Sync),
}

impl Ctx<'_> {
    fn send(&self, req: &Request) -> Result<Response, String> {
        // Only hosts the descriptor names.
        if !self.allowed(&req.url) {
            return Err(format!(
                "{}: not a host of the descriptor; not contacted",
                req.url.host
            ));
        }
        self.limiter.wait();
        self.requests.fetch_add(1, Ordering::Relaxed);
        send(req, &self.tls, self.opts.timeout)
    }

    fn allowed(&self, u: &Url) -> bool {
        u.host == self.app.base.host || self.app.links.iter().any(|l| l.url.host == u.host)
    }

    fn note(&self, s: String) {
        self.notes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(s);
    }

    fn finding(
        &self,
        rule: &str,
        severity: Severity,
        url: &str,
        message: String,
        evidence: String,
        identity: &str,
    ) {
        let (guideline, remediation) = remediation(rule);
        let origin = Origin {
            chain: vec![url.to_owned()],
            commit: None,
        };
        let mut data = serde_json::Map::new();
        data.insert("app_key".into(), json!(self.app.key));
        data.insert("url".into(), json!(url));
        let f = Finding {
            rule: rule.to_owned(),
            guideline: guideline.to_owned(),
            severity,
            confidence: Confidence::High,
            message,
            remediation: remediation.to_owned(),
            evidence,
            fingerprint: fingerprint(rule, format!("{}|{identity}", self.app.key).as_bytes()),
            locations: vec![Location::new(&origin, 0, 0, 0, 0)],
            data,
        };
        self.findings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(f);
    }
}

fn remediation(rule: &str) -> (&'static str, &'static str) {
    let guideline = crate::RULES
        .iter()
        .find(|r| r.0 == rule)
        .map_or("code.owasp-top-10", |r| r.4);
    let fix = match rule {
        "probe/tls-legacy-protocol" | "probe/tls-no-modern-protocol" => {
            "Accept TLS 1.2 and TLS 1.3 only; turn SSL 3.0, TLS 1.0 and TLS 1.1 off at the load balancer or server."
        }
        "probe/tls-weak-cipher" => {
            "Offer only Mozilla's \"intermediate\" TLS 1.2 suites (ECDHE/DHE with AES-GCM or ChaCha20-Poly1305)."
        }
        "probe/tls-certificate-invalid"
        | "probe/tls-certificate-expiring"
        | "probe/tls-weak-key" => {
            "Serve a certificate from a public CA that names every host of the descriptor, with an RSA ≥ 2048-bit or ECDSA P-256+ key and a SHA-256+ signature, and renew it automatically."
        }
        "probe/hsts-missing" => {
            "Send Strict-Transport-Security: max-age=31536000 (or more); includeSubDomains where every subdomain is HTTPS."
        }
        "probe/plaintext-http" => {
            "Answer plain HTTP with a redirect to HTTPS (301/308) or do not listen on it."
        }
        "probe/cache-control" => {
            "Send Cache-Control: no-store, no-cache on pages that carry user or tenant data; mark truly static module pages cacheable in the descriptor."
        }
        "probe/referrer-policy" => {
            "Send Referrer-Policy: strict-origin-when-cross-origin (or stricter)."
        }
        "probe/session-cookie" => {
            "Set session cookies with Secure, HttpOnly and SameSite (Lax or Strict; None only with Secure for iframes)."
        }
        "probe/secret-in-url" => {
            "Keep secrets out of URLs: send them in headers or bodies, and rotate the exposed one."
        }
        "probe/unauthenticated-module" | "probe/qsh-not-enforced" => {
            "Verify the JWT on every request: HS256 signature with the tenant's sharedSecret, exp, and the qsh of this exact request (accept context-qsh only on endpoints designed for context tokens)."
        }
        "probe/lifecycle-unauthenticated" => {
            "Enable apiMigrations.signed-install and verify install callbacks: RS256 signature with the key fetched by kid from Atlassian's key service, aud equal to the baseUrl, qsh, exp."
        }
        "probe/admin-page-authz" => {
            "Check the user's product permissions (admin) on every admin page and endpoint, server side."
        }
        _ => "See the requirement this check answers to.",
    };
    (guideline, fix)
}

/// Run every check the options allow over the app.
pub fn run(app: &App, opts: &Options, progress: &(dyn Fn(&str) + Sync)) -> Outcome {
    let tls = match tls_config(&[&rustls::version::TLS13, &rustls::version::TLS12]) {
        Ok(t) => t,
        Err(e) => {
            return Outcome {
                notes: vec![format!("TLS configuration failed: {e}")],
                ..Outcome::default()
            };
        }
    };
    let ctx = Ctx {
        app,
        opts,
        tls,
        limiter: Limiter {
            next: Mutex::new(Instant::now()),
            gap: Duration::from_secs_f64(1.0 / opts.rate.max(0.1)),
        },
        requests: AtomicU64::new(0),
        findings: Mutex::new(Vec::new()),
        notes: Mutex::new(Vec::new()),
        progress,
    };
    for s in &app.skipped {
        ctx.note(format!("not probed: {s}"));
    }
    secrets_in_urls(&ctx);
    // Hosts: base and every link's, https ones for TLS/HSTS.
    let mut hosts: Vec<Url> = Vec::new();
    for u in std::iter::once(&app.base).chain(app.links.iter().map(|l| &l.url)) {
        if !hosts
            .iter()
            .any(|h| h.host == u.host && h.port == u.port && h.https == u.https)
        {
            let mut root = u.clone();
            root.target = app.base.target.clone();
            if u.host != app.base.host || u.port != app.base.port {
                root.target = "/".into();
            }
            hosts.push(root);
        }
    }
    let mut protocols = Vec::new();
    for h in &hosts {
        if h.https && !opts.skip_tls {
            (ctx.progress)(&format!("TLS {}:{}", h.host, h.port));
            protocols.push((format!("{}:{}", h.host, h.port), tls_checks(&ctx, h)));
        }
        (ctx.progress)(&format!("HTTP {}", h.to_text()));
        http_checks(&ctx, h);
    }
    if !app.jwt {
        ctx.note("authentication.type is not jwt: module authentication tests not run (the descriptor check reports it)".into());
    } else {
        let modules: Vec<&Link> = app.links.iter().filter(|l| l.lifecycle.is_none()).collect();
        let next = AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..opts.concurrency.clamp(1, 16) {
                s.spawn(|| {
                    loop {
                        let i = usize::try_from(next.fetch_add(1, Ordering::Relaxed))
                            .unwrap_or(usize::MAX);
                        let Some(l) = modules.get(i) else { break };
                        (ctx.progress)(&format!("authn {}", l.url.to_text()));
                        module_checks(&ctx, l);
                    }
                });
            }
        });
    }
    lifecycle_checks(&ctx);
    let mut findings = ctx
        .findings
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // One finding per fingerprint, every URL kept.
    let mut merged: Vec<Finding> = Vec::new();
    for f in findings.drain(..) {
        match merged.iter_mut().find(|g| g.fingerprint == f.fingerprint) {
            Some(g) => g.locations.extend(f.locations),
            None => merged.push(f),
        }
    }
    let mut notes = ctx
        .notes
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    notes.sort();
    notes.dedup();
    Outcome {
        findings: merged,
        notes,
        requests: ctx.requests.load(Ordering::Relaxed),
        protocols,
    }
}

const SECRET_PARAMS: [&str; 12] = [
    "token",
    "secret",
    "password",
    "passwd",
    "apikey",
    "api_key",
    "api-key",
    "access_token",
    "auth_token",
    "client_secret",
    "secret_key",
    "private_key",
];

fn secret_param(query: &str) -> Option<String> {
    query.split('&').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        let k = k.to_ascii_lowercase();
        let named = SECRET_PARAMS.contains(&k.as_str())
            || ["_token", "_secret", "_password", "-token", "-secret"]
                .iter()
                .any(|x| k.ends_with(x));
        (named && !v.is_empty() && v != "test")
            .then(|| format!("{k}={}", vendorsec_core::redact::redact(v)))
    })
}

fn secrets_in_urls(ctx: &Ctx<'_>) {
    for l in &ctx.app.links {
        if let Some(p) = secret_param(l.url.query()) {
            ctx.finding(
                "probe/secret-in-url",
                Severity::High,
                &l.url.to_text(),
                format!("The descriptor's {} URL carries a secret-like parameter in its query string: it ends up in logs, browser history and Referer headers.", l.module),
                p.clone(),
                &format!("{}|{p}", l.url.path()),
            );
        }
    }
}

fn tls_checks(ctx: &Ctx<'_>, h: &Url) -> Vec<String> {
    let to = ctx.opts.timeout;
    let mut accepted = Vec::new();
    let url = format!("https://{}", h.authority());
    for v in [tls::SSL3, tls::TLS10, tls::TLS11] {
        ctx.limiter.wait();
        ctx.requests.fetch_add(1, Ordering::Relaxed);
        match tls::accepts_legacy(&h.host, h.port, v, to) {
            Ok(Some(suite)) => {
                accepted.push(tls::version_name(v).to_owned());
                ctx.finding(
                    "probe/tls-legacy-protocol",
                    Severity::High,
                    &url,
                    format!(
                        "{url} accepts {}: a ClientHello for it got a ServerHello of that version.",
                        tls::version_name(v)
                    ),
                    format!(
                        "{} ServerHello, suite {}",
                        tls::version_name(v),
                        tls::suite_name(suite)
                    ),
                    &format!("{}:{}|{v}", h.host, h.port),
                );
            }
            Ok(None) => {}
            Err(e) => {
                ctx.note(format!("{url}: TLS checks inconclusive: {e}"));
                return accepted;
            }
        }
    }
    let mut chain = Vec::new();
    let mut modern = false;
    for (name, v13) in [("TLS 1.2", false), ("TLS 1.3", true)] {
        ctx.limiter.wait();
        ctx.requests.fetch_add(1, Ordering::Relaxed);
        match tls::modern_handshake(&h.host, h.port, v13, to) {
            Ok(Some((_, c))) => {
                modern = true;
                accepted.push(name.to_owned());
                if chain.is_empty() {
                    chain = c;
                }
            }
            Ok(None) => {}
            Err(e) => ctx.note(format!("{url}: {name} inconclusive: {e}")),
        }
    }
    if !modern {
        ctx.finding(
            "probe/tls-no-modern-protocol",
            Severity::High,
            &url,
            format!("{url} completed no TLS 1.2 or TLS 1.3 handshake."),
            "TLS 1.2 and TLS 1.3 handshakes failed".into(),
            &format!("{}:{}", h.host, h.port),
        );
        return accepted;
    }
    // TLS 1.2 suites.
    if accepted.iter().any(|a| a == "TLS 1.2") {
        ctx.limiter.wait();
        match tls::tls12_suites(&h.host, h.port, to) {
            Ok(suites) => {
                ctx.requests
                    .fetch_add(suites.len() as u64 + 1, Ordering::Relaxed);
                let weak: Vec<String> = suites
                    .iter()
                    .filter(|s| !tls::SUITES.iter().any(|x| x.0 == **s && x.2))
                    .map(|s| tls::suite_name(*s))
                    .collect();
                if !weak.is_empty() {
                    ctx.finding(
                        "probe/tls-weak-cipher",
                        Severity::Low,
                        &url,
                        format!(
                            "{url} accepts TLS 1.2 suites outside Mozilla's intermediate list: {}.",
                            weak.join(", ")
                        ),
                        weak.join(", "),
                        &format!("{}:{}|{}", h.host, h.port, weak.join(",")),
                    );
                }
            }
            Err(e) => ctx.note(format!("{url}: suite enumeration inconclusive: {e}")),
        }
    }
    certificate_checks(ctx, h, &url, &chain);
    accepted
}

fn certificate_checks(
    ctx: &Ctx<'_>,
    h: &Url,
    url: &str,
    chain: &[rustls::pki_types::CertificateDer<'static>],
) {
    let roots = match tls::roots(ctx.opts.ca_file.as_deref()) {
        Ok((r, _)) => Arc::new(r),
        Err(e) => {
            ctx.note(format!("certificate not validated: {e}"));
            return;
        }
    };
    if let Err(why) = tls::validate(chain, &h.host, &roots) {
        ctx.finding(
            "probe/tls-certificate-invalid",
            Severity::High,
            url,
            format!("The certificate of {url} does not validate: {why}."),
            why.clone(),
            &format!("{}:{}|{why}", h.host, h.port),
        );
    }
    let Some(f) = chain.first().and_then(|c| x509::facts(c)) else {
        return;
    };
    let days = (f.not_after - jwt::now()) / 86_400;
    if (0..30).contains(&days) {
        ctx.finding(
            "probe/tls-certificate-expiring",
            Severity::Medium,
            url,
            format!("The certificate of {url} expires in {days} days."),
            format!("notAfter in {days} days"),
            &format!("{}:{}", h.host, h.port),
        );
    }
    let weak_key = (f.key == "RSA" && f.key_bits < 2048)
        || (f.key.starts_with("EC") && f.key_bits > 0 && f.key_bits < 256);
    let weak_sig = f.signature.starts_with("sha1")
        || f.signature.starts_with("md5")
        || f.signature == "ecdsa-with-SHA1";
    if weak_key || weak_sig {
        ctx.finding(
            "probe/tls-weak-key",
            Severity::Medium,
            url,
            format!(
                "The certificate of {url} has a {} {}-bit key signed with {}.",
                f.key, f.key_bits, f.signature
            ),
            format!("{} {} bits, {}", f.key, f.key_bits, f.signature),
            &format!("{}:{}", h.host, h.port),
        );
    }
}

fn max_age(hsts: &str) -> Option<u64> {
    hsts.split(';').find_map(|d| {
        let d = d.trim();
        let v = d
            .strip_prefix("max-age=")
            .or_else(|| d.strip_prefix("MAX-AGE="))?;
        v.trim_matches('"').parse().ok()
    })
}

fn http_checks(ctx: &Ctx<'_>, h: &Url) {
    if h.https {
        let req = Request::new("GET", h);
        match ctx.send(&req) {
            Ok(r) => {
                let url = h.to_text();
                match r.header("strict-transport-security") {
                    None => ctx.finding(
                        "probe/hsts-missing",
                        Severity::Medium,
                        &url,
                        format!("GET {url} answered {} without Strict-Transport-Security.", r.status),
                        format!("GET {url} -> {} (no Strict-Transport-Security)", r.status),
                        &format!("{}:{}|missing", h.host, h.port),
                    ),
                    Some(v) if max_age(v).is_none_or(|a| a < 31_536_000) => ctx.finding(
                        "probe/hsts-missing",
                        Severity::Low,
                        &url,
                        format!("{url} sends Strict-Transport-Security with a max-age under one year ({v})."),
                        format!("Strict-Transport-Security: {v}"),
                        &format!("{}:{}|short", h.host, h.port),
                    ),
                    Some(_) => {}
                }
            }
            Err(e) => ctx.note(format!("{}: HSTS inconclusive: {e}", h.to_text())),
        }
    }
    // Plain HTTP on the same host.
    let mut plain = h.clone();
    plain.https = false;
    plain.port = ctx.opts.http_port.unwrap_or(80);
    if !h.https {
        plain.port = h.port;
    }
    let url = plain.to_text();
    match ctx.send(&Request::new("GET", &plain)) {
        Ok(r) => {
            let to_https = r
                .header("location")
                .is_some_and(|l| l.starts_with("https://"));
            if (300..400).contains(&r.status) && to_https {
                return;
            }
            if r.status < 400 {
                ctx.finding(
                    "probe/plaintext-http",
                    Severity::High,
                    &url,
                    format!(
                        "GET {url} over plain HTTP answered {} instead of redirecting to HTTPS.",
                        r.status
                    ),
                    format!(
                        "GET {url} -> {} {}",
                        r.status,
                        r.header("location").unwrap_or("")
                    ),
                    &format!("{}:{}", plain.host, plain.port),
                );
            }
        }
        // Refused: nothing listens on plain HTTP, which passes.
        Err(e) if e.contains("refused") => {}
        Err(e) => ctx.note(format!("{url}: plain-HTTP check inconclusive: {e}")),
    }
}

/// Claims of a product→app token for a request.
fn claims(ctx: &Ctx<'_>, exp_offset: i64, qsh: &str) -> serde_json::Value {
    let now = jwt::now();
    json!({
        "iss": "vendorsec-probe-fake-client-key",
        "sub": "vendorsec-probe",
        "aud": [ctx.app.base.to_text()],
        "iat": now - 60,
        "exp": now + exp_offset,
        "qsh": qsh,
        "context": {},
    })
}

/// The request path relative to the app's base path (as qsh wants it).
fn app_path<'a>(ctx: &Ctx<'_>, u: &'a Url) -> &'a str {
    let base = ctx.app.base.path().trim_end_matches('/');
    u.path()
        .strip_prefix(base)
        .filter(|p| p.starts_with('/') || p.is_empty())
        .unwrap_or(u.path())
}

fn static_resource(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    [
        ".js", ".css", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".woff", ".woff2", ".map",
        ".txt",
    ]
    .iter()
    .any(|e| p.ends_with(e))
}

fn module_checks(ctx: &Ctx<'_>, l: &Link) {
    let url_text = l.url.to_text();
    let path = app_path(ctx, &l.url).to_owned();
    let wrong = b"vendorsec-probe-wrong-secret";
    let mut failed = false;
    // A context token accepted where a request-bound one is required.
    let mut context_accepted = false;
    if l.cacheable {
        ctx.note(format!("{url_text}: cacheable module, loaded without a JWT by design; authentication and Cache-Control not judged on the page itself"));
    }
    for method in ["GET", "POST"] {
        let qsh = jwt::qsh(method, &path, l.url.query());
        let variants: Vec<(&str, Option<String>)> = vec![
            ("no token", None),
            (
                "an HS256 token signed with a wrong secret",
                Some(jwt::hs256(&claims(ctx, 3600, &qsh), wrong)),
            ),
            (
                "an alg:none token",
                Some(jwt::none(&claims(ctx, 3600, &qsh))),
            ),
            (
                "an expired token",
                Some(match &ctx.opts.shared_secret {
                    Some(s) => jwt::hs256(&claims(ctx, -600, &qsh), s.as_bytes()),
                    None => jwt::hs256(&claims(ctx, -600, &qsh), wrong),
                }),
            ),
        ];
        for (what, token) in variants {
            if l.cacheable || failed {
                break;
            }
            let mut req = Request::new(method, &l.url);
            if let Some(t) = &token {
                req = req.header("Authorization", &format!("JWT {t}"));
            }
            if method == "POST" {
                req = req.body("application/json", b"{}".to_vec());
            }
            match ctx.send(&req) {
                Ok(r) => {
                    headers_check(ctx, l, &r);
                    if (200..400).contains(&r.status) {
                        failed = true;
                        ctx.finding(
                            "probe/unauthenticated-module",
                            Severity::High,
                            &url_text,
                            format!("{method} {url_text} with {what} answered {} ({} bytes): the {} module is served without a valid JWT.", r.status, r.body.len(), l.module),
                            format!("{method} {} with {what}{} -> {}", l.url.target, token.as_deref().map(|t| format!(" (Authorization: JWT {})", jwt::redact(t))).unwrap_or_default(), r.status),
                            &format!("{}|{}", l.url.path(), l.module),
                        );
                    } else if r.status >= 500 {
                        ctx.note(format!(
                            "{method} {url_text} with {what}: {} (server error: inconclusive)",
                            r.status
                        ));
                    }
                }
                Err(e) => ctx.note(format!(
                    "{method} {url_text} with {what}: inconclusive: {e}"
                )),
            }
        }
    }
    // With the test installation's secret: the real page, then tokens that only a qsh
    // check refuses.
    // (Meaningless where the page needs no token at all.)
    if let Some(secret) = ctx
        .opts
        .shared_secret
        .as_ref()
        .filter(|_| !l.cacheable && !failed)
    {
        let qsh = jwt::qsh("GET", &path, l.url.query());
        let good = jwt::hs256(&claims(ctx, 600, &qsh), secret.as_bytes());
        match ctx.send(&Request::new("GET", &l.url).header("Authorization", &format!("JWT {good}")))
        {
            Ok(r) if (200..300).contains(&r.status) => headers_check(ctx, l, &r),
            Ok(r) => ctx.note(format!(
                "GET {url_text} with a valid token: {} (qsh tests judged by status only)",
                r.status
            )),
            Err(e) => ctx.note(format!("GET {url_text} with a valid token: {e}")),
        }
        let other = jwt::qsh("GET", "/vendorsec-probe/another-request", "");
        for (what, q) in [
            ("a qsh of another request", other.as_str()),
            ("a context token (qsh: context-qsh)", "context-qsh"),
        ] {
            let t = jwt::hs256(&claims(ctx, 600, q), secret.as_bytes());
            match ctx
                .send(&Request::new("GET", &l.url).header("Authorization", &format!("JWT {t}")))
            {
                Ok(r) if (200..400).contains(&r.status) => {
                    context_accepted |= q == "context-qsh";
                    ctx.finding(
                    "probe/qsh-not-enforced",
                    Severity::High,
                    &url_text,
                    format!("GET {url_text} with a validly signed token carrying {what} answered {}: the app checks the signature but not which request the token was issued for.", r.status),
                    format!("GET {} with {what} (Authorization: JWT {}) -> {}", l.url.target, jwt::redact(&t), r.status),
                    &format!("{}|{what}", l.url.path()),
                );
                }
                Ok(_) => {}
                Err(e) => ctx.note(format!("GET {url_text} with {what}: inconclusive: {e}")),
            }
        }
    }
    // A non-admin user's token on admin pages.
    if l.admin && context_accepted {
        ctx.note(format!("{url_text}: admin page accepts context tokens at all (qsh-not-enforced), so --user-jwt cannot tell an admin from a user there"));
    } else if l.admin
        && let Some(user) = &ctx.opts.user_jwt
    {
        match ctx.send(&Request::new("GET", &l.url).header("Authorization", &format!("JWT {user}")))
        {
            Ok(r) if (200..300).contains(&r.status) && !failed => ctx.finding(
                "probe/admin-page-authz",
                Severity::High,
                &url_text,
                format!(
                    "GET {url_text} (an admin page) with the non-admin user's token answered {}.",
                    r.status
                ),
                format!(
                    "GET {} with --user-jwt (JWT {}) -> {}",
                    l.url.target,
                    jwt::redact(user),
                    r.status
                ),
                l.url.path(),
            ),
            Ok(_) => {}
            Err(e) => ctx.note(format!("GET {url_text} with --user-jwt: inconclusive: {e}")),
        }
    }
}

/// Browser-header checks on a response of a module URL.
fn headers_check(ctx: &Ctx<'_>, l: &Link, r: &Response) {
    let url = l.url.to_text();
    if let Some(loc) = r.header("location")
        && let Some(p) = secret_param(loc.split_once('?').map_or("", |(_, q)| q))
    {
        ctx.finding(
            "probe/secret-in-url",
            Severity::High,
            &url,
            format!("{url} redirects to a URL with a secret-like parameter in its query string."),
            format!("Location: …?{p}"),
            &format!("{}|redirect|{p}", l.url.path()),
        );
    }
    // Cache-Control only where a page was served, not for cacheable modules or static files.
    if (200..300).contains(&r.status) && !l.cacheable && !static_resource(l.url.path()) {
        let cc = r.header("cache-control").unwrap_or("").to_ascii_lowercase();
        if !(cc.contains("no-store") && cc.contains("no-cache")) {
            ctx.finding(
                "probe/cache-control",
                Severity::Medium,
                &url,
                format!("{url} serves its page with Cache-Control `{cc}`: browsers and proxies may keep it."),
                format!("Cache-Control: {cc}"),
                l.url.path(),
            );
        }
    }
    if (200..300).contains(&r.status) {
        let rp = r.header("referrer-policy").map(|v| {
            v.split(',')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
        if rp
            .as_deref()
            .is_none_or(|p| p.is_empty() || p == "unsafe-url" || p == "no-referrer-when-downgrade")
        {
            ctx.finding(
                "probe/referrer-policy",
                Severity::Low,
                &url,
                format!(
                    "{url} sends {}.",
                    rp.as_deref()
                        .map_or("no Referrer-Policy".to_owned(), |p| format!(
                            "Referrer-Policy `{p}`"
                        ))
                ),
                format!("Referrer-Policy: {}", rp.unwrap_or_default()),
                l.url.path(),
            );
        }
    }
    for c in r.headers_named("set-cookie") {
        let name = c.split('=').next().unwrap_or("").trim().to_owned();
        let lower = c.to_ascii_lowercase();
        let n = name.to_ascii_lowercase();
        let session_like = ["sess", "sid", "auth", "token", "jwt", "login"]
            .iter()
            .any(|w| n.contains(w));
        if !session_like {
            continue;
        }
        let attrs: BTreeSet<String> = lower
            .split(';')
            .skip(1)
            .map(|a| a.trim().split('=').next().unwrap_or("").to_owned())
            .collect();
        let missing: Vec<&str> = ["secure", "httponly"]
            .into_iter()
            .filter(|a| !attrs.contains(*a))
            .collect();
        let (sev, what) = if !missing.is_empty() {
            (Severity::Medium, missing.join(" and "))
        } else if !attrs.contains("samesite") {
            (Severity::Low, "samesite".to_owned())
        } else {
            continue;
        };
        ctx.finding(
            "probe/session-cookie",
            sev,
            &url,
            format!("{url} sets the session cookie {name} without {what}."),
            format!("Set-Cookie: {name}=…; (no {what})"),
            &format!("{}|{name}|{what}", l.url.host),
        );
    }
}

fn lifecycle_checks(ctx: &Ctx<'_>) {
    let lifecycle: Vec<&Link> = ctx
        .app
        .links
        .iter()
        .filter(|l| l.lifecycle.is_some())
        .collect();
    if lifecycle.is_empty() {
        return;
    }
    if !ctx.opts.lifecycle_tests {
        ctx.note("lifecycle URLs not sent install payloads (pass --allow-lifecycle-tests against an app you control)".into());
        return;
    }
    for l in lifecycle {
        let event = l.lifecycle.as_deref().unwrap_or("");
        if event != "installed" && event != "uninstalled" {
            continue;
        }
        let url_text = l.url.to_text();
        let path = app_path(ctx, &l.url).to_owned();
        let qsh = jwt::qsh("POST", &path, l.url.query());
        let client_key = format!("vendorsec-probe-{}", jwt::now());
        let payload = json!({
            "key": ctx.app.key,
            "clientKey": client_key,
            // vendorsec:ignore secret/atlassian-connect-shared-secret deliberately fake value in the forged install payload
            "sharedSecret": "vendorsec-probe-not-a-real-secret",
            "baseUrl": "https://vendorsec-probe.invalid",
            "productType": "jira",
            "description": "vendorsec probe: a forged install that must be refused",
            "eventType": event,
        });
        let now = jwt::now();
        let mk = |aud: &str| json!({"iss": client_key, "aud": [aud], "iat": now - 60, "exp": now + 600, "qsh": qsh});
        let base = ctx.app.base.to_text();
        let variants: Vec<(&str, Option<String>)> = vec![
            ("no JWT", None),
            (
                "an HS256 token (signed with a secret the app never saw)",
                Some(jwt::hs256(&mk(&base), b"vendorsec-probe-wrong-secret")),
            ),
            (
                "an RS256 token from an unknown key",
                jwt::rs256_unknown_key(&mk(&base)),
            ),
            (
                "an RS256 token with a wrong aud",
                jwt::rs256_unknown_key(&mk("https://not-this-app.invalid")),
            ),
        ];
        let mut variants = variants;
        if let Some(secret) = &ctx.opts.shared_secret {
            let mut c = mk(&base);
            c["qsh"] = json!("context-qsh");
            variants.push((
                "a context token (qsh: context-qsh) signed with the installation's secret",
                Some(jwt::hs256(&c, secret.as_bytes())),
            ));
        }
        for (what, token) in variants {
            let mut req = Request::new("POST", &l.url)
                .body("application/json", payload.to_string().into_bytes());
            if let Some(t) = &token {
                req = req.header("Authorization", &format!("JWT {t}"));
            }
            match ctx.send(&req) {
                Ok(r) if (200..300).contains(&r.status) => {
                    ctx.finding(
                        "probe/lifecycle-unauthenticated",
                        Severity::Critical,
                        &url_text,
                        format!("POST {url_text} ({event}) with {what} answered {}: anyone can register or remove a tenant.", r.status),
                        format!("POST {} with {what}{} -> {}", l.url.target, token.as_deref().map(|t| format!(" (JWT {})", jwt::redact(t))).unwrap_or_default(), r.status),
                        &format!("{}|{event}", l.url.path()),
                    );
                    break;
                }
                Ok(r) if r.status >= 500 => ctx.note(format!(
                    "POST {url_text} with {what}: {} (inconclusive)",
                    r.status
                )),
                Ok(_) => {}
                Err(e) => ctx.note(format!("POST {url_text} with {what}: inconclusive: {e}")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsts_max_age_and_secret_params() {
        assert_eq!(
            max_age("max-age=31536000; includeSubDomains"),
            Some(31_536_000)
        );
        assert_eq!(max_age("includeSubDomains"), None);
        let shown = secret_param("issue=test&api_token=abcdef123456").unwrap();
        assert!(
            shown.starts_with("api_token=") && !shown.contains("abcdef123456"),
            "{shown}"
        );
        assert!(secret_param("issueKey=X-1&monkey=1&jwt=abc").is_none());
        assert!(static_resource("/static/app.js"));
        assert!(!static_resource("/panel"));
    }
}
