//! Sensitive data that should never be in logs (the guideline: "never log API tokens,
//! passwords or excessive personal information"), line by line: payment card numbers (Luhn
//! and issuer prefixes), passwords in URLs and secret-named query parameters,
//! `Authorization` headers with credentials, and e-mail addresses in bulk. The secret rules
//! of `vendorsec scan` run beside these; every value shown is redacted.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};

use regex::Regex;
use vendorsec_core::redact::{fingerprint, redact};
use vendorsec_core::{Confidence, Finding, Location, Origin, Severity};

/// The rules of this module: id, name, severity.
pub const RULES: [(&str, &str, Severity); 4] = [
    (
        "logs/payment-card-number",
        "Payment card number in a log",
        Severity::High,
    ),
    (
        "logs/password-in-url",
        "Password or secret in a logged URL",
        Severity::High,
    ),
    (
        "logs/authorization-header",
        "Authorization header logged",
        Severity::High,
    ),
    (
        "logs/personal-data-emails",
        "E-mail addresses in bulk in a log",
        Severity::Medium,
    ),
];

/// Distinct e-mail addresses in one log that make it "personal data in bulk".
pub const BULK_EMAILS: usize = 20;
/// Findings of one kind kept per log (the rest counted).
const PER_KIND: usize = 200;

struct Detectors {
    card: Regex,
    url_password: Regex,
    query_secret: Regex,
    authorization: Regex,
    email: Regex,
}

