//! Runs each scenario as written (the baseline: its mutants mean nothing if it fails), then each
//! mutant, one after another on the same cluster, each with the runner's full cleanup, and decides
//! killed (a step failed) or survived (the scenario still passed).

use super::placement::{place, Placed, Placement};
use super::plan::Plan;
use super::{Change, Mutant, Operator};
use crate::api::{self, DiscoveryCache};
use crate::cluster::Target;
use crate::outcome::{ScenarioOutcome, Status};
use crate::report::{Console, Reporter};
use crate::runner::RunOptions;
use crate::scenario::{Isolation, Scenario};
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
    /// Absent when run as written by request; otherwise isolable (each run in namespaces of its own),
    /// or why its runs went as written, one at a time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isolation: Option<Isolation>,
    pub mutants: Vec<MutantResult>,
    /// From the start of the kill matrix to this scenario's last run (its whole time when it is the
    /// only scenario).
    pub duration_ms: u128,
}

impl ScenarioKills {
    /// Before anything ran: the claims its steps verify, the operators it skips, how it is placed.
    fn new(plan: &Plan, placed: &Placed) -> ScenarioKills {
        let s = &plan.scenario;
        let mut claims: Vec<String> = s.steps.iter().filter_map(|st| st.doc.as_ref()).flat_map(|d| d.claims.iter().cloned()).collect();
        claims.sort();
        claims.dedup();
        ScenarioKills {
            name: s.name.clone(),
            file: s.file.display().to_string(),
            claims,
            baseline_failure: None,
            baseline_ms: 0,
            skipped: plan
                .skipped
                .iter()
                .map(|(operator, reason)| SkippedOperator { operator: *operator, reason: reason.clone() })
                .collect(),
            isolation: placed.isolation.clone(),
            mutants: Vec::new(),
            duration_ms: 0,
        }
    }

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
    /// The whole kill matrix, baselines included.
    pub duration_ms: u128,
}

impl MutateOutcome {
    /// No unaccepted survivor, no error, every baseline green, not interrupted.
    pub fn ok(&self) -> bool {
        !self.interrupted && self.scenarios.iter().all(ScenarioKills::ok)
    }
}

/// Runs every plan's baseline, then the mutants of those whose baseline passed, through the one
/// scheduler of `run` ([`crate::parallel::run`]: leases, `--jobs`, footprints, the sweep of what dead
/// runs left). Placed as written, a scenario's runs share its namespaces and go one at a time; placed
/// in namespaces of their own ([`Placement::Isolate`]), they run side by side, up to `opts.jobs`.
/// `progress` gets one line per run as it finishes.
pub async fn run_plans(
    target: &Target,
    plans: &[Plan],
    placement: &Placement,
    opts: &RunOptions,
    progress: &mut dyn FnMut(&str),
) -> MutateOutcome {
    let started = Instant::now();
    let placed: Vec<Placed> = plans.iter().enumerate().map(|(k, p)| place(p, placement, k as u64)).collect();
    let mut opts = opts.clone();
    opts.unique_namespaces.extend(placed.iter().flat_map(|p| p.unique.iter().cloned()));
    let mut kills: Vec<ScenarioKills> = plans.iter().zip(&placed).map(|(p, pl)| ScenarioKills::new(p, pl)).collect();
    let mut outcome = MutateOutcome {
        cluster: target.name.clone(),
        server: target.server.clone(),
        scenarios: Vec::new(),
        interrupted: false,
        duration_ms: 0,
    };
    let named = plans.len() > 1;
    for (p, k) in plans.iter().zip(&kills) {
        progress(&format!("{}: {} mutant(s); baseline run first{}", p.scenario.name, p.mutants.len(), placed_as(k)));
    }
    // The baselines: a scenario's mutants mean nothing if it fails as it is.
    let baselines: Vec<Scenario> = placed.iter().map(|p| p.baseline.clone()).collect();
    let on_baseline = |o: &ScenarioOutcome, progress: &mut dyn FnMut(&str)| {
        let who = if named { format!("{} ", o.name) } else { String::new() };
        if o.passed() {
            progress(&format!("  {who}baseline passed ({:.1}s)", secs(o.duration_ms)));
        } else {
            let why = failure_line(o).unwrap_or_else(|| "did not pass".into());
            progress(&format!("  {who}baseline FAILED ({:.1}s): {why}; its mutants are not run", secs(o.duration_ms)));
        }
    };
    let (base, _) = scheduled(target, &baselines, &opts, progress, on_baseline).await;
    for (k, o) in kills.iter_mut().zip(&base.scenarios) {
        k.baseline_ms = o.duration_ms;
        if !o.passed() {
            k.baseline_failure = Some(failure_line(o).unwrap_or_else(|| "did not pass".into()));
        }
        k.duration_ms = started.elapsed().as_millis();
    }
    outcome.interrupted = base.interrupted || opts.interrupt.is_set();
    if !outcome.interrupted {
        run_mutants(target, plans, &placed, &mut kills, &opts, started, progress).await;
        outcome.interrupted = opts.interrupt.is_set();
    }
    outcome.scenarios = kills;
    outcome.duration_ms = started.elapsed().as_millis();
    outcome
}

/// How a scenario's runs were placed, for its first progress line.
fn placed_as(k: &ScenarioKills) -> String {
    match &k.isolation {
        None => String::new(),
        Some(Isolation::Isolable) => "; each run in namespaces of its own".into(),
        Some(Isolation::AsWritten(why)) => format!("; runs as written, one run at a time: {why}"),
    }
}

