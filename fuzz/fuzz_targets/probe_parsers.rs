//! The probe's parsers of what a server sends back: TLS first flights, X.509 certificates,
//! and descriptors (for link discovery).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = vendorsec_probe::tls::parse_reply(data);
    let _ = vendorsec_probe::x509::facts(data);
    let _ = vendorsec_probe::discover::app(data);
    let _ = vendorsec_probe::http::Url::parse(&String::from_utf8_lossy(data));
});
