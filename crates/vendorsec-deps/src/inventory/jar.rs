//! Java archives (jar, war, ear, obr, fat and shaded jars): every
//! `META-INF/maven/**/pom.properties` is a component; an archive without one is named by
//! its `MANIFEST.MF` and file name; one with neither is kept with its SHA-1 for a later
//! lookup. Nested archives arrive through the walk like any other entry.

use std::collections::BTreeMap;

use crate::{Ecosystem, Evidence, Package};

/// Extensions of Java archives (zip format).
pub(crate) const JAVA_ARCHIVE_EXTENSIONS: [&str; 13] = [
    "jar", "war", "ear", "obr", "jmod", "par", "sar", "hpi", "jpi", "lpkg", "nar", "kar", "rar",
];

#[must_use]
pub(crate) fn is_java_archive(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower
        .rsplit_once('.')
        .is_some_and(|(_, ext)| JAVA_ARCHIVE_EXTENSIONS.contains(&ext))
}

/// What was seen inside one archive.
#[derive(Debug, Default, Clone)]
pub(crate) struct ArchiveFacts {
    pub(crate) sha1: Option<String>,
    /// (entry path, groupId, artifactId, version)
    pub(crate) poms: Vec<(String, String, String, String)>,
    pub(crate) manifest: Option<BTreeMap<String, String>>,
}

/// `key=value` lines of a pom.properties (`#` comments, `\` escapes ignored).
pub(crate) fn pom_properties(text: &[u8]) -> Result<(String, String, String), String> {
    let s = String::from_utf8_lossy(text);
    let mut g = None;
    let mut a = None;
    let mut v = None;
    for line in s.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let Some((k, val)) = line.split_once(['=', ':']) else {
            continue;
        };
        let val = val.trim().to_owned();
        match k.trim() {
            "groupId" => g = Some(val),
            "artifactId" => a = Some(val),
            "version" => v = Some(val),
            _ => {}
        }
    }
    let ok = |s: &Option<String>| {
        s.as_ref().is_some_and(|x| {
            !x.is_empty() && x.len() < 256 && x.chars().all(|c| !c.is_control() && c != ' ')
        })
    };
    if ok(&g) && ok(&a) && ok(&v) {
        Ok((
            g.unwrap_or_default(),
            a.unwrap_or_default(),
            v.unwrap_or_default(),
        ))
    } else {
        Err("pom.properties without a usable groupId, artifactId and version".into())
    }
}

/// The main section of a MANIFEST.MF (continuation lines start with one space).
pub(crate) fn manifest(text: &[u8]) -> BTreeMap<String, String> {
    let s = String::from_utf8_lossy(text);
    let mut out = BTreeMap::new();
    let mut last: Option<String> = None;
    for line in s.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        if let Some(cont) = line.strip_prefix(' ') {
            if let Some(k) = &last
                && let Some(v) = out.get_mut(k)
            {
                let v: &mut String = v;
                if v.len() < 4096 {
                    v.push_str(cont);
                }
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim().to_owned();
            out.insert(k.clone(), v.trim().to_owned());
            last = Some(k);
        }
    }
    out
}

/// `name-1.2.3.jar` -> (`name`, `1.2.3`): the version starts at the first `-` followed by
/// a digit.
pub(crate) fn split_file_name(file: &str) -> Option<(String, String)> {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let b = stem.as_bytes();
    for i in 0..b.len().saturating_sub(1) {
        if b[i] == b'-' && b[i + 1].is_ascii_digit() && i > 0 {
            return Some((stem[..i].to_owned(), stem[i + 1..].to_owned()));
        }
    }
    None
}

/// OSGi versions put a qualifier after the third part (`2.3.28.stable`, `5.3.20.RELEASE`,
/// `1.2.3.v20200101`); the Maven version is the numeric part.
fn osgi_to_maven(v: &str) -> String {
    let parts: Vec<&str> = v.split('.').collect();
    if parts.len() == 4
        && parts[..3]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        && !parts[3].bytes().all(|b| b.is_ascii_digit())
    {
        return parts[..3].join(".");
    }
    v.to_owned()
}

