//! A whole run: get the cluster (interruptibly), run the selected scenarios through the scheduler
//! (`parallel`), and release the cluster, also when interrupted or when a scenario fails.

use crate::cluster::lease::LeaseError;
use crate::cluster::{ClusterError, ClusterSpec, Session, Target};
use crate::outcome::RunOutcome;
use crate::report::Reporter;
use crate::runner::RunOptions;
use crate::scenario::Scenario;

#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error("interrupted while getting the cluster; what was created has been deleted")]
    Interrupted,
    #[error("interrupted while getting the cluster, and the half-made cluster could not be deleted: {0}")]
    InterruptedLeft(String),
    /// Another run holds a namespace and the user asked not to wait.
    #[error(transparent)]
    NamespaceHeld(LeaseError),
}

/// Gets a cluster; an interrupt during creation deletes the half-made cluster.
pub async fn acquire(spec: &ClusterSpec, allow: &[String], opts: &RunOptions, reporter: &mut dyn Reporter) -> Result<Session, SuiteError> {
    let provider = spec.provider()?;
    // side by side (each is a process or two): a failed preflight still explains first
    let (ready, exists) = tokio::join!(provider.preflight(), provider.exists());
    ready?;
    let creating = (!exists?).then(|| provider.creating());
    if let Some(c) = &creating {
        reporter.cluster_event(&c.started);
    }
    // Boxed, so it can be dropped (which kills a running `kind create`) before an interrupt's delete.
    let mut acquiring = Box::pin(Session::acquire_from(provider.clone(), allow));
    let started = std::time::Instant::now();
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tokio::select! {
            s = &mut acquiring => return Ok(s?),
            _ = opts.interrupt.wait() => break,
            _ = tick.tick() => {
                if let Some(c) = &creating {
                    reporter.progress(&c.task, started.elapsed());
                }
            }
        }
    }
    // Interrupted. Stop `kind create` first: a delete that ran beside it could be followed by the
    // create adding its node anyway (seen: "deleted", and the node still running).
    drop(acquiring);
    if creating.is_some() {
        if let Err(e) = provider.delete_half_made(&crate::cluster::Owned::created_here(provider.name())).await {
            tracing::error!("after the interrupt: {}", crate::error::chain(&e));
            return Err(SuiteError::InterruptedLeft(crate::error::chain(&e)));
        }
    }
    Err(SuiteError::Interrupted)
}

/// Runs scenarios on a target that passed the guard (see [`crate::parallel::run`], the one
/// scheduler: each scenario first takes the leases of its namespaces, waiting for another run that
/// holds them, and keeps them until its namespaces are gone); stops starting new ones after an
/// interrupt.
pub async fn run_on(target: &Target, scenarios: &[Scenario], opts: &RunOptions, reporter: &mut dyn Reporter) -> RunOutcome {
    crate::parallel::run(target, scenarios, opts, reporter).await.0
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
    let (mut outcome, held) = crate::parallel::run(&session.target, scenarios, opts, reporter).await;
    let name = session.target.name.clone();
    if session.deletes_cluster() {
        reporter.cluster_event(&format!("deleting kind cluster `{name}`"));
    }
    if let Err(e) = session.release().await {
        outcome.teardown_errors.push(crate::error::chain(&e));
    }
    // a cluster deleted under the run fails every step after it with connection errors: say why once
    if outcome.scenarios.iter().any(|s| !s.passed()) {
        if let Some(gone) = vanished(spec).await {
            outcome.teardown_errors.push(gone);
        }
    }
    if let Some(e) = held {
        return Err(SuiteError::NamespaceHeld(e));
    }
    Ok(outcome)
}

/// The line saying that the run's cluster was deleted while it ran, if it was.
async fn vanished(spec: &ClusterSpec) -> Option<String> {
    spec.provider().ok()?.vanished().await
}
