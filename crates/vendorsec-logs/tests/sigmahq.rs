//! Every SigmaHQ rule in ../shared/data/logs/sigma-rules loads, or is refused with a
//! precise reason; and the CloudTrail rules find the attacks in Stratus Red Team's
//! detonation logs.

use std::path::PathBuf;

fn shared() -> PathBuf {
    std::env::var_os("VENDORSEC_SHARED_DATA").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")),
        PathBuf::from,
    )
}

#[test]
fn every_sigmahq_rule_loads_or_is_explained() {
    let loaded = vendorsec_logs::load(&[shared().join("logs/sigma-rules/rules")]);
    assert!(
        loaded.rules.len() >= 150,
        "{} loaded: {:?}",
        loaded.rules.len(),
        loaded.errors
    );
    // The only refusals are the ones the specification requires: unresolved placeholders.
    for e in &loaded.errors {
        assert!(e.reason.contains("placeholder"), "{}: {}", e.path, e.reason);
    }
    assert_eq!(loaded.rules.len() + loaded.errors.len(), 163);
}

#[test]
fn cloudtrail_rules_find_the_stratus_detonations() {
    let loaded = vendorsec_logs::load(&[shared().join("logs/sigma-rules/rules/cloud/aws")]);
    let dir = shared().join("logs/samples/stratus-cloudtrail");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut total = 0;
    let mut by_file = Vec::new();
    for f in &files {
        let mut hits = std::collections::BTreeSet::new();
        vendorsec_logs::hunt(
            &loaded.rules,
            None,
            vendorsec_logs::open(f).unwrap(),
            &mut |m| {
                hits.insert(loaded.rules[m.rule].stem.clone());
            },
            &mut |p| panic!("{}: {p:?}", f.display()),
        )
        .unwrap();
        total += hits.len();
        by_file.push((f.file_name().unwrap().to_string_lossy().into_owned(), hits));
    }
    let find = |name: &str| {
        by_file
            .iter()
            .find(|(f, _)| f.contains(name))
            .map(|x| &x.1)
            .unwrap()
    };
    assert!(
        find("cloudtrail-delete")
            .iter()
            .any(|r| r.contains("cloudtrail")),
        "{:?}",
        find("cloudtrail-delete")
    );
    assert!(
        find("iam-create-admin-user")
            .iter()
            .any(|r| r.contains("iam") || r.contains("user")),
        "{:?}",
        find("iam-create-admin-user")
    );
    // The techniques SigmaHQ has a rule for are found where they were detonated.
    for (file, rule) in [
        ("cloudtrail-delete", "aws_cloudtrail_disable_logging"),
        ("cloudtrail-stop", "aws_cloudtrail_disable_logging"),
        (
            "vpc-remove-flow-logs",
            "aws_cloudtrail_vpc_flow_logs_deleted",
        ),
        ("ssm-send-command", "aws_cloudtrail_ssm_malicious_usage"),
        (
            "open-port-22-ingress",
            "aws_cloudtrail_security_group_change_ingress_egress",
        ),
        ("share-ebs-snapshot", "aws_snapshot_backup_exfiltration"),
        (
            "console-login-without-mfa",
            "aws_cloudtrail_console_login_success_without_mfa",
        ),
        ("iam-backdoor-user", "aws_iam_backdoor_users_keys"),
        ("lambda-layer-extension", "aws_new_lambda_layer_attached"),
        ("iam-update-user-login-profile", "aws_update_login_profile"),
    ] {
        assert!(find(file).contains(rule), "{file}: {:?}", find(file));
    }
    assert_eq!(total, 19, "{by_file:?}");
}

/// The index and the raw-text prefilter only decide what is tried: on real, varied events
/// (Panther's labelled samples of every log type, all 163 rules) the hunt finds exactly what
/// trying every rule on every event finds.
#[test]
fn indexing_and_prefilter_never_change_what_matches() {
    let loaded = vendorsec_logs::load(&[shared().join("logs/sigma-rules/rules")]);
    let dir = shared().join("logs/samples/panther-tests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let mut total = 0usize;
    for f in &files {
        let mut fast = Vec::new();
        vendorsec_logs::hunt(
            &loaded.rules,
            Some("event"),
            vendorsec_logs::open(f).unwrap(),
            &mut |m| fast.push((m.at.line, m.rule)),
            &mut |_| {},
        )
        .unwrap();
        let mut slow = Vec::new();
        vendorsec_logs::source::read(
            vendorsec_logs::open(f).unwrap(),
            &mut |at, wrapper| {
                let Some(ev) =
                    vendorsec_logs::event::field(&wrapper, "event").filter(|e| e.is_object())
                else {
                    return;
                };
                let product = vendorsec_logs::event::product(ev);
                for (i, r) in loaded.rules.iter().enumerate() {
                    if vendorsec_logs::applies(r, product) && r.matches(ev) {
                        slow.push((at.line, i));
                    }
                }
            },
            &mut |_| {},
        )
        .unwrap();
        fast.sort_unstable();
        slow.sort_unstable();
        assert_eq!(fast, slow, "{}", f.display());
        total += fast.len();
    }
    assert_eq!(total, 356);
}
