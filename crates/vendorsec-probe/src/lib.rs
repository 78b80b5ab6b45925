//! `vendorsec probe`: live checks of a running Connect app, from outside, the way
//! Atlassian's cloud security requirements test it — TLS versions, suites and certificate;
//! HSTS and plain HTTP; browser headers; JWT authentication of every module URL and of the
//! install lifecycle; admin pages with a non-admin token — judged by status codes, never by
//! words in a body. The probe talks only to the hosts the descriptor names, one request at
//! a time per worker at a bounded rate, with a timeout on every step, and never prints a
//! token in full.

pub mod discover;
pub mod http;
pub mod jwt;
pub mod tls;
pub mod x509;

mod checks;
pub mod report;

pub use checks::{Options, Outcome, run};

use vendorsec_core::Severity;

/// Every probe rule: id, name, description, default severity, guideline item, the research
/// check id (CN-…) and CSRT's requirement number (for `--format csrt-json`).
pub const RULES: [(&str, &str, &str, Severity, &str, &str, &str); 17] = [
    (
        "probe/tls-legacy-protocol",
        "Server accepts SSL 3.0, TLS 1.0 or TLS 1.1",
        "A hand-built ClientHello for the legacy version got a ServerHello of that version.",
        Severity::High,
        "code.tls-in-transit",
        "CN-TLS-01",
        "3",
    ),
    (
        "probe/tls-no-modern-protocol",
        "Server speaks neither TLS 1.2 nor TLS 1.3",
        "Handshakes restricted to TLS 1.2 and to TLS 1.3 both failed.",
        Severity::High,
        "code.tls-in-transit",
        "CN-TLS-01",
        "3",
    ),
    (
        "probe/tls-weak-cipher",
        "TLS 1.2 cipher suite outside Mozilla's intermediate list",
        "The server accepted a TLS 1.2 suite Mozilla's \"intermediate\" configuration leaves out (CBC, RSA key exchange, 3DES, RC4, NULL, EXPORT).",
        Severity::Low,
        "code.tls-in-transit",
        "CN-TLS-02",
        "3",
    ),
    (
        "probe/tls-certificate-invalid",
        "Certificate chain not valid for the host",
        "The chain does not validate against the trust anchors (system roots or --ca-file), does not name the host, or is expired or not yet valid.",
        Severity::High,
        "code.tls-in-transit",
        "CN-TLS-03",
        "6.2",
    ),
    (
        "probe/tls-certificate-expiring",
        "Certificate expires within 30 days",
        "The end-entity certificate's notAfter is less than 30 days away.",
        Severity::Medium,
        "code.tls-in-transit",
        "CN-TLS-03",
        "6.2",
    ),
    (
        "probe/tls-weak-key",
        "Weak certificate key or signature",
        "An RSA key under 2048 bits, an EC key under 256 bits, or a SHA-1/MD5 signature on the end-entity certificate.",
        Severity::Medium,
        "code.tls-in-transit",
        "CN-TLS-03",
        "6.2",
    ),
    (
        "probe/hsts-missing",
        "HSTS missing or shorter than a year",
        "The HTTPS response has no Strict-Transport-Security header, or its max-age is under 31536000 seconds.",
        Severity::Medium,
        "code.tls-in-transit",
        "CN-HSTS-01",
        "3.0",
    ),
    (
        "probe/plaintext-http",
        "Plain HTTP serves content",
        "A request over plain HTTP got content instead of a redirect to HTTPS or a refused connection.",
        Severity::High,
        "code.tls-in-transit",
        "CN-HTTP-01",
        "3",
    ),
    (
        "probe/cache-control",
        "Authenticated page may be cached",
        "A page served to a request (not cacheable by the descriptor, not a static resource) lacks Cache-Control no-store and no-cache.",
        Severity::Medium,
        "code.owasp-top-10",
        "CN-HDR-01",
        "7.3",
    ),
    (
        "probe/referrer-policy",
        "Referrer-Policy missing or leaking",
        "The response has no Referrer-Policy, or it is unsafe-url or no-referrer-when-downgrade.",
        Severity::Low,
        "code.owasp-top-10",
        "CN-HDR-02",
        "7.2",
    ),
    (
        "probe/session-cookie",
        "Session cookie without Secure or HttpOnly",
        "A session-like cookie is set without Secure or HttpOnly (medium), or without SameSite (low).",
        Severity::Medium,
        "code.owasp-top-10",
        "CN-HDR-03",
        "7.4",
    ),
    (
        "probe/secret-in-url",
        "Secret in a URL",
        "A descriptor URL or a redirect carries a token, key, secret or password in its query string.",
        Severity::High,
        "code.no-hardcoded-credentials",
        "CN-HDR-04",
        "5",
    ),
    (
        "probe/unauthenticated-module",
        "Module URL served without a valid JWT",
        "A module URL answered a request with no token, a token signed with a wrong secret, an alg:none token or an expired token with its content (2xx) or a redirect (3xx).",
        Severity::High,
        "code.owasp-top-10",
        "CN-AUTHN-01",
        "1.1",
    ),
    (
        "probe/qsh-not-enforced",
        "JWT accepted for another request",
        "With the test installation's shared secret: a validly signed token whose qsh belongs to another request, or a context token (qsh: context-qsh), was accepted on a module or lifecycle URL.",
        Severity::High,
        "code.owasp-top-10",
        "CN-AUTHN-02",
        "1.1",
    ),
    (
        "probe/lifecycle-unauthenticated",
        "Install lifecycle accepts unverified tokens",
        "An installed/uninstalled callback accepted an install payload without a JWT, with an HS256 token, with an RS256 token from an unknown key, or with a wrong aud.",
        Severity::Critical,
        "code.owasp-top-10",
        "CN-LIFE-01",
        "1.4",
    ),
    (
        "probe/admin-page-authz",
        "Admin page open to a non-admin user",
        "With --user-jwt (a non-admin user's context token), an admin page answered with its content.",
        Severity::High,
        "code.owasp-top-10",
        "CN-AUTHZ-01",
        "1.2",
    ),
    (
        "probe/unreachable",
        "Probe could not reach a URL",
        "A URL or host of the descriptor timed out or refused the connection, so its checks are inconclusive (never a pass).",
        Severity::Info,
        "code.owasp-top-10",
        "",
        "",
    ),
];
