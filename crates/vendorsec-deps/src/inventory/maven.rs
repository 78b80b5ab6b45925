//! Maven and Gradle: pom.xml (properties, dependencyManagement, parents and imported BOMs
//! found in the same tree; nothing fetched), gradle.lockfile, buildscript-gradle.lockfile
//! and gradle/verification-metadata.xml.

use std::collections::HashMap;

use super::lines::LineFinder;
use super::{Found, ParseError};
use crate::{Ecosystem, Evidence, Package};

/// One dependency as a pom writes it, before properties are resolved.
#[derive(Debug, Clone, Default)]
pub(crate) struct PomDep {
    group: String,
    artifact: String,
    version: String,
    scope: String,
    optional: bool,
    kind: String,
    line: u64,
}

/// A parsed pom.xml, kept until every pom of the tree is known.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pom {
    pub(crate) path: Vec<String>,
    group: String,
    artifact: String,
    version: String,
    parent: Option<(String, String, String, String)>,
    properties: HashMap<String, String>,
    managed: Vec<PomDep>,
    deps: Vec<PomDep>,
}

fn child_text(node: roxmltree::Node<'_, '_>, name: &str) -> String {
    node.children()
        .find(|c| c.has_tag_name(name))
        .and_then(|c| c.text())
        .unwrap_or("")
        .trim()
        .to_owned()
}

fn line_of(doc: &roxmltree::Document<'_>, node: roxmltree::Node<'_, '_>) -> u64 {
    u64::from(doc.text_pos_at(node.range().start).row)
}

fn deps_in(doc: &roxmltree::Document<'_>, node: Option<roxmltree::Node<'_, '_>>) -> Vec<PomDep> {
    let Some(node) = node else { return Vec::new() };
    node.children()
        .filter(|c| c.has_tag_name("dependency"))
        .map(|d| PomDep {
            group: child_text(d, "groupId"),
            artifact: child_text(d, "artifactId"),
            version: child_text(d, "version"),
            scope: child_text(d, "scope"),
            optional: child_text(d, "optional") == "true",
            kind: child_text(d, "type"),
            line: line_of(doc, d),
        })
        .collect()
}

pub(crate) fn pom(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    let s = std::str::from_utf8(text).map_err(|e| ParseError::Format(format!("not UTF-8: {e}")))?;
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 2_000_000,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(s, opts)
        .map_err(|e| ParseError::Format(format!("not well-formed XML: {e}")))?;
    let root = doc.root_element();
    if !root.has_tag_name("project") {
        return Err(ParseError::Format("root element is not <project>".into()));
    }
    let parent = root.children().find(|c| c.has_tag_name("parent")).map(|p| {
        (
            child_text(p, "groupId"),
            child_text(p, "artifactId"),
            child_text(p, "version"),
            child_text(p, "relativePath"),
        )
    });
    let mut properties = HashMap::new();
    if let Some(props) = root.children().find(|c| c.has_tag_name("properties")) {
        for p in props.children().filter(roxmltree::Node::is_element) {
            properties.insert(
                p.tag_name().name().to_owned(),
                p.text().unwrap_or("").trim().to_owned(),
            );
        }
    }
    let managed = deps_in(
        &doc,
        root.children()
            .find(|c| c.has_tag_name("dependencyManagement"))
            .and_then(|m| m.children().find(|c| c.has_tag_name("dependencies"))),
    );
    let deps = deps_in(
        &doc,
        root.children().find(|c| c.has_tag_name("dependencies")),
    );
    Ok(Found::Pom(Box::new(Pom {
        path: path.to_vec(),
        group: child_text(root, "groupId"),
        artifact: child_text(root, "artifactId"),
        version: child_text(root, "version"),
        parent,
        properties,
        managed,
        deps,
    })))
}

impl Pom {
    fn group(&self) -> &str {
        if self.group.is_empty() {
            self.parent.as_ref().map_or("", |p| p.0.as_str())
        } else {
            &self.group
        }
    }
    fn version(&self) -> &str {
        if self.version.is_empty() {
            self.parent.as_ref().map_or("", |p| p.2.as_str())
        } else {
            &self.version
        }
    }
    fn dir(&self) -> String {
        let f = self.path.last().map_or("", String::as_str);
        f.rsplit_once('/')
            .map_or(String::new(), |(d, _)| d.to_owned())
    }
}

