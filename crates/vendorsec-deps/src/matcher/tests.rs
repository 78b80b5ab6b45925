use std::path::Path;

use crate::db::{self, Db, Mode, Staging};
use crate::version::tests::shared_data;
use crate::{Ecosystem, matcher::match_version};

fn db_of(folders: &[&str]) -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let mut st = Staging::default();
    for f in folders {
        st.add_dir(&shared_data().join("advisories").join(f))
            .unwrap();
    }
    assert!(st.summary.problems.is_empty(), "{:?}", st.summary.problems);
    db::commit(dir.path(), st, Mode::Merge, "test").unwrap();
    let db = Db::open(dir.path(), &Ecosystem::ALL).unwrap().unwrap();
    (dir, db)
}

fn ids(db: &Db, eco: Ecosystem, name: &str, version: &str) -> Vec<String> {
    let key = eco.normalize_name(name);
    let found = db.lookup_many(eco, std::slice::from_ref(&key)).unwrap();
    let advs = found.get(&key).cloned().unwrap_or_default();
    match_version(eco, version, &advs)
        .into_iter()
        .map(|m| m.ids.join(" "))
        .collect()
}

#[test]
fn log4shell_hits_log4j_core_2_and_not_log4j_1() {
    let (_d, db) = db_of(&["Maven"]);
    let core = ids(
        &db,
        Ecosystem::Maven,
        "org.apache.logging.log4j:log4j-core",
        "2.14.1",
    );
    assert!(
        core.iter()
            .any(|i| i.starts_with("CVE-2021-44228 GHSA-jfh8-c2jp-5v3q")),
        "{core:?}"
    );
    // 2.15.0 fixes 44228 but not 45046; 2.17.1 is clear of all three collected.
    let fifteen = ids(
        &db,
        Ecosystem::Maven,
        "org.apache.logging.log4j:log4j-core",
        "2.15.0",
    );
    assert!(
        !fifteen.iter().any(|i| i.contains("CVE-2021-44228")),
        "{fifteen:?}"
    );
    assert!(
        fifteen.iter().any(|i| i.contains("CVE-2021-45046")),
        "{fifteen:?}"
    );
    assert!(
        ids(
            &db,
            Ecosystem::Maven,
            "org.apache.logging.log4j:log4j-core",
            "2.17.1"
        )
        .is_empty()
    );
    // The 2.12.x backport line: 2.12.2 fixed 44228.
    let backport = ids(
        &db,
        Ecosystem::Maven,
        "org.apache.logging.log4j:log4j-core",
        "2.12.2",
    );
    assert!(
        !backport.iter().any(|i| i.contains("CVE-2021-44228")),
        "{backport:?}"
    );
    let one = ids(&db, Ecosystem::Maven, "log4j:log4j", "1.2.17");
    assert!(!one.iter().any(|i| i.contains("CVE-2021-44228")), "{one:?}");
    assert!(one.iter().any(|i| i.contains("CVE-2021-4104")), "{one:?}");
}

#[test]
fn nearest_fix_and_score_for_log4shell() {
    let (_d, db) = db_of(&["Maven"]);
    let key = "org.apache.logging.log4j:log4j-core".to_owned();
    let advs = db
        .lookup_many(Ecosystem::Maven, std::slice::from_ref(&key))
        .unwrap();
    let m = match_version(Ecosystem::Maven, "2.14.1", &advs[&key]);
    let shell = m.iter().find(|m| m.ids[0] == "CVE-2021-44228").unwrap();
    assert_eq!(shell.fixed.as_deref(), Some("2.15.0"));
    assert_eq!(shell.score, Some(10.0));
    let m = match_version(Ecosystem::Maven, "2.11.0", &advs[&key]);
    let shell = m.iter().find(|m| m.ids[0] == "CVE-2021-44228").unwrap();
    assert_eq!(shell.fixed.as_deref(), Some("2.12.2"));
}

