//! `vendorsec logs`: check Sigma rules, hunt over logs.

use std::fmt::Write as _;
use std::io::{IsTerminal, Read as _, Write as _};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use vendorsec_core::config::{self, Config};
use vendorsec_core::{Diagnostic, DiagnosticKind, RuleMeta, ScanReport, Severity, Stats, suppress};

use crate::cli::{HuntArgs, LogsArgs, LogsCommand, OutputFormat};

pub(crate) fn run(args: &LogsArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        LogsCommand::CheckRules { paths, json } => check_rules(paths, *json),
        LogsCommand::Hunt(h) => hunt(h),
        LogsCommand::Secrets(a) => secrets(a),
    }
}

/// A readable copy of standard input (it is read twice), in the temporary directory.
struct StdinCopy(std::path::PathBuf);

impl Drop for StdinCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn secrets(args: &crate::cli::LogSecretsArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let engine = crate::cmd_rules::builtin_engine(|_| true)?;
    let mut findings = Vec::new();
    let mut diagnostics = Vec::new();
    let mut raw = Vec::new();
    let mut bytes = 0u64;
    let mut _stdin_copy = None;
    for log in &args.logs {
        let name = log.display().to_string();
        let path = if log.as_os_str() == "-" {
            let p =
                std::env::temp_dir().join(format!("vendorsec-stdin-{}.log", std::process::id()));
            let mut f = std::fs::File::create(&p)
                .with_context(|| format!("{}: cannot create", p.display()))?;
            std::io::copy(&mut std::io::stdin().take(4 << 30), &mut f)
                .context("reading standard input")?;
            _stdin_copy = Some(StdinCopy(p.clone()));
            p
        } else {
            log.clone()
        };
        let mut r = match vendorsec_logs::open_decoded(&path) {
            Ok(r) => r,
            Err(e) => {
                diagnostics.push(Diagnostic::new(
                    DiagnosticKind::Unreadable,
                    name,
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        let (scan, err) = engine.scan_reader(&[], &mut r, &name);
        bytes += scan.bytes;
        if let Some(e) = err {
            diagnostics.push(Diagnostic::new(
                DiagnosticKind::Unreadable,
                name.clone(),
                format!("stopped reading: {e}"),
            ));
        }
        let origin = vendorsec_core::Origin {
            chain: vec![name.clone()],
            commit: None,
        };
        raw.extend(scan.matches.into_iter().map(|m| (origin.clone(), m)));
        match vendorsec_logs::open_decoded(&path).and_then(|r| vendorsec_logs::pii::scan(r, &name))
        {
            Ok(f) => findings.extend(f),
            Err(e) => diagnostics.push(Diagnostic::new(
                DiagnosticKind::Unreadable,
                name,
                format!("stopped reading: {e}"),
            )),
        }
    }
    findings.extend(vendorsec_secrets::group_matches(&engine, raw));
    let fail_on: Severity = args.fail_on.map(Into::into).unwrap_or(Severity::Low);
    let mut report = ScanReport {
        schema_version: 1,
        tool: "vendorsec".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        targets: args.logs.iter().map(|p| p.display().to_string()).collect(),
        fail_on,
        findings,
        diagnostics,
        stats: Stats {
            blobs_scanned: args.logs.len() as u64,
            bytes_scanned: bytes,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            ..Stats::default()
        },
    };
    report.sort();
    let metas = crate::cmd_rules::rule_metas(&engine);
    let format = match args.format {
        OutputFormat::Terminal => vendorsec_report::Format::Terminal,
        OutputFormat::Json => vendorsec_report::Format::Json,
        OutputFormat::Sarif => vendorsec_report::Format::Sarif,
        OutputFormat::Markdown => vendorsec_report::Format::Markdown,
    };
    let color = format == vendorsec_report::Format::Terminal
        && args.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let text = vendorsec_report::render(&report, &metas, format, color);
    crate::output::write(args.output.as_deref(), &text)?;
    Ok(if report.failing() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn check_rules(paths: &[std::path::PathBuf], json: bool) -> anyhow::Result<ExitCode> {
    let loaded = vendorsec_logs::load(paths);
    let mut out = String::new();
    if json {
        let v = serde_json::json!({
            "correlations": loaded.correlations.iter().map(|c| serde_json::json!({"path": c.path, "name": c.name, "title": c.title, "rules": c.rules})).collect::<Vec<_>>(),
            "loaded": loaded.rules.iter().map(|r| serde_json::json!({"path": r.path, "id": r.id, "title": r.title, "product": r.product, "service": r.service, "level": r.level})).collect::<Vec<_>>(),
            "failed": loaded.errors.iter().map(|e| serde_json::json!({"path": e.path, "line": e.line, "reason": e.reason})).collect::<Vec<_>>(),
        });
        out = serde_json::to_string_pretty(&v)? + "\n";
    } else {
        let mut lines: Vec<(String, String)> = loaded
            .rules
            .iter()
            .map(|r| (r.path.clone(), format!("{}: loaded ({})", r.path, r.title)))
            .chain(loaded.correlations.iter().map(|c| {
                (
                    c.path.clone(),
                    format!("{}: loaded (correlation: {})", c.path, c.title),
                )
            }))
            .chain(loaded.errors.iter().map(|e| {
                (
                    e.path.clone(),
                    format!("{}:{}: not loaded: {}", e.path, e.line, e.reason),
                )
            }))
            .collect();
        lines.sort();
        for (_, l) in lines {
            let _ = writeln!(out, "{l}");
        }
        let _ = writeln!(
            out,
            "{} loaded ({} correlations), {} not loaded",
            loaded.rules.len() + loaded.correlations.len(),
            loaded.correlations.len(),
            loaded.errors.len()
        );
    }
    crate::output::write(None, &out)?;
    Ok(if loaded.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn hunt(args: &HuntArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let mut loaded = if args.rules.is_empty() {
        vendorsec_logs::pack::builtin()
    } else {
        vendorsec_logs::load(&args.rules)
    };
    if args.with_pack && !args.rules.is_empty() {
        let p = vendorsec_logs::pack::builtin();
        loaded.rules.extend(p.rules);
        loaded.correlations.extend(p.correlations);
    }
    if loaded.rules.is_empty() {
        anyhow::bail!(
            "no rule loaded from {} path(s) ({} refused; see `vendorsec logs check-rules`)",
            args.rules.len(),
            loaded.errors.len()
        );
    }
    let mut diagnostics: Vec<Diagnostic> = loaded
        .errors
        .iter()
        .map(|e| {
            Diagnostic::new(
                DiagnosticKind::Unreadable,
                format!("{}:{}", e.path, e.line),
                format!("rule not loaded: {}", e.reason),
            )
        })
        .collect();
    let mut matches_out = match &args.matches {
        Some(p) => Some(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("{}: cannot create", p.display()))?,
        )),
        None => None,
    };
    // Correlations whose references all resolve; the others are diagnostics.
    let resolve = |r: &str| loaded.rules.iter().position(|x| x.name == r || x.id == r);
    let mut usable = Vec::new();
    for c in &loaded.correlations {
        match c.rules.iter().find(|r| resolve(r).is_none()) {
            None => usable.push(c.clone()),
            Some(r) => diagnostics.push(Diagnostic::new(
                DiagnosticKind::Unreadable,
                c.path.clone(),
                format!("correlation `{}` not loaded: it references `{r}`, which no loaded rule has as name or id", c.title),
            )),
        }
    }
    let mut engine = vendorsec_logs::correlation::Engine::new(usable, &resolve)
        .map_err(|e| anyhow::anyhow!("{}: {}", e.path, e.reason))?;
    let mut findings = Vec::new();
    // Findings kept per rule and log: beyond the cap they are counted (memory stays flat in
    // the size of the logs; --matches still gets every one).
    const CAP: u64 = 1_000;
    let mut per_rule: std::collections::HashMap<(usize, usize), u64> =
        std::collections::HashMap::new();
    let mut events = 0u64;
    let mut bytes = 0u64;
    for (log_no, log) in args.logs.iter().enumerate() {
        let name = log.display().to_string();
        bytes += std::fs::metadata(log).map(|m| m.len()).unwrap_or(0);
        let input = match vendorsec_logs::open(log) {
            Ok(i) => i,
            Err(e) => {
                diagnostics.push(Diagnostic::new(
                    DiagnosticKind::Unreadable,
                    name,
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        let mut write_err = None;
        let r = vendorsec_logs::hunt(
            &loaded.rules,
            args.event_path.as_deref(),
            input,
            &mut |m| {
                let rule = &loaded.rules[m.rule];
                if let Some(w) = matches_out.as_mut() {
                    let line = serde_json::json!({"rule": format!("sigma/{}", rule.stem), "sigma_id": rule.id, "title": rule.title, "log": name, "line": m.at.line, "index": m.at.index});
                    // The event is shared between rules: written, not copied.
                    let head = line.to_string();
                    let head = head.strip_suffix('}').unwrap_or(&head);
                    let event = serde_json::to_string(&*m.event).unwrap_or_default();
                    if let Err(e) = writeln!(w, "{head},\"event\":{event}}}") {
                        write_err = Some(e);
                    }
                }
                if engine.uses(m.rule) {
                    let rname = if rule.name.is_empty() {
                        rule.id.clone()
                    } else {
                        rule.name.clone()
                    };
                    for f in engine.feed(m.rule, &rname, &m.event, None) {
                        let c = &engine.correlations()[f.correlation];
                        findings.push(vendorsec_logs::correlation_finding(c, &name, m.at, &f));
                    }
                    if !engine.reports(m.rule) {
                        return;
                    }
                }
                let n = per_rule.entry((m.rule, log_no)).or_insert(0);
                *n += 1;
                if *n <= CAP {
                    findings.push(vendorsec_logs::finding(rule, &name, &m));
                }
            },
            &mut |p| {
                diagnostics.push(Diagnostic::new(
                    DiagnosticKind::Unreadable,
                    format!("{name}:{}", p.line),
                    p.reason,
                ))
            },
        );
        match r {
            Ok(n) => events += n,
            Err(e) => diagnostics.push(Diagnostic::new(
                DiagnosticKind::Unreadable,
                name.clone(),
                format!("stopped reading: {e}"),
            )),
        }
        if let Some(e) = write_err {
            return Err(e).context("writing --matches");
        }
    }
    for ((rule, log_no), n) in &per_rule {
        if *n > CAP {
            diagnostics.push(Diagnostic::new(
                DiagnosticKind::Note,
                args.logs[*log_no].display().to_string(),
                format!(
                    "sigma/{}: {} matches; the first {CAP} are findings (use --matches for all)",
                    loaded.rules[*rule].stem, n
                ),
            ));
        }
    }
    if let Some(mut w) = matches_out {
        w.flush().context("writing --matches")?;
    }
    let config = match &args.config {
        Some(p) => Config::load(p)?,
        None if std::path::Path::new(config::FILE_NAME).is_file() => {
            Config::load(std::path::Path::new(config::FILE_NAME))?
        }
        None => Config::default(),
    };
    let fail_on: Severity = args
        .fail_on
        .map(Into::into)
        .or(config.fail_on)
        .unwrap_or(Severity::Low);
    let (findings, suppressed, unused) = suppress::apply(&config, None, findings);
    // A shared vendorsec.toml holds scan ignores too: only the ones about Sigma rules can be
    // unused here.
    diagnostics.extend(
        unused
            .into_iter()
            .filter(|d| d.message.contains("rule sigma/")),
    );
    diagnostics.push(Diagnostic::new(
        DiagnosticKind::Note,
        "logs",
        format!(
            "{events} events, {} rules loaded, {:.0} events/s",
            loaded.rules.len(),
            events as f64 / started.elapsed().as_secs_f64().max(1e-6)
        ),
    ));
    let mut report = ScanReport {
        schema_version: 1,
        tool: "vendorsec".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        targets: args.logs.iter().map(|p| p.display().to_string()).collect(),
        fail_on,
        findings,
        diagnostics,
        stats: Stats {
            blobs_scanned: args.logs.len() as u64,
            bytes_scanned: bytes,
            suppressed,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            ..Stats::default()
        },
    };
    report.sort();
    let metas: Vec<RuleMeta> = loaded
        .rules
        .iter()
        .map(|r| RuleMeta {
            id: format!("sigma/{}", r.stem),
            name: r.title.clone(),
            description: r.description.clone(),
            severity: vendorsec_logs::severity(&r.level),
            guideline: vendorsec_logs::guideline_of(&r.path).into(),
            remediation: "Review the event and confirm it was expected.".into(),
            references: Vec::new(),
        })
        .collect();
    let format = match args.format {
        OutputFormat::Terminal => vendorsec_report::Format::Terminal,
        OutputFormat::Json => vendorsec_report::Format::Json,
        OutputFormat::Sarif => vendorsec_report::Format::Sarif,
        OutputFormat::Markdown => vendorsec_report::Format::Markdown,
    };
    let color = format == vendorsec_report::Format::Terminal
        && args.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let text = vendorsec_report::render(&report, &metas, format, color);
    crate::output::write(args.output.as_deref(), &text)?;
    Ok(if report.failing() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