fn normalize_path(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let lead = if p.starts_with('/') { "/" } else { "" };
    format!("{lead}{}", parts.join("/"))
}

/// Resolve every pom's dependencies with its parents and imported BOMs from the same
/// tree; a version that stays unresolved is reported as such (empty version).
pub(crate) fn resolve_poms(poms: &[Pom]) -> Vec<Package> {
    let by_gav: HashMap<(String, String, String), usize> = poms
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                (
                    p.group().to_owned(),
                    p.artifact.clone(),
                    p.version().to_owned(),
                ),
                i,
            )
        })
        .collect();
    let by_path: HashMap<String, usize> = poms
        .iter()
        .enumerate()
        .map(|(i, p)| (normalize_path(&p.path.join("!/")), i))
        .collect();
    let parent_of = |i: usize| -> Option<usize> {
        let p = &poms[i];
        let (g, a, v, rel) = p.parent.as_ref()?;
        if let Some(j) = by_gav.get(&(g.clone(), a.clone(), v.clone())) {
            return Some(*j);
        }
        if p.path.len() == 1 {
            let rel = if rel.is_empty() {
                "../pom.xml"
            } else {
                rel.as_str()
            };
            let rel = if rel.ends_with(".xml") {
                rel.to_owned()
            } else {
                format!("{rel}/pom.xml")
            };
            let dir = p.dir();
            let cand = normalize_path(&if dir.is_empty() {
                rel
            } else {
                format!("{dir}/{rel}")
            });
            let j = by_path.get(&cand).copied()?;
            if poms[j].artifact == *a {
                return Some(j);
            }
        }
        None
    };
    // The chain self, parent, grandparent… (bounded against cycles).
    let chain = |i: usize| -> Vec<usize> {
        let mut c = vec![i];
        let mut cur = i;
        while let Some(j) = parent_of(cur) {
            if c.contains(&j) || c.len() > 16 {
                break;
            }
            c.push(j);
            cur = j;
        }
        c
    };
    let mut out = Vec::new();
    for i in 0..poms.len() {
        let ch = chain(i);
        let lookup_prop = |key: &str| -> Option<String> {
            match key {
                "project.version" | "version" | "pom.version" => {
                    return Some(poms[i].version().to_owned());
                }
                "project.groupId" | "groupId" | "pom.groupId" => {
                    return Some(poms[i].group().to_owned());
                }
                "project.artifactId" | "artifactId" => return Some(poms[i].artifact.clone()),
                "project.parent.version" | "parent.version" => {
                    return poms[i].parent.as_ref().map(|p| p.2.clone());
                }
                "project.parent.groupId" | "parent.groupId" => {
                    return poms[i].parent.as_ref().map(|p| p.0.clone());
                }
                _ => {}
            }
            ch.iter()
                .find_map(|j| poms[*j].properties.get(key).cloned())
        };
        let interpolate = |s: &str| -> String {
            let mut cur = s.to_owned();
            for _ in 0..8 {
                let Some(start) = cur.find("${") else { break };
                let Some(end) = cur[start..].find('}') else {
                    break;
                };
                let key = &cur[start + 2..start + end];
                let Some(val) = lookup_prop(key) else { break };
                cur = format!("{}{}{}", &cur[..start], val, &cur[start + end + 1..]);
            }
            cur
        };
        // Managed versions: own and parents' dependencyManagement, and BOMs they import.
        let mut managed: HashMap<(String, String), (String, String)> = HashMap::new();
        for j in &ch {
            for m in &poms[*j].managed {
                let g = interpolate(&m.group);
                let a = interpolate(&m.artifact);
                if m.scope == "import" && m.kind == "pom" {
                    let v = interpolate(&m.version);
                    if let Some(k) = by_gav.get(&(g.clone(), a.clone(), v)) {
                        for bm in &poms[*k].managed {
                            managed
                                .entry((bm.group.clone(), bm.artifact.clone()))
                                .or_insert((
                                    bm.version.replace("${project.version}", poms[*k].version()),
                                    bm.scope.clone(),
                                ));
                        }
                    }
                    continue;
                }
                managed
                    .entry((g, a))
                    .or_insert((interpolate(&m.version), m.scope.clone()));
            }
        }
        for d in &poms[i].deps {
            let g = interpolate(&d.group);
            let a = interpolate(&d.artifact);
            let mut v = interpolate(&d.version);
            let mut scope = d.scope.clone();
            if let Some((mv, ms)) = managed.get(&(g.clone(), a.clone())) {
                if v.is_empty() {
                    v.clone_from(mv);
                }
                if scope.is_empty() {
                    scope.clone_from(ms);
                }
            }
            if v.contains("${") || v.starts_with('[') || v.starts_with('(') {
                // A property defined outside the tree, or a version range: unresolved.
                v.clear();
            }
            let scope = if d.optional && scope.is_empty() {
                Some("optional".to_owned())
            } else if scope.is_empty() || scope == "compile" || scope == "runtime" {
                None
            } else {
                Some(scope)
            };
            let mut p = Package::new(Ecosystem::Maven, &format!("{g}:{a}"), &v, &poms[i].path)
                .line(d.line)
                .evidence(Evidence::Manifest)
                .direct(Some(true));
            p.scope = scope;
            out.push(p);
        }
    }
    out
}

