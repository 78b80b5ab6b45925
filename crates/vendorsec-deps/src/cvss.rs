//! CVSS base scores computed from vectors: v3.0/v3.1 (the specification's formulas with
//! its `Roundup`) and v4.0 (MacroVector lookup plus the specification's interpolation by
//! severity distance). A vector that does not parse yields `None`, never a guess.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The score of any supported vector (`CVSS:3.0/…`, `CVSS:3.1/…`, `CVSS:4.0/…`).
#[must_use]
pub fn score(vector: &str) -> Option<f64> {
    let v = vector.trim();
    if v.starts_with("CVSS:3.") {
        v3(v)
    } else if v.starts_with("CVSS:4.0/") {
        v4(v)
    } else {
        None
    }
}

fn metrics(vector: &str) -> Option<HashMap<&str, &str>> {
    let mut out = HashMap::new();
    for part in vector.split('/').skip(1) {
        let (k, val) = part.split_once(':')?;
        if out.insert(k, val).is_some() {
            return None;
        }
    }
    Some(out)
}

fn roundup(x: f64) -> f64 {
    let i = (x * 100_000.0).round() as i64;
    if i % 10_000 == 0 {
        i as f64 / 100_000.0
    } else {
        ((i / 10_000) + 1) as f64 / 10.0
    }
}

fn v3(vector: &str) -> Option<f64> {
    let m = metrics(vector)?;
    let changed = match *m.get("S")? {
        "U" => false,
        "C" => true,
        _ => return None,
    };
    let av = match *m.get("AV")? {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        "P" => 0.2,
        _ => return None,
    };
    let ac = match *m.get("AC")? {
        "L" => 0.77,
        "H" => 0.44,
        _ => return None,
    };
    let pr = match (*m.get("PR")?, changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        ("H", false) => 0.27,
        ("H", true) => 0.5,
        _ => return None,
    };
    let ui = match *m.get("UI")? {
        "N" => 0.85,
        "R" => 0.62,
        _ => return None,
    };
    let cia = |k: &str| -> Option<f64> {
        match *m.get(k)? {
            "H" => Some(0.56),
            "L" => Some(0.22),
            "N" => Some(0.0),
            _ => None,
        }
    };
    let iss = 1.0 - (1.0 - cia("C")?) * (1.0 - cia("I")?) * (1.0 - cia("A")?);
    let impact = if changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability = 8.22 * av * ac * pr * ui;
    if impact <= 0.0 {
        return Some(0.0);
    }
    let raw = if changed {
        (1.08 * (impact + exploitability)).min(10.0)
    } else {
        (impact + exploitability).min(10.0)
    };
    Some(roundup(raw))
}

fn lookup() -> &'static HashMap<String, f64> {
    static TABLE: OnceLock<HashMap<String, f64>> = OnceLock::new();
    TABLE.get_or_init(|| {
        include_str!("../data/cvss4-macrovectors.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let (k, v) = l.split_once(' ')?;
                Some((k.to_owned(), v.trim().parse().ok()?))
            })
            .collect()
    })
}

/// The v4.0 metrics that enter the score, with environmental `M*` overrides applied and
/// "not defined" (`X`) resolved to the specification's defaults.
struct V4<'a> {
    m: HashMap<&'a str, &'a str>,
}

impl V4<'_> {
    fn get(&self, key: &str) -> &str {
        let modified = format!("M{key}");
        if let Some(v) = self.m.get(modified.as_str()).filter(|v| **v != "X") {
            return v;
        }
        match (key, self.m.get(key).copied().unwrap_or("X")) {
            ("E", "X") => "A",
            ("CR" | "IR" | "AR", "X") => "H",
            (_, v) => v,
        }
    }
}

const BASE_V4: [(&str, &[&str]); 11] = [
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("AT", &["N", "P"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "P", "A"]),
    ("VC", &["H", "L", "N"]),
    ("VI", &["H", "L", "N"]),
    ("VA", &["H", "L", "N"]),
    ("SC", &["H", "L", "N"]),
    ("SI", &["H", "L", "N"]),
    ("SA", &["H", "L", "N"]),
];

