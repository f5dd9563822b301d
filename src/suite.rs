//! A whole run: get the cluster (interruptibly), say which server will be written to, run the selected
//! scenarios in order, and release the cluster, also when interrupted or when a scenario fails.

use crate::api::DiscoveryCache;
use crate::cluster::lease::{self, LeaseError};
use crate::cluster::{ClusterError, ClusterSpec, KindCluster, Session, Target};
use crate::outcome::RunOutcome;
use crate::report::{Reporter, TargetInfo};
use crate::runner::{run_scenario_detached, Deleting, RunOptions};
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

/// Runs scenarios on a target that passed the guard; stops starting new ones after an interrupt.
/// Each scenario first takes the leases of its namespaces (waiting for another run that holds them).
/// A scenario's namespaces go away in the background while the next scenario runs, unless the next
/// one uses one of them; the run ends when every deletion has ended, and a deletion that did not
/// finish is a cleanup error of the scenario it belongs to. A scenario's leases are held until its
/// namespaces are gone, so another run never takes a namespace that is still being deleted.
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
    // `--jobs N`: scenarios that touch different namespaces run at the same time (see `parallel`).
    if opts.jobs > 1 && scenarios.len() > 1 {
        return crate::parallel::run(target, scenarios, opts, reporter).await;
    }
    let info = TargetInfo::of(target);
    reporter.run_started(&info, scenarios.len());
    let discovery = DiscoveryCache::default();
    let mut outcome = RunOutcome {
        cluster: target.name.clone(),
        server: target.server.clone(),
        scenarios: Vec::new(),
        interrupted: false,
        teardown_errors: Vec::new(),
        claims: Vec::new(),
    };
    // (index of the scenario in the outcome, its namespaces still going away)
    let mut pending: Vec<(usize, Deleting, lease::Claim)> = Vec::new();
    for s in scenarios {
        if opts.interrupt.is_set() {
            outcome.interrupted = true;
            break;
        }
        reporter.scenario_started(s);
        let held: Vec<&[String]> = pending.iter().map(|(_, d, _)| d.namespaces.as_slice()).collect();
        for i in blocking(&held, &s.namespaces).into_iter().rev() {
            let (owner, deleting, claim) = pending.remove(i);
            settle(&mut outcome, owner, deleting, claim, reporter).await;
        }
        let claim = lease::claim(target, &s.namespaces, &opts.lease, opts.interrupt.wait(), &mut |e| reporter.lease_event(&e)).await;
        let claim = match claim {
            Ok(c) => c,
            Err(e) => {
                let o = crate::runner::not_started(s, &e);
                reporter.scenario_finished(&o);
                outcome.interrupted |= o.interrupted;
                outcome.scenarios.push(o);
                match e {
                    LeaseError::Held { .. } => {
                        for (owner, deleting, claim) in pending {
                            settle(&mut outcome, owner, deleting, claim, reporter).await;
                        }
                        return (outcome, Some(e));
                    }
                    _ => continue,
                }
            }
        };
        let (o, deleting) = run_scenario_detached(target, &discovery, s, opts, &mut |step| reporter.step_finished(step)).await;
        reporter.scenario_finished(&o);
        outcome.interrupted |= o.interrupted;
        outcome.scenarios.push(o);
        pending.push((outcome.scenarios.len() - 1, deleting, claim));
    }
    for (owner, deleting, claim) in pending {
        settle(&mut outcome, owner, deleting, claim, reporter).await;
    }
    outcome.claims = crate::outcome::claim_verdicts(&outcome.scenarios);
    (outcome, None)
}

/// Which pending deletions (their indexes, in order) hold a namespace the next scenario uses: those
/// must be gone before it starts. The others may go on in the background.
pub fn blocking(pending: &[&[String]], next: &[String]) -> Vec<usize> {
    pending.iter().enumerate().filter(|(_, held)| held.iter().any(|ns| next.contains(ns))).map(|(i, _)| i).collect()
}

/// Waits for one scenario's namespaces to be gone, then gives up their leases; what failed joins that
/// scenario's cleanup errors.
async fn settle(outcome: &mut RunOutcome, owner: usize, deleting: Deleting, claim: lease::Claim, reporter: &mut dyn Reporter) {
    let errors = deleting.finish().await;
    claim.release().await;
    let Some(o) = outcome.scenarios.get_mut(owner) else { return };
    for e in &errors {
        reporter.cluster_event(&format!("cleanup of scenario `{}` failed: {e}", o.name));
    }
    o.cleanup_errors.extend(errors);
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
        outcome.teardown_errors.push(crate::error::chain(&e));
    }
    if let Some(e) = held {
        return Err(SuiteError::NamespaceHeld(e));
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::blocking;

    fn names(ns: &[&str]) -> Vec<String> {
        ns.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_deletion_blocks_the_next_scenario_only_if_it_holds_one_of_its_namespaces() {
        let (dev, dev_prod, other, none) = (names(&["dev"]), names(&["dev", "prod"]), names(&["team-a"]), names(&[]));
        let pending: Vec<&[String]> = vec![&dev, &other, &dev_prod, &none];
        assert_eq!(blocking(&pending, &names(&["dev"])), vec![0, 2]);
        assert_eq!(blocking(&pending, &names(&["prod"])), vec![2]);
        assert_eq!(blocking(&pending, &names(&["team-a", "prod"])), vec![1, 2]);
        assert_eq!(blocking(&pending, &names(&["staging"])), Vec::<usize>::new());
        assert_eq!(blocking(&pending, &[]), Vec::<usize>::new());
        assert_eq!(blocking(&[], &names(&["dev"])), Vec::<usize>::new());
    }
}