fn detectors() -> Detectors {
    // The patterns are literals of this file: compiling them cannot fail.
    let re = |p: &str| {
        Regex::new(p).unwrap_or_else(|_| Regex::new("$^").unwrap_or_else(|_| unreachable!()))
    };
    Detectors {
        card: re(r"(?:^|[^0-9])((?:[0-9][ -]?){12,18}[0-9])(?:[^0-9]|$)"),
        url_password: re(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:([^@\s/]{3,})@"),
        query_secret: re(
            r#"(?i)[?&](password|passwd|pwd|pass|secret|token|api_key|apikey|access_token|client_secret)=([^&\s"']{4,})"#,
        ),
        authorization: re(
            r#"(?i)authorization["']?\s*[:=]\s*["']?(basic|bearer|digest|jwt|token)\s+([A-Za-z0-9._~+/=-]{8,})"#,
        ),
        email: re(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}"),
    }
}

/// Luhn checksum of a digit string.
#[must_use]
pub fn luhn(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// Whether a digit string looks like a payment card number: length, issuer prefix, Luhn.
#[must_use]
pub fn card_number(digits: &str) -> bool {
    let n = digits.len();
    let p = |k: usize| {
        digits
            .get(..k)
            .and_then(|s| s.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let issuer = (digits.starts_with('4') && matches!(n, 13 | 16 | 19))
        || ((51..=55).contains(&p(2)) || (2221..=2720).contains(&p(4))) && n == 16
        || matches!(p(2), 34 | 37) && n == 15
        || (p(4) == 6011 || p(2) == 65 || (644..=649).contains(&p(3))) && (16..=19).contains(&n)
        || (3528..=3589).contains(&p(4)) && (16..=19).contains(&n);
    issuer && digits.bytes().collect::<BTreeSet<_>>().len() > 1 && luhn(digits)
}

fn finding(
    rule: &str,
    severity: Severity,
    log: &str,
    line: u64,
    message: String,
    evidence: String,
    identity: &str,
) -> Finding {
    let origin = Origin {
        chain: vec![log.to_owned()],
        commit: None,
    };
    Finding {
        rule: rule.to_owned(),
        guideline: "infra.no-sensitive-data-in-logs".into(),
        severity,
        confidence: Confidence::Medium,
        message,
        remediation: "Stop logging the value (mask or drop it at the logger), purge it from stored logs, and rotate any credential that was exposed.".into(),
        evidence,
        fingerprint: fingerprint(rule, format!("{log}|{identity}").as_bytes()),
        locations: vec![Location::new(&origin, line, 0, line, 0)],
        data: serde_json::Map::new(),
    }
}

/// Scan one log stream (already decompressed); `log` names it in findings.
///
/// # Errors
/// When the stream cannot be read.
pub fn scan(input: Box<dyn Read + '_>, log: &str) -> std::io::Result<Vec<Finding>> {
    let d = detectors();
    let mut r = BufReader::with_capacity(1 << 16, input);
    let mut out = Vec::new();
    let mut kept = [0usize; 4];
    let mut emails: BTreeSet<String> = BTreeSet::new();
    let mut first_email_line = 0u64;
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        buf.clear();
        if (&mut r)
            .take(crate::source::MAX_LINE as u64)
            .read_until(b'\n', &mut buf)?
            == 0
        {
            break;
        }
        n += 1;
        let line = String::from_utf8_lossy(&buf);
        for c in d.card.captures_iter(&line) {
            let digits: String = c[1].chars().filter(char::is_ascii_digit).collect();
            if card_number(&digits) && kept[0] < PER_KIND {
                kept[0] += 1;
                out.push(finding(
                    "logs/payment-card-number",
                    Severity::High,
                    log,
                    n,
                    "A payment card number (issuer prefix and Luhn checksum valid) is in the log."
                        .into(),
                    redact(&digits),
                    &digits,
                ));
            }
        }
        for c in d.url_password.captures_iter(&line) {
            if kept[1] < PER_KIND {
                kept[1] += 1;
                out.push(finding(
                    "logs/password-in-url",
                    Severity::High,
                    log,
                    n,
                    "A URL with a password in its user information is in the log.".into(),
                    format!("://…:{}@", redact(&c[1])),
                    &c[1],
                ));
            }
        }
        for c in d.query_secret.captures_iter(&line) {
            if kept[2] < PER_KIND {
                kept[2] += 1;
                out.push(finding(
                    "logs/password-in-url",
                    Severity::High,
                    log,
                    n,
                    format!(
                        "A URL query parameter `{}` carrying a secret is in the log.",
                        &c[1]
                    ),
                    format!("{}={}", &c[1], redact(&c[2])),
                    &c[2],
                ));
            }
        }
        for c in d.authorization.captures_iter(&line) {
            if kept[3] < PER_KIND {
                kept[3] += 1;
                out.push(finding(
                    "logs/authorization-header",
                    Severity::High,
                    log,
                    n,
                    format!(
                        "An Authorization header with {} credentials is in the log.",
                        &c[1]
                    ),
                    format!("Authorization: {} {}", &c[1], redact(&c[2])),
                    &c[2],
                ));
            }
        }
        if emails.len() < 100_000 {
            for m in d.email.find_iter(&line) {
                if emails.is_empty() {
                    first_email_line = n;
                }
                emails.insert(m.as_str().to_ascii_lowercase());
            }
        }
    }
    if emails.len() >= BULK_EMAILS {
        let domains: BTreeSet<&str> = emails.iter().filter_map(|e| e.split('@').nth(1)).collect();
        out.push(finding(
            "logs/personal-data-emails",
            Severity::Medium,
            log,
            first_email_line,
            format!(
                "{} distinct e-mail addresses are in the log (personal data in bulk).",
                emails.len()
            ),
            format!(
                "{} addresses at {} domains, e.g. …@{}",
                emails.len(),
                domains.len(),
                domains.iter().next().copied().unwrap_or("")
            ),
            "emails",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_and_luhn() {
        assert!(card_number("4111111111111111"));
        assert!(card_number("5500005555555559"));
        assert!(card_number("378282246310005"));
        assert!(!card_number("4111111111111112"));
        assert!(!card_number("1234567812345670"));
        assert!(!card_number("4444444444444448") || luhn("4444444444444448"));
    }

    #[test]
    fn each_kind_found_and_redacted() {
        let mut log = String::new();
        log.push_str(
            "{\"msg\": \"charge card 4111 1111 1111 1111 ok\", \"order\": 123456789012345}\n",
        );
        log.push_str("GET /login?user=bob&password=hunter22secret HTTP/1.1\n");
        log.push_str("connecting to postgres://app:S3cretPassw0rd@db:5432/app\n");
        log.push_str(
            "{\"headers\": {\"Authorization\": \"Bearer eyJhbGciOiJIUzI1NiJ9.e30.abcdefghijk\"}}\n",
        );
        for i in 0..25 {
            log.push_str(&format!("signup user{i}@example.org\n"));
        }
        let f = scan(Box::new(log.as_bytes()), "app.log").unwrap();
        let rules: Vec<(&str, u64)> = f
            .iter()
            .map(|x| (x.rule.as_str(), x.locations[0].line))
            .collect();
        assert_eq!(
            rules,
            vec![
                ("logs/payment-card-number", 1),
                ("logs/password-in-url", 2),
                ("logs/password-in-url", 3),
                ("logs/authorization-header", 4),
                ("logs/personal-data-emails", 5),
            ]
        );
        let all = format!("{f:?}");
        for secret in [
            "4111111111111111",
            "hunter22secret",
            "S3cretPassw0rd",
            "abcdefghijk",
        ] {
            assert!(!all.contains(secret), "{secret} leaked");
        }
        // A few addresses are not bulk.
        let few = scan(Box::new(&b"a@example.org b@example.org\n"[..]), "x.log").unwrap();
        assert!(few.is_empty());
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_scan(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
            let _ = scan(Box::new(&b[..]), "p.log");
        }
    }
}
