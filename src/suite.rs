//! A whole run: get the cluster (interruptibly), say which server will be written to, run the selected
//! scenarios in order, and release the cluster, also when interrupted or when a scenario fails.

use crate::api::DiscoveryCache;
use crate::cluster::lease::{self, LeaseError};
use crate::cluster::{ClusterError, ClusterSpec, KindCluster, Session, Target};
use crate::outcome::RunOutcome;
use crate::outcome::ScenarioOutcome;
use crate::report::Reporter;
use crate::runner::{run_scenario, RunOptions};
use crate::scenario::Scenario;

#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error("interrupted while getting the cluster; what was created has been deleted")]
    Interrupted,
    /// Another run holds a namespace and the user asked not to wait.
    #[error(transparent)]
    NamespaceHeld(LeaseError),
}

/// Gets a cluster; an interrupt during creation deletes the half-made kind cluster.
pub async fn acquire(spec: &ClusterSpec, allow: &[String], opts: &RunOptions, reporter: &mut dyn Reporter) -> Result<Session, SuiteError> {
    let made_here = match spec {
        ClusterSpec::Kind(k) => {
            let offline_bin = crate::cluster::offline::discover().ok().flatten().map(|b| b.bin);
            crate::cluster::preflight::check(offline_bin).await.map_err(ClusterError::from)?;
            let c = KindCluster::new(k.clone())?;
            (!c.exists().await?).then_some(c)
        }
        ClusterSpec::Existing(_) => None,
    };
    if let (Some(c), ClusterSpec::Kind(k)) = (&made_here, spec) {
        let image = k.image.as_deref().map(|i| format!(" from node image {i}")).unwrap_or_default();
        reporter.cluster_event(&format!("creating kind cluster `{}`{image} (config {})", c.spec.name, k.config.display()));
    }
    let acquiring = Session::acquire(spec, allow);
    tokio::pin!(acquiring);
    let started = std::time::Instant::now();
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    let task = made_here.as_ref().map(|c| format!("creating kind cluster `{}` (nodes, then CoreDNS, then loading images)", c.spec.name));
    loop {
        tokio::select! {
            s = &mut acquiring => return Ok(s?),
            _ = opts.interrupt.wait() => {
                if let Some(c) = made_here {
                    if let Err(e) = c.delete().await {
                        tracing::error!("after the interrupt: {e}");
                    }
                }
                return Err(SuiteError::Interrupted);
            }
            _ = tick.tick() => {
                if let Some(task) = &task {
                    reporter.progress(task, started.elapsed());
                }
            }
        }
    }
}

/// Runs scenarios on a target that passed the guard; stops starting new ones after an interrupt.
/// Each scenario first takes the leases of its namespaces (waiting for another run that holds them).
pub async fn run_on(target: &Target, scenarios: &[Scenario], opts: &RunOptions, reporter: &mut dyn Reporter) -> RunOutcome {
    run_leased(target, scenarios, opts, reporter).await.0
}

/// [`run_on`], also saying whether it stopped because another run held a namespace (`--no-wait`).
async fn run_leased(
    target: &Target,
    scenarios: &[Scenario],
    opts: &RunOptions,
    reporter: &mut dyn Reporter,
) -> (RunOutcome, Option<LeaseError>) {
    reporter.run_started(target, scenarios.len());
    let discovery = DiscoveryCache::default();
    let mut outcome = RunOutcome {
        cluster: target.name.clone(),
        server: target.server.clone(),
        scenarios: Vec::new(),
        interrupted: false,
        teardown_errors: Vec::new(),
        claims: Vec::new(),
    };
    for s in scenarios {
        if opts.interrupt.is_set() {
            outcome.interrupted = true;
            break;
        }
        reporter.scenario_started(s);
        let claim = lease::claim(target, &s.namespaces, &opts.lease, opts.interrupt.wait(), &mut |e| reporter.lease_event(&e)).await;
        let claim = match claim {
            Ok(c) => c,
            Err(e) => {
                let o = not_started(s, &e);
                reporter.scenario_finished(&o);
                outcome.interrupted |= o.interrupted;
                outcome.scenarios.push(o);
                match e {
                    LeaseError::Held { .. } => return (outcome, Some(e)),
                    _ => continue,
                }
            }
        };
        let o = run_scenario(target, &discovery, s, opts, &mut |step| reporter.step_finished(step)).await;
        claim.release().await;
        reporter.scenario_finished(&o);
        outcome.interrupted |= o.interrupted;
        outcome.scenarios.push(o);
    }
    outcome.claims = crate::outcome::claim_verdicts(&outcome.scenarios);
    (outcome, None)
}

/// The outcome of a scenario whose namespaces could not be claimed: every step skipped.
fn not_started(s: &Scenario, e: &LeaseError) -> ScenarioOutcome {
    let steps = s.steps.iter().map(|step| crate::runner::skipped(s, step)).collect();
    ScenarioOutcome {
        name: s.name.clone(),
        description: s.description.clone(),
        file: s.file.clone(),
        steps,
        cleanup_errors: Vec::new(),
        setup_error: Some(e.to_string()),
        duration_ms: 0,
        interrupted: matches!(e, LeaseError::Interrupted { .. }),
    }
}

/// Acquire, run, release. A failed release does not lose what the run found: it is attached to the
/// outcome as a teardown error, which turns the run red and is written to every report.
pub async fn run_suite(
    spec: &ClusterSpec,
    allow: &[String],
    scenarios: &[Scenario],
    opts: &RunOptions,
    reporter: &mut dyn Reporter,
) -> Result<RunOutcome, SuiteError> {
    let session = acquire(spec, allow, opts, reporter).await?;
    let (mut outcome, held) = run_leased(&session.target, scenarios, opts, reporter).await;
    let name = session.target.name.clone();
    if session.deletes_cluster() {
        reporter.cluster_event(&format!("deleting kind cluster `{name}`"));
    }
    if let Err(e) = session.release().await {
        outcome.teardown_errors.push(crate::runner::error_chain(&e));
    }
    if let Some(e) = held {
        return Err(SuiteError::NamespaceHeld(e));
    }
    Ok(outcome)
}