/// The mutants of every scenario whose baseline passed, all given to the scheduler at once; each is
/// judged as it finishes. A mutant whose change would be lost is an error, not run.
async fn run_mutants(
    target: &Target,
    plans: &[Plan],
    placed: &[Placed],
    kills: &mut [ScenarioKills],
    opts: &RunOptions,
    started: Instant,
    progress: &mut dyn FnMut(&str),
) {
    let named = plans.len() > 1;
    let mut runs: Vec<Scenario> = Vec::new();
    // run name -> (plan, mutant): a mutant's run is named after it, so its outcome says whose it is
    let mut whose = std::collections::BTreeMap::new();
    for (k, (p, pl)) in plans.iter().zip(placed).enumerate() {
        if kills[k].baseline_failure.is_some() {
            continue;
        }
        for (i, (m, s)) in p.mutants.iter().zip(&pl.mutants).enumerate() {
            match (s, &m.lost) {
                (Some(s), _) => {
                    let name = format!("{} [{}]", p.scenario.name, m.id);
                    whose.insert(name.clone(), (k, i));
                    runs.push(Scenario { name, ..s.clone() });
                }
                (None, why) => {
                    let why = why.clone().unwrap_or_else(|| "not run".into());
                    progress(&format!("  {}[{}/{}] {} ({}) error {why}", prefix(named, p), i + 1, p.mutants.len(), m.id, m.operator));
                    kills[k].mutants.push(unrun(m, &why));
                }
            }
        }
    }
    let mut done = vec![0usize; plans.len()];
    let until_killed = RunOptions { stop_at_first_failure: true, forget_steps: true, ..opts.clone() };
    let mut results: Vec<(usize, usize, MutantResult)> = Vec::new();
    let on_mutant = |o: &ScenarioOutcome, progress: &mut dyn FnMut(&str)| {
        let Some(&(k, i)) = whose.get(&o.name) else { return };
        let (p, m) = (&plans[k], &plans[k].mutants[i]);
        let r = judge(p, m, o);
        done[k] += 1;
        let by = match (&r.verdict, &r.killed_by) {
            (Verdict::Killed, Some(kb)) => format!("by step {} `{}`", kb.step, kb.name),
            (Verdict::Accepted | Verdict::Error, _) => r.reason.clone().unwrap_or_default(),
            _ => String::new(),
        };
        let verdict = format!("{:?}", r.verdict).to_lowercase();
        let total = p.mutants.len();
        progress(&format!(
            "  {}[{}/{total}] {} ({}) {verdict} {by} {:.1}s",
            prefix(named, p),
            done[k],
            m.id,
            m.operator,
            secs(r.duration_ms)
        ));
        results.push((k, i, r));
    };
    let (_, _) = scheduled(target, &runs, &until_killed, progress, on_mutant).await;
    let discovery = DiscoveryCache::default();
    // judged in the order they finished; reported in the plan's order
    results.sort_by_key(|(k, i, _)| (*k, *i));
    for (k, i, mut r) in results {
        if let Some(s) = &placed[k].mutants[i] {
            r.cleanup_errors.extend(leftovers(target, &discovery, &placed[k].baseline, s).await);
        }
        kills[k].mutants.push(r);
        kills[k].duration_ms = started.elapsed().as_millis();
    }
    for k in kills.iter_mut() {
        let order: Vec<&str> =
            plans.iter().find(|p| p.scenario.name == k.name).map(|p| p.mutants.iter().map(|m| m.id.as_str()).collect()).unwrap_or_default();
        k.mutants.sort_by_key(|m| order.iter().position(|id| *id == m.id));
    }
}

fn prefix(named: bool, p: &Plan) -> String {
    if named {
        format!("{} ", p.scenario.name)
    } else {
        String::new()
    }
}

/// [`crate::parallel::run`] with a reporter that passes cluster and lease events to the console and
/// each finished run to `finished`.
async fn scheduled(
    target: &Target,
    runs: &[Scenario],
    opts: &RunOptions,
    progress: &mut dyn FnMut(&str),
    finished: impl FnMut(&ScenarioOutcome, &mut dyn FnMut(&str)),
) -> (crate::outcome::RunOutcome, Option<crate::cluster::lease::LeaseError>) {
    let mut reporter = Finished { console: Console::new(false), progress, finished };
    crate::parallel::run(target, runs, opts, &mut reporter).await
}

/// The reporter of a kill-matrix run: events to the console, each finished run to a closure.
struct Finished<'p, F> {
    console: Console,
    progress: &'p mut dyn FnMut(&str),
    finished: F,
}

impl<F: FnMut(&ScenarioOutcome, &mut dyn FnMut(&str))> Reporter for Finished<'_, F> {
    fn cluster_event(&mut self, message: &str) {
        self.console.cluster_event(message);
    }
    fn lease_event(&mut self, event: &crate::cluster::lease::LeaseEvent) {
        self.console.lease_event(event);
    }
    fn scenario_finished(&mut self, outcome: &ScenarioOutcome) {
        (self.finished)(outcome, self.progress);
    }
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
async fn leftovers(target: &Target, discovery: &DiscoveryCache, baseline: &Scenario, mutant: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    for r in mutant.cleanup.iter().filter(|r| !baseline.cleanup.contains(r)) {
        match api::get_json(&target.client, discovery, r).await {
            Ok(None) => {}
            Ok(Some(_)) => out.push(format!("{r} added by the mutant still exists after cleanup")),
            Err(e) => out.push(format!("cannot check that {r} is gone: {}", crate::error::chain(&e))),
        }
    }
    out
}
