//! What checking a step finds: each failed expectation as expected-vs-actual ([`Mismatch`]), and a
//! step's whole result ([`Check`]: its mismatches, notes and what it saw). Below the step kinds and
//! the expectations, so both (and `crate::poll`, which asks until a check passes) can name them.

/// One failed expectation: what was checked, what the scenario expected, what the cluster did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Mismatch {
    pub what: String,
    pub expected: String,
    pub actual: String,
}

impl Mismatch {
    pub fn new(what: impl Into<String>, expected: impl Into<String>, actual: impl Into<String>) -> Self {
        Mismatch { what: what.into(), expected: expected.into(), actual: actual.into() }
    }
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: expected {}, got {}", self.what, self.expected, self.actual)
    }
}

/// The result of a step that ran.
#[derive(Debug, Default)]
pub struct Check {
    pub mismatches: Vec<Mismatch>,
    pub notes: Vec<String>,
    /// What the step saw, as a document `capture:` paths read (see `crate::capture`); null for kinds
    /// that capture nothing.
    pub seen: serde_json::Value,
}

impl Check {
    pub fn with(mismatches: Vec<Mismatch>) -> Self {
        Check { mismatches, notes: Vec::new(), seen: serde_json::Value::Null }
    }
    /// Records what the step saw, for `capture:`.
    pub fn saw(mut self, seen: serde_json::Value) -> Self {
        self.seen = seen;
        self
    }
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}
