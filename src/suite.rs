//! A whole run: get the cluster (interruptibly), run the selected scenarios through the scheduler
//! (`parallel`), and release the cluster, also when interrupted or when a scenario fails.

use crate::cluster::lease::LeaseError;
use crate::cluster::{ClusterError, ClusterSpec, KindCluster, Session, Target};
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
    // Boxed, so it can be dropped (which kills a running `kind create`) before an interrupt's delete.
    let mut acquiring = Box::pin(Session::acquire(spec, allow));
    let started = std::time::Instant::now();
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    let task = made_here.as_ref().map(|c| format!("creating kind cluster `{}` (nodes, then CoreDNS, then loading images)", c.spec.name));
    loop {
        tokio::select! {
            s = &mut acquiring => return Ok(s?),
            _ = opts.interrupt.wait() => break,
            _ = tick.tick() => {
                if let Some(task) = &task {
                    reporter.progress(task, started.elapsed());
                }
            }
        }
    }
    // Interrupted. Stop `kind create` first: a delete that ran beside it could be followed by the
    // create adding its node anyway (seen: "deleted", and the node still running).
    drop(acquiring);
    if let Some(c) = made_here {
        if let Err(e) = c.delete_half_made(&crate::cluster::Owned::created_here(&c)).await {
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
    if let Some(e) = held {
        return Err(SuiteError::NamespaceHeld(e));
    }
    Ok(outcome)
}
