//! npm: package-lock.json / npm-shrinkwrap.json (lockfile v1, v2, v3), yarn.lock (classic
//! and Berry), pnpm-lock.yaml (v5 to v9), and package.json (installed packages under
//! node_modules, or a project's declared ranges when no lockfile is beside it).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::lines::{KeyLines, LineFinder};
use super::{Found, ParseError};
use crate::{Ecosystem, Evidence, Package};

fn pkg(path: &[String], name: &str, version: &str) -> Package {
    Package::new(Ecosystem::Npm, name, version, path)
}

/// `npm:real@1.2.3` (an alias) gives the real name and version.
fn unalias<'a>(name: &'a str, version: &'a str) -> (&'a str, &'a str) {
    if let Some(rest) = version.strip_prefix("npm:")
        && let Some(at) = rest.rfind('@').filter(|i| *i > 0)
    {
        return (&rest[..at], &rest[at + 1..]);
    }
    (name, version)
}

/// Versions that name a registry release (not a git URL, a tarball or a local folder).
fn registry_version(v: &str) -> bool {
    v.as_bytes().first().is_some_and(u8::is_ascii_digit) && !v.contains(':') && !v.contains('/')
}

fn scope_of(entry: &Value) -> Option<&'static str> {
    let t = |k: &str| entry.get(k).and_then(Value::as_bool) == Some(true);
    if t("dev") {
        Some("dev")
    } else if t("devOptional") {
        Some("dev-optional")
    } else if t("optional") {
        Some("optional")
    } else if t("peer") {
        Some("peer")
    } else {
        None
    }
}

pub(crate) fn package_lock(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    let v: Value = serde_json::from_slice(text).map_err(ParseError::json)?;
    let lines = KeyLines::new(text);
    let mut out = Vec::new();
    if let Some(packages) = v.get("packages").and_then(Value::as_object) {
        let root = packages.get("");
        let mut direct: HashSet<&str> = HashSet::new();
        for k in [
            "dependencies",
            "devDependencies",
            "optionalDependencies",
            "peerDependencies",
        ] {
            if let Some(m) = root.and_then(|r| r.get(k)).and_then(Value::as_object) {
                direct.extend(m.keys().map(String::as_str));
            }
        }
        for (key, entry) in packages {
            if key.is_empty() || entry.get("link").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let Some(idx) = key.rfind("node_modules/") else {
                // A workspace folder: the project's own code, not a dependency.
                continue;
            };
            let key_name = &key[idx + "node_modules/".len()..];
            let name = entry
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(key_name);
            let Some(version) = entry.get("version").and_then(Value::as_str) else {
                continue;
            };
            let (name, version) = unalias(name, version);
            if !registry_version(version) {
                continue;
            }
            let top = idx == 0;
            let is_direct = top && direct.contains(key_name);
            let line = lines.get(key);
            out.push(
                pkg(path, name, version)
                    .line(line)
                    .direct(Some(is_direct))
                    .scope(scope_of(entry)),
            );
        }
        return Ok(Found::Packages(out));
    }
    if let Some(deps) = v.get("dependencies").and_then(Value::as_object) {
        fn walk(
            path: &[String],
            deps: &serde_json::Map<String, Value>,
            lines: &KeyLines<'_>,
            out: &mut Vec<Package>,
            depth: usize,
        ) {
            if depth > 64 {
                return;
            }
            for (name, entry) in deps {
                if let Some(version) = entry.get("version").and_then(Value::as_str) {
                    let (n, ver) = unalias(name, version);
                    if registry_version(ver) {
                        let line = lines.get(name);
                        out.push(pkg(path, n, ver).line(line).scope(scope_of(entry)));
                    }
                }
                if let Some(nested) = entry.get("dependencies").and_then(Value::as_object) {
                    walk(path, nested, lines, out, depth + 1);
                }
            }
        }
        walk(path, deps, &lines, &mut out, 0);
        return Ok(Found::Packages(out));
    }
    Err(ParseError::Format(
        "neither `packages` nor `dependencies`: not an npm lockfile".into(),
    ))
}

/// Byte index of the first `needle` after the first byte (a scoped name starts with `@`);
/// `needle` starts with an ASCII byte, so the index is a char boundary.
fn find_after_first(s: &str, needle: &str) -> Option<usize> {
    memchr::memmem::find(s.as_bytes().get(1..)?, needle.as_bytes()).map(|i| i + 1)
}

/// The package name of a yarn specifier: `name@range`, `@scope/name@range`,
/// `alias@npm:real@range`.
fn yarn_spec_name(spec: &str) -> &str {
    let spec = spec.trim().trim_matches('"');
    match find_after_first(spec, "@") {
        Some(i) => &spec[..i],
        None => spec,
    }
}

