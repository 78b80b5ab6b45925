//! Any bytes through every secret rule, in memory and streamed; both must agree.
#![no_main]

use std::sync::OnceLock;

use vendorsec_secrets::{Engine, RuleSet};

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::new(RuleSet::builtin().expect("rules")).expect("engine"))
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let e = engine();
    let whole = e.scan_bytes(data, "fuzz.txt");
    let split = data.len() / 2;
    let (streamed, err) = e.scan_reader(&data[..split], &mut &data[split..], "fuzz.txt");
    assert!(err.is_none());
    assert_eq!(whole.matches.len(), streamed.matches.len());
});
