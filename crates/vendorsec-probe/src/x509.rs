//! The few facts of an X.509 certificate the probe reports beside chain validation (which
//! webpki does): validity dates, public key type and size, signature algorithm. A bounded
//! DER reader: every length is checked, malformed input gives `None`.

/// What the probe reports of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFacts {
    /// Seconds since the epoch.
    pub not_before: i64,
    pub not_after: i64,
    /// `RSA`, `EC P-256`, `Ed25519`, or the OID.
    pub key: String,
    /// Key size in bits (RSA modulus, EC field size).
    pub key_bits: u32,
    /// `sha256WithRSAEncryption`, `ecdsa-with-SHA256`, …
    pub signature: String,
}

/// One DER element: tag, contents, and the rest after it.
fn element(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)?;
    let (len, hdr) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*b.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let end = hdr.checked_add(len)?;
    Some((tag, b.get(hdr..end)?, b.get(end..)?))
}

fn oid_name(oid: &[u8]) -> String {
    const NAMES: [(&[u8], &str); 16] = [
        (
            &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B],
            "sha256WithRSAEncryption",
        ),
        (
            &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0C],
            "sha384WithRSAEncryption",
        ),
        (
            &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0D],
            "sha512WithRSAEncryption",
        ),
        (
            &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05],
            "sha1WithRSAEncryption",
        ),
        (
            &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x04],
            "md5WithRSAEncryption",
        ),
        (
            &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A],
            "rsassa-pss",
        ),
        (
            &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02],
            "ecdsa-with-SHA256",
        ),
        (
            &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03],
            "ecdsa-with-SHA384",
        ),
        (
            &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x04],
            "ecdsa-with-SHA512",
        ),
        (
            &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x01],
            "ecdsa-with-SHA1",
        ),
        (&[0x2B, 0x65, 0x70], "Ed25519"),
        (
            &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01],
            "RSA",
        ),
        (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01], "EC"),
        (&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07], "P-256"),
        (&[0x2B, 0x81, 0x04, 0x00, 0x22], "P-384"),
        (&[0x2B, 0x81, 0x04, 0x00, 0x23], "P-521"),
    ];
    NAMES.iter().find(|(o, _)| *o == oid).map_or_else(
        || oid.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        |(_, n)| (*n).to_owned(),
    )
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn time(tag: u8, v: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(v).ok()?;
    let s = s.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 => {
            let yy: i64 = s.get(0..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..)?)
        }
        0x18 => (s.get(0..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    let n = |i: usize| -> Option<i64> { rest.get(i..i + 2)?.parse().ok() };
    let (mo, d, h, mi, se) = (n(0)?, n(2)?, n(4)?, n(6)?, n(8).unwrap_or(0));
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(year, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
}

/// Read the facts of a DER certificate.
#[must_use]
pub fn facts(der: &[u8]) -> Option<CertFacts> {
    let (_, cert, _) = element(der)?;
    let (_, tbs, rest) = element(cert)?;
    let (_, sig_alg, _) = element(rest)?;
    let (_, sig_oid, _) = element(sig_alg)?;
    let mut t = tbs;
    if t.first() == Some(&0xA0) {
        t = element(t)?.2; // version
    }
    t = element(t)?.2; // serial
    t = element(t)?.2; // signature
    t = element(t)?.2; // issuer
    let (_, validity, after_validity) = element(t)?;
    let (nb_tag, nb, v2) = element(validity)?;
    let (na_tag, na, _) = element(v2)?;
    let t = element(after_validity)?.2; // subject
    let (_, spki, _) = element(t)?;
    let (_, alg, key_rest) = element(spki)?;
    let (_, alg_oid, params) = element(alg)?;
    let kind = oid_name(alg_oid);
    let (key, key_bits) = match kind.as_str() {
        "RSA" => {
            let (_, bits, _) = element(key_rest)?;
            let (_, rsa, _) = element(bits.get(1..)?)?;
            let (_, modulus, _) = element(rsa)?;
            let m: &[u8] = {
                let mut m = modulus;
                while m.first() == Some(&0) {
                    m = &m[1..];
                }
                m
            };
            let lead = m.first().map_or(0, |b| 8 - b.leading_zeros());
            let bits = u32::try_from(m.len().saturating_sub(1) * 8).unwrap_or(0) + lead;
            ("RSA".to_owned(), bits)
        }
        "EC" => {
            let curve = element(params)
                .map(|(_, c, _)| oid_name(c))
                .unwrap_or_default();
            let bits = match curve.as_str() {
                "P-256" => 256,
                "P-384" => 384,
                "P-521" => 521,
                _ => 0,
            };
            (format!("EC {curve}"), bits)
        }
        "Ed25519" => ("Ed25519".to_owned(), 256),
        other => (other.to_owned(), 0),
    };
    Some(CertFacts {
        not_before: time(nb_tag, nb)?,
        not_after: time(na_tag, na)?,
        key,
        key_bits,
        signature: oid_name(sig_oid),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(time(0x17, b"000101000000Z"), Some(946_684_800));
        assert_eq!(time(0x18, b"20491231235959Z"), Some(2_524_607_999));
        assert_eq!(time(0x17, b"991301000000Z"), None);
    }

    #[test]
    fn a_generated_certificate() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["app.test".to_owned()]).unwrap();
        params.not_before = rcgen::date_time_ymd(2024, 1, 2);
        params.not_after = rcgen::date_time_ymd(2030, 6, 30);
        let cert = params.self_signed(&key).unwrap();
        let f = facts(cert.der()).unwrap();
        assert_eq!(f.key, "EC P-256");
        assert_eq!(f.key_bits, 256);
        assert_eq!(f.signature, "ecdsa-with-SHA256");
        assert_eq!(f.not_after, days_from_civil(2030, 6, 30) * 86_400);
        assert_eq!(f.not_before, days_from_civil(2024, 1, 2) * 86_400);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_facts_or_none(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..1024)) {
            let _ = facts(&b);
            let mut v = vec![0x30, 0x82, 0x03, 0x00];
            v.extend(&b);
            let _ = facts(&v);
        }
    }
}
