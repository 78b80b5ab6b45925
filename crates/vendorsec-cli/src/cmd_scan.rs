//! `vendorsec scan`: one walk, every blob through the analysers, findings through
//! suppression, a report and an exit code.

use std::collections::HashMap;
use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::Value;
use vendorsec_apps::{AppProfile, Collector as AppsCollector};
use vendorsec_core::baseline::Baseline;
use vendorsec_core::config::{self, Config};
use vendorsec_core::redact::fingerprint;
use vendorsec_core::{
    Confidence, Diagnostic, DiagnosticKind, Finding, Location, Origin, ScanReport, Severity, Stats,
    suppress,
};
use vendorsec_deps::inventory::{Collector, Inventory};
use vendorsec_inputs::{Limits, Visitor, WalkOptions};
use vendorsec_secrets::{Engine, RawMatch, group_matches, keystore};

use crate::cli::{ColorChoice, ConfidenceArg, OutputFormat, ScanArgs};
use crate::cmd_rules::{builtin_engine, rule_metas};
use crate::deps_feed::{feed_binary, feed_text};
use crate::output;
use crate::progress::{Counters, Progress};

/// The analysers' side of the walk: every blob goes through the secret engine once.
struct Scanner<'a> {
    engine: &'a Engine,
    /// Dependency inventory (not fed in git-history mode).
    deps: Option<&'a Collector>,
    /// App descriptors (not fed in git-history mode).
    apps: Option<&'a AppsCollector>,
    counters: Arc<Counters>,
    matches: Mutex<Vec<(Origin, RawMatch)>>,
    keystores: Mutex<Vec<Finding>>,
    diagnostics: Mutex<Vec<Diagnostic>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Visitor for Scanner<'_> {
    fn text(&self, origin: &Origin, head: &[u8], rest: &mut dyn Read) -> std::io::Result<()> {
        let path = origin.chain.join("!/");
        // An inventory file is read whole once: the collector parses it, and the secret
        // engine scans the same bytes (then whatever is left of an oversized one).
        let whole = match self.deps {
            Some(c) => feed_text(c, self.apps, origin, head, rest)?,
            None => None,
        };
        let (scan, error) = match &whole {
            Some(bytes) => self.engine.scan_reader(bytes, rest, &path),
            None => self.engine.scan_reader(head, rest, &path),
        };
        self.counters.blobs.fetch_add(1, Ordering::Relaxed);
        self.counters.bytes.fetch_add(scan.bytes, Ordering::Relaxed);
        self.counters
            .matches
            .fetch_add(scan.matches.len() as u64, Ordering::Relaxed);
        if scan.suppressed > 0 {
            self.counters
                .suppressed_inline
                .fetch_add(scan.suppressed, Ordering::Relaxed);
        }
        for ig in &scan.ignores {
            let at = format!("{}:{}", origin.display(), ig.line);
            if ig.reason.is_none() {
                self.diagnostic(Diagnostic::new(
                    DiagnosticKind::UnusedSuppression,
                    at,
                    format!("`vendorsec:ignore {}` has no reason; it is not applied (write `vendorsec:ignore <rule-id> <reason>`)", ig.rule),
                ));
            } else if !ig.used {
                self.diagnostic(Diagnostic::new(
                    DiagnosticKind::UnusedSuppression,
                    at,
                    format!(
                        "`vendorsec:ignore {}` matched no finding on its line or the next",
                        ig.rule
                    ),
                ));
            }
        }
        if !scan.matches.is_empty() {
            let mut m = lock(&self.matches);
            m.extend(scan.matches.into_iter().map(|x| (origin.clone(), x)));
        }
        match error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn binary(&self, origin: &Origin, head: &[u8]) {
        self.counters.binary.fetch_add(1, Ordering::Relaxed);
        if let Some(c) = self.deps {
            feed_binary(c, origin, head);
        }
        if let Some((kind, confidence)) = keystore::classify(origin.leaf(), head) {
            let mut data = serde_json::Map::new();
            data.insert("keystore_type".into(), Value::from(kind.as_str()));
            let identity = vendorsec_core::redact::sha256_hex(&[head]);
            lock(&self.keystores).push(Finding {
                rule: keystore::RULE_ID.into(),
                guideline: "code.no-hardcoded-credentials".into(),
                severity: keystore::SEVERITY,
                confidence,
                message: format!("{} found: {}", keystore::RULE_NAME, keystore::DESCRIPTION),
                remediation: keystore::REMEDIATION.into(),
                evidence: format!("{} keystore ({} bytes read)", kind.as_str(), head.len()),
                fingerprint: fingerprint(keystore::RULE_ID, identity.as_bytes()),
                locations: vec![Location::new(origin, 0, 0, 0, 0)],
                data,
            });
        }
    }

    fn class_file(&self, origin: &Origin, bytes: &[u8]) {
        if let Some(a) = self.apps {
            a.class_file(&origin.chain, bytes);
        }
    }

    fn archive(&self, origin: &Origin, sha1: Option<&str>) {
        self.counters.archives.fetch_add(1, Ordering::Relaxed);
        if let Some(c) = self.deps {
            c.archive(&origin.chain, sha1.map(str::to_owned));
        }
    }

    fn diagnostic(&self, diagnostic: Diagnostic) {
        lock(&self.diagnostics).push(diagnostic);
    }
}

