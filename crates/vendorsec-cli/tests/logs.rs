//! `vendorsec logs` end to end: check-rules, hunt over real samples, bad input.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use common::{json, rule_line, rule_of, shown, sorted_findings};

fn shared() -> PathBuf {
    std::env::var_os("VENDORSEC_SHARED_DATA").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")),
        PathBuf::from,
    )
}

fn run(dir: &std::path::Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vendorsec"));
    c.current_dir(dir).env("NO_COLOR", "1").args(args);
    if let Some(input) = stdin {
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        return child.wait_with_output().unwrap();
    }
    c.output().unwrap()
}

/// A report's diagnostics, each as `origin message`.
fn diagnostic_lines(report: &serde_json::Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["origin"].as_str().unwrap(),
                d["message"].as_str().unwrap()
            )
        })
        .collect()
}

const RULE: &str = "title: IAM user created\nid: 11111111-2222-4333-8444-555555555555\nlevel: medium\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    eventSource: iam.amazonaws.com\n    eventName: CreateUser\n  condition: selection\n";

#[test]
fn check_rules_says_what_loaded_and_why_not() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.yml"), RULE).unwrap();
    std::fs::write(
        dir.path().join("bad.yml"),
        "title: broken\nlogsource:\n  product: aws\ndetection:\n  sel:\n    eventName|bogus: x\n  condition: sel\n",
    )
    .unwrap();
    let out = run(dir.path(), &["logs", "check-rules", "."], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("good.yml: loaded (IAM user created)"),
        "{text}"
    );
    assert!(
        text.contains("bad.yml:5: not loaded: sel: `eventName|bogus`: unknown modifier `bogus`"),
        "{text}"
    );
    let all = run(
        dir.path(),
        &[
            "logs",
            "check-rules",
            shared().join("logs/sigma-rules/rules").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(all.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&all.stdout).contains("163 loaded (0 correlations), 0 not loaded")
    );
}

#[test]
fn hunt_over_real_cloudtrail_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let rules = shared().join("logs/sigma-rules/rules/cloud/aws");
    let sample = shared()
        .join("logs/samples/stratus-cloudtrail/aws.initial-access.console-login-without-mfa.json");
    let out = run(
        dir.path(),
        &[
            "logs",
            "hunt",
            "--rules",
            rules.to_str().unwrap(),
            sample.to_str().unwrap(),
            "--format",
            "json",
            "--matches",
            "m.jsonl",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let r = json(&out);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "sigma/aws_cloudtrail_console_login_success_without_mfa")
        .expect("console login without MFA found");
    assert_eq!(f["locations"][0]["line"], 2);
    assert!(
        f["evidence"]
            .as_str()
            .unwrap()
            .starts_with("ConsoleLogin on signin.amazonaws.com")
    );
    let m = std::fs::read_to_string(dir.path().join("m.jsonl")).unwrap();
    assert!(
        m.lines()
            .any(|l| l.contains("\"eventName\":\"ConsoleLogin\""))
    );

    // Bad lines, a truncated gzip, stdin: diagnostics, and matching goes on.
    std::fs::write(dir.path().join("r.yml"), RULE).unwrap();
    let ev = r#"{"eventSource":"iam.amazonaws.com","eventName":"CreateUser","userIdentity":{"arn":"arn:aws:iam::1:user/a"},"eventVersion":"1.08"}"#;
    let lines = format!("{ev}\nnot json\n{{\"truncated\": \n{ev}\n");
    std::fs::write(dir.path().join("l.jsonl"), &lines).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(lines.as_bytes()).unwrap();
    let gzbytes = gz.finish().unwrap();
    std::fs::write(dir.path().join("l.jsonl.gz"), &gzbytes).unwrap();
    std::fs::write(dir.path().join("cut.gz"), &gzbytes[..gzbytes.len() / 2]).unwrap();
    let out = run(
        dir.path(),
        &[
            "logs",
            "hunt",
            "--rules",
            "r.yml",
            "l.jsonl",
            "l.jsonl.gz",
            "cut.gz",
            "-",
            "--format",
            "json",
        ],
        Some(ev.as_bytes()),
    );
    let r = json(&out);
    let places: Vec<String> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["locations"][0]["origin"].as_str().unwrap(),
                f["locations"][0]["line"]
            )
        })
        .collect();
    assert!(
        places.contains(&"l.jsonl:1".to_owned()) && places.contains(&"l.jsonl:4".to_owned()),
        "{places:?}"
    );
    assert!(places.contains(&"l.jsonl.gz:4".to_owned()), "{places:?}");
    assert!(places.contains(&"-:1".to_owned()), "{places:?}");
    let diags = r["diagnostics"].to_string();
    assert!(
        diags.contains("l.jsonl:2") && diags.contains("not JSON"),
        "{diags}"
    );
    assert!(diags.contains("cut.gz"), "{diags}");
}

