//! The guideline catalog: the spine every check answers to.
//!
//! The data is `data/catalog.yaml`, embedded at build time and parsed once.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// How far software can decide a guideline item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Automation {
    Full,
    Partly,
    Manual,
}

impl Automation {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Automation::Full => "full",
            Automation::Partly => "partly",
            Automation::Manual => "manual",
        }
    }
}

/// A control reference and the source of the mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlRef {
    #[serde(rename = "ref")]
    pub reference: String,
    pub source: String,
}

/// One guideline item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub section: String,
    pub title: String,
    pub automation: Automation,
    pub soc2: Vec<ControlRef>,
    pub iso27001: Vec<ControlRef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    items: Vec<Item>,
}

const CATALOG_YAML: &str = include_str!("../data/catalog.yaml");

/// Every guideline item, in the order of the guidelines.
///
/// # Panics
/// Only if the embedded catalog is malformed, which the crate's tests rule out.
#[must_use]
pub fn items() -> &'static [Item] {
    static ITEMS: OnceLock<Vec<Item>> = OnceLock::new();
    ITEMS.get_or_init(|| {
        let file: CatalogFile = serde_saphyr::from_str(CATALOG_YAML)
            .expect("the embedded guideline catalog parses (checked by tests)");
        file.items
    })
}

/// Look an item up by id.
#[must_use]
pub fn item(id: &str) -> Option<&'static Item> {
    items().iter().find(|i| i.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalog_parses_with_unique_ids_and_known_sources() {
        let items = items();
        assert!(items.len() >= 35, "catalog has {} items", items.len());
        let mut seen = HashSet::new();
        for i in items {
            assert!(seen.insert(&i.id), "duplicate id {}", i.id);
            assert!(
                !i.soc2.is_empty() && !i.iso27001.is_empty(),
                "{} lacks mappings",
                i.id
            );
            for r in i.soc2.iter().chain(&i.iso27001) {
                assert!(
                    ["M1", "M2", "M3", "CO", "E"].contains(&r.source.as_str()),
                    "{}: unknown source {}",
                    i.id,
                    r.source
                );
            }
        }
        for needed in [
            "code.no-hardcoded-credentials",
            "code.tokens-encrypted-at-rest",
            "infra.no-sensitive-data-in-logs",
            "p2.no-secrets-in-package",
        ] {
            assert!(item(needed).is_some(), "{needed} missing");
        }
    }
}
