//! What the matrix reads from each version's run: the JSON report `sa-conformance run --json` writes
//! (already redacted). Only the fields the matrix needs are read, and unknown ones are ignored, so the
//! report can grow without breaking the matrix.

use crate::scenario::{DocRef, Erratum};
use serde::Deserialize;

/// A run's JSON report.
#[derive(Debug, Clone, Deserialize)]
pub struct RunReport {
    #[serde(default)]
    pub cluster: String,
    #[serde(default)]
    pub server: String,
    /// The API server's version, in reports from runs that asked it.
    #[serde(default)]
    pub server_version: Option<String>,
    pub scenarios: Vec<ScenarioReport>,
    #[serde(default)]
    pub interrupted: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ScenarioReport {
    pub name: String,
    pub steps: Vec<StepReport>,
    #[serde(default)]
    pub cleanup_errors: Vec<String>,
    #[serde(default)]
    pub setup_error: Option<String>,
    #[serde(default)]
    pub interrupted: bool,
}

impl ScenarioReport {
    /// Same rule as [`crate::outcome::ScenarioOutcome::passed`].
    pub fn passed(&self) -> bool {
        self.setup_error.is_none()
            && self.cleanup_errors.is_empty()
            && !self.interrupted
            && self.steps.iter().all(|s| s.status == "passed" || s.verdict == StepVerdict::NotApplicable)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct StepReport {
    pub index: usize,
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub doc: Option<DocRef>,
    pub status: String,
    #[serde(default)]
    pub mismatches: Vec<MismatchReport>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub notes: Vec<String>,
    pub verdict: StepVerdict,
    #[serde(default)]
    pub erratum: Option<Erratum>,
    /// The article lines it runs or checks (`service-accounts-article.txt:125`), when the run had them.
    #[serde(default)]
    pub article: Vec<String>,
}

impl StepReport {
    /// The step verifies this claim.
    pub fn verifies(&self, claim: &str) -> bool {
        self.doc.as_ref().is_some_and(|d| d.claims.iter().any(|c| c == claim))
    }

    /// The erratum the step measured on `claim` (an erratum belongs to its one claim).
    pub fn erratum_on(&self, claim: &str) -> Option<&Erratum> {
        let own = |e: &&Erratum| match &e.claim {
            Some(c) => c == claim,
            None => self.doc.as_ref().is_some_and(|d| d.claims.len() == 1),
        };
        self.erratum.as_ref().filter(own)
    }
}

/// A step's verdict, as the JSON report spells it (see [`crate::outcome::Verdict`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepVerdict {
    Holds,
    Erratum,
    Failed,
    NotRun,
    NotApplicable,
}

impl StepVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            StepVerdict::Holds => "holds",
            StepVerdict::Erratum => "erratum",
            StepVerdict::Failed => "failed",
            StepVerdict::NotRun => "not run",
            StepVerdict::NotApplicable => "not applicable",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct MismatchReport {
    pub what: String,
    pub expected: String,
    pub actual: String,
}

/// Parses a run's JSON report.
pub fn parse(text: &str) -> Result<RunReport, String> {
    serde_json::from_str(text).map_err(|e| format!("not a `sa-conformance run --json` report: {e}"))
}
