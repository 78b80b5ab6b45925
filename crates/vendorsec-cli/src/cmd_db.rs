//! `vendorsec db`: the local OSV advisory database (update from OSV's per-ecosystem
//! exports, import a directory or zip for air-gapped use, status).

use std::io::IsTerminal;
#[cfg(feature = "network")]
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use vendorsec_deps::Ecosystem;
use vendorsec_deps::db::{self, ImportSummary, Mode, Staging};

use crate::cli::{DbArgs, DbCommand};
use crate::output;

/// OSV's public bucket of per-ecosystem exports (`<base>/<Ecosystem>/all.zip`).
pub(crate) const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";
/// Largest export downloaded (the biggest, Maven and npm, are a few hundred MB).
#[cfg(feature = "network")]
const MAX_DOWNLOAD: u64 = 4 << 30;

fn dir_of(db: Option<&PathBuf>) -> PathBuf {
    db.cloned().unwrap_or_else(db::default_dir)
}

#[allow(clippy::print_stderr)]
fn report_summary(what: &str, s: &ImportSummary, started: Instant) {
    eprintln!(
        "vendorsec: {what}: {} files, {} records ({} withdrawn ignored, {} for other ecosystems) in {:.2} s",
        s.files,
        s.records,
        s.withdrawn,
        s.other_ecosystems,
        started.elapsed().as_secs_f64()
    );
    for (eco, m) in &s.per_ecosystem {
        eprintln!(
            "vendorsec:   {eco}: {} advisories for {} packages",
            m.advisories, m.packages
        );
    }
    for p in s.problems.iter().take(20) {
        eprintln!("vendorsec: warning: {}: {}", p.path, p.reason);
    }
    if s.problems.len() > 20 {
        eprintln!(
            "vendorsec: warning: … and {} more files that could not be read",
            s.problems.len() - 20
        );
    }
}

pub(crate) fn run(args: &DbArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        DbCommand::Import { path, db } => {
            let dir = dir_of(db.as_ref());
            let started = Instant::now();
            let mut staging = Staging::default();
            if path.is_dir() {
                staging.add_dir(path)?;
            } else {
                let f = std::fs::File::open(path)
                    .with_context(|| format!("{}: cannot open", path.display()))?;
                staging.add_zip(&path.display().to_string(), std::io::BufReader::new(f))?;
            }
            if staging.ecosystems().is_empty() && staging.summary.withdrawn == 0 {
                report_summary("import", &staging.summary, started);
                bail!(
                    "{}: no OSV advisory for a supported ecosystem was found",
                    path.display()
                );
            }
            let summary = db::commit(&dir, staging, Mode::Merge, &path.display().to_string())?;
            report_summary(
                &format!("imported into {}", dir.display()),
                &summary,
                started,
            );
            Ok(ExitCode::SUCCESS)
        }
        DbCommand::Update {
            base_url,
            ecosystems,
            db,
        } => update(base_url, ecosystems, &dir_of(db.as_ref())),
        DbCommand::Status { db, json } => status(&dir_of(db.as_ref()), *json),
    }
}

fn parse_ecosystems(names: &[String]) -> anyhow::Result<Vec<Ecosystem>> {
    if names.is_empty() {
        return Ok(Ecosystem::ALL.to_vec());
    }
    names
        .iter()
        .map(|n| {
            Ecosystem::ALL
                .into_iter()
                .find(|e| e.osv_name().eq_ignore_ascii_case(n))
                .with_context(|| {
                    format!(
                        "unknown ecosystem {n:?}; one of: {}",
                        Ecosystem::ALL.map(Ecosystem::osv_name).join(", ")
                    )
                })
        })
        .collect()
}