/// The config to use: `--config`, else `vendorsec.toml` in the first named directory.
fn load_config(args: &ScanArgs) -> anyhow::Result<Config> {
    if let Some(p) = &args.config {
        return Ok(Config::load(p)?);
    }
    let root = args.paths.iter().find(|p| p.is_dir());
    if let Some(root) = root {
        let candidate = root.join(config::FILE_NAME);
        if candidate.is_file() {
            return Ok(Config::load(&candidate)?);
        }
    }
    Ok(Config::default())
}

/// In git history the same secret at the same path shows up in every later version of the
/// file: keep the commit that introduced it.
fn keep_introducing_commits(findings: &mut [Finding]) {
    for f in findings {
        if f.locations.iter().all(|l| l.commit.is_none()) {
            continue;
        }
        let mut best: HashMap<String, Location> = HashMap::new();
        for l in f.locations.drain(..) {
            let key = l.path();
            let seq = l.commit.as_ref().map_or(u64::MAX, |c| c.seq);
            match best.get(&key) {
                Some(b) if b.commit.as_ref().map_or(u64::MAX, |c| c.seq) <= seq => {}
                _ => {
                    best.insert(key, l);
                }
            }
        }
        f.locations = best.into_values().collect();
    }
}

/// What one scan produced, before rendering: the report, the app profiles, the component
/// inventory, the rule table and the errors on named inputs.
pub(crate) struct Executed {
    pub(crate) report: ScanReport,
    pub(crate) profiles: Vec<AppProfile>,
    pub(crate) packages: Vec<vendorsec_deps::Package>,
    pub(crate) rules: Vec<vendorsec_core::RuleMeta>,
    pub(crate) input_errors: Vec<String>,
}

