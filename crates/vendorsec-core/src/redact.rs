//! Redaction and fingerprints: a secret never leaves the process in full.

use sha2::{Digest, Sha256};

/// How many leading characters of a secret may be shown.
pub const SHOWN_CHARS: usize = 4;

/// The redacted form of a secret: its first 4 characters (fewer for short secrets, so at
/// most half of it shows) followed by `…`.
#[must_use]
pub fn redact(secret: &str) -> String {
    let total = secret.chars().count();
    let shown = SHOWN_CHARS.min(total / 2);
    let mut out: String = secret.chars().take(shown).collect();
    out.push('…');
    out
}

/// Lower-case hex SHA-256.
#[must_use]
pub fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    let digest = h.finalize();
    // (By table: `format!` per byte was half the cost of a fingerprint.)
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}

/// A stable finding fingerprint from a rule id and the identity of what was found (for
/// secrets: the secret itself, hashed, so the fingerprint reveals nothing about it).
#[must_use]
pub fn fingerprint(rule: &str, identity: &[u8]) -> String {
    let full = sha256_hex(&[b"vendorsec-fingerprint-v1", rule.as_bytes(), identity]);
    full[..32].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn redacts_to_four_chars() {
        assert_eq!(redact("AKIAQWERTYUIOPASDFGH"), "AKIA…");
        assert_eq!(redact("abc"), "a…");
        assert_eq!(redact(""), "…");
    }

    #[test]
    fn sha256_hex_is_the_digest_in_lower_case_hex() {
        // SHA-256 of the length-prefixed "abc" (8 little-endian length bytes, then the text).
        let mut h = Sha256::new();
        h.update(3u64.to_le_bytes());
        h.update(b"abc");
        let want: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(sha256_hex(&[b"abc"]), want);
        assert_eq!(want.len(), 64);
        assert_eq!(
            fingerprint("secret/a", b"x"),
            sha256_hex(&[b"vendorsec-fingerprint-v1", b"secret/a", b"x"])[..32]
        );
    }

    #[test]
    fn fingerprint_is_stable_and_rule_specific() {
        assert_eq!(fingerprint("secret/a", b"x"), fingerprint("secret/a", b"x"));
        assert_ne!(fingerprint("secret/a", b"x"), fingerprint("secret/b", b"x"));
        assert_eq!(fingerprint("secret/a", b"x").len(), 32);
    }

    proptest! {
        #[test]
        fn redaction_never_shows_more_than_four_chars_or_half(s in "\\PC{0,80}") {
            let r = redact(&s);
            let shown = r.chars().count() - 1;
            prop_assert!(shown <= SHOWN_CHARS);
            prop_assert!(shown * 2 <= s.chars().count());
            prop_assert!(r.ends_with('…'));
        }
    }
}
