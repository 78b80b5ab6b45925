//! Matching a component against advisories: OSV event walking per range with the
//! ecosystem's ordering (SemVer for `SEMVER` ranges), explicit `versions` lists, one
//! result per vulnerability with aliases merged, the nearest fixed version.

use std::cmp::Ordering;

use serde::Serialize;

use crate::Ecosystem;
use crate::osv::{Advisory, Event, Range};
use crate::version::Scheme;

/// A vulnerability that affects a component (several advisories merged by alias).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VulnMatch {
    /// The identifier to show first (CVE when there is one), then the others.
    pub ids: Vec<String>,
    pub summary: String,
    /// CVSS base score computed from the vector, when a v3/v4 vector is present.
    pub score: Option<f64>,
    pub vector: Option<String>,
    /// The database's label when no vector scores.
    pub label: Option<String>,
    /// The lowest version that fixes every merged advisory, when one is published.
    pub fixed: Option<String>,
    pub informational: Option<String>,
    pub url: Option<String>,
}

fn event_version(e: &Event) -> &str {
    match e {
        Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
    }
}

fn is_zero(v: &str) -> bool {
    v == "0" || v == "0.0.0-0"
}

/// Whether `version` is in the range; `Some(fix)` when it is, with the next fixed
/// version after it (if any).
fn in_range(scheme: Scheme, range: &Range, version: &str) -> Option<Option<String>> {
    let mut events: Vec<&Event> = range.events.iter().collect();
    events.sort_by(|a, b| {
        let (x, y) = (event_version(a), event_version(b));
        match (
            is_zero(x) && matches!(a, Event::Introduced(_)),
            is_zero(y) && matches!(b, Event::Introduced(_)),
        ) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => scheme.compare(x, y),
        }
    });
    let mut affected = false;
    let mut fix: Option<String> = None;
    for (i, e) in events.iter().enumerate() {
        match e {
            Event::Introduced(v) => {
                if (is_zero(v) || scheme.compare(version, v) != Ordering::Less) && !affected {
                    affected = true;
                    fix = None;
                    // The fix for this interval is the next `fixed` event after it.
                    for later in &events[i + 1..] {
                        if let Event::Fixed(f) = later {
                            if scheme.compare(f, version) == Ordering::Greater {
                                fix = Some(f.clone());
                            }
                            break;
                        }
                        if matches!(later, Event::LastAffected(_) | Event::Introduced(_)) {
                            break;
                        }
                    }
                }
            }
            Event::Fixed(v) => {
                if scheme.compare(version, v) != Ordering::Less {
                    affected = false;
                }
            }
            Event::LastAffected(v) => {
                if scheme.compare(version, v) == Ordering::Greater {
                    affected = false;
                }
            }
            Event::Limit(_) => {}
        }
    }
    affected.then_some(fix)
}

/// Whether one advisory affects the version; `Some(fix)` if so.
#[must_use]
pub fn affects(eco: Ecosystem, advisory: &Advisory, version: &str) -> Option<Option<String>> {
    let scheme = Scheme::of(eco);
    let mut hit: Option<Option<String>> = None;
    for a in &advisory.affected {
        let listed = a.versions.iter().any(|v| {
            v == version
                || (eco == Ecosystem::PyPI && scheme.compare(v, version) == Ordering::Equal)
        });
        let mut found = if listed { Some(None) } else { None };
        for r in &a.ranges {
            let s = if r.semver { Scheme::SemVer } else { scheme };
            if let Some(fix) = in_range(s, r, version) {
                found = Some(fix.or(found.flatten()));
            }
        }
        if let Some(fix) = found {
            hit = Some(match (hit.flatten(), fix) {
                (Some(a), Some(b)) => Some(if scheme.compare(&a, &b) == Ordering::Greater {
                    a
                } else {
                    b
                }),
                (a, b) => a.or(b),
            });
        }
    }
    hit
}

fn id_rank(id: &str) -> u8 {
    if id.starts_with("CVE-") {
        0
    } else if id.starts_with("GHSA-") {
        1
    } else {
        2
    }
}

/// All vulnerabilities affecting `version`, aliases merged into one match each.
#[must_use]
pub fn match_version(eco: Ecosystem, version: &str, advisories: &[Advisory]) -> Vec<VulnMatch> {
    let scheme = Scheme::of(eco);
    let hits: Vec<(&Advisory, Option<String>)> = advisories
        .iter()
        .filter_map(|a| affects(eco, a, version).map(|fix| (a, fix)))
        .collect();
    // Union advisories that share an id or alias.
    let mut groups: Vec<(Vec<String>, Vec<usize>)> = Vec::new();
    for (i, (a, _)) in hits.iter().enumerate() {
        let mut names: Vec<String> = vec![a.id.clone()];
        names.extend(a.aliases.iter().cloned());
        let overlapping: Vec<usize> = groups
            .iter()
            .enumerate()
            .filter(|(_, (ids, _))| names.iter().any(|n| ids.contains(n)))
            .map(|(g, _)| g)
            .collect();
        let mut ids = names;
        let mut members = vec![i];
        for g in overlapping.into_iter().rev() {
            let (gi, gm) = groups.remove(g);
            ids.extend(gi);
            members.extend(gm);
        }
        groups.push((ids, members));
    }
    let mut out: Vec<VulnMatch> = groups
        .into_iter()
        .map(|(mut ids, members)| {
            ids.sort_by(|a, b| id_rank(a).cmp(&id_rank(b)).then_with(|| a.cmp(b)));
            ids.dedup();
            let mut best: Option<(f64, String)> = None;
            let mut label = None;
            let mut fixed: Option<String> = None;
            let mut summary = String::new();
            let mut informational = None;
            let mut url = None;
            for m in members {
                let (a, fix) = &hits[m];
                if let Some((s, v)) = a.score()
                    && best.as_ref().is_none_or(|(b, _)| s > *b)
                {
                    best = Some((s, v.to_owned()));
                }
                if label.is_none() {
                    label.clone_from(&a.label);
                }
                if let Some(f) = fix
                    && fixed
                        .as_ref()
                        .is_none_or(|cur| scheme.compare(f, cur) == Ordering::Greater)
                {
                    fixed = Some(f.clone());
                }
                // Prefer the GitHub/ecosystem summary, which names the problem briefly.
                if summary.is_empty() || (a.id.starts_with("GHSA-") && !a.summary.is_empty()) {
                    summary.clone_from(&a.summary);
                }
                if informational.is_none() {
                    informational.clone_from(&a.informational);
                }
                if url.is_none() {
                    url.clone_from(&a.url);
                }
            }
            VulnMatch {
                ids,
                summary,
                score: best.as_ref().map(|b| b.0),
                vector: best.map(|b| b.1),
                label,
                fixed,
                informational,
                url,
            }
        })
        .collect();
    out.sort_by(|a, b| a.ids.cmp(&b.ids));
    out
}

#[cfg(test)]
mod tests;
