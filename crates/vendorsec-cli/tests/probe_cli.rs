//! `vendorsec probe` end to end, against the probe crate's local test app (127.0.0.1 only).
#![cfg(feature = "network")]

#[path = "../../vendorsec-probe/tests/server/mod.rs"]
mod server;

mod common;

use std::process::{Command, Output};

use common::json;
use server::{Behaviour, descriptor, start};

struct Setup {
    app: server::App,
    dir: tempfile::TempDir,
}

fn setup(b: Behaviour, extra: &[&str]) -> Setup {
    let app = start(b);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), &app.ca_pem).unwrap();
    std::fs::write(
        dir.path().join("atlassian-connect.json"),
        descriptor(app.https_port, 3, extra),
    )
    .unwrap();
    Setup { app, dir }
}

fn probe(s: &Setup, extra_args: &[&str]) -> Output {
    let url = format!("https://localhost:{}", s.app.https_port);
    let http = s.app.http_port.to_string();
    let mut args = vec![
        "probe",
        url.as_str(),
        "--descriptor",
        "atlassian-connect.json",
        "--ca-file",
        "ca.pem",
        "--http-port",
        http.as_str(),
        "--rate",
        "500",
    ];
    args.extend_from_slice(extra_args);
    Command::new(env!("CARGO_BIN_EXE_vendorsec"))
        .current_dir(s.dir.path())
        .env("NO_COLOR", "1")
        .env_remove("VENDORSEC_SHARED_SECRET")
        .args(&args)
        .output()
        .unwrap()
}

#[test]
fn a_good_app_exits_0_and_a_broken_one_1_with_the_proof() {
    let good = setup(Behaviour::default(), &[]);
    let out = probe(&good, &["--format", "json"]);
    let r = json(&out);
    assert_eq!(out.status.code(), Some(0), "{}", r["findings"]);
    assert!(r["findings"].as_array().unwrap().is_empty());
    let notes = r["diagnostics"].to_string();
    assert!(
        notes.contains("TLS versions accepted: TLS 1.2, TLS 1.3"),
        "{notes}"
    );

    let bad = setup(
        Behaviour {
            unguarded_route: true,
            ..Behaviour::default()
        },
        &["/unguarded"],
    );
    let out = probe(&bad, &["--format", "json"]);
    let r = json(&out);
    assert_eq!(out.status.code(), Some(1));
    let f = &r["findings"][0];
    assert_eq!(f["rule"], "probe/unauthenticated-module");
    assert!(
        f["evidence"]
            .as_str()
            .unwrap()
            .contains("GET /unguarded with no token -> 200")
    );
    assert!(
        f["locations"][0]["origin"]
            .as_str()
            .unwrap()
            .ends_with("/unguarded")
    );

    // The CSRT report shape.
    let out = probe(&bad, &["--format", "csrt-json"]);
    let c = json(&out);
    assert_eq!(c["scanned"][0], "com.example.probed");
    assert!(
        c["vulns"][0]["check_name"]
            .as_str()
            .unwrap()
            .starts_with("1.1 - ")
    );
    assert!(c["started_at"].as_str().unwrap().ends_with('Z'));

    // Suppressed per URL with a reason: exit 0, counted.
    std::fs::write(
        bad.dir.path().join("vendorsec.toml"),
        "[[ignore]]\nrule = \"probe/unauthenticated-module\"\npath = \"**/unguarded\"\nreason = \"public health-check page by design\"\n",
    )
    .unwrap();
    let out = probe(&bad, &["--format", "json"]);
    let r = json(&out);
    assert_eq!(out.status.code(), Some(0), "{}", r["findings"]);
    assert_eq!(r["stats"]["suppressed"], 1);
}

#[test]
fn secrets_never_reach_the_output() {
    let bad = setup(
        Behaviour {
            ignore_qsh: true,
            ..Behaviour::default()
        },
        &[],
    );
    let out = probe(
        &bad,
        &["--format", "sarif", "--shared-secret", server::SECRET],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("probe/qsh-not-enforced"));
    assert!(!text.contains(server::SECRET));
    // No whole JWT (three dot-separated base64url parts) anywhere.
    let whole_jwt = text
        .split(['"', ' ', '(', ')'])
        .any(|w| w.starts_with("eyJ") && w.split('.').count() == 3);
    assert!(!whole_jwt, "{text}");
}
