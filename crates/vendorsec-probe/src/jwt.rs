//! Connect JWTs as the probe forges them: the query-string hash (`qsh`) computed exactly as
//! Atlassian's canonical-request specification says, and tokens signed HS256 with a given
//! secret, with `alg: none`, and RS256 with a key nobody trusts.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// The throwaway RSA key (PKCS#8 DER) that signs the "unknown key" RS256 tokens. It is
/// public on purpose: a token it signs must be refused by any app, since Atlassian's key
/// service has never heard of it.
const UNKNOWN_RSA_KEY: &[u8] = include_bytes!("../data/unknown-rs256.pk8");

/// Percent-encode as OAuth 1 / RFC 3986 do: unreserved characters kept, everything else
/// `%XX` in upper-case hex (so a space is `%20`, never `+`, and `*` is `%2A`).
#[must_use]
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decode `%XX` and `+` (as form encoding writes a space) in a query component.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The canonical request `METHOD&URI&QUERY` of section 3.2: `path` is the request path
/// (with the app's base path already removed), `query` the raw query string.
#[must_use]
pub fn canonical_request(method: &str, path: &str, query: &str) -> String {
    let mut uri = if path.is_empty() {
        "/".to_owned()
    } else {
        path.to_owned()
    };
    if !uri.starts_with('/') {
        uri.insert(0, '/');
    }
    if uri.len() > 1 && uri.ends_with('/') {
        uri.pop();
    }
    let uri = uri.replace('&', "%26");
    // name -> values, both encoded; `jwt` dropped.
    let mut params: Vec<(String, Vec<String>)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_encode(&percent_decode(k));
        if k == "jwt" {
            continue;
        }
        let v = percent_encode(&percent_decode(v));
        match params.iter_mut().find(|(n, _)| *n == k) {
            Some((_, vs)) => vs.push(v),
            None => params.push((k, vec![v])),
        }
    }
    params.sort_by(|a, b| a.0.cmp(&b.0));
    let q: Vec<String> = params
        .into_iter()
        .map(|(k, mut vs)| {
            vs.sort();
            format!("{k}={}", vs.join(","))
        })
        .collect();
    format!("{}&{uri}&{}", method.to_ascii_uppercase(), q.join("&"))
}

/// `qsh`: lower-case hex SHA-256 of the canonical request.
#[must_use]
pub fn qsh(method: &str, path: &str, query: &str) -> String {
    let d = ring::digest::digest(
        &ring::digest::SHA256,
        canonical_request(method, path, query).as_bytes(),
    );
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn b64(v: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(v)
}

fn signing_input(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

/// An HS256 token.
#[must_use]
pub fn hs256(claims: &Value, secret: &[u8]) -> String {
    let input = signing_input(&json!({"alg": "HS256", "typ": "JWT"}), claims);
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let sig = ring::hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", b64(sig.as_ref()))
}

/// An unsigned `alg: none` token.
#[must_use]
pub fn none(claims: &Value) -> String {
    format!(
        "{}.",
        signing_input(&json!({"alg": "none", "typ": "JWT"}), claims)
    )
}

/// An RS256 token signed by the throwaway key, with a `kid` Atlassian's key service does not
/// have; `None` if the key cannot be loaded (never expected).
#[must_use]
pub fn rs256_unknown_key(claims: &Value) -> Option<String> {
    let key = ring::signature::RsaKeyPair::from_pkcs8(UNKNOWN_RSA_KEY).ok()?;
    let input = signing_input(
        &json!({"alg": "RS256", "typ": "JWT", "kid": "vendorsec-probe-unknown-key"}),
        claims,
    );
    let mut sig = vec![0u8; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .ok()?;
    Some(format!("{input}.{}", b64(&sig)))
}

/// A token shown in output: header and the first characters of the payload only.
#[must_use]
pub fn redact(token: &str) -> String {
    let head: String = token.chars().take(16).collect();
    format!("{head}…")
}

/// Seconds since the epoch.
#[must_use]
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_worked_example() {
        assert_eq!(
            canonical_request(
                "GET",
                "/path/to/service",
                "zee_last=param&repeated=parameter 1&first=param&repeated=parameter 2"
            ),
            "GET&/path/to/service&first=param&repeated=parameter%201,parameter%202&zee_last=param"
        );
    }

    #[test]
    fn canonical_details() {
        // jwt dropped, trailing slash cut, & in the path encoded, upper case sorts first.
        assert_eq!(
            canonical_request("post", "/a&b/", "jwt=x&b=2&B=1&a=%2A+*"),
            "POST&/a%26b&B=1&a=%2A%20%2A&b=2"
        );
        assert_eq!(canonical_request("GET", "", ""), "GET&/&");
        assert_eq!(qsh("GET", "/", "").len(), 64);
    }

    #[test]
    fn tokens_have_three_parts_and_verify() {
        let claims = json!({"iss": "x", "qsh": "context-qsh"});
        let t = hs256(&claims, b"secret");
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"secret");
        let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        assert!(
            ring::hmac::verify(&key, format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig).is_ok()
        );
        assert!(none(&claims).ends_with('.'));
        let rs = rs256_unknown_key(&claims).unwrap();
        assert_eq!(rs.split('.').count(), 3);
        assert!(!redact(&t).contains(parts[2]));
    }

    proptest::proptest! {
        #[test]
        fn canonicalisation_is_order_independent(
            pairs in proptest::collection::vec(("[a-zA-Z0-9 _*~%]{1,6}", "[a-zA-Z0-9 _*~%+]{0,6}"), 0..6),
            path in "/[a-z/&]{0,12}",
        ) {
            let q: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let mut r = q.clone();
            r.reverse();
            proptest::prop_assert_eq!(
                canonical_request("GET", &path, &q.join("&")),
                canonical_request("GET", &path, &r.join("&"))
            );
            let c = canonical_request("GET", &path, &q.join("&"));
            proptest::prop_assert!(!c.contains(' '));
        }
    }
}
