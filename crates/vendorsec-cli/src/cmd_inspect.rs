//! `vendorsec inspect APP` (what an app is, can reach, exposes and contacts, with its
//! libraries and findings) and `vendorsec diff OLD NEW` (what changed between two versions).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::{Value, json};
use vendorsec_apps::AppProfile;
use vendorsec_core::{Finding, Severity};

use crate::cli::{ColorChoice, ConfidenceArg, DiffArgs, InspectArgs, OutputFormat, ScanArgs};
use crate::cmd_scan::{Executed, execute};
use crate::output;

fn scan_args(
    paths: Vec<PathBuf>,
    db: Option<PathBuf>,
    no_ignore: bool,
    exclude: Vec<String>,
    max_depth: usize,
) -> ScanArgs {
    ScanArgs {
        paths,
        format: OutputFormat::Json,
        output: None,
        git_history: false,
        no_ignore,
        exclude,
        follow_symlinks: false,
        config: None,
        baseline: None,
        write_baseline: None,
        fail_on: None,
        min_confidence: ConfidenceArg::Low,
        max_depth,
        max_archive_bytes: 4 << 30,
        threads: 0,
        color: ColorChoice::Never,
        no_progress: true,
        db,
    }
}

fn component_key(p: &vendorsec_deps::Package) -> (String, String) {
    (p.ecosystem.osv_name().to_owned(), p.name.clone())
}

/// The inspect document (also the basis of `diff`).
fn profile_json(target: &str, e: &Executed) -> Value {
    let mut by_eco: BTreeMap<&str, usize> = BTreeMap::new();
    let mut distinct: BTreeSet<(String, String, String)> = BTreeSet::new();
    for p in &e.packages {
        if distinct.insert((
            p.ecosystem.osv_name().to_owned(),
            p.name.clone(),
            p.version.clone(),
        )) {
            *by_eco.entry(p.ecosystem.osv_name()).or_default() += 1;
        }
    }
    let vulnerable: Vec<Value> = e
        .report
        .findings
        .iter()
        .filter(|f| f.rule == "dep/known-vulnerability")
        .map(|f| {
            json!({
                "component": f.data.get("component"),
                "ids": f.data.get("ids"),
                "severity": f.severity,
                "fixed": f.data.get("fixed"),
            })
        })
        .collect();
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &e.report.findings {
        *by_rule.entry(f.rule.as_str()).or_default() += 1;
    }
    let counts: BTreeMap<&str, usize> = e
        .report
        .counts()
        .iter()
        .map(|(s, n)| (s.as_str(), *n))
        .collect();
    json!({
        "schema_version": 1,
        "tool": "vendorsec",
        "version": env!("CARGO_PKG_VERSION"),
        "target": target,
        "apps": e.profiles,
        "libraries": {
            "components": distinct.len(),
            "by_ecosystem": by_eco,
            "vulnerable": vulnerable,
        },
        "findings": {
            "total": e.report.findings.len(),
            "by_severity": counts,
            "by_rule": by_rule,
        },
        "diagnostics": e.report.diagnostics.len(),
    })
}

