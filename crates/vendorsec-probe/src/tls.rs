//! TLS checks: which protocol versions a server accepts, which TLS 1.2 cipher suites, and
//! whether its certificate chain is valid.
//!
//! TLS 1.2 and 1.3 are tried with rustls. SSL 3.0, TLS 1.0 and TLS 1.1, which rustls cannot
//! speak, are tried with a hand-built ClientHello: the server's first flight is parsed (a
//! ServerHello with that version means accepted; an alert, a lower version or a closed
//! connection means refused) and the connection is dropped, so a legacy handshake is never
//! completed. TLS 1.2 suites are enumerated the same way: offer every known suite, note the
//! one the server picks, offer the rest again, until it refuses.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConnection, RootCertStore};

use crate::http::{connect, tls_config};

pub const SSL3: u16 = 0x0300;
pub const TLS10: u16 = 0x0301;
pub const TLS11: u16 = 0x0302;
pub const TLS12: u16 = 0x0303;

/// TLS 1.2 (and older) cipher suites the probe offers: id, IANA name, in Mozilla's
/// "intermediate" configuration.
pub const SUITES: [(u16, &str, bool); 37] = [
    (0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", true),
    (0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", true),
    (0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", true),
    (0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", true),
    (
        0xCCA9,
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        true,
    ),
    (0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", true),
    (0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", true),
    (0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", true),
    (0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", true),
    (0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", false),
    (0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", false),
    (0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", false),
    (0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", false),
    (0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", false),
    (0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", false),
    (0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", false),
    (0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", false),
    (0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", false),
    (0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", false),
    (0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", false),
    (0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", false),
    (0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", false),
    (0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", false),
    (0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", false),
    (0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", false),
    (0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", false),
    (0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", false),
    (0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", false),
    (0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", false),
    (0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA", false),
    (0x0005, "TLS_RSA_WITH_RC4_128_SHA", false),
    (0x0004, "TLS_RSA_WITH_RC4_128_MD5", false),
    (0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA", false),
    (0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA", false),
    (0x0009, "TLS_RSA_WITH_DES_CBC_SHA", false),
    (0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", false),
    (0x0001, "TLS_RSA_WITH_NULL_MD5", false),
];

/// The IANA name of a suite id.
#[must_use]
pub fn suite_name(id: u16) -> String {
    SUITES
        .iter()
        .find(|s| s.0 == id)
        .map_or_else(|| format!("0x{id:04X}"), |s| s.1.to_owned())
}

/// The protocol's conventional name.
#[must_use]
pub fn version_name(v: u16) -> &'static str {
    match v {
        SSL3 => "SSL 3.0",
        TLS10 => "TLS 1.0",
        TLS11 => "TLS 1.1",
        TLS12 => "TLS 1.2",
        0x0304 => "TLS 1.3",
        _ => "unknown",
    }
}

/// A ClientHello record offering `version` and `suites` (with SNI when `host` is a name).
#[must_use]
pub fn client_hello(version: u16, suites: &[u16], host: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&version.to_be_bytes());
    // Random: fixed bytes are fine, nothing is ever completed with it.
    body.extend((0u8..32).map(|i| i.wrapping_mul(37).wrapping_add(11)));
    body.push(0); // session id
    let mut cs = Vec::with_capacity(suites.len() * 2 + 2);
    for s in suites {
        cs.extend_from_slice(&s.to_be_bytes());
    }
    // Secure renegotiation signalling suite (RFC 5746).
    cs.extend_from_slice(&[0x00, 0xFF]);
    body.extend_from_slice(&u16::try_from(cs.len()).unwrap_or(0).to_be_bytes());
    body.extend_from_slice(&cs);
    body.extend_from_slice(&[1, 0]); // compression: null
    if version > SSL3 {
        let mut ext = Vec::new();
        let push_ext = |ext: &mut Vec<u8>, ty: u16, data: &[u8]| {
            ext.extend_from_slice(&ty.to_be_bytes());
            ext.extend_from_slice(&u16::try_from(data.len()).unwrap_or(0).to_be_bytes());
            ext.extend_from_slice(data);
        };
        if host.parse::<std::net::IpAddr>().is_err() && !host.is_empty() && host.len() < 256 {
            let name = host.as_bytes();
            let mut sni = Vec::new();
            sni.extend_from_slice(&u16::try_from(name.len() + 3).unwrap_or(0).to_be_bytes());
            sni.push(0);
            sni.extend_from_slice(&u16::try_from(name.len()).unwrap_or(0).to_be_bytes());
            sni.extend_from_slice(name);
            push_ext(&mut ext, 0x0000, &sni);
        }
        // supported_groups: x25519, secp256r1, secp384r1, ffdhe2048
        push_ext(
            &mut ext,
            0x000A,
            &[0, 8, 0x00, 0x1D, 0x00, 0x17, 0x00, 0x18, 0x01, 0x00],
        );
        // ec_point_formats: uncompressed
        push_ext(&mut ext, 0x000B, &[1, 0]);
        // signature_algorithms (TLS 1.2): ecdsa p256/p384, rsa-pss, rsa pkcs1, ed25519
        push_ext(
            &mut ext,
            0x000D,
            &[
                0, 16, 0x04, 0x03, 0x05, 0x03, 0x08, 0x04, 0x08, 0x05, 0x04, 0x01, 0x05, 0x01,
                0x08, 0x07, 0x02, 0x01,
            ],
        );
        // extended_master_secret
        push_ext(&mut ext, 0x0017, &[]);
        body.extend_from_slice(&u16::try_from(ext.len()).unwrap_or(0).to_be_bytes());
        body.extend_from_slice(&ext);
    }
    let mut hs = vec![1u8];
    let len = u32::try_from(body.len()).unwrap_or(0);
    hs.extend_from_slice(&len.to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16];
    rec.extend_from_slice(&version.min(TLS10).to_be_bytes());
    rec.extend_from_slice(&u16::try_from(hs.len()).unwrap_or(0).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

/// What a server answered to a ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// ServerHello: the version and suite the server chose.
    Hello { version: u16, suite: u16 },
    /// An alert (level, description).
    Alert(u8, u8),
    /// Not (enough of) a TLS answer.
    Other(String),
}

/// Parse the start of a server's first flight.
#[must_use]
pub fn parse_reply(b: &[u8]) -> Reply {
    if b.len() < 5 {
        return Reply::Other(if b.is_empty() {
            "connection closed".into()
        } else {
            "short answer".into()
        });
    }
    let len = usize::from(u16::from_be_bytes([b[3], b[4]]));
    let body = &b[5..b.len().min(5 + len)];
    match b[0] {
        0x15 if body.len() >= 2 => Reply::Alert(body[0], body[1]),
        0x16 => {
            // handshake: type(1) len(3) version(2) random(32) sid_len(1) sid suite(2)
            if body.len() < 4 || body[0] != 2 {
                return Reply::Other("handshake message is not a ServerHello".into());
            }
            let hs = &body[4..];
            if hs.len() < 35 {
                return Reply::Other("truncated ServerHello".into());
            }
            let version = u16::from_be_bytes([hs[0], hs[1]]);
            let sid = usize::from(hs[34]);
            let at = 35 + sid;
            match hs.get(at..at + 2) {
                Some(s) => Reply::Hello {
                    version,
                    suite: u16::from_be_bytes([s[0], s[1]]),
                },
                None => Reply::Other("truncated ServerHello".into()),
            }
        }
        t => Reply::Other(format!("record type {t} (not TLS?)")),
    }
}

/// Send a ClientHello and read the server's first answer (bounded).
///
/// # Errors
/// When the connection cannot be made.
pub fn hello_exchange(
    host: &str,
    port: u16,
    hello: &[u8],
    timeout: Duration,
) -> Result<Reply, String> {
    let mut s = connect(host, port, timeout)?;
    if let Err(e) = s.write_all(hello) {
        return Ok(Reply::Other(format!("write: {e}")));
    }
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while buf.len() < 16 << 10 {
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() >= 5 {
                    let need = 5 + usize::from(u16::from_be_bytes([buf[3], buf[4]]));
                    if buf.len() >= need.min(5 + 80) {
                        break;
                    }
                }
            }
            Err(_) => break,
        }
    }
    Ok(parse_reply(&buf))
}

/// Whether the server accepts a legacy protocol (SSL 3.0, TLS 1.0, TLS 1.1); the suite it
/// chose when it did.
///
/// # Errors
/// When the host cannot be reached at all.
pub fn accepts_legacy(
    host: &str,
    port: u16,
    version: u16,
    timeout: Duration,
) -> Result<Option<u16>, String> {
    let suites: Vec<u16> = SUITES.iter().map(|s| s.0).collect();
    let reply = hello_exchange(host, port, &client_hello(version, &suites, host), timeout)?;
    Ok(match reply {
        Reply::Hello { version: v, suite } if v == version => Some(suite),
        _ => None,
    })
}

/// A modern handshake through rustls: the negotiated suite and the peer's chain, or `None`
/// when the server refused the version.
///
/// # Errors
/// When the host cannot be reached at all.
pub fn modern_handshake(
    host: &str,
    port: u16,
    tls13: bool,
    timeout: Duration,
) -> Result<Option<(String, Vec<CertificateDer<'static>>)>, String> {
    let versions: &[&'static rustls::SupportedProtocolVersion] = if tls13 {
        &[&rustls::version::TLS13]
    } else {
        &[&rustls::version::TLS12]
    };
    let cfg = tls_config(versions)?;
    let name = ServerName::try_from(host.to_owned()).map_err(|e| format!("{host}: {e}"))?;
    let mut conn = ClientConnection::new(cfg, name).map_err(|e| e.to_string())?;
    let mut tcp = connect(host, port, timeout)?;
    while conn.is_handshaking() {
        match conn.complete_io(&mut tcp) {
            Ok(_) => {}
            Err(_) => return Ok(None),
        }
    }
    let suite = conn
        .negotiated_cipher_suite()
        .map_or_else(String::new, |c| format!("{:?}", c.suite()));
    let chain = conn
        .peer_certificates()
        .map(|c| c.iter().map(|x| x.clone().into_owned()).collect())
        .unwrap_or_default();
    conn.send_close_notify();
    let _ = conn.complete_io(&mut tcp);
    Ok(Some((suite, chain)))
}

/// Every known TLS 1.2 suite the server accepts, in the order it prefers them.
///
/// # Errors
/// When the host cannot be reached at all.
pub fn tls12_suites(host: &str, port: u16, timeout: Duration) -> Result<Vec<u16>, String> {
    let mut offer: Vec<u16> = SUITES.iter().map(|s| s.0).collect();
    let mut accepted = Vec::new();
    while !offer.is_empty() && accepted.len() < SUITES.len() {
        match hello_exchange(host, port, &client_hello(TLS12, &offer, host), timeout)? {
            Reply::Hello { version, suite } if version == TLS12 && offer.contains(&suite) => {
                accepted.push(suite);
                offer.retain(|s| *s != suite);
            }
            _ => break,
        }
    }
    Ok(accepted)
}

/// Trust anchors: the PEM file given, else the system bundle, else Mozilla's roots
/// compiled in. Returns the store and where it came from.
///
/// # Errors
/// When the named file cannot be read or holds no certificate.
pub fn roots(ca_file: Option<&std::path::Path>) -> Result<(RootCertStore, String), String> {
    use rustls::pki_types::pem::PemObject;
    let mut store = RootCertStore::empty();
    let candidates: Vec<std::path::PathBuf> = match ca_file {
        Some(p) => vec![p.to_path_buf()],
        None => std::env::var_os("SSL_CERT_FILE")
            .map(std::path::PathBuf::from)
            .into_iter()
            .chain(
                [
                    "/etc/ssl/certs/ca-certificates.crt",
                    "/etc/pki/tls/certs/ca-bundle.crt",
                    "/etc/ssl/cert.pem",
                ]
                .map(std::path::PathBuf::from),
            )
            .collect(),
    };
    for p in &candidates {
        let Ok(bytes) = std::fs::read(p) else {
            if ca_file.is_some() {
                return Err(format!("{}: cannot read", p.display()));
            }
            continue;
        };
        for c in CertificateDer::pem_slice_iter(&bytes).flatten() {
            let _ = store.add(c);
        }
        if !store.is_empty() {
            return Ok((store, p.display().to_string()));
        }
        if ca_file.is_some() {
            return Err(format!("{}: no PEM certificate in it", p.display()));
        }
    }
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    Ok((store, "Mozilla roots (webpki-roots)".into()))
}

/// Validate a chain for a host name now.
///
/// # Errors
/// The reason rustls/webpki gives (`Expired`, `NotValidForName`, `UnknownIssuer`, …).
pub fn validate(
    chain: &[CertificateDer<'static>],
    host: &str,
    roots: &Arc<RootCertStore>,
) -> Result<(), String> {
    let Some((leaf, rest)) = chain.split_first() else {
        return Err("no certificate presented".into());
    };
    let verifier = match WebPkiServerVerifier::builder_with_provider(
        roots.clone(),
        Arc::new(rustls::crypto::ring::default_provider()),
    )
    .build()
    {
        Ok(v) => v,
        Err(e) => return Err(e.to_string()),
    };
    let name = ServerName::try_from(host.to_owned()).map_err(|e| e.to_string())?;
    verifier
        .verify_server_cert(leaf, rest, &name, &[], UnixTime::now())
        .map(|_| ())
        .map_err(|e| match e {
            rustls::Error::InvalidCertificate(c) => {
                // `Other(OtherError(CaUsedAsEndEntity))` -> `CaUsedAsEndEntity`
                let t = format!("{c:?}");
                t.strip_prefix("Other(OtherError(")
                    .and_then(|x| x.strip_suffix("))"))
                    .map_or(t.clone(), str::to_owned)
            }
            other => other.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_layout() {
        let h = client_hello(TLS11, &[0xC02F, 0x002F], "app.example.com");
        assert_eq!(h[0], 0x16);
        assert_eq!(&h[1..3], &[0x03, 0x01]);
        assert_eq!(usize::from(u16::from_be_bytes([h[3], h[4]])), h.len() - 5);
        assert_eq!(h[5], 1);
        assert_eq!(&h[9..11], &[0x03, 0x02]);
        // 2 suites + SCSV
        assert_eq!(&h[44..46], &[0, 6]);
        assert!(h.windows(15).any(|w| w == b"app.example.com"));
        let ssl3 = client_hello(SSL3, &[0x000A], "h");
        assert_eq!(&ssl3[1..3], &[0x03, 0x00]);
        assert!(!ssl3.windows(1).any(|w| w == b"h"));
    }

    #[test]
    fn replies() {
        let mut sh = vec![0x16, 0x03, 0x01, 0, 0];
        let mut hs = vec![2, 0, 0, 0, 0x03, 0x01];
        hs.extend([0u8; 32]);
        hs.push(0);
        hs.extend([0xC0, 0x14, 0]);
        sh.extend(&hs);
        let l = u16::try_from(hs.len()).unwrap().to_be_bytes();
        sh[3] = l[0];
        sh[4] = l[1];
        assert_eq!(
            parse_reply(&sh),
            Reply::Hello {
                version: TLS10,
                suite: 0xC014
            }
        );
        assert_eq!(parse_reply(&[0x15, 3, 1, 0, 2, 2, 70]), Reply::Alert(2, 70));
        assert!(matches!(parse_reply(b""), Reply::Other(_)));
        assert!(matches!(parse_reply(b"HTTP/1.1 400 Bad"), Reply::Other(_)));
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_parse_without_panic(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = parse_reply(&b);
        }

        #[test]
        fn hellos_are_well_formed(
            version in proptest::sample::select(vec![SSL3, TLS10, TLS11, TLS12]),
            suites in proptest::collection::vec(proptest::prelude::any::<u16>(), 0..64),
            host in "[a-z0-9.-]{0,40}",
        ) {
            let h = client_hello(version, &suites, &host);
            proptest::prop_assert_eq!(usize::from(u16::from_be_bytes([h[3], h[4]])), h.len() - 5);
            let hs_len = usize::from(h[6]) << 16 | usize::from(h[7]) << 8 | usize::from(h[8]);
            proptest::prop_assert_eq!(hs_len, h.len() - 9);
            proptest::prop_assert_eq!(u16::from_be_bytes([h[9], h[10]]), version);
        }
    }
}
