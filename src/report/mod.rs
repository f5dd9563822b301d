//! Reporters: the console (a progress line per scenario, the whole story of a failure), JUnit XML and
//! JSON. They read outcomes only; redaction of secrets happens here, once, for all of them.

mod console;
mod json;
mod junit;
pub mod listing;
pub mod redact;

pub use console::{render_failure, Console};
pub use json::to_json;
pub use junit::to_junit;
pub use redact::redact;

use crate::cluster::Target;
use crate::outcome::{ScenarioOutcome, StepOutcome};
use crate::scenario::Scenario;

/// What a run tells its reporter as it goes.
pub trait Reporter {
    /// Something is happening to the cluster (creating, deleting) that takes a while.
    fn cluster_event(&mut self, _message: &str) {}
    fn run_started(&mut self, _target: &Target, _scenarios: usize) {}
    fn scenario_started(&mut self, _scenario: &Scenario) {}
    fn step_finished(&mut self, _step: &StepOutcome) {}
    fn scenario_finished(&mut self, _outcome: &ScenarioOutcome) {}
}

/// A reporter that says nothing (tests, libraries).
pub struct Silent;
impl Reporter for Silent {}