fn render_profiles(out: &mut String, profiles: &[AppProfile], md: bool) {
    if profiles.is_empty() {
        let _ = writeln!(
            out,
            "No Atlassian app descriptor found (atlassian-connect.json, manifest.yml, atlassian-plugin.xml).\n"
        );
    }
    for p in profiles {
        let title = format!(
            "{} app {}{}{}",
            p.kind.as_str(),
            if p.key.is_empty() { "(no key)" } else { &p.key },
            if p.name.is_empty() {
                String::new()
            } else {
                format!(" \"{}\"", p.name)
            },
            if p.version.is_empty() {
                String::new()
            } else {
                format!(" {}", p.version)
            }
        );
        if md {
            let _ = writeln!(out, "## {title}\n\nDescriptor: `{}`\n", p.descriptor);
            let _ = writeln!(out, "### Scopes\n");
            if p.scopes.is_empty() {
                let _ = writeln!(out, "none declared\n");
            } else {
                let _ = writeln!(out, "| scope | allows |\n|---|---|");
                for s in &p.scopes {
                    let _ = writeln!(
                        out,
                        "| `{}`{} | {} |",
                        s.scope,
                        if s.impersonation {
                            " (impersonation)"
                        } else {
                            ""
                        },
                        s.allows
                    );
                }
                out.push('\n');
            }
            let _ = writeln!(out, "### Endpoints ({})\n", p.endpoints.len());
            if !p.endpoints.is_empty() {
                let _ = writeln!(out, "| kind | URL | authentication |\n|---|---|---|");
                for e in &p.endpoints {
                    let _ = writeln!(out, "| {} | `{}` | {} |", e.kind, e.url, e.auth);
                }
                out.push('\n');
            }
            let _ = writeln!(out, "### Outbound hosts\n");
            for h in &p.hosts {
                let _ = writeln!(out, "- `{}` ({})", h.host, h.source);
            }
            if p.hosts.is_empty() {
                let _ = writeln!(out, "none declared");
            }
            out.push('\n');
            if !p.calls.is_empty() {
                let _ = writeln!(out, "### Product REST calls\n");
                for c in &p.calls {
                    let _ = writeln!(
                        out,
                        "- `{} {}` at `{}` ({}){}",
                        c.method,
                        c.path.as_deref().unwrap_or("(path not stated)"),
                        c.at,
                        c.api,
                        c.needs
                            .as_deref()
                            .map(|n| format!(": needs {n}"))
                            .unwrap_or_default()
                    );
                }
                out.push('\n');
            }
            for n in &p.notes {
                let _ = writeln!(out, "- {n}");
            }
            if !p.notes.is_empty() {
                out.push('\n');
            }
        } else {
            let _ = writeln!(out, "{title}\n  descriptor: {}", p.descriptor);
            let _ = writeln!(out, "  scopes:");
            if p.scopes.is_empty() {
                let _ = writeln!(out, "    none declared");
            }
            for s in &p.scopes {
                let _ = writeln!(
                    out,
                    "    {:<28} {}{}",
                    s.scope,
                    s.allows,
                    if s.impersonation {
                        " [impersonation]"
                    } else {
                        ""
                    }
                );
            }
            let _ = writeln!(out, "  endpoints ({}):", p.endpoints.len());
            for e in &p.endpoints {
                let _ = writeln!(out, "    {:<28} {:<40} {}", e.kind, e.url, e.auth);
            }
            let _ = writeln!(out, "  outbound hosts:");
            if p.hosts.is_empty() {
                let _ = writeln!(out, "    none declared");
            }
            for h in &p.hosts {
                let _ = writeln!(out, "    {:<40} {}", h.host, h.source);
            }
            if !p.calls.is_empty() {
                let _ = writeln!(out, "  product REST calls ({}):", p.calls.len());
                for c in &p.calls {
                    let _ = writeln!(
                        out,
                        "    {:<6} {:<44} {:<14} {}",
                        c.method,
                        c.path.as_deref().unwrap_or("(path not stated)"),
                        // Forge lists the classic scope first, then granular ones.
                        c.needs
                            .as_deref()
                            .map_or("-", |n| n.split(" | ").next().unwrap_or(n)),
                        c.at
                    );
                }
            }
            for n in &p.notes {
                let _ = writeln!(out, "  note: {n}");
            }
            out.push('\n');
        }
    }
}

