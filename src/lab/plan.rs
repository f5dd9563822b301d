//! A scenario read as a participant's lab, from the scenario alone (no cluster): which steps are the
//! article's writes (what the participant did by hand), which are looks, and which are the harness's
//! own proof (`verification:`). The writes cut the scenario into **stages**, one per article section
//! that writes (`Creating a Service Account`, `Attaching a Service Account to a Pod`, ...): the
//! checkpoints a participant passes. At a checkpoint, a lab must hold every object the writes so far
//! left behind, and answer every look that is still true there: a look is dropped when a write
//! between it and the checkpoint touches what it reads (the 403 before the RoleBinding is not
//! expected once the RoleBinding is in place).

use crate::footprint::{Footprint, Read, Written};
use crate::scenario::{Scenario, Step};

/// What one step is to a lab.
#[derive(Debug, Clone)]
pub enum Role {
    /// A write the article tells its reader to do: the objects it leaves behind (or deletes).
    Write(Vec<Written>),
    /// A look; what its answer depends on.
    Look(Vec<Read>),
    /// Not part of a participant's lab, and why (the harness's own proof, a value captured by such a
    /// step, another cluster profile).
    Skip(String),
}

/// A stage: the steps from one article write section to the next.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// The article section of the writes that open it (of the first look, before any write).
    pub section: String,
    /// Indices into the scenario's steps: `start..end`.
    pub start: usize,
    pub end: usize,
}

/// A scenario as a lab.
#[derive(Debug, Clone)]
pub struct LabPlan {
    pub roles: Vec<Role>,
    pub stages: Vec<Stage>,
}

/// One thing a checkpoint checks.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// The object a documented write left behind must be there, holding the manifest's fields (or be
    /// gone, for a delete). `step` is the write's index in the scenario's steps.
    Object { step: usize, written: Written },
    /// A look that is still true at the checkpoint.
    Look { step: usize },
}

impl Item {
    pub fn step(&self) -> usize {
        match self {
            Item::Object { step, .. } | Item::Look { step } => *step,
        }
    }
}

impl LabPlan {
    pub fn of(scenario: &Scenario) -> LabPlan {
        let dir = scenario.dir();
        let verification: Vec<bool> = scenario.steps.iter().map(|s| s.verification.is_some()).collect();
        let roles: Vec<Role> = scenario.steps.iter().map(|s| role(s, &dir, &verification)).collect();
        let stages = stages(&scenario.steps, &roles);
        LabPlan { roles, stages }
    }

    /// Every section name a checkpoint can be given by, in the scenario's order (the stages' own
    /// sections, then the sections of looks and writes inside them).
    pub fn sections(&self, scenario: &Scenario) -> Vec<String> {
        let mut names: Vec<String> = self.stages.iter().map(|s| s.section.clone()).collect();
        for (step, role) in scenario.steps.iter().zip(&self.roles) {
            if let (Some(doc), false) = (&step.doc, matches!(role, Role::Skip(_))) {
                if !names.contains(&doc.section) {
                    names.push(doc.section.clone());
                }
            }
        }
        names
    }

    /// The stage a section's checkpoint is at: its own stage for a section that writes, else the
    /// stage holding its first step. None for a section the scenario does not have.
    pub fn stage_of(&self, scenario: &Scenario, section: &str) -> Option<usize> {
        if let Some(k) = self.stages.iter().position(|s| s.section == section) {
            return Some(k);
        }
        let first = scenario
            .steps
            .iter()
            .zip(&self.roles)
            .position(|(s, r)| !matches!(r, Role::Skip(_)) && s.doc.as_ref().is_some_and(|d| d.section == section))?;
        self.stages.iter().position(|s| (s.start..s.end).contains(&first))
    }

    /// What a lab must show once the participant has done every stage up to `last` (inclusive):
    /// the objects the writes left (each once: the last write of an object wins), then the looks
    /// still true there, in scenario order.
    pub fn items(&self, last: usize) -> Vec<Item> {
        let Some(stage) = self.stages.get(last) else { return Vec::new() };
        let end = stage.end;
        let writes: Vec<(usize, &Written)> = self.roles[..end]
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match r {
                Role::Write(ws) => Some(ws.iter().map(move |w| (i, w))),
                _ => None,
            })
            .flatten()
            .collect();
        let mut items = Vec::new();
        for (n, (i, w)) in writes.iter().enumerate() {
            let later = writes[n + 1..].iter().any(|(_, l)| same_object(l, w));
            if !later && w.name != "*" && (w.doc.is_some() || w.deleted) {
                items.push(Item::Object { step: *i, written: (*w).clone() });
            }
        }
        for (i, role) in self.roles[..end].iter().enumerate() {
            let Role::Look(reads) = role else { continue };
            let stale = writes.iter().any(|(k, w)| *k > i && reads.iter().any(|r| w.touches(r)));
            if !stale {
                items.push(Item::Look { step: i });
            }
        }
        items.sort_by_key(Item::step);
        items
    }

    /// The stage a step sits in.
    pub fn stage_at(&self, step: usize) -> usize {
        self.stages.iter().position(|s| (s.start..s.end).contains(&step)).unwrap_or(0)
    }
}

fn same_object(a: &Written, b: &Written) -> bool {
    a.kind == b.kind && a.namespace == b.namespace && a.name == b.name
}

