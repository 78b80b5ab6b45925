//! Two version strings through every ecosystem's ordering and the OSV range walk: no
//! panic, and comparison must be antisymmetric.
#![no_main]

use vendorsec_deps::version::Scheme;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_once('\n').unwrap_or((&text, "1.0.0"));
    for s in [
        Scheme::Maven,
        Scheme::Pep440,
        Scheme::SemVer,
        Scheme::RubyGems,
        Scheme::NuGet,
        Scheme::Packagist,
    ] {
        assert_eq!(s.compare(a, b), s.compare(b, a).reverse());
        let _ = s.valid(a);
    }
    let _ = vendorsec_deps::cvss::score(a);
});
