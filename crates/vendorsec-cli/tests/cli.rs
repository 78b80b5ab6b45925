//! End-to-end tests of the `vendorsec` binary.

mod common;

use common::{json, zip_of};

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const GH: &str = "ghp_Rt9QwErTyUiOpAsDfGhJkLzXcVbNm1234567";
const AWS: &str = "AKIAQ3EGX2ZFJ5RT7Y4P";
const PW: &str = "Zq8Hs72kLmNx";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vendorsec"));
    c.env("NO_COLOR", "1");
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).output().unwrap()
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("src/main/resources")).unwrap();
    std::fs::write(
        p.join("src/main/resources/app.properties"),
        format!("aws.key={AWS}\ndb.password={PW}\nname=demo\n"),
    )
    .unwrap();
    std::fs::write(p.join("deploy.sh"), format!("export GITHUB_TOKEN={GH}\n")).unwrap();
    let jar = zip_of(&[(
        "config.properties",
        format!("token = \"{GH}\"\n").as_bytes(),
    )]);
    let obr = zip_of(&[("META-INF/lib/x.jar", &jar)]);
    std::fs::write(p.join("app.obr"), obr).unwrap();
    dir
}

fn finding<'a>(report: &'a Value, rule: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {report:#}"))
}

#[test]
fn help_reads_well() {
    let out = bin().arg("--help").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("scan") && text.contains("checklist") && text.contains("Exit codes"));
    let out = bin().args(["scan", "--help"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--git-history",
        "--no-ignore",
        "--exclude",
        "--baseline",
        "--write-baseline",
        "--fail-on",
        "--format",
        "--output",
    ] {
        assert!(text.contains(flag), "{flag} missing from scan --help");
    }
}

