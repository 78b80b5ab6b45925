//! The SARIF report validates against the official SARIF 2.1.0 JSON schema.
//!
//! The schema and the validator are fetched by `scripts/validate-sarif.sh` (npm package
//! `@microsoft/jest-sarif`, PyPI package `jsonschema`) into `~/.cache/vendorsec/` once; the
//! script then scans every rule's examples and a nested archive and validates the output.

use std::path::Path;
use std::process::Command;

#[test]
fn sarif_output_validates_against_the_official_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("bash")
        .arg(root.join("scripts/validate-sarif.sh"))
        .current_dir(&root)
        .env("VENDORSEC_BIN", env!("CARGO_BIN_EXE_vendorsec"))
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "validate-sarif.sh failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("SARIF 2.1.0 schema: valid"),
        "{stdout}\n{stderr}"
    );
}
