//! The probe against local apps on 127.0.0.1: a well-behaved one gets no finding, and each
//! broken variant gets exactly the requirement it breaks, with the request that proves it.

mod server;

use std::time::Duration;

use server::{Behaviour, SECRET, descriptor, start};
use vendorsec_probe::{Options, discover, run, tls};

struct Probed {
    rules: Vec<String>,
    evidence: Vec<String>,
    notes: Vec<String>,
    requests: u64,
}

fn probe(b: Behaviour, extra: &[&str], tweak: impl FnOnce(&mut Options)) -> Probed {
    let app = start(b);
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &app.ca_pem).unwrap();
    let d = descriptor(app.https_port, 2, extra);
    let parsed = discover::app(d.as_bytes()).unwrap();
    let mut opts = Options {
        timeout: Duration::from_secs(5),
        rate: 1000.0,
        concurrency: 4,
        ca_file: Some(ca),
        http_port: Some(app.http_port),
        ..Options::default()
    };
    tweak(&mut opts);
    let out = run(&parsed, &opts, &|_| {});
    let mut rules: Vec<String> = out.findings.iter().map(|f| f.rule.clone()).collect();
    rules.sort();
    rules.dedup();
    Probed {
        rules,
        evidence: out.findings.iter().map(|f| f.evidence.clone()).collect(),
        notes: out.notes,
        requests: out.requests,
    }
}

fn full(o: &mut Options) {
    o.shared_secret = Some(SECRET.to_owned());
    o.lifecycle_tests = true;
    o.user_jwt = Some(server::user_token());
}

#[test]
fn a_well_behaved_app_passes_everything() {
    let p = probe(Behaviour::default(), &[], full);
    assert!(p.rules.is_empty(), "{:?}\n{:?}", p.rules, p.evidence);
    assert!(p.requests > 20, "{}", p.requests);
    assert!(
        p.notes.iter().any(|n| n.contains("cacheable module")),
        "{:?}",
        p.notes
    );
}

#[test]
fn each_broken_variant_reports_exactly_its_requirement() {
    let cases: Vec<(Behaviour, &[&str], &str, &str)> = vec![
        (
            Behaviour {
                unguarded_route: true,
                ..Behaviour::default()
            },
            &["/unguarded"],
            "probe/unauthenticated-module",
            "GET /unguarded with no token -> 200",
        ),
        (
            Behaviour {
                accept_alg_none: true,
                ..Behaviour::default()
            },
            &[],
            "probe/unauthenticated-module",
            "with an alg:none token",
        ),
        (
            Behaviour {
                ignore_qsh: true,
                ..Behaviour::default()
            },
            &[],
            "probe/qsh-not-enforced",
            "a qsh of another request",
        ),
        (
            Behaviour {
                open_lifecycle: true,
                ..Behaviour::default()
            },
            &[],
            "probe/lifecycle-unauthenticated",
            "POST /installed with no JWT -> 200",
        ),
        (
            Behaviour {
                no_hsts: true,
                ..Behaviour::default()
            },
            &[],
            "probe/hsts-missing",
            "no Strict-Transport-Security",
        ),
        (
            Behaviour {
                no_cache_control: true,
                ..Behaviour::default()
            },
            &[],
            "probe/cache-control",
            "Cache-Control:",
        ),
        (
            Behaviour {
                weak_cookie: true,
                ..Behaviour::default()
            },
            &[],
            "probe/session-cookie",
            "JSESSIONID",
        ),
        (
            Behaviour {
                plain_http_content: true,
                ..Behaviour::default()
            },
            &[],
            "probe/plaintext-http",
            "-> 200",
        ),
        (
            Behaviour {
                expired_cert: true,
                ..Behaviour::default()
            },
            &[],
            "probe/tls-certificate-invalid",
            "Expired",
        ),
        (
            Behaviour {
                wrong_host_cert: true,
                ..Behaviour::default()
            },
            &[],
            "probe/tls-certificate-invalid",
            "NotValidForName",
        ),
        (
            Behaviour {
                expiring_cert: true,
                ..Behaviour::default()
            },
            &[],
            "probe/tls-certificate-expiring",
            "notAfter in 9 days",
        ),
        (
            Behaviour {
                no_referrer_policy: true,
                ..Behaviour::default()
            },
            &[],
            "probe/referrer-policy",
            "Referrer-Policy: ",
        ),
        (
            Behaviour {
                admin_open_to_users: true,
                ..Behaviour::default()
            },
            &[],
            "probe/admin-page-authz",
            "GET /admin with --user-jwt",
        ),
        (
            Behaviour::default(),
            &["/export?api_token=live-4f9a8b7c6d5e"],
            "probe/secret-in-url",
            "api_token=",
        ),
    ];
    for (b, extra, rule, proof) in cases {
        let what = format!("{b:?}");
        let p = probe(b, extra, full);
        assert_eq!(p.rules, vec![rule.to_owned()], "{what}: {:?}", p.evidence);
        assert!(
            p.evidence.iter().any(|e| e.contains(proof)),
            "{what}: {:?}",
            p.evidence
        );
        // Tokens never in full.
        for e in &p.evidence {
            assert!(!e.contains(SECRET), "{e}");
            if let Some(t) = e.split("JWT ").nth(1) {
                assert!(t.split('.').count() < 3, "a whole token in {e}");
            }
        }
    }
}

