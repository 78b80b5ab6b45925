//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use std::io::{Cursor, Write};
use std::process::Output;

use serde_json::Value;

/// The process's stdout as JSON, or a panic showing both streams.
pub(crate) fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A zip (jar, obr) of the given entries, in memory.
pub(crate) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// `rule origin:line` of a finding's first location.
pub(crate) fn rule_at(f: &Value) -> String {
    let l = &f["locations"][0];
    format!(
        "{} {}:{}",
        f["rule"].as_str().unwrap(),
        l["origin"].as_str().unwrap(),
        l["line"]
    )
}

/// `rule severity origin:line` of a finding's first location.
pub(crate) fn rule_severity_at(f: &Value) -> String {
    let l = &f["locations"][0];
    format!(
        "{} {} {}:{}",
        f["rule"].as_str().unwrap(),
        f["severity"].as_str().unwrap(),
        l["origin"].as_str().unwrap(),
        l["line"]
    )
}

/// Every finding of a JSON report through `show`, sorted.
pub(crate) fn sorted_findings(report: &Value, show: fn(&Value) -> String) -> Vec<String> {
    let mut v: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(show)
        .collect();
    v.sort();
    v
}

/// Every finding of a JSON report through `show`, in report order.
pub(crate) fn shown(report: &Value, show: fn(&Value) -> String) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(show)
        .collect()
}

/// A finding's rule id.
pub(crate) fn rule_of(f: &Value) -> String {
    f["rule"].as_str().unwrap().to_owned()
}

/// `rule line` of a finding's first location.
pub(crate) fn rule_line(f: &Value) -> String {
    format!(
        "{} {}",
        f["rule"].as_str().unwrap(),
        f["locations"][0]["line"]
    )
}

/// `rule severity line` of a finding's first location.
pub(crate) fn rule_severity_line(f: &Value) -> String {
    format!(
        "{} {} {}",
        f["rule"].as_str().unwrap(),
        f["severity"].as_str().unwrap(),
        f["locations"][0]["line"]
    )
}

/// `rule guideline line` of a finding's first location.
pub(crate) fn rule_guideline_line(f: &Value) -> String {
    format!(
        "{} {} {}",
        f["rule"].as_str().unwrap(),
        f["guideline"].as_str().unwrap(),
        f["locations"][0]["line"]
    )
}
