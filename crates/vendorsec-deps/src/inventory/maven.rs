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
