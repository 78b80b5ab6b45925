//! Facts one analyser hands another through the CLI, so that analysers need not depend on
//! each other (ARCHITECTURE: the apps analyser asks for dependency facts through core).

/// A dependency the inventory found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyFact {
    /// OSV ecosystem name (`npm`, `Maven`, …).
    pub ecosystem: String,
    pub name: String,
    pub version: String,
    /// Origin chain of the file that names it.
    pub path: Vec<String>,
    /// 1-based line, 0 when unknown.
    pub line: u64,
}