#[test]
fn npm_pypi_go_crates_ranges() {
    let (_d, db) = db_of(&["npm", "PyPI", "Go", "crates.io"]);
    assert!(
        ids(&db, Ecosystem::Npm, "lodash", "4.17.15")
            .iter()
            .any(|i| i.contains("CVE-2020-8203"))
    );
    assert!(ids(&db, Ecosystem::Npm, "lodash", "4.17.21").is_empty());
    let has = |v: Vec<String>, id: &str| v.iter().any(|i| i.split(' ').any(|x| x == id));
    assert!(has(
        ids(&db, Ecosystem::PyPI, "Jinja2", "2.7.1"),
        "PYSEC-2014-8"
    ));
    assert!(!has(
        ids(&db, Ecosystem::PyPI, "jinja2", "2.7.2"),
        "PYSEC-2014-8"
    ));
    // RustSec: h2 0.2.7 is hit by several advisories, 0.4.15 by none of 2020's.
    assert!(!ids(&db, Ecosystem::CratesIo, "h2", "0.2.7").is_empty());
}

#[test]
fn withdrawn_records_are_ignored_and_remove_earlier_ones() {
    let dir = tempfile::tempdir().unwrap();
    let rec = |withdrawn: &str| {
        format!(
            r#"{{"id":"GHSA-test-0000-0000","modified":"2024-01-0{}T00:00:00Z",{withdrawn}"aliases":["CVE-2099-0001"],"affected":[{{"package":{{"ecosystem":"npm","name":"leftpad"}},"ranges":[{{"type":"SEMVER","events":[{{"introduced":"0"}},{{"fixed":"1.0.0"}}]}}]}}]}}"#,
            if withdrawn.is_empty() { 1 } else { 2 }
        )
    };
    let mut st = Staging::default();
    st.add_document("a.json", rec("").as_bytes());
    db::commit(dir.path(), st, Mode::Merge, "t").unwrap();
    let db = Db::open(dir.path(), &[Ecosystem::Npm]).unwrap().unwrap();
    assert_eq!(
        ids(&db, Ecosystem::Npm, "leftpad", "0.9.0"),
        vec!["CVE-2099-0001 GHSA-test-0000-0000"]
    );
    let mut st = Staging::default();
    st.add_document(
        "a.json",
        rec(r#""withdrawn":"2024-01-02T00:00:00Z","#).as_bytes(),
    );
    db::commit(dir.path(), st, Mode::Merge, "t").unwrap();
    let db = Db::open(dir.path(), &[Ecosystem::Npm]).unwrap().unwrap();
    assert!(ids(&db, Ecosystem::Npm, "leftpad", "0.9.0").is_empty());
}

#[test]
fn aliases_merge_across_databases() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = Staging::default();
    let a = r#"{"id":"GHSA-aaaa-bbbb-cccc","modified":"x","aliases":["CVE-2099-1"],"summary":"from github","affected":[{"package":{"ecosystem":"PyPI","name":"Foo_Bar"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.0"}]}]}],"database_specific":{"severity":"HIGH"}}"#;
    let b = "id: PYSEC-2099-1\nmodified: x\naliases: [CVE-2099-1]\naffected:\n- package: {name: foo-bar, ecosystem: PyPI}\n  ranges:\n  - type: ECOSYSTEM\n    events: [{introduced: \"0\"}, {fixed: 1.10}]\n";
    st.add_document("a.json", a.as_bytes());
    st.add_document("b.yaml", b.as_bytes());
    assert!(st.summary.problems.is_empty(), "{:?}", st.summary.problems);
    db::commit(dir.path(), st, Mode::Merge, "t").unwrap();
    let db = Db::open(dir.path(), &[Ecosystem::PyPI]).unwrap().unwrap();
    let key = "foo-bar".to_owned();
    let advs = db
        .lookup_many(Ecosystem::PyPI, std::slice::from_ref(&key))
        .unwrap();
    let m = match_version(Ecosystem::PyPI, "1.9", &advs[&key]);
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(
        m[0].ids,
        vec!["CVE-2099-1", "GHSA-aaaa-bbbb-cccc", "PYSEC-2099-1"]
    );
    assert_eq!(m[0].label.as_deref(), Some("HIGH"));
    // The YAML `1.10` stays the string "1.10", not the float 1.1.
    assert_eq!(m[0].fixed.as_deref(), Some("2.0"));
    let m = match_version(Ecosystem::PyPI, "1.10", &advs[&key]);
    assert_eq!(m.len(), 1, "only the GHSA range (<2.0) holds 1.10: {m:?}");
    let _ = Path::new("");
}
