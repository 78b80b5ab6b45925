//! How long each way of reading a JSON-lines log takes, single-threaded:
//! `cargo run --release -p vendorsec-logs --example parse_speed -- FILE`.
#![allow(clippy::print_stdout, clippy::cast_precision_loss)]
use std::io::BufRead;
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("a JSON-lines file");
    let lines: Vec<Vec<u8>> = std::io::BufReader::new(std::fs::File::open(path).expect("open"))
        .split(b'\n')
        .map_while(Result::ok)
        .collect();
    let bytes: usize = lines.iter().map(Vec::len).sum();
    let time = |name: &str, f: &dyn Fn(&[u8]) -> bool| {
        // The best of five passes (the machine is shared and noisy).
        let mut s = f64::MAX;
        let mut ok = 0;
        for _ in 0..5 {
            let t = Instant::now();
            ok = lines.iter().filter(|l| f(l)).count();
            s = s.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{name:<24} {:>8.0} MB/s {:>9.0} records/s ({ok} ok)",
            bytes as f64 / 1e6 / s,
            lines.len() as f64 / s
        );
    };
    time("utf-8 check", &|l| std::str::from_utf8(l).is_ok());
    time("serde IgnoredAny", &|l| {
        serde_json::from_slice::<serde::de::IgnoredAny>(l).is_ok()
    });
    time("borrowed Node", &|l| {
        vendorsec_logs::node::Node::parse(l).is_ok()
    });
    time("serde_json::Value", &|l| {
        serde_json::from_slice::<serde_json::Value>(l).is_ok()
    });
}
