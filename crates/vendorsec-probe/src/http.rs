//! A small HTTP/1.1 client for probing: one request per connection (`Connection: close`),
//! exact headers, no redirect following, a timeout on every step, a bounded body, and the
//! TLS session's protocol, cipher suite and certificate chain recorded (the certificate is
//! *not* judged here: the probe validates it separately, so a bad certificate is a finding,
//! not an error that hides every other check).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme, StreamOwned};

/// Largest response body kept.
pub const MAX_BODY: usize = 1 << 20;
/// Largest response head (status line and headers).
const MAX_HEAD: usize = 64 << 10;

/// An `http` or `https` URL, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub https: bool,
    pub host: String,
    pub port: u16,
    /// Path and query, starting with `/`.
    pub target: String,
}

impl Url {
    /// Parse an absolute http(s) URL.
    ///
    /// # Errors
    /// A reason when the text is not one.
    pub fn parse(s: &str) -> Result<Url, String> {
        let (https, rest) = if let Some(r) = s.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = s.strip_prefix("http://") {
            (false, r)
        } else {
            return Err(format!("{s}: not an http(s) URL"));
        };
        let (authority, target) = match rest.find(['/', '?', '#']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let target = target.split('#').next().unwrap_or("/");
        let target = if target.starts_with('?') {
            format!("/{target}")
        } else {
            target.to_owned()
        };
        if authority.contains('@') {
            return Err(format!("{s}: credentials in a URL are not probed"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| format!("{s}: bad IPv6 host"))?;
            let port = after.strip_prefix(':').map(str::parse::<u16>).transpose();
            (h.to_owned(), port.map_err(|_| format!("{s}: bad port"))?)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (
                    h.to_owned(),
                    Some(p.parse::<u16>().map_err(|_| format!("{s}: bad port"))?),
                ),
                None => (authority.to_owned(), None),
            }
        };
        if host.is_empty() {
            return Err(format!("{s}: no host"));
        }
        Ok(Url {
            https,
            host: host.to_ascii_lowercase(),
            port: port.unwrap_or(if https { 443 } else { 80 }),
            target,
        })
    }

    /// `host:port`, with the port only when it is not the scheme's default.
    #[must_use]
    pub fn authority(&self) -> String {
        let default = if self.https { 443 } else { 80 };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// The path without the query.
    #[must_use]
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("/")
    }

    /// The query string without `?`, if any.
    #[must_use]
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    /// The URL as text.
    #[must_use]
    pub fn to_text(&self) -> String {
        format!(
            "{}://{}{}",
            if self.https { "https" } else { "http" },
            self.authority(),
            self.target
        )
    }

    /// Resolve a reference (absolute, or a path) against this URL.
    ///
    /// # Errors
    /// When an absolute reference does not parse.
    pub fn join(&self, reference: &str) -> Result<Url, String> {
        if reference.starts_with("http://") || reference.starts_with("https://") {
            return Url::parse(reference);
        }
        let mut u = self.clone();
        let base = self.path().trim_end_matches('/');
        u.target = if reference.starts_with('/') {
            format!("{base}{reference}")
        } else {
            format!("{base}/{reference}")
        };
        Ok(u)
    }
}

/// What the TLS layer negotiated.
#[derive(Debug, Clone, Default)]
pub struct TlsInfo {
    pub version: String,
    pub suite: String,
    /// End-entity first.
    pub chain: Vec<CertificateDer<'static>>,
}

/// A response, as received.
#[derive(Debug, Clone, Default)]
pub struct Response {
    pub status: u16,
    /// Header names lower-cased, in order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body was longer than [`MAX_BODY`].
    pub truncated: bool,
    pub tls: Option<TlsInfo>,
}

impl Response {
    /// The first header of this (lower-case) name.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every header of this (lower-case) name.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Accepts any certificate and records nothing itself (rustls hands the chain to the
/// connection); signatures are still checked, so the session is with the key holder.
#[derive(Debug)]
struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A TLS client configuration that accepts any certificate, for the given versions.
///
/// # Errors
/// When rustls refuses the versions.
pub fn tls_config(
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
        .with_no_client_auth();
    Ok(Arc::new(cfg))
}

/// The probe's usual client configuration: TLS 1.3 and 1.2, any certificate.
///
/// # Errors
/// When rustls refuses the configuration.
pub fn default_tls() -> Result<Arc<ClientConfig>, String> {
    tls_config(&[&rustls::version::TLS13, &rustls::version::TLS12])
}

/// Connect to the URL's host and port with a timeout on each resolved address.
///
/// # Errors
/// A reason when no address answers.
pub fn connect(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, String> {
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{host}:{port}: cannot resolve: {e}"))?
        .collect();
    let mut last = format!("{host}:{port}: no address");
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(s) => {
                s.set_read_timeout(Some(timeout))
                    .map_err(|e| e.to_string())?;
                s.set_write_timeout(Some(timeout))
                    .map_err(|e| e.to_string())?;
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = format!("{host}:{port}: {e}"),
        }
    }
    Err(last)
}

/// One request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    #[must_use]
    pub fn new(method: &str, url: &Url) -> Request {
        Request {
            method: method.to_owned(),
            url: url.clone(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    #[must_use]
    pub fn body(mut self, content_type: &str, body: Vec<u8>) -> Request {
        self.headers
            .push(("Content-Type".to_owned(), content_type.to_owned()));
        self.body = body;
        self
    }

    fn head_bytes(&self) -> Vec<u8> {
        let mut h = format!(
            "{} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: vendorsec-probe/{}\r\nAccept: */*\r\nConnection: close\r\n",
            self.method,
            self.url.target,
            self.url.authority(),
            env!("CARGO_PKG_VERSION")
        );
        for (k, v) in &self.headers {
            h.push_str(k);
            h.push_str(": ");
            h.push_str(v);
            h.push_str("\r\n");
        }
        if !self.body.is_empty() || matches!(self.method.as_str(), "POST" | "PUT" | "PATCH") {
            h.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        h.push_str("\r\n");
        let mut out = h.into_bytes();
        out.extend_from_slice(&self.body);
        out
    }
}

/// Send a request and read the response.
///
/// # Errors
/// A reason for a connection, TLS or protocol failure (the caller reports it as
/// inconclusive, never as a pass).
pub fn send(req: &Request, tls: &Arc<ClientConfig>, timeout: Duration) -> Result<Response, String> {
    let tcp = connect(&req.url.host, req.url.port, timeout)?;
    if req.url.https {
        let name = ServerName::try_from(req.url.host.clone())
            .map_err(|e| format!("{}: {e}", req.url.host))?;
        let conn = ClientConnection::new(tls.clone(), name).map_err(|e| e.to_string())?;
        let mut s = StreamOwned::new(conn, tcp);
        s.write_all(&req.head_bytes())
            .map_err(|e| format!("{}: {e}", req.url.to_text()))?;
        s.flush().map_err(|e| e.to_string())?;
        let info = TlsInfo {
            version: s
                .conn
                .protocol_version()
                .map_or_else(String::new, |v| format!("{v:?}")),
            suite: s
                .conn
                .negotiated_cipher_suite()
                .map_or_else(String::new, |c| format!("{:?}", c.suite())),
            chain: s
                .conn
                .peer_certificates()
                .map(|c| c.iter().map(|x| x.clone().into_owned()).collect())
                .unwrap_or_default(),
        };
        let mut r = read_response(&mut s, &req.method)
            .map_err(|e| format!("{}: {e}", req.url.to_text()))?;
        r.tls = Some(info);
        Ok(r)
    } else {
        let mut s = tcp;
        s.write_all(&req.head_bytes())
            .map_err(|e| format!("{}: {e}", req.url.to_text()))?;
        read_response(&mut s, &req.method).map_err(|e| format!("{}: {e}", req.url.to_text()))
    }
}

/// Read until the end of the head, then the body as the head says.
fn read_response(s: &mut dyn Read, method: &str) -> Result<Response, String> {
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    let (status, headers, head_len) = loop {
        let n = match s.read(&mut chunk) {
            Ok(n) => n,
            // A peer that closes without close_notify still sent what it sent.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => 0,
            Err(e) => return Err(e.to_string()),
        };
        if n == 0 {
            return Err(if buf.is_empty() {
                "connection closed without a response".into()
            } else {
                "connection closed inside the response head".into()
            });
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut hs = [httparse::EMPTY_HEADER; 128];
        let mut r = httparse::Response::new(&mut hs);
        match r.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let status = r.code.unwrap_or(0);
                let headers: Vec<(String, String)> = r
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_ascii_lowercase(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect();
                break (status, headers, len);
            }
            Ok(httparse::Status::Partial) => {
                if buf.len() > MAX_HEAD {
                    return Err("response head over 64 KiB".into());
                }
            }
            Err(e) => return Err(format!("not an HTTP/1.x response: {e}")),
        }
    };
    let mut resp = Response {
        status,
        headers,
        ..Response::default()
    };
    let rest = buf.split_off(head_len);
    if method == "HEAD" || status == 204 || status == 304 || (100..200).contains(&status) {
        return Ok(resp);
    }
    let chunked = resp
        .header("transfer-encoding")
        .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
    let length = resp
        .header("content-length")
        .and_then(|l| l.trim().parse::<usize>().ok());
    let mut raw = rest;
    let want = if chunked { None } else { length };
    loop {
        if want.is_some_and(|w| raw.len() >= w) || raw.len() > MAX_BODY + 64 {
            break;
        }
        if chunked && chunked_complete(&raw) {
            break;
        }
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break;
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    let body = if chunked {
        dechunk(&raw)
    } else {
        if let Some(w) = want {
            raw.truncate(w);
        }
        raw
    };
    resp.truncated = body.len() > MAX_BODY;
    resp.body = body;
    resp.body.truncate(MAX_BODY);
    Ok(resp)
}

/// Whether a chunked body has its terminating zero-size chunk.
fn chunked_complete(raw: &[u8]) -> bool {
    raw.ends_with(b"0\r\n\r\n")
        || raw.windows(7).any(|w| w == b"\r\n0\r\n\r\n")
        || raw.starts_with(b"0\r\n\r\n")
}

/// Decode a chunked body (lenient: stops at the first malformed size line).
fn dechunk(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < raw.len() && out.len() <= MAX_BODY {
        let Some(eol) = raw[at..].windows(2).position(|w| w == b"\r\n") else {
            break;
        };
        let line = String::from_utf8_lossy(&raw[at..at + eol]);
        let size_text = line.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            break;
        };
        at += eol + 2;
        if size == 0 {
            break;
        }
        let end = at.saturating_add(size).min(raw.len());
        out.extend_from_slice(&raw[at..end]);
        at = end + 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = Url::parse("https://App.example.com:8443/p/x?a=1#frag").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.target.as_str()),
            ("app.example.com", 8443, "/p/x?a=1")
        );
        assert_eq!(u.path(), "/p/x");
        assert_eq!(u.query(), "a=1");
        assert_eq!(u.to_text(), "https://app.example.com:8443/p/x?a=1");
        assert_eq!(Url::parse("http://h").unwrap().target, "/");
        assert_eq!(Url::parse("http://[::1]:80/x").unwrap().host, "::1");
        assert!(Url::parse("ftp://h").is_err());
        assert!(Url::parse("https://user:pw@h/").is_err());
        let base = Url::parse("https://h/base/").unwrap();
        assert_eq!(base.join("/panel?x=1").unwrap().target, "/base/panel?x=1");
        assert_eq!(base.join("https://other/x").unwrap().host, "other");
    }

    #[test]
    fn responses_in_each_framing() {
        let mut r: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhelloEXTRA";
        let resp = read_response(&mut r, "GET").unwrap();
        assert_eq!(
            (resp.status, resp.body.as_slice()),
            (200, b"hello".as_slice())
        );
        assert_eq!(resp.header("x-a"), Some("1"));
        let mut r: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        assert_eq!(read_response(&mut r, "GET").unwrap().body, b"abcde");
        let mut r: &[u8] = b"HTTP/1.0 302 Found\r\nLocation: https://h/\r\n\r\nbody until close";
        let resp = read_response(&mut r, "GET").unwrap();
        assert_eq!(resp.header("location"), Some("https://h/"));
        assert_eq!(resp.body, b"body until close");
        let mut r: &[u8] = b"SSH-2.0-OpenSSH\r\n";
        assert!(read_response(&mut r, "GET").is_err());
        let mut r: &[u8] = b"";
        assert!(read_response(&mut r, "GET").is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_a_response_or_a_reason(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
            let mut r: &[u8] = &data;
            let _ = read_response(&mut r, "GET");
            let _ = dechunk(&data);
        }

        #[test]
        fn any_text_is_a_url_or_a_reason(s in "\\PC{0,80}") {
            let _ = Url::parse(&s);
            let _ = Url::parse(&format!("https://{s}"));
        }
    }
}
