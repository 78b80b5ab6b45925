//! Any bytes as a Connect descriptor, a Forge manifest or a P2 plugin descriptor (the first
//! byte picks which). Nothing may panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some((&kind, rest)) = data.split_first() {
        vendorsec_apps::fuzz_one(kind, rest);
    }
});