pub(crate) fn run(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let Executed {
        report,
        rules,
        input_errors,
        ..
    } = execute(args)?;
    if let Some(p) = &args.write_baseline {
        Baseline::from_findings(&report.findings).write(p)?;
    }
    let format = match args.format {
        OutputFormat::Terminal => vendorsec_report::Format::Terminal,
        OutputFormat::Json => vendorsec_report::Format::Json,
        OutputFormat::Sarif => vendorsec_report::Format::Sarif,
        OutputFormat::Markdown => vendorsec_report::Format::Markdown,
    };
    let color = use_color(args.color, args.output.is_some());
    let text = vendorsec_report::render(&report, &rules, format, color);
    output::write(args.output.as_deref(), &text).context("writing the report")?;
    if !input_errors.is_empty() {
        #[allow(clippy::print_stderr)]
        for e in &input_errors {
            eprintln!("vendorsec: error: {e}");
        }
        return Ok(ExitCode::from(2));
    }
    Ok(if report.failing() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Colours on when asked, or on a terminal without NO_COLOR when writing to stdout.
pub(crate) fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

/// Walk, analyse, suppress: everything `scan` does before rendering.
pub(crate) fn execute(args: &ScanArgs) -> anyhow::Result<Executed> {
    let started = Instant::now();
    let config = load_config(args)?;
    let fail_on: Severity = args
        .fail_on
        .map(Into::into)
        .or(config.fail_on)
        .unwrap_or(Severity::Low);
    let baseline = match &args.baseline {
        Some(p) => Some(Baseline::read(p)?),
        None => None,
    };
    if args.git_history && args.paths.iter().any(|p| p.as_os_str() == "-") {
        bail!("--git-history reads repositories; `-` (stdin) cannot be one");
    }
    let engine = builtin_engine(|id| !config.rule_disabled(id))?;
    let counters = Arc::new(Counters::default());
    let collector = Collector::default();
    let apps = AppsCollector::default();
    let scanner = Scanner {
        engine: &engine,
        deps: (!args.git_history).then_some(&collector),
        apps: (!args.git_history).then_some(&apps),
        counters: Arc::clone(&counters),
        matches: Mutex::new(Vec::new()),
        keystores: Mutex::new(Vec::new()),
        diagnostics: Mutex::new(Vec::new()),
    };
    let limits = Limits {
        max_depth: args.max_depth,
        max_archive_bytes: args.max_archive_bytes,
        ..Limits::default()
    };
    let show_progress = !args.no_progress && std::io::stderr().is_terminal();
    let progress = Progress::start(Arc::clone(&counters), show_progress);

    let mut input_errors: Vec<String> = Vec::new();
    if args.git_history {
        for repo in &args.paths {
            if let Err(e) = vendorsec_inputs::scan_history(repo, &limits, args.threads, &scanner) {
                input_errors.push(e.to_string());
            }
        }
    } else {
        let mut exclude = config.exclude.clone();
        exclude.extend(args.exclude.iter().cloned());
        let options = WalkOptions {
            no_ignore: args.no_ignore,
            exclude,
            follow_symlinks: args.follow_symlinks,
            limits,
            threads: args.threads,
        };
        for e in vendorsec_inputs::walk(&args.paths, &options, &scanner) {
            input_errors.push(e.to_string());
        }
    }
    progress.stop();

    let Scanner {
        matches,
        keystores,
        diagnostics,
        ..
    } = scanner;
    let mut diagnostics = diagnostics.into_inner().unwrap_or_default();
    let mut findings = group_matches(&engine, matches.into_inner().unwrap_or_default());
    keep_introducing_commits(&mut findings);
    findings.extend(group_keystores(keystores.into_inner().unwrap_or_default()));
    let inventory = collector.finish();
    let components = inventory.packages.len() as u64;
    let facts: Vec<vendorsec_apps::DependencyFact> = inventory
        .packages
        .iter()
        .map(|p| vendorsec_apps::DependencyFact {
            ecosystem: p.ecosystem.osv_name().to_owned(),
            name: p.name.clone(),
            version: p.version.clone(),
            path: p.path.clone(),
            line: p.line,
        })
        .collect();
    let analysis = apps.finish_with(&facts);
    for p in &analysis.problems {
        diagnostics.push(Diagnostic::new(
            DiagnosticKind::Unreadable,
            p.path.clone(),
            p.reason.clone(),
        ));
    }
    findings.extend(
        analysis
            .findings
            .iter()
            .filter(|f| !config.rule_disabled(&f.rule))
            .cloned(),
    );
    findings.extend(
        match_dependencies(args, &inventory, &mut diagnostics)?
            .into_iter()
            .filter(|f| !config.rule_disabled(&f.rule)),
    );
    let min_conf = match args.min_confidence {
        ConfidenceArg::High => Confidence::High,
        ConfidenceArg::Medium => Confidence::Medium,
        ConfidenceArg::Low => Confidence::Low,
    };
    findings.retain(|f| f.confidence >= min_conf);

    let baseline_path = args.baseline.as_ref().map(|p| p.display().to_string());
    let (findings, suppressed, mut unused) = suppress::apply(
        &config,
        baseline
            .as_ref()
            .map(|b| (baseline_path.as_deref().unwrap_or(""), b)),
        findings,
    );
    diagnostics.append(&mut unused);

    let mut report = ScanReport {
        schema_version: 1,
        tool: "vendorsec".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        targets: args.paths.iter().map(|p| p.display().to_string()).collect(),
        fail_on,
        findings,
        diagnostics,
        stats: Stats {
            blobs_scanned: counters.blobs.load(Ordering::Relaxed),
            bytes_scanned: counters.bytes.load(Ordering::Relaxed),
            blobs_binary: counters.binary.load(Ordering::Relaxed),
            archives: counters.archives.load(Ordering::Relaxed),
            suppressed: suppressed + counters.suppressed_inline.load(Ordering::Relaxed),
            components,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        },
    };
    report.sort();
    let rules = rule_metas(&engine);
    Ok(Executed {
        report,
        profiles: analysis.profiles,
        packages: inventory.packages,
        rules,
        input_errors,
    })
}

/// The same keystore bytes in several places are one finding.
fn group_keystores(found: Vec<Finding>) -> Vec<Finding> {
    let mut by_fp: Vec<Finding> = Vec::new();
    for f in found {
        match by_fp.iter_mut().find(|g| g.fingerprint == f.fingerprint) {
            Some(g) => g.locations.extend(f.locations),
            None => by_fp.push(f),
        }
    }
    by_fp
}

/// Match the inventory against the advisory database; say plainly when matching could
/// not run and how to enable it.
fn match_dependencies(
    args: &ScanArgs,
    inventory: &Inventory,
    diagnostics: &mut Vec<Diagnostic>,
) -> anyhow::Result<Vec<Finding>> {
    for p in &inventory.problems {
        diagnostics.push(Diagnostic::new(
            DiagnosticKind::Unreadable,
            p.path.clone(),
            p.reason.clone(),
        ));
    }
    if inventory.packages.is_empty() {
        return Ok(Vec::new());
    }
    let dir = args
        .db
        .clone()
        .unwrap_or_else(vendorsec_deps::db::default_dir);
    let mut ecosystems: Vec<vendorsec_deps::Ecosystem> =
        inventory.packages.iter().map(|p| p.ecosystem).collect();
    ecosystems.sort();
    ecosystems.dedup();
    let Some(db) = vendorsec_deps::db::Db::open(&dir, &ecosystems)? else {
        diagnostics.push(Diagnostic::new(
            DiagnosticKind::Note,
            "",
            format!(
                "{} components inventoried; vulnerability matching skipped: no advisory database at {}. Run `vendorsec db update` (downloads OSV's exports) or `vendorsec db import DIR|ZIP` (offline), or pass --db DIR.",
                inventory.packages.len(),
                dir.display()
            ),
        ));
        return Ok(Vec::new());
    };
    let outcome = vendorsec_deps::analyse::analyse(&inventory.packages, &db)?;
    if !outcome.missing_ecosystems.is_empty() {
        diagnostics.push(Diagnostic::new(
            DiagnosticKind::Note,
            "",
            format!(
                "the advisory database at {} has no data for {}; those components were not matched (`vendorsec db update --ecosystem NAME`)",
                dir.display(),
                outcome
                    .missing_ecosystems
                    .iter()
                    .map(|e| e.osv_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if !outcome.unversioned.is_empty() {
        let sample: Vec<String> = outcome
            .unversioned
            .iter()
            .take(5)
            .map(|p| format!("{} ({})", p.name, p.file()))
            .collect();
        diagnostics.push(Diagnostic::new(
            DiagnosticKind::Note,
            "",
            format!(
                "{} components have no version that can be matched (unidentified archives, unresolved pom properties or ranges), e.g. {}; `vendorsec sbom` lists them",
                outcome.unversioned.len(),
                sample.join(", ")
            ),
        ));
    }
    Ok(outcome.findings)
}
