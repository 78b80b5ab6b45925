//! `vendorsec logs`: check Sigma rules, hunt over logs.

use std::fmt::Write as _;
use std::io::{IsTerminal, Read as _, Write as _};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use vendorsec_core::{Diagnostic, DiagnosticKind, RuleMeta, ScanReport, Severity, Stats};

use crate::cli::{HuntArgs, LogsArgs, LogsCommand, OutputFormat};

/// The rules to run: `--rules` (or the built-in pack when none), the pack added with
/// `--with-pack`, Atlassian activity names resolved, field mappings applied; and the
/// Atlassian catalogue, when given.
fn load_rules(
    sel: &crate::cli::RuleArgs,
) -> anyhow::Result<(
    vendorsec_logs::Loaded,
    Option<vendorsec_logs::activities::EventActions>,
)> {
    let rules = &sel.rules;
    let mut loaded = if rules.is_empty() {
        vendorsec_logs::pack::builtin()
    } else {
        vendorsec_logs::load_with(
            rules,
            &read_data(
                sel.placeholders.as_deref(),
                vendorsec_logs::Placeholders::parse,
            )?,
        )
    };
    if sel.with_pack && !rules.is_empty() {
        let p = vendorsec_logs::pack::builtin();
        loaded.rules.extend(p.rules);
        loaded.correlations.extend(p.correlations);
    }
    let actions = read_event_actions(sel.atlassian_event_actions.as_deref())?;
    if let Some(a) = &actions {
        loaded.resolve_activities(a);
    }
    // The built-in mappings, with the user's laid on top.
    loaded.apply(&vendorsec_logs::Mappings::builtin().with(read_data(
        sel.mapping.as_deref(),
        vendorsec_logs::Mappings::parse,
    )?));
    Ok((loaded, actions))
}

/// `--atlassian-event-actions`, parsed.
fn read_event_actions(
    path: Option<&std::path::Path>,
) -> anyhow::Result<Option<vendorsec_logs::activities::EventActions>> {
    path.map(|p| read_data(Some(p), vendorsec_logs::activities::EventActions::parse))
        .transpose()
}

/// Records of one log that are not events, listed one by one (the rest are counted).
const PROBLEMS_SHOWN: usize = 20;

/// Said of rules that name Atlassian activities when no catalogue resolves them.
const IDLE_ACTIVITIES: &str = "name Atlassian activities and match the organisation audit log only with --atlassian-event-actions";

/// How many of the rules name Atlassian activities that no catalogue resolved: on raw
/// organisation audit logs they cannot match.
fn unresolved_activities(sel: &crate::cli::RuleArgs, loaded: &vendorsec_logs::Loaded) -> usize {
    if sel.atlassian_event_actions.is_some() {
        return 0;
    }
    loaded.rules.iter().filter(|r| r.names_activities()).count()
}

/// Said of the matches that correlations left out for want of a time (after their count).
fn untimed_note(time_field: Option<&str>) -> String {
    format!(
        "matches of rules that correlations use had no time ({}): left out of the correlations (--time-field names the field)",
        match time_field {
            Some(f) => format!("`{f}` missing or not a time"),
            None => "none of the time fields their sources use".to_owned(),
        }
    )
}

/// A data file the user names (`--placeholders`, `--mapping`), parsed; empty without one.
fn read_data<T: Default>(
    path: Option<&std::path::Path>,
    parse: fn(&str) -> Result<T, String>,
) -> anyhow::Result<T> {
    let Some(p) = path else {
        return Ok(T::default());
    };
    let text =
        std::fs::read_to_string(p).with_context(|| format!("{}: cannot read", p.display()))?;
    parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
}

/// A `--matches` line's members after `line` for matches of `rule` in the log `name`, up to
/// the event's value: `,"log":…,"rule":…,"sigma_id":…,"title":…,"event":`.
fn matches_tail(name: &str, rule: &vendorsec_logs::rule::Rule) -> String {
    let text = |s: &str| serde_json::Value::from(s).to_string();
    format!(
        ",\"log\":{},\"rule\":{},\"sigma_id\":{},\"title\":{},\"event\":",
        text(name),
        text(&format!("sigma/{}", rule.stem)),
        text(&rule.id),
        text(&rule.title)
    )
}

