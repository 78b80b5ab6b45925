//! SBOM output of an inventory: CycloneDX 1.6 JSON and SPDX 2.3 JSON, every component with
//! its package URL, where it was found, and its SHA-1 when it is an archive.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::Package;

/// One entry per distinct component (ecosystem, name, version), with all its locations.
fn distinct(packages: &[Package]) -> Vec<(&Package, Vec<String>)> {
    let mut by: BTreeMap<(String, String, String), (&Package, Vec<String>)> = BTreeMap::new();
    for p in packages {
        if p.name.is_empty() {
            continue;
        }
        let key = (
            p.ecosystem.osv_name().to_owned(),
            p.name.clone(),
            p.version.clone(),
        );
        let loc = if p.line > 0 {
            format!("{}:{}", p.file(), p.line)
        } else {
            p.file()
        };
        let e = by.entry(key).or_insert((p, Vec::new()));
        if !e.1.contains(&loc) {
            e.1.push(loc);
        }
        if e.0.sha1.is_none() && p.sha1.is_some() {
            e.0 = p;
        }
    }
    by.into_values().collect()
}

fn uuid_from(seed: &[u8]) -> String {
    let h = Sha256::digest(seed);
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x50; // name-based (SHA) version nibble
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// CycloneDX 1.6 JSON. `timestamp` is RFC 3339; the serial number is derived from the
/// content so that the same inventory gives the same document.
#[must_use]
pub fn cyclonedx(
    packages: &[Package],
    subject: &str,
    tool_version: &str,
    timestamp: &str,
) -> Value {
    let comps = distinct(packages);
    let seed: String = comps
        .iter()
        .map(|(p, _)| p.purl())
        .collect::<Vec<_>>()
        .join("\n");
    let components: Vec<Value> = comps
        .iter()
        .map(|(p, locs)| {
            let (group, name) = match (p.ecosystem, p.name.split_once(':')) {
                (crate::Ecosystem::Maven, Some((g, a))) => (Some(g), a),
                _ => (None, p.name.as_str()),
            };
            let unidentified = p.scope.as_deref() == Some("unidentified");
            let mut c = if unidentified {
                // An archive nothing names: a file with its digest, no package URL.
                json!({
                    "type": "file",
                    "bom-ref": format!("file:{}", locs.first().cloned().unwrap_or_default()),
                    "name": name,
                })
            } else {
                json!({
                    "type": "library",
                    "bom-ref": p.purl(),
                    "name": name,
                    "purl": p.purl(),
                })
            };
            if let Some(g) = group {
                c["group"] = json!(g);
            }
            if !p.version.is_empty() {
                c["version"] = json!(p.version);
            }
            if let Some(s) = &p.sha1 {
                c["hashes"] = json!([{ "alg": "SHA-1", "content": s }]);
            }
            let scope = match p.scope.as_deref() {
                Some("dev" | "test" | "build" | "dev-optional") => "excluded",
                Some("optional" | "peer") => "optional",
                _ => "required",
            };
            c["scope"] = json!(scope);
            let mut props = vec![
                json!({"name": "vendorsec:ecosystem", "value": p.ecosystem.osv_name()}),
                json!({"name": "vendorsec:evidence", "value": p.evidence.as_str()}),
            ];
            if let Some(s) = &p.scope {
                props.push(json!({"name": "vendorsec:scope", "value": s}));
            }
            if let Some(d) = p.direct {
                props.push(json!({"name": "vendorsec:direct", "value": d.to_string()}));
            }
            for l in locs.iter().take(50) {
                props.push(json!({"name": "vendorsec:location", "value": l}));
            }
            c["properties"] = Value::Array(props);
            c
        })
        .collect();
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{}", uuid_from(seed.as_bytes())),
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "tools": { "components": [ { "type": "application", "name": "vendorsec", "version": tool_version } ] },
            "component": { "type": "application", "bom-ref": "vendorsec:subject", "name": subject }
        },
        "components": components,
    })
}

fn spdx_id(i: usize) -> String {
    format!("SPDXRef-Package-{i}")
}

/// SPDX 2.3 JSON.
#[must_use]
pub fn spdx(packages: &[Package], subject: &str, tool_version: &str, timestamp: &str) -> Value {
    let comps = distinct(packages);
    let seed: String = comps
        .iter()
        .map(|(p, _)| p.purl())
        .collect::<Vec<_>>()
        .join("\n");
    let mut pkgs = vec![json!({
        "SPDXID": "SPDXRef-Subject",
        "name": subject,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "primaryPackagePurpose": "APPLICATION",
    })];
    let mut rels = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": "SPDXRef-Subject",
    })];
    for (i, (p, locs)) in comps.iter().enumerate() {
        let mut e = json!({
            "SPDXID": spdx_id(i + 1),
            "name": p.name,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "comment": format!("found in {} ({})", locs.iter().take(5).cloned().collect::<Vec<_>>().join(", "), p.evidence.as_str()),
        });
        if p.scope.as_deref() != Some("unidentified") {
            e["externalRefs"] = json!([{
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": p.purl(),
            }]);
        }
        if !p.version.is_empty() {
            e["versionInfo"] = json!(p.version);
        }
        if let Some(s) = &p.sha1 {
            e["checksums"] = json!([{ "algorithm": "SHA1", "checksumValue": s }]);
        }
        pkgs.push(e);
        let kind = match p.scope.as_deref() {
            Some("dev" | "dev-optional") => "DEV_DEPENDENCY_OF",
            Some("test") => "TEST_DEPENDENCY_OF",
            Some("build") => "BUILD_DEPENDENCY_OF",
            Some("optional") => "OPTIONAL_DEPENDENCY_OF",
            _ => "DEPENDENCY_OF",
        };
        rels.push(json!({
            "spdxElementId": spdx_id(i + 1),
            "relationshipType": kind,
            "relatedSpdxElement": "SPDXRef-Subject",
        }));
    }
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": format!("vendorsec SBOM of {subject}"),
        "documentNamespace": format!("https://vendorsec.invalid/spdx/{}", uuid_from(seed.as_bytes())),
        "creationInfo": {
            "created": timestamp,
            "creators": [format!("Tool: vendorsec-{tool_version}")],
        },
        "packages": pkgs,
        "relationships": rels,
    })
}
