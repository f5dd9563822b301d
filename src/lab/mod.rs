//! `check`: a participant's lab, checked against the article without changing it. A scenario is read
//! as a lab ([`plan`]): its documented writes are what the participant did by hand, so their objects
//! must be there as the article wrote them ([`object`]); its looks still true at the checkpoint are
//! asked on the participant's cluster, in the participant's namespaces (the loader's namespace map).
//! Nothing is applied, labelled or deleted: the only requests that are not reads are access reviews,
//! token requests and exec sessions, as the looks make them. The result, per article section, says
//! what is wrong and where to go back to ([`outcome`]).

pub mod board;
pub mod mistakes;
pub mod object;
pub mod outcome;
pub mod plan;

pub use outcome::{Failure, LabOutcome, StageOutcome};
pub use plan::{Item, LabPlan, Role};

use crate::api::DiscoveryCache;
use crate::cluster::Target;
use crate::footprint::Written;
use crate::outcome::StepOutcome;
use crate::scenario::{Action, Scenario};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The shipped walkthrough, loaded as `check` loads it (for the unit tests of this folder).
#[cfg(test)]
pub(crate) fn walkthrough() -> Scenario {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut c = crate::scenario::Catalog::load(&dir, &Default::default()).expect("the shipped scenarios load");
    c.select(&["article-walkthrough".into()]).expect("it exists");
    c.scenarios.remove(0)
}

/// How long a look may take to hold on a lab: a lab is not converging, so this is short.
pub const LOOK_CAP: Duration = Duration::from_secs(5);

/// How many looks of one lab are asked at once (the board checks `AT_ONCE` labs at a time).
const LOOKS_AT_ONCE: usize = 4;

/// Asks the looks `steps` of a lab, each capped at `cap`, and returns their outcomes in step order. A
/// look only reads, so on a lab that is not converging their order does not matter, with two
/// exceptions kept: the `wait`s are asked first, one after another (a pod still starting gets its
/// time before the looks that exec into it), and when a look captures a value a later one may use,
/// all of them run one after another, in order. The rest are asked up to [`LOOKS_AT_ONCE`] at a
/// time, so a lab's check takes about as long as its slowest look, not the sum of them.
async fn looks_at_once(
    target: &Target,
    discovery: &DiscoveryCache,
    scenario: &Scenario,
    steps: &[usize],
    kubectl: &str,
    cap: Duration,
) -> Vec<StepOutcome> {
    use futures::StreamExt;
    let step = |i: &usize| scenario.steps.get(*i);
    if steps.iter().filter_map(step).any(|s| !s.capture.is_empty()) {
        return crate::runner::run_steps(target, discovery, scenario, steps, kubectl, Some(cap)).await;
    }
    let (waits, others): (Vec<usize>, Vec<usize>) =
        steps.iter().partition(|i| step(i).is_some_and(|s| matches!(s.action, Action::Wait(_))));
    let mut outcomes = crate::runner::run_steps(target, discovery, scenario, &waits, kubectl, Some(cap)).await;
    let asked: Vec<Vec<StepOutcome>> =
        futures::stream::iter(others.chunks(1).map(|one| crate::runner::run_steps(target, discovery, scenario, one, kubectl, Some(cap))))
            .buffered(LOOKS_AT_ONCE)
            .collect()
            .await;
    outcomes.extend(asked.into_iter().flatten());
    outcomes.sort_by_key(|o| o.index);
    outcomes
}

/// A lab that cannot be checked as asked.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error("scenario `{scenario}` has no section \"{section}\"; its sections: {}", known.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", "))]
    UnknownSection { scenario: String, section: String, known: Vec<String> },
}

/// What `check` is asked to check of one scenario.
pub struct Lab<'a> {
    /// The scenario with the participant's namespaces mapped in.
    pub mapped: &'a Scenario,
    /// The same scenario as the article writes it (for the commands a hint quotes).
    pub article: &'a Scenario,
    pub namespaces: BTreeMap<String, String>,
    /// Check the stages up to the checkpoint of this section (all when None).
    pub until: Option<&'a str>,
    /// Only this section's checkpoint (what it depends on is checked, reported under its own stage).
    pub section: Option<&'a str>,
}

