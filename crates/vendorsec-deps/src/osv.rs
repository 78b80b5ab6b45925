//! OSV records (schema 1.x) as published, read leniently, and the compact form the local
//! database keeps: only what matching and reporting need, per package.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Ecosystem;
use crate::cvss;

#[derive(Debug, Deserialize)]
pub(crate) struct Record {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) modified: String,
    #[serde(default)]
    pub(crate) published: String,
    #[serde(default)]
    pub(crate) withdrawn: Option<String>,
    #[serde(default)]
    pub(crate) aliases: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) summary: Option<String>,
    #[serde(default)]
    pub(crate) details: Option<String>,
    #[serde(default)]
    pub(crate) severity: Option<Vec<SeverityEntry>>,
    #[serde(default)]
    pub(crate) affected: Option<Vec<RecordAffected>>,
    #[serde(default)]
    pub(crate) references: Option<Vec<Reference>>,
    #[serde(default)]
    pub(crate) database_specific: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SeverityEntry {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) score: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Reference {
    #[serde(rename = "type", default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) url: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RecordAffected {
    #[serde(default)]
    pub(crate) package: Option<RecordPackage>,
    #[serde(default)]
    pub(crate) ranges: Option<Vec<RecordRange>>,
    #[serde(default)]
    pub(crate) versions: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) severity: Option<Vec<SeverityEntry>>,
    #[serde(default)]
    pub(crate) database_specific: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RecordPackage {
    #[serde(default)]
    pub(crate) ecosystem: String,
    #[serde(default)]
    pub(crate) name: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RecordRange {
    #[serde(rename = "type", default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) events: Vec<RecordEvent>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RecordEvent {
    #[serde(default)]
    pub(crate) introduced: Option<String>,
    #[serde(default)]
    pub(crate) fixed: Option<String>,
    #[serde(default)]
    pub(crate) last_affected: Option<String>,
    #[serde(default)]
    pub(crate) limit: Option<String>,
}

/// One range of an affected entry, in the database's compact form.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Range {
    /// `true` for `SEMVER` ranges (SemVer ordering), `false` for `ECOSYSTEM`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub semver: bool,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

/// One `affected` entry for the package the record is stored under.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Affected {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
}

/// An advisory as the database keeps it for one package.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Advisory {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub modified: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub published: String,
    #[serde(default)]
    pub summary: String,
    /// CVSS vectors (v3.x, v4.0) as published.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cvss: Vec<String>,
    /// The database's own severity label (GHSA `LOW`..`CRITICAL`), used when no vector
    /// scores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// RustSec-style informational kind (`unmaintained`, `unsound`, `notice`): not a
    /// vulnerability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub informational: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub affected: Vec<Affected>,
}

impl Advisory {
    /// The best score: the highest CVSS version present that the tool can compute.
    #[must_use]
    pub fn score(&self) -> Option<(f64, &str)> {
        let mut best: Option<(f64, &str)> = None;
        for v in &self.cvss {
            let Some(s) = cvss::score(v) else { continue };
            let newer = best.is_none_or(|(_, b)| v.as_str() > b);
            if newer {
                best = Some((s, v.as_str()));
            }
        }
        best
    }
}

/// A record split per (ecosystem, package name) into compact advisories; withdrawn
/// records give nothing.
pub(crate) fn split(record: Record) -> Vec<(Ecosystem, String, Advisory)> {
    if record.withdrawn.as_deref().is_some_and(|w| !w.is_empty()) {
        return Vec::new();
    }
    let mut cvss: Vec<String> = Vec::new();
    let mut add_severity = |list: &Option<Vec<SeverityEntry>>| {
        for s in list.iter().flatten() {
            if (s.kind.starts_with("CVSS_V3") || s.kind == "CVSS_V4") && !cvss.contains(&s.score) {
                cvss.push(s.score.clone());
            }
        }
    };
    add_severity(&record.severity);
    for a in record.affected.iter().flatten() {
        add_severity(&a.severity);
    }
    let label = record
        .database_specific
        .as_ref()
        .and_then(|d| d.get("severity"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let url = record
        .references
        .iter()
        .flatten()
        .find(|r| r.kind == "ADVISORY")
        .or_else(|| record.references.iter().flatten().next())
        .map(|r| r.url.clone());
    let summary = record
        .summary
        .clone()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| {
            record
                .details
                .as_ref()
                .map(|d| d.lines().next().unwrap_or("").chars().take(200).collect())
        })
        .unwrap_or_default();
    let mut out: Vec<(Ecosystem, String, Advisory)> = Vec::new();
    for a in record.affected.iter().flatten() {
        let Some(pkg) = &a.package else { continue };
        let Some(eco) = Ecosystem::from_osv(&pkg.ecosystem) else {
            continue;
        };
        if pkg.name.is_empty() {
            continue;
        }
        let ranges: Vec<Range> = a
            .ranges
            .iter()
            .flatten()
            .filter(|r| r.kind == "ECOSYSTEM" || r.kind == "SEMVER")
            .map(|r| Range {
                semver: r.kind == "SEMVER",
                events: r
                    .events
                    .iter()
                    .filter_map(|e| {
                        if let Some(v) = &e.introduced {
                            Some(Event::Introduced(v.clone()))
                        } else if let Some(v) = &e.fixed {
                            Some(Event::Fixed(v.clone()))
                        } else if let Some(v) = &e.last_affected {
                            Some(Event::LastAffected(v.clone()))
                        } else {
                            e.limit.as_ref().map(|v| Event::Limit(v.clone()))
                        }
                    })
                    .collect(),
            })
            .filter(|r: &Range| !r.events.is_empty())
            .collect();
        let versions = a.versions.clone().unwrap_or_default();
        if ranges.is_empty() && versions.is_empty() {
            continue;
        }
        let informational = a
            .database_specific
            .as_ref()
            .and_then(|d| d.get("informational"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let name = eco.normalize_name(&pkg.name);
        let entry = Affected { ranges, versions };
        if let Some((_, _, adv)) = out.iter_mut().find(|(e, n, _)| *e == eco && *n == name) {
            adv.affected.push(entry);
            continue;
        }
        out.push((
            eco,
            name,
            Advisory {
                id: record.id.clone(),
                aliases: record.aliases.clone().unwrap_or_default(),
                modified: record.modified.clone(),
                published: record.published.clone(),
                summary: summary.clone(),
                cvss: cvss.clone(),
                label: label.clone(),
                informational,
                url: url.clone(),
                affected: vec![entry],
            },
        ));
    }
    out
}

/// Read one OSV document (JSON, or YAML when `yaml`), which is a record or a list of them.
pub(crate) fn parse(bytes: &[u8], yaml: bool) -> Result<Vec<Record>, String> {
    if yaml {
        let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
        // serde-saphyr's default budget bounds events, aliases and depth (YAML bombs).
        return serde_saphyr::from_str::<Record>(text)
            .map(|r| vec![r])
            .map_err(|e| e.to_string());
    }
    let v: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let records = match v {
        Value::Array(items) => items,
        other => vec![other],
    };
    records
        .into_iter()
        .map(|r| serde_json::from_value::<Record>(r).map_err(|e| e.to_string()))
        .collect()
}