/// A file that is mostly not events (a licence named by mistake, an error log): its first
/// 20 bad records are listed and the rest counted, under `hunt` (whose diagnostics would
/// otherwise grow with the file) and under `watch`; its events are still matched.
#[test]
fn records_that_are_not_events_are_listed_up_to_twenty_then_counted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.yml"), RULE).unwrap();
    let event = r#"{"eventVersion":"1.08","eventSource":"iam.amazonaws.com","eventName":"CreateUser","userIdentity":{"type":"IAMUser"}}"#;
    let mut text = String::new();
    for i in 0..100 {
        text.push_str(&format!("this is line {i} of something else\n"));
    }
    text.push_str(event);
    text.push('\n');
    std::fs::write(dir.path().join("mixed.log"), &text).unwrap();
    let r = json(&run(
        dir.path(),
        &[
            "logs",
            "hunt",
            "--rules",
            "r.yml",
            "mixed.log",
            "--format",
            "json",
        ],
        None,
    ));
    assert_eq!(shown(&r, rule_line), ["sigma/r 101"]);
    let d: Vec<String> = diagnostic_lines(&r)
        .into_iter()
        .filter(|x| x.starts_with("mixed.log"))
        .collect();
    assert_eq!(d.len(), 21, "{d:?}");
    assert!(
        d.iter().filter(|x| x.starts_with("mixed.log:")).count() == 20,
        "{d:?}"
    );
    assert!(
        d.contains(
            &"mixed.log 80 more records not read as events (the first 20 are listed)".to_owned()
        ),
        "{d:?}"
    );
    let out = run(
        dir.path(),
        &["logs", "watch", "--once", "--rules", "r.yml", "mixed.log"],
        None,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.lines()
            .filter(|l| l
                .strip_prefix("vendorsec: mixed.log:")
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit())))
            .count(),
        20,
        "{err}"
    );
    assert!(
        err.contains("vendorsec: mixed.log: more records not read as events; they are not said"),
        "{err}"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

#[test]
fn correlations_over_a_log() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("brute.yml"),
        "title: Console login failed\nname: console_login_failed\nlevel: low\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel:\n    eventName: ConsoleLogin\n    responseElements.ConsoleLogin: Failure\n  condition: sel\n---\ntitle: Repeated console login failures\nname: console_login_bruteforce\nlevel: high\ncorrelation:\n  type: event_count\n  rules:\n    - console_login_failed\n  group-by:\n    - userIdentity.userName\n  timespan: 5m\n  condition:\n    gte: 3\n",
    )
    .unwrap();
    let ev = |user: &str, t: &str, result: &str| {
        format!(
            r#"{{"eventVersion":"1.08","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","eventTime":"{t}","userIdentity":{{"type":"IAMUser","userName":"{user}"}},"responseElements":{{"ConsoleLogin":"{result}"}}}}"#
        )
    };
    let log = [
        ev("alice", "2026-11-30T10:00:00Z", "Failure"),
        ev("bob", "2026-11-30T10:00:30Z", "Failure"),
        ev("alice", "2026-11-30T10:01:00Z", "Failure"),
        ev("alice", "2026-11-30T10:02:00Z", "Success"),
        ev("alice", "2026-11-30T10:03:00Z", "Failure"),
        ev("bob", "2026-11-30T10:20:00Z", "Failure"),
    ]
    .join("\n");
    std::fs::write(dir.path().join("ct.jsonl"), log).unwrap();
    let out = run(
        dir.path(),
        &[
            "logs",
            "hunt",
            "--rules",
            "brute.yml",
            "ct.jsonl",
            "--format",
            "json",
        ],
        None,
    );
    let r = json(&out);
    let f = r["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["rule"], "sigma/console_login_bruteforce");
    assert_eq!(f[0]["severity"], "high");
    assert_eq!(f[0]["locations"][0]["line"], 5);
    assert_eq!(f[0]["data"]["group"], "userIdentity.userName=alice");
    assert_eq!(f[0]["data"]["count"], 3);
    let check = run(dir.path(), &["logs", "check-rules", "brute.yml"], None);
    let text = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(0), "{text}");
    assert!(text.contains("2 loaded (1 correlations)"), "{text}");
    // The same events with their time under another name: left out of the window, and said
    // so, until --time-field names it.
    std::fs::write(
        dir.path().join("renamed.jsonl"),
        std::fs::read_to_string(dir.path().join("ct.jsonl"))
            .unwrap()
            .replace("\"eventTime\"", "\"when\""),
    )
    .unwrap();
    let hunt = |extra: &[&str]| {
        let mut a = vec![
            "logs",
            "hunt",
            "--rules",
            "brute.yml",
            "renamed.jsonl",
            "--format",
            "json",
        ];
        a.extend(extra);
        json(&run(dir.path(), &a, None))
    };
    let r = hunt(&[]);
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"] != "sigma/console_login_bruteforce")
    );
    assert!(
        r["diagnostics"].to_string().contains("5 matches of rules that correlations use had no time (none of the time fields their sources use): left out of the correlations (--time-field names the field)"),
        "{}",
        r["diagnostics"]
    );
    let r = hunt(&["--time-field", "when"]);
    let brute: Vec<&serde_json::Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "sigma/console_login_bruteforce")
        .collect();
    assert_eq!(brute.len(), 1);
    assert_eq!(brute[0]["locations"][0]["line"], 5);
    // A finding shows its event's time from that field too.
    std::fs::write(dir.path().join("iam.yml"), RULE).unwrap();
    std::fs::write(
        dir.path().join("iam.jsonl"),
        r#"{"eventVersion":"1.08","eventSource":"iam.amazonaws.com","eventName":"CreateUser","when":"2026-11-30T11:00:00Z","userIdentity":{"type":"IAMUser"}}"#,
    )
    .unwrap();
    let timed = |extra: &[&str]| {
        let mut a = vec![
            "logs",
            "hunt",
            "--rules",
            "iam.yml",
            "iam.jsonl",
            "--format",
            "json",
        ];
        a.extend(extra);
        json(&run(dir.path(), &a, None))["findings"][0]["data"]["event_time"].clone()
    };
    assert_eq!(timed(&["--time-field", "when"]), "2026-11-30T11:00:00Z");
    assert!(timed(&[]).is_null());
    assert!(!r["diagnostics"].to_string().contains("had no time"));
    let r = hunt(&["--time-field", "nowhere"]);
    assert!(
        r["diagnostics"]
            .to_string()
            .contains("(`nowhere` missing or not a time)")
    );
    // `watch` the same: said once on stderr, and the correlation alert with the field named.
    let watch = |extra: &[&str]| {
        let mut a = vec![
            "logs",
            "watch",
            "--once",
            "--rules",
            "brute.yml",
            "renamed.jsonl",
        ];
        a.extend(extra);
        run(dir.path(), &a, None)
    };
    let out = watch(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("had no time").count(), 1, "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("console_login_bruteforce"));
    let out = watch(&["--time-field", "when"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("sigma/console_login_bruteforce"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("had no time"));
}

/// The built-in guideline pack over the shared samples finds the event classes it targets.
#[test]
fn the_guideline_pack_over_the_samples() {
    let dir = tempfile::tempdir().unwrap();
    let s = shared().join("logs/samples");
    let stratus = s.join("stratus-cloudtrail/aws.initial-access.console-login-without-mfa.json");
    let r = json(&run(
        dir.path(),
        &[
            "logs",
            "hunt",
            stratus.to_str().unwrap(),
            "--format",
            "json",
        ],
        None,
    ));
    assert_eq!(
        shown(&r, rule_of),
        vec!["sigma/vendorsec_aws_console_login_without_mfa"]
    );
    let mut args = vec!["logs", "hunt", "--event-path", "event", "--format", "json"];
    let files: Vec<String> = [
        "Atlassian_Audit",
        "GitHub_Audit",
        "Okta_SystemLog",
        "GCP_AuditLog",
        "AWS_CloudTrail",
    ]
    .iter()
    .map(|f| {
        s.join(format!("panther-tests/{f}.jsonl"))
            .display()
            .to_string()
    })
    .collect();
    args.extend(files.iter().map(String::as_str));
    let r = json(&run(dir.path(), &args, None));
    let mut found = sorted_findings(&r, rule_of);
    found.dedup();
    for want in [
        "sigma/vendorsec_github_branch_protection_bypassed",
        "sigma/vendorsec_github_branch_protection_weakened",
        "sigma/vendorsec_github_2fa_disabled",
        "sigma/vendorsec_github_member_administration",
        "sigma/vendorsec_okta_mfa_factor_removed",
        "sigma/vendorsec_okta_privilege_granted",
        "sigma/vendorsec_gcp_instance_created",
        "sigma/vendorsec_gcp_iam_administration",
        "sigma/vendorsec_aws_console_login_without_mfa",
        "sigma/vendorsec_aws_instance_created",
        "sigma/vendorsec_aws_iam_user_administration",
        "sigma/vendorsec_aws_mfa_device_changed",
        "sigma/vendorsec_atlassian_admin_logged_in_as_user",
    ] {
        assert!(found.iter().any(|f| f == want), "{want} not in {found:?}");
    }
    // Panther's labelled Atlassian pair: the impersonation, not the plain login.
    let atlassian: Vec<String> = shown(&r, rule_line)
        .into_iter()
        .filter(|f| f.starts_with("sigma/vendorsec_atlassian_admin_logged_in_as_user "))
        .collect();
    assert_eq!(
        atlassian,
        vec!["sigma/vendorsec_atlassian_admin_logged_in_as_user 9"]
    );
}

/// The Atlassian organisation audit log records activity keys; the pack names activities
/// by display name, and the organisation's catalogue (its event-actions API's response)
/// joins them, in `hunt`, `watch` and `check-rules`.
#[test]
fn atlassian_activity_rules_run_with_the_organisations_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let page = |items: &[(&str, &str)]| {
        let data: Vec<String> = items
            .iter()
            .map(|(k, n)| {
                format!(
                    r#"{{"id":"{k}","type":"event-actions","attributes":{{"displayName":"{n}"}}}}"#
                )
            })
            .collect();
        format!(r#"{{"data":[{}],"links":{{}}}}"#, data.join(","))
    };
    // Two pages as a loop over the API's cursor saves them, one after the other.
    let catalogue = format!(
        "{}\n{}\n",
        page(&[
            ("user_login", "Logged in to account"),
            ("tsv_enforced", "Enforced two-step verification"),
        ]),
        page(&[
            ("group_member_added", "Added user to group"),
            ("site_created", "Created site"),
            ("jira_issue_viewed", "Viewed Jira issue"),
        ])
    );
    std::fs::write(dir.path().join("actions.json"), catalogue).unwrap();
    let event = |action: &str| {
        format!(
            r#"{{"id":"e-{action}","type":"events","attributes":{{"time":"2026-11-30T10:00:00Z","action":"{action}","actor":{{"email":"admin@acme.test"}}}},"message":{{"content":"x","format":"simple"}}}}"#
        )
    };
    let log: Vec<String> = [
        "user_login",
        "tsv_enforced",
        "jira_issue_viewed",
        "group_member_added",
        "site_created",
        "user_logged_in_as_user",
    ]
    .iter()
    .map(|a| event(a))
    .collect();
    std::fs::write(dir.path().join("org-audit.jsonl"), log.join("\n") + "\n").unwrap();
    let hunt = |extra: &[&str]| {
        let mut a = vec!["logs", "hunt", "org-audit.jsonl", "--format", "json"];
        a.extend(extra);
        json(&run(dir.path(), &a, None))
    };
    // Without the catalogue: only the rule on a key, and the report says why.
    let r = hunt(&[]);
    assert_eq!(
        shown(&r, rule_line),
        ["sigma/vendorsec_atlassian_admin_logged_in_as_user 6"]
    );
    let notes = r["diagnostics"].to_string();
    assert!(
        notes.contains("(3 name Atlassian activities and match the organisation audit log only with --atlassian-event-actions)"),
        "{notes}"
    );
    // With it: each activity on its line, and no such note.
    let r = hunt(&["--atlassian-event-actions", "actions.json"]);
    assert_eq!(
        sorted_findings(&r, rule_line),
        [
            "sigma/vendorsec_atlassian_admin_logged_in_as_user 6",
            "sigma/vendorsec_atlassian_site_created 5",
            "sigma/vendorsec_atlassian_two_step_verification_changed 2",
            "sigma/vendorsec_atlassian_user_administration 4",
        ]
    );
    // Each finding names its activity as the catalogue does.
    let tsv = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "sigma/vendorsec_atlassian_two_step_verification_changed")
        .unwrap();
    assert_eq!(tsv["data"]["activity"], "Enforced two-step verification");
    assert!(
        tsv["evidence"]
            .as_str()
            .unwrap()
            .starts_with("Enforced two-step verification: tsv_enforced by admin@acme.test"),
        "{tsv}"
    );
    assert!(
        !r["diagnostics"]
            .to_string()
            .contains("name Atlassian activities")
    );
    // The same events as the organisation events API returns them, a page saved by `jq .`:
    // the same findings, at each event's index in the page.
    let events: Vec<serde_json::Value> = log
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let page = serde_json::json!({"data": events, "links": {"self": "x"}, "meta": {"next": null}});
    std::fs::write(
        dir.path().join("page.json"),
        serde_json::to_string_pretty(&page).unwrap(),
    )
    .unwrap();
    let r = json(&run(
        dir.path(),
        &[
            "logs",
            "hunt",
            "page.json",
            "--format",
            "json",
            "--atlassian-event-actions",
            "actions.json",
        ],
        None,
    ));
    let mut at: Vec<String> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["data"]["record_index"]
            )
        })
        .collect();
    at.sort();
    assert_eq!(
        at,
        [
            "sigma/vendorsec_atlassian_admin_logged_in_as_user 5",
            "sigma/vendorsec_atlassian_site_created 4",
            "sigma/vendorsec_atlassian_two_step_verification_changed 1",
            "sigma/vendorsec_atlassian_user_administration 3",
        ]
    );
    // `watch` joins them the same way.
    let out = run(
        dir.path(),
        &[
            "logs",
            "watch",
            "--once",
            "org-audit.jsonl",
            "--atlassian-event-actions",
            "actions.json",
        ],
        None,
    );
    let alerts = String::from_utf8_lossy(&out.stdout);
    assert_eq!(alerts.lines().count(), 4, "{alerts}");
    assert!(
        alerts.contains("Created site: site_created by admin@acme.test"),
        "{alerts}"
    );
    // `check-rules` lists what each rule resolves to, or that it needs the catalogue.
    let pack = concat!(env!("CARGO_MANIFEST_DIR"), "/../vendorsec-logs/rules");
    let check = |extra: &[&str]| {
        let mut a = vec!["logs", "check-rules", pack];
        a.extend(extra);
        String::from_utf8_lossy(&run(dir.path(), &a, None).stdout).into_owned()
    };
    let text = check(&["--atlassian-event-actions", "actions.json"]);
    assert!(
        text.contains("vendorsec_atlassian_site_created.yml: loaded (Atlassian site, product or workspace created); Atlassian activities (1): Created site\n"),
        "{text}"
    );
    assert!(
        text.contains("(Atlassian user, group or permission administration); Atlassian activities (1): Added user to group\n"),
        "{text}"
    );
    let text = check(&[]);
    assert!(
        text.contains("(Atlassian two-step verification changed); names Atlassian activities: they match the organisation audit log only with --atlassian-event-actions\n"),
        "{text}"
    );
    // Without a path, the built-in pack (what `hunt` runs without --rules).
    let out = run(
        dir.path(),
        &[
            "logs",
            "check-rules",
            "--atlassian-event-actions",
            "actions.json",
        ],
        None,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("builtin:guideline/vendorsec_atlassian_site_created.yml: loaded (Atlassian site, product or workspace created); Atlassian activities (1): Created site\n"),
        "{text}"
    );
    assert!(
        text.ends_with("24 loaded (3 correlations), 0 not loaded\n"),
        "{text}"
    );
    // A file that is not a catalogue: the path and the reason, and nothing run.
    std::fs::write(dir.path().join("bad.json"), r#"{"data":[{"id":"k"}]}"#).unwrap();
    let out = run(
        dir.path(),
        &[
            "logs",
            "hunt",
            "org-audit.jsonl",
            "--atlassian-event-actions",
            "bad.json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "bad.json: item 1: not an event action (`id` and `attributes.displayName`, both text)"
        ),
        "{err}"
    );
}

