//! Any bytes as one JSON event for the borrowed parser, which must accept exactly what
//! serde_json accepts and build the same value (nested containers built on demand or at
//! once, or only some of its top-level members; its validator accepts the same), and as a log for the reader (JSON lines in blocks, arrays, `{"Records": [...]}`): never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    use vendorsec_logs::node::{Eager, KeySet, Node, recycle};
    let ours = Node::parse(data);
    let theirs = serde_json::from_slice::<serde_json::Value>(data);
    assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}", String::from_utf8_lossy(data));
    // The validator (for records the prefilter skips) takes exactly the same texts.
    assert_eq!(Node::validate(data), theirs.is_ok());
    // Containers on a few usual paths built at once, into a recycled vector: the same.
    let eager = Eager::new([
        "a.b.c",
        "userIdentity.sessionContext.sessionIssuer.type",
        "requestParameters.x",
    ]);
    let spare = match Node::parse(br#"{"x":1,"y":2}"#) {
        Ok(Node::Obj(entries)) => recycle(entries),
        _ => Vec::new(),
    };
    let built = Node::parse_eager(data, &eager, None, spare);
    assert_eq!(built.is_ok(), theirs.is_ok());
    if let (Ok(n), Ok(b)) = (&ours, &built) {
        assert_eq!(n.compact(), b.compact());
    }
    // Only a few top-level keys kept (the others validated, not built): the same texts
    // taken, and the kept members the same.
    let keys = ["a", "userIdentity", "eventName", "x"];
    let keep = KeySet::new(keys);
    let kept = Node::parse_eager(data, &eager, Some(&keep), Vec::new());
    assert_eq!(kept.is_ok(), theirs.is_ok());
    if let (Ok(n), Ok(k)) = (&ours, &kept) {
        for key in keys {
            assert_eq!(n.get(key).map(Node::compact), k.get(key).map(Node::compact));
        }
    }
    if let (Ok(n), Ok(v)) = (ours, theirs) {
        // (Rules compare numbers as the text serde_json prints. serde_json's float parse
        // is not exact, and a value rebuilt from that text may differ from its own parse in
        // the last place: floats and integers too long for 64 bits are left out here.)
        let float = data
            .windows(2)
            .any(|w| w[0].is_ascii_digit() && matches!(w[1], b'.' | b'e' | b'E'))
            || data.windows(19).any(|w| w.iter().all(u8::is_ascii_digit));
        if !float {
            assert_eq!(n.to_value(), v);
        }
        let _ = n.compact();
    }
    let _ = vendorsec_logs::source::read(Box::new(data), &mut |_, _| {}, &mut |_| {});
});
