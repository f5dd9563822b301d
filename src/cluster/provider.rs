//! "A place that runs clusters", as kind's `providers/provider.go` is for nodes: the few things a run
//! needs of a cluster source, each with a one-line contract. kind ([`super::KindCluster`]) and an
//! existing context ([`super::ExistingCluster`]) implement it, one file each, so a k3d or minikube
//! provider is one more file and one more [`super::ClusterSpec`] variant; `Session`, `suite` and
//! `cluster down` only call the trait.

use super::{ClusterError, Owned, Target};
use futures::future::BoxFuture;
use std::path::PathBuf;

/// The status lines of a creation: one when it starts, and the task shown while it goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creating {
    pub started: String,
    pub task: String,
}

/// A cluster source: creates or re-uses a cluster, connects to it, and deletes it given the proof
/// that it is ours (`ownership`).
pub trait Provider: Send + Sync {
    /// What the user calls the cluster: the kind cluster name, or the context name.
    fn name(&self) -> &str;

    /// The kubeconfig the harness reaches the cluster through.
    fn kubeconfig(&self) -> PathBuf;

    /// Whether a cluster this run creates is left running when the run ends.
    fn keeps(&self) -> bool;

    /// What the host needs before this provider can make a cluster is there (a provider that
    /// makes none has nothing to check).
    fn preflight(&self) -> BoxFuture<'_, Result<(), ClusterError>>;

    /// Whether the cluster exists now (a provider that makes none: it always does).
    fn exists(&self) -> BoxFuture<'_, Result<bool, ClusterError>>;

    /// What to tell the user while this run creates it (`exists` said no).
    fn creating(&self) -> Creating;

    /// Creates the cluster, or checks that the one there may be re-used. True when it created it.
    fn create_or_reuse(&self) -> BoxFuture<'_, Result<bool, ClusterError>>;

    /// Connects to the cluster (no request is made).
    fn connect(&self) -> BoxFuture<'_, Result<Target, ClusterError>>;

    /// Proves the cluster ours from what outlives a process (for kind: the state record and the
    /// in-cluster marker must agree); refuses otherwise.
    fn prove_ours(&self) -> BoxFuture<'_, Result<Owned, ClusterError>>;

    /// Deletes the cluster, given the proof that it is ours; a proof for another cluster is refused.
    fn delete<'a>(&'a self, owned: &'a Owned) -> BoxFuture<'a, Result<(), ClusterError>>;

    /// Deletes a cluster whose creation was cut short (an interrupt) until nothing of it is left.
    fn delete_half_made<'a>(&'a self, owned: &'a Owned) -> BoxFuture<'a, Result<(), ClusterError>>;

    /// Waits until no other process creates, starts or deletes this cluster, and keeps it so until
    /// the returned guard is dropped (`super::name_lock`; a provider that makes none: nothing to hold).
    fn hold(&self) -> BoxFuture<'_, Result<Option<super::name_lock::NameLock>, ClusterError>> {
        Box::pin(async { Ok(None) })
    }

    /// Writes the connection details again from the source (for kind: `kind get kubeconfig`), for a
    /// re-used cluster whose kept details did not connect or pass the guard. True when they changed, so
    /// that connecting again can give another answer (a provider with nothing kept: false).
    fn refresh_connection(&self) -> BoxFuture<'_, Result<bool, ClusterError>> {
        Box::pin(async { Ok(false) })
    }

    /// The cluster is gone (deleted outside the harness): forget what the harness kept for it. Says
    /// so and returns true when there was something to forget (a provider that keeps nothing: false).
    fn forget(&self) -> bool {
        false
    }

    /// Whether the cluster was there and is gone now, said as one line for a run that failed (a
    /// provider that makes no cluster cannot tell: None).
    fn vanished(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(async { None })
    }
}
