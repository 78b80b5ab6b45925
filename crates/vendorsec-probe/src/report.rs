//! `--format csrt-json`: the JSON report shape of Atlassian Labs' Connect Security
//! Requirements Tester (`VulnReport`), for trackers that already read it. Only the shape is
//! CSRT's; the checks, severities and wording are vendorsec's.

use serde_json::{Value, json};
use vendorsec_core::Finding;

/// `YYYY-MM-DDTHH:MM:SSZ` of seconds since the epoch.
#[must_use]
pub fn iso8601(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil_from_days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The CSRT-shaped report of one probe.
#[must_use]
pub fn csrt_json(
    app_key: &str,
    app_name: &str,
    findings: &[Finding],
    started: i64,
    ended: i64,
    errors: bool,
) -> Value {
    let date = iso8601(ended);
    let vulns: Vec<Value> = findings
        .iter()
        .map(|f| {
            let meta = crate::RULES.iter().find(|r| r.0 == f.rule);
            let (name, csrt) = meta.map_or((f.rule.as_str(), ""), |r| (r.1, r.6));
            let sev = f.severity.as_str();
            let mut proof: Vec<String> = vec![f.evidence.clone()];
            proof.extend(f.locations.iter().map(|l| l.origin.clone()));
            json!({
                "check_name": if csrt.is_empty() { name.to_owned() } else { format!("{csrt} - {name}") },
                "description": f.message,
                "proof": proof,
                "recommendation": f.remediation,
                "severity": format!("{}{}", sev[..1].to_ascii_uppercase(), &sev[1..]),
                "app_key": app_key,
                "app_name": app_name,
                "date": date,
                "rule": f.rule,
            })
        })
        .collect();
    json!({
        "vulns": vulns,
        "scanner": "vendorsec probe",
        "started_at": iso8601(started),
        "ended_at": date,
        "scanned": [app_key],
        "errors": errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_796_083_199), "2026-11-30T23:59:59Z");
    }
}
