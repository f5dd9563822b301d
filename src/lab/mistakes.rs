//! The mistake matrix: every mutant `mutate` derives from a scenario is also a participant's mistake
//! (a forgotten RoleBinding, a subject in the wrong namespace, a pod left on `default`, an extra
//! grant). Each is played as a lab (the mutant's documented writes, in a namespace of its own), then
//! checked against the unchanged scenario: `check` must fail and name an object the mistake changed.
//! A mistake that leaves the lab exactly as the article's (only the order of the writes differs, or
//! the mutant changes what the harness asks, not what a participant writes) cannot be seen in the
//! lab, and says so as its reason; any other mistake that passes is a blind spot of `check`.

use super::plan::{LabPlan, Role};
use super::{participant_steps, Lab, LabOutcome};
use crate::api::DiscoveryCache;
use crate::cluster::Target;
use crate::footprint::Written;
use crate::mutate::Mutant;
use crate::scenario::Scenario;
use serde::Serialize;
use std::collections::BTreeMap;

/// What `check` made of one mistake.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Named {
    /// `check` failed and named a changed object: the section and the line a participant reads.
    Named { section: String, problem: String, hint: String },
    /// `check` failed, but named none of the changed objects.
    Unnamed { section: String, problem: String, changed: Vec<String> },
    /// The lab cannot show the mistake, and why.
    Invisible { reason: String },
    /// `check` passed a lab that differs from the article's: a blind spot.
    Missed { changed: Vec<String> },
    /// The mistake could not be played (a write failed), with what happened.
    NotPlayed { error: String },
}

/// One row of the matrix.
#[derive(Debug, Clone, Serialize)]
pub struct Mistake {
    pub id: String,
    pub description: String,
    #[serde(flatten)]
    pub named: Named,
}

/// The objects a lab's writes leave behind, by `Kind/namespace/name` (the last write wins).
pub fn final_objects(scenario: &Scenario) -> BTreeMap<String, Option<serde_json::Value>> {
    let plan = LabPlan::of(scenario);
    let mut out = BTreeMap::new();
    for role in &plan.roles {
        if let Role::Write(ws) = role {
            for w in ws {
                let key = key(w);
                if w.deleted {
                    out.remove(&key);
                } else {
                    out.insert(key, w.doc.clone());
                }
            }
        }
    }
    out
}

fn key(w: &Written) -> String {
    format!("{}/{}/{}", w.kind, w.namespace.as_deref().unwrap_or("-"), w.name)
}

