//! From a scenario to its mutants: every operator of the catalogue (or those asked for) that the
//! scenario does not skip, each mutant with a stable id and its steps renumbered.

use super::draft::Draft;
use super::manifests;
use super::operators::{Operator, OPERATORS};
use super::Mutant;
use crate::scenario::{AcceptSurvivor, Scenario};
use crate::step::Action;
use std::collections::BTreeSet;

/// A scenario and its mutants.
#[derive(Debug, Clone)]
pub struct Plan {
    pub scenario: Scenario,
    pub mutants: Vec<Mutant>,
    /// Operators the scenario excludes, with its reason.
    pub skipped: Vec<(Operator, String)>,
    /// The operators asked for (all when empty): a mapped copy of the scenario is planned with them.
    pub only: Vec<Operator>,
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
        for draft in drafts(op, scenario) {
            let mut id = format!("{}:{}", op.name(), draft.target);
            let mut n = 2;
            while ids.contains(&id) {
                id = format!("{}:{}~{n}", op.name(), draft.target);
                n += 1;
            }
            ids.insert(id.clone());
            let mut draft = draft;
            let lost = lost_on_rebuild(scenario, &mut draft);
            let mut s = scenario.clone();
            s.steps = draft.steps;
            for (i, step) in s.steps.iter_mut().enumerate() {
                step.index = i + 1;
            }
            s.cleanup.extend(draft.cleanup);
            let injected = draft.injected.iter().map(|p| p + 1).collect();
            let change = super::Change { description: draft.description, text: draft.text };
            mutants.push(Mutant { id, operator: draft.operator, change, scenario: s, injected, lost });
        }
    }
    Ok(Plan { scenario: scenario.clone(), mutants, skipped, only: only.to_vec() })
}

/// Why a draft's change would not reach the cluster: it changed a step that uses captured values but
/// not that step's YAML, from which the runner builds the step again once the values exist. The
/// manifests of a changed `apply` step are carried into its YAML first (they keep the captured
/// values' placeholders, so the rebuild fills them in as before).
pub(super) fn lost_on_rebuild(scenario: &Scenario, draft: &mut Draft) -> Option<String> {
    let injected = draft.injected.clone();
    let lost: Vec<String> = draft
        .steps
        .iter_mut()
        .enumerate()
        .filter(|(i, _)| !injected.contains(i))
        .filter_map(|(_, st)| {
            let orig = scenario.steps.iter().find(|o| o.index == st.index)?;
            let (Some(d), Some(od)) = (st.deferred.as_mut(), orig.deferred.as_ref()) else { return None };
            if format!("{:?}", st.action) == format!("{:?}", orig.action) || od.node != d.node {
                return None;
            }
            if let Action::Apply(a) = &st.action {
                carry_manifests(&mut d.node, a);
                return None;
            }
            if let (Action::Kubectl(k), Action::Kubectl(ok)) = (&st.action, &orig.action) {
                if carry_stdin(&mut d.node, k, ok) {
                    return None;
                }
            }
            Some(format!("step {} `{}`", st.index, st.name))
        })
        .collect();
    (!lost.is_empty()).then(|| {
        format!(
            "not run: the change is to {}, which uses captured values and is built again from its YAML when they exist; this operator does not change that YAML, so the mutant would run unmutated",
            lost.join(", ")
        )
    })
}

/// Replaces an `apply` step's files and inline manifest in its YAML with the (mutated) manifests.
fn carry_manifests(node: &mut crate::yaml::Node, apply: &crate::step::apply::Apply) {
    use crate::yaml::{Node, Value};
    let Some(target) = node.path_mut(&["apply"]) else { return };
    let scalar = |text: String, plain: bool| Node { pos: target.pos, value: Value::Scalar { text, plain, tag: None } };
    let text = apply.manifests.iter().map(|m| m.text.trim_end().to_string()).collect::<Vec<_>>().join("\n---\n");
    let mut entries = vec![(scalar("manifest".into(), true), scalar(text + "\n", false))];
    if let Some(ns) = &apply.namespace {
        entries.push((scalar("namespace".into(), true), scalar(ns.clone(), false)));
    }
    *target = Node { pos: target.pos, value: Value::Map(entries) };
}

/// Replaces a `kubectl` step's `stdin:` in its YAML with the (mutated) stdin, when the step read
/// stdin already and its words are unchanged (a document read from `-f -`, such as a TokenReview that
/// names a captured token); true if that is all that changed.
fn carry_stdin(node: &mut crate::yaml::Node, k: &crate::step::kubectl::Kubectl, orig: &crate::step::kubectl::Kubectl) -> bool {
    use crate::yaml::{Node, Value};
    let (Some(stdin), Some(_)) = (&k.stdin, &orig.stdin) else { return false };
    if k.args != orig.args {
        return false;
    }
    let Some(target) = node.path_mut(&["kubectl", "stdin"]) else { return false };
    *target = Node { pos: target.pos, value: Value::Scalar { text: stdin.clone(), plain: false, tag: None } };
    true
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

/// The mutants `op` makes of `scenario`: the catalogue (`operators`) names them, `grants` and
/// `identity` make them.
fn drafts(op: Operator, scenario: &Scenario) -> Vec<Draft> {
    let sites = manifests::sites(scenario);
    match op {
        Operator::OverGrant => super::grants::over_grant(scenario),
        Operator::BindingToCluster => super::grants::binding_to_cluster(scenario, &sites),
        Operator::SkipRbac => super::grants::skip_rbac(scenario, &sites),
        Operator::SubjectNamespace => super::grants::subject(scenario, &sites, op),
        Operator::SubjectName => super::grants::subject(scenario, &sites, op),
        Operator::DropVerb => super::grants::drop_verb(scenario, &sites),
        Operator::BindingEarly => super::grants::binding_early(scenario, &sites),
        Operator::DropServiceAccountName => super::identity::drop_serviceaccountname(scenario, &sites),
        Operator::RenameServiceAccount => super::identity::rename_serviceaccount(scenario, &sites),
        Operator::AutomountServiceAccount => super::identity::automount(scenario, &sites, false),
        Operator::AutomountPod => super::identity::automount(scenario, &sites, true),
        Operator::TokenDuration => super::identity::token_duration(scenario),
        Operator::TokenAudience => super::identity::token_audience(scenario, &sites),
        Operator::TokenExpiration => super::identity::token_expiration(scenario, &sites),
    }
}
