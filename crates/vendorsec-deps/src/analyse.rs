//! From an inventory and a database to findings: one finding per vulnerability per
//! component (name and version), located at every place the component was found.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value, json};
use vendorsec_core::redact::fingerprint;
use vendorsec_core::{Confidence, Finding, Location, Origin, Severity};

use crate::db::{Db, DbError};
use crate::matcher::{VulnMatch, match_version};
use crate::version::Scheme;
use crate::{Ecosystem, Evidence, Package};

pub const RULE_VULNERABLE: &str = "dep/known-vulnerability";
pub const RULE_NOTICE: &str = "dep/advisory-notice";
pub const GUIDELINE: &str = "code.dependency-scanning";

/// The rules this analyser reports, for `rules list` and the report's rule table.
pub const RULES: [(&str, &str, &str); 2] = [
    (
        RULE_VULNERABLE,
        "Component with a known vulnerability",
        "A component the app ships or locks has a published vulnerability (OSV advisory) affecting its version.",
    ),
    (
        RULE_NOTICE,
        "Component with an advisory notice",
        "An informational advisory (unmaintained, unsound, notice) covers the component's version; not a vulnerability.",
    ),
];

/// What matching did, for the report's notes.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// Components checked against the database.
    pub matched: usize,
    /// Components with no usable version (unidentified archives, unresolved pom versions).
    pub unversioned: Vec<Package>,
    /// Ecosystems present in the inventory that the database has no data for.
    pub missing_ecosystems: Vec<Ecosystem>,
}

/// Severity from a CVSS base score (the specification's bands) or the database label.
#[must_use]
pub fn severity_of(m: &VulnMatch) -> Severity {
    if m.informational.is_some() {
        return Severity::Info;
    }
    if let Some(s) = m.score {
        return if s >= 9.0 {
            Severity::Critical
        } else if s >= 7.0 {
            Severity::High
        } else if s >= 4.0 {
            Severity::Medium
        } else if s > 0.0 {
            Severity::Low
        } else {
            Severity::Info
        };
    }
    match m.label.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("CRITICAL") => Severity::Critical,
        Some("HIGH") => Severity::High,
        Some("LOW") => Severity::Low,
        // MODERATE / MEDIUM, and unknown: medium, said so in the evidence.
        _ => Severity::Medium,
    }
}

fn confidence_of(e: Evidence) -> Confidence {
    match e {
        Evidence::Lockfile | Evidence::PomProperties | Evidence::Manifest => Confidence::High,
        Evidence::JarManifest | Evidence::FileName => Confidence::Medium,
        Evidence::Range => Confidence::Low,
    }
}

/// Whether a component can be matched: a version the ecosystem can order, and a name.
fn matchable(p: &Package) -> bool {
    let scope_ok = !matches!(
        p.scope.as_deref(),
        Some("unidentified" | "unidentified-group")
    );
    scope_ok && !p.version.is_empty() && Scheme::of(p.ecosystem).valid(&p.version)
}

/// Match every component of the inventory.
///
/// # Errors
/// When the database is damaged.
pub fn analyse(packages: &[Package], db: &Db) -> Result<Outcome, DbError> {
    let mut out = Outcome::default();
    // Component identity -> its occurrences.
    let mut groups: BTreeMap<(Ecosystem, String, String), Vec<&Package>> = BTreeMap::new();
    for p in packages {
        if matchable(p) {
            groups
                .entry((
                    p.ecosystem,
                    p.ecosystem.normalize_name(&p.name),
                    p.version.clone(),
                ))
                .or_default()
                .push(p);
        } else {
            out.unversioned.push(p.clone());
        }
    }
    let mut names: HashMap<Ecosystem, Vec<String>> = HashMap::new();
    for (eco, name, _) in groups.keys() {
        names.entry(*eco).or_default().push(name.clone());
    }
    let mut advisories: HashMap<Ecosystem, HashMap<String, Vec<crate::osv::Advisory>>> =
        HashMap::new();
    for (eco, mut list) in names {
        if !db.has(eco) {
            out.missing_ecosystems.push(eco);
            continue;
        }
        list.sort();
        list.dedup();
        advisories.insert(eco, db.lookup_many(eco, &list)?);
    }
    out.missing_ecosystems.sort();
    for ((eco, key, version), occurrences) in &groups {
        let Some(found) = advisories.get(eco) else {
            continue;
        };
        out.matched += 1;
        let Some(advs) = found.get(key) else { continue };
        let matches = match_version(*eco, version, advs);
        // The one upgrade that fixes every vulnerability of this component, when each has
        // a published fix.
        let scheme = Scheme::of(*eco);
        let all_fixed = matches
            .iter()
            .all(|m| m.fixed.is_some() || m.informational.is_some());
        let upgrade = matches
            .iter()
            .filter_map(|m| m.fixed.clone())
            .max_by(|a, b| scheme.compare(a, b));
        for m in &matches {
            let mut f = finding(*eco, version, occurrences, m);
            f.data.insert(
                "component_fix".into(),
                match (&upgrade, all_fixed) {
                    (Some(u), true) => json!(u),
                    _ => Value::Null,
                },
            );
            out.findings.push(f);
        }
    }
    Ok(out)
}

