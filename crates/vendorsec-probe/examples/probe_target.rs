//! The tests' local Connect app as a standing server, for `scripts/bench_probe.py`:
//! `probe_target DIR [MODULES] [broken-flag…]` writes DIR/ca.pem and
//! DIR/atlassian-connect.json (MODULES general pages, default 20), prints
//! `{"https_port": …, "http_port": …}` and serves until standard input closes.
#![allow(clippy::print_stdout)]

#[path = "../tests/server/mod.rs"]
mod server;

use std::io::Read;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let modules: usize = args.next().and_then(|m| m.parse().ok()).unwrap_or(20);
    let mut b = server::Behaviour::default();
    for flag in args {
        match flag.as_str() {
            "no-hsts" => b.no_hsts = true,
            "alg-none" => b.accept_alg_none = true,
            "open-lifecycle" => b.open_lifecycle = true,
            _ => {}
        }
    }
    let app = server::start(b);
    std::fs::create_dir_all(&dir).expect("output directory");
    std::fs::write(dir.join("ca.pem"), &app.ca_pem).expect("ca.pem");
    std::fs::write(
        dir.join("atlassian-connect.json"),
        server::descriptor(app.https_port, modules, &[]),
    )
    .expect("descriptor");
    println!(
        "{{\"https_port\": {}, \"http_port\": {}}}",
        app.https_port, app.http_port
    );
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
}
