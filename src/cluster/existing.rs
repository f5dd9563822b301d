//! The existing-cluster provider: a cluster named by kubeconfig and context, as kubectl would find
//! it. It is never created, and never deleted: it is the user's.

use super::provider::{Creating, Provider};
use super::{connect, ClusterError, Owned, Target};
use futures::future::BoxFuture;
use std::path::PathBuf;

/// `--kubeconfig` (else $KUBECONFIG's first entry, else ~/.kube/config) and `--context` (else current).
#[derive(Debug, Clone, Default)]
pub struct ExistingSpec {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
}

impl ExistingSpec {
    pub fn kubeconfig_path(&self) -> PathBuf {
        if let Some(p) = &self.kubeconfig {
            return p.clone();
        }
        if let Some(first) = std::env::var_os("KUBECONFIG").and_then(|v| std::env::split_paths(&v).next()) {
            return first;
        }
        super::state::home().join(".kube").join("config")
    }
}

/// An existing cluster as a [`Provider`].
#[derive(Debug, Clone)]
pub struct ExistingCluster {
    pub spec: ExistingSpec,
}

impl ExistingCluster {
    fn not_ours(&self) -> ClusterError {
        ClusterError::NotOurs {
            name: self.name().to_string(),
            reason: "it is an existing cluster, which sa-conformance never creates and so never deletes".into(),
        }
    }
}

impl Provider for ExistingCluster {
    /// The context's name (`current-context` until connected, when none is named).
    fn name(&self) -> &str {
        self.spec.context.as_deref().unwrap_or("current-context")
    }

    fn kubeconfig(&self) -> PathBuf {
        self.spec.kubeconfig_path()
    }

    fn keeps(&self) -> bool {
        true
    }

    fn preflight(&self) -> BoxFuture<'_, Result<(), ClusterError>> {
        Box::pin(async { Ok(()) })
    }

    fn exists(&self) -> BoxFuture<'_, Result<bool, ClusterError>> {
        Box::pin(async { Ok(true) })
    }

    fn creating(&self) -> Creating {
        let line = format!("using context `{}`", self.name());
        Creating { started: line.clone(), task: line }
    }

    fn create_or_reuse(&self) -> BoxFuture<'_, Result<bool, ClusterError>> {
        Box::pin(async { Ok(false) })
    }

    fn connect(&self) -> BoxFuture<'_, Result<Target, ClusterError>> {
        Box::pin(async move { connect(&self.kubeconfig(), self.spec.context.as_deref(), None).await })
    }

    fn prove_ours(&self) -> BoxFuture<'_, Result<Owned, ClusterError>> {
        Box::pin(async { Err(self.not_ours()) })
    }

    fn delete<'a>(&'a self, _owned: &'a Owned) -> BoxFuture<'a, Result<(), ClusterError>> {
        Box::pin(async { Err(self.not_ours()) })
    }

    fn delete_half_made<'a>(&'a self, _owned: &'a Owned) -> BoxFuture<'a, Result<(), ClusterError>> {
        Box::pin(async { Err(self.not_ours()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_existing_cluster_is_never_created_kept_and_never_deleted() {
        let c = ExistingCluster { spec: ExistingSpec { kubeconfig: Some("/k/config".into()), context: Some("prod".into()) } };
        assert_eq!((c.name(), c.kubeconfig(), c.keeps()), ("prod", PathBuf::from("/k/config"), true));
        assert!(c.exists().await.unwrap());
        assert!(!c.create_or_reuse().await.unwrap());
        let refused = c.prove_ours().await.unwrap_err();
        assert!(matches!(&refused, ClusterError::NotOurs { name, .. } if name == "prod"), "{refused}");
        let proof = Owned::created_here(c.name());
        assert!(matches!(c.delete(&proof).await, Err(ClusterError::NotOurs { .. })));
    }
}
