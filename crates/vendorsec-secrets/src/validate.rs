//! Validators: code that looks inside a matched value (decode a JWT, tell an encrypted
//! private key from a clear one) to reject look-alikes and to enrich the finding.

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Map, Value};
use vendorsec_core::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validator {
    /// Decode header and payload; both must be JSON objects and the header must name `alg`.
    Jwt,
    /// A PEM private key block: classify encrypted vs clear and the key kind.
    PemPrivateKey,
    /// An OpenSSH private key: read the cipher name from the `openssh-key-v1` header.
    OpensshPrivateKey,
    /// A PuTTY key: read its `Encryption:` header.
    PuttyPrivateKey,
}

/// What a validator concluded.
pub(crate) enum Verdict {
    /// Not what the rule looks for: drop the match.
    Reject,
    /// Keep, with extra data and possibly a lower severity.
    Accept {
        data: Map<String, Value>,
        severity: Option<Severity>,
    },
}

pub(crate) fn run(validator: Validator, whole_match: &[u8], secret: &str) -> Verdict {
    match validator {
        Validator::Jwt => jwt(secret),
        Validator::PemPrivateKey => pem_private_key(whole_match),
        Validator::OpensshPrivateKey => openssh_private_key(whole_match),
        Validator::PuttyPrivateKey => putty_private_key(whole_match),
    }
}

fn b64url(part: &str) -> Option<Vec<u8>> {
    let trimmed = part.trim_end_matches('=');
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(trimmed)
        .ok()
}

fn jwt(token: &str) -> Verdict {
    let mut parts = token.split('.');
    let (Some(h), Some(p)) = (parts.next(), parts.next()) else {
        return Verdict::Reject;
    };
    let sig = parts.next().unwrap_or("");
    let header: Option<Map<String, Value>> = b64url(h)
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        });
    let payload: Option<Map<String, Value>> = b64url(p)
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        });
    let (Some(header), Some(payload)) = (header, payload) else {
        return Verdict::Reject;
    };
    let Some(alg) = header.get("alg").and_then(Value::as_str) else {
        return Verdict::Reject;
    };
    let mut data = Map::new();
    data.insert("alg".into(), Value::from(alg));
    // Only claims that identify, never the whole payload (it may hold personal data).
    for claim in ["iss", "aud", "exp", "iat", "qsh"] {
        if let Some(v) = payload.get(claim) {
            let v = match v {
                Value::String(s) if s.len() > 120 => {
                    Value::from(format!("{}…", &s[..s.floor_char_boundary(120)]))
                }
                other => other.clone(),
            };
            data.insert(claim.into(), v);
        }
    }
    data.insert(
        "signed".into(),
        Value::from(!sig.is_empty() && alg != "none"),
    );
    let mut severity = None;
    if let Some(exp) = payload.get("exp").and_then(Value::as_i64) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let expired = exp < now;
        data.insert("expired".into(), Value::from(expired));
        if expired {
            severity = Some(Severity::Low);
        }
    }
    Verdict::Accept { data, severity }
}

fn pem_private_key(block: &[u8]) -> Verdict {
    let text = String::from_utf8_lossy(block);
    let first = text.lines().next().unwrap_or("");
    let kind = first
        .trim()
        .trim_start_matches("-----BEGIN ")
        .trim_end_matches("-----")
        .trim_end_matches("PRIVATE KEY")
        .trim()
        .to_string();
    let encrypted = kind == "ENCRYPTED" || text.contains("Proc-Type: 4,ENCRYPTED");
    let mut data = Map::new();
    data.insert(
        "key_type".into(),
        Value::from(match kind.as_str() {
            "" | "ENCRYPTED" => "PKCS#8".to_string(),
            other => other.to_string(),
        }),
    );
    data.insert("encrypted".into(), Value::from(encrypted));
    Verdict::Accept {
        data,
        severity: encrypted.then_some(Severity::Medium),
    }
}

fn openssh_private_key(block: &[u8]) -> Verdict {
    let text = String::from_utf8_lossy(block);
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect::<String>();
    // The header (magic, cipher name) sits in the first few dozen bytes.
    let prefix: String = body.chars().take(64).collect();
    let prefix = &prefix[..prefix.len() - prefix.len() % 4];
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(prefix) else {
        return Verdict::Reject;
    };
    let magic = b"openssh-key-v1\0";
    if !bytes.starts_with(magic) || bytes.len() < magic.len() + 4 {
        return Verdict::Reject;
    }
    let rest = &bytes[magic.len()..];
    let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    let cipher = rest
        .get(4..4 + len)
        .map(|c| String::from_utf8_lossy(c).into_owned());
    let mut data = Map::new();
    data.insert("key_type".into(), Value::from("OPENSSH"));
    let encrypted = cipher.as_deref().is_some_and(|c| c != "none");
    if let Some(c) = cipher {
        data.insert("cipher".into(), Value::from(c));
    }
    data.insert("encrypted".into(), Value::from(encrypted));
    Verdict::Accept {
        data,
        severity: encrypted.then_some(Severity::Medium),
    }
}

fn putty_private_key(block: &[u8]) -> Verdict {
    let text = String::from_utf8_lossy(block);
    let enc = text
        .lines()
        .find_map(|l| l.strip_prefix("Encryption:"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "none".into());
    let encrypted = enc != "none";
    let mut data = Map::new();
    data.insert("key_type".into(), Value::from("PuTTY"));
    data.insert("encrypted".into(), Value::from(encrypted));
    Verdict::Accept {
        data,
        severity: encrypted.then_some(Severity::Medium),
    }
}