/// Severity levels of each metric value, in tenths, as the specification defines them
/// for the distance to the highest-severity vector of a MacroVector.
fn level(metric: &str, value: &str) -> Option<f64> {
    Some(match (metric, value) {
        ("AV", "N") | ("PR", "N") | ("UI", "N") | ("AC", "L") | ("AT", "N") => 0.0,
        ("AV", "A") | ("PR", "L") | ("UI", "P") | ("AC", "H") | ("AT", "P") => 0.1,
        ("AV", "L") | ("PR", "H") | ("UI", "A") => 0.2,
        ("AV", "P") => 0.3,
        ("VC" | "VI" | "VA", "H") => 0.0,
        ("VC" | "VI" | "VA", "L") => 0.1,
        ("VC" | "VI" | "VA", "N") => 0.2,
        ("SI" | "SA", "S") => 0.0,
        ("SC" | "SI" | "SA", "H") => 0.1,
        ("SC" | "SI" | "SA", "L") => 0.2,
        ("SC" | "SI" | "SA", "N") => 0.3,
        ("CR" | "IR" | "AR", "H") => 0.0,
        ("CR" | "IR" | "AR", "M") => 0.1,
        ("CR" | "IR" | "AR", "L") => 0.2,
        ("E", "U") => 0.2,
        ("E", "P") => 0.1,
        ("E", "A") => 0.0,
        _ => return None,
    })
}

/// The highest-severity vectors of each EQ level (from the specification's calculator).
fn max_composed(eq: usize, level: u8, eq6: u8) -> &'static [&'static str] {
    match (eq, level, eq6) {
        (1, 0, _) => &["AV:N/PR:N/UI:N"],
        (1, 1, _) => &["AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"],
        (1, 2, _) => &["AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"],
        (2, 0, _) => &["AC:L/AT:N"],
        (2, 1, _) => &["AC:H/AT:N", "AC:L/AT:P"],
        (3, 0, 0) => &["VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"],
        (3, 0, 1) => &[
            "VC:H/VI:H/VA:L/CR:M/IR:M/AR:H",
            "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M",
        ],
        (3, 1, 0) => &[
            "VC:L/VI:H/VA:H/CR:H/IR:H/AR:H",
            "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H",
        ],
        (3, 1, 1) => &[
            "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H",
            "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M",
            "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M",
            "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H",
            "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M",
        ],
        (3, 2, 1) => &["VC:L/VI:L/VA:L/CR:H/IR:H/AR:H"],
        (4, 0, _) => &["SC:H/SI:S/SA:S"],
        (4, 1, _) => &["SC:H/SI:H/SA:H"],
        (4, 2, _) => &["SC:L/SI:L/SA:L"],
        (5, 0, _) => &["E:A"],
        (5, 1, _) => &["E:P"],
        (5, 2, _) => &["E:U"],
        _ => &[],
    }
}

/// Depth of each EQ level in severity steps (the specification's `max_severity`, +1).
fn max_severity(eq: usize, level: u8, eq6: u8) -> f64 {
    let steps = match (eq, level, eq6) {
        (1, 0, _) | (2, 0, _) | (5, _, _) => 1,
        (1, 1, _) => 4,
        (1, 2, _) => 5,
        (2, 1, _) => 2,
        (3, 0, 0) => 7,
        (3, 0, 1) => 6,
        (3, 1, _) => 8,
        (3, 2, _) => 10,
        (4, 0, _) => 6,
        (4, 1, _) => 5,
        (4, 2, _) => 4,
        _ => 1,
    };
    f64::from(steps) * 0.1
}

