//! Cargo.lock, go.mod / go.sum, composer.lock, Gemfile.lock and NuGet packages.lock.json.

use std::collections::HashMap;

use serde_json::Value;

use super::lines::{KeyLines, LineFinder};
use super::python::toml_packages;
use super::{Found, ParseError};
use crate::{Ecosystem, Evidence, Package};

pub(crate) fn cargo_lock(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    // Workspace members and path dependencies have no `source`: they are the project.
    toml_packages(path, text, Ecosystem::CratesIo, |t| {
        let source = t.get("source").and_then(toml::Value::as_str)?;
        source.starts_with("registry+").then_some(None)
    })
}

pub(crate) fn go_mod(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    let s = String::from_utf8_lossy(text);
    let mut reqs: Vec<(String, String, u64, bool)> = Vec::new();
    let mut replaces: HashMap<String, (String, String)> = HashMap::new();
    let mut block: Option<&str> = None;
    let mut saw_module = false;
    for (i, raw) in s.lines().enumerate() {
        let line = raw.split("//").next().unwrap_or("").trim();
        let indirect = raw.contains("// indirect");
        if line.is_empty() {
            continue;
        }
        if line == ")" {
            block = None;
            continue;
        }
        let (directive, rest) = match block {
            Some(d) => (d, line),
            None => {
                let (d, r) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
                let r = r.trim();
                if r == "(" {
                    block = Some(match d {
                        "require" => "require",
                        "replace" => "replace",
                        _ => "other",
                    });
                    continue;
                }
                (d, r)
            }
        };
        match directive {
            "module" => saw_module = true,
            "require" => {
                let mut f = rest.split_whitespace();
                if let (Some(m), Some(v)) = (f.next(), f.next()) {
                    reqs.push((
                        m.trim_matches('"').to_owned(),
                        v.to_owned(),
                        i as u64 + 1,
                        !indirect,
                    ));
                }
            }
            "replace" => {
                if let Some((from, to)) = rest.split_once("=>") {
                    let from = from.split_whitespace().next().unwrap_or("").to_owned();
                    let mut t = to.split_whitespace();
                    if let (Some(m), Some(v)) = (t.next(), t.next()) {
                        replaces.insert(from, (m.to_owned(), v.to_owned()));
                    }
                }
            }
            _ => {}
        }
    }
    if !saw_module && reqs.is_empty() {
        return Err(ParseError::Format(
            "no module or require directive: not a go.mod".into(),
        ));
    }
    let out = reqs
        .into_iter()
        .map(|(m, v, line, direct)| {
            // A replacement by a local path (no version) leaves the requirement as is.
            let (m, v) = match replaces.get(&m) {
                Some((rm, rv)) => (rm.clone(), rv.clone()),
                None => (m, v),
            };
            Package::new(Ecosystem::Go, &m, &v, path)
                .line(line)
                .evidence(Evidence::Manifest)
                .direct(Some(direct))
        })
        .collect();
    Ok(Found::Packages(out))
}

/// go.sum lists every module version the build considered: used only when no go.mod is
/// beside it, and then the highest version per module.
pub(crate) fn go_sum(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    let s = String::from_utf8_lossy(text);
    let mut best: HashMap<String, (String, u64)> = HashMap::new();
    for (i, line) in s.lines().enumerate() {
        let mut f = line.split_whitespace();
        let (Some(m), Some(v)) = (f.next(), f.next()) else {
            continue;
        };
        let v = v.trim_end_matches("/go.mod");
        let scheme = crate::version::Scheme::SemVer;
        match best.get(m) {
            Some((cur, _)) if scheme.compare(cur, v) != std::cmp::Ordering::Less => {}
            _ => {
                best.insert(m.to_owned(), (v.to_owned(), i as u64 + 1));
            }
        }
    }
    let mut out: Vec<Package> = best
        .into_iter()
        .map(|(m, (v, line))| Package::new(Ecosystem::Go, &m, &v, path).line(line))
        .collect();
    out.sort_by_key(|p| p.line);
    Ok(Found::Fallback(out))
}

pub(crate) fn composer_lock(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    let v: Value = serde_json::from_slice(text).map_err(ParseError::json)?;
    if v.get("packages").is_none() {
        return Err(ParseError::Format(
            "no `packages`: not a composer.lock".into(),
        ));
    }
    let mut lines = LineFinder::new(text);
    let mut out = Vec::new();
    for (key, scope) in [("packages", None), ("packages-dev", Some("dev"))] {
        for p in v.get(key).and_then(Value::as_array).into_iter().flatten() {
            let (Some(name), Some(version)) = (
                p.get("name").and_then(Value::as_str),
                p.get("version").and_then(Value::as_str),
            ) else {
                continue;
            };
            if version.starts_with("dev-") {
                continue;
            }
            let line = lines
                .find(&format!("\"name\": \"{}\"", name.replace('/', "\\/")))
                .max(lines.find(&format!("\"name\": \"{name}\"")));
            out.push(
                Package::new(Ecosystem::Packagist, name, version, path)
                    .line(line)
                    .scope(scope),
            );
        }
    }
    Ok(Found::Packages(out))
}