#[test]
fn directory_scan_finds_planted_credentials_with_origin_chains() {
    let dir = project();
    let out = run(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    let gh = finding(&r, "secret/github-pat");
    let origins: Vec<&str> = gh["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["origin"].as_str().unwrap())
        .collect();
    assert!(
        origins.contains(&"app.obr!/META-INF/lib/x.jar!/config.properties"),
        "{origins:?}"
    );
    assert!(origins.contains(&"deploy.sh"), "{origins:?}");
    assert_eq!(
        gh["locations"].as_array().unwrap().len(),
        2,
        "one finding, all its locations"
    );
    let aws = finding(&r, "secret/aws-access-key-id");
    assert_eq!(aws["locations"][0]["line"], 1);
    assert_eq!(aws["guideline"], "code.no-hardcoded-credentials");
    finding(&r, "secret/generic-password");
    assert_eq!(r["stats"]["archives"], 2);
}

#[test]
fn every_format_renders_and_exit_codes_follow_fail_on() {
    let dir = project();
    for format in ["terminal", "json", "sarif", "markdown"] {
        let out = run(dir.path(), &["scan", ".", "--format", format]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert!(!out.stdout.is_empty(), "{format}");
    }
    let sarif = json(&run(dir.path(), &["scan", ".", "--format", "sarif"]));
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["runs"][0]["results"].as_array().unwrap().len() >= 3);
    let out = run(dir.path(), &["scan", "src", "--fail-on", "critical"]);
    assert_eq!(out.status.code(), Some(0), "no critical finding under src/");
    let out = run(dir.path(), &["scan", "missing-dir"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(dir.path(), &["scan", ".", "--format", "yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let file = dir.path().join("report.md");
    let out = run(
        dir.path(),
        &[
            "scan",
            ".",
            "--format",
            "markdown",
            "--output",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        std::fs::read_to_string(file)
            .unwrap()
            .starts_with("# vendorsec scan report")
    );
}

#[test]
fn stdin_is_scanned() {
    let mut child = bin()
        .args(["scan", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("key={AWS}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let r = json(&out);
    assert_eq!(
        finding(&r, "secret/aws-access-key-id")["locations"][0]["origin"],
        "<stdin>"
    );
}

#[test]
fn suppression_config_inline_and_baseline() {
    let dir = project();
    std::fs::write(
        dir.path().join("vendorsec.toml"),
        "[[ignore]]\nrule = \"secret/aws-access-key-id\"\nreason = \"demo key, revoked\"\n\
         [[ignore]]\nrule = \"secret/slack-bot-token\"\nreason = \"stale entry\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("deploy.sh"),
        format!("# vendorsec:ignore secret/github-pat rotated on 2026-11-01\nexport GITHUB_TOKEN={GH}\n# vendorsec:ignore secret/npm-access-token nothing here\n"),
    )
    .unwrap();
    let r = json(&run(dir.path(), &["scan", ".", "--format", "json"]));
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"] != "secret/aws-access-key-id")
    );
    let gh = finding(&r, "secret/github-pat");
    assert_eq!(
        gh["locations"].as_array().unwrap().len(),
        1,
        "deploy.sh suppressed inline, the jar not"
    );
    let unused: Vec<&Value> = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "unused-suppression")
        .collect();
    assert_eq!(unused.len(), 2, "{unused:?}");

    let base = dir.path().join("baseline.json");
    let out = run(
        dir.path(),
        &["scan", ".", "--write-baseline", base.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = std::fs::read_to_string(&base).unwrap();
    assert!(!text.contains(GH) && !text.contains(PW));
    let with_baseline = || {
        run(
            dir.path(),
            &[
                "scan",
                ".",
                "--baseline",
                base.to_str().unwrap(),
                "--format",
                "json",
            ],
        )
    };
    let out = with_baseline();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::write(
        dir.path().join("new.env"),
        "STRIPE_KEY=sk_live_4Rt9QwErTyUiOpAsDfGhJkLz\n",
    )
    .unwrap();
    let out = with_baseline();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn bad_config_is_a_usage_error_with_path() {
    let dir = project();
    std::fs::write(
        dir.path().join("vendorsec.toml"),
        "[[ignore]]\nrule = \"x\"\n",
    )
    .unwrap();
    let out = run(dir.path(), &["scan", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("vendorsec.toml") && err.contains("reason"),
        "{err}"
    );
}

fn git(dir: &Path, args: &[&str]) {
    let st = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Dana Dev")
        .env("GIT_AUTHOR_EMAIL", "dana@example.com")
        .env("GIT_COMMITTER_NAME", "Dana Dev")
        .env("GIT_COMMITTER_EMAIL", "dana@example.com")
        .env("GIT_AUTHOR_DATE", "2026-01-02T03:04:05Z")
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&st.stderr)
    );
}

#[test]
fn git_history_reports_the_introducing_commit() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    git(p, &["init", "-q", "-b", "main"]);
    std::fs::write(p.join("README.md"), "hello\n").unwrap();
    git(p, &["add", "."]);
    git(p, &["commit", "-qm", "first"]);
    std::fs::write(p.join("config.env"), format!("GITHUB_TOKEN={GH}\n")).unwrap();
    git(p, &["add", "."]);
    git(p, &["commit", "-qm", "add token"]);
    let intro = String::from_utf8(
        Command::new("git")
            .current_dir(p)
            .args(["rev-parse", "HEAD"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    std::fs::write(
        p.join("config.env"),
        format!("OTHER=1\nGITHUB_TOKEN={GH}\n"),
    )
    .unwrap();
    git(p, &["commit", "-qam", "edit"]);
    std::fs::write(p.join("config.env"), "GITHUB_TOKEN=${TOKEN}\n").unwrap();
    git(p, &["commit", "-qam", "remove token"]);
    git(p, &["checkout", "-qb", "side"]);
    let jar = zip_of(&[("app.properties", format!("aws={AWS}\n").as_bytes())]);
    std::fs::write(p.join("lib.jar"), jar).unwrap();
    git(p, &["add", "."]);
    git(p, &["commit", "-qm", "jar on a branch"]);
    git(p, &["checkout", "-q", "main"]);

    let out = run(p, &["scan", "--git-history", ".", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    let gh = finding(&r, "secret/github-pat");
    let locs = gh["locations"].as_array().unwrap();
    assert_eq!(
        locs.len(),
        1,
        "one location: the introducing commit; {locs:?}"
    );
    assert_eq!(locs[0]["commit"]["id"], intro.trim());
    assert_eq!(locs[0]["commit"]["author"], "Dana Dev");
    assert_eq!(locs[0]["chain"][0], "config.env");
    let aws = finding(&r, "secret/aws-access-key-id");
    assert_eq!(
        aws["locations"][0]["chain"][1], "app.properties",
        "archives in history are opened"
    );
    let out = run(p, &["scan", "--git-history", "/nonexistent/repo"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Every positive example of every rule, written to files and scanned: no output format
/// may contain any secret in full.
#[test]
fn no_rule_example_leaks_through_any_format() {
    use vendorsec_secrets::{Engine, RuleSet};
    let engine = Engine::new(RuleSet::builtin().unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut secrets = Vec::new();
    for (i, rule) in engine.rules().enumerate() {
        for (j, ex) in rule.examples.iter().enumerate() {
            let scan = engine.scan_bytes(ex.as_bytes(), "x");
            secrets.extend(
                scan.matches
                    .into_iter()
                    .map(|m| m.secret)
                    .filter(|s| s.len() >= 8),
            );
            std::fs::write(dir.path().join(format!("r{i}_{j}.txt")), ex).unwrap();
        }
    }
    assert!(secrets.len() > 150, "{} secrets", secrets.len());
    let base = dir.path().join("base.json");
    for format in ["terminal", "json", "sarif", "markdown"] {
        let out = run(
            dir.path(),
            &[
                "scan",
                ".",
                "--format",
                format,
                "--write-baseline",
                base.to_str().unwrap(),
            ],
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr)
            + &std::fs::read_to_string(&base).unwrap();
        assert!(text.len() > 1000, "{format}: {text}");
        for s in &secrets {
            assert!(
                !text.contains(s.as_str()),
                "{format} leaks a secret starting {}",
                &s[..4]
            );
        }
    }
}

#[test]
fn checklist_and_rules_commands() {
    let out = bin().arg("checklist").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("code.no-hardcoded-credentials") && text.contains("ISO 27001"));
    assert!(text.contains("manual"));
    let out = bin()
        .args(["checklist", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let item = v
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "code.no-hardcoded-credentials")
        .unwrap();
    assert!(item["rules"].as_array().unwrap().len() >= 100);
    let out = bin().args(["rules", "check"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = bin().args(["rules", "list", "--json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.as_array().unwrap().len() >= 100);
}

#[test]
fn huge_single_line_file_is_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = vec![b'x'; 24 << 20];
    data.extend_from_slice(format!(" token={GH} ").as_bytes());
    data.extend(vec![b'y'; 1 << 20]);
    std::fs::write(dir.path().join("huge.txt"), &data).unwrap();
    let r = json(&run(dir.path(), &["scan", ".", "--format", "json"]));
    let gh = finding(&r, "secret/github-pat");
    assert_eq!(gh["locations"][0]["line"], 1);
}

/// A minimal class file whose constant pool holds one string literal.
fn class_with(literal: &str) -> Vec<u8> {
    let mut b = vec![0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 61];
    b.extend_from_slice(&3u16.to_be_bytes());
    b.push(1);
    b.extend_from_slice(&u16::try_from(literal.len()).unwrap().to_be_bytes());
    b.extend_from_slice(literal.as_bytes());
    b.push(8);
    b.extend_from_slice(&1u16.to_be_bytes());
    b.extend_from_slice(&[0, 0x21, 0, 0, 0, 0]);
    b
}

#[test]
fn credentials_compiled_into_class_files_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let jar = zip_of(&[(
        "com/acme/Config.class",
        &class_with(&format!("Bearer {GH}")),
    )]);
    let obr = zip_of(&[("META-INF/lib/acme.jar", &jar)]);
    std::fs::write(dir.path().join("app.obr"), obr).unwrap();
    let r = json(&run(dir.path(), &["scan", ".", "--format", "json"]));
    let gh = finding(&r, "secret/github-pat");
    assert_eq!(
        gh["locations"][0]["origin"],
        "app.obr!/META-INF/lib/acme.jar!/com/acme/Config.class"
    );
}
