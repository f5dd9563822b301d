//! One executor per step kind. Each takes the step's model and the cluster, does one visible thing,
//! and returns a [`Check`]: the mismatches between what the scenario expected and what happened.
//! An `Err` means the harness or the cluster broke, not that an expectation failed.

mod apply;
mod assert;
mod audit;
mod can_i;
pub mod credential;
mod exec;
mod http_from_pod;
pub mod http_request;
mod kubectl;
mod lint;

pub use lint::{api_callers, applied_files};
mod poll;
pub mod sentinel;
mod token;
mod wait;

use crate::api::{ApiError, Applied, DiscoveryCache};
use crate::check::Mismatch;
use crate::cluster::Target;
use crate::process::ProcessError;
use crate::scenario::{Action, Scenario, Step};
use std::sync::Mutex;

/// Everything a step may use.
pub struct StepCtx<'a> {
    pub target: &'a Target,
    pub discovery: &'a DiscoveryCache,
    pub scenario: &'a Scenario,
    /// The kubectl binary.
    pub kubectl: &'a str,
    /// Objects applied so far (for cleanup).
    pub applied: &'a Mutex<Vec<Applied>>,
}

/// The result of a step that ran.
#[derive(Debug, Default)]
pub struct Check {
    pub mismatches: Vec<Mismatch>,
    pub notes: Vec<String>,
}

impl Check {
    pub fn with(mismatches: Vec<Mismatch>) -> Self {
        Check { mismatches, notes: Vec::new() }
    }
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}

/// The harness or the cluster broke while running a step.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error("{0}")]
    Other(String),
}

/// Runs one step.
pub async fn run(ctx: &StepCtx<'_>, step: &Step) -> Result<Check, StepError> {
    let t = step.timeout;
    let w = poll::Window::of(step);
    match &step.action {
        Action::Apply(a) => apply::apply(ctx, a).await,
        Action::Delete(d) => apply::delete(ctx, d, t).await,
        Action::Wait(w) => wait::wait(ctx, w, t).await,
        Action::Exec(e) => exec::exec(ctx, e, w, t).await,
        Action::HttpFromPod(h) => http_from_pod::run(ctx, h, w, t).await,
        Action::CanI(c) => can_i::run(ctx, c, w, t).await,
        Action::Kubectl(k) => kubectl::run(ctx, k, w, t).await,
        Action::Token(tk) => token::run(ctx, tk, w, t).await,
        Action::Assert(a) => assert::run(ctx, a, w).await,
        Action::Audit(a) => audit::run(ctx, a).await,
        Action::Lint(l) => lint::run(ctx, l),
    }
}
