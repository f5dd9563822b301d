//! The kill matrix: derive mutants of a scenario (a wrong cluster or a wrong lab: an extra binding, a
//! forgotten RoleBinding, a pod left on `default`, ...) with generic operators, run each on the real
//! cluster, and report which survived. A survivor is a blind spot: the scenario would pass on a cluster
//! where the article is not true.

mod draft;
mod grants;
mod identity;
mod manifests;
mod operators;
mod placement;
mod plan;
mod report;
mod run;

pub use operators::{Operator, OPERATORS};
pub use placement::{place, Placed, Placement};
pub use plan::{plan, Plan, PlanError};
pub use report::{by_claim, render_table, summary_line, to_json, to_junit};
pub use run::{run_plans, KilledBy, MutantResult, MutateOutcome, ScenarioKills, Verdict};

use crate::scenario::Scenario;
use serde::Serialize;
use std::collections::BTreeSet;

/// One mutant: the scenario with one generic change.
#[derive(Debug, Clone)]
pub struct Mutant {
    /// `operator:target`, stable across runs (what `mutants.accept[].id` names).
    pub id: String,
    pub operator: Operator,
    pub change: Change,
    /// The mutated scenario, steps renumbered.
    pub scenario: Scenario,
    /// Indexes (1-based) of steps the mutant added: their failure means the mutant could not be set up.
    pub injected: BTreeSet<usize>,
    /// Why the mutant cannot be run as it is (its change would be lost); it is then an error, never a
    /// survivor or a kill.
    pub lost: Option<String>,
}

/// What a mutant changed, for reports.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Change {
    /// One line: what was changed where.
    pub description: String,
    /// The changed manifest text or step, as run.
    pub text: String,
}

#[cfg(test)]
mod tests;