pub(crate) fn gemfile_lock(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    let s = String::from_utf8_lossy(text);
    let mut section = "";
    let mut in_specs = false;
    let mut direct: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (i, line) in s.lines().enumerate() {
        if !line.starts_with(' ') && !line.trim().is_empty() {
            section = line.trim();
            in_specs = false;
            continue;
        }
        if section == "DEPENDENCIES" {
            if let Some(name) = line.split_whitespace().next() {
                direct.push(name.trim_end_matches('!').to_owned());
            }
            continue;
        }
        if line.trim() == "specs:" {
            in_specs = true;
            continue;
        }
        if in_specs && section == "GEM" && line.starts_with("    ") && !line.starts_with("     ") {
            let t = line.trim();
            let Some((name, rest)) = t.split_once(" (") else {
                continue;
            };
            let version = rest.trim_end_matches(')');
            // Platform gems: `nokogiri (1.13.0-x86_64-linux)`.
            let version = version.split('-').next().unwrap_or(version);
            out.push(Package::new(Ecosystem::RubyGems, name, version, path).line(i as u64 + 1));
        }
    }
    if !direct.is_empty() {
        for p in &mut out {
            p.direct = Some(direct.contains(&p.name));
        }
    }
    Ok(Found::Packages(out))
}

pub(crate) fn nuget_lock(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    let v: Value = serde_json::from_slice(text).map_err(ParseError::json)?;
    let Some(frameworks) = v.get("dependencies").and_then(Value::as_object) else {
        return Err(ParseError::Format(
            "no `dependencies`: not a NuGet packages.lock.json".into(),
        ));
    };
    let lines = KeyLines::new(text);
    let mut out: Vec<Package> = Vec::new();
    for deps in frameworks.values().filter_map(Value::as_object) {
        for (name, d) in deps {
            let kind = d.get("type").and_then(Value::as_str).unwrap_or("");
            if kind == "Project" {
                continue;
            }
            let Some(version) = d.get("resolved").and_then(Value::as_str) else {
                continue;
            };
            if out.iter().any(|p| p.name == *name && p.version == version) {
                continue;
            }
            let line = lines.get(name);
            out.push(
                Package::new(Ecosystem::NuGet, name, version, path)
                    .line(line)
                    .direct(Some(kind == "Direct")),
            );
        }
    }
    Ok(Found::Packages(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(f: Found) -> Vec<String> {
        f.packages()
            .iter()
            .map(|p| {
                format!(
                    "{}@{} l{} {:?} {}",
                    p.name,
                    p.version,
                    p.line,
                    p.direct,
                    p.scope.as_deref().unwrap_or("-")
                )
            })
            .collect()
    }

    #[test]
    fn cargo_lock_skips_workspace_crates() {
        let lock = b"version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"h2\"\nversion = \"0.2.7\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
        assert_eq!(
            show(cargo_lock(&["Cargo.lock".into()], lock).unwrap()),
            vec!["h2@0.2.7 l8 None -"]
        );
    }

    #[test]
    fn go_mod_blocks_indirect_and_replace() {
        let m = b"module example.com/app\n\ngo 1.21\n\nrequire (\n\tgithub.com/gorilla/mux v1.8.0\n\tgolang.org/x/net v0.0.0-20210226172049-e18ecbb05110 // indirect\n)\n\nrequire github.com/old/lib v1.0.0\n\nreplace github.com/old/lib => github.com/new/lib v1.2.0\n";
        assert_eq!(
            show(go_mod(&["go.mod".into()], m).unwrap()),
            vec![
                "github.com/gorilla/mux@v1.8.0 l6 Some(true) -",
                "golang.org/x/net@v0.0.0-20210226172049-e18ecbb05110 l7 Some(false) -",
                "github.com/new/lib@v1.2.0 l10 Some(true) -",
            ]
        );
        let sum = b"github.com/a/b v1.0.0 h1:x=\ngithub.com/a/b v1.0.0/go.mod h1:y=\ngithub.com/a/b v1.2.0/go.mod h1:z=\n";
        assert_eq!(
            show(go_sum(&["go.sum".into()], sum).unwrap()),
            vec!["github.com/a/b@v1.2.0 l3 None -"]
        );
    }

    #[test]
    fn composer_gemfile_nuget() {
        let c = br#"{"packages": [{"name": "guzzlehttp/guzzle", "version": "6.5.0"}, {"name": "a/b", "version": "dev-master"}], "packages-dev": [{"name": "phpunit/phpunit", "version": "v9.0.0"}]}"#;
        assert_eq!(
            show(composer_lock(&["composer.lock".into()], c).unwrap()),
            vec![
                "guzzlehttp/guzzle@6.5.0 l1 None -",
                "phpunit/phpunit@v9.0.0 l1 None dev"
            ]
        );
        let g = b"GEM\n  remote: https://rubygems.org/\n  specs:\n    actionpack (6.0.0)\n      rack (~> 2.0)\n    nokogiri (1.13.0-x86_64-linux)\n    rack (2.0.7)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  actionpack\n\nBUNDLED WITH\n   2.1.4\n";
        assert_eq!(
            show(gemfile_lock(&["Gemfile.lock".into()], g).unwrap()),
            vec![
                "actionpack@6.0.0 l4 Some(true) -",
                "nokogiri@1.13.0 l6 Some(false) -",
                "rack@2.0.7 l7 Some(false) -"
            ]
        );
        let n = br#"{"version": 1, "dependencies": {"net6.0": {"Newtonsoft.Json": {"type": "Direct", "requested": "[12.0.1, )", "resolved": "12.0.1"}, "System.Text.Json": {"type": "Transitive", "resolved": "4.7.0"}, "MyLib": {"type": "Project"}}}}"#;
        assert_eq!(
            show(nuget_lock(&["packages.lock.json".into()], n).unwrap()),
            vec![
                "Newtonsoft.Json@12.0.1 l1 Some(true) -",
                "System.Text.Json@4.7.0 l1 Some(false) -"
            ]
        );
    }
}
