//! A small Connect app for the probe's tests, on 127.0.0.1 only: rustls HTTPS with a
//! certificate from a CA made at test time, a plain-HTTP listener, and JWT checks as a
//! careful app does them (HS256 with the tenant's secret, exp, qsh; signed installs refused
//! unless from Atlassian's key). Each `Behaviour` flag breaks one requirement.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

pub(crate) const SECRET: &str = "tenant-shared-secret-for-tests";

/// What to break.
#[derive(Debug, Clone, Default)]
pub(crate) struct Behaviour {
    /// Serve `/unguarded` without any JWT check.
    pub(crate) unguarded_route: bool,
    /// Accept `alg: none` tokens.
    pub(crate) accept_alg_none: bool,
    /// Check signatures but not qsh.
    pub(crate) ignore_qsh: bool,
    /// Accept installs without verifying anything.
    pub(crate) open_lifecycle: bool,
    /// Leave out HSTS.
    pub(crate) no_hsts: bool,
    /// Leave out Cache-Control on pages.
    pub(crate) no_cache_control: bool,
    /// Set a session cookie without Secure/HttpOnly.
    pub(crate) weak_cookie: bool,
    /// Serve content on plain HTTP instead of redirecting.
    pub(crate) plain_http_content: bool,
    /// Certificate: expired.
    pub(crate) expired_cert: bool,
    /// Certificate: for another host name.
    pub(crate) wrong_host_cert: bool,
    /// Certificate: expires in ten days.
    pub(crate) expiring_cert: bool,
    /// Leave out Referrer-Policy.
    pub(crate) no_referrer_policy: bool,
    /// Serve /admin to any validly signed user token, admin or not.
    pub(crate) admin_open_to_users: bool,
}

pub(crate) struct App {
    pub(crate) https_port: u16,
    pub(crate) http_port: u16,
    pub(crate) ca_pem: String,
    stop: Arc<AtomicBool>,
}

impl Drop for App {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.https_port));
        let _ = TcpStream::connect(("127.0.0.1", self.http_port));
    }
}

fn cert(b: &Behaviour) -> (String, Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "vendorsec test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let name = if b.wrong_host_cert {
        "other.test"
    } else {
        "localhost"
    };
    let key = rcgen::KeyPair::generate().unwrap();
    let mut leaf = rcgen::CertificateParams::new(vec![name.to_owned()]).unwrap();
    if b.expired_cert {
        leaf.not_before = rcgen::date_time_ymd(2020, 1, 1);
        leaf.not_after = rcgen::date_time_ymd(2021, 1, 1);
    } else if b.expiring_cert {
        let soon = vendorsec_probe::report::iso8601(vendorsec_probe::jwt::now() + 10 * 86_400);
        let n = |a: usize, z: usize| soon[a..z].parse::<u8>().unwrap();
        leaf.not_before = rcgen::date_time_ymd(2025, 1, 1);
        leaf.not_after = rcgen::date_time_ymd(soon[0..4].parse().unwrap(), n(5, 7), n(8, 10));
    } else {
        leaf.not_before = rcgen::date_time_ymd(2025, 1, 1);
        leaf.not_after = rcgen::date_time_ymd(2035, 1, 1);
    }
    let leaf_cert = leaf.signed_by(&key, &issuer).unwrap();
    (
        ca_cert.pem(),
        vec![leaf_cert.der().clone()],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

/// The descriptor of the app at these ports.
pub(crate) fn descriptor(https_port: u16, modules: usize, extra: &[&str]) -> String {
    let mut pages = Vec::new();
    for i in 0..modules {
        pages.push(format!(
            r#"{{"key": "p{i}", "url": "/page{i}?issue={{issue.key}}", "name": {{"value": "P{i}"}}}}"#
        ));
    }
    for (i, u) in extra.iter().enumerate() {
        pages.push(format!(
            r#"{{"key": "x{i}", "url": "{u}", "name": {{"value": "X{i}"}}}}"#
        ));
    }
    format!(
        r#"{{
  "key": "com.example.probed", "name": "Probed", "baseUrl": "https://localhost:{https_port}",
  "authentication": {{"type": "jwt"}},
  "apiMigrations": {{"signed-install": true, "context-qsh": true}},
  "lifecycle": {{"installed": "/installed", "uninstalled": "/uninstalled"}},
  "scopes": ["READ"],
  "modules": {{
    "generalPages": [{}],
    "webPanels": [{{"key": "static", "url": "/cached-panel", "cacheable": true, "location": "x"}}],
    "adminPages": [{{"key": "admin", "url": "/admin"}}]
  }}
}}"#,
        pages.join(", ")
    )
}