pub(crate) fn yarn_lock(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    let text = String::from_utf8_lossy(text);
    let mut out = Vec::new();
    let mut header: Option<(String, u64)> = None;
    let mut version: Option<String> = None;
    let mut resolution: Option<String> = None;
    let mut berry = false;
    let mut saw_entry = false;
    let flush = |header: &mut Option<(String, u64)>,
                 version: &mut Option<String>,
                 resolution: &mut Option<String>,
                 out: &mut Vec<Package>| {
        if let (Some((spec, line)), Some(v)) = (header.take(), version.take()) {
            let first = spec
                .split(", ")
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches('"');
            let mut name = yarn_spec_name(first).to_owned();
            // Berry's `resolution: "name@npm:1.2.3"` names the real package.
            if let Some(res) = resolution.take() {
                let res = res.trim_matches('"');
                let res = res.strip_prefix("patch:").unwrap_or(res);
                if res.contains("@workspace:")
                    || res.contains("@link:")
                    || res.contains("@portal:")
                    || res.contains("@file:")
                {
                    return;
                }
                if let Some(i) = find_after_first(res, "@npm:") {
                    name = res[..i].to_owned();
                }
            } else if let Some(rest) = first.split_once("@npm:").map(|x| x.1) {
                // classic alias `alias@npm:real@^1`
                name = yarn_spec_name(rest).to_owned();
            }
            if registry_version(&v) {
                out.push(pkg_line(&name, &v, line));
            }
        }
        resolution.take();
    };
    fn pkg_line(name: &str, v: &str, line: u64) -> Package {
        Package::new(Ecosystem::Npm, name, v, &[]).line(line)
    }
    for (i, raw) in text.lines().enumerate() {
        let line_no = i as u64 + 1;
        if raw.trim_start().starts_with('#') || raw.trim().is_empty() {
            continue;
        }
        if !raw.starts_with(' ') {
            flush(&mut header, &mut version, &mut resolution, &mut out);
            let h = raw.trim_end().trim_end_matches(':');
            if h == "__metadata" {
                berry = true;
                header = None;
                continue;
            }
            saw_entry = true;
            header = Some((h.to_owned(), line_no));
            continue;
        }
        let t = raw.trim();
        if raw.starts_with("  ") && !raw.starts_with("   ") {
            if let Some(v) = t
                .strip_prefix("version:")
                .or_else(|| t.strip_prefix("version "))
            {
                version = Some(v.trim().trim_matches('"').to_owned());
            } else if let Some(r) = t.strip_prefix("resolution:") {
                resolution = Some(r.trim().to_owned());
            }
        }
    }
    flush(&mut header, &mut version, &mut resolution, &mut out);
    if !saw_entry && !berry && !text.trim().is_empty() {
        return Err(ParseError::Format("no entries: not a yarn.lock".into()));
    }
    for p in &mut out {
        p.path = path.to_vec();
    }
    Ok(Found::Packages(out))
}

/// A pnpm `packages` key: `/name/1.0.0` (v5), `/name@1.0.0(peer@2)` (v6),
/// `name@1.0.0(peer@2)` (v9), with `_peer` suffixes (v5) cut off.
fn pnpm_key(key: &str, v5: bool) -> Option<(String, String)> {
    let k = key.strip_prefix('/').unwrap_or(key);
    let k = k.split('(').next().unwrap_or(k);
    if v5 {
        let (name, version) = k.rsplit_once('/')?;
        let version = version.split('_').next().unwrap_or(version);
        return Some((name.to_owned(), version.to_owned()));
    }
    let at = find_after_first(k, "@")?;
    Some((k[..at].to_owned(), k[at + 1..].to_owned()))
}

pub(crate) fn pnpm_lock(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    let s = std::str::from_utf8(text).map_err(|e| ParseError::Format(format!("not UTF-8: {e}")))?;
    let v: Value = super::yaml(s)?;
    let lv = match v.get("lockfileVersion") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(ParseError::Format(
                "no lockfileVersion: not a pnpm lockfile".into(),
            ));
        }
    };
    let v5 = lv.starts_with('5');
    // Direct dependencies and their groups, from the root importer (or the top level in
    // single-project v5 files).
    let mut direct: HashMap<String, &'static str> = HashMap::new();
    let root = v.get("importers").and_then(|i| i.get(".")).unwrap_or(&v);
    for (k, group) in [
        ("dependencies", "prod"),
        ("devDependencies", "dev"),
        ("optionalDependencies", "optional"),
    ] {
        if let Some(m) = root.get(k).and_then(Value::as_object) {
            for name in m.keys() {
                direct.insert(name.clone(), group);
            }
        }
    }
    let lines = KeyLines::new(text);
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    if let Some(packages) = v.get("packages").and_then(Value::as_object) {
        for (key, entry) in packages {
            let Some((mut name, mut version)) = pnpm_key(key, v5) else {
                continue;
            };
            if let Some(n) = entry.get("name").and_then(Value::as_str) {
                name = n.to_owned();
            }
            if let Some(ver) = entry.get("version").and_then(Value::as_str) {
                version = ver.to_owned();
            }
            if !registry_version(&version) || !seen.insert((name.clone(), version.clone())) {
                continue;
            }
            let group = direct.get(&name).copied();
            let scope = match scope_of(entry) {
                Some(s) => Some(s),
                None if group == Some("dev") => Some("dev"),
                None if group == Some("optional") => Some("optional"),
                None => None,
            };
            let line = lines.get(key);
            out.push(
                pkg(path, &name, &version)
                    .line(line)
                    .direct(Some(group.is_some()))
                    .scope(scope),
            );
        }
    }
    Ok(Found::Packages(out))
}

