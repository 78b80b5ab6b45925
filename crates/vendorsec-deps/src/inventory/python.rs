//! Python: requirements*.txt (pinned `==` lines, hashes, `-r`/`-c` includes read from the
//! same tree), poetry.lock, Pipfile.lock, uv.lock and pdm.lock.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use super::lines::{KeyLines, LineFinder};
use super::{Found, ParseError};
use crate::{Ecosystem, Package};

/// Largest included requirements file read from disk.
const MAX_INCLUDE: u64 = 8 << 20;

pub(crate) fn requirements(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    if let Some(first) = path.first() {
        seen.insert(first.clone());
    }
    requirements_into(path, text, &mut out, &mut seen, 0);
    Ok(Found::Packages(out))
}

fn requirements_into(
    path: &[String],
    text: &[u8],
    out: &mut Vec<Package>,
    seen: &mut HashSet<String>,
    depth: usize,
) {
    let s = String::from_utf8_lossy(text);
    // Join continuation lines, remembering where each logical line started.
    let mut logical: Vec<(u64, String)> = Vec::new();
    let mut cur = String::new();
    let mut start = 0u64;
    for (i, raw) in s.lines().enumerate() {
        if cur.is_empty() {
            start = i as u64 + 1;
        }
        let line = raw.split(" #").next().unwrap_or(raw);
        if let Some(body) = line.trim_end().strip_suffix('\\') {
            cur.push_str(body);
            cur.push(' ');
            continue;
        }
        cur.push_str(line);
        logical.push((start, std::mem::take(&mut cur)));
    }
    if !cur.is_empty() {
        logical.push((start, cur));
    }
    for (line_no, line) in logical {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        for flag in ["-r ", "--requirement ", "-c ", "--constraint ", "-r", "-c"] {
            if let Some(inc) = t.strip_prefix(flag) {
                let inc = inc.trim().trim_start_matches('=');
                include(path, inc, out, seen, depth);
                break;
            }
        }
        if t.starts_with('-') || t.contains("://") {
            continue;
        }
        let spec = t.split(';').next().unwrap_or("").trim();
        let spec = spec.split(" --hash").next().unwrap_or(spec).trim();
        let Some((name, version)) = spec.split_once("===").or_else(|| spec.split_once("==")) else {
            continue;
        };
        let name = name.split('[').next().unwrap_or(name).trim();
        let version = version.trim();
        if name.is_empty()
            || version.is_empty()
            || version.contains(['*', ',', '<', '>', '!', ' '])
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            continue;
        }
        out.push(Package::new(Ecosystem::PyPI, name, version, path).line(line_no));
    }
}

/// Follow `-r other.txt` when the including file is a plain file on disk.
fn include(
    path: &[String],
    inc: &str,
    out: &mut Vec<Package>,
    seen: &mut HashSet<String>,
    depth: usize,
) {
    if depth >= 8 || path.len() != 1 || inc.is_empty() || inc.contains("://") {
        return;
    }
    let base = Path::new(&path[0]).parent().unwrap_or(Path::new(""));
    let target = base.join(inc);
    let key = target.display().to_string();
    if !seen.insert(key.clone()) {
        return;
    }
    let Ok(meta) = std::fs::metadata(&target) else {
        return;
    };
    if !meta.is_file() || meta.len() > MAX_INCLUDE {
        return;
    }
    if let Ok(bytes) = std::fs::read(&target) {
        requirements_into(&[key], &bytes, out, seen, depth + 1);
    }
}

fn toml_doc(text: &[u8]) -> Result<toml::Table, ParseError> {
    let s = std::str::from_utf8(text).map_err(|e| ParseError::Format(format!("not UTF-8: {e}")))?;
    s.parse::<toml::Table>()
        .map_err(|e| ParseError::Format(format!("not valid TOML: {}", e.message())))
}

/// `[[package]]` tables with `name` and `version` (poetry.lock, uv.lock, pdm.lock,
/// Cargo.lock); `keep` decides per table and may give a scope.
pub(crate) fn toml_packages(
    path: &[String],
    text: &[u8],
    eco: Ecosystem,
    keep: impl Fn(&toml::Table) -> Option<Option<String>>,
) -> Result<Found, ParseError> {
    let doc = toml_doc(text)?;
    let Some(list) = doc.get("package").and_then(toml::Value::as_array) else {
        return Ok(Found::Packages(Vec::new()));
    };
    let mut lines = LineFinder::new(text);
    let mut out = Vec::new();
    for t in list.iter().filter_map(toml::Value::as_table) {
        let (Some(name), Some(version)) = (
            t.get("name").and_then(toml::Value::as_str),
            t.get("version").and_then(toml::Value::as_str),
        ) else {
            continue;
        };
        let Some(scope) = keep(t) else { continue };
        let line = lines.find(&format!("name = \"{name}\""));
        let mut p = Package::new(eco, name, version, path).line(line);
        p.scope = scope;
        out.push(p);
    }
    Ok(Found::Packages(out))
}