pub(crate) fn start(b: Behaviour) -> App {
    let (ca_pem, chain, key) = cert(&b);
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let cfg = Arc::new(cfg);
    let https = TcpListener::bind("127.0.0.1:0").unwrap();
    let http = TcpListener::bind("127.0.0.1:0").unwrap();
    let https_port = https.local_addr().unwrap().port();
    let http_port = http.local_addr().unwrap().port();
    let stop = Arc::new(AtomicBool::new(false));
    let b = Arc::new(b);
    {
        let (stop, b) = (stop.clone(), b.clone());
        thread::spawn(move || {
            for s in https.incoming() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(s) = s else { continue };
                let (cfg, b) = (cfg.clone(), b.clone());
                thread::spawn(move || {
                    let Ok(conn) = rustls::ServerConnection::new(cfg) else {
                        return;
                    };
                    let mut tls = rustls::StreamOwned::new(conn, s);
                    serve(&mut tls, &b, https_port);
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                });
            }
        });
    }
    {
        let (stop, b) = (stop.clone(), b.clone());
        thread::spawn(move || {
            for s in http.incoming() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(mut s) = s else { continue };
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let resp = if b.plain_http_content {
                    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
                        .to_owned()
                } else {
                    format!(
                        "HTTP/1.1 301 Moved Permanently\r\nLocation: https://localhost:{https_port}/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                };
                let _ = s.write_all(resp.as_bytes());
            }
        });
    }
    App {
        https_port,
        http_port,
        ca_pem,
        stop,
    }
}

/// The claims of a validly signed, unexpired HS256 token (any qsh).
fn signed_claims(auth: Option<&str>) -> Option<serde_json::Value> {
    let token = auth?.strip_prefix("JWT ")?;
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return None;
    }
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET.as_bytes());
    let sig = URL_SAFE_NO_PAD.decode(parts[2]).ok()?;
    ring::hmac::verify(&key, format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig).ok()?;
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).ok()?).ok()?;
    (claims["exp"].as_i64().unwrap_or(0) > vendorsec_probe::jwt::now()).then_some(claims)
}

/// A non-admin user's context token, as a test site would hand it out.
pub(crate) fn user_token() -> String {
    let now = vendorsec_probe::jwt::now();
    vendorsec_probe::jwt::hs256(
        &serde_json::json!({"iss": "client", "sub": "user-1", "iat": now, "exp": now + 600, "qsh": "context-qsh", "admin": false}),
        SECRET.as_bytes(),
    )
}

/// Whether the request carries a token this app accepts for it.
fn authorised(b: &Behaviour, method: &str, target: &str, auth: Option<&str>) -> bool {
    let Some(token) = auth.and_then(|a| a.strip_prefix("JWT ")) else {
        return false;
    };
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return false;
    }
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap_or_default())
            .unwrap_or_default();
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap_or_default())
            .unwrap_or_default();
    match header["alg"].as_str() {
        Some("none") if b.accept_alg_none => return true,
        Some("HS256") => {}
        _ => return false,
    }
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET.as_bytes());
    let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap_or_default();
    if ring::hmac::verify(&key, format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig).is_err() {
        return false;
    }
    if claims["exp"].as_i64().unwrap_or(0) <= vendorsec_probe::jwt::now() {
        return false;
    }
    if b.ignore_qsh {
        return true;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    claims["qsh"].as_str() == Some(vendorsec_probe::jwt::qsh(method, path, query).as_str())
}

