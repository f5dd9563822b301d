//! From a scenario to its mutants: every operator of the catalogue (or those asked for) that the
//! scenario does not skip, each mutant with a stable id and its steps renumbered.

use super::operators::{Operator, OPERATORS};
use super::Mutant;
use crate::scenario::{AcceptSurvivor, Scenario};
use std::collections::BTreeSet;

/// A scenario and its mutants.
#[derive(Debug, Clone)]
pub struct Plan {
    pub scenario: Scenario,
    pub mutants: Vec<Mutant>,
    /// Operators the scenario excludes, with its reason.
    pub skipped: Vec<(Operator, String)>,
}

/// A `mutants:` key that cannot be honoured.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{file}: mutants: {problem}")]
pub struct PlanError {
    pub file: String,
    pub problem: String,
}

impl Plan {
    /// The written reason a surviving mutant is accepted, if the scenario gives one.
    pub fn accepted(&self, mutant: &Mutant) -> Option<&AcceptSurvivor> {
        self.scenario.mutants.accept.iter().find(|a| match (&a.id, &a.operator) {
            (Some(id), _) => *id == mutant.id,
            (None, Some(op)) => op == mutant.operator.name(),
            (None, None) => false,
        })
    }
}

/// The mutants of `scenario` by the operators in `only` (all when empty).
pub fn plan(scenario: &Scenario, only: &[Operator]) -> Result<Plan, PlanError> {
    let skipped = check_policy(scenario)?;
    let mut mutants = Vec::new();
    let mut ids = BTreeSet::new();
    for &op in OPERATORS {
        if (!only.is_empty() && !only.contains(&op)) || skipped.iter().any(|(s, _)| *s == op) {
            continue;
        }
        for draft in op.mutants(scenario) {
            let mut id = format!("{}:{}", op.name(), draft.target);
            let mut n = 2;
            while ids.contains(&id) {
                id = format!("{}:{}~{n}", op.name(), draft.target);
                n += 1;
            }
            ids.insert(id.clone());
            let mut s = scenario.clone();
            s.steps = draft.steps;
            for (i, step) in s.steps.iter_mut().enumerate() {
                step.index = i + 1;
            }
            s.cleanup.extend(draft.cleanup);
            let injected = draft.injected.iter().map(|p| p + 1).collect();
            let change = super::Change { description: draft.description, text: draft.text };
            mutants.push(Mutant { id, operator: op, change, scenario: s, injected });
        }
    }
    Ok(Plan { scenario: scenario.clone(), mutants, skipped })
}

/// Every skip and accept names a known operator and gives a reason.
fn check_policy(scenario: &Scenario) -> Result<Vec<(Operator, String)>, PlanError> {
    let err = |problem: String| PlanError { file: scenario.file.display().to_string(), problem };
    let known = || OPERATORS.iter().map(|o| o.name()).collect::<Vec<_>>().join(", ");
    let mut skipped = Vec::new();
    for s in &scenario.mutants.skip {
        let op =
            Operator::from_name(&s.operator).ok_or_else(|| err(format!("skip: unknown operator `{}` (known: {})", s.operator, known())))?;
        if s.reason.trim().is_empty() {
            return Err(err(format!("skip: operator `{}` needs a reason", s.operator)));
        }
        skipped.push((op, s.reason.clone()));
    }
    for a in &scenario.mutants.accept {
        let what =
            a.id.clone().or_else(|| a.operator.clone()).ok_or_else(|| err("accept: each entry needs an `id` or an `operator`".into()))?;
        if let Some(op) = &a.operator {
            Operator::from_name(op).ok_or_else(|| err(format!("accept: unknown operator `{op}` (known: {})", known())))?;
        }
        if a.reason.trim().is_empty() {
            return Err(err(format!("accept: `{what}` needs a reason")));
        }
    }
    Ok(skipped)
}