fn v4(vector: &str) -> Option<f64> {
    let m = metrics(vector)?;
    for (k, allowed) in BASE_V4 {
        if !allowed.contains(m.get(k)?) {
            return None;
        }
    }
    let v = V4 { m };
    let g = |k: &str| v.get(k).to_owned();
    let (av, pr, ui, ac, at) = (g("AV"), g("PR"), g("UI"), g("AC"), g("AT"));
    let (vc, vi, va) = (g("VC"), g("VI"), g("VA"));
    let (sc, si, sa) = (g("SC"), g("SI"), g("SA"));
    let (e, cr, ir, ar) = (g("E"), g("CR"), g("IR"), g("AR"));
    for (k, val) in [
        ("AV", &av),
        ("PR", &pr),
        ("UI", &ui),
        ("AC", &ac),
        ("AT", &at),
        ("VC", &vc),
        ("VI", &vi),
        ("VA", &va),
        ("SC", &sc),
        ("SI", &si),
        ("SA", &sa),
        ("E", &e),
        ("CR", &cr),
        ("IR", &ir),
        ("AR", &ar),
    ] {
        level(k, val)?;
    }
    if [&vc, &vi, &va, &sc, &si, &sa]
        .iter()
        .all(|x| x.as_str() == "N")
    {
        return Some(0.0);
    }
    let eq1: u8 = if av == "N" && pr == "N" && ui == "N" {
        0
    } else if (av == "N" || pr == "N" || ui == "N") && av != "P" {
        1
    } else {
        2
    };
    let eq2: u8 = if ac == "L" && at == "N" { 0 } else { 1 };
    let eq3: u8 = if vc == "H" && vi == "H" {
        0
    } else if vc == "H" || vi == "H" || va == "H" {
        1
    } else {
        2
    };
    let eq4: u8 = if si == "S" || sa == "S" {
        0
    } else if sc == "H" || si == "H" || sa == "H" {
        1
    } else {
        2
    };
    let eq5: u8 = match e.as_str() {
        "A" => 0,
        "P" => 1,
        _ => 2,
    };
    let eq6: u8 =
        if (cr == "H" && vc == "H") || (ir == "H" && vi == "H") || (ar == "H" && va == "H") {
            0
        } else {
            1
        };
    let table = lookup();
    let key = |a: u8, b: u8, c: u8, d: u8, e: u8, f: u8| format!("{a}{b}{c}{d}{e}{f}");
    let at_key = |k: String| table.get(&k).copied();
    let value = at_key(key(eq1, eq2, eq3, eq4, eq5, eq6))?;

    // Scores of the next lower MacroVector along each EQ (None where there is none).
    let lower1 = at_key(key(eq1 + 1, eq2, eq3, eq4, eq5, eq6));
    let lower2 = at_key(key(eq1, eq2 + 1, eq3, eq4, eq5, eq6));
    let lower36 = match (eq3, eq6) {
        (0, 0) => {
            let left = at_key(key(eq1, eq2, eq3, eq4, eq5, eq6 + 1));
            let right = at_key(key(eq1, eq2, eq3 + 1, eq4, eq5, eq6));
            match (left, right) {
                (Some(l), Some(r)) => Some(l.max(r)),
                (l, r) => l.or(r),
            }
        }
        (1, 0) => at_key(key(eq1, eq2, eq3, eq4, eq5, eq6 + 1)),
        (0 | 1, 1) => at_key(key(eq1, eq2, eq3 + 1, eq4, eq5, eq6)),
        _ => at_key(key(eq1, eq2, eq3 + 1, eq4, eq5, eq6)),
    };
    let lower4 = at_key(key(eq1, eq2, eq3, eq4 + 1, eq5, eq6));
    let lower5 = at_key(key(eq1, eq2, eq3, eq4, eq5 + 1, eq6));

    // The highest-severity vector of this MacroVector that the vector does not exceed.
    let lvl = |k: &str, val: &str| level(k, val).unwrap_or(0.0);
    let ours: HashMap<&str, &str> = [
        ("AV", av.as_str()),
        ("PR", pr.as_str()),
        ("UI", ui.as_str()),
        ("AC", ac.as_str()),
        ("AT", at.as_str()),
        ("VC", vc.as_str()),
        ("VI", vi.as_str()),
        ("VA", va.as_str()),
        ("SC", sc.as_str()),
        ("SI", si.as_str()),
        ("SA", sa.as_str()),
        ("CR", cr.as_str()),
        ("IR", ir.as_str()),
        ("AR", ar.as_str()),
        ("E", e.as_str()),
    ]
    .into_iter()
    .collect();
    let mut distances: HashMap<String, f64> = HashMap::new();
    let mut found = false;
    'outer: for a in max_composed(1, eq1, 0) {
        for b in max_composed(2, eq2, 0) {
            for c in max_composed(3, eq3, eq6) {
                for d in max_composed(4, eq4, 0) {
                    for f in max_composed(5, eq5, 0) {
                        let max = [*a, *b, *c, *d, *f].join("/");
                        let mut dist = HashMap::new();
                        let mut ok = true;
                        for part in max.split('/') {
                            let Some((k, mv)) = part.split_once(':') else {
                                continue;
                            };
                            let d = lvl(k, ours.get(k).copied().unwrap_or("X")) - lvl(k, mv);
                            if d < -1e-9 {
                                ok = false;
                                break;
                            }
                            dist.insert(k.to_owned(), d);
                        }
                        if ok {
                            distances = dist;
                            found = true;
                            break 'outer;
                        }
                    }
                }
            }
        }
    }
    if !found {
        return Some(round1(value));
    }
    let d = |k: &str| distances.get(k).copied().unwrap_or(0.0);
    let current = [
        d("AV") + d("PR") + d("UI"),
        d("AC") + d("AT"),
        d("VC") + d("VI") + d("VA") + d("CR") + d("IR") + d("AR"),
        d("SC") + d("SI") + d("SA"),
        0.0,
    ];
    let lowers = [lower1, lower2, lower36, lower4, lower5];
    let depth = [
        max_severity(1, eq1, 0),
        max_severity(2, eq2, 0),
        max_severity(3, eq3, eq6),
        max_severity(4, eq4, 0),
        max_severity(5, eq5, 0),
    ];
    let mut sum = 0.0;
    let mut n = 0;
    for i in 0..5 {
        if let Some(low) = lowers[i] {
            let available = value - low;
            n += 1;
            sum += available * (current[i] / depth[i]);
        }
    }
    let mean = if n == 0 { 0.0 } else { sum / f64::from(n) };
    Some(round1((value - mean).clamp(0.0, 10.0)))
}

