//! Any bytes through one inventory parser (the first byte picks which: npm, yarn, pnpm,
//! package.json, pom.xml, Gradle, Python, Cargo, Go, Composer, Gemfile, NuGet,
//! pom.properties), then the whole-tree resolution. Nothing may panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some((&kind, rest)) = data.split_first() {
        vendorsec_deps::inventory::fuzz_parse(kind, rest);
    }
});
