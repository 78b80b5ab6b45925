//! The inventory: which files name components, their parsers, and the collector that the
//! scan's walk feeds (from several threads) and that resolves what needs the whole tree
//! (pom parents, Java archive identity, fallbacks such as package.json ranges).

mod jar;
mod lines;
mod maven;
mod npm;
mod other;
mod python;

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

use serde_json::Value;

use crate::{Ecosystem, Package};

/// Largest file the inventory parses (a bigger one is reported and skipped).
pub const MAX_MANIFEST_BYTES: u64 = 256 << 20;

/// A file kind the inventory reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    NpmLock,
    YarnLock,
    PnpmLock,
    PackageJson,
    Pom,
    GradleLock,
    GradleBuildscriptLock,
    GradleVerification,
    /// build.gradle / build.gradle.kts (fallback when no gradle.lockfile is beside it).
    GradleBuild,
    /// gradle/libs.versions.toml (fallback when the project has no gradle.lockfile).
    VersionCatalog,
    Requirements,
    PoetryLock,
    PipfileLock,
    UvLock,
    PdmLock,
    CargoLock,
    GoMod,
    GoSum,
    ComposerLock,
    GemfileLock,
    NugetLock,
    /// `META-INF/maven/**/pom.properties` inside a Java archive.
    PomProperties,
    /// `META-INF/MANIFEST.MF` inside a Java archive.
    JarManifest,
}

impl Kind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NpmLock => "package-lock.json",
            Kind::YarnLock => "yarn.lock",
            Kind::PnpmLock => "pnpm-lock.yaml",
            Kind::PackageJson => "package.json",
            Kind::Pom => "pom.xml",
            Kind::GradleLock => "gradle.lockfile",
            Kind::GradleBuildscriptLock => "buildscript-gradle.lockfile",
            Kind::GradleVerification => "verification-metadata.xml",
            Kind::GradleBuild => "build.gradle",
            Kind::VersionCatalog => "libs.versions.toml",
            Kind::Requirements => "requirements.txt",
            Kind::PoetryLock => "poetry.lock",
            Kind::PipfileLock => "Pipfile.lock",
            Kind::UvLock => "uv.lock",
            Kind::PdmLock => "pdm.lock",
            Kind::CargoLock => "Cargo.lock",
            Kind::GoMod => "go.mod",
            Kind::GoSum => "go.sum",
            Kind::ComposerLock => "composer.lock",
            Kind::GemfileLock => "Gemfile.lock",
            Kind::NugetLock => "packages.lock.json",
            Kind::PomProperties => "pom.properties",
            Kind::JarManifest => "MANIFEST.MF",
        }
    }
}

/// A parser's result.
#[derive(Debug)]
pub(crate) enum Found {
    Packages(Vec<Package>),
    /// Used only when no lockfile is beside the file (package.json ranges, go.sum).
    Fallback(Vec<Package>),
    Pom(Box<maven::Pom>),
}

