//! Package URLs (purl spec): `pkg:type/namespace/name@version`, percent-encoded.

use crate::Ecosystem;

fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The purl of a component; an empty version leaves out `@version`.
#[must_use]
pub fn purl(eco: Ecosystem, name: &str, version: &str) -> String {
    let (namespace, leaf): (Option<String>, String) = match eco {
        Ecosystem::Maven => match name.split_once(':') {
            Some((g, a)) => (Some(enc(g)), enc(a)),
            None => (None, enc(name)),
        },
        Ecosystem::Npm => match name.strip_prefix('@').and_then(|n| n.split_once('/')) {
            Some((scope, n)) => (Some(enc(&format!("@{scope}"))), enc(n)),
            None => (None, enc(name)),
        },
        Ecosystem::Go | Ecosystem::Packagist => match name.rsplit_once('/') {
            Some((ns, n)) => (
                Some(ns.split('/').map(enc).collect::<Vec<_>>().join("/")),
                enc(n),
            ),
            None => (None, enc(name)),
        },
        Ecosystem::PyPI => (None, enc(&eco.normalize_name(name))),
        _ => (None, enc(name)),
    };
    let mut out = format!("pkg:{}/", eco.purl_type());
    if let Some(ns) = namespace {
        out.push_str(&ns);
        out.push('/');
    }
    out.push_str(&leaf);
    if !version.is_empty() {
        out.push('@');
        out.push_str(&enc(version));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::purl;
    use crate::Ecosystem;

    #[test]
    fn purls_follow_the_spec_examples() {
        assert_eq!(
            purl(
                Ecosystem::Maven,
                "org.apache.logging.log4j:log4j-core",
                "2.14.1"
            ),
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
        );
        assert_eq!(
            purl(Ecosystem::Npm, "@babel/core", "7.0.0"),
            "pkg:npm/%40babel/core@7.0.0"
        );
        assert_eq!(
            purl(Ecosystem::PyPI, "Django_Rest", "1.0"),
            "pkg:pypi/django-rest@1.0"
        );
        assert_eq!(
            purl(Ecosystem::Go, "github.com/gorilla/mux", "v1.8.0"),
            "pkg:golang/github.com/gorilla/mux@v1.8.0"
        );
        assert_eq!(
            purl(Ecosystem::CratesIo, "h2", "0.2.7"),
            "pkg:cargo/h2@0.2.7"
        );
        assert_eq!(
            purl(Ecosystem::NuGet, "Newtonsoft.Json", "12.0.1+build"),
            "pkg:nuget/Newtonsoft.Json@12.0.1%2Bbuild"
        );
    }
}