fn serve(s: &mut dyn ReadWrite, b: &Behaviour, https_port: u16) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (method, target, auth, head_len, content_length) = loop {
        let n = match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        let mut hs = [httparse::EMPTY_HEADER; 64];
        let mut r = httparse::Request::new(&mut hs);
        if let Ok(httparse::Status::Complete(len)) = r.parse(&buf) {
            let auth = r
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("authorization"))
                .map(|h| String::from_utf8_lossy(h.value).into_owned());
            let cl = r
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| {
                    std::str::from_utf8(h.value)
                        .ok()?
                        .trim()
                        .parse::<usize>()
                        .ok()
                })
                .unwrap_or(0);
            break (
                r.method.unwrap_or("").to_owned(),
                r.path.unwrap_or("/").to_owned(),
                auth,
                len,
                cl,
            );
        }
        if buf.len() > 65536 {
            return;
        }
    };
    while buf.len() < head_len + content_length {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let path = target.split('?').next().unwrap_or("/");
    let ok = match path {
        "/" | "/cached-panel" => true,
        "/unguarded" => b.unguarded_route,
        "/installed" | "/uninstalled" => b.open_lifecycle,
        // Admin pages: a request-bound token (as the product sends for the admin page
        // itself), or a user's context token only when that user is an admin.
        "/admin" => {
            authorised(b, &method, &target, auth.as_deref())
                || signed_claims(auth.as_deref()).is_some_and(|c| {
                    // Only users the site knows (the probe's own context token names none).
                    c["qsh"] == "context-qsh"
                        && c["sub"] == "user-1"
                        && (c["admin"] == true || b.admin_open_to_users)
                })
        }
        _ => authorised(b, &method, &target, auth.as_deref()),
    };
    let _ = https_port;
    let mut headers = String::new();
    if !b.no_hsts {
        headers.push_str("Strict-Transport-Security: max-age=63072000; includeSubDomains\r\n");
    }
    if !b.no_referrer_policy {
        headers.push_str("Referrer-Policy: strict-origin-when-cross-origin\r\n");
    }
    let (status, body) = if ok {
        if path != "/cached-panel" && !b.no_cache_control {
            headers.push_str("Cache-Control: no-store, no-cache\r\n");
        }
        if b.weak_cookie {
            headers.push_str("Set-Cookie: JSESSIONID=abc123; Path=/\r\n");
        } else {
            headers.push_str(
                "Set-Cookie: JSESSIONID=abc123; Path=/; Secure; HttpOnly; SameSite=None\r\n",
            );
        }
        ("200 OK", format!("<html>page {path}</html>"))
    } else {
        ("401 Unauthorized", "Unauthorized".to_owned())
    };
    let resp = format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = s.write_all(resp.as_bytes());
    let _ = s.flush();
}

pub(crate) trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// A raw-socket server that answers a TLS 1.0 ClientHello with a TLS 1.0 ServerHello and
/// anything else with a protocol_version alert, then closes: the legacy-protocol path.
pub(crate) fn legacy_tls10_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            // record(5) + handshake header(4) + client_version
            let version = if n >= 11 {
                u16::from_be_bytes([buf[9], buf[10]])
            } else {
                0
            };
            if version == 0x0301 {
                let mut hs = vec![2u8, 0, 0, 0, 0x03, 0x01];
                hs.extend([7u8; 32]);
                hs.push(0);
                hs.extend([0xC0, 0x14, 0]);
                let len = u32::try_from(hs.len() - 4).unwrap().to_be_bytes();
                hs[1..4].copy_from_slice(&len[1..]);
                let mut rec = vec![0x16, 0x03, 0x01];
                rec.extend(u16::try_from(hs.len()).unwrap().to_be_bytes());
                rec.extend(hs);
                let _ = s.write_all(&rec);
            } else {
                let _ = s.write_all(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46]);
            }
        }
    });
    port
}
