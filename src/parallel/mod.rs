//! The one scheduler of a run: claim a scenario's namespaces, run it, settle (wait for its namespaces
//! to be gone, give up its leases), report. With `--jobs N`, scenarios whose footprints do not
//! conflict (see [`footprint`]) run at the same time on one cluster; the others keep their order. A
//! scenario occupies its footprint from its start until its namespaces are gone; a job slot only
//! while its steps run. With one job (the default) the run is serial: scenarios start in the order
//! given and the reporter sees each step as it finishes; with more, reporters see each scenario whole
//! (started, its steps, finished) when it finishes, so per-scenario output stays coherent. Lease
//! messages are passed on as they happen. The e2e trials use the same rule through [`Gate`].

pub mod footprint;

use crate::api::DiscoveryCache;
use crate::cluster::lease::{self, LeaseError};
use crate::cluster::Target;
use crate::outcome::{RunOutcome, ScenarioOutcome, StepOutcome};
use crate::report::Reporter;
use crate::runner::{run_scenario_detached, Deleting, RunOptions};
use crate::scenario::Scenario;
pub use footprint::Footprint;
use futures::stream::{FuturesUnordered, StreamExt};
use std::cell::RefCell;
use std::sync::{Condvar, Mutex};

/// The position in `waiting` of the first scenario that may start now: it conflicts with no scenario
/// that is running (or still deleting its namespaces), and shares no namespace or object with one
/// still waiting that was given before it (a lower index), so scenarios that use the same namespace
/// (the article's `dev`) keep the order they were given in, whatever order `waiting` is in. A
/// scenario kept apart only by a look across all namespaces, or by running alone, may be overtaken:
/// order does not matter to it, only not running beside a writer.
pub fn next_ready(prints: &[Footprint], waiting: &[usize], busy: &[usize]) -> Option<usize> {
    waiting.iter().position(|&i| {
        busy.iter().all(|&j| prints[i].conflict(&prints[j]).is_none())
            && waiting.iter().filter(|&&j| j < i).all(|&j| !prints[i].shares(&prints[j]))
    })
}

/// The order several jobs try scenarios in: the longest first (by [`Scenario::expected_duration`]),
/// so the one that takes longest is not left to start last; ties keep the order given.
pub fn longest_first(scenarios: &[Scenario]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scenarios.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(scenarios[i].expected_duration()));
    order
}

/// [`next_ready`], except that a serial run (one job) starts only the next scenario in order, once
/// it conflicts with nothing still running or deleting its namespaces.
pub fn next_to_start(prints: &[Footprint], waiting: &[usize], busy: &[usize], serial: bool) -> Option<usize> {
    let candidates = if serial { &waiting[..waiting.len().min(1)] } else { waiting };
    next_ready(prints, candidates, busy)
}

/// What one scenario's run hands back to the scheduler.
type Started = (usize, Result<(ScenarioOutcome, Deleting, lease::Claim, Vec<StepOutcome>), LeaseError>);

/// Claims the scenario's namespaces and runs it. `live` (one job): the reporter hears of the
/// scenario and each step at once; otherwise its step outcomes are kept for the reporter.
async fn start(
    i: usize,
    target: &Target,
    discovery: &DiscoveryCache,
    s: &Scenario,
    opts: &RunOptions,
    reporter: &RefCell<&mut dyn Reporter>,
    live: bool,
) -> Started {
    if live {
        reporter.borrow_mut().scenario_started(s);
    }
    let claim = lease::claim(target, &s.namespaces, &opts.unique_namespaces, &opts.lease, opts.interrupt.wait(), &mut |e| {
        reporter.borrow_mut().lease_event(&e)
    })
    .await;
    let claim = match claim {
        Ok(c) => c,
        Err(e) => return (i, Err(e)),
    };
    let mut steps = Vec::new();
    let mut step_finished = |step: &StepOutcome| {
        if live {
            reporter.borrow_mut().step_finished(step);
        } else {
            steps.push(step.clone());
        }
    };
    let (o, deleting) = run_scenario_detached(target, discovery, s, opts, &mut step_finished).await;
    (i, Ok((o, deleting, claim, steps)))
}

/// Waits for a scenario's namespaces to be gone, then gives up its leases. Namespaces no later run
/// reuses (`wait` false) are left to the namespace controller: their deletion was issued.
async fn settle(i: usize, deleting: Deleting, claim: lease::Claim, wait: bool) -> (usize, Vec<String>) {
    let errors = if wait {
        deleting.finish().await
    } else {
        deleting.detach();
        Vec::new()
    };
    claim.release().await;
    (i, errors)
}

