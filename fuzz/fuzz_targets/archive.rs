//! Any bytes as an input file: sniffing, zip / tar / gzip readers, nesting, limits.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    vendorsec_inputs::fuzz_one(data);
});