/// The stage index a section names, or the error listing the sections.
pub fn stage_of(plan: &LabPlan, scenario: &Scenario, section: &str) -> Result<usize, LabError> {
    plan.stage_of(scenario, section).ok_or_else(|| LabError::UnknownSection {
        scenario: scenario.name.clone(),
        section: section.to_string(),
        known: plan.sections(scenario),
    })
}

/// The steps a participant runs by hand to reach the end of `stage`: its documented writes, and the
/// waits among them (a pod Ready before the next section). For the e2e trials that play a
/// participant, and the mistake matrix.
pub fn participant_steps(plan: &LabPlan, scenario: &Scenario, stage: usize) -> Vec<usize> {
    let Some(st) = plan.stages.get(stage) else { return Vec::new() };
    (st.start..st.end)
        .filter(|&i| match &plan.roles[i] {
            Role::Write(_) => true,
            Role::Look(_) => matches!(scenario.steps[i].action, Action::Wait(_)),
            Role::Skip(_) => false,
        })
        .collect()
}

/// Checks one lab on `target`.
pub async fn check(target: &Target, discovery: &DiscoveryCache, lab: &Lab<'_>, kubectl: &str) -> Result<LabOutcome, LabError> {
    let started = Instant::now();
    let plan = LabPlan::of(lab.mapped);
    let last = match lab.until.or(lab.section) {
        Some(s) => stage_of(&plan, lab.mapped, s)?,
        None => plan.stages.len().saturating_sub(1),
    };
    let first = match lab.section {
        Some(s) => stage_of(&plan, lab.mapped, s)?,
        None => 0,
    };
    let items = plan.items(last);
    let mut failures: Vec<(usize, Failure)> = Vec::new();
    let mut checks = vec![0usize; plan.stages.len()];
    // The objects first: a missing namespace says where to start, and every look would fail after it.
    let mut broken: Vec<(usize, &Written, String)> = Vec::new();
    for item in &items {
        let Item::Object { step, written } = item else { continue };
        checks[plan.stage_at(*step)] += 1;
        let problem = match object::check(target, discovery, written).await {
            Ok(p) => p,
            Err(e) => Some(format!("cannot read {}: {}", object::describe(written), crate::error::chain(&e))),
        };
        if let Some(problem) = problem {
            failures.push((plan.stage_at(*step), object_failure(&plan, lab, *step, written, &problem)));
            broken.push((*step, written, problem));
        }
    }
    let namespace_missing = broken.iter().any(|(_, w, p)| w.kind == "Namespace" && p.contains("is missing"));
    if namespace_missing {
        // Everything else is missing too: the one line that says where to start is the whole answer.
        failures.retain(|(_, f)| f.problem.starts_with("namespace "));
    } else {
        // A look that depends on a broken object is asked once: the object is the proof of the red,
        // the look only shows what it breaks. The others may take up to LOOK_CAP to hold.
        let depends_on_broken = |i: usize| match &plan.roles[i] {
            Role::Look(reads) => broken.iter().any(|(k, w, _)| *k < i && reads.iter().any(|r| w.touches(r))),
            _ => false,
        };
        let looks: Vec<usize> = items.iter().filter(|i| matches!(i, Item::Look { .. })).map(Item::step).collect();
        let (doomed, open): (Vec<usize>, Vec<usize>) = looks.into_iter().partition(|&i| depends_on_broken(i));
        let mut outcomes = looks_at_once(target, discovery, lab.mapped, &doomed, kubectl, Duration::ZERO).await;
        outcomes.extend(looks_at_once(target, discovery, lab.mapped, &open, kubectl, LOOK_CAP).await);
        outcomes.sort_by_key(|o| o.index);
        for o in &outcomes {
            let step = o.index - 1;
            checks[plan.stage_at(step)] += 1;
            if !o.ok() {
                failures.push((plan.stage_at(step), look_failure(&plan, lab, step, o, &broken)));
            }
        }
    }
    let stages = plan.stages[first..=last.max(first).min(plan.stages.len().saturating_sub(1))]
        .iter()
        .enumerate()
        .map(|(k, stage)| {
            let k = k + first;
            StageOutcome {
                section: stage.section.clone(),
                checks: checks[k],
                failures: failures.iter().filter(|(s, _)| *s == k).map(|(_, f)| f.clone()).collect(),
                not_checked: (namespace_missing && !failures.iter().any(|(s, _)| *s == k))
                    .then(|| "not checked: the namespace is missing".to_string()),
            }
        })
        .collect();
    let not_checked = lab
        .mapped
        .steps
        .iter()
        .zip(&plan.roles)
        .filter_map(|(s, r)| match r {
            Role::Skip(why) => Some(format!("step {} `{}`: {why}", s.index, s.name)),
            _ => None,
        })
        .collect();
    Ok(LabOutcome {
        scenario: lab.mapped.name.clone(),
        namespaces: lab.namespaces.clone(),
        stages,
        not_checked,
        duration_ms: started.elapsed().as_millis(),
    })
}

