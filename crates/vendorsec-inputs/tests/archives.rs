//! Archive reading: nesting, origin chains, and every kind of bad input.

use std::io::{Cursor, Read, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use proptest::prelude::*;
use vendorsec_core::{Diagnostic, DiagnosticKind, Origin};
use vendorsec_inputs::{Limits, Visitor, WalkOptions, walk};

#[derive(Default)]
struct Collect {
    texts: Mutex<Vec<(String, Vec<u8>)>>,
    binaries: Mutex<Vec<String>>,
    diags: Mutex<Vec<Diagnostic>>,
}

impl Visitor for Collect {
    fn text(&self, origin: &Origin, head: &[u8], rest: &mut dyn Read) -> std::io::Result<()> {
        let mut all = head.to_vec();
        let r = rest.read_to_end(&mut all);
        self.texts.lock().unwrap().push((origin.display(), all));
        r.map(|_| ())
    }
    fn binary(&self, origin: &Origin, _head: &[u8]) {
        self.binaries.lock().unwrap().push(origin.display());
    }
    fn archive(&self, _origin: &Origin, _sha1: Option<&str>) {}
    fn diagnostic(&self, d: Diagnostic) {
        self.diags.lock().unwrap().push(d);
    }
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn tgz_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        // Write the name raw, so `../` names can be built.
        let bytes = name.as_bytes();
        h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    let tar = b.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar).unwrap();
    gz.finish().unwrap()
}

fn scan(files: &[(&str, Vec<u8>)], limits: Limits) -> Collect {
    let dir = tempfile::tempdir().unwrap();
    for (name, data) in files {
        std::fs::write(dir.path().join(name), data).unwrap();
    }
    let c = Collect::default();
    let opts = WalkOptions {
        limits,
        ..WalkOptions::default()
    };
    let errors = walk(&[dir.path().to_path_buf()], &opts, &c);
    assert!(errors.is_empty());
    // Strip the temp dir from origins.
    let prefix = format!("{}/", dir.path().display());
    for t in c.texts.lock().unwrap().iter_mut() {
        t.0 = t.0.replace(&prefix, "");
    }
    for d in c.diags.lock().unwrap().iter_mut() {
        d.origin = d.origin.replace(&prefix, "");
    }
    c
}

/// Walk one directory with `options`; returns what the visitor collected.
fn walk_dir(dir: &std::path::Path, options: &WalkOptions) -> Collect {
    let c = Collect::default();
    walk(&[dir.to_path_buf()], options, &c);
    c
}

/// The origins of the text blobs collected.
fn text_names(c: &Collect) -> Vec<String> {
    c.texts
        .lock()
        .unwrap()
        .iter()
        .map(|t| t.0.clone())
        .collect()
}

fn has_diag(c: &Collect, kind: DiagnosticKind) -> bool {
    c.diags.lock().unwrap().iter().any(|d| d.kind == kind)
}

#[test]
fn nested_obr_jar_origin_chain() {
    let jar = zip_of(&[
        ("config.properties", b"db.password=s3cr3t\n"),
        ("A.class", b"\xca\xfe\xba\xbe\0\0\0\x34"),
    ]);
    let obr = zip_of(&[("META-INF/lib/x.jar", &jar), ("readme.txt", b"hello")]);
    let tgz = tgz_of(&[("pkg/app.obr", &obr), ("pkg/notes.md", b"notes")]);
    let c = scan(&[("app.obr", obr), ("dist.tgz", tgz)], Limits::default());
    let texts: Vec<String> = c
        .texts
        .lock()
        .unwrap()
        .iter()
        .map(|t| t.0.clone())
        .collect();
    assert!(
        texts.contains(&"app.obr!/META-INF/lib/x.jar!/config.properties".to_string()),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"dist.tgz!/pkg/app.obr!/META-INF/lib/x.jar!/config.properties".to_string()),
        "{texts:?}"
    );
    assert!(texts.contains(&"dist.tgz!/pkg/notes.md".to_string()));
    assert!(
        c.binaries
            .lock()
            .unwrap()
            .iter()
            .any(|b| b.ends_with("x.jar!/A.class"))
    );
    assert!(
        c.diags.lock().unwrap().is_empty(),
        "{:?}",
        c.diags.lock().unwrap()
    );
}

#[test]
fn nesting_beyond_limit_is_reported() {
    let mut inner = zip_of(&[("deep.txt", b"x")]);
    for i in 0..4 {
        inner = zip_of(&[(&format!("level{i}.zip"), &inner)]);
    }
    let c = scan(
        &[("nest.zip", inner)],
        Limits {
            max_depth: 2,
            ..Limits::default()
        },
    );
    assert!(has_diag(&c, DiagnosticKind::NestingLimit));
    assert!(c.texts.lock().unwrap().is_empty());
}

