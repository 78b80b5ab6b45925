//! `vendorsec.toml` for the commands that are not scans of a tree (`probe`, `logs hunt`): the
//! file named with `--config`, else `./vendorsec.toml` if present; its ignores applied and its
//! `fail_on` under the command line's.

use std::path::Path;

use vendorsec_core::config::{self, Config};
use vendorsec_core::{Diagnostic, Finding, Severity, suppress};

use crate::cli::SeverityArg;

/// What remains of the findings after the ignores, and the threshold that fails the run.
pub(crate) struct Applied {
    pub(crate) findings: Vec<Finding>,
    pub(crate) suppressed: u64,
    /// Unused ignores about this command's rules (`rule <prefix>…`): the file may hold ignores
    /// for other commands too, which are not reported here.
    pub(crate) unused: Vec<Diagnostic>,
    pub(crate) fail_on: Severity,
}

/// Load the config and apply its ignores to `findings`.
///
/// # Errors
/// A config file that cannot be read or parsed.
pub(crate) fn apply(
    config: Option<&Path>,
    fail_on: Option<SeverityArg>,
    findings: Vec<Finding>,
    rule_prefix: &str,
) -> anyhow::Result<Applied> {
    let config = match config {
        Some(p) => Config::load(p)?,
        None if Path::new(config::FILE_NAME).is_file() => {
            Config::load(Path::new(config::FILE_NAME))?
        }
        None => Config::default(),
    };
    let fail_on = fail_on
        .map(Into::into)
        .or(config.fail_on)
        .unwrap_or(Severity::Low);
    let (findings, suppressed, unused) = suppress::apply(&config, None, findings);
    let unused = unused
        .into_iter()
        .filter(|d| d.message.contains(&format!("rule {rule_prefix}")))
        .collect();
    Ok(Applied {
        findings,
        suppressed,
        unused,
        fail_on,
    })
}