/// The report of a run over log files, sorted: `named`, the paths the user gave (its
/// targets), `logs`, the files they stood for (a directory's files each count).
#[allow(clippy::too_many_arguments)]
fn logs_report(
    named: &[std::path::PathBuf],
    logs: &[std::path::PathBuf],
    fail_on: Severity,
    findings: Vec<vendorsec_core::Finding>,
    diagnostics: Vec<Diagnostic>,
    bytes: u64,
    suppressed: u64,
    started: Instant,
) -> ScanReport {
    let mut report = ScanReport {
        schema_version: 1,
        tool: "vendorsec".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        targets: named.iter().map(|p| p.display().to_string()).collect(),
        fail_on,
        findings,
        diagnostics,
        stats: Stats {
            blobs_scanned: logs.len() as u64,
            bytes_scanned: bytes,
            suppressed,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            ..Stats::default()
        },
    };
    report.sort();
    report
}

/// Render a report in the chosen format and say whether a finding fails the run.
fn render(
    report: &ScanReport,
    metas: &[RuleMeta],
    format: OutputFormat,
    output: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let format = match format {
        OutputFormat::Terminal => vendorsec_report::Format::Terminal,
        OutputFormat::Json => vendorsec_report::Format::Json,
        OutputFormat::Sarif => vendorsec_report::Format::Sarif,
        OutputFormat::Markdown => vendorsec_report::Format::Markdown,
    };
    let color = format == vendorsec_report::Format::Terminal
        && output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let text = vendorsec_report::render(report, metas, format, color);
    crate::output::write(output, &text)?;
    Ok(if report.failing() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub(crate) fn run(args: &LogsArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        LogsCommand::CheckRules {
            paths,
            json,
            placeholders,
            atlassian_event_actions,
        } => check_rules(
            paths,
            *json,
            placeholders.as_deref(),
            atlassian_event_actions.as_deref(),
        ),
        LogsCommand::Hunt(h) => hunt(h),
        LogsCommand::Secrets(a) => secrets(a),
        LogsCommand::Watch(w) => watch(w),
    }
}

/// A place alerts go.
enum Sink {
    Stdout,
    File(std::path::PathBuf),
    Webhook(String),
}

fn sinks(specs: &[String]) -> anyhow::Result<Vec<Sink>> {
    if specs.is_empty() {
        return Ok(vec![Sink::Stdout]);
    }
    specs
        .iter()
        .map(|s| {
            if s == "stdout" {
                Ok(Sink::Stdout)
            } else if let Some(p) = s.strip_prefix("file:") {
                Ok(Sink::File(p.into()))
            } else if let Some(u) = s.strip_prefix("webhook:") {
                if !(u.starts_with("http://") || u.starts_with("https://")) {
                    anyhow::bail!("--alert {s}: a webhook needs an http(s) URL");
                }
                Ok(Sink::Webhook(u.to_owned()))
            } else {
                anyhow::bail!("--alert {s}: use stdout, file:PATH or webhook:URL")
            }
        })
        .collect()
}

#[cfg(feature = "network")]
fn post(url: &str, body: &serde_json::Value) -> Result<(), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut last = String::new();
    for attempt in 0..4u32 {
        if attempt > 0 {
            std::thread::sleep(std::time::Duration::from_millis(250 << attempt));
        }
        match agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(body.to_string())
        {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) => last = format!("HTTP {}", r.status().as_u16()),
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!("{url}: {last} (after 4 attempts)"))
}

#[cfg(not(feature = "network"))]
fn post(url: &str, _body: &serde_json::Value) -> Result<(), String> {
    Err(format!(
        "{url}: this vendorsec was built without the `network` feature"
    ))
}

fn deliver(sinks: &[Sink], a: &vendorsec_logs::watch::Alert) -> Result<(), String> {
    for s in sinks {
        match s {
            Sink::Stdout => {
                let mut out = std::io::stdout().lock();
                writeln!(out, "{}", a.json()).map_err(|e| format!("stdout: {e}"))?;
                out.flush().map_err(|e| format!("stdout: {e}"))?;
            }
            Sink::File(p) => {
                let mut f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|e| format!("{}: {e}", p.display()))?;
                writeln!(f, "{}", a.json()).map_err(|e| format!("{}: {e}", p.display()))?;
            }
            Sink::Webhook(u) => post(u, &a.slack())?,
        }
    }
    Ok(())
}