impl Found {
    #[cfg(test)]
    pub(crate) fn packages(&self) -> &[Package] {
        match self {
            Found::Packages(p) | Found::Fallback(p) => p,
            Found::Pom(_) => &[],
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ParseError {
    #[error("{0}")]
    Format(String),
}

impl ParseError {
    pub(crate) fn json(e: serde_json::Error) -> ParseError {
        ParseError::Format(format!(
            "not valid JSON: {} at line {} column {}",
            match e.classify() {
                serde_json::error::Category::Eof => "truncated",
                serde_json::error::Category::Syntax => "syntax error",
                serde_json::error::Category::Data => "unexpected data",
                serde_json::error::Category::Io => "read error",
            },
            e.line(),
            e.column()
        ))
    }
}

/// YAML into a JSON value with the parser's budget raised for large lockfiles (aliases,
/// depth and anchors stay bounded, so an alias bomb is refused).
pub(crate) fn yaml(text: &str) -> Result<Value, ParseError> {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = 50_000_000;
    budget.max_nodes = 20_000_000;
    budget.max_reader_input_bytes = Some(MAX_MANIFEST_BYTES as usize);
    budget.max_total_scalar_bytes = MAX_MANIFEST_BYTES as usize;
    let opts = serde_saphyr::options! { budget: Some(budget) };
    serde_saphyr::from_str_with_options::<Value>(text, opts).map_err(|e| {
        // The parser's message carries a source excerpt; keep its first line.
        let msg = e.to_string();
        let first = msg
            .lines()
            .next()
            .unwrap_or("")
            .trim_start_matches("error: ");
        ParseError::Format(format!("not valid YAML: {first}"))
    })
}

fn leaf_name(chain: &[String]) -> &str {
    chain
        .last()
        .map_or("", |l| l.rsplit('/').next().unwrap_or(l))
}

fn components(chain: &[String]) -> Vec<&str> {
    chain
        .last()
        .map(|l| l.split('/').collect())
        .unwrap_or_default()
}

/// Which inventory file a blob is, from its origin chain; `None` for everything else.
#[must_use]
pub fn kind_of(chain: &[String]) -> Option<Kind> {
    let leaf = leaf_name(chain);
    let comps = components(chain);
    let in_archive = chain.len() > 1;
    let in_java_archive = in_archive && jar::is_java_archive(&chain[chain.len() - 2]);
    if in_java_archive {
        let entry = chain.last().map_or("", String::as_str);
        if entry.starts_with("META-INF/maven/") && leaf == "pom.properties" {
            return Some(Kind::PomProperties);
        }
        if entry == "META-INF/MANIFEST.MF" {
            return Some(Kind::JarManifest);
        }
    }
    let in_node_modules = comps.contains(&"node_modules");
    let kind = match leaf {
        "package-lock.json" | "npm-shrinkwrap.json" if !in_node_modules => Kind::NpmLock,
        ".package-lock.json" if in_node_modules => Kind::NpmLock,
        "yarn.lock" if !in_node_modules => Kind::YarnLock,
        "pnpm-lock.yaml" if !in_node_modules => Kind::PnpmLock,
        "package.json" if !in_archive || in_node_modules => Kind::PackageJson,
        "pom.xml" if !in_java_archive => Kind::Pom,
        "gradle.lockfile" => Kind::GradleLock,
        "buildscript-gradle.lockfile" => Kind::GradleBuildscriptLock,
        "verification-metadata.xml" if comps.iter().rev().nth(1) == Some(&"gradle") => {
            Kind::GradleVerification
        }
        "build.gradle" | "build.gradle.kts" if !in_archive => Kind::GradleBuild,
        l if l.ends_with(".versions.toml")
            && !in_archive
            && comps.iter().rev().nth(1) == Some(&"gradle") =>
        {
            Kind::VersionCatalog
        }
        "poetry.lock" => Kind::PoetryLock,
        "Pipfile.lock" => Kind::PipfileLock,
        "uv.lock" => Kind::UvLock,
        "pdm.lock" => Kind::PdmLock,
        "Cargo.lock" => Kind::CargoLock,
        "go.mod" => Kind::GoMod,
        "go.sum" => Kind::GoSum,
        "composer.lock" => Kind::ComposerLock,
        "Gemfile.lock" | "gems.locked" => Kind::GemfileLock,
        "packages.lock.json" => Kind::NugetLock,
        l if l.starts_with("requirements") && l.ends_with(".txt") && !in_archive => {
            Kind::Requirements
        }
        _ => return None,
    };
    Some(kind)
}

/// A problem with one input; the scan goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub reason: String,
}

#[derive(Default)]
struct State {
    packages: Vec<Package>,
    fallbacks: Vec<(Kind, Package)>,
    poms: Vec<maven::Pom>,
    archives: BTreeMap<Vec<String>, jar::ArchiveFacts>,
    problems: Vec<Problem>,
    /// Directories (origin chain with the file name cut) holding an npm lockfile / go.mod.
    npm_lock_dirs: HashSet<String>,
    go_mod_dirs: HashSet<String>,
    gradle_lock_dirs: HashSet<String>,
}

/// Gathers components from the walk; call [`Collector::finish`] after it.
#[derive(Default)]
pub struct Collector {
    state: Mutex<State>,
}

/// The inventory of a scan.
#[derive(Debug, Default)]
pub struct Inventory {
    pub packages: Vec<Package>,
    pub problems: Vec<Problem>,
}

fn dir_of(chain: &[String]) -> String {
    let mut c = chain.to_vec();
    if let Some(last) = c.last_mut() {
        *last = last
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| d.to_owned());
    }
    c.join("!/")
}

impl Collector {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Parse one inventory file (its whole content).
    pub fn file(&self, chain: &[String], kind: Kind, bytes: &[u8]) {
        let shown = chain.join("!/");
        if kind == Kind::PomProperties {
            let archive = chain[..chain.len() - 1].to_vec();
            let entry = chain[chain.len() - 1].clone();
            let mut st = self.lock();
            match jar::pom_properties(bytes) {
                Ok((g, a, v)) => st
                    .archives
                    .entry(archive)
                    .or_default()
                    .poms
                    .push((entry, g, a, v)),
                Err(reason) => st.problems.push(Problem {
                    path: shown,
                    reason,
                }),
            }
            return;
        }
        if kind == Kind::JarManifest {
            let archive = chain[..chain.len() - 1].to_vec();
            let m = jar::manifest(bytes);
            self.lock().archives.entry(archive).or_default().manifest = Some(m);
            return;
        }
        let result = match kind {
            Kind::NpmLock => npm::package_lock(chain, bytes),
            Kind::YarnLock => npm::yarn_lock(chain, bytes),
            Kind::PnpmLock => npm::pnpm_lock(chain, bytes),
            Kind::PackageJson => npm::package_json(chain, bytes),
            Kind::Pom => maven::pom(chain, bytes),
            Kind::GradleLock => maven::gradle_lock(chain, bytes, false),
            Kind::GradleBuildscriptLock => maven::gradle_lock(chain, bytes, true),
            Kind::GradleVerification => maven::verification_metadata(chain, bytes),
            Kind::GradleBuild => maven::gradle_build(chain, bytes),
            Kind::VersionCatalog => maven::version_catalog(chain, bytes),
            Kind::Requirements => python::requirements(chain, bytes),
            Kind::PoetryLock => python::poetry_lock(chain, bytes),
            Kind::PipfileLock => python::pipfile_lock(chain, bytes),
            Kind::UvLock => python::uv_lock(chain, bytes),
            Kind::PdmLock => python::pdm_lock(chain, bytes),
            Kind::CargoLock => other::cargo_lock(chain, bytes),
            Kind::GoMod => other::go_mod(chain, bytes),
            Kind::GoSum => other::go_sum(chain, bytes),
            Kind::ComposerLock => other::composer_lock(chain, bytes),
            Kind::GemfileLock => other::gemfile_lock(chain, bytes),
            Kind::NugetLock => other::nuget_lock(chain, bytes),
            Kind::PomProperties | Kind::JarManifest => return,
        };
        let mut st = self.lock();
        match result {
            Ok(Found::Packages(p)) => {
                if matches!(kind, Kind::NpmLock | Kind::YarnLock | Kind::PnpmLock) {
                    st.npm_lock_dirs.insert(dir_of(chain));
                }
                if kind == Kind::GoMod {
                    st.go_mod_dirs.insert(dir_of(chain));
                }
                if kind == Kind::GradleLock {
                    st.gradle_lock_dirs.insert(dir_of(chain));
                }
                st.packages.extend(p);
            }
            Ok(Found::Fallback(p)) => st.fallbacks.extend(p.into_iter().map(|x| (kind, x))),
            Ok(Found::Pom(p)) => st.poms.push(*p),
            Err(e) => st.problems.push(Problem {
                path: shown,
                reason: format!("{}: {e}", kind.as_str()),
            }),
        }
    }

