//! What checking a lab found, per stage (an article section that writes): how many checks held, and
//! for each that did not, what is wrong in the participant's terms and which section to go back to.
//! The hint comes from what the checks saw: a look that failed is traced to the documented writes
//! whose objects it depends on; the first of them that is missing or different is the section to
//! revisit, with the command the article gives for it.

use serde::Serialize;

/// A lab's result for one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct LabOutcome {
    pub scenario: String,
    /// Article namespace -> the participant's, as mapped.
    pub namespaces: std::collections::BTreeMap<String, String>,
    pub stages: Vec<StageOutcome>,
    /// Checks a lab cannot make (the harness's own proof), with the reason, for `--verbose`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_checked: Vec<String>,
    pub duration_ms: u128,
}

/// One section's checkpoint.
#[derive(Debug, Clone, Serialize)]
pub struct StageOutcome {
    pub section: String,
    /// How many checks ran in this stage (objects and looks).
    pub checks: usize,
    pub failures: Vec<Failure>,
    /// Why the stage was not checked (its namespace is missing): not a pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_checked: Option<String>,
}

/// One check that did not hold.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// What is wrong, in the participant's terms.
    pub problem: String,
    /// The step that checks it (its name) and where it is written (file:line).
    pub check: String,
    pub at: String,
    /// The section to go back to, and the article's command there (if a write names one).
    pub revisit: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

impl LabOutcome {
    pub fn passed(&self) -> bool {
        self.stages.iter().all(StageOutcome::passed)
    }

    /// The first stage that failed.
    pub fn first_failure(&self) -> Option<(&StageOutcome, &Failure)> {
        self.stages.iter().find_map(|s| s.failures.first().map(|f| (s, f)))
    }
}

impl StageOutcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.not_checked.is_none()
    }
}

impl Failure {
    /// `-> revisit "SECTION": COMMAND`, the line a learner acts on.
    pub fn hint(&self) -> String {
        match &self.command {
            Some(c) => format!("-> revisit \"{}\": {c}", self.revisit),
            None => format!("-> revisit \"{}\"", self.revisit),
        }
    }
}