fn object_failure(plan: &LabPlan, lab: &Lab<'_>, step: usize, w: &Written, problem: &str) -> Failure {
    let s = &lab.mapped.steps[step];
    let mut problem = problem.to_string();
    if w.kind == "Namespace" && problem.contains("is missing") {
        problem = format!("namespace {} not found: start at \"{}\"", w.name, plan.stages[plan.stage_at(step)].section);
    }
    Failure {
        problem,
        check: format!("what `{}` leaves behind", s.name),
        at: format!("{}:{}", lab.mapped.file.display(), s.line),
        revisit: plan.stages[plan.stage_at(step)].section.clone(),
        command: command(lab, step),
    }
}

/// A failed look: traced to the first broken write it depends on, else said as the look saw it.
fn look_failure(plan: &LabPlan, lab: &Lab<'_>, step: usize, o: &StepOutcome, broken: &[(usize, &Written, String)]) -> Failure {
    let reads = match &plan.roles[step] {
        Role::Look(r) => r.clone(),
        _ => Vec::new(),
    };
    // Each part shortened on its own, so a long expectation never hides what the cluster answered.
    let short = |t: &str, n: usize| object::shorten(&crate::report::redact::redact(t), n);
    let saw = match (o.mismatches.first(), &o.error) {
        (Some(m), _) => format!("{}: expected {}, got {}", short(&m.what, 120), short(&m.expected, 80), short(&m.actual, SAW_CHARS)),
        (None, Some(e)) => short(e, SAW_CHARS),
        (None, None) => "did not hold".into(),
    };
    let cause = broken.iter().find(|(k, w, _)| *k < step && reads.iter().any(|r| w.touches(r)));
    let (problem, revisit, cmd) = match cause {
        Some((k, _, problem)) => (problem.clone(), plan.stages[plan.stage_at(*k)].section.clone(), command(lab, *k)),
        None => (saw.clone(), plan.stages[plan.stage_at(step)].section.clone(), None),
    };
    Failure {
        problem,
        check: if cause.is_some() { format!("{} ({saw})", o.name) } else { o.name.clone() },
        at: o.location.clone(),
        revisit,
        command: cmd,
    }
}

/// How much of what a failed look got a learner's line shows (`--format json` has the same).
const SAW_CHARS: usize = 240;

/// The command the article gives for a write step: with the participant's namespaces where the
/// command names them (`kubectl create namespace alice-dev`), as the article writes it where the
/// namespace is in a file (`kubectl apply -f pod.yaml`, the participant's copy of the file).
fn command(lab: &Lab<'_>, step: usize) -> Option<String> {
    if let Some(Action::Kubectl(k)) = lab.mapped.steps.get(step).map(|s| &s.action) {
        if k.stdin.is_none() {
            return Some(k.display.clone());
        }
    }
    let s = lab.article.steps.get(step)?;
    let dir = lab.article.dir();
    match &s.action {
        Action::Kubectl(k) => Some(k.display.clone()),
        Action::Apply(a) => {
            let files: Vec<String> = a
                .manifests
                .iter()
                .filter_map(|m| m.file())
                .map(|f| f.strip_prefix(&dir).map(|p| p.display().to_string()).unwrap_or_else(|_| f.display().to_string()))
                .collect();
            (!files.is_empty()).then(|| format!("kubectl apply -f {}", files.join(" -f ")))
        }
        _ => None,
    }
}
