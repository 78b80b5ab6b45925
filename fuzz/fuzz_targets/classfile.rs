//! Any bytes as a Java class file (the magic number is prepended half of the time): the
//! reader must refuse or read, and the bytecode walks (REST calls, unescaped-output sinks,
//! smells) must finish, never panic.
#![no_main]

fn all(bytes: &[u8]) {
    if let Some(info) = vendorsec_apps::classfile::read(bytes) {
        let _ = info.rest_calls();
        let _ = info.html_sinks();
        let _ = vendorsec_apps::classfile::smells(&info);
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    all(data);
    let mut v = vec![0xCA, 0xFE, 0xBA, 0xBE];
    v.extend_from_slice(data);
    all(&v);
});