#[test]
fn zip_bomb_is_bounded_by_ratio_and_budget() {
    let zeros = vec![b'0'; 50 << 20];
    let bomb = zip_of(&[("big.txt", &zeros), ("after.txt", b"still read")]);
    let c = scan(&[("bomb.zip", bomb.clone())], Limits::default());
    assert!(
        has_diag(&c, DiagnosticKind::SizeLimit),
        "{:?}",
        c.diags.lock().unwrap()
    );
    let texts = c.texts.lock().unwrap();
    let big = texts.iter().find(|t| t.0.ends_with("big.txt")).unwrap();
    assert!(big.1.len() < 50 << 20, "stopped early");
    assert!(
        texts.iter().any(|t| t.0.ends_with("after.txt")),
        "the scan goes on"
    );
    drop(texts);
    let c = scan(
        &[("bomb.zip", bomb)],
        Limits {
            max_archive_bytes: 1 << 20,
            max_ratio: u64::MAX / 4,
            ..Limits::default()
        },
    );
    assert!(has_diag(&c, DiagnosticKind::SizeLimit));
}

#[test]
fn traversal_names_are_reported_never_written() {
    let z = zip_of(&[("../../etc/evil.txt", b"password=abc"), ("/abs.txt", b"x")]);
    let t = tgz_of(&[("../up.txt", b"y")]);
    let c = scan(&[("t.zip", z), ("t.tgz", t)], Limits::default());
    let diags = c.diags.lock().unwrap();
    assert_eq!(
        diags
            .iter()
            .filter(|d| d.kind == DiagnosticKind::SuspiciousEntryName)
            .count(),
        3,
        "{diags:?}"
    );
    assert!(!PathBuf::from("/etc/evil.txt").exists());
}

#[test]
fn corrupt_archives_and_invalid_utf8_go_on() {
    let mut z = zip_of(&[("a.txt", b"hello world hello world hello world")]);
    let n = z.len();
    z.truncate(n - 30);
    let mut gz = tgz_of(&[("f.txt", b"data")]);
    gz.truncate(20);
    let c = scan(
        &[
            ("broken.jar", z),
            ("broken.tgz", gz),
            ("latin1.properties", b"password=caf\xe9\xff\n".to_vec()),
        ],
        Limits::default(),
    );
    assert!(
        has_diag(&c, DiagnosticKind::CorruptArchive),
        "{:?}",
        c.diags.lock().unwrap()
    );
    assert!(
        c.texts
            .lock()
            .unwrap()
            .iter()
            .any(|t| t.0 == "latin1.properties")
    );
}

#[test]
fn gitignore_honoured_and_no_ignore_overrides() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".gitignore"), "ignored/\n").unwrap();
    std::fs::create_dir(dir.path().join("ignored")).unwrap();
    std::fs::write(dir.path().join("ignored/x.txt"), "x").unwrap();
    std::fs::write(dir.path().join(".env"), "A=1").unwrap();
    std::fs::create_dir(dir.path().join("vendor")).unwrap();
    std::fs::write(dir.path().join("vendor/v.txt"), "v").unwrap();
    let c = walk_dir(
        dir.path(),
        &WalkOptions {
            exclude: vec!["vendor/**".into()],
            ..WalkOptions::default()
        },
    );
    let names = text_names(&c);
    assert!(
        names.iter().any(|n| n.ends_with("/.env")),
        "hidden files are scanned: {names:?}"
    );
    assert!(!names.iter().any(|n| n.contains("ignored/")));
    assert!(!names.iter().any(|n| n.contains("vendor/")));
    let c = walk_dir(
        dir.path(),
        &WalkOptions {
            no_ignore: true,
            ..WalkOptions::default()
        },
    );
    assert!(text_names(&c).iter().any(|n| n.contains("ignored/")));
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_reported_when_following() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("a/loop")).unwrap();
    std::fs::write(dir.path().join("a/f.txt"), "x").unwrap();
    let c = walk_dir(
        dir.path(),
        &WalkOptions {
            follow_symlinks: true,
            ..WalkOptions::default()
        },
    );
    assert!(
        has_diag(&c, DiagnosticKind::WalkError),
        "{:?}",
        c.diags.lock().unwrap()
    );
    let c = walk_dir(dir.path(), &WalkOptions::default());
    assert_eq!(c.texts.lock().unwrap().len(), 1);
}

#[test]
fn missing_path_is_an_input_error() {
    let c = Collect::default();
    let errors = walk(
        &[PathBuf::from("/nonexistent/vendorsec")],
        &WalkOptions::default(),
        &c,
    );
    assert_eq!(errors.len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// The fuzz entry point for the archive reader: arbitrary bytes behind every magic
    /// number never panic and never hang.
    #[test]
    fn arbitrary_archives_never_panic(
        magic in prop::sample::select(vec![&b"PK\x03\x04"[..], &b"PK\x05\x06"[..], &[0x1f, 0x8b, 8, 0][..], &b""[..]]),
        body in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut data = magic.to_vec();
        data.extend(body);
        vendorsec_inputs::fuzz_one(&data);
    }

    #[test]
    fn mutated_real_archives_never_panic(flips in proptest::collection::vec((0usize..4096, any::<u8>()), 1..8)) {
        let jar = zip_of(&[("a.properties", b"password=abcdef123\n"), ("b.txt", b"hello")]);
        let mut data = zip_of(&[("lib/x.jar", &jar)]);
        for (i, b) in flips {
            let n = data.len();
            data[i % n] = b;
        }
        vendorsec_inputs::fuzz_one(&data);
        let mut t = tgz_of(&[("a/b.txt", b"password=abcdef123\n")]);
        let n = t.len();
        t[n / 2] ^= 0x55;
        vendorsec_inputs::fuzz_one(&t);
    }
}
