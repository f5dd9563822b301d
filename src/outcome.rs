//! Outcomes: what each step did against the cluster, expected versus actual. The runner produces them;
//! reporters consume them and never talk to the cluster. A failed expectation is an outcome; a broken
//! harness or cluster is an `error` on the step, and both turn the scenario red.

use crate::check::Mismatch;
use crate::scenario::DocRef;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Passed,
    Failed,
    /// Not run because an earlier step failed or the run was interrupted.
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepOutcome {
    pub index: usize,
    pub name: String,
    pub kind: &'static str,
    /// file:line of the step.
    pub location: String,
    pub doc: Option<DocRef>,
    pub status: Status,
    pub duration_ms: u128,
    /// Expectations that did not hold.
    pub mismatches: Vec<Mismatch>,
    /// The harness or the cluster broke (not an expectation).
    pub error: Option<String>,
    /// What the step observed, for reports (e.g. "kubectl auth can-i answered no").
    pub notes: Vec<String>,
    /// Events, pod states and logs gathered when the step failed.
    pub diagnostics: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioOutcome {
    pub name: String,
    pub description: String,
    pub file: PathBuf,
    pub steps: Vec<StepOutcome>,
    /// Problems deleting what the scenario created.
    pub cleanup_errors: Vec<String>,
    /// A problem before the first step (e.g. a namespace that is not ours).
    pub setup_error: Option<String>,
    pub duration_ms: u128,
    pub interrupted: bool,
}

impl ScenarioOutcome {
    pub fn passed(&self) -> bool {
        self.setup_error.is_none()
            && self.cleanup_errors.is_empty()
            && !self.interrupted
            && self.steps.iter().all(|s| s.status == Status::Passed)
    }

    /// The first step that failed.
    pub fn first_failure(&self) -> Option<&StepOutcome> {
        self.steps.iter().find(|s| s.status == Status::Failed)
    }
}

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunOutcome {
    pub cluster: String,
    pub server: String,
    pub scenarios: Vec<ScenarioOutcome>,
    pub interrupted: bool,
    /// Problems releasing the cluster after the run (e.g. the kind cluster could not be deleted).
    pub teardown_errors: Vec<String>,
}

impl RunOutcome {
    pub fn passed(&self) -> bool {
        !self.interrupted && self.teardown_errors.is_empty() && self.scenarios.iter().all(ScenarioOutcome::passed)
    }
}