/// Runs `scenarios` with up to `opts.jobs` at once (one: in the order given); the outcome lists them
/// in the order given. Stops starting new ones after an interrupt, or when another run holds a
/// namespace and `--no-wait` was asked (then returns that error too). A deletion that did not finish
/// is a cleanup error of the scenario it belongs to; the run ends when every deletion has ended.
pub async fn run(
    target: &Target,
    scenarios: &[Scenario],
    opts: &RunOptions,
    reporter: &mut dyn Reporter,
) -> (RunOutcome, Option<LeaseError>) {
    reporter.run_started(&crate::report::TargetInfo::of(target), scenarios.len());
    let server_version = server_version(target).await;
    // what runs that died left in namespaces no run reuses: nobody else would ever remove it
    for line in crate::runner::leftovers::sweep(target, opts.cleanup_timeout).await {
        reporter.cluster_event(&line);
    }
    let prints: Vec<Footprint> = scenarios.iter().map(Footprint::of).collect();
    let discovery = DiscoveryCache::default();
    let reporter = RefCell::new(reporter);
    let mut results: Vec<Option<ScenarioOutcome>> = vec![None; scenarios.len()];
    let live = opts.jobs <= 1;
    // One job: the order given, one after another. More: the longest first, as footprints allow.
    let mut waiting: Vec<usize> = if live { (0..scenarios.len()).collect() } else { longest_first(scenarios) };
    let (mut busy, mut held, mut interrupted) = (Vec::new(), None, false);
    let mut running = FuturesUnordered::new();
    let mut settling = FuturesUnordered::new();
    loop {
        interrupted |= opts.interrupt.is_set();
        while !interrupted && held.is_none() && running.len() < opts.jobs.max(1) {
            let Some(pos) = next_to_start(&prints, &waiting, &busy, live) else { break };
            let i = waiting.remove(pos);
            busy.push(i);
            running.push(start(i, target, &discovery, &scenarios[i], opts, &reporter, live));
        }
        if running.is_empty() && settling.is_empty() {
            break;
        }
        tokio::select! {
            Some((i, started)) = running.next(), if !running.is_empty() => {
                let mut r = reporter.borrow_mut();
                let mut o = match started {
                    Ok((o, deleting, claim, steps)) => {
                        if !live {
                            r.scenario_started(&scenarios[i]);
                            steps.iter().for_each(|s| r.step_finished(s));
                        }
                        let unique = scenarios[i].namespaces.iter().all(|n| opts.unique_namespaces.contains(n));
                        settling.push(settle(i, deleting, claim, !unique));
                        o
                    }
                    Err(e) => {
                        busy.retain(|&b| b != i);
                        if !live {
                            r.scenario_started(&scenarios[i]);
                        }
                        let o = crate::runner::not_started(&scenarios[i], &e);
                        if let LeaseError::Held { .. } = e {
                            held = Some(e);
                        }
                        o
                    }
                };
                r.scenario_finished(&o);
                interrupted |= o.interrupted;
                if opts.forget_steps {
                    o.steps = Vec::new();
                }
                results[i] = Some(o);
            }
            Some((i, errors)) = settling.next(), if !settling.is_empty() => {
                busy.retain(|&b| b != i);
                if let Some(o) = results[i].as_mut() {
                    for e in &errors {
                        reporter.borrow_mut().cluster_event(&format!("cleanup of scenario `{}` failed: {e}", o.name));
                    }
                    o.cleanup_errors.extend(errors);
                }
            }
        }
    }
    let scenarios: Vec<ScenarioOutcome> = results.into_iter().flatten().collect();
    let outcome = RunOutcome {
        cluster: target.name.clone(),
        server: target.server.clone(),
        server_version,
        claims: crate::outcome::claim_verdicts(&scenarios),
        interrupted: interrupted || scenarios.iter().any(|o| o.interrupted),
        scenarios,
        teardown_errors: Vec::new(),
    };
    (outcome, held)
}

/// The API server's version for the reports (`run --html` titles its column with it); a server that
/// does not say within 5 s leaves it out, it never fails the run.
async fn server_version(target: &Target) -> Option<String> {
    match tokio::time::timeout(std::time::Duration::from_secs(5), target.client.apiserver_version()).await {
        Ok(Ok(info)) => Some(info.git_version),
        _ => None,
    }
}

/// The conflict rule for threads (the e2e trials): [`Gate::enter`] blocks until the footprint
/// conflicts with no footprint inside, and the returned pass lets the next ones in when dropped.
/// `None` is a trial whose footprint is unknown: it runs alone. The gate is fair: a trial never
/// overtakes an earlier waiting one it conflicts with, so a trial that must run alone gets in once
/// those inside have left, instead of waiting for ever while others keep coming in beside them.
pub struct Gate {
    state: Mutex<GateState>,
    changed: Condvar,
    next_id: std::sync::atomic::AtomicU64,
}

/// Who is inside a [`Gate`], and who waits to get in (in the order they came).
struct GateState {
    inside: Vec<(u64, Option<Footprint>)>,
    waiting: Vec<(u64, Option<Footprint>)>,
}

/// Being inside a [`Gate`]; leaving is dropping it.
pub struct Pass<'a> {
    gate: &'a Gate,
    id: u64,
}

impl Default for Gate {
    fn default() -> Self {
        Gate::new()
    }
}

/// Whether two footprints may be inside the gate together.
fn compatible(a: &Option<Footprint>, b: &Option<Footprint>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.conflict(b).is_none(),
        _ => false,
    }
}

impl Gate {
    /// An empty gate (`const`, so a test binary can keep one in a `static`).
    pub const fn new() -> Gate {
        Gate {
            state: Mutex::new(GateState { inside: Vec::new(), waiting: Vec::new() }),
            changed: Condvar::new(),
            next_id: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Waits until `footprint` conflicts with nothing inside and with no trial that came earlier and
    /// still waits (`None`: until nothing is inside and nobody earlier waits), then enters.
    pub fn enter(&self, footprint: Option<Footprint>) -> Pass<'_> {
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.waiting.push((id, footprint));
        loop {
            let mine = state.waiting.iter().position(|(w, _)| *w == id).expect("a waiting trial is listed");
            let footprint = &state.waiting[mine].1;
            let fits = state.inside.iter().chain(&state.waiting[..mine]).all(|(_, other)| compatible(footprint, other));
            if fits {
                let me = state.waiting.remove(mine);
                state.inside.push(me);
                // a later waiting trial may have been held only by this one's wait
                self.changed.notify_all();
                return Pass { gate: self, id };
            }
            state = self.changed.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    }
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        let mut state = self.gate.state.lock().unwrap_or_else(|p| p.into_inner());
        state.inside.retain(|(id, _)| *id != self.id);
        self.gate.changed.notify_all();
    }
}

#[cfg(test)]
mod tests;
