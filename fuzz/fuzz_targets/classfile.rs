//! Any bytes as a Java class file (the magic number is prepended half of the time): the
//! annotation reader must refuse or read, never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = vendorsec_apps::classfile::read(data);
    let mut v = vec![0xCA, 0xFE, 0xBA, 0xBE];
    v.extend_from_slice(data);
    let _ = vendorsec_apps::classfile::read(&v);
});
