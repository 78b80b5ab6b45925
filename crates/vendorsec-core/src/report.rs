//! What a scan hands to the renderers.

use serde::{Deserialize, Serialize};

use crate::finding::{Diagnostic, Finding, Severity};

/// Counters of the scan, for the summary line and the JSON report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Text blobs scanned (files, archive entries, git blobs).
    pub blobs_scanned: u64,
    /// Bytes of text scanned.
    pub bytes_scanned: u64,
    /// Blobs skipped as binary by content sniffing.
    pub blobs_binary: u64,
    /// Archives opened (at any depth).
    pub archives: u64,
    /// Findings removed by suppressions (inline, config, baseline).
    pub suppressed: u64,
    /// Dependency components inventoried (lockfiles, manifests, Java archives).
    #[serde(default)]
    pub components: u64,
    pub duration_ms: u64,
}

/// A whole scan's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    /// Version of the JSON schema of this report.
    pub schema_version: u32,
    pub tool: String,
    pub version: String,
    /// The paths the user named.
    pub targets: Vec<String>,
    /// The `fail-on` threshold in force.
    pub fail_on: Severity,
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
    pub stats: Stats,
}

impl ScanReport {
    /// The report with no findings (for a renderer that renders the findings apart and puts
    /// them in its place).
    #[must_use]
    pub fn without_findings(&self) -> ScanReport {
        // (Every field named: a field added later must be decided on here.)
        let ScanReport {
            schema_version,
            tool,
            version,
            targets,
            fail_on,
            findings: _,
            diagnostics,
            stats,
        } = self;
        ScanReport {
            schema_version: *schema_version,
            tool: tool.clone(),
            version: version.clone(),
            targets: targets.clone(),
            fail_on: *fail_on,
            findings: Vec::new(),
            diagnostics: diagnostics.clone(),
            stats: stats.clone(),
        }
    }

    /// Findings at or above the threshold.
    #[must_use]
    pub fn failing(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity >= self.fail_on)
            .count()
    }

    /// The guideline items that have findings, sorted.
    #[must_use]
    pub fn guidelines(&self) -> Vec<&str> {
        let mut g: Vec<&str> = self.findings.iter().map(|f| f.guideline.as_str()).collect();
        g.sort_unstable();
        g.dedup();
        g
    }

    /// Count of findings per severity, highest first.
    #[must_use]
    pub fn counts(&self) -> [(Severity, usize); 5] {
        Severity::ALL.map(|s| (s, self.findings.iter().filter(|f| f.severity == s).count()))
    }

    /// Sort findings and diagnostics into their stable order: severity (highest first),
    /// guideline, rule, first location.
    pub fn sort(&mut self) {
        for f in &mut self.findings {
            f.locations
                .sort_by(|a, b| (&a.origin, a.line, a.column).cmp(&(&b.origin, b.line, b.column)));
            f.locations.dedup();
        }
        self.findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.guideline.cmp(&b.guideline))
                .then_with(|| a.rule.cmp(&b.rule))
                .then_with(|| {
                    let la = a.locations.first().map(|l| (&l.origin, l.line));
                    let lb = b.locations.first().map(|l| (&l.origin, l.line));
                    la.cmp(&lb)
                })
                .then_with(|| a.fingerprint.cmp(&b.fingerprint))
        });
        self.diagnostics.sort();
        self.diagnostics.dedup();
    }
}

/// What a renderer needs to know of a rule (SARIF's `tool.driver.rules`, the terminal's
/// rule headings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleMeta {
    pub id: String,
    pub name: String,
    pub description: String,
    pub severity: Severity,
    pub guideline: String,
    pub remediation: String,
    pub references: Vec<String>,
}