#[test]
fn without_the_secret_or_consent_the_probe_says_what_it_did_not_test() {
    let p = probe(
        Behaviour {
            open_lifecycle: true,
            ..Behaviour::default()
        },
        &[],
        |_| {},
    );
    assert!(p.rules.is_empty(), "{:?}", p.rules);
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("--allow-lifecycle-tests")),
        "{:?}",
        p.notes
    );
}

#[test]
fn legacy_protocols_from_a_raw_server() {
    let port = server::legacy_tls10_server();
    let to = Duration::from_secs(5);
    assert_eq!(
        tls::accepts_legacy("127.0.0.1", port, tls::TLS10, to).unwrap(),
        Some(0xC014)
    );
    assert_eq!(
        tls::accepts_legacy("127.0.0.1", port, tls::TLS11, to).unwrap(),
        None
    );
    assert_eq!(
        tls::accepts_legacy("127.0.0.1", port, tls::SSL3, to).unwrap(),
        None
    );
    // A rustls server refuses them all and speaks TLS 1.2 and 1.3.
    let app = start(Behaviour::default());
    for v in [tls::SSL3, tls::TLS10, tls::TLS11] {
        assert_eq!(
            tls::accepts_legacy("localhost", app.https_port, v, to).unwrap(),
            None
        );
    }
    assert!(
        tls::modern_handshake("localhost", app.https_port, true, to)
            .unwrap()
            .is_some()
    );
    assert!(
        tls::modern_handshake("localhost", app.https_port, false, to)
            .unwrap()
            .is_some()
    );
    let suites = tls::tls12_suites("localhost", app.https_port, to).unwrap();
    assert!(!suites.is_empty());
    assert!(
        suites
            .iter()
            .all(|s| tls::SUITES.iter().any(|x| x.0 == *s && x.2)),
        "{suites:?}"
    );
}

#[test]
fn a_legacy_only_server_through_the_whole_probe() {
    let port = server::legacy_tls10_server();
    let d = format!(
        r#"{{"key": "legacy", "name": "L", "baseUrl": "https://localhost:{port}", "authentication": {{"type": "jwt"}}, "modules": {{}}}}"#
    );
    let app = discover::app(d.as_bytes()).unwrap();
    let opts = Options {
        timeout: Duration::from_secs(5),
        rate: 1000.0,
        http_port: Some(1),
        ..Options::default()
    };
    let out = run(&app, &opts, &|_| {});
    let mut rules: Vec<&str> = out.findings.iter().map(|f| f.rule.as_str()).collect();
    rules.sort_unstable();
    assert_eq!(
        rules,
        vec!["probe/tls-legacy-protocol", "probe/tls-no-modern-protocol"]
    );
    assert_eq!(out.protocols[0].1, vec!["TLS 1.0".to_owned()]);
    // The HSTS check is not called a pass: it is inconclusive and said so.
    assert!(
        out.notes.iter().any(|n| n.contains("HSTS inconclusive")),
        "{:?}",
        out.notes
    );
}