#[allow(clippy::print_stderr)]
fn watch(args: &crate::cli::WatchArgs) -> anyhow::Result<ExitCode> {
    use vendorsec_logs::watch::{Alert, Checkpoint, Gate, key, read_new};
    let (loaded, actions) = load_rules(&args.sel)?;
    for e in &loaded.errors {
        eprintln!(
            "vendorsec: {}:{}: rule not loaded: {}",
            e.path, e.line, e.reason
        );
    }
    if loaded.rules.is_empty() {
        anyhow::bail!("no rule loaded");
    }
    let n = unresolved_activities(&args.sel, &loaded);
    if n > 0 {
        eprintln!("vendorsec: {n} rules {IDLE_ACTIVITIES}");
    }
    let sinks = sinks(&args.alerts)?;
    let resolve = |r: &str| loaded.rules.iter().position(|x| x.name == r || x.id == r);
    let usable: Vec<_> = loaded
        .correlations
        .iter()
        .filter(|c| c.rules.iter().all(|r| resolve(r).is_some()))
        .cloned()
        .collect();
    let mut engine = vendorsec_logs::correlation::Engine::new(usable, &resolve)
        .map_err(|e| anyhow::anyhow!("{}: {}", e.path, e.reason))?;
    let mut gate = Gate::new(args.throttle.max(1));
    let first_seen = match &args.sel.first_seen {
        Some(p) => Some(std::cell::RefCell::new(
            vendorsec_logs::firstseen::FirstSeen::open(p, args.sel.geoip.as_deref())
                .map_err(anyhow::Error::msg)?,
        )),
        None => None,
    };
    let mut cp = match &args.checkpoint {
        Some(p) => Checkpoint::load(p).map_err(anyhow::Error::msg)?,
        None => Checkpoint::default(),
    };
    // Correlation windows carry over a restart.
    engine.import(&cp.correlations);
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    };
    let mut failed = false;
    // One chunk of log text through the rules: alerts, in order.
    // What the rules need to match, made once: it was made again for each look at each file
    // and for each line of standard input (370 lines a second).
    let mut matching = vendorsec_logs::Hunt::new(&loaded.rules, args.sel.event_path.as_deref());
    // Records that are not events said so far, by file.
    let problems_said = std::cell::RefCell::new(std::collections::HashMap::<String, usize>::new());
    let process = |name: &str,
                   bytes: &[u8],
                   first_line: u64,
                   matching: &mut vendorsec_logs::Hunt<'_>,
                   engine: &mut vendorsec_logs::correlation::Engine,
                   gate: &mut Gate|
     -> Result<(), String> {
        let mut alerts = Vec::new();
        let r = matching.run(
            Box::new(bytes),
            &mut |m| {
                let rule = &loaded.rules[m.rule];
                let line = first_line + m.at.line;
                let at = vendorsec_logs::At {
                    line,
                    index: m.at.index,
                };
                if engine.uses(m.rule) {
                    let rname = if rule.name.is_empty() {
                        rule.id.clone()
                    } else {
                        rule.name.clone()
                    };
                    for f in engine.feed_at(
                        m.rule,
                        &rname,
                        m.event(),
                        args.sel.time_field.as_deref(),
                        (name, line),
                    ) {
                        let c = &engine.correlations()[f.correlation];
                        let at = f.place.as_ref().map_or(at, |p| vendorsec_logs::At {
                            line: p.1,
                            index: None,
                        });
                        let fd = vendorsec_logs::correlation_finding(c, name, at, &f);
                        alerts.push(Alert {
                            rule: fd.rule,
                            title: c.title.clone(),
                            level: c.level.clone(),
                            log: name.to_owned(),
                            line,
                            summary: fd.evidence,
                            fingerprint: fd.fingerprint,
                        });
                    }
                    if !engine.reports(m.rule) {
                        return;
                    }
                }
                let m2 = m.relocated(at);
                let mut fd = vendorsec_logs::finding(rule, name, &m2);
                if let Some(a) = &actions
                    && rule.product == "atlassian"
                {
                    a.name_in(&mut fd, m2.event());
                }
                alerts.push(Alert {
                    rule: fd.rule,
                    title: rule.title.clone(),
                    level: rule.level.clone(),
                    log: name.to_owned(),
                    line,
                    summary: fd.evidence,
                    fingerprint: fd.fingerprint,
                });
            },
            &mut |p| {
                // The first records of a file that are not events are said; after those, that
                // there are more, once.
                let mut said = problems_said.borrow_mut();
                let n = said.entry(name.to_owned()).or_insert(0);
                *n += 1;
                if *n <= PROBLEMS_SHOWN {
                    eprintln!("vendorsec: {name}:{}: {}", first_line + p.line, p.reason);
                } else if *n == PROBLEMS_SHOWN + 1 {
                    eprintln!(
                        "vendorsec: {name}: more records not read as events; they are not said"
                    );
                }
            },
        );
        if let Err(e) = r {
            return Err(format!("{name}: {e}"));
        }
        if let Some(fs) = &first_seen {
            let mut fs = fs.borrow_mut();
            let _ = vendorsec_logs::source::read(
                Box::new(bytes),
                &mut |at, ev| {
                    for n in fs.observe(&ev) {
                        let fd = vendorsec_logs::firstseen::finding(&n, name, first_line + at.line);
                        alerts.push(Alert {
                            rule: fd.rule,
                            title: "Login from somewhere new".into(),
                            level: "medium".into(),
                            log: name.to_owned(),
                            line: first_line + at.line,
                            summary: fd.message,
                            fingerprint: fd.fingerprint,
                        });
                    }
                },
                &mut |_| {},
            );
        }
        for a in alerts {
            if gate.admit(&a, now()) {
                deliver(&sinks, &a)?;
            }
        }
        Ok(())
    };
    // What was said about a file already (a file being written fails to decompress at each
    // look until it is complete; an unreadable directory stays so): said once.
    let mut said = std::collections::HashSet::new();
    // The checkpoint as last written.
    let mut saved: Option<Checkpoint> = None;
    let mut say = |m: String| {
        if said.insert(m.clone()) {
            eprintln!("vendorsec: {m}");
        }
    };
    loop {
        // Directories are listed again at each look: new files in them are followed.
        let (logs, unlisted) = vendorsec_logs::log_files(&args.logs);
        for (p, why) in unlisted {
            say(format!("{}: {why}", p.display()));
        }
        for log in &logs {
            if log.as_os_str() == "-" {
                // Standard input until it closes (no checkpoint): the complete lines of each
                // read, as they come (a read returns what the pipe holds, so a slow feed is
                // matched line by line and a fast one in pieces of up to 1 MiB).
                let mut input = std::io::BufReader::with_capacity(1 << 20, std::io::stdin().lock());
                let mut pending: Vec<u8> = Vec::new();
                let mut n = 0u64;
                loop {
                    let got = std::io::BufRead::fill_buf(&mut input)?;
                    let eof = got.is_empty();
                    pending.extend_from_slice(got);
                    let k = got.len();
                    std::io::BufRead::consume(&mut input, k);
                    // (At the end, a last line without its newline too; and a line past the
                    // longest one read, as it is so far: it is reported, and memory stays
                    // bounded.)
                    let end = if eof || pending.len() > vendorsec_logs::source::MAX_LINE {
                        pending.len()
                    } else {
                        match pending.iter().rposition(|b| *b == b'\n') {
                            Some(i) => i + 1,
                            None => continue,
                        }
                    };
                    if end > 0 {
                        if let Err(e) = process(
                            "-",
                            &pending[..end],
                            n,
                            &mut matching,
                            &mut engine,
                            &mut gate,
                        ) {
                            eprintln!("vendorsec: alert not delivered: {e}");
                            failed = true;
                        }
                        n += pending[..end].iter().filter(|b| **b == b'\n').count() as u64;
                        pending.drain(..end);
                    }
                    if eof {
                        break;
                    }
                }
                continue;
            }
            let k = key(log);
            let pos = cp.files.get(&k).copied().unwrap_or_default();
            let (bytes, next, rotated) = match read_new(log, pos) {
                Ok(x) => x,
                Err(e) => {
                    // (Not advanced: read again at the next look.)
                    say(format!("{}: {e}", log.display()));
                    continue;
                }
            };
            if rotated {
                eprintln!(
                    "vendorsec: {}: rotated, truncated or rewritten; reading it from the start",
                    log.display()
                );
            }
            if bytes.is_empty() {
                cp.files.insert(k, next);
                continue;
            }
            match process(
                &log.display().to_string(),
                &bytes,
                next.line - bytes.iter().filter(|b| **b == b'\n').count() as u64,
                &mut matching,
                &mut engine,
                &mut gate,
            ) {
                Ok(()) => {
                    cp.files.insert(k, next);
                }
                Err(e) => {
                    // Not advanced: the same lines are read again next time (alerts already
                    // sent are de-duplicated in this run).
                    eprintln!("vendorsec: alert not delivered: {e}");
                    failed = true;
                }
            }
        }
        // Windows whose end has passed (absence conditions), by the latest event time.
        if engine.untimed() > 0 {
            say(untimed_note(args.sel.time_field.as_deref()));
        }
        let latest = engine.latest();
        for f in engine.flush_before(latest) {
            let c = &engine.correlations()[f.correlation];
            let (log, line) = f.place.clone().unwrap_or_default();
            let fd = vendorsec_logs::correlation_finding(
                c,
                &log,
                vendorsec_logs::At { line, index: None },
                &f,
            );
            let a = Alert {
                rule: fd.rule,
                title: c.title.clone(),
                level: c.level.clone(),
                log,
                line,
                summary: fd.evidence,
                fingerprint: fd.fingerprint,
            };
            if gate.admit(&a, now())
                && let Err(e) = deliver(&sinks, &a)
            {
                eprintln!("vendorsec: alert not delivered: {e}");
                failed = true;
            }
        }
        if let Some(fs) = &first_seen {
            fs.borrow()
                .save()
                .context("writing the --first-seen state")?;
        }
        if let Some(p) = &args.checkpoint {
            cp.correlations = engine.export();
            // Written when it changed (a watched directory of a year of CloudTrail files
            // makes a checkpoint of megabytes, rewritten at every look before).
            if saved.as_ref() != Some(&cp) {
                cp.save(p)
                    .with_context(|| format!("{}: cannot write the checkpoint", p.display()))?;
                saved = Some(cp.clone());
            }
        }
        for (rule, n) in gate.suppressed.drain() {
            eprintln!("vendorsec: {rule}: {n} alerts held back by --throttle");
        }
        if args.once || args.logs.iter().all(|l| l.as_os_str() == "-") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(args.poll_ms.max(50)));
    }
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
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
    let logs = log_files(&args.logs, &mut diagnostics);
    for log in &logs {
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
    let report = logs_report(
        &args.logs,
        &logs,
        fail_on,
        findings,
        diagnostics,
        bytes,
        0,
        started,
    );
    let metas = crate::cmd_rules::rule_metas(&engine);
    render(&report, &metas, args.format, args.output.as_deref())
}

