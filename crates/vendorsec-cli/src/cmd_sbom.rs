//! `vendorsec sbom`: the inventory of the named paths as CycloneDX 1.6 or SPDX 2.3 JSON.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;
use vendorsec_core::{Diagnostic, Origin};
use vendorsec_deps::inventory::Collector;
use vendorsec_inputs::{Limits, Visitor, WalkOptions};

use crate::cli::{SbomArgs, SbomFormat};
use crate::deps_feed::{feed_binary, feed_text};
use crate::output;

struct InventoryOnly<'a> {
    collector: &'a Collector,
    diagnostics: std::sync::Mutex<Vec<Diagnostic>>,
}

impl Visitor for InventoryOnly<'_> {
    fn text(&self, origin: &Origin, head: &[u8], rest: &mut dyn Read) -> std::io::Result<()> {
        if feed_text(self.collector, None, origin, head, rest)?.is_none() {
            std::io::copy(rest, &mut std::io::sink())?;
        }
        Ok(())
    }
    fn binary(&self, origin: &Origin, head: &[u8]) {
        feed_binary(self.collector, origin, head);
    }
    fn archive(&self, origin: &Origin, sha1: Option<&str>) {
        self.collector
            .archive(&origin.chain, sha1.map(str::to_owned));
    }
    fn diagnostic(&self, d: Diagnostic) {
        self.diagnostics
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(d);
    }
}

/// RFC 3339 UTC time of now (or `SOURCE_DATE_EPOCH`, for reproducible documents).
pub(crate) fn timestamp() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

pub(crate) fn run(args: &SbomArgs) -> anyhow::Result<ExitCode> {
    let collector = Collector::default();
    let visitor = InventoryOnly {
        collector: &collector,
        diagnostics: std::sync::Mutex::new(Vec::new()),
    };
    let options = WalkOptions {
        no_ignore: args.no_ignore,
        exclude: args.exclude.clone(),
        follow_symlinks: args.follow_symlinks,
        limits: Limits {
            max_depth: args.max_depth,
            ..Limits::default()
        },
        threads: args.threads,
    };
    let errors = vendorsec_inputs::walk(&args.paths, &options, &visitor);
    let diagnostics = visitor
        .diagnostics
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let inventory = collector.finish();
    let subject = args
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let version = env!("CARGO_PKG_VERSION");
    let doc = match args.format {
        SbomFormat::Cyclonedx => {
            vendorsec_deps::sbom::cyclonedx(&inventory.packages, &subject, version, &timestamp())
        }
        SbomFormat::Spdx => {
            vendorsec_deps::sbom::spdx(&inventory.packages, &subject, version, &timestamp())
        }
    };
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    output::write(args.output.as_deref(), &text).context("writing the SBOM")?;
    #[allow(clippy::print_stderr)]
    {
        for p in &inventory.problems {
            eprintln!("vendorsec: warning: {}: {}", p.path, p.reason);
        }
        for d in &diagnostics {
            eprintln!("vendorsec: warning: {}: {}", d.origin, d.message);
        }
        for e in &errors {
            eprintln!("vendorsec: error: {e}");
        }
    }
    Ok(if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