pub(crate) fn gradle_lock(
    path: &[String],
    text: &[u8],
    buildscript: bool,
) -> Result<Found, ParseError> {
    let s = String::from_utf8_lossy(text);
    let mut out = Vec::new();
    for (i, line) in s.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("empty=") {
            continue;
        }
        let (coord, configs) = line.split_once('=').unwrap_or((line, ""));
        let parts: Vec<&str> = coord.split(':').collect();
        let [g, a, v] = parts[..] else {
            return Err(ParseError::Format(format!(
                "line {}: expected group:artifact:version=configurations",
                i + 1
            )));
        };
        let all_test = !configs.is_empty()
            && configs
                .split(',')
                .all(|c| c.trim().to_lowercase().starts_with("test"));
        let scope = if buildscript {
            Some("build")
        } else if all_test {
            Some("test")
        } else {
            None
        };
        out.push(
            Package::new(Ecosystem::Maven, &format!("{g}:{a}"), v, path)
                .line(i as u64 + 1)
                .scope(scope),
        );
    }
    Ok(Found::Packages(out))
}

pub(crate) fn verification_metadata(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    let s = std::str::from_utf8(text).map_err(|e| ParseError::Format(format!("not UTF-8: {e}")))?;
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 5_000_000,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(s, opts)
        .map_err(|e| ParseError::Format(format!("not well-formed XML: {e}")))?;
    if !doc.root_element().has_tag_name("verification-metadata") {
        return Err(ParseError::Format(
            "root element is not <verification-metadata>".into(),
        ));
    }
    let mut lines = LineFinder::new(text);
    let _ = &mut lines;
    let out = doc
        .descendants()
        .filter(|n| n.has_tag_name("component"))
        .filter_map(|c| {
            let g = c.attribute("group")?;
            let a = c.attribute("name")?;
            let v = c.attribute("version")?;
            Some(
                Package::new(Ecosystem::Maven, &format!("{g}:{a}"), v, path).line(line_of(&doc, c)),
            )
        })
        .collect();
    Ok(Found::Packages(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(files: &[(&str, &str)]) -> Vec<String> {
        let poms: Vec<Pom> = files
            .iter()
            .map(
                |(p, t)| match pom(&[(*p).to_owned()], t.as_bytes()).unwrap() {
                    Found::Pom(p) => *p,
                    _ => unreachable!(),
                },
            )
            .collect();
        let mut v: Vec<String> = resolve_poms(&poms)
            .iter()
            .map(|p| {
                format!(
                    "{} {}@{} l{} {}",
                    p.file(),
                    p.name,
                    p.version,
                    p.line,
                    p.scope.as_deref().unwrap_or("-")
                )
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn pom_properties_parent_and_dependency_management() {
        let parent = r#"<project><groupId>com.acme</groupId><artifactId>parent</artifactId><version>1.0</version><packaging>pom</packaging>
<properties><log4j.version>2.14.1</log4j.version></properties>
<dependencyManagement><dependencies>
  <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>${log4j.version}</version></dependency>
  <dependency><groupId>com.acme</groupId><artifactId>bom</artifactId><version>3</version><type>pom</type><scope>import</scope></dependency>
</dependencies></dependencyManagement></project>"#;
        let bom = r#"<project><groupId>com.acme</groupId><artifactId>bom</artifactId><version>3</version>
<dependencyManagement><dependencies><dependency><groupId>org.yaml</groupId><artifactId>snakeyaml</artifactId><version>1.33</version></dependency></dependencies></dependencyManagement></project>"#;
        let child = r#"<?xml version="1.0"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <parent><groupId>com.acme</groupId><artifactId>parent</artifactId><version>1.0</version></parent>
  <artifactId>app</artifactId>
  <dependencies>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId></dependency>
    <dependency><groupId>org.yaml</groupId><artifactId>snakeyaml</artifactId></dependency>
    <dependency><groupId>${project.groupId}</groupId><artifactId>lib</artifactId><version>${project.version}</version></dependency>
    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.12</version><scope>test</scope></dependency>
    <dependency><groupId>x</groupId><artifactId>y</artifactId><version>${undefined.prop}</version></dependency>
  </dependencies>
</project>"#;
        assert_eq!(
            resolve(&[
                ("p/pom.xml", parent),
                ("bom/pom.xml", bom),
                ("p/app/pom.xml", child)
            ]),
            vec![
                "p/app/pom.xml com.acme:lib@1.0 l8 -",
                "p/app/pom.xml junit:junit@4.12 l9 test",
                "p/app/pom.xml org.apache.logging.log4j:log4j-core@2.14.1 l6 -",
                "p/app/pom.xml org.yaml:snakeyaml@1.33 l7 -",
                "p/app/pom.xml x:y@ l10 -",
            ]
        );
    }

    #[test]
    fn pom_with_garbage_and_doctype_entities_is_an_error() {
        assert!(pom(&["pom.xml".into()], b"<project><dependencies>").is_err());
        let bomb = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><project>&lol2;</project>"#;
        assert!(pom(&["pom.xml".into()], bomb).is_err());
    }

    #[test]
    fn gradle_lockfiles_and_verification_metadata() {
        let lock = b"# This is a Gradle generated file\ncom.google.guava:guava:31.0-jre=compileClasspath,runtimeClasspath\njunit:junit:4.13=testCompileClasspath,testRuntimeClasspath\nempty=annotationProcessor\n";
        let f = gradle_lock(&["gradle.lockfile".into()], lock, false).unwrap();
        let v: Vec<String> = f
            .packages()
            .iter()
            .map(|p| format!("{}@{} {:?} l{}", p.name, p.version, p.scope, p.line))
            .collect();
        assert_eq!(
            v,
            vec![
                "com.google.guava:guava@31.0-jre None l2",
                "junit:junit@4.13 Some(\"test\") l3"
            ]
        );
        assert!(gradle_lock(&["gradle.lockfile".into()], b"garbage line\n", false).is_err());
        let vm = br#"<?xml version="1.0" encoding="UTF-8"?>
<verification-metadata xmlns="https://schema.gradle.org/dependency-verification">
   <components>
      <component group="org.yaml" name="snakeyaml" version="1.30">
         <artifact name="snakeyaml-1.30.jar"><sha256 value="abc" origin="Generated by Gradle"/></artifact>
      </component>
   </components>
</verification-metadata>"#;
        let f = verification_metadata(&["gradle/verification-metadata.xml".into()], vm).unwrap();
        assert_eq!(f.packages()[0].name, "org.yaml:snakeyaml");
        assert_eq!(f.packages()[0].line, 4);
    }
}

/// The scope a Gradle configuration name implies.
fn gradle_scope(config: &str) -> Option<Option<&'static str>> {
    let c = config;
    Some(match c {
        "implementation" | "api" | "runtimeOnly" | "compile" | "runtime" => None,
        "compileOnly" | "compileOnlyApi" | "providedCompile" | "providedRuntime" => {
            Some("provided")
        }
        "kapt" | "ksp" | "annotationProcessor" | "classpath" => Some("build"),
        _ if c.starts_with("test")
            || c.starts_with("androidTest")
            || c.starts_with("integrationTest") =>
        {
            Some("test")
        }
        _ if c.ends_with("Implementation") || c.ends_with("Api") || c.ends_with("RuntimeOnly") => {
            None
        }
        _ => return None,
    })
}

/// `name = "value"` / `val name = "value"` / `def name = 'value'` / `ext.name = '…'`
/// declarations of a build script, and `key=value` lines of gradle.properties.
fn string_assignments(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for line in text.lines() {
        let t = line.trim();
        let t = t
            .strip_prefix("val ")
            .or_else(|| t.strip_prefix("var "))
            .or_else(|| t.strip_prefix("def "))
            .or_else(|| t.strip_prefix("ext."))
            .or_else(|| t.strip_prefix("extra[\"").map(|r| r.trim_start()))
            .unwrap_or(t);
        let Some((name, value)) = t.split_once('=') else {
            continue;
        };
        let name = name
            .trim()
            .trim_end_matches(['"', ']'])
            .trim_end_matches(": String")
            .trim();
        let value = value.trim();
        let quoted = (value.starts_with('"') && value.ends_with('"') && value.len() >= 2)
            || (value.starts_with('\'') && value.ends_with('\'') && value.len() >= 2);
        if !quoted
            || name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        {
            continue;
        }
        out.insert(name.to_owned(), value[1..value.len() - 1].to_owned());
    }
    out
}

/// Replace `$name` and `${name}` from the assignments; `None` when one is unknown.
fn substitute(s: &str, vars: &HashMap<String, String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, tail) = if let Some(inner) = after.strip_prefix('{') {
            let end = inner.find('}')?;
            (&inner[..end], &inner[end + 1..])
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                .unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        let name = name
            .trim_start_matches("project.")
            .trim_start_matches("rootProject.extra.");
        out.push_str(vars.get(name)?);
        rest = tail;
    }
    out.push_str(rest);
    Some(out)
}

/// Dependency declarations with literal coordinates in build.gradle / build.gradle.kts:
/// `implementation("g:a:v")`, `api 'g:a:v'`, `testImplementation group: 'g', name: 'a',
/// version: 'v'` and the Kotlin named form; `$var` from the same script or a
/// gradle.properties beside it. Anything computed is left out (a lockfile is the
/// authority; this is the fallback when there is none).
pub(crate) fn gradle_build(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    let s = String::from_utf8_lossy(text);
    let mut vars = string_assignments(&s);
    if path.len() == 1 {
        let props = std::path::Path::new(&path[0]).with_file_name("gradle.properties");
        if let Ok(meta) = std::fs::metadata(&props)
            && meta.len() < (1 << 20)
            && let Ok(p) = std::fs::read_to_string(&props)
        {
            for line in p.lines() {
                if let Some((k, v)) = line.split_once('=')
                    && !k.trim_start().starts_with('#')
                {
                    vars.entry(k.trim().to_owned())
                        .or_insert_with(|| v.trim().to_owned());
                }
            }
        }
    }
    let mut out = Vec::new();
    for (i, line) in s.lines().enumerate() {
        let t = line.trim();
        let end = t
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(t.len());
        let config = &t[..end];
        let Some(scope) = gradle_scope(config) else {
            continue;
        };
        let args = t[end..].trim_start();
        let args = args.strip_prefix('(').unwrap_or(args);
        // String literals in the call, in order.
        let mut literals: Vec<String> = Vec::new();
        let mut named: HashMap<String, String> = HashMap::new();
        let b = args.as_bytes();
        let mut k = 0;
        let mut last_name = String::new();
        while k < b.len() {
            let c = b[k];
            if c == b'"' || c == b'\'' {
                let Some(close) = args[k + 1..].find(c as char) else {
                    break;
                };
                let lit = args[k + 1..k + 1 + close].to_owned();
                if !last_name.is_empty() {
                    named.insert(std::mem::take(&mut last_name), lit.clone());
                }
                literals.push(lit);
                k += close + 2;
                continue;
            }
            if c.is_ascii_alphabetic() {
                let start = k;
                while k < b.len() && (b[k].is_ascii_alphanumeric() || b[k] == b'_') {
                    k += 1;
                }
                let word = &args[start..k];
                let rest = args[k..].trim_start();
                if rest.starts_with(':') || rest.starts_with('=') {
                    last_name = word.to_owned();
                } else {
                    last_name.clear();
                }
                continue;
            }
            if c == b')' || c == b'{' {
                break;
            }
            k += 1;
        }
        let coord = if let (Some(g), Some(a)) = (named.get("group"), named.get("name")) {
            let v = named.get("version").cloned().unwrap_or_default();
            Some((g.clone(), a.clone(), v))
        } else {
            literals.first().and_then(|l| {
                let parts: Vec<&str> = l.split(':').collect();
                match parts[..] {
                    [g, a, v] | [g, a, v, _] => Some((g.to_owned(), a.to_owned(), v.to_owned())),
                    [g, a] => Some((g.to_owned(), a.to_owned(), String::new())),
                    _ => None,
                }
            })
        };
        let Some((g, a, v)) = coord else { continue };
        let (Some(g), Some(a)) = (substitute(&g, &vars), substitute(&a, &vars)) else {
            continue;
        };
        if g.is_empty() || a.is_empty() || g.contains(' ') || a.contains(' ') {
            continue;
        }
        let v = substitute(&v, &vars).unwrap_or_default();
        // Dynamic versions (`1.+`, `latest.release`, ranges) are not a version.
        let v = if v.contains('+')
            || v.starts_with("latest.")
            || v.starts_with('[')
            || v.starts_with('(')
        {
            String::new()
        } else {
            v
        };
        let mut p = Package::new(Ecosystem::Maven, &format!("{g}:{a}"), &v, path)
            .line(i as u64 + 1)
            .evidence(Evidence::Manifest)
            .direct(Some(true));
        p.scope = scope.map(str::to_owned);
        out.push(p);
    }
    Ok(Found::Fallback(out))
}

/// A Gradle version catalog (`gradle/libs.versions.toml`): `[libraries]` entries as
/// `"g:a:v"`, `{ module = "g:a", version = … }`, `{ group, name, version }`, with
/// `version.ref` into `[versions]` and rich versions (`strictly`, `require`, `prefer`).
pub(crate) fn version_catalog(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    let s = std::str::from_utf8(text).map_err(|e| ParseError::Format(format!("not UTF-8: {e}")))?;
    let doc: toml::Table = s.parse().map_err(|e: toml::de::Error| {
        ParseError::Format(format!("not valid TOML: {}", e.message()))
    })?;
    let versions = doc.get("versions").and_then(toml::Value::as_table);
    let rich = |v: &toml::Value| -> Option<String> {
        match v {
            toml::Value::String(s) => Some(s.clone()),
            toml::Value::Table(t) => ["strictly", "require", "prefer"]
                .iter()
                .find_map(|k| t.get(*k).and_then(toml::Value::as_str).map(str::to_owned)),
            _ => None,
        }
    };
    // Line of each key of the [libraries] table.
    let mut lines: HashMap<&str, u64> = HashMap::new();
    let mut in_libraries = false;
    for (i, line) in s.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            in_libraries = t == "[libraries]";
            continue;
        }
        if in_libraries && let Some((k, _)) = t.split_once('=') {
            lines
                .entry(k.trim().trim_matches('"'))
                .or_insert(i as u64 + 1);
        }
    }
    let mut out = Vec::new();
    let Some(libs) = doc.get("libraries").and_then(toml::Value::as_table) else {
        return Ok(Found::Fallback(out));
    };
    for (alias, entry) in libs {
        let (g, a, v) = match entry {
            toml::Value::String(coord) => {
                let parts: Vec<&str> = coord.split(':').collect();
                match parts[..] {
                    [g, a, v] => (g.to_owned(), a.to_owned(), v.to_owned()),
                    [g, a] => (g.to_owned(), a.to_owned(), String::new()),
                    _ => continue,
                }
            }
            toml::Value::Table(t) => {
                let (g, a) = if let Some(m) = t.get("module").and_then(toml::Value::as_str) {
                    match m.split_once(':') {
                        Some((g, a)) => (g.to_owned(), a.to_owned()),
                        None => continue,
                    }
                } else {
                    match (
                        t.get("group").and_then(toml::Value::as_str),
                        t.get("name").and_then(toml::Value::as_str),
                    ) {
                        (Some(g), Some(a)) => (g.to_owned(), a.to_owned()),
                        _ => continue,
                    }
                };
                let v = match t.get("version") {
                    Some(toml::Value::Table(vt)) if vt.contains_key("ref") => vt
                        .get("ref")
                        .and_then(toml::Value::as_str)
                        .and_then(|r| versions.and_then(|vs| vs.get(r)))
                        .and_then(rich)
                        .unwrap_or_default(),
                    Some(v) => rich(v).unwrap_or_default(),
                    None => String::new(),
                };
                (g, a, v)
            }
            _ => continue,
        };
        let v = if v.contains('+') || v.starts_with('[') || v.starts_with('(') {
            String::new()
        } else {
            v
        };
        out.push(
            Package::new(Ecosystem::Maven, &format!("{g}:{a}"), &v, path)
                .line(lines.get(alias.as_str()).copied().unwrap_or(0))
                .evidence(Evidence::Manifest)
                .direct(Some(true)),
        );
    }
    Ok(Found::Fallback(out))
}

#[cfg(test)]
mod gradle_tests {
    use super::*;

    fn show(f: Found) -> Vec<String> {
        f.packages()
            .iter()
            .map(|p| {
                format!(
                    "{}@{} l{} {}",
                    p.name,
                    p.version,
                    p.line,
                    p.scope.as_deref().unwrap_or("-")
                )
            })
            .collect()
    }

    #[test]
    fn kotlin_and_groovy_build_scripts() {
        let kts = br#"val ktorVersion = "2.3.0"
plugins { kotlin("jvm") version "1.9.0" }
dependencies {
    implementation("io.ktor:ktor-server-core:$ktorVersion")
    implementation("org.yaml:snakeyaml:1.33")
    testImplementation(group = "junit", name = "junit", version = "4.12")
    compileOnly("com.atlassian.jira:jira-api:9.4.0")
    implementation(platform("org.springframework.boot:spring-boot-dependencies:3.1.0"))
    implementation("com.example:dynamic:1.+")
    implementation(project(":core"))
    implementation(libs.guava)
}
"#;
        assert_eq!(
            show(gradle_build(&["app/build.gradle.kts".into()], kts).unwrap()),
            vec![
                "io.ktor:ktor-server-core@2.3.0 l4 -",
                "org.yaml:snakeyaml@1.33 l5 -",
                "junit:junit@4.12 l6 test",
                "com.atlassian.jira:jira-api@9.4.0 l7 provided",
                "org.springframework.boot:spring-boot-dependencies@3.1.0 l8 -",
                "com.example:dynamic@ l9 -",
            ]
        );
        let groovy = b"def jacksonVersion = '2.13.2'\ndependencies {\n  implementation \"com.fasterxml.jackson.core:jackson-databind:${jacksonVersion}\"\n  testCompile group: 'org.mockito', name: 'mockito-core', version: '2.0.0'\n  implementation 'x:y:${undefinedVar}'\n}\n";
        assert_eq!(
            show(gradle_build(&["b/build.gradle".into()], groovy).unwrap()),
            vec![
                "com.fasterxml.jackson.core:jackson-databind@2.13.2 l3 -",
                "org.mockito:mockito-core@2.0.0 l4 test",
                "x:y@ l5 -",
            ]
        );
    }

    #[test]
    fn version_catalog_forms() {
        let toml = b"[versions]\nktor = \"2.3.0\"\njackson = { strictly = \"2.13.2\" }\n\n[libraries]\nktor-server = { module = \"io.ktor:ktor-server-core\", version.ref = \"ktor\" }\nguava = \"com.google.guava:guava:31.1-jre\"\njackson = { group = \"com.fasterxml.jackson.core\", name = \"jackson-databind\", version.ref = \"jackson\" }\nbom-managed = { module = \"org.yaml:snakeyaml\" }\n";
        let mut got = show(version_catalog(&["p/gradle/libs.versions.toml".into()], toml).unwrap());
        got.sort();
        assert_eq!(
            got,
            vec![
                "com.fasterxml.jackson.core:jackson-databind@2.13.2 l8 -",
                "com.google.guava:guava@31.1-jre l7 -",
                "io.ktor:ktor-server-core@2.3.0 l6 -",
                "org.yaml:snakeyaml@ l9 -",
            ]
        );
        assert!(version_catalog(&["x".into()], b"[libraries\n").is_err());
    }
}