fn role(step: &Step, dir: &std::path::Path, verification: &[bool]) -> Role {
    if let Some(why) = &step.verification {
        return Role::Skip(format!("the harness's own proof: {why}"));
    }
    if let Some(why) = &step.inapplicable {
        return Role::Skip(format!("not applicable: {why}"));
    }
    if let Some(d) = &step.deferred {
        // (conservative: any value captured by a step a lab does not run, whether this step uses it or not)
        if let Some((name, at)) = d.captured.iter().find(|(_, at)| verification.get(at.wrapping_sub(1)).copied().unwrap_or(true)) {
            return Role::Skip(format!("uses `{name}`, captured by step {at}, which a lab does not run"));
        }
    }
    let mut f = Footprint::default();
    step.action.footprint(&mut f, &format!("step {}", step.index), dir);
    // A step that stores no API object (an exec session, an access review created with kubectl) is,
    // to a lab, a look: it leaves nothing a participant must have made.
    let looks = step.action.only_looks() || matches!(step.action, crate::step::Action::Wait(_)) || f.written.is_empty();
    if looks {
        let reads = step.action.reads().unwrap_or_else(|| {
            let mut r: Vec<Read> = f.reads.iter().chain(&f.writes).map(|ns| Read::namespace(ns)).collect();
            if r.is_empty() || f.reads_everywhere.is_some() {
                r.push(Read { kind: None, namespace: None, name: None });
            }
            r
        });
        return Role::Look(reads);
    }
    Role::Write(f.written)
}

/// Cuts the steps at each documented write whose section differs from the stage's.
fn stages(steps: &[Step], roles: &[Role]) -> Vec<Stage> {
    let mut stages: Vec<Stage> = Vec::new();
    for (i, (step, role)) in steps.iter().zip(roles).enumerate() {
        let section = step.doc.as_ref().map(|d| d.section.clone()).unwrap_or_else(|| step.name.clone());
        match (role, stages.last_mut()) {
            (Role::Write(_), Some(last)) if last.section != section => {
                last.end = i;
                stages.push(Stage { section, start: i, end: i + 1 });
            }
            (_, Some(last)) => last.end = i + 1,
            (Role::Write(_), None) => stages.push(Stage { section, start: 0, end: i + 1 }),
            (_, None) => {}
        }
    }
    if stages.is_empty() && !steps.is_empty() {
        let section = steps[0].doc.as_ref().map(|d| d.section.clone()).unwrap_or_else(|| steps[0].name.clone());
        stages.push(Stage { section, start: 0, end: steps.len() });
    }
    stages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::walkthrough;

    fn names(s: &Scenario, items: &[Item]) -> Vec<String> {
        items.iter().map(|i| s.steps[i.step()].name.clone()).collect()
    }

    #[test]
    fn the_walkthroughs_checkpoints_are_the_sections_that_write() {
        let s = walkthrough();
        let plan = LabPlan::of(&s);
        let sections: Vec<&str> = plan.stages.iter().map(|st| st.section.as_str()).collect();
        assert_eq!(
            sections,
            ["Creating a Service Account", "Attaching a Service Account to a Pod", "Granting Read-Only Pod Access with RBAC"]
        );
        assert_eq!(plan.stage_of(&s, "Testing the Permission"), Some(2), "a section that only looks is at the stage of its first step");
        assert_eq!(plan.stage_of(&s, "Default Service Accounts"), Some(0));
        assert_eq!(plan.stage_of(&s, "No Such Section"), None);
    }

    #[test]
    fn the_403_before_the_rolebinding_is_not_expected_once_it_is_bound() {
        let s = walkthrough();
        let plan = LabPlan::of(&s);
        let done = names(&s, &plan.items(2));
        assert!(done.iter().any(|n| n == "kubectl auth can-i list pods as pod-inspector says yes"), "{done:#?}");
        assert!(!done.iter().any(|n| n == "kubectl auth can-i list pods answers no before any grant"), "{done:#?}");
        assert!(!done.iter().any(|n| n == "with the Role alone, the pod still gets 403"), "{done:#?}");
        // what no later write changes stays expected: the files mounted in the pod, the Role's rules
        assert!(done.iter().any(|n| n == "ls shows token, ca.crt and namespace"), "{done:#?}");
        assert!(done.iter().any(|n| n == "the Role allows get, list and watch on pods in dev"), "{done:#?}");
        // the harness's own proof (deleting the pod) is never a participant's
        assert!(!done.iter().any(|n| n.contains("dead pod")), "{done:#?}");
    }

    #[test]
    fn before_the_rolebinding_the_403_is_expected_and_the_pod_list_is_not() {
        let s = walkthrough();
        let plan = LabPlan::of(&s);
        let attached = names(&s, &plan.items(1));
        assert!(attached.iter().any(|n| n == "kubectl auth can-i list pods answers no before any grant"), "{attached:#?}");
        assert!(!attached.iter().any(|n| n.contains("says yes")), "{attached:#?}");
        let objects: Vec<String> = plan
            .items(1)
            .iter()
            .filter_map(|i| match i {
                Item::Object { written, .. } => Some(format!("{}/{}", written.kind, written.name)),
                _ => None,
            })
            .collect();
        assert_eq!(objects, ["Namespace/dev", "ServiceAccount/pod-inspector", "Pod/alpine-curl"]);
    }
}