fn check_rules(
    paths: &[std::path::PathBuf],
    json: bool,
    placeholders: Option<&std::path::Path>,
    event_actions: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let mut loaded = if paths.is_empty() {
        vendorsec_logs::pack::builtin()
    } else {
        vendorsec_logs::load_with(
            paths,
            &read_data(placeholders, vendorsec_logs::Placeholders::parse)?,
        )
    };
    let actions = read_event_actions(event_actions)?;
    // Each rule's Atlassian activities: `None` when it names none; the names it resolved
    // to, or `None` inside without a catalogue.
    let names_activities: Vec<bool> = loaded.rules.iter().map(|r| r.names_activities()).collect();
    let resolved: Vec<Option<Vec<String>>> = match &actions {
        Some(a) => loaded
            .resolve_activities(a)
            .into_iter()
            .map(|v| Some(v.into_iter().map(|(_, name)| name.to_owned()).collect()))
            .collect(),
        None => vec![None; loaded.rules.len()],
    };
    let activities = |i: usize| names_activities[i].then(|| resolved[i].clone());
    let mut out = String::new();
    if json {
        let v = serde_json::json!({
            "correlations": loaded.correlations.iter().map(|c| serde_json::json!({"path": c.path, "name": c.name, "title": c.title, "rules": c.rules})).collect::<Vec<_>>(),
            "loaded": loaded.rules.iter().enumerate().map(|(i, r)| {
                let mut j = serde_json::json!({"path": r.path, "id": r.id, "title": r.title, "product": r.product, "service": r.service, "level": r.level});
                // (Only for rules that name activities: the names resolved, null without a
                // catalogue.)
                if let Some(a) = activities(i) {
                    j["atlassian_activities"] = serde_json::json!(a);
                }
                j
            }).collect::<Vec<_>>(),
            "failed": loaded.errors.iter().map(|e| serde_json::json!({"path": e.path, "line": e.line, "reason": e.reason})).collect::<Vec<_>>(),
        });
        out = serde_json::to_string_pretty(&v)? + "\n";
    } else {
        let mut lines: Vec<(String, String)> = loaded
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let tail = match activities(i) {
                    None => String::new(),
                    Some(None) => "; names Atlassian activities: they match the organisation audit log only with --atlassian-event-actions".to_owned(),
                    Some(Some(names)) if names.is_empty() => {
                        "; names Atlassian activities: none in the catalogue".to_owned()
                    }
                    Some(Some(names)) => format!(
                        "; Atlassian activities ({}): {}",
                        names.len(),
                        names.join(", ")
                    ),
                };
                (r.path.clone(), format!("{}: loaded ({}){tail}", r.path, r.title))
            })
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

