use std::cmp::Ordering;
use std::path::PathBuf;

use super::Scheme;

pub(crate) fn shared_data() -> PathBuf {
    match std::env::var_os("VENDORSEC_SHARED_DATA") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

/// Run every `A < B` / `A = B` / `A > B` line of a conformance file; return the failures.
fn run(file: &str, scheme: Scheme) -> (usize, Vec<String>) {
    let path = shared_data().join("version-ordering").join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (set VENDORSEC_SHARED_DATA)", path.display()));
    let mut failures = Vec::new();
    let mut n = 0;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
            continue;
        }
        let parts: Vec<&str> = line.split(' ').collect();
        let [a, op, b] = parts[..] else {
            panic!("{file}: cannot read line {line:?}");
        };
        let want = match op {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            _ => panic!("{file}: unknown operator in {line:?}"),
        };
        n += 1;
        let got = scheme.compare(a, b);
        let back = scheme.compare(b, a);
        if got != want || back != want.reverse() {
            failures.push(format!("{line}: got {got:?} (reverse {back:?})"));
        }
    }
    (n, failures)
}

fn check(file: &str, scheme: Scheme) {
    let (n, failures) = run(file, scheme);
    assert!(n > 0, "{file}: no pairs read");
    assert!(
        failures.is_empty(),
        "{file}: {} of {n} pairs fail:\n{}",
        failures.len(),
        failures[..failures.len().min(40)].join("\n")
    );
}

#[test]
fn maven_pairs() {
    check("maven-versions.txt", Scheme::Maven);
}
#[test]
fn maven_generated_pairs() {
    check("maven-versions-generated.txt", Scheme::Maven);
}
#[test]
fn pypi_pairs() {
    check("pypi-versions.txt", Scheme::Pep440);
}
#[test]
fn pypi_generated_pairs() {
    check("pypi-versions-generated.txt", Scheme::Pep440);
}
#[test]
fn packagist_pairs() {
    check("packagist-versions.txt", Scheme::Packagist);
}
#[test]
fn packagist_generated_pairs() {
    check("packagist-versions-generated.txt", Scheme::Packagist);
}
#[test]
fn rubygems_pairs() {
    check("rubygems-versions.txt", Scheme::RubyGems);
}
#[test]
fn rubygems_generated_pairs() {
    check("rubygems-versions-generated.txt", Scheme::RubyGems);
}
#[test]
fn nuget_pairs() {
    check("nuget-versions.txt", Scheme::NuGet);
}
#[test]
fn semver_pairs() {
    check("semver-versions.txt", Scheme::SemVer);
}

#[test]
fn go_pseudo_versions_and_incompatible() {
    let s = Scheme::SemVer;
    assert_eq!(
        s.compare("v0.0.0-20210101000000-abcdef123456", "v0.0.1"),
        Ordering::Less
    );
    assert_eq!(
        s.compare(
            "v0.0.0-20200101000000-abcdef123456",
            "v0.0.0-20210101000000-abcdef123456"
        ),
        Ordering::Less
    );
    assert_eq!(s.compare("v2.0.0+incompatible", "2.0.0"), Ordering::Equal);
}

proptest::proptest! {
    #[test]
    fn comparators_never_panic_and_are_antisymmetric(a in "\\PC{0,24}", b in "[0-9a-zA-Z.+_-]{0,24}") {
        for s in [Scheme::Maven, Scheme::Pep440, Scheme::SemVer, Scheme::RubyGems, Scheme::NuGet, Scheme::Packagist] {
            let x = s.compare(&a, &b);
            let y = s.compare(&b, &a);
            proptest::prop_assert_eq!(x, y.reverse(), "{:?} {:?} {:?}", s, a, b);
            let _ = s.valid(&a);
        }
    }
}
