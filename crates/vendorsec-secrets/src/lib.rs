//! Secret detection: rules as data (`rules/*.yml`, each with positive and negative
//! examples) and the matching engine.
//!
//! The engine makes one pass over each blob with an Aho-Corasick automaton of every rule's
//! keywords; only rules whose keyword occurs run their regex, and only over a window around
//! each keyword hit (the line, or a bounded span for multi-line rules). Matches then pass
//! the rule's filters (entropy, placeholders, documented example values, validators such as
//! JWT decoding) before they become findings. Large inputs are scanned in overlapping chunks,
//! so memory stays bounded whatever the file size.

mod engine;
mod filter;
pub mod keystore;
mod rule;
mod validate;

pub use engine::{
    BlobScan, Engine, EngineError, ExampleFailure, InlineIgnore, RawMatch, group_matches,
};
pub use rule::{Rule, RuleError, RuleSet, Scope};
pub use validate::Validator;