#[test]
fn the_guideline_pack_on_bitbucket_audit_logs_in_both_shapes() {
    let dir = tempfile::tempdir().unwrap();
    // The audit log file's shape (auditType, epochSecond timestamps) and the REST API's
    // (type, ISO timestamps), as Bitbucket Data Center writes them.
    let file_event = |t: u64, action: &str, category: &str, author: &str| {
        format!(
            r#"{{"affectedObjects":[],"auditType":{{"action":"{action}","area":"X","category":"{category}","level":"BASE"}},"author":{{"id":"3","name":"{author}","type":"NORMAL"}},"changedValues":[],"extraAttributes":[],"method":"Browser","source":"203.0.113.9","system":"http://bitbucket.internal:7990","timestamp":{{"epochSecond":{t},"nano":5000000}},"version":"1.0"}}"#
        )
    };
    let mut lines = vec![file_event(
        1_638_034_000,
        "Audit Log search performed",
        "Auditing",
        "admin",
    )];
    for i in 0..5 {
        lines.push(file_event(
            1_638_034_100 + i * 60,
            "User login failed",
            "Authentication",
            "dev",
        ));
    }
    lines.push(file_event(
        1_638_040_000,
        "User login failed",
        "Authentication",
        "ops",
    ));
    lines.push(file_event(
        1_638_040_100,
        "Personal access token created",
        "Users and groups",
        "dev",
    ));
    lines.push(r#"{"timestamp":"2021-11-27T17:36:40.674Z","author":{"name":"admin","type":"NORMAL","id":"2"},"type":{"category":"Users and groups","action":"User created"},"affectedObjects":[{"name":"test","type":"USER","id":"3"}],"changedValues":[],"source":"10.50.73.5","system":"http://bitbucket.internal:7990","method":"Browser","extraAttributes":[]}"#.to_owned());
    std::fs::write(dir.path().join("audit.log"), lines.join("\n") + "\n").unwrap();
    let r = json(&run(
        dir.path(),
        &["logs", "hunt", "audit.log", "-f", "json"],
        None,
    ));
    assert_eq!(
        sorted_findings(&r, rule_line),
        vec![
            "sigma/vendorsec_bitbucket_access_key_created 8",
            "sigma/vendorsec_bitbucket_login_bruteforce 6",
            "sigma/vendorsec_bitbucket_user_administration 9",
        ],
        "{r}"
    );
}

#[test]
fn secrets_and_personal_data_in_logs_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let key = format!(
        "AKIA{}",
        "Q4FT7ZJW2XEXAMPLE".chars().take(16).collect::<String>()
    );
    let mut log = format!("{{\"msg\":\"boot\",\"aws_access_key_id\":\"{key}\"}}\n");
    log.push_str("{\"path\":\"/pay\",\"card\":\"5500 0055 5555 5559\"}\n");
    log.push_str(
        "{\"url\":\"https://api.example.com/v1/items?api_key=sk_live_0123456789abcdef\"}\n",
    );
    log.push_str("Authorization: Basic dXNlcjpwYXNzd29yZDEyMw==\n");
    std::fs::write(dir.path().join("app.log"), &log).unwrap();
    let out = run(
        dir.path(),
        &["logs", "secrets", "app.log", "-", "--format", "json"],
        Some(log.as_bytes()),
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let r = json(&out);
    let mut rules = sorted_findings(&r, rule_of);
    rules.dedup();
    for want in [
        "logs/authorization-header",
        "logs/password-in-url",
        "logs/payment-card-number",
    ] {
        assert!(rules.iter().any(|r| r == want), "{want} not in {rules:?}");
    }
    assert!(
        rules.iter().any(|r| r.starts_with("secret/aws")),
        "{rules:?}"
    );
    for secret in [
        key.as_str(),
        "5500005555555559",
        "sk_live_0123456789abcdef",
        "dXNlcjpwYXNzd29yZDEyMw==",
    ] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
}

/// A local webhook receiver on 127.0.0.1: every POST body it gets.
fn receiver() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::Read;
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let g = got.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let n = s.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf);
                if let Some(i) = text.find("\r\n\r\n") {
                    let len = text[..i]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if buf.len() >= i + 4 + len {
                        g.lock()
                            .unwrap()
                            .push(String::from_utf8_lossy(&buf[i + 4..i + 4 + len]).into_owned());
                        break;
                    }
                }
            }
            let _ =
                s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        }
    });
    (port, got)
}

