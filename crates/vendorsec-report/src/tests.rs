use super::*;
use vendorsec_core::{
    Confidence, Diagnostic, DiagnosticKind, Finding, Location, Origin, Severity, Stats,
};

fn report() -> (ScanReport, Vec<RuleMeta>) {
    let origin = Origin::file("app.obr")
        .child("META-INF/lib/x.jar")
        .child("config.properties");
    let f = Finding {
        rule: "secret/aws-access-key-id".into(),
        guideline: "code.no-hardcoded-credentials".into(),
        severity: Severity::High,
        confidence: Confidence::High,
        message: "AWS access key ID found.".into(),
        remediation: "Rotate it.".into(),
        evidence: "key=AKIA…".into(),
        fingerprint: "0123456789abcdef0123456789abcdef".into(),
        locations: vec![
            Location::new(&origin, 3, 5, 3, 25),
            Location::new(&Origin::file("b.env"), 1, 1, 1, 20),
        ],
        data: serde_json::Map::new(),
    };
    let rules = vec![RuleMeta {
        id: "secret/aws-access-key-id".into(),
        name: "AWS access key ID".into(),
        description: "An AWS key.".into(),
        severity: Severity::High,
        guideline: "code.no-hardcoded-credentials".into(),
        remediation: "Rotate it.".into(),
        references: vec!["https://docs.aws.amazon.com/".into()],
    }];
    let r = ScanReport {
        schema_version: 1,
        tool: "vendorsec".into(),
        version: "0.1.0".into(),
        targets: vec!["app.obr".into()],
        fail_on: Severity::Low,
        findings: vec![f],
        diagnostics: vec![Diagnostic::new(
            DiagnosticKind::CorruptArchive,
            "bad.zip",
            "not a zip",
        )],
        stats: Stats::default(),
    };
    (r, rules)
}

#[test]
fn sarif_expresses_nesting_with_parent_index() {
    let (r, rules) = report();
    let v: serde_json::Value =
        serde_json::from_str(&render(&r, &rules, Format::Sarif, false)).unwrap();
    let run = &v["runs"][0];
    assert_eq!(v["version"], "2.1.0");
    let arts = run["artifacts"].as_array().unwrap();
    let res = &run["results"][0];
    let idx = res["locations"][0]["physicalLocation"]["artifactLocation"]["index"]
        .as_u64()
        .unwrap() as usize;
    assert_eq!(
        arts[idx]["location"]["uri"],
        "app.obr!/META-INF/lib/x.jar!/config.properties"
    );
    let parent = arts[idx]["parentIndex"].as_u64().unwrap() as usize;
    assert_eq!(
        arts[parent]["location"]["uri"],
        "app.obr!/META-INF/lib/x.jar"
    );
    assert_eq!(
        res["partialFingerprints"]["vendorsec/v1"],
        "0123456789abcdef0123456789abcdef"
    );
    assert_eq!(res["ruleIndex"], 0);
    assert_eq!(res["relatedLocations"].as_array().unwrap().len(), 1);
    assert_eq!(
        run["tool"]["driver"]["rules"][0]["properties"]["security-severity"],
        "8.0"
    );
}

#[test]
fn terminal_groups_and_colours_only_when_asked() {
    let (r, rules) = report();
    let plain = render(&r, &rules, Format::Terminal, false);
    assert!(plain.contains("code.no-hardcoded-credentials"));
    assert!(plain.contains("at app.obr!/META-INF/lib/x.jar!/config.properties:3:5"));
    assert!(plain.contains("[corrupt-archive] bad.zip: not a zip"));
    assert!(!plain.contains('\x1b'));
    assert!(render(&r, &rules, Format::Terminal, true).contains('\x1b'));
}

#[test]
fn json_round_trips_and_markdown_escapes() {
    let (r, rules) = report();
    let back: ScanReport = serde_json::from_str(&render(&r, &rules, Format::Json, false)).unwrap();
    assert_eq!(back, r);
    let md = render(&r, &rules, Format::Markdown, false);
    assert!(md.contains("| high | `secret/aws-access-key-id`"));
}

#[test]
fn json_is_serde_jsons_pretty_print_byte_for_byte() {
    let (mut r, rules) = report();
    let one = r.findings[0].clone();
    // No findings, one, and many (rendered in parallel, in runs of 256), with text that looks
    // like the document's own lines, line breaks and nested data.
    for n in [0usize, 1, 3, 600] {
        r.findings = (0..n)
            .map(|i| {
                let mut f = one.clone();
                f.message = format!("line {i}\n  \"findings\": []\n\ttab \u{1}");
                f.data.insert(
                    "nested".into(),
                    serde_json::json!({"a": [1, {"b": []}, {}], "findings": [], "n": i}),
                );
                f
            })
            .collect();
        let mut expected = serde_json::to_string_pretty(&r).unwrap();
        assert_eq!(
            json::spliced(&r).unwrap().unwrap(),
            expected,
            "{n} findings"
        );
        expected.push('\n');
        assert_eq!(
            render(&r, &rules, Format::Json, false),
            expected,
            "{n} findings"
        );
    }
}

#[test]
fn sarif_is_the_whole_log_rendered_at_once_byte_for_byte() {
    let (mut r, rules) = report();
    let one = r.findings[0].clone();
    // Results over several archives and files (artifacts shared and nested), one with a
    // rule the table lacks, and many (rendered in parallel, in runs of 256).
    for n in [0usize, 1, 2, 600] {
        r.findings = (0..n)
            .map(|i| {
                let mut f = one.clone();
                if i % 3 == 1 {
                    f.rule = "secret/other".into();
                }
                f.locations[1] =
                    Location::new(&Origin::file(format!("f{}.env", i % 7)), 1, 1, 1, 2);
                f.message = format!("line {i}\n      \"results\": []");
                f
            })
            .collect();
        let whole = sarif::render_whole(&r, &rules);
        assert_eq!(
            sarif::render_spliced(&r, &rules).as_ref(),
            Some(&whole),
            "{n} findings"
        );
        assert_eq!(render(&r, &rules, Format::Sarif, false), whole);
    }
}
