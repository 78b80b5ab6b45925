//! `vendorsec probe`: fetch or read the descriptor, run the live checks, suppress, report.

use std::process::ExitCode;

use crate::cli::ProbeArgs;

#[cfg(not(feature = "network"))]
pub(crate) fn run(_args: &ProbeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("this vendorsec was built without the `network` feature, which `probe` needs")
}

#[cfg(feature = "network")]
pub(crate) fn run(args: &ProbeArgs) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    use std::time::{Duration, Instant};

    use anyhow::{Context, bail};
    use vendorsec_core::{Diagnostic, DiagnosticKind, ScanReport, Stats};
    use vendorsec_probe::http::{Request, Url, default_tls, send};
    use vendorsec_probe::{Options, discover, jwt};

    use crate::cli::ProbeFormat;

    let started = Instant::now();
    let started_at = jwt::now();
    let timeout = Duration::from_secs(args.timeout.max(1));
    let url = Url::parse(&args.url).map_err(anyhow::Error::msg)?;
    let descriptor = match &args.descriptor {
        Some(p) => std::fs::read(p).with_context(|| format!("{}: cannot read", p.display()))?,
        None => {
            let tls = default_tls().map_err(anyhow::Error::msg)?;
            let r = send(&Request::new("GET", &url), &tls, timeout)
                .map_err(|e| anyhow::anyhow!("descriptor: {e}"))?;
            if r.status >= 400 {
                bail!("descriptor: GET {} answered {}", url.to_text(), r.status);
            }
            r.body
        }
    };
    let mut app = discover::app(&descriptor).map_err(anyhow::Error::msg)?;
    if args.descriptor.is_some() {
        // The URL given is where this instance runs: every link follows it.
        let old = app.base.clone();
        let mut base = url.clone();
        if base.target == "/" {
            base.target = old.target.clone();
        }
        for l in &mut app.links {
            if l.url.host == old.host && l.url.port == old.port {
                l.url.https = base.https;
                l.url.host = base.host.clone();
                l.url.port = base.port;
            }
        }
        app.base = base;
    }
    let opts = Options {
        timeout,
        rate: args.rate.unwrap_or_else(|| {
            let loopback = |h: &str| {
                h == "localhost"
                    || h == "::1"
                    || h.parse::<std::net::Ipv4Addr>()
                        .is_ok_and(|a| a.is_loopback())
            };
            if loopback(&app.base.host) && app.links.iter().all(|l| loopback(&l.url.host)) {
                1000.0
            } else {
                10.0
            }
        }),
        concurrency: args.concurrency,
        ca_file: args.ca_file.clone(),
        http_port: args.http_port,
        shared_secret: args.shared_secret.clone(),
        user_jwt: args.user_jwt.clone(),
        lifecycle_tests: args.allow_lifecycle_tests,
        skip_tls: args.skip_tls,
    };
    let show = std::io::stderr().is_terminal();
    let progress = |msg: &str| {
        if show {
            #[allow(clippy::print_stderr)]
            {
                eprint!("\r\x1b[2K{msg}");
            }
        }
    };
    let outcome = vendorsec_probe::run(&app, &opts, &progress);
    if show {
        #[allow(clippy::print_stderr)]
        {
            eprint!("\r\x1b[2K");
        }
    }
    let crate::suppression::Applied {
        findings,
        suppressed,
        unused,
        fail_on,
    } = crate::suppression::apply(
        args.config.as_deref(),
        args.fail_on,
        outcome.findings,
        "probe/",
    )?;
    let mut diagnostics: Vec<Diagnostic> = unused;
    for n in &outcome.notes {
        diagnostics.push(Diagnostic::new(
            DiagnosticKind::Note,
            app.key.clone(),
            n.clone(),
        ));
    }
    for (host, versions) in &outcome.protocols {
        diagnostics.push(Diagnostic::new(
            DiagnosticKind::Note,
            host.clone(),
            format!(
                "TLS versions accepted: {}",
                if versions.is_empty() {
                    "none".to_owned()
                } else {
                    versions.join(", ")
                }
            ),
        ));
    }
    let mut report = ScanReport {
        schema_version: 1,
        tool: "vendorsec".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        targets: vec![args.url.clone()],
        fail_on,
        findings,
        diagnostics,
        stats: Stats {
            suppressed,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            ..Stats::default()
        },
    };
    report.sort();
    let text = match args.format {
        ProbeFormat::CsrtJson => {
            let inconclusive = outcome.notes.iter().any(|n| n.contains("inconclusive"));
            let v = vendorsec_probe::report::csrt_json(
                &app.key,
                &app.name,
                &report.findings,
                started_at,
                jwt::now(),
                inconclusive,
            );
            format!("{}\n", serde_json::to_string_pretty(&v)?)
        }
        other => {
            let format = match other {
                ProbeFormat::Json => vendorsec_report::Format::Json,
                ProbeFormat::Sarif => vendorsec_report::Format::Sarif,
                ProbeFormat::Markdown => vendorsec_report::Format::Markdown,
                _ => vendorsec_report::Format::Terminal,
            };
            let color = format == vendorsec_report::Format::Terminal
                && args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            let mut t =
                vendorsec_report::render(&report, &crate::cmd_rules::probe_metas(), format, color);
            if format == vendorsec_report::Format::Terminal {
                t.push_str(&format!(
                    "{} requests to {} URLs of {} in {:.1}s\n",
                    outcome.requests,
                    app.links.len(),
                    app.key,
                    started.elapsed().as_secs_f64()
                ));
            }
            t
        }
    };
    crate::output::write(args.output.as_deref(), &text)?;
    Ok(if report.failing() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
