//! Outcomes: what each step did against the cluster, expected versus actual. The runner produces them;
//! reporters consume them and never talk to the cluster. A failed expectation is an outcome; a broken
//! harness or cluster is an `error` on the step, and both turn the scenario red.

use crate::check::Mismatch;
use crate::scenario::{DocRef, Erratum};
use serde::Serialize;
use std::collections::BTreeMap;
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
    /// What the step says about the article: it holds, it is wrong (an erratum that was measured), or
    /// nothing (the step failed, did not run, or does not apply to this server version).
    pub verdict: Verdict,
    /// The erratum the scenario declares on this step (also when the step failed: then the cluster
    /// no longer behaves as the erratum says).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erratum: Option<Erratum>,
    /// The article lines (`service-accounts-article.txt:125`) of the blocks the step runs or checks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub article: Vec<String>,
}

/// A step's verdict on what the article says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The step passed: the article holds here.
    Holds,
    /// The step passed and measured what its erratum declares: the article is wrong here.
    Erratum,
    /// The step failed.
    Failed,
    /// The step did not run (an earlier step that changes the cluster failed, or an interrupt).
    NotRun,
    /// The step is for other server versions (`when-version`).
    NotApplicable,
}

impl Verdict {
    /// The verdict of a step with this status and declared erratum.
    pub fn of(status: Status, erratum: Option<&Erratum>) -> Verdict {
        match (status, erratum) {
            (Status::Passed, None) => Verdict::Holds,
            (Status::Passed, Some(_)) => Verdict::Erratum,
            (Status::Failed, _) => Verdict::Failed,
            (Status::Skipped, _) => Verdict::NotRun,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Erratum => "erratum",
            Verdict::Failed => "failed",
            Verdict::NotRun => "not run",
            Verdict::NotApplicable => "not applicable",
        }
    }
}

impl StepOutcome {
    /// Sets the status and the verdict that follows from it.
    pub fn settle(&mut self, status: Status) {
        self.status = status;
        self.verdict = Verdict::of(status, self.erratum.as_ref());
    }

    /// Counts as passed: it passed, or it is for other server versions.
    pub fn ok(&self) -> bool {
        self.status == Status::Passed || self.verdict == Verdict::NotApplicable
    }
}

/// How a claim ends after a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimKind {
    /// Every step verifying it that applies ran and passed, none with an erratum.
    Holds,
    /// Every step verifying it passed, and one measured an erratum on it.
    Erratum,
    /// A step verifying it failed or did not run, or none applied.
    NotVerified,
}

impl ClaimKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimKind::Holds => "holds",
            ClaimKind::Erratum => "erratum",
            ClaimKind::NotVerified => "not verified",
        }
    }
}

/// A claim's verdict in a run, with the steps that decided it.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimVerdict {
    pub id: String,
    pub verdict: ClaimKind,
    /// The erratum measured, for `erratum`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erratum: Option<Erratum>,
    /// `scenario step N: verdict` for each step that verifies the claim.
    pub steps: Vec<String>,
    /// The article line that states it (`service-accounts-article.txt:62`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
}

/// Per-claim verdicts from the steps of a run, by claim id. A step's erratum belongs to its one
/// claim; its other claims count the step as a pass.
pub fn claim_verdicts(scenarios: &[ScenarioOutcome]) -> Vec<ClaimVerdict> {
    let mut by_id: BTreeMap<String, ClaimVerdict> = BTreeMap::new();
    let mut applied: BTreeMap<String, bool> = BTreeMap::new();
    for o in scenarios {
        for s in &o.steps {
            for id in s.doc.iter().flat_map(|d| &d.claims) {
                let own_erratum = s.erratum.as_ref().filter(|e| e.claim.as_deref() == Some(id.as_str()));
                let step_verdict = match s.verdict {
                    Verdict::Erratum if own_erratum.is_none() => Verdict::Holds,
                    v => v,
                };
                let c = by_id.entry(id.clone()).or_insert_with(|| ClaimVerdict {
                    id: id.clone(),
                    verdict: ClaimKind::Holds,
                    erratum: None,
                    steps: Vec::new(),
                    article: None,
                });
                c.steps.push(format!("{} step {}: {}", o.name, s.index, step_verdict.as_str()));
                *applied.entry(id.clone()).or_default() |= step_verdict != Verdict::NotApplicable;
                match step_verdict {
                    Verdict::Holds | Verdict::NotApplicable => {}
                    Verdict::Erratum => {
                        c.verdict = c.verdict.max(ClaimKind::Erratum);
                        c.erratum = own_erratum.cloned();
                    }
                    Verdict::Failed | Verdict::NotRun => c.verdict = ClaimKind::NotVerified,
                }
            }
        }
    }
    // A claim whose every step was for other versions was not verified in this run.
    for c in by_id.values_mut() {
        if !applied.get(&c.id).copied().unwrap_or_default() {
            c.verdict = ClaimKind::NotVerified;
        }
    }
    by_id.into_values().collect()
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
        self.setup_error.is_none() && self.cleanup_errors.is_empty() && !self.interrupted && self.steps.iter().all(StepOutcome::ok)
    }

    /// The first step that failed.
    pub fn first_failure(&self) -> Option<&StepOutcome> {
        self.steps.iter().find(|s| s.status == Status::Failed)
    }

    /// Every step that failed, in order (a failed look does not stop the scenario, so there may be many).
    pub fn failures(&self) -> impl Iterator<Item = &StepOutcome> {
        self.steps.iter().filter(|s| s.status == Status::Failed)
    }
}

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunOutcome {
    pub cluster: String,
    pub server: String,
    /// The API server's `gitVersion` (`v1.34.4`), asked once when the run starts; None when it did not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    pub scenarios: Vec<ScenarioOutcome>,
    pub interrupted: bool,
    /// Problems releasing the cluster after the run (e.g. the kind cluster could not be deleted).
    pub teardown_errors: Vec<String>,
    /// Each claim the run's steps verify, with its verdict (holds / erratum / not verified).
    pub claims: Vec<ClaimVerdict>,
}

impl RunOutcome {
    pub fn passed(&self) -> bool {
        !self.interrupted && self.teardown_errors.is_empty() && self.scenarios.iter().all(ScenarioOutcome::passed)
    }
}