/// Turn the facts of every archive into components.
pub(crate) fn identify(archives: &BTreeMap<Vec<String>, ArchiveFacts>) -> Vec<Package> {
    let mut out = Vec::new();
    for (chain, facts) in archives {
        let file = chain
            .last()
            .map_or("", |l| l.rsplit('/').next().unwrap_or(l));
        let from_name = split_file_name(file);
        if !facts.poms.is_empty() {
            // The pom whose artifactId matches the file name is the archive itself; the
            // others are shaded copies inside it.
            let own = facts
                .poms
                .iter()
                .position(|(_, _, a, _)| from_name.as_ref().is_some_and(|(n, _)| n == a))
                .or(if facts.poms.len() == 1 { Some(0) } else { None });
            for (i, (entry, g, a, v)) in facts.poms.iter().enumerate() {
                let mut path = chain.clone();
                path.push(entry.clone());
                let mut p = Package::new(Ecosystem::Maven, &format!("{g}:{a}"), v, &path)
                    .evidence(Evidence::PomProperties);
                if Some(i) == own {
                    p.sha1.clone_from(&facts.sha1);
                } else {
                    p.scope = Some("shaded".into());
                }
                out.push(p);
            }
            continue;
        }
        let m = facts.manifest.clone().unwrap_or_default();
        let get = |keys: &[&str]| -> Option<String> {
            keys.iter()
                .find_map(|k| m.get(*k).filter(|v| !v.is_empty()).cloned())
        };
        // Bundle-SymbolicName may carry `;singleton:=true` directives.
        let bsn = get(&["Bundle-SymbolicName"])
            .map(|s| s.split(';').next().unwrap_or("").trim().to_owned());
        let manifest_version = get(&[
            "Implementation-Version",
            "Bundle-Version",
            "Specification-Version",
        ]);
        let group_for = |artifact: &str| -> Option<String> {
            if let Some(g) = get(&["Implementation-Vendor-Id"]).filter(|g| g.contains('.')) {
                return Some(g);
            }
            let bsn = bsn.as_ref()?;
            if let Some(g) = bsn.strip_suffix(&format!(".{artifact}")) {
                return Some(g.to_owned());
            }
            // `com.google.guava` for guava: a dotted symbolic name is the group.
            if bsn.contains('.') {
                return Some(bsn.clone());
            }
            None
        };
        let mut path = chain.clone();
        if let Some((artifact, version)) = from_name {
            let group = group_for(&artifact);
            let name = match &group {
                Some(g) => format!("{g}:{artifact}"),
                None => artifact.clone(),
            };
            let mut p =
                Package::new(Ecosystem::Maven, &name, &version, &path).evidence(Evidence::FileName);
            if group.is_none() {
                // Without a groupId the Maven name is unknown: inventoried, not matched.
                p.scope = Some("unidentified-group".into());
            }
            p.sha1.clone_from(&facts.sha1);
            out.push(p);
            continue;
        }
        if let (Some(title), Some(version)) = (
            bsn.clone()
                .or_else(|| get(&["Implementation-Title", "Bundle-Name"])),
            manifest_version,
        ) {
            path.push("META-INF/MANIFEST.MF".into());
            let (g, a) = match title.rsplit_once('.') {
                Some((g, a)) => (g.to_owned(), a.to_owned()),
                None => (String::new(), title.clone()),
            };
            let name = if g.is_empty() { a } else { format!("{g}:{a}") };
            let mut p = Package::new(Ecosystem::Maven, &name, &osgi_to_maven(&version), &path)
                .evidence(Evidence::JarManifest);
            p.sha1.clone_from(&facts.sha1);
            out.push(p);
            continue;
        }
        // Nothing names it: keep the archive and its digest, unless it is a top-level
        // input (the app being scanned is the subject, not one of its components).
        if chain.len() == 1 {
            continue;
        }
        let mut p = Package::new(Ecosystem::Maven, file, "", &path).evidence(Evidence::FileName);
        p.scope = Some("unidentified".into());
        p.sha1.clone_from(&facts.sha1);
        out.push(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_and_manifests() {
        assert_eq!(
            split_file_name("log4j-core-2.14.1.jar"),
            Some(("log4j-core".into(), "2.14.1".into()))
        );
        assert_eq!(
            split_file_name("commons-io-2.6-SNAPSHOT.jar"),
            Some(("commons-io".into(), "2.6-SNAPSHOT".into()))
        );
        assert_eq!(split_file_name("plugin.jar"), None);
        let m = manifest(b"Manifest-Version: 1.0\r\nBundle-SymbolicName: org.freemarker.freemarker;\r\n singleton:=true\r\nBundle-Version: 2.3.28.stable\r\n\r\nName: x\r\nFoo: bar\r\n");
        assert_eq!(
            m.get("Bundle-Version").map(String::as_str),
            Some("2.3.28.stable")
        );
        assert_eq!(
            m.get("Bundle-SymbolicName").map(String::as_str),
            Some("org.freemarker.freemarker;singleton:=true")
        );
        assert!(!m.contains_key("Foo"));
        assert_eq!(osgi_to_maven("2.3.28.stable"), "2.3.28");
        assert_eq!(osgi_to_maven("1.2.3.4"), "1.2.3.4");
    }

    #[test]
    fn garbage_pom_properties_is_rejected() {
        assert!(pom_properties(b"\x00\x01garbage\xff").is_err());
        assert!(pom_properties(b"groupId=a\nartifactId=b\n").is_err());
        assert_eq!(
            pom_properties(b"#Generated\nversion=2.14.1\ngroupId=org.apache.logging.log4j\nartifactId=log4j-core\n").unwrap(),
            ("org.apache.logging.log4j".into(), "log4j-core".into(), "2.14.1".into())
        );
    }

    #[test]
    fn identity_precedence() {
        let mut archives = BTreeMap::new();
        archives.insert(
            vec![
                "app.jar".to_owned(),
                "META-INF/lib/shaded-all-1.0.jar".to_owned(),
            ],
            ArchiveFacts {
                sha1: Some("aa".into()),
                poms: vec![
                    (
                        "META-INF/maven/com.x/shaded-all/pom.properties".into(),
                        "com.x".into(),
                        "shaded-all".into(),
                        "1.0".into(),
                    ),
                    (
                        "META-INF/maven/com.google.guava/guava/pom.properties".into(),
                        "com.google.guava".into(),
                        "guava".into(),
                        "20.0".into(),
                    ),
                ],
                ..ArchiveFacts::default()
            },
        );
        let mut m = BTreeMap::new();
        m.insert(
            "Bundle-SymbolicName".to_owned(),
            "org.freemarker.freemarker".to_owned(),
        );
        m.insert("Bundle-Version".to_owned(), "2.3.28.stable".to_owned());
        archives.insert(
            vec!["fm.jar".to_owned()],
            ArchiveFacts {
                sha1: Some("bb".into()),
                manifest: Some(m),
                ..ArchiveFacts::default()
            },
        );
        archives.insert(
            vec!["app.war".to_owned(), "WEB-INF/lib/mystery.jar".to_owned()],
            ArchiveFacts {
                sha1: Some("cc".into()),
                ..ArchiveFacts::default()
            },
        );
        let got: Vec<String> = identify(&archives)
            .iter()
            .map(|p| {
                format!(
                    "{}@{} {} {:?} {:?}",
                    p.name,
                    p.version,
                    p.evidence.as_str(),
                    p.scope,
                    p.sha1
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                "com.x:shaded-all@1.0 pom.properties None Some(\"aa\")",
                "com.google.guava:guava@20.0 pom.properties Some(\"shaded\") None",
                "mystery.jar@ file name Some(\"unidentified\") Some(\"cc\")",
                "org.freemarker:freemarker@2.3.28 MANIFEST.MF None Some(\"bb\")",
            ]
        );
    }
}