/// The objects whose final state differs between the article's lab and the mistake's.
pub fn changed(article: &Scenario, mistake: &Scenario) -> Vec<String> {
    let (a, m) = (final_objects(article), final_objects(mistake));
    let mut keys: Vec<String> = a.keys().chain(m.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    keys.into_iter().filter(|k| a.get(k) != m.get(k)).collect()
}

/// Plays `mutant` (already mapped into a namespace of its own) as a lab and checks it against
/// `article` (the same scenario, same namespace, unchanged).
pub async fn try_one(
    target: &Target,
    discovery: &DiscoveryCache,
    mutant: &Mutant,
    article: &Scenario,
    verbatim: &Scenario,
    kubectl: &str,
) -> Mistake {
    let row = |named| Mistake { id: mutant.id.clone(), description: mutant.change.description.clone(), named };
    let changed = changed(article, &mutant.scenario);
    if changed.is_empty() {
        return row(Named::Invisible {
            reason: "the lab it leaves is the article's: it changes the order of the writes or what the harness asks, not what a participant writes".into(),
        });
    }
    let plan = LabPlan::of(&mutant.scenario);
    // Once a step of the play did not go as the article says (a write refused: the mistake showing,
    // as the participant saw it), the play's later waits are asked once. What the mistake left may
    // never come (a pod refused for a missing ServiceAccount waited its whole 120 s before); the
    // check that follows judges the lab, with waits of its own.
    let mut diverged = false;
    for stage in 0..plan.stages.len() {
        let steps = participant_steps(&plan, &mutant.scenario, stage);
        let cap_of = |step: &crate::scenario::Step, before: &[crate::outcome::StepOutcome]| {
            let waits = matches!(step.action, crate::step::Action::Wait(_));
            (waits && (diverged || before.iter().any(|o| !o.ok()))).then_some(std::time::Duration::ZERO)
        };
        let outcomes = crate::runner::run_steps_capped(target, discovery, &mutant.scenario, &steps, kubectl, cap_of).await;
        diverged |= outcomes.iter().any(|o| !o.ok());
        // A command whose output differs, or a pod that does not start, is the mistake showing (the
        // participant saw it too); only a harness or cluster error means it was not played.
        if let Some((o, e)) = outcomes.iter().find_map(|o| o.error.as_ref().filter(|_| o.kind != "wait").map(|e| (o, e))) {
            return row(Named::NotPlayed { error: format!("step `{}`: {}", o.name, crate::report::redact::redact(e)) });
        }
    }
    let lab = Lab { mapped: article, article: verbatim, namespaces: BTreeMap::new(), until: None, section: None };
    let outcome: LabOutcome = match super::check(target, discovery, &lab, kubectl).await {
        Ok(o) => o,
        Err(e) => return row(Named::NotPlayed { error: e.to_string() }),
    };
    let names: Vec<String> = changed.iter().filter_map(|k| k.rsplit('/').next().map(str::to_string)).collect();
    let failures: Vec<(&str, &super::Failure)> =
        outcome.stages.iter().flat_map(|s| s.failures.iter().map(move |f| (s.section.as_str(), f))).collect();
    let naming = failures.iter().find(|(_, f)| names.iter().any(|n| f.problem.contains(n.as_str()) || f.check.contains(n.as_str())));
    match (naming, failures.first()) {
        (Some((section, f)), _) => row(Named::Named { section: section.to_string(), problem: f.problem.clone(), hint: f.hint() }),
        (None, Some((section, f))) => row(Named::Unnamed { section: section.to_string(), problem: f.problem.clone(), changed }),
        (None, None) => row(Named::Missed { changed }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::walkthrough;

    #[test]
    fn each_mutant_of_the_walkthrough_changes_the_lab_or_says_why_it_cannot() {
        let s = walkthrough();
        let plan = crate::mutate::plan(&s, &[]).expect("mutants");
        let mut visible = 0;
        for m in &plan.mutants {
            let c = changed(&s, &m.scenario);
            if !c.is_empty() {
                visible += 1;
            }
            if m.id.starts_with("skip-rbac:RoleBinding") {
                assert_eq!(c, ["RoleBinding/dev/pod-reader"], "{}", m.id);
            }
        }
        assert!(visible >= plan.mutants.len() / 2, "{visible} of {} mutants change the lab", plan.mutants.len());
    }
}
#[cfg(test)]
mod mapped_tests {
    /// The mistake matrix plays each mutant in a namespace of its own: a mapped scenario (its
    /// documented `kubectl apply -f FILE` read from stdin) must have the article's mutants.
    #[test]
    fn a_mapped_scenario_has_the_articles_mutants_in_its_namespace() {
        use crate::scenario::*;
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/article/walkthrough.scenario.yaml");
        let article = load_file(&file, &LoadOptions::default()).unwrap();
        let map = NamespaceMap::parse(["dev=lab-mistake-3"]).unwrap();
        let mapped = load_file_mapped(&file, &LoadOptions::default(), &MapPlan::Pairs(map)).unwrap().scenario;
        let ids = |s: &Scenario| {
            crate::mutate::plan(s, &[]).unwrap().mutants.iter().map(|m| m.id.replace("lab-mistake-3", "dev")).collect::<Vec<_>>()
        };
        assert_eq!(ids(&mapped), ids(&article));
    }
}