#[test]
fn watch_alerts_through_a_webhook_and_a_restart_neither_loses_nor_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let (port, got) = receiver();
    let hook = format!("webhook:http://127.0.0.1:{port}/hook");
    let login = r#"{"eventVersion":"1.08","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","eventTime":"2026-11-30T10:00:00Z","userIdentity":{"type":"IAMUser","userName":"ops"},"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"No"},"sourceIPAddress":"203.0.113.7"}"#;
    let mfa = r#"{"eventVersion":"1.08","eventSource":"iam.amazonaws.com","eventName":"DeactivateMFADevice","eventTime":"2026-11-30T10:05:00Z","userIdentity":{"type":"IAMUser","userName":"ops"}}"#;
    let log = dir.path().join("trail.jsonl");
    std::fs::write(&log, format!("{login}\n{{\"partial\": ")).unwrap();
    let watch = |extra: &[&str]| {
        let mut a = vec![
            "logs",
            "watch",
            "--once",
            "--checkpoint",
            "cp.json",
            "--alert",
            hook.as_str(),
            "--alert",
            "file:alerts.jsonl",
            "trail.jsonl",
        ];
        a.extend_from_slice(extra);
        run(dir.path(), &a, None)
    };
    let out = watch(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(got.lock().unwrap().len(), 1);
    assert!(got.lock().unwrap()[0].contains("vendorsec_aws_console_login_without_mfa"));
    assert!(got.lock().unwrap()[0].contains("\"text\""));
    // The partial line completes and another event arrives; a restarted watcher sends only
    // the new alert.
    std::fs::write(&log, format!("{login}\n{{\"partial\": 1}}\n{mfa}\n")).unwrap();
    let out = watch(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bodies = got.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert!(
        bodies[1].contains("vendorsec_aws_mfa_device_changed") && bodies[1].contains("\"line\":3"),
        "{bodies:?}"
    );
    let file = std::fs::read_to_string(dir.path().join("alerts.jsonl")).unwrap();
    assert_eq!(file.lines().count(), 2);
    // Nothing new: nothing sent.
    watch(&[]);
    assert_eq!(got.lock().unwrap().len(), 2);
    // Rotation: a new file at the same path is read from its start.
    std::fs::rename(&log, dir.path().join("trail.jsonl.1")).unwrap();
    std::fs::write(&log, format!("{mfa}\n")).unwrap();
    let out = watch(&[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("rotated"));
}

/// Watching a directory where CloudTrail delivers gzipped `{"Records": [...]}` files (one
/// line, no final newline): each file is read whole when it appears, a new file is followed
/// at the next look, a file still being written waits (said once) and is read when complete,
/// and a restart repeats nothing.
#[test]
fn watch_follows_new_gzipped_records_files_in_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let trail = dir.path().join("AWSLogs/1/CloudTrail/us-east-1/2026/11/30");
    std::fs::create_dir_all(&trail).unwrap();
    let records = |users: &[&str]| {
        let events: Vec<String> = users
            .iter()
            .map(|u| format!(r#"{{"eventVersion":"1.08","eventSource":"iam.amazonaws.com","eventName":"CreateUser","eventTime":"2026-11-30T10:00:00Z","userIdentity":{{"type":"IAMUser","userName":"ops"}},"requestParameters":{{"userName":"{u}"}}}}"#))
            .collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(format!("{{\"Records\":[{}]}}", events.join(",")).as_bytes())
            .unwrap();
        gz.finish().unwrap()
    };
    std::fs::write(
        trail.join("1_CloudTrail_20261130T1000Z.json.gz"),
        records(&["u1", "u2"]),
    )
    .unwrap();
    let watch = || {
        let out = run(
            dir.path(),
            &[
                "logs",
                "watch",
                "--once",
                "--checkpoint",
                "cp.json",
                "--alert",
                "file:alerts.jsonl",
                "AWSLogs",
            ],
            None,
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let alerts = || -> Vec<String> {
        std::fs::read_to_string(dir.path().join("alerts.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| {
                let a: serde_json::Value = serde_json::from_str(l).unwrap();
                assert_eq!(a["rule"], "sigma/vendorsec_aws_iam_user_administration");
                a["summary"].as_str().unwrap().to_owned()
            })
            .collect()
    };
    watch();
    assert_eq!(alerts().len(), 2);
    watch();
    assert_eq!(alerts().len(), 2, "a restart repeats nothing");
    // The next delivery, and one still being written.
    std::fs::write(
        trail.join("1_CloudTrail_20261130T1005Z.json.gz"),
        records(&["u3"]),
    )
    .unwrap();
    let whole = records(&["u4"]);
    let late = trail.join("1_CloudTrail_20261130T1010Z.json.gz");
    std::fs::write(&late, &whole[..whole.len() / 2]).unwrap();
    let said = watch();
    assert_eq!(alerts().len(), 3);
    assert!(said.contains("T1010Z.json.gz"), "{said}");
    std::fs::write(&late, &whole).unwrap();
    watch();
    assert_eq!(alerts().len(), 4);
    watch();
    assert_eq!(alerts().len(), 4);
}

/// Standard input under `watch`: every event is matched, at its line, a last line without
/// its newline included, and the alerts are those of the same lines read from a file.
#[test]
fn watch_reads_standard_input_in_pieces_with_its_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let event = |n: usize| {
        format!(
            r#"{{"eventVersion":"1.08","eventSource":"iam.amazonaws.com","eventName":"CreateUser","eventTime":"2026-11-30T10:00:00Z","userIdentity":{{"type":"IAMUser","userName":"ops"}},"requestParameters":{{"userName":"u{n}"}}}}"#
        )
    };
    let quiet = r#"{"eventVersion":"1.08","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances"}"#;
    // 3,000 lines (more than one read of a pipe), every third an event the pack reports.
    let mut text = String::new();
    for n in 1..=3000 {
        if n % 3 == 0 {
            text.push_str(&event(n));
        } else {
            text.push_str(quiet);
        }
        text.push('\n');
    }
    text.pop();
    std::fs::write(dir.path().join("same.jsonl"), format!("{text}\n")).unwrap();
    let lines = |sink: &str| -> Vec<u64> {
        let mut l: Vec<u64> = std::fs::read_to_string(dir.path().join(sink))
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["line"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        l.sort_unstable();
        l
    };
    let out = run(
        dir.path(),
        &[
            "logs",
            "watch",
            "-",
            "--throttle",
            "100000",
            "--alert",
            "file:stdin.jsonl",
        ],
        Some(text.as_bytes()),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want: Vec<u64> = (1..=1000).map(|k| 3 * k).collect();
    assert_eq!(lines("stdin.jsonl"), want);
    let out = run(
        dir.path(),
        &[
            "logs",
            "watch",
            "--once",
            "same.jsonl",
            "--throttle",
            "100000",
            "--alert",
            "file:file.jsonl",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines("file.jsonl"), want);
}

#[test]
fn correlation_windows_carry_over_a_watcher_restart() {
    let dir = tempfile::tempdir().unwrap();
    let fail = |t: &str| {
        format!(
            r#"{{"eventVersion":"1.08","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","eventTime":"2026-11-30T10:0{t}:00Z","userIdentity":{{"type":"IAMUser"}},"responseElements":{{"ConsoleLogin":"Failure"}},"sourceIPAddress":"198.51.100.4"}}"#
        )
    };
    let log = dir.path().join("trail.jsonl");
    let first: Vec<String> = ["0", "1", "2"].iter().map(|t| fail(t)).collect();
    std::fs::write(&log, first.join("\n") + "\n").unwrap();
    let watch = || {
        run(
            dir.path(),
            &[
                "logs",
                "watch",
                "--once",
                "--checkpoint",
                "cp.json",
                "--alert",
                "file:alerts.jsonl",
                "trail.jsonl",
            ],
            None,
        )
    };
    assert_eq!(watch().status.code(), Some(0));
    assert!(
        !dir.path().join("alerts.jsonl").exists()
            || std::fs::read_to_string(dir.path().join("alerts.jsonl"))
                .unwrap()
                .is_empty()
    );
    let mut all = first.clone();
    all.extend(["3", "4"].iter().map(|t| fail(t)));
    std::fs::write(&log, all.join("\n") + "\n").unwrap();
    assert_eq!(watch().status.code(), Some(0));
    let alerts = std::fs::read_to_string(dir.path().join("alerts.jsonl")).unwrap();
    assert_eq!(alerts.lines().count(), 1, "{alerts}");
    assert!(
        alerts.contains("vendorsec_aws_console_login_bruteforce") && alerts.contains("\"line\":5"),
        "{alerts}"
    );
}

#[test]
fn first_seen_countries_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("geo.mmdb"),
        vendorsec_logs::mmdb::write_test_db(&[
            (
                "203.0.113.0/24",
                serde_json::json!({"country": {"iso_code": "DE"}}),
            ),
            (
                "198.51.100.0/24",
                serde_json::json!({"country": {"iso_code": "BR"}}),
            ),
        ]),
    )
    .unwrap();
    let login = |ip: &str| {
        format!(
            r#"{{"eventVersion":"1.08","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/ana"}},"responseElements":{{"ConsoleLogin":"Success"}},"additionalEventData":{{"MFAUsed":"Yes"}},"sourceIPAddress":"{ip}","userAgent":"Mozilla/5.0 Chrome/120.0 Safari/537.36"}}"#
        )
    };
    std::fs::write(dir.path().join("day1.jsonl"), login("203.0.113.5") + "\n").unwrap();
    std::fs::write(
        dir.path().join("day2.jsonl"),
        login("203.0.113.6") + "\n" + &login("198.51.100.9") + "\n",
    )
    .unwrap();
    let hunt = |log: &str| {
        json(&run(
            dir.path(),
            &[
                "logs",
                "hunt",
                "--first-seen",
                "seen.json",
                "--geoip",
                "geo.mmdb",
                log,
                "--format",
                "json",
            ],
            None,
        ))
    };
    let r1 = hunt("day1.jsonl");
    assert!(
        r1["findings"].as_array().unwrap().is_empty(),
        "{}",
        r1["findings"]
    );
    let r2 = hunt("day2.jsonl");
    let f: Vec<&serde_json::Value> = r2["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "logs/first-seen-login")
        .collect();
    assert_eq!(f.len(), 1, "{}", r2["findings"]);
    assert_eq!(f[0]["locations"][0]["line"], 2);
    assert!(f[0]["message"].as_str().unwrap().contains("BR (known: DE)"));
}

#[test]
fn absence_correlations_are_judged_when_windows_close() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("quiet.yml"),
        "title: Heartbeat\nname: heartbeat\nlogsource:\n  product: monitoring\ndetection:\n  sel:\n    event: heartbeat\n  condition: sel\n---\ntitle: Host went quiet\nname: host_quiet\nlevel: medium\ncorrelation:\n  type: event_count\n  rules: [heartbeat]\n  group-by: [host]\n  timespan: 10m\n  condition:\n    lt: 2\n",
    )
    .unwrap();
    let ev = |h: &str, t: &str| {
        format!(r#"{{"event":"heartbeat","host":"{h}","timestamp":"2026-11-30T10:{t}:00Z"}}"#)
    };
    std::fs::write(
        dir.path().join("beats.jsonl"),
        [ev("a", "00"), ev("a", "05"), ev("b", "06")].join("\n") + "\n",
    )
    .unwrap();
    let r = json(&run(
        dir.path(),
        &[
            "logs",
            "hunt",
            "--rules",
            "quiet.yml",
            "beats.jsonl",
            "--format",
            "json",
        ],
        None,
    ));
    let f = r["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["rule"], "sigma/host_quiet");
    assert_eq!(f[0]["data"]["group"], "host=b");
    assert_eq!(f[0]["locations"][0]["origin"], "beats.jsonl");
    assert_eq!(f[0]["locations"][0]["line"], 3);
}

#[test]
fn placeholders_come_from_the_file_given_or_the_rule_does_not_load() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("foreign.yml"),
        "title: Console login from outside our countries\nlevel: high\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    eventName: ConsoleLogin\n  ours:\n    additionalEventData.country|expand: '%OurCountries%'\n  condition: selection and not ours\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("ph.yml"), "OurCountries: [DE, FR]\n").unwrap();
    std::fs::write(
        dir.path().join("log.jsonl"),
        [
            r#"{"eventVersion":"1.08","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","userIdentity":{"type":"IAMUser"},"additionalEventData":{"country":"DE"}}"#,
            r#"{"eventVersion":"1.08","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","userIdentity":{"type":"IAMUser"},"additionalEventData":{"country":"KP"}}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let out = run(dir.path(), &["logs", "check-rules", "foreign.yml"], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("foreign.yml:9: not loaded: ours: `expand` placeholder %OurCountries% has no values configured"),
        "{text}"
    );
    let out = run(
        dir.path(),
        &[
            "logs",
            "check-rules",
            "foreign.yml",
            "--placeholders",
            "ph.yml",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run(
        dir.path(),
        &[
            "logs",
            "hunt",
            "--rules",
            "foreign.yml",
            "--placeholders",
            "ph.yml",
            "log.jsonl",
            "-f",
            "json",
        ],
        None,
    );
    let v = json(&out);
    assert_eq!(shown(&v, rule_line), vec!["sigma/foreign 2"], "{v}");
}

#[test]
fn built_in_mappings_let_sigmahq_rules_read_raw_gcp_and_lower_cased_okta_logs() {
    let dir = tempfile::tempdir().unwrap();
    let s = shared().join("logs");
    let hunt = |sample: &str| {
        let r = json(&run(
            dir.path(),
            &[
                "logs",
                "hunt",
                "--rules",
                s.join("sigma-rules/rules").to_str().unwrap(),
                "--event-path",
                "event",
                s.join(format!("samples/panther-tests/{sample}.jsonl"))
                    .to_str()
                    .unwrap(),
                "-f",
                "json",
            ],
            None,
        ));
        sorted_findings(&r, rule_of)
    };
    // SigmaHQ's GCP rules name Elastic's gcp.audit.method_name; Cloud Logging exports have
    // protoPayload.methodName (without the built-in mapping: no match at all).
    let mut gcp = hunt("GCP_AuditLog");
    gcp.dedup();
    assert_eq!(
        gcp,
        vec![
            "sigma/gcp_bucket_modified_or_deleted",
            "sigma/gcp_dns_zone_modified_or_deleted",
            "sigma/gcp_firewall_rule_modified_or_deleted"
        ]
    );
    // Panther's Okta events have lower-cased keys (eventtype): 8 matches without the
    // built-in mapping (only the events with eventType), 28 with it.
    let okta = hunt("Okta_SystemLog");
    assert_eq!(okta.len(), 28, "{okta:?}");
    assert!(okta.contains(&"sigma/okta_mfa_reset_or_deactivated".to_owned()));
}

#[test]
fn matches_file_has_each_event_as_rules_saw_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.yml"), RULE).unwrap();
    // A plain record (written as the log has it, number text and key order kept), a wrapped
    // one (its inner event), and a Bitbucket REST event with a user-creation (the adapter's
    // auditType added) — the last through the built-in pack.
    let plain = r#"{"eventVersion":"1.08","eventSource":"iam.amazonaws.com","eventName":"CreateUser","userIdentity":{"arn":"arn:aws:iam::1:user/a"},"n":1.50}"#;
    let wrapped = format!(r#"{{"event":{plain},"shipper":"x"}}"#);
    std::fs::write(dir.path().join("plain.jsonl"), format!("{plain}\n")).unwrap();
    std::fs::write(dir.path().join("wrapped.jsonl"), format!("{wrapped}\n")).unwrap();
    std::fs::write(
        dir.path().join("bb.jsonl"),
        r#"{"timestamp":"2021-11-27T17:36:40.674Z","author":{"name":"admin","type":"NORMAL","id":"2"},"type":{"category":"Users and groups","action":"User created"},"affectedObjects":[],"system":"http://bitbucket.internal:7990"}"#.to_owned() + "\n",
    )
    .unwrap();
    let lines = |args: &[&str]| -> Vec<serde_json::Value> {
        let out = run(dir.path(), args, None);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read_to_string(dir.path().join("m.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let m = lines(&[
        "logs",
        "hunt",
        "--rules",
        "r.yml",
        "plain.jsonl",
        "--matches",
        "m.jsonl",
    ]);
    assert_eq!(m.len(), 1);
    assert_eq!(
        m[0]["event"],
        serde_json::from_str::<serde_json::Value>(plain).unwrap()
    );
    let text = std::fs::read_to_string(dir.path().join("m.jsonl")).unwrap();
    assert!(text.contains(&format!(",\"event\":{plain}}}")), "{text}");
    // Every member, in the order written (a JSON object's keys sorted, then the event).
    assert_eq!(
        text,
        format!(
            "{{\"index\":null,\"line\":1,\"log\":\"plain.jsonl\",\"rule\":\"sigma/r\",\"sigma_id\":\"11111111-2222-4333-8444-555555555555\",\"title\":\"IAM user created\",\"event\":{plain}}}\n"
        )
    );
    // A record of a JSON array, in a log whose name needs escapes.
    std::fs::write(
        dir.path().join("a \"b\".json"),
        format!("[{plain},\n{plain}]"),
    )
    .unwrap();
    let m = lines(&[
        "logs",
        "hunt",
        "--rules",
        "r.yml",
        "a \"b\".json",
        "--matches",
        "m.jsonl",
    ]);
    assert_eq!(m.len(), 2);
    assert_eq!((&m[1]["index"], &m[1]["line"]), (&1.into(), &2.into()));
    assert_eq!(m[1]["log"], "a \"b\".json");
    assert_eq!(m[1]["title"], "IAM user created");
    assert_eq!(m[1]["event"]["n"], 1.5);
    let m = lines(&[
        "logs",
        "hunt",
        "--rules",
        "r.yml",
        "--event-path",
        "event",
        "wrapped.jsonl",
        "--matches",
        "m.jsonl",
    ]);
    assert_eq!(m[0]["event"]["eventName"], "CreateUser");
    assert!(m[0]["event"].get("shipper").is_none());
    let m = lines(&["logs", "hunt", "bb.jsonl", "--matches", "m.jsonl"]);
    assert_eq!(
        m[0]["rule"],
        "sigma/vendorsec_bitbucket_user_administration"
    );
    assert_eq!(m[0]["event"]["auditType"]["action"], "User created");
}

/// Findings are capped at 1,000 per rule over the whole run, whatever the number of logs:
/// the rest are counted in one note per rule, placed at the log where the cap was passed,
/// and every match is still counted.
#[test]
fn findings_past_the_cap_are_counted_in_a_note_per_rule() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.yml"), RULE).unwrap();
    std::fs::write(
        dir.path().join("s.yml"),
        RULE.replace("title: ", "title: Other ")
            .replace("id: 1", "id: 9"),
    )
    .unwrap();
    let event = r#"{"eventVersion":"1.08","eventSource":"iam.amazonaws.com","eventName":"CreateUser","userIdentity":{"type":"IAMUser"}}"#;
    for (name, n) in [
        ("a.jsonl", 3),
        ("b.jsonl", 600),
        ("c.jsonl", 600),
        ("d.jsonl", 5),
    ] {
        std::fs::write(dir.path().join(name), format!("{event}\n").repeat(n)).unwrap();
    }
    let hunt = |rules: &[&str], logs: &[&str]| {
        let mut a = vec!["logs", "hunt"];
        for r in rules {
            a.extend(["--rules", r]);
        }
        a.extend(logs);
        a.extend(["--format", "json"]);
        json(&run(dir.path(), &a, None))
    };
    let notes = |report: &serde_json::Value| -> Vec<(String, String)> {
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["message"].as_str().unwrap().contains("are findings"))
            .map(|d| {
                (
                    d["origin"].as_str().unwrap().to_owned(),
                    d["message"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let note = |stem: &str, n: u32, logs: &str| {
        format!(
            "sigma/{stem}: {n} matches{logs}; the first 1000 are findings (use --matches for all)"
        )
    };
    let logs = ["a.jsonl", "b.jsonl", "c.jsonl", "d.jsonl"];
    let report = hunt(&["r.yml", "s.yml"], &logs);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2 * 1000);
    // The first 1,000 matches in the order of the logs: all of a and b, the start of c.
    let in_log = |log: &str| {
        findings
            .iter()
            .filter(|f| f["locations"][0]["origin"].as_str().unwrap().ends_with(log))
            .count()
    };
    assert_eq!(logs.map(in_log), [2 * 3, 2 * 600, 2 * (1000 - 603), 0]);
    assert_eq!(
        notes(&report),
        [
            ("c.jsonl".to_owned(), note("r", 1208, " in 4 logs")),
            ("c.jsonl".to_owned(), note("s", 1208, " in 4 logs")),
        ]
    );
    // Within the cap: no note. Past it in one log: no count of logs.
    assert!(notes(&hunt(&["r.yml"], &["a.jsonl", "b.jsonl", "d.jsonl"])).is_empty());
    std::fs::write(
        dir.path().join("e.jsonl"),
        format!("{event}\n").repeat(1001),
    )
    .unwrap();
    assert_eq!(
        notes(&hunt(&["r.yml"], &["e.jsonl"])),
        [("e.jsonl".to_owned(), note("r", 1001, ""))]
    );
}

/// A directory is read as the log files below it, each directory's entries in the order of
/// their names (CloudTrail's date layout: oldest first), hidden entries left out, a symbolic
/// link to a directory (here a loop) not followed but said; `logs secrets` reads directories
/// the same way.
#[test]
fn directories_are_read_as_their_files_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.yml"), RULE).unwrap();
    let event = |user: &str| {
        format!(
            r#"{{"eventVersion":"1.08","eventSource":"iam.amazonaws.com","eventName":"CreateUser","userIdentity":{{"type":"IAMUser"}},"requestParameters":{{"userName":"{user}"}}}}"#
        )
    };
    let day = |d: &str| {
        dir.path()
            .join("AWSLogs/1/CloudTrail/us-east-1/2025/10")
            .join(d)
    };
    for (d, file, user) in [
        ("10", "b_20251010T0005Z.json", "u4"),
        ("09", "b_20251009T0010Z.json", "u2"),
        ("10", "b_20251010T0000Z.json", "u3"),
        ("09", "b_20251009T0005Z.json", "u1"),
    ] {
        std::fs::create_dir_all(day(d)).unwrap();
        std::fs::write(
            day(d).join(file),
            format!("{{\"Records\":[{}]}}", event(user)),
        )
        .unwrap();
    }
    std::fs::write(day("09").join(".partial.json"), event("hidden")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("AWSLogs"), day("09").join("loop")).unwrap();
    // CloudTrail's digests beside its logs (one JSON object each, not an event).
    let digests = dir
        .path()
        .join("AWSLogs/1/CloudTrail-Digest/us-east-1/2025/10/09");
    std::fs::create_dir_all(&digests).unwrap();
    std::fs::write(
        digests.join("1_CloudTrail-Digest_us-east-1_t_us-east-1_20251009T010000Z.json"),
        r#"{"awsAccountId":"1","digestStartTime":"2025-10-09T00:00:00Z","logFiles":[]}"#,
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let out = run(
        dir.path(),
        &[
            "logs",
            "hunt",
            "--rules",
            "r.yml",
            "AWSLogs",
            "empty",
            "--format",
            "json",
            "--matches",
            "m.jsonl",
        ],
        None,
    );
    let report = json(&out);
    assert_eq!(report["stats"]["blobs_scanned"], 4);
    let users: Vec<String> = std::fs::read_to_string(dir.path().join("m.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let m: serde_json::Value = serde_json::from_str(l).unwrap();
            m["event"]["requestParameters"]["userName"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(users, ["u1", "u2", "u3", "u4"]);
    let diagnostics = diagnostic_lines(&report);
    assert!(
        diagnostics.iter().any(|d| d.ends_with(
            "09/loop a symbolic link to a directory: not followed (name it to read it)"
        )),
        "{diagnostics:?}"
    );
    assert!(
        diagnostics.contains(&"empty no log file in this directory".to_owned()),
        "{diagnostics:?}"
    );
    assert!(
        diagnostics.iter().any(|d| d.ends_with(
            "AWSLogs/1/CloudTrail-Digest CloudTrail's integrity digests, not events: not read (name it to read it)"
        )),
        "{diagnostics:?}"
    );
    let secrets = json(&run(
        dir.path(),
        &["logs", "secrets", "AWSLogs", "--format", "json"],
        None,
    ));
    assert_eq!(secrets["stats"]["blobs_scanned"], 4);
}

/// Logs are read one ahead of the one being matched: over many small gzipped Records files,
/// with one missing and one cut short among them, every finding and match names its own
/// log, in the order given, and the bad logs are diagnosed in their place.
#[test]
fn many_logs_read_ahead_keep_their_order_and_names() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.yml"), RULE).unwrap();
    let ev = |n: usize| {
        format!(
            r#"{{"eventVersion":"1.08","eventSource":"iam.amazonaws.com","eventName":"CreateUser","userIdentity":{{"arn":"arn:aws:iam::1:user/u{n}"}},"n":{n}}}"#
        )
    };
    let mut args: Vec<String> = ["logs", "hunt", "--rules", "r.yml", "--format", "json"]
        .map(String::from)
        .to_vec();
    for k in 0..12 {
        let name = format!("f{k:02}.json.gz");
        // Two events a file, the second on the document's second line.
        let doc = format!("{{\"Records\": [{},\n{}]}}", ev(2 * k), ev(2 * k + 1));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(doc.as_bytes()).unwrap();
        let mut bytes = gz.finish().unwrap();
        if k == 7 {
            bytes.truncate(bytes.len() / 2);
        }
        if k != 4 {
            std::fs::write(dir.path().join(&name), bytes).unwrap();
        }
        args.push(name);
    }
    args.extend(["--matches".into(), "m.jsonl".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(dir.path(), &args, None);
    assert_eq!(out.status.code(), Some(1));
    let r = json(&out);
    let mut got: Vec<(String, u64)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let l = &f["locations"][0];
            (
                l["origin"].as_str().unwrap().to_owned(),
                l["line"].as_u64().unwrap(),
            )
        })
        .collect();
    got.sort();
    let want: Vec<(String, u64)> = (0..12)
        .filter(|k| *k != 4 && *k != 7)
        .flat_map(|k| {
            [
                (format!("f{k:02}.json.gz"), 1),
                (format!("f{k:02}.json.gz"), 2),
            ]
        })
        .collect();
    assert_eq!(got, want);
    let diags = r["diagnostics"].to_string();
    assert!(
        diags.contains("f04.json.gz") && diags.contains("cannot read"),
        "{diags}"
    );
    assert!(diags.contains("f07.json.gz"), "{diags}");
    // The matches file in the order of the logs given, each line naming its log and event.
    let m: Vec<serde_json::Value> = std::fs::read_to_string(dir.path().join("m.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let order: Vec<(String, u64)> = m
        .iter()
        .map(|l| {
            (
                l["log"].as_str().unwrap().to_owned(),
                l["event"]["n"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, u64)> = (0..12u64)
        .filter(|k| *k != 4 && *k != 7)
        .flat_map(|k| {
            [
                (format!("f{k:02}.json.gz"), 2 * k),
                (format!("f{k:02}.json.gz"), 2 * k + 1),
            ]
        })
        .collect();
    assert_eq!(order, want);
}