fn round1(x: f64) -> f64 {
    ((x * 10.0) + 1e-9).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::score;

    #[test]
    fn v31_reference_scores() {
        // Log4Shell, and vectors with published NVD scores.
        assert_eq!(
            score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"),
            Some(10.0)
        );
        assert_eq!(
            score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Some(9.8)
        );
        assert_eq!(
            score("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H"),
            Some(5.9)
        );
        assert_eq!(
            score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"),
            Some(6.1)
        );
        assert_eq!(
            score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"),
            Some(7.8)
        );
        assert_eq!(
            score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"),
            Some(0.0)
        );
        assert_eq!(score("CVSS:3.1/AV:N/AC:L"), None);
        assert_eq!(score("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), None);
    }

    #[test]
    fn v40_reference_scores() {
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            Some(9.3)
        );
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N"),
            Some(6.9)
        );
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H"),
            Some(10.0)
        );
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N"),
            Some(0.0)
        );
        // Scores NVD publishes for common vector shapes (local privilege escalation,
        // reflected and stored XSS, network denial of service).
        assert_eq!(
            score("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            Some(8.5)
        );
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N"),
            Some(5.3)
        );
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N"),
            Some(5.1)
        );
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N"),
            Some(8.7)
        );
        assert_eq!(score("CVSS:4.0/AV:N/AC:L"), None);
    }
}