/// The lowest version a simple range admits (`^1.2.3`, `~1.2.3`, `>=1.2.3`, `1.2.3`,
/// `=1.2.3`), or `None` for anything more complex.
fn range_floor(range: &str) -> Option<String> {
    let r = range.trim();
    if r.contains("||") || r.contains(' ') {
        return None;
    }
    let r = r.trim_start_matches(['^', '~', '=', 'v']);
    let r = r.strip_prefix(">=").unwrap_or(r);
    let parts: Vec<&str> = r.split('.').collect();
    if parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        Some(r.to_owned())
    } else {
        None
    }
}

pub(crate) fn package_json(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    let v: Value = serde_json::from_slice(text).map_err(ParseError::json)?;
    if !v.is_object() {
        return Err(ParseError::Format("not a JSON object".into()));
    }
    // An installed package: node_modules/<name>/package.json holds its exact version.
    let comps: Vec<&str> = path
        .last()
        .map(|p| p.split('/').collect())
        .unwrap_or_default();
    let in_node_modules = comps.contains(&"node_modules");
    if in_node_modules {
        let (Some(name), Some(version)) = (
            v.get("name").and_then(Value::as_str),
            v.get("version").and_then(Value::as_str),
        ) else {
            return Ok(Found::Packages(Vec::new()));
        };
        if !registry_version(version) {
            return Ok(Found::Packages(Vec::new()));
        }
        let line = LineFinder::new(text).find("\"version\"");
        return Ok(Found::Packages(vec![
            pkg(path, name, version)
                .line(line)
                .evidence(Evidence::Manifest)
                .direct(None),
        ]));
    }
    let mut lines = LineFinder::new(text);
    let mut out = Vec::new();
    for (k, scope) in [
        ("dependencies", None),
        ("devDependencies", Some("dev")),
        ("optionalDependencies", Some("optional")),
        ("peerDependencies", Some("peer")),
    ] {
        let Some(m) = v.get(k).and_then(Value::as_object) else {
            continue;
        };
        lines.find(&format!("\"{k}\""));
        for (name, range) in m {
            let Some(range) = range.as_str() else {
                continue;
            };
            let (n, r) = unalias(name, range);
            let Some(floor) = range_floor(r) else {
                continue;
            };
            let line = lines.find(&format!("\"{name}\""));
            let mut p = pkg(path, n, &floor)
                .line(line)
                .evidence(Evidence::Range)
                .direct(Some(true))
                .scope(scope);
            p.version = floor;
            out.push(p);
        }
    }
    Ok(Found::Fallback(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(f: Found) -> Vec<String> {
        let mut v: Vec<String> = f
            .packages()
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
            .collect();
        v.sort();
        v
    }
    fn p() -> Vec<String> {
        vec!["app/package-lock.json".into()]
    }

    #[test]
    fn package_lock_v3_with_dev_nested_alias_and_links() {
        let lock = br#"{
  "name": "app", "lockfileVersion": 3,
  "packages": {
    "": {"name": "app", "dependencies": {"express": "^4.0.0", "fetch2": "npm:node-fetch@^2"}, "devDependencies": {"jest": "^29"}},
    "node_modules/express": {"version": "4.17.1"},
    "node_modules/express/node_modules/qs": {"version": "6.7.0"},
    "node_modules/jest": {"version": "29.0.0", "dev": true},
    "node_modules/fetch2": {"name": "node-fetch", "version": "2.6.0"},
    "node_modules/local": {"resolved": "packages/local", "link": true},
    "packages/local": {"version": "1.0.0"},
    "node_modules/gitdep": {"version": "git+ssh://git@github.com/x/y.git#abc"}
  }
}"#;
        assert_eq!(
            names(package_lock(&p(), lock).unwrap()),
            vec![
                "express@4.17.1 l5 Some(true) -",
                "jest@29.0.0 l7 Some(true) dev",
                "node-fetch@2.6.0 l8 Some(true) -",
                "qs@6.7.0 l6 Some(false) -",
            ]
        );
    }

    #[test]
    fn package_lock_v1_nested() {
        let lock = br#"{"lockfileVersion": 1, "dependencies": {
  "a": {"version": "1.0.0", "dependencies": {"b": {"version": "2.0.0", "dev": true}}},
  "c": {"version": "npm:d@3.0.0"}
}}"#;
        assert_eq!(
            names(package_lock(&p(), lock).unwrap()),
            vec![
                "a@1.0.0 l2 None -",
                "b@2.0.0 l2 None dev",
                "d@3.0.0 l3 None -"
            ]
        );
    }

    #[test]
    fn truncated_lock_is_an_error_with_a_position() {
        let e = package_lock(&p(), br#"{"packages": {"node_modules/a": {"vers"#).unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }

    #[test]
    fn yarn_classic_and_berry() {
        let classic = b"# yarn lockfile v1\n\n\"@babel/code-frame@^7.0.0\", \"@babel/code-frame@^7.10.4\":\n  version \"7.12.13\"\n  resolved \"https://registry.yarnpkg.com/x\"\n  dependencies:\n    \"@babel/highlight\" \"^7.12.13\"\n\nlodash@^4.17.15:\n  version \"4.17.15\"\n\nalias@npm:left-pad@^1:\n  version \"1.3.0\"\n";
        assert_eq!(
            names(yarn_lock(&p(), classic).unwrap()),
            vec![
                "@babel/code-frame@7.12.13 l3 None -",
                "left-pad@1.3.0 l12 None -",
                "lodash@4.17.15 l9 None -"
            ]
        );
        let berry = b"__metadata:\n  version: 6\n  cacheKey: 8\n\n\"lodash@npm:^4.17.20\":\n  version: 4.17.21\n  resolution: \"lodash@npm:4.17.21\"\n\n\"app@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"app@workspace:.\"\n\n\"@types/node@npm:*\":\n  version: 20.1.0\n  resolution: \"@types/node@npm:20.1.0\"\n";
        assert_eq!(
            names(yarn_lock(&p(), berry).unwrap()),
            vec!["@types/node@20.1.0 l13 None -", "lodash@4.17.21 l5 None -"]
        );
    }

    #[test]
    fn pnpm_v5_v6_v9() {
        let v5 = b"lockfileVersion: 5.4\nspecifiers:\n  a: ^1.0.0\ndependencies:\n  a: 1.0.0\npackages:\n  /a/1.0.0:\n    resolution: {integrity: sha512-x}\n    dev: false\n  /@s/b/2.0.0_react@18.0.0:\n    resolution: {integrity: sha512-y}\n    dev: true\n";
        assert_eq!(
            names(pnpm_lock(&p(), v5).unwrap()),
            vec!["@s/b@2.0.0 l10 Some(false) dev", "a@1.0.0 l7 Some(true) -"]
        );
        let v6 = b"lockfileVersion: '6.0'\nimporters:\n  .:\n    devDependencies:\n      c:\n        specifier: ^3\n        version: 3.1.0\npackages:\n  /c@3.1.0(peer@1.0.0):\n    resolution: {integrity: sha512-z}\n    dev: true\n  /@s/d@4.0.0:\n    resolution: {integrity: sha512-w}\n";
        assert_eq!(
            names(pnpm_lock(&p(), v6).unwrap()),
            vec!["@s/d@4.0.0 l12 Some(false) -", "c@3.1.0 l9 Some(true) dev"]
        );
        let v9 = b"lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      e:\n        specifier: 1.x\n        version: 1.2.0\npackages:\n  e@1.2.0:\n    resolution: {integrity: sha512-q}\n  '@s/f@2.0.0':\n    resolution: {integrity: sha512-r}\nsnapshots:\n  e@1.2.0: {}\n";
        assert_eq!(
            names(pnpm_lock(&p(), v9).unwrap()),
            vec!["@s/f@2.0.0 l11 Some(false) -", "e@1.2.0 l9 Some(true) -"]
        );
    }

    #[test]
    fn package_json_ranges_and_installed() {
        let pj = br#"{"dependencies": {"lodash": "^4.17.15", "x": "git+https://a/b", "y": "1.x || 2.x"}, "devDependencies": {"jest": "~29.1.0"}}"#;
        assert_eq!(
            names(package_json(&["app/package.json".into()], pj).unwrap()),
            vec![
                "jest@29.1.0 l1 Some(true) dev",
                "lodash@4.17.15 l1 Some(true) -"
            ]
        );
        let installed =
            br#"{"name": "qs", "version": "6.5.2", "dependencies": {"side": "^1.0.0"}}"#;
        assert_eq!(
            names(package_json(&["app/node_modules/qs/package.json".into()], installed).unwrap()),
            vec!["qs@6.5.2 l1 None -"]
        );
    }
}