pub(crate) fn poetry_lock(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    toml_packages(path, text, Ecosystem::PyPI, |t| {
        let category = t.get("category").and_then(toml::Value::as_str);
        let groups: Vec<&str> = t
            .get("groups")
            .and_then(toml::Value::as_array)
            .map(|g| g.iter().filter_map(toml::Value::as_str).collect())
            .unwrap_or_default();
        let dev = category == Some("dev") || (!groups.is_empty() && !groups.contains(&"main"));
        Some(dev.then(|| "dev".to_owned()))
    })
}

pub(crate) fn uv_lock(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    toml_packages(path, text, Ecosystem::PyPI, |t| {
        let source = t.get("source").and_then(toml::Value::as_table);
        // The project itself and path dependencies are not registry packages.
        if source.is_some_and(|s| {
            s.contains_key("editable") || s.contains_key("virtual") || s.contains_key("directory")
        }) {
            return None;
        }
        Some(None)
    })
}

pub(crate) fn pdm_lock(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    toml_packages(path, text, Ecosystem::PyPI, |t| {
        let groups: Vec<&str> = t
            .get("groups")
            .and_then(toml::Value::as_array)
            .map(|g| g.iter().filter_map(toml::Value::as_str).collect())
            .unwrap_or_default();
        let dev = !groups.is_empty() && !groups.contains(&"default");
        Some(dev.then(|| "dev".to_owned()))
    })
}

pub(crate) fn pipfile_lock(path: &[String], text: &[u8]) -> Result<Found, ParseError> {
    let v: Value = serde_json::from_slice(text).map_err(ParseError::json)?;
    let lines = KeyLines::new(text);
    let mut out = Vec::new();
    for (section, scope) in [("default", None), ("develop", Some("dev"))] {
        let Some(m) = v.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (name, entry) in m {
            let Some(ver) = entry.get("version").and_then(Value::as_str) else {
                continue;
            };
            let Some(ver) = ver.strip_prefix("===").or_else(|| ver.strip_prefix("==")) else {
                continue;
            };
            let line = lines.get(name);
            out.push(
                Package::new(Ecosystem::PyPI, name, ver, path)
                    .line(line)
                    .scope(scope),
            );
        }
    }
    if v.get("default").is_none() && v.get("develop").is_none() {
        return Err(ParseError::Format(
            "no `default` or `develop`: not a Pipfile.lock".into(),
        ));
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
    fn requirements_pins_hashes_markers_and_includes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("base.in"),
            "urllib3==1.24.1\n-r requirements.txt\n",
        )
        .unwrap();
        let main = dir.path().join("requirements.txt");
        let text = b"# comment\nDjango==3.2.1 \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb\nrequests[security]==2.19.0 ; python_version >= \"3\"\nflask>=1.0\n-r base.in\n-e git+https://x/y.git#egg=z\nnumpy===1.19.0\n";
        std::fs::write(&main, text).unwrap();
        let got = show(requirements(&[main.display().to_string()], text).unwrap());
        assert_eq!(
            got,
            vec![
                "Django@3.2.1 l2 -",
                "requests@2.19.0 l5 -",
                "urllib3@1.24.1 l1 -",
                "numpy@1.19.0 l9 -"
            ]
        );
    }

    #[test]
    fn lockfiles() {
        let poetry = b"[[package]]\nname = \"jinja2\"\nversion = \"2.7.1\"\ncategory = \"main\"\n\n[[package]]\nname = \"pytest\"\nversion = \"7.0.0\"\ngroups = [\"dev\"]\n";
        assert_eq!(
            show(poetry_lock(&["poetry.lock".into()], poetry).unwrap()),
            vec!["jinja2@2.7.1 l2 -", "pytest@7.0.0 l7 dev"]
        );
        let uv = b"version = 1\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\n\n[[package]]\nname = \"idna\"\nversion = \"3.6\"\nsource = { registry = \"https://pypi.org/simple\" }\n";
        assert_eq!(
            show(uv_lock(&["uv.lock".into()], uv).unwrap()),
            vec!["idna@3.6 l8 -"]
        );
        let pdm = b"[[package]]\nname = \"rich\"\nversion = \"13.0.0\"\ngroups = [\"default\"]\n";
        assert_eq!(
            show(pdm_lock(&["pdm.lock".into()], pdm).unwrap()),
            vec!["rich@13.0.0 l2 -"]
        );
        let pipfile = br#"{"_meta": {}, "default": {"jinja2": {"version": "==2.7.1"}}, "develop": {"pytest": {"version": "==7.0.0"}, "x": {"git": "https://a"}}}"#;
        assert_eq!(
            show(pipfile_lock(&["Pipfile.lock".into()], pipfile).unwrap()),
            vec!["jinja2@2.7.1 l1 -", "pytest@7.0.0 l1 dev"]
        );
        assert!(poetry_lock(&["poetry.lock".into()], b"[[package]\nname=").is_err());
    }
}
