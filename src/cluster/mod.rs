//! "A cluster to run on": a kind cluster the harness creates (or re-uses, if it made it) or an existing
//! cluster named by kubeconfig and context, each a [`Provider`]. Whatever the source, the result is a
//! [`Target`] that has passed the wrong-context guard, so no code after this module can write to a
//! cluster by accident.

pub mod bootstrap;
mod existing;
mod guard;
pub mod images;
pub mod kind;
pub mod kind_nodes;
mod kind_ready;
pub mod lease;
pub mod liveness;
pub mod name_lock;
pub mod offline;
mod owned;
pub mod ownership;
pub mod preflight;
mod provider;
pub mod state;

pub use existing::{ExistingCluster, ExistingSpec};
pub use guard::GuardError;
pub use kind::{KindCluster, KindSpec};
pub use owned::Owned;
pub use provider::{Creating, Provider};

use crate::error::{Foreign, KubeError};
use crate::process::ProcessError;
use kube::config::{KubeConfigOptions, Kubeconfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Everything that can go wrong getting or releasing a cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cannot read kubeconfig {path}: {message}")]
    Kubeconfig { path: PathBuf, message: String },
    #[error("cannot read kubeconfig {path}")]
    KubeconfigUnreadable {
        path: PathBuf,
        #[source]
        source: Foreign,
    },
    #[error("cannot connect to context `{context}` ({server})")]
    Connect {
        context: String,
        server: String,
        #[source]
        source: KubeError,
    },
    #[error(transparent)]
    Guard(#[from] GuardError),
    /// The host cannot run kind clusters yet (no kind, no Docker, ...); the message names the fix.
    #[error(transparent)]
    Host(#[from] preflight::HostError),
    #[error("cannot reach the API server {server} (context `{context}`)")]
    Unreachable {
        context: String,
        server: String,
        #[source]
        source: NoAnswer,
    },
    #[error("kind cluster `{name}` {problem}")]
    Kind { name: String, problem: String },
    #[error("{action} failed")]
    Process {
        action: String,
        #[source]
        source: ProcessError,
    },
    /// The ownership policy refused to delete a kind cluster (see `ownership`).
    #[error("refusing to delete kind cluster `{name}`: {reason}; nothing was deleted. If that cluster is yours to lose, delete it with `kind delete cluster --name {name}`")]
    NotOurs { name: String, reason: String },
    #[error("cannot write harness state in {path} (SA_CONFORMANCE_STATE_DIR moves the state folder)")]
    State {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Why the API server did not answer.
#[derive(Debug, thiserror::Error)]
pub enum NoAnswer {
    #[error(transparent)]
    Failed(KubeError),
    #[error("no answer within {0}s")]
    Timeout(u64),
}

/// Where to run: a kind cluster, or an existing one.
#[derive(Debug, Clone)]
pub enum ClusterSpec {
    Kind(KindSpec),
    Existing(ExistingSpec),
}

impl ClusterSpec {
    /// The provider that gets this cluster (the one place a spec is told apart by its kind).
    pub fn provider(&self) -> Result<Arc<dyn Provider>, ClusterError> {
        Ok(match self {
            ClusterSpec::Kind(k) => Arc::new(KindCluster::new(k.clone())?),
            ClusterSpec::Existing(e) => Arc::new(ExistingCluster { spec: e.clone() }),
        })
    }

    /// For a command that only reads (an audit): a kind cluster is re-used if there, and kept.
    pub fn reused_and_kept(self) -> ClusterSpec {
        match self {
            ClusterSpec::Kind(k) => ClusterSpec::Kind(KindSpec { reuse: true, keep: true, ..k }),
            other => other,
        }
    }
}

/// A connected cluster that passed the guard.
#[derive(Clone)]
pub struct Target {
    /// What the user calls it: the kind cluster name or the context name.
    pub name: String,
    pub kubeconfig: PathBuf,
    pub context: String,
    /// The API server URL every write goes to.
    pub server: String,
    /// DER certificates of the cluster CA (from the kubeconfig), for callers outside kube-rs.
    pub ca_der: Vec<Vec<u8>>,
    pub client: kube::Client,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target").field("name", &self.name).field("context", &self.context).field("server", &self.server).finish()
    }
}

impl Target {
    /// The flags that point kubectl at this cluster and nothing else.
    pub fn kubectl_flags(&self) -> Vec<String> {
        vec![format!("--kubeconfig={}", self.kubeconfig.display()), format!("--context={}", self.context)]
    }
}

/// Reads a kubeconfig, picks the context (named, or the current one) and connects (no request is made).
pub async fn connect(kubeconfig: &Path, context: Option<&str>, name: Option<&str>) -> Result<Target, ClusterError> {
    let kerr = |message: String| ClusterError::Kubeconfig { path: kubeconfig.to_path_buf(), message };
    let unreadable = |e| ClusterError::KubeconfigUnreadable { path: kubeconfig.to_path_buf(), source: Foreign::new(e) };
    let kc = Kubeconfig::read_from(kubeconfig).map_err(unreadable)?;
    let context = match context {
        Some(c) => c.to_string(),
        None => kc.current_context.clone().ok_or_else(|| kerr("has no current-context; pass --context".into()))?,
    };
    if !kc.contexts.iter().any(|c| c.name == context) {
        let known: Vec<&str> = kc.contexts.iter().map(|c| c.name.as_str()).collect();
        return Err(kerr(format!("has no context `{context}` (contexts: {})", known.join(", "))));
    }
    let opts = KubeConfigOptions { context: Some(context.clone()), ..Default::default() };
    let config = kube::Config::from_custom_kubeconfig(kc, &opts).await.map_err(unreadable)?;
    let server = config.cluster_url.to_string().trim_end_matches('/').to_string();
    let ca_der = config.root_cert.clone().unwrap_or_default();
    let client = kube::Client::try_from(config).map_err(|e| ClusterError::Connect {
        context: context.clone(),
        server: server.clone(),
        source: KubeError(e),
    })?;
    Ok(Target { name: name.unwrap_or(&context).to_string(), kubeconfig: kubeconfig.to_path_buf(), context, server, ca_der, client })
}

/// Asks the API server for its version, so an unreachable cluster is one clear error up front.
pub(crate) async fn reachable(target: &Target) -> Result<(), ClusterError> {
    let unreachable =
        |source: NoAnswer| ClusterError::Unreachable { context: target.context.clone(), server: target.server.clone(), source };
    match tokio::time::timeout(std::time::Duration::from_secs(20), target.client.apiserver_version()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(unreachable(NoAnswer::Failed(KubeError(e)))),
        Err(_) => Err(unreachable(NoAnswer::Timeout(20))),
    }
}

/// `cluster down`: deletes the cluster `provider` gets if the ownership policy proves it ours. Ok(false)
/// when there is no cluster of that name.
pub async fn down(provider: &dyn Provider) -> Result<bool, ClusterError> {
    // a `cluster up` of this name still creating it finishes first, then its cluster is deleted whole
    let held = provider.hold().await?;
    let result = down_held(provider).await;
    // the lock file goes too, whatever happened: it was made for this name and is held here
    if let Some(lock) = held {
        lock.remove();
    }
    result
}

async fn down_held(provider: &dyn Provider) -> Result<bool, ClusterError> {
    if !provider.exists().await? {
        provider.forget();
        return Ok(false);
    }
    let owned = provider.prove_ours().await?;
    provider.delete(&owned).await?;
    Ok(true)
}

/// Connects, applies the wrong-context guard and asks the API server to answer.
async fn connect_guarded(provider: &dyn Provider, allow: &[String]) -> Result<Target, ClusterError> {
    let target = provider.connect().await?;
    guard::check(&target, allow).await?;
    reachable(&target).await?;
    Ok(target)
}

/// Errors a stale kubeconfig can cause: refused by the guard, or no answer other than a timeout (a
/// server that does not answer at all is not retried: that would double a 20 s wait).
fn retry_with_fresh_kubeconfig(e: &ClusterError) -> bool {
    matches!(e, ClusterError::Guard(_) | ClusterError::Connect { .. } | ClusterError::Unreachable { source: NoAnswer::Failed(_), .. })
}

/// A cluster in use, and what to do with it when the run ends.
pub struct Session {
    pub target: Target,
    /// The cluster this run created and must delete (None when reused, kept or existing).
    owned: Option<Arc<dyn Provider>>,
}

impl Session {
    /// Gets the cluster the spec names (see [`Session::acquire_from`]).
    pub async fn acquire(spec: &ClusterSpec, allow: &[String]) -> Result<Session, ClusterError> {
        Session::acquire_from(spec.provider()?, allow).await
    }

    /// Creates or re-uses the provider's cluster and connects to it; then applies the wrong-context
    /// guard and asks the API server to answer. `allow` lists contexts the user named on purpose.
    pub async fn acquire_from(provider: Arc<dyn Provider>, allow: &[String]) -> Result<Session, ClusterError> {
        let created = provider.create_or_reuse().await?;
        let target = match connect_guarded(provider.as_ref(), allow).await {
            // a re-used cluster's kept kubeconfig (see `KindCluster::ensure`) may be out of date in a
            // way the port did not show: written again, the same checks decide
            Err(e) if !created && retry_with_fresh_kubeconfig(&e) && provider.refresh_connection().await? => {
                connect_guarded(provider.as_ref(), allow).await?
            }
            other => other?,
        };
        let owned = (created && !provider.keeps()).then_some(provider);
        Ok(Session { target, owned })
    }

    /// Whether releasing this session deletes a cluster.
    pub fn deletes_cluster(&self) -> bool {
        self.owned.is_some()
    }

    /// Deletes the cluster if this run created it (and was not told to keep it).
    pub async fn release(self) -> Result<(), ClusterError> {
        let Some(cluster) = self.owned else { return Ok(()) };
        // as `cluster down`: no other process of this name meanwhile, and the lock file goes too
        let held = cluster.hold().await?;
        let deleted = cluster.delete(&Owned::created_here(cluster.name())).await;
        if let Some(lock) = held {
            lock.remove();
        }
        deleted
    }
}
