//! `vendorsec`: check an Atlassian Marketplace app, its source and its history against
//! Atlassian's security guidelines for app vendors.

mod cli;
mod cmd_checklist;
mod cmd_db;
mod cmd_inspect;
mod cmd_logs;
mod cmd_probe;
mod cmd_rules;
mod cmd_sbom;
mod cmd_scan;
mod deps_feed;
mod output;
mod progress;
mod suppression;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Scan(args) => cmd_scan::run(&args),
        cli::Command::Checklist(args) => cmd_checklist::run(&args),
        cli::Command::Rules(args) => cmd_rules::run(&args),
        cli::Command::Sbom(args) => cmd_sbom::run(&args),
        cli::Command::Db(args) => cmd_db::run(&args),
        cli::Command::Inspect(args) => cmd_inspect::inspect(&args),
        cli::Command::Diff(args) => cmd_inspect::diff(&args),
        cli::Command::Probe(args) => cmd_probe::run(&args),
        cli::Command::Logs(args) => cmd_logs::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if output::is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            #[allow(clippy::print_stderr)]
            {
                eprintln!("vendorsec: error: {e:#}");
            }
            ExitCode::from(2)
        }
    }
}
