//! Any text as a Sigma rule (and its first line as a condition), then, if it loads, any
//! remaining bytes as a log through it and as a catalogue of Atlassian activities that
//! resolves the rule's activity names, and all of it as one JSON event for the borrowed
//! parser, which must accept exactly what serde_json accepts: refuse or run, never panic,
//! never hang.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (rule, log) = data.split_at(split);
    let text = String::from_utf8_lossy(rule);
    let _ = vendorsec_logs::rule::parse_condition(text.lines().next().unwrap_or(""));
    if let Ok(mut r) = vendorsec_logs::Rule::parse("fuzz.yml", &text) {
        let _ = r.anchors();
        let _ = r.required();
        let catalogue = String::from_utf8_lossy(log.get(1..).unwrap_or_default());
        if let Ok(actions) = vendorsec_logs::activities::EventActions::parse(&catalogue) {
            let _ = r.resolve_activities(&actions);
            let _ = r.anchors();
            let _ = r.required();
        }
        let _ = vendorsec_logs::hunt(
            std::slice::from_ref(&r),
            None,
            Box::new(log.get(1..).unwrap_or_default()),
            &mut |_| {},
            &mut |_| {},
        );
    }
    let _ = vendorsec_logs::source::read(Box::new(data), &mut |_, _| {}, &mut |_| {});
    // The borrowed parser accepts exactly what serde_json does.
    let ours = vendorsec_logs::node::Node::parse(data);
    let theirs = serde_json::from_slice::<serde_json::Value>(data);
    assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}", String::from_utf8_lossy(data));
    if let Ok(n) = ours {
        let _ = n.compact();
        let _ = n.to_value();
    }
});
