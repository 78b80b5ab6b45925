//! End-to-end tests of dependency inventory, the advisory database, matching and SBOM
//! output, with the real OSV advisories in `shared/data/advisories`.

mod common;

use common::{json, zip_of};

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn shared_data() -> PathBuf {
    match std::env::var_os("VENDORSEC_SHARED_DATA") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vendorsec"));
    c.env("NO_COLOR", "1").env_remove("VENDORSEC_DB");
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).output().unwrap()
}

fn jar(group: &str, artifact: &str, version: &str) -> Vec<u8> {
    let props = format!("groupId={group}\nartifactId={artifact}\nversion={version}\n");
    zip_of(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
        (
            &format!("META-INF/maven/{group}/{artifact}/pom.properties"),
            props.as_bytes(),
        ),
    ])
}

/// A database holding the given folders of shared/data/advisories.
fn database(dir: &Path, folders: &[&str]) -> PathBuf {
    let db = dir.join("db");
    for f in folders {
        let src = shared_data().join("advisories").join(f);
        let out = run(
            dir,
            &[
                "db",
                "import",
                src.to_str().unwrap(),
                "--db",
                db.to_str().unwrap(),
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    db
}

/// (component, ids) of every dependency finding.
fn dep_findings(report: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("dep/"))
        .map(|f| {
            let ids: Vec<&str> = f["data"]["ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_str().unwrap())
                .collect();
            (
                f["data"]["component"].as_str().unwrap().to_owned(),
                ids.join(" "),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn fat_jar_lists_bundled_libraries_and_flags_log4shell_only_on_log4j_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path(), &["Maven"]);
    let app = zip_of(&[
        (
            "BOOT-INF/lib/log4j-core-2.14.1.jar",
            &jar("org.apache.logging.log4j", "log4j-core", "2.14.1"),
        ),
        (
            "BOOT-INF/lib/log4j-1.2.17.jar",
            &jar("log4j", "log4j", "1.2.17"),
        ),
        (
            "BOOT-INF/lib/snakeyaml-2.2.jar",
            &jar("org.yaml", "snakeyaml", "2.2"),
        ),
        ("BOOT-INF/classes/app.properties", b"name=demo\n"),
    ]);
    std::fs::write(dir.path().join("app.jar"), &app).unwrap();
    let out = run(
        dir.path(),
        &[
            "scan",
            "app.jar",
            "--format",
            "json",
            "--db",
            db.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    let found = dep_findings(&r);
    assert_eq!(
        found,
        vec![
            (
                "log4j:log4j@1.2.17".into(),
                "CVE-2021-4104 GHSA-fp5r-v3w9-4333".into()
            ),
            (
                "org.apache.logging.log4j:log4j-core@2.14.1".into(),
                "CVE-2021-44228 GHSA-jfh8-c2jp-5v3q".into()
            ),
            (
                "org.apache.logging.log4j:log4j-core@2.14.1".into(),
                "CVE-2021-45046 GHSA-7rjr-3q55-vv33".into()
            ),
            (
                "org.apache.logging.log4j:log4j-core@2.14.1".into(),
                "CVE-2021-45105 GHSA-p6xc-xr62-6r2g".into()
            ),
        ]
    );
    let shell = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["data"]["ids"][0] == "CVE-2021-44228")
        .unwrap();
    assert_eq!(shell["severity"], "critical");
    assert_eq!(shell["guideline"], "code.dependency-scanning");
    assert_eq!(shell["data"]["fixed"], "2.15.0");
    assert_eq!(shell["data"]["component_fix"], "2.17.0");
    assert_eq!(shell["data"]["cvss_score"], 10.0);
    assert_eq!(
        shell["locations"][0]["origin"],
        "app.jar!/BOOT-INF/lib/log4j-core-2.14.1.jar!/META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties"
    );
    assert!(shell["remediation"].as_str().unwrap().contains("2.15.0"));
    assert_eq!(r["stats"]["components"], 3);
    // --fail-on honours severity: log4j 1.x is high, log4j-core critical.
    let out = run(
        dir.path(),
        &[
            "scan",
            "app.jar",
            "--fail-on",
            "critical",
            "--db",
            db.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let terminal = String::from_utf8_lossy(&out.stdout);
    assert!(
        terminal.contains(
            "org.apache.logging.log4j:log4j-core@2.14.1 (Maven)  fix: upgrade to 2.17.0 or later"
        ),
        "{terminal}"
    );
    assert!(
        terminal.contains("CVE-2021-44228 GHSA-jfh8-c2jp-5v3q CVSS 10.0 → 2.15.0"),
        "{terminal}"
    );
    std::fs::write(
        dir.path().join("old.jar"),
        zip_of(&[(
            "WEB-INF/lib/log4j-1.2.17.jar",
            &jar("log4j", "log4j", "1.2.17"),
        )]),
    )
    .unwrap();
    let out = run(
        dir.path(),
        &[
            "scan",
            "old.jar",
            "--fail-on",
            "critical",
            "--db",
            db.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn node_and_maven_projects_from_lockfiles_and_poms() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path(), &["npm", "Maven"]);
    let p = dir.path().join("proj");
    std::fs::create_dir_all(p.join("web")).unwrap();
    std::fs::create_dir_all(p.join("server")).unwrap();
    std::fs::write(
        p.join("web/package-lock.json"),
        r#"{
  "name": "web",
  "lockfileVersion": 3,
  "packages": {
    "": {"dependencies": {"lodash": "^4.17.15", "express": "^4.21.0"}},
    "node_modules/lodash": {"version": "4.17.15"},
    "node_modules/express": {"version": "4.21.0"},
    "node_modules/minimist": {"version": "1.2.5", "dev": true}
  }
}"#,
    )
    .unwrap();
    std::fs::write(
        p.join("server/pom.xml"),
        r#"<project><groupId>com.acme</groupId><artifactId>server</artifactId><version>1</version>
<properties><snakeyaml.version>1.33</snakeyaml.version></properties>
<dependencies>
  <dependency><groupId>org.yaml</groupId><artifactId>snakeyaml</artifactId><version>${snakeyaml.version}</version></dependency>
  <dependency><groupId>org.apache.commons</groupId><artifactId>commons-text</artifactId><version>1.10.0</version></dependency>
</dependencies></project>"#,
    )
    .unwrap();
    let out = run(
        dir.path(),
        &[
            "scan",
            "proj",
            "--format",
            "json",
            "--db",
            db.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    let found = dep_findings(&r);
    let comps: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
    assert!(comps.contains(&"lodash@4.17.15"), "{found:?}");
    assert!(comps.contains(&"minimist@1.2.5"), "{found:?}");
    assert!(comps.contains(&"org.yaml:snakeyaml@1.33"), "{found:?}");
    // express 4.21.0 and commons-text 1.10.0 are past every collected advisory.
    assert!(
        !comps
            .iter()
            .any(|c| c.starts_with("express@") || c.contains("commons-text")),
        "{found:?}"
    );
    let lodash = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["data"]["component"] == "lodash@4.17.15")
        .unwrap();
    assert_eq!(
        lodash["locations"][0]["origin"],
        "proj/web/package-lock.json"
    );
    assert_eq!(lodash["locations"][0]["line"], 6);
    let yaml = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["data"]["component"] == "org.yaml:snakeyaml@1.33")
        .unwrap();
    assert_eq!(yaml["data"]["ids"][0], "CVE-2022-1471");
    assert_eq!(yaml["locations"][0]["line"], 4);
}

#[test]
fn without_a_database_the_scan_inventories_and_says_how_to_enable_matching() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("yarn.lock"),
        "lodash@^4.17.15:\n  version \"4.17.15\"\n",
    )
    .unwrap();
    let empty = dir.path().join("no-db");
    let out = run(
        dir.path(),
        &[
            "scan",
            "yarn.lock",
            "--format",
            "json",
            "--db",
            empty.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    assert_eq!(r["stats"]["components"], 1);
    let notes: Vec<&str> = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("matching skipped")
            && n.contains("vendorsec db update")
            && n.contains("db import")),
        "{notes:?}"
    );
}

#[test]
fn malformed_lockfiles_are_diagnostics_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path(), &["npm"]);
    let p = dir.path().join("proj");
    std::fs::create_dir_all(p.join("a")).unwrap();
    std::fs::create_dir_all(p.join("b")).unwrap();
    std::fs::write(
        p.join("a/package-lock.json"),
        r#"{"lockfileVersion": 3, "packages": {"node_modules/x": {"vers"#,
    )
    .unwrap();
    std::fs::write(
        p.join("b/yarn.lock"),
        "lodash@^4.17.15:\n  version \"4.17.15\"\n",
    )
    .unwrap();
    std::fs::write(
        p.join("b/pnpm-lock.yaml"),
        "lockfileVersion: '6.0'\na: &a [x, x]\nb: [*a, *a, *zzz]\n",
    )
    .unwrap();
    let jarbytes = zip_of(&[("META-INF/maven/g/a/pom.properties", b"\xff\xfe\x00garbage")]);
    std::fs::write(p.join("b/bad.jar"), jarbytes).unwrap();
    let out = run(
        dir.path(),
        &[
            "scan",
            "proj",
            "--format",
            "json",
            "--db",
            db.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out);
    let diags: Vec<String> = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{}: {}",
                d["origin"].as_str().unwrap(),
                d["message"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        diags.iter().any(|d| d
            .starts_with("proj/a/package-lock.json: package-lock.json: not valid JSON: truncated")),
        "{diags:?}"
    );
    assert!(
        diags
            .iter()
            .any(|d| d.starts_with("proj/b/pnpm-lock.yaml: pnpm-lock.yaml: not valid YAML")),
        "{diags:?}"
    );
    assert!(
        diags
            .iter()
            .any(|d| d.starts_with("proj/b/bad.jar!/META-INF/maven/g/a/pom.properties")),
        "{diags:?}"
    );
    assert!(dep_findings(&r).iter().any(|(c, _)| c == "lodash@4.17.15"));
}

#[test]
fn thousands_of_nested_jars_are_all_inventoried() {
    let dir = tempfile::tempdir().unwrap();
    let inner: Vec<(String, Vec<u8>)> = (0..1500)
        .map(|i| {
            (
                format!("META-INF/lib/lib{i}-1.0.{i}.jar"),
                jar("com.example", &format!("lib{i}"), &format!("1.0.{i}")),
            )
        })
        .collect();
    let entries: Vec<(&str, &[u8])> = inner
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    std::fs::write(dir.path().join("plugin.obr"), zip_of(&entries)).unwrap();
    let out = run(dir.path(), &["sbom", "plugin.obr"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bom = json(&out);
    let comps = bom["components"].as_array().unwrap();
    assert_eq!(comps.len(), 1500);
    let c = comps.iter().find(|c| c["name"] == "lib7").unwrap();
    assert_eq!(c["purl"], "pkg:maven/com.example/lib7@1.0.7");
    assert_eq!(c["group"], "com.example");
    assert_eq!(c["hashes"][0]["alg"], "SHA-1");
    assert_eq!(c["hashes"][0]["content"].as_str().unwrap().len(), 40);
}

/// Serve `routes` (path -> body) on loopback until the test ends; anything else is 404.
fn serve(routes: Vec<(String, Vec<u8>)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut reader = BufReader::new(s.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
            }
            let path = request.split(' ').nth(1).unwrap_or("").to_owned();
            let (status, body) = match routes.iter().find(|(p, _)| *p == path) {
                Some((_, b)) => ("200 OK", b.clone()),
                None => ("404 Not Found", b"not found".to_vec()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/zip\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&body);
            let _ = s.flush();
        }
    });
    format!("http://{addr}")
}

#[test]
fn db_update_downloads_exports_from_the_configured_base_url() {
    let dir = tempfile::tempdir().unwrap();
    let npm_dir = shared_data().join("advisories/npm");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&npm_dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let mut b = Vec::new();
            std::fs::File::open(&p)
                .unwrap()
                .read_to_end(&mut b)
                .unwrap();
            (p.file_name().unwrap().to_string_lossy().into_owned(), b)
        })
        .collect();
    files.sort();
    let entries: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let base = serve(vec![("/npm/all.zip".into(), zip_of(&entries))]);
    let db = dir.path().join("db");
    let out = run(
        dir.path(),
        &[
            "db",
            "update",
            "--base-url",
            &base,
            "--ecosystem",
            "npm",
            "--db",
            db.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        dir.path(),
        &["db", "status", "--json", "--db", db.to_str().unwrap()],
    );
    let status = json(&out);
    assert_eq!(status["ecosystems"]["npm"]["advisories"], 20);
    assert!(
        status["ecosystems"]["npm"]["source"]
            .as_str()
            .unwrap()
            .ends_with("/npm/all.zip")
    );
    let text = run(dir.path(), &["db", "status", "--db", db.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("npm"));
    // A missing export is an error for that ecosystem (exit 2) and leaves the data alone.
    let out = run(
        dir.path(),
        &[
            "db",
            "update",
            "--base-url",
            &base,
            "--ecosystem",
            "PyPI",
            "--db",
            db.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("404"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = json(&run(
        dir.path(),
        &["db", "status", "--json", "--db", db.to_str().unwrap()],
    ));
    assert_eq!(status["ecosystems"]["npm"]["advisories"], 20);
    // And an absent database says so, with exit 1.
    let out = run(
        dir.path(),
        &[
            "db",
            "status",
            "--db",
            dir.path().join("none").to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("vendorsec db update"));
}

#[test]
fn db_import_reads_a_zip_and_yaml_and_reports_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let yaml =
        std::fs::read_to_string(shared_data().join("advisories/PyPI/jinja2/PYSEC-2014-8.yaml"))
            .unwrap();
    let z = zip_of(&[
        ("PYSEC-2014-8.yaml", yaml.as_bytes()),
        ("broken.json", b"{\"id\": "),
        ("README.txt", b"ignored"),
    ]);
    std::fs::write(dir.path().join("osv.zip"), z).unwrap();
    let db = dir.path().join("db");
    let out = run(
        dir.path(),
        &["db", "import", "osv.zip", "--db", db.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("osv.zip!/broken.json"), "{err}");
    std::fs::write(dir.path().join("requirements.txt"), "Jinja2==2.7.1\n").unwrap();
    let r = json(&run(
        dir.path(),
        &[
            "scan",
            "requirements.txt",
            "--format",
            "json",
            "--db",
            db.to_str().unwrap(),
        ],
    ));
    assert_eq!(
        dep_findings(&r),
        vec![(
            "Jinja2@2.7.1".to_owned(),
            "CVE-2014-1402 GHSA-8r7q-cvjq-x353 PYSEC-2014-8".to_owned()
        )]
    );
}

#[test]
fn sbom_validates_against_cyclonedx_1_6_and_spdx_2_3() {
    let dir = tempfile::tempdir().unwrap();
    let app = zip_of(&[
        (
            "META-INF/lib/log4j-core-2.14.1.jar",
            &jar("org.apache.logging.log4j", "log4j-core", "2.14.1"),
        ),
        ("META-INF/lib/mystery.jar", &zip_of(&[("a.txt", b"x")])),
    ]);
    std::fs::create_dir_all(dir.path().join("app")).unwrap();
    std::fs::write(dir.path().join("app/plugin.obr"), app).unwrap();
    std::fs::write(
        dir.path().join("app/package-lock.json"),
        r#"{"lockfileVersion": 3, "packages": {"": {}, "node_modules/@babel/core": {"version": "7.0.0", "dev": true}}}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("app/requirements.txt"), "Django==3.2.1\n").unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("bash")
        .arg(root.join("scripts/validate-sbom.sh"))
        .arg(dir.path().join("app"))
        .current_dir(&root)
        .env("VENDORSEC_BIN", env!("CARGO_BIN_EXE_vendorsec"))
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "validate-sbom.sh failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("CycloneDX 1.6 schema: valid (4 components)"),
        "{stdout}"
    );
    assert!(stdout.contains("SPDX 2.3: valid (5 packages)"), "{stdout}");
    let bom = json(&run(dir.path(), &["sbom", "app"]));
    let purls: Vec<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["purl"].as_str())
        .collect();
    assert_eq!(
        purls,
        vec![
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
            "pkg:pypi/django@3.2.1",
            "pkg:npm/%40babel/core@7.0.0"
        ]
    );
}
