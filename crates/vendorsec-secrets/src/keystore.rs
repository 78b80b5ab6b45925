//! Keystore files: binary containers of private keys (PKCS#12, Java KeyStore, JCEKS,
//! BouncyCastle), recognised by content and name.
//!
//! **What it checks:** a keystore shipped in a repository, JAR or OBR.
//! **Why it matters:** guideline item `code.no-hardcoded-credentials` and Atlassian's Data
//! Center requirement that no secret ships in the package; a keystore's password is often
//! the default (`changeit`), so the keys inside are as good as clear.
//! **Example:** `src/main/resources/server.p12`, `META-INF/keys/signing.jks`.
//! **Fix:** take the keystore out of the source and package, rotate the keys inside, and
//! load key material at run time from a secret store.

use vendorsec_core::{Confidence, Severity};

/// A recognised keystore kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeystoreKind {
    Pkcs12,
    Jks,
    Jceks,
    Bcfks,
}

impl KeystoreKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            KeystoreKind::Pkcs12 => "PKCS#12",
            KeystoreKind::Jks => "Java KeyStore (JKS)",
            KeystoreKind::Jceks => "JCEKS",
            KeystoreKind::Bcfks => "BouncyCastle FIPS keystore",
        }
    }
}

/// The rule id of keystore findings.
pub const RULE_ID: &str = "secret/keystore-file";
pub const RULE_NAME: &str = "Keystore file";
pub const DESCRIPTION: &str =
    "A binary keystore (PKCS#12, JKS, JCEKS, BCFKS) that holds private keys.";
pub const REMEDIATION: &str = "Remove the keystore from source and packages, rotate the keys it holds, and load key material at run time from a secret store.";
pub const SEVERITY: Severity = Severity::High;

/// Classify a binary blob by its magic number, or for PKCS#12 (plain DER) by its
/// extension together with a DER SEQUENCE start.
#[must_use]
pub fn classify(name: &str, head: &[u8]) -> Option<(KeystoreKind, Confidence)> {
    if head.starts_with(&[0xFE, 0xED, 0xFE, 0xED]) {
        return Some((KeystoreKind::Jks, Confidence::High));
    }
    if head.starts_with(&[0xCE, 0xCE, 0xCE, 0xCE]) {
        return Some((KeystoreKind::Jceks, Confidence::High));
    }
    let lower = name.to_ascii_lowercase();
    let der_sequence = head.first() == Some(&0x30);
    if der_sequence && (lower.ends_with(".p12") || lower.ends_with(".pfx")) {
        // PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, … }
        let version_3 = head.windows(3).take(8).any(|w| w == [0x02, 0x01, 0x03]);
        return Some((
            KeystoreKind::Pkcs12,
            if version_3 {
                Confidence::High
            } else {
                Confidence::Medium
            },
        ));
    }
    if der_sequence && lower.ends_with(".bcfks") {
        return Some((KeystoreKind::Bcfks, Confidence::Medium));
    }
    if der_sequence && (lower.ends_with(".keystore") || lower.ends_with(".jks")) {
        return Some((KeystoreKind::Pkcs12, Confidence::Medium));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples() {
        assert_eq!(
            classify("a.jks", &[0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2])
                .unwrap()
                .0,
            KeystoreKind::Jks
        );
        let p12 = [0x30, 0x82, 0x0A, 0x1F, 0x02, 0x01, 0x03, 0x30];
        assert_eq!(
            classify("server.p12", &p12),
            Some((KeystoreKind::Pkcs12, Confidence::High))
        );
        // Negative: same bytes under an unrelated name, and a PNG named .p12.
        assert_eq!(classify("data.bin", &p12), None);
        assert_eq!(classify("x.p12", b"\x89PNG\r\n"), None);
    }
}