fn render_inspect(doc: &Value, profiles: &[AppProfile], findings: &[Finding], md: bool) -> String {
    let mut out = String::new();
    let target = doc["target"].as_str().unwrap_or("");
    if md {
        let _ = writeln!(out, "# vendorsec inspect: `{target}`\n");
    } else {
        let _ = writeln!(out, "vendorsec inspect: {target}\n");
    }
    render_profiles(&mut out, profiles, md);
    let libs = &doc["libraries"];
    let eco: Vec<String> = libs["by_ecosystem"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| format!("{k} {v}")).collect())
        .unwrap_or_default();
    let vulnerable = libs["vulnerable"].as_array().map_or(0, Vec::len);
    let _ = writeln!(
        out,
        "{}Libraries: {} components{}; {} known vulnerabilities",
        if md { "## " } else { "" },
        libs["components"],
        if eco.is_empty() {
            String::new()
        } else {
            format!(" ({})", eco.join(", "))
        },
        vulnerable
    );
    let mut comps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for v in libs["vulnerable"].as_array().into_iter().flatten() {
        comps
            .entry(v["component"].as_str().unwrap_or("").to_owned())
            .or_default()
            .push(v["ids"][0].as_str().unwrap_or("").to_owned());
    }
    for (c, ids) in &comps {
        let _ = writeln!(
            out,
            "{}{c}: {}",
            if md { "- " } else { "  " },
            ids.join(", ")
        );
    }
    out.push('\n');
    let f = &doc["findings"];
    let sev: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|s| {
            let n = f["by_severity"][s.as_str()].as_u64().unwrap_or(0);
            (n > 0).then(|| format!("{n} {}", s.as_str()))
        })
        .collect();
    let _ = writeln!(
        out,
        "{}Findings: {}{}",
        if md { "## " } else { "" },
        f["total"],
        if sev.is_empty() {
            String::new()
        } else {
            format!(" ({})", sev.join(", "))
        }
    );
    let mut app_findings: Vec<&Finding> = findings
        .iter()
        .filter(|x| !x.rule.starts_with("dep/"))
        .collect();
    app_findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(&b.rule))
    });
    for x in app_findings.iter().take(40) {
        let loc = x.locations.first().map_or(String::new(), |l| {
            if l.line > 0 {
                format!("{}:{}", l.origin, l.line)
            } else {
                l.origin.clone()
            }
        });
        let _ = writeln!(
            out,
            "{}{:<8} {}  {}  ({loc})",
            if md { "- " } else { "  " },
            x.severity.as_str(),
            x.rule,
            x.message
        );
    }
    if app_findings.len() > 40 {
        let _ = writeln!(
            out,
            "  … {} more; `vendorsec scan` lists them all",
            app_findings.len() - 40
        );
    }
    out
}

pub(crate) fn inspect(args: &InspectArgs) -> anyhow::Result<ExitCode> {
    let e = execute(&scan_args(
        args.paths.clone(),
        args.db.clone(),
        args.no_ignore,
        args.exclude.clone(),
        args.max_depth,
    ))?;
    let target = args
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let doc = profile_json(&target, &e);
    let text = match args.format {
        OutputFormat::Json | OutputFormat::Sarif => {
            format!("{}\n", serde_json::to_string_pretty(&doc)?)
        }
        OutputFormat::Markdown => render_inspect(&doc, &e.profiles, &e.report.findings, true),
        OutputFormat::Terminal => render_inspect(&doc, &e.profiles, &e.report.findings, false),
    };
    output::write(args.output.as_deref(), &text).context("writing the profile")?;
    report_input_errors(&e.input_errors)
}

fn report_input_errors(errors: &[String]) -> anyhow::Result<ExitCode> {
    if errors.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    #[allow(clippy::print_stderr)]
    for e in errors {
        eprintln!("vendorsec: error: {e}");
    }
    Ok(ExitCode::from(2))
}

fn set_diff<T: Ord + Clone>(old: &BTreeSet<T>, new: &BTreeSet<T>) -> (Vec<T>, Vec<T>) {
    (
        new.difference(old).cloned().collect(),
        old.difference(new).cloned().collect(),
    )
}

fn app_key(p: &AppProfile) -> String {
    format!("{} {}", p.kind.as_str(), p.key)
}