fn finding(eco: Ecosystem, version: &str, occurrences: &[&Package], m: &VulnMatch) -> Finding {
    let first = occurrences[0];
    let best = occurrences
        .iter()
        .map(|p| p.evidence)
        .min()
        .unwrap_or(first.evidence);
    let primary = m.ids.first().cloned().unwrap_or_default();
    let others = if m.ids.len() > 1 {
        format!(" ({})", m.ids[1..].join(", "))
    } else {
        String::new()
    };
    let rule = if m.informational.is_some() {
        RULE_NOTICE
    } else {
        RULE_VULNERABLE
    };
    let severity = severity_of(m);
    let score_text = match (&m.score, &m.vector, &m.label) {
        (Some(s), Some(v), _) => format!("CVSS {s:.1} ({v})"),
        (_, _, Some(l)) => format!("severity {l} (database label; no CVSS vector)"),
        _ => "no severity published; reported as medium".to_owned(),
    };
    let kind = m
        .informational
        .as_deref()
        .map_or(String::new(), |k| format!("[{k}] "));
    let message = format!(
        "{} {} ({eco}) {kind}{primary}{others}: {}",
        first.name,
        version,
        m.summary.trim()
    );
    let remediation = match &m.fixed {
        Some(f) => format!("Upgrade {} to {f} or later.", first.name),
        None => format!(
            "No fixed version is published for this version line; replace {} or apply the advisory's mitigation{}.",
            first.name,
            m.url
                .as_deref()
                .map_or(String::new(), |u| format!(" ({u})"))
        ),
    };
    let evidence = format!(
        "{}@{} from {} · {score_text}",
        first.name,
        version,
        best.as_str()
    );
    let mut seen = std::collections::HashSet::new();
    let locations: Vec<Location> = occurrences
        .iter()
        .filter(|p| seen.insert((p.path.clone(), p.line)))
        .map(|p| {
            let origin = Origin {
                chain: p.path.clone(),
                commit: None,
            };
            Location::new(&origin, p.line, 0, p.line, 0)
        })
        .collect();
    let mut data = Map::new();
    data.insert(
        "component".into(),
        json!(format!("{}@{}", first.name, version)),
    );
    data.insert("ecosystem".into(), json!(eco.osv_name()));
    data.insert("package".into(), json!(first.name));
    data.insert("version".into(), json!(version));
    data.insert("purl".into(), json!(first.purl()));
    data.insert("ids".into(), json!(m.ids));
    data.insert(
        "fixed".into(),
        m.fixed.as_ref().map_or(Value::Null, |f| json!(f)),
    );
    data.insert(
        "cvss_score".into(),
        m.score.map_or(Value::Null, |s| json!(s)),
    );
    data.insert(
        "cvss_vector".into(),
        m.vector.as_ref().map_or(Value::Null, |v| json!(v)),
    );
    data.insert(
        "database_severity".into(),
        m.label.as_ref().map_or(Value::Null, |l| json!(l)),
    );
    data.insert("evidence".into(), json!(best.as_str()));
    if let Some(u) = &m.url {
        data.insert("url".into(), json!(u));
    }
    let scopes: Vec<&str> = occurrences
        .iter()
        .filter_map(|p| p.scope.as_deref())
        .collect();
    if !scopes.is_empty() && scopes.len() == occurrences.len() {
        data.insert("scope".into(), json!(scopes[0]));
    }
    if let Some(sha) = occurrences.iter().find_map(|p| p.sha1.as_ref()) {
        data.insert("sha1".into(), json!(sha));
    }
    let identity = format!(
        "{}|{}|{}|{primary}",
        eco.osv_name(),
        eco.normalize_name(&first.name),
        version
    );
    Finding {
        rule: rule.into(),
        guideline: GUIDELINE.into(),
        severity,
        confidence: confidence_of(best),
        message,
        remediation,
        evidence,
        fingerprint: fingerprint(rule, identity.as_bytes()),
        locations,
        data,
    }
}
