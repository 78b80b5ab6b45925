//! `peer-sigma-rust RULES_DIR EVENTS.jsonl MATCHES_OUT`: load every .yml rule with
//! sigma-rust, match every JSON line, write `line<TAB>rule file` per match, and print a JSON
//! summary (rules loaded and rejected, events, matches, seconds).
use std::io::{BufRead, Write};

fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "yml") {
                out.push(p);
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut files = Vec::new();
    walk(std::path::Path::new(&args[1]), &mut files);
    files.sort();
    let mut rules = Vec::new();
    let mut rejected = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        match sigma_rust::rule_from_yaml(&text) {
            Ok(r) => rules.push((f.file_stem().unwrap().to_string_lossy().into_owned(), r)),
            Err(e) => rejected.push(format!("{}: {e}", f.display())),
        }
    }
    let start = std::time::Instant::now();
    let input = std::io::BufReader::new(std::fs::File::open(&args[2]).expect("events"));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&args[3]).expect("matches"));
    let (mut events, mut matches) = (0u64, 0u64);
    for (i, line) in input.lines().enumerate() {
        let Ok(line) = line else { break };
        let Ok(ev) = sigma_rust::event_from_json(&line) else { continue };
        events += 1;
        for (name, r) in &rules {
            if r.is_match(&ev) {
                matches += 1;
                let _ = writeln!(out, "{}\t{name}", i + 1);
            }
        }
    }
    let _ = out.flush();
    println!(
        "{}",
        serde_json::json!({"rules_loaded": rules.len(), "rules_rejected": rejected, "events": events, "matches": matches, "seconds": start.elapsed().as_secs_f64()})
    );
}