pub(crate) fn diff(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let old = execute(&scan_args(
        vec![args.old.clone()],
        args.db.clone(),
        false,
        Vec::new(),
        args.max_depth,
    ))?;
    let new = execute(&scan_args(
        vec![args.new.clone()],
        args.db.clone(),
        false,
        Vec::new(),
        args.max_depth,
    ))?;
    let mut apps = Vec::new();
    let olds: BTreeMap<String, &AppProfile> =
        old.profiles.iter().map(|p| (app_key(p), p)).collect();
    let news: BTreeMap<String, &AppProfile> =
        new.profiles.iter().map(|p| (app_key(p), p)).collect();
    // A single app on each side is the same app even when its key changed.
    let pairs: Vec<(Option<&AppProfile>, Option<&AppProfile>)> =
        if olds.len() == 1 && news.len() == 1 {
            vec![(old.profiles.first(), new.profiles.first())]
        } else {
            let keys: BTreeSet<&String> = olds.keys().chain(news.keys()).collect();
            keys.into_iter()
                .map(|k| (olds.get(k).copied(), news.get(k).copied()))
                .collect()
        };
    for (o, n) in pairs {
        let scopes = |p: Option<&AppProfile>| -> BTreeSet<String> {
            p.map(|p| p.scopes.iter().map(|s| s.scope.clone()).collect())
                .unwrap_or_default()
        };
        let endpoints = |p: Option<&AppProfile>| -> BTreeMap<(String, String), String> {
            p.map(|p| {
                p.endpoints
                    .iter()
                    .map(|e| ((e.kind.clone(), e.url.clone()), e.auth.clone()))
                    .collect()
            })
            .unwrap_or_default()
        };
        let hosts = |p: Option<&AppProfile>| -> BTreeSet<String> {
            p.map(|p| p.hosts.iter().map(|h| h.host.clone()).collect())
                .unwrap_or_default()
        };
        let (sa, sr) = set_diff(&scopes(o), &scopes(n));
        let (eo, en) = (endpoints(o), endpoints(n));
        let ea: Vec<(String, String, String)> = en
            .iter()
            .filter(|(k, _)| !eo.contains_key(*k))
            .map(|((k, u), a)| (k.clone(), u.clone(), a.clone()))
            .collect();
        let er: Vec<(String, String, String)> = eo
            .iter()
            .filter(|(k, _)| !en.contains_key(*k))
            .map(|((k, u), a)| (k.clone(), u.clone(), a.clone()))
            .collect();
        let changed: Vec<Value> = en
            .iter()
            .filter_map(|(k, a)| {
                eo.get(k)
                    .filter(|old| *old != a)
                    .map(|old| json!({"kind": k.0, "url": k.1, "old_auth": old, "new_auth": a}))
            })
            .collect();
        let (ha, hr) = set_diff(&hosts(o), &hosts(n));
        let ep = |v: Vec<(String, String, String)>| -> Vec<Value> {
            v.into_iter()
                .map(|(k, u, a)| json!({"kind": k, "url": u, "auth": a}))
                .collect()
        };
        apps.push(json!({
            "app": n.or(o).map(app_key),
            "old_version": o.map(|p| p.version.clone()),
            "new_version": n.map(|p| p.version.clone()),
            "status": match (o, n) { (None, Some(_)) => "added", (Some(_), None) => "removed", _ => "changed" },
            "scopes_added": sa, "scopes_removed": sr,
            "endpoints_added": ep(ea), "endpoints_removed": ep(er), "endpoints_auth_changed": changed,
            "hosts_added": ha, "hosts_removed": hr,
        }));
    }
    // Dependencies by (ecosystem, name).
    let versions = |e: &Executed| -> BTreeMap<(String, String), BTreeSet<String>> {
        let mut m: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        for p in &e.packages {
            m.entry(component_key(p))
                .or_default()
                .insert(p.version.clone());
        }
        m
    };
    let (ov, nv) = (versions(&old), versions(&new));
    let mut deps = Vec::new();
    for k in ov.keys().chain(nv.keys()).collect::<BTreeSet<_>>() {
        let (a, b) = (ov.get(k), nv.get(k));
        if a == b {
            continue;
        }
        let list = |s: Option<&BTreeSet<String>>| {
            s.map(|s| s.iter().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        };
        deps.push(json!({"ecosystem": k.0, "name": k.1, "old": list(a), "new": list(b),
            "change": match (a, b) { (None, _) => "added", (_, None) => "removed", _ => "changed" }}));
    }
    let fps = |e: &Executed| -> BTreeMap<String, Finding> {
        e.report
            .findings
            .iter()
            .map(|f| (f.fingerprint.clone(), f.clone()))
            .collect()
    };
    let (of, nf) = (fps(&old), fps(&new));
    let brief = |f: &Finding| {
        json!({"rule": f.rule, "severity": f.severity, "message": f.message, "fingerprint": f.fingerprint,
        "location": f.locations.first().map(|l| l.origin.clone())})
    };
    let by_severity = |a: &&Finding, b: &&Finding| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.message.cmp(&b.message))
    };
    let mut introduced: Vec<&Finding> = nf
        .iter()
        .filter(|(k, _)| !of.contains_key(*k))
        .map(|(_, f)| f)
        .collect();
    let mut fixed: Vec<&Finding> = of
        .iter()
        .filter(|(k, _)| !nf.contains_key(*k))
        .map(|(_, f)| f)
        .collect();
    introduced.sort_by(by_severity);
    fixed.sort_by(by_severity);
    let fail_on: Severity = args.fail_on.map_or(Severity::Low, Into::into);
    let failing = introduced.iter().filter(|f| f.severity >= fail_on).count();
    let doc = json!({
        "schema_version": 1,
        "old": args.old.display().to_string(),
        "new": args.new.display().to_string(),
        "apps": apps,
        "dependencies": deps,
        "findings_introduced": introduced.iter().map(|f| brief(f)).collect::<Vec<_>>(),
        "findings_fixed": fixed.iter().map(|f| brief(f)).collect::<Vec<_>>(),
    });
    let text = match args.format {
        OutputFormat::Json | OutputFormat::Sarif => {
            format!("{}\n", serde_json::to_string_pretty(&doc)?)
        }
        OutputFormat::Terminal | OutputFormat::Markdown => {
            render_diff(&doc, args.format == OutputFormat::Markdown)
        }
    };
    output::write(args.output.as_deref(), &text).context("writing the diff")?;
    let mut errors = old.input_errors;
    errors.extend(new.input_errors);
    if !errors.is_empty() {
        return report_input_errors(&errors);
    }
    Ok(if failing > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn render_diff(doc: &Value, md: bool) -> String {
    let mut out = String::new();
    let h = if md { "## " } else { "" };
    let li = if md { "- " } else { "  " };
    let _ = writeln!(
        out,
        "{}vendorsec diff: {} -> {}\n",
        if md { "# " } else { "" },
        doc["old"].as_str().unwrap_or(""),
        doc["new"].as_str().unwrap_or("")
    );
    let strs = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect()
    };
    for a in doc["apps"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "{h}{} ({}; {} -> {})",
            a["app"].as_str().unwrap_or(""),
            a["status"].as_str().unwrap_or(""),
            a["old_version"].as_str().unwrap_or("-"),
            a["new_version"].as_str().unwrap_or("-")
        );
        for (label, key) in [
            ("scope added", "scopes_added"),
            ("scope removed", "scopes_removed"),
            ("host added", "hosts_added"),
            ("host removed", "hosts_removed"),
        ] {
            for s in strs(&a[key]) {
                let _ = writeln!(out, "{li}{label}: {s}");
            }
        }
        for (label, key) in [
            ("endpoint added", "endpoints_added"),
            ("endpoint removed", "endpoints_removed"),
        ] {
            for e in a[key].as_array().into_iter().flatten() {
                let _ = writeln!(
                    out,
                    "{li}{label}: {} {} [{}]",
                    e["kind"].as_str().unwrap_or(""),
                    e["url"].as_str().unwrap_or(""),
                    e["auth"].as_str().unwrap_or("")
                );
            }
        }
        for e in a["endpoints_auth_changed"].as_array().into_iter().flatten() {
            let _ = writeln!(
                out,
                "{li}authentication changed: {} {}: {} -> {}",
                e["kind"].as_str().unwrap_or(""),
                e["url"].as_str().unwrap_or(""),
                e["old_auth"].as_str().unwrap_or(""),
                e["new_auth"].as_str().unwrap_or("")
            );
        }
        out.push('\n');
    }
    let deps = doc["dependencies"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let _ = writeln!(out, "{h}Dependencies: {} changed", deps.len());
    for d in deps {
        let _ = writeln!(
            out,
            "{li}{} {} ({}): {} -> {}",
            d["change"].as_str().unwrap_or(""),
            d["name"].as_str().unwrap_or(""),
            d["ecosystem"].as_str().unwrap_or(""),
            strs(&d["old"]).join(", "),
            strs(&d["new"]).join(", ")
        );
    }
    out.push('\n');
    for (label, key) in [
        ("Findings introduced", "findings_introduced"),
        ("Findings fixed", "findings_fixed"),
    ] {
        let list = doc[key].as_array().map_or(&[][..], Vec::as_slice);
        let _ = writeln!(out, "{h}{label}: {}", list.len());
        for f in list {
            let _ = writeln!(
                out,
                "{li}{:<8} {}  {}",
                f["severity"].as_str().unwrap_or(""),
                f["rule"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or("")
            );
        }
        out.push('\n');
    }
    out
}