    /// A file too large to parse.
    pub fn too_large(&self, chain: &[String], kind: Kind, size: u64) {
        self.lock().problems.push(Problem {
            path: chain.join("!/"),
            reason: format!(
                "{}: larger than {MAX_MANIFEST_BYTES} bytes ({size} read); not inventoried",
                kind.as_str()
            ),
        });
    }

    /// An archive was opened; Java archives are identified from what is inside them.
    pub fn archive(&self, chain: &[String], sha1: Option<String>) {
        if chain.last().is_some_and(|l| jar::is_java_archive(l)) {
            self.lock().archives.entry(chain.to_vec()).or_default().sha1 = sha1;
        }
    }

    /// Resolve what needed the whole tree and return the inventory, sorted and with
    /// duplicates (same component, same file and line) removed.
    #[must_use]
    pub fn finish(self) -> Inventory {
        let st = self
            .state
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut packages = st.packages;
        packages.extend(maven::resolve_poms(&st.poms));
        packages.extend(jar::identify(&st.archives));
        for (kind, p) in st.fallbacks {
            let dir = dir_of(&p.path);
            let covered = match kind {
                Kind::PackageJson => st.npm_lock_dirs.contains(&dir),
                Kind::GoSum => st.go_mod_dirs.contains(&dir),
                Kind::GradleBuild => st.gradle_lock_dirs.contains(&dir),
                // The catalog lives in <project>/gradle/; the lockfile in <project>/.
                Kind::VersionCatalog => st
                    .gradle_lock_dirs
                    .contains(dir.strip_suffix("/gradle").unwrap_or(&dir)),
                _ => false,
            };
            if !covered {
                packages.push(p);
            }
        }
        packages.sort_by(|a, b| {
            (a.ecosystem, &a.name, &a.version, &a.path, a.line).cmp(&(
                b.ecosystem,
                &b.name,
                &b.version,
                &b.path,
                b.line,
            ))
        });
        packages.dedup_by(|a, b| {
            a.ecosystem == b.ecosystem
                && a.name == b.name
                && a.version == b.version
                && a.path == b.path
                && a.line == b.line
        });
        let mut problems = st.problems;
        problems.sort_by(|a, b| a.path.cmp(&b.path));
        Inventory { packages, problems }
    }
}

/// Parse one blob as the given kind, discarding the result: the fuzz targets' entry.
pub fn fuzz_parse(kind_index: u8, data: &[u8]) {
    const KINDS: [Kind; 21] = [
        Kind::NpmLock,
        Kind::YarnLock,
        Kind::PnpmLock,
        Kind::PackageJson,
        Kind::Pom,
        Kind::GradleLock,
        Kind::GradleVerification,
        Kind::GradleBuild,
        Kind::VersionCatalog,
        Kind::Requirements,
        Kind::PoetryLock,
        Kind::PipfileLock,
        Kind::UvLock,
        Kind::PdmLock,
        Kind::CargoLock,
        Kind::GoMod,
        Kind::GoSum,
        Kind::ComposerLock,
        Kind::GemfileLock,
        Kind::NugetLock,
        Kind::PomProperties,
    ];
    let kind = KINDS[usize::from(kind_index) % KINDS.len()];
    let c = Collector::default();
    let chain = if kind == Kind::PomProperties {
        vec![
            "fuzz.jar".to_owned(),
            "META-INF/maven/g/a/pom.properties".to_owned(),
        ]
    } else {
        vec![format!("fuzz/{}", kind.as_str())]
    };
    c.file(&chain, kind, data);
    c.archive(&["fuzz.jar".to_owned()], None);
    let _ = c.finish();
    let _ = Ecosystem::ALL;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_name_and_place() {
        let k = |c: &[&str]| kind_of(&c.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(k(&["app/package-lock.json"]), Some(Kind::NpmLock));
        assert_eq!(k(&["app/node_modules/x/package-lock.json"]), None);
        assert_eq!(
            k(&["app/node_modules/.package-lock.json"]),
            Some(Kind::NpmLock)
        );
        assert_eq!(k(&["app/requirements-dev.txt"]), Some(Kind::Requirements));
        assert_eq!(
            k(&["a.jar", "META-INF/maven/g/a/pom.properties"]),
            Some(Kind::PomProperties)
        );
        assert_eq!(k(&["a.jar", "META-INF/maven/g/a/pom.xml"]), None);
        assert_eq!(k(&["a.zip", "META-INF/maven/g/a/pom.properties"]), None);
        assert_eq!(
            k(&["a.jar", "META-INF/MANIFEST.MF"]),
            Some(Kind::JarManifest)
        );
        assert_eq!(
            k(&["p/gradle/verification-metadata.xml"]),
            Some(Kind::GradleVerification)
        );
        assert_eq!(
            k(&["a.jar", "META-INF/resources/webjars/x/package.json"]),
            None
        );
    }

    #[test]
    fn gradle_scripts_and_catalogs_are_fallbacks_for_lockfiles() {
        let c = Collector::default();
        let script = b"dependencies {\n  implementation(\"org.yaml:snakeyaml:1.33\")\n}\n";
        let catalog = b"[libraries]\nguava = \"com.google.guava:guava:31.1-jre\"\n";
        c.file(&["a/build.gradle.kts".into()], Kind::GradleBuild, script);
        c.file(
            &["a/gradle/libs.versions.toml".into()],
            Kind::VersionCatalog,
            catalog,
        );
        c.file(&["b/build.gradle.kts".into()], Kind::GradleBuild, script);
        c.file(
            &["b/gradle/libs.versions.toml".into()],
            Kind::VersionCatalog,
            catalog,
        );
        c.file(
            &["b/gradle.lockfile".into()],
            Kind::GradleLock,
            b"org.yaml:snakeyaml:2.2=runtimeClasspath\n",
        );
        let got: Vec<String> = c
            .finish()
            .packages
            .iter()
            .map(|p| format!("{} {}@{}", p.file(), p.name, p.version))
            .collect();
        assert_eq!(
            got,
            vec![
                "a/gradle/libs.versions.toml com.google.guava:guava@31.1-jre",
                "a/build.gradle.kts org.yaml:snakeyaml@1.33",
                "b/gradle.lockfile org.yaml:snakeyaml@2.2",
            ]
        );
    }

    #[test]
    fn multibyte_names_do_not_split_characters() {
        // Found by the `lockfiles` fuzz target: a yarn specifier starting with a
        // multi-byte character.
        fuzz_parse(1, "\u{fffd}\u{fffd}@^4:\n  version \"4.0.0\"\n".as_bytes());
        fuzz_parse(
            2,
            "lockfileVersion: '9.0'\npackages:\n  \u{e9}x@1.0.0: {}\n".as_bytes(),
        );
    }

    #[test]
    fn package_json_is_a_fallback_only() {
        let c = Collector::default();
        let pj = br#"{"dependencies": {"lodash": "^4.17.15"}}"#;
        c.file(&["a/package.json".into()], Kind::PackageJson, pj);
        c.file(&["b/package.json".into()], Kind::PackageJson, pj);
        c.file(
            &["b/yarn.lock".into()],
            Kind::YarnLock,
            b"lodash@^4.17.15:\n  version \"4.17.21\"\n",
        );
        let inv = c.finish();
        let got: Vec<String> = inv
            .packages
            .iter()
            .map(|p| format!("{} {}@{}", p.file(), p.name, p.version))
            .collect();
        assert_eq!(
            got,
            vec![
                "a/package.json lodash@4.17.15",
                "b/yarn.lock lodash@4.17.21"
            ]
        );
    }

    #[test]
    fn bad_files_become_problems_with_their_path() {
        let c = Collector::default();
        c.file(
            &["x/package-lock.json".into()],
            Kind::NpmLock,
            b"{\"packages\": {",
        );
        c.file(
            &["x/pnpm-lock.yaml".into()],
            Kind::PnpmLock,
            b"a: &a [*a, *a]\nlockfileVersion: 6\n",
        );
        let bomb = "lockfileVersion: '6.0'\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\ni: [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
        c.file(
            &["y/pnpm-lock.yaml".into()],
            Kind::PnpmLock,
            bomb.as_bytes(),
        );
        c.file(
            &["g.jar".into(), "META-INF/maven/g/a/pom.properties".into()],
            Kind::PomProperties,
            b"\xff\xfegarbage",
        );
        let inv = c.finish();
        let paths: Vec<&str> = inv.problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "g.jar!/META-INF/maven/g/a/pom.properties",
                "x/package-lock.json",
                "x/pnpm-lock.yaml",
                "y/pnpm-lock.yaml"
            ],
            "{:?}",
            inv.problems
        );
        assert!(
            inv.problems[1].reason.contains("truncated"),
            "{:?}",
            inv.problems[1]
        );
    }

    proptest::proptest! {
        #[test]
        fn parsers_never_panic(kind in 0u8..21, data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
            fuzz_parse(kind, &data);
        }

        #[test]
        fn parsers_never_panic_on_unicode_text(kind in 0u8..21, data in "\\PC{0,300}") {
            fuzz_parse(kind, data.as_bytes());
        }

        #[test]
        fn parsers_never_panic_on_textish_input(kind in 0u8..21, data in "[a-z0-9@/:._\\-\\[\\]{}\"=, \n\t#|^~>*]{0,600}") {
            fuzz_parse(kind, data.as_bytes());
        }
    }
}
