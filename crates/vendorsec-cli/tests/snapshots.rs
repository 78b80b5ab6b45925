//! Snapshots of what `scan` and `inspect` say about four apps written like real ones
//! (tests/fixtures/apps: an atlassian-connect-express app, a Spring Boot Connect app in
//! Kotlin, a Forge app with Custom UI, resolvers and a web trigger, and a Data Center
//! plugin). Review a change with `cargo insta review`; CI fails on any difference.

mod common;

use std::path::Path;
use std::process::Command;

use common::json;
use serde_json::Value;

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

fn vendorsec(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vendorsec"))
        .current_dir(fixtures())
        .env("NO_COLOR", "1")
        .env("VENDORSEC_DB", fixtures().join("no-such-db"))
        .args(args)
        .output()
        .unwrap()
}

/// One block per finding: severity, rule, every location, message and evidence.
fn describe(f: &Value) -> String {
    let places: Vec<String> = f["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| format!("{}:{}", l["origin"].as_str().unwrap(), l["line"]))
        .collect();
    format!(
        "{} {} ({} confidence)\n  at {}\n  {}\n  evidence: {}",
        f["severity"].as_str().unwrap(),
        f["rule"].as_str().unwrap(),
        f["confidence"].as_str().unwrap(),
        places.join("\n  at "),
        f["message"].as_str().unwrap(),
        f["evidence"].as_str().unwrap()
    )
}

#[test]
fn scan_of_four_apps() {
    let r = json(&vendorsec(&["scan", "apps", "--format", "json"]));
    let mut blocks: Vec<String> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(describe)
        .collect();
    blocks.sort();
    insta::assert_snapshot!(blocks.join("\n\n"));
}

#[test]
fn inspect_of_four_apps() {
    let out = vendorsec(&["inspect", "apps", "--format", "markdown"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!(text);
}