#[cfg(feature = "network")]
fn download(url: &str, progress: bool) -> anyhow::Result<Vec<u8>> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(std::time::Duration::from_secs(30)))
        .timeout_recv_body(Some(std::time::Duration::from_secs(600)))
        .build()
        .into();
    let mut resp = agent
        .get(url)
        .call()
        .with_context(|| format!("GET {url}"))?;
    let mut reader = resp.body_mut().with_config().limit(MAX_DOWNLOAD).reader();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut next_report = 16u64 << 20;
    loop {
        let n = reader
            .read(&mut buf)
            .with_context(|| format!("reading {url}"))?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        if progress && out.len() as u64 >= next_report {
            #[allow(clippy::print_stderr)]
            {
                eprint!("\rvendorsec:   {} MB", out.len() >> 20);
            }
            next_report += 16 << 20;
        }
    }
    if progress && out.len() >= 16 << 20 {
        #[allow(clippy::print_stderr)]
        {
            eprintln!();
        }
    }
    Ok(out)
}

#[cfg(not(feature = "network"))]
fn download(_url: &str, _progress: bool) -> anyhow::Result<Vec<u8>> {
    bail!("this vendorsec was built without the `network` feature; use `vendorsec db import`")
}

#[allow(clippy::print_stderr)]
fn update(
    base_url: &str,
    ecosystems: &[String],
    dir: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let ecos = parse_ecosystems(ecosystems)?;
    let progress = std::io::stderr().is_terminal();
    let mut failed = 0;
    for eco in ecos {
        let url = format!(
            "{}/{}/all.zip",
            base_url.trim_end_matches('/'),
            eco.osv_name()
        );
        let started = Instant::now();
        eprintln!("vendorsec: {}: downloading {url}", eco.osv_name());
        let bytes = match download(&url, progress) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("vendorsec: error: {}: {e:#}", eco.osv_name());
                failed += 1;
                continue;
            }
        };
        let mut staging = Staging::default();
        if let Err(e) = staging.add_zip(&url, std::io::Cursor::new(bytes)) {
            eprintln!("vendorsec: error: {}: {e}", eco.osv_name());
            failed += 1;
            continue;
        }
        // Only this ecosystem's advisories replace the old ones: a GHSA export may name
        // other ecosystems too, which their own exports cover.
        staging.retain_ecosystem(eco);
        let summary = db::commit(dir, staging, Mode::Replace, &url)?;
        report_summary(&format!("{} updated", eco.osv_name()), &summary, started);
    }
    if failed > 0 {
        eprintln!(
            "vendorsec: {failed} ecosystem(s) could not be updated; the database keeps their previous data"
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn age(secs: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let d = now.saturating_sub(secs);
    if d < 120 {
        format!("{d} s ago")
    } else if d < 7200 {
        format!("{} min ago", d / 60)
    } else if d < 172_800 {
        format!("{} h ago", d / 3600)
    } else {
        format!("{} days ago", d / 86_400)
    }
}

fn status(dir: &std::path::Path, json: bool) -> anyhow::Result<ExitCode> {
    let meta = db::read_meta(dir)?;
    if json {
        let v = serde_json::json!({
            "path": dir.display().to_string(),
            "present": meta.is_some(),
            "ecosystems": meta.as_ref().map(|m| serde_json::to_value(&m.ecosystems).unwrap_or_default()),
        });
        output::write(None, &format!("{}\n", serde_json::to_string_pretty(&v)?))?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(meta) = meta else {
        output::write(
            None,
            &format!(
                "No advisory database at {}.\nRun `vendorsec db update` (downloads OSV's exports) or `vendorsec db import DIR|ZIP` (offline).\n",
                dir.display()
            ),
        )?;
        return Ok(ExitCode::from(1));
    };
    let mut text = format!("Advisory database at {}\n", dir.display());
    text.push_str(&format!(
        "  {:<10} {:>10} {:>9}  {:<14} {:<21} source\n",
        "ecosystem", "advisories", "packages", "updated", "newest advisory"
    ));
    let mut total = 0;
    for (eco, m) in &meta.ecosystems {
        total += m.advisories;
        text.push_str(&format!(
            "  {:<10} {:>10} {:>9}  {:<14} {:<21} {}\n",
            eco,
            m.advisories,
            m.packages,
            age(m.updated),
            m.newest.get(..19).unwrap_or(&m.newest),
            m.source
        ));
    }
    let size: u64 = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    text.push_str(&format!(
        "  {total} advisories in all; {:.1} MB on disk\n",
        size as f64 / 1_048_576.0
    ));
    output::write(None, &text)?;
    Ok(ExitCode::SUCCESS)
}
