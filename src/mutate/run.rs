//! Runs each scenario as written (the baseline: its mutants mean nothing if it fails), then each
//! mutant, one after another on the same cluster, each with the runner's full cleanup, and decides
//! killed (a step failed) or survived (the scenario still passed).

use super::plan::Plan;
use super::{Change, Mutant, Operator};
use crate::api::{self, DiscoveryCache};
use crate::cluster::Target;
use crate::outcome::{ScenarioOutcome, Status};
use crate::runner::{run_scenario, RunOptions};
use serde::Serialize;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// A step of the scenario failed: the scenario noticed.
    Killed,
    /// The scenario passed: a blind spot.
    Survived,
    /// Survived, and the scenario says why that is fine.
    Accepted,
    /// The mutant could not be run (its own setup failed, the namespace was taken, interrupted).
    Error,
}

/// The step that noticed a mutant.
#[derive(Debug, Clone, Serialize)]
pub struct KilledBy {
    pub step: usize,
    pub name: String,
    pub location: String,
    pub claims: Vec<String>,
    /// The first mismatch or error, one line.
    pub why: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MutantResult {
    pub id: String,
    pub operator: Operator,
    pub family: &'static str,
    pub change: Change,
    pub verdict: Verdict,
    pub killed_by: Option<KilledBy>,
    /// Why a survivor is accepted, or what went wrong for an error.
    pub reason: Option<String>,
    pub cleanup_errors: Vec<String>,
    pub duration_ms: u128,
}

#[derive(Debug, Clone, Serialize)]
pub struct SkippedOperator {
    pub operator: Operator,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioKills {
    pub name: String,
    pub file: String,
    /// Every claim the scenario's steps verify, so a claim that killed nothing shows up.
    pub claims: Vec<String>,
    /// Why the unmutated scenario failed, if it did (then no mutant is run).
    pub baseline_failure: Option<String>,
    pub baseline_ms: u128,
    pub skipped: Vec<SkippedOperator>,
    pub mutants: Vec<MutantResult>,
    pub duration_ms: u128,
}

impl ScenarioKills {
    pub fn count(&self, v: Verdict) -> usize {
        self.mutants.iter().filter(|m| m.verdict == v).count()
    }
    pub fn ok(&self) -> bool {
        self.baseline_failure.is_none()
            && self.count(Verdict::Survived) == 0
            && self.count(Verdict::Error) == 0
            && self.mutants.iter().all(|m| m.cleanup_errors.is_empty())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MutateOutcome {
    pub cluster: String,
    pub server: String,
    pub scenarios: Vec<ScenarioKills>,
    pub interrupted: bool,
}

impl MutateOutcome {
    /// No unaccepted survivor, no error, every baseline green, not interrupted.
    pub fn ok(&self) -> bool {
        !self.interrupted && self.scenarios.iter().all(ScenarioKills::ok)
    }
}

/// Runs every plan's baseline and mutants; `progress` gets one line per run as it finishes.
pub async fn run_plans(target: &Target, plans: &[Plan], opts: &RunOptions, progress: &mut dyn FnMut(&str)) -> MutateOutcome {
    let discovery = DiscoveryCache::default();
    let mut outcome =
        MutateOutcome { cluster: target.name.clone(), server: target.server.clone(), scenarios: Vec::new(), interrupted: false };
    for plan in plans {
        if opts.interrupt.is_set() {
            outcome.interrupted = true;
            break;
        }
        let kills = run_plan(target, &discovery, plan, opts, progress).await;
        outcome.interrupted |= opts.interrupt.is_set();
        outcome.scenarios.push(kills);
    }
    outcome
}

async fn run_plan(
    target: &Target,
    discovery: &DiscoveryCache,
    plan: &Plan,
    opts: &RunOptions,
    progress: &mut dyn FnMut(&str),
) -> ScenarioKills {
    let started = Instant::now();
    let s = &plan.scenario;
    let mut claims: Vec<String> = s.steps.iter().filter_map(|st| st.doc.as_ref()).flat_map(|d| d.claims.iter().cloned()).collect();
    claims.sort();
    claims.dedup();
    let mut kills = ScenarioKills {
        name: s.name.clone(),
        file: s.file.display().to_string(),
        claims,
        baseline_failure: None,
        baseline_ms: 0,
        skipped: plan.skipped.iter().map(|(operator, reason)| SkippedOperator { operator: *operator, reason: reason.clone() }).collect(),
        mutants: Vec::new(),
        duration_ms: 0,
    };
    progress(&format!("{}: {} mutant(s); baseline run first", s.name, plan.mutants.len()));
    let base = run_scenario(target, discovery, s, opts, &mut |_| {}).await;
    kills.baseline_ms = base.duration_ms;
    if !base.passed() {
        let why = failure_line(&base).unwrap_or_else(|| "did not pass".into());
        progress(&format!("  baseline FAILED ({:.1}s): {why}; its mutants are not run", secs(base.duration_ms)));
        kills.baseline_failure = Some(why);
        kills.duration_ms = started.elapsed().as_millis();
        return kills;
    }
    progress(&format!("  baseline passed ({:.1}s)", secs(base.duration_ms)));
    let total = plan.mutants.len();
    // A mutant is judged by its first failed step, so the steps after it are not run.
    let until_killed = RunOptions { stop_at_first_failure: true, ..opts.clone() };
    for (n, m) in plan.mutants.iter().enumerate() {
        if opts.interrupt.is_set() {
            break;
        }
        if let Some(why) = &m.lost {
            let r = unrun(m, why);
            progress(&format!("  [{}/{total}] {} ({}) error {why}", n + 1, m.id, m.operator));
            kills.mutants.push(r);
            continue;
        }
        let o = run_scenario(target, discovery, &m.scenario, &until_killed, &mut |_| {}).await;
        let mut r = judge(plan, m, &o);
        r.cleanup_errors.extend(leftovers(target, discovery, plan, m).await);
        let by = match (&r.verdict, &r.killed_by) {
            (Verdict::Killed, Some(k)) => format!("by step {} `{}`", k.step, k.name),
            (Verdict::Accepted | Verdict::Error, _) => r.reason.clone().unwrap_or_default(),
            _ => String::new(),
        };
        let verdict = format!("{:?}", r.verdict).to_lowercase();
        progress(&format!("  [{}/{total}] {} ({}) {verdict} {by} {:.1}s", n + 1, m.id, m.operator, secs(r.duration_ms)));
        kills.mutants.push(r);
    }
    kills.duration_ms = started.elapsed().as_millis();
    kills
}

fn secs(ms: u128) -> f64 {
    ms as f64 / 1000.0
}

fn failure_line(o: &ScenarioOutcome) -> Option<String> {
    if let Some(e) = &o.setup_error {
        return Some(e.clone());
    }
    let f = o.first_failure()?;
    let why = f.mismatches.first().map(|m| m.to_string()).or_else(|| f.error.clone()).unwrap_or_default();
    Some(format!("step {} `{}`: {}", f.index, f.name, crate::report::redact(&why)))
}

/// A mutant that was not run: an error with its reason (also where [`judge`] starts from).
fn unrun(m: &Mutant, why: &str) -> MutantResult {
    MutantResult {
        id: m.id.clone(),
        operator: m.operator,
        family: m.operator.family(),
        change: m.change.clone(),
        verdict: Verdict::Error,
        killed_by: None,
        reason: Some(why.to_string()),
        cleanup_errors: Vec::new(),
        duration_ms: 0,
    }
}

/// Killed, survived, accepted or error, from the mutant's run.
fn judge(plan: &Plan, m: &Mutant, o: &ScenarioOutcome) -> MutantResult {
    let mut r = MutantResult { reason: None, cleanup_errors: o.cleanup_errors.clone(), duration_ms: o.duration_ms, ..unrun(m, "") };
    if o.interrupted {
        r.reason = Some("interrupted".into());
    } else if let Some(e) = &o.setup_error {
        r.reason = Some(e.clone());
    } else if let Some(f) = o.steps.iter().find(|s| s.status == Status::Failed) {
        if m.injected.contains(&f.index) {
            r.reason = Some(format!("the mutant's own step failed: {}", failure_line(o).unwrap_or_default()));
        } else {
            r.verdict = Verdict::Killed;
            let why = f.mismatches.first().map(|x| x.to_string()).or_else(|| f.error.clone()).unwrap_or_default();
            r.killed_by = Some(KilledBy {
                step: f.index,
                name: f.name.clone(),
                location: f.location.clone(),
                claims: f.doc.as_ref().map(|d| d.claims.clone()).unwrap_or_default(),
                why: crate::report::redact(&why).into_owned(),
            });
        }
    } else if let Some(a) = plan.accepted(m) {
        r.verdict = Verdict::Accepted;
        r.reason = Some(a.reason.clone());
    } else {
        r.verdict = Verdict::Survived;
    }
    r
}

/// Cluster-scoped objects the mutant added that are still there after its cleanup.
async fn leftovers(target: &Target, discovery: &DiscoveryCache, plan: &Plan, m: &Mutant) -> Vec<String> {
    let mut out = Vec::new();
    for r in m.scenario.cleanup.iter().filter(|r| !plan.scenario.cleanup.contains(r)) {
        match api::get_json(&target.client, discovery, r).await {
            Ok(None) => {}
            Ok(Some(_)) => out.push(format!("{r} added by the mutant still exists after cleanup")),
            Err(e) => out.push(format!("cannot check that {r} is gone: {}", crate::error::chain(&e))),
        }
    }
    out
}