/// The log files of the named paths (a directory is read as the files below it, in the
/// order of their names); what cannot be listed is a diagnostic.
fn log_files(
    named: &[std::path::PathBuf],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<std::path::PathBuf> {
    let (logs, unlisted) = vendorsec_logs::log_files(named);
    diagnostics.extend(
        unlisted.into_iter().map(|(p, why)| {
            Diagnostic::new(DiagnosticKind::Unreadable, p.display().to_string(), why)
        }),
    );
    logs
}

fn hunt(args: &HuntArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let (loaded, actions) = load_rules(&args.sel)?;
    if loaded.rules.is_empty() {
        anyhow::bail!(
            "no rule loaded from {} path(s) ({} refused; see `vendorsec logs check-rules`)",
            args.sel.rules.len(),
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
        // (Written in 1 MiB pieces: a busy hunt writes hundreds of MB of matches.)
        Some(p) => Some(std::io::BufWriter::with_capacity(
            1 << 20,
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
    // Findings kept per rule over the whole run: beyond the cap they are counted (memory
    // stays flat in the size and the number of the logs, and a day of CloudTrail gives the
    // same findings as one file or as 288 five-minute files; --matches still gets every one).
    const CAP: u64 = 1_000;
    // (By rule index, a counter per match where a hash map cost a hash each: each rule's
    // matches, the logs it matched in, and the first log with a match past the cap.)
    let mut per_rule: Vec<u64> = vec![0; loaded.rules.len()];
    let mut logs_matched: Vec<usize> = vec![0; loaded.rules.len()];
    let mut first_over: Vec<Option<usize>> = vec![None; loaded.rules.len()];
    let mut events = 0u64;
    // A progress line on stderr when it is a terminal: logs done, bytes read, matches. The
    // same counters give the report's bytes read.
    let counters = std::sync::Arc::new(crate::progress::Counters::default());
    let progress = crate::progress::Progress::start_with(
        std::sync::Arc::clone(&counters),
        std::io::stderr().is_terminal(),
        crate::progress::logs_message,
    );
    // Each log is read (opened, gunzipped, split into records) on a thread of its own, and the
    // next one is read as soon as this one has been, while this one is matched: a directory of
    // small gzipped CloudTrail files was read and matched by turns.
    let start = |log: &std::path::Path, before: Option<&vendorsec_logs::Reading>| {
        vendorsec_logs::open(log).map(|i| {
            let input = Box::new(crate::progress::Counting {
                inner: i,
                counters: std::sync::Arc::clone(&counters),
            });
            vendorsec_logs::Reading::after(input, before)
        })
    };
    let logs = log_files(&args.logs, &mut diagnostics);
    let mut next = None;
    // What the rules need to match, made once for every log.
    let mut matching = vendorsec_logs::Hunt::new(&loaded.rules, args.sel.event_path.as_deref());
    for (log_no, log) in logs.iter().enumerate() {
        let name = log.display().to_string();
        let opened = next.take().unwrap_or_else(|| start(log, None));
        next = logs
            .get(log_no + 1)
            .map(|log| start(log, opened.as_ref().ok()));
        let input = match opened {
            Ok(reading) => reading,
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
        let (mut shown, mut more) = (0usize, 0u64);
        let before: Vec<u64> = per_rule.clone();
        // Each rule's part of a `--matches` line after the line number, made once per log.
        let mut tails: Vec<Option<String>> = vec![None; loaded.rules.len()];
        let r = matching.read(
            input,
            &mut |m| {
                counters
                    .matches
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let rule = &loaded.rules[m.rule];
                if let Some(w) = matches_out.as_mut() {
                    // `{"index":…,"line":…,"log":…,"rule":…,"sigma_id":…,"title":…,"event":…}`
                    // (a JSON object's keys in serde_json's order), the part after the line
                    // number rendered once per rule and log: building the object for each
                    // match was most of the time spent writing matches.
                    let tail = tails
                        .get_mut(m.rule)
                        .map(|t| t.get_or_insert_with(|| matches_tail(&name, rule)).as_str())
                        .unwrap_or_default();
                    let r = match m.at.index {
                        Some(i) => write!(w, "{{\"index\":{i},\"line\":{}{tail}", m.at.line),
                        None => write!(w, "{{\"index\":null,\"line\":{}{tail}", m.at.line),
                    }
                    // The record's own text when it is the event (no parse, no serialising);
                    // the event is shared between rules: written, not copied.
                    .and_then(|()| match m.verbatim() {
                        Some(raw) => w.write_all(raw).and_then(|()| w.write_all(b"}\n")),
                        None => {
                            let event = serde_json::to_string(&**m.event()).unwrap_or_default();
                            writeln!(w, "{event}}}")
                        }
                    });
                    if let Err(e) = r {
                        write_err = Some(e);
                    }
                }
                if engine.uses(m.rule) {
                    let rname = if rule.name.is_empty() {
                        rule.id.clone()
                    } else {
                        rule.name.clone()
                    };
                    for f in engine.feed_at(
                        m.rule,
                        &rname,
                        m.event(),
                        args.sel.time_field.as_deref(),
                        (&name, m.at.line),
                    ) {
                        let c = &engine.correlations()[f.correlation];
                        let (log, line) =
                            f.place.clone().unwrap_or_else(|| (name.clone(), m.at.line));
                        let at = vendorsec_logs::At { line, index: None };
                        findings.push(vendorsec_logs::correlation_finding(c, &log, at, &f));
                    }
                    if !engine.reports(m.rule) {
                        return;
                    }
                }
                let Some(n) = per_rule.get_mut(m.rule) else {
                    return;
                };
                *n += 1;
                if *n <= CAP {
                    let mut f = vendorsec_logs::finding(rule, &name, &m);
                    if let Some(tf) = args.sel.time_field.as_deref() {
                        vendorsec_logs::set_event_time(&mut f, &m, tf);
                    }
                    if let Some(a) = &actions
                        && rule.product == "atlassian"
                    {
                        a.name_in(&mut f, m.event());
                    }
                    findings.push(f);
                } else if let Some(f) = first_over.get_mut(m.rule) {
                    f.get_or_insert(log_no);
                }
            },
            &mut |p| {
                // The first records of a log that are not events are listed; the rest are
                // counted (a text file named by mistake has a problem per line, and a
                // gigabyte of them listed would hold gigabytes).
                if shown < PROBLEMS_SHOWN {
                    shown += 1;
                    diagnostics.push(Diagnostic::new(
                        DiagnosticKind::Unreadable,
                        format!("{name}:{}", p.line),
                        p.reason,
                    ));
                } else {
                    more += 1;
                }
            },
        );
        if more > 0 {
            diagnostics.push(Diagnostic::new(
                DiagnosticKind::Unreadable,
                name.clone(),
                format!(
                    "{more} more records not read as events (the first {PROBLEMS_SHOWN} are listed)"
                ),
            ));
        }
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
        counters
            .blobs
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        for ((n, b), l) in per_rule.iter().zip(&before).zip(logs_matched.iter_mut()) {
            *l += usize::from(n > b);
        }
    }
    progress.stop();
    // One note per rule past the cap, at the first log where a match was not made a finding
    // (in the order of the logs, then of the rules).
    let mut over: Vec<(usize, usize)> = first_over
        .iter()
        .enumerate()
        .filter_map(|(rule, f)| f.map(|log_no| (log_no, rule)))
        .collect();
    over.sort_unstable();
    for (log_no, rule) in over {
        let spread = match logs_matched[rule] {
            1 => String::new(),
            k => format!(" in {k} logs"),
        };
        diagnostics.push(Diagnostic::new(
            DiagnosticKind::Note,
            logs[log_no].display().to_string(),
            format!(
                "sigma/{}: {} matches{spread}; the first {CAP} are findings (use --matches for all)",
                loaded.rules[rule].stem, per_rule[rule]
            ),
        ));
    }
    if engine.untimed() > 0 {
        diagnostics.push(Diagnostic::new(
            DiagnosticKind::Note,
            "logs",
            format!(
                "{} {}",
                engine.untimed(),
                untimed_note(args.sel.time_field.as_deref())
            ),
        ));
    }
    // Windows judged at the end (absence conditions).
    for f in engine.flush() {
        let c = &engine.correlations()[f.correlation];
        let (log, line) = f.place.clone().unwrap_or_default();
        findings.push(vendorsec_logs::correlation_finding(
            c,
            &log,
            vendorsec_logs::At { line, index: None },
            &f,
        ));
    }
    if let Some(mut w) = matches_out {
        w.flush().context("writing --matches")?;
    }
    if let Some(state) = &args.sel.first_seen {
        let mut fs = vendorsec_logs::firstseen::FirstSeen::open(state, args.sel.geoip.as_deref())
            .map_err(anyhow::Error::msg)?;
        for log in &logs {
            let name = log.display().to_string();
            if log.as_os_str() == "-" {
                diagnostics.push(Diagnostic::new(
                    DiagnosticKind::Note,
                    name,
                    "--first-seen reads files only (standard input was read once already)",
                ));
                continue;
            }
            let Ok(input) = vendorsec_logs::open(log) else {
                continue;
            };
            let _ = vendorsec_logs::source::read(
                input,
                &mut |at, ev| {
                    let ev = match args.sel.event_path.as_deref() {
                        Some(p) => match vendorsec_logs::event::field(&ev, p) {
                            Some(inner @ serde_json::Value::Object(_)) => inner.clone(),
                            _ => return,
                        },
                        None => ev,
                    };
                    for n in fs.observe(&ev) {
                        findings.push(vendorsec_logs::firstseen::finding(&n, &name, at.line));
                    }
                },
                &mut |_| {},
            );
        }
        fs.save()
            .with_context(|| format!("{}: cannot write", state.display()))?;
    }
    let crate::suppression::Applied {
        findings,
        suppressed,
        unused,
        fail_on,
    } = crate::suppression::apply(args.config.as_deref(), args.fail_on, findings, "sigma/")?;
    diagnostics.extend(unused);
    diagnostics.push(Diagnostic::new(
        DiagnosticKind::Note,
        "logs",
        format!(
            "{events} event{}, {} rule{} loaded{}, {:.0} events/s",
            if events == 1 { "" } else { "s" },
            loaded.rules.len(),
            if loaded.rules.len() == 1 { "" } else { "s" },
            match unresolved_activities(&args.sel, &loaded) {
                0 => String::new(),
                n => format!(" ({n} {IDLE_ACTIVITIES})"),
            },
            events as f64 / started.elapsed().as_secs_f64().max(1e-6)
        ),
    ));
    let report = logs_report(
        &args.logs,
        &logs,
        fail_on,
        findings,
        diagnostics,
        counters.bytes.load(std::sync::atomic::Ordering::Relaxed),
        suppressed,
        started,
    );
    let metas: Vec<RuleMeta> = loaded
        .rules
        .iter()
        .map(crate::cmd_rules::sigma_meta)
        .collect();
    let code = render(&report, &metas, args.format, args.output.as_deref());
    // The process ends next: freeing the findings one by one (tens of thousands on a large
    // log) took 20-30 ms after the last event was matched, for nothing.
    std::mem::forget(report);
    code
}
