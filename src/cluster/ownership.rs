//! The ownership policy: sa-conformance writes to and deletes only what it created. A kind cluster is
//! ours by two proofs that must agree: the record this harness kept when it created the cluster (in the
//! state directory) and the marker ConfigMap it wrote into that cluster (same uid). A process that has
//! just created a cluster itself (a run's own cluster, one left half-made by a failed creation or an
//! interrupt, the one a matrix's child run was making) holds the third proof, by construction.
//!
//! Every verb that writes or deletes asks here: `run`, `mutate` and `audit` through the guard
//! (`guard::check`, before the first request that writes), `cluster down` and the matrix's leftover
//! clean-up through [`Owned`], which [`Provider::delete`] requires.

use super::owned::{Owned, Why};
use super::state::{self, Record, MARKER_NAME, MARKER_NAMESPACE};
use super::{connect, ClusterError, NoAnswer, Target};
use crate::error::KubeError;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;

/// What the marker says about a connected cluster and a record.
#[derive(Debug, PartialEq, Eq)]
pub enum Marker {
    /// The marker is there with the record's uid.
    Matches,
    /// The cluster answered, and it is not the one the record is about; the reason in words.
    Foreign(String),
}

/// Reads the marker of `target` and compares it with `record`. `Err` when the cluster did not answer.
pub async fn marker(target: &Target, record: &Record) -> Result<Marker, ClusterError> {
    let api: Api<ConfigMap> = Api::namespaced(target.client.clone(), MARKER_NAMESPACE);
    let read = tokio::time::timeout(std::time::Duration::from_secs(20), api.get_opt(MARKER_NAME)).await;
    let unreachable = |source| ClusterError::Unreachable { context: target.context.clone(), server: target.server.clone(), source };
    match read {
        Err(_) => Err(unreachable(NoAnswer::Timeout(20))),
        Ok(Ok(Some(cm))) if cm.metadata.uid.as_deref() == Some(record.marker_uid.as_str()) => Ok(Marker::Matches),
        Ok(Ok(Some(_))) => Ok(Marker::Foreign(format!(
            "the cluster at this address is not the one sa-conformance created (marker {MARKER_NAMESPACE}/{MARKER_NAME} has another uid)"
        ))),
        Ok(Ok(None)) => {
            Ok(Marker::Foreign(format!("the cluster has no marker {MARKER_NAMESPACE}/{MARKER_NAME}, so sa-conformance did not create it")))
        }
        Ok(Err(e @ kube::Error::Api(_))) => {
            Ok(Marker::Foreign(format!("could not read the marker {MARKER_NAMESPACE}/{MARKER_NAME}: {}", crate::error::describe(&e))))
        }
        Ok(Err(e)) => Err(unreachable(NoAnswer::Failed(KubeError(e)))),
    }
}

/// Proves that sa-conformance created the kind cluster `name`: its record exists, and either its nodes
/// are stopped and are exactly the containers the record names (by id: no API needed), or they run and
/// the cluster carries the marker the record names.
///
/// `refresh_kubeconfig` writes the harness's kubeconfig for the cluster (the kind provider's), awaited
/// only when the marker has to be read.
pub async fn verify(
    name: &str,
    refresh_kubeconfig: impl std::future::Future<Output = Result<(), ClusterError>>,
) -> Result<Owned, ClusterError> {
    let name = name.to_string();
    let refuse = |reason: String| ClusterError::NotOurs { name: name.clone(), reason };
    let Some(record) = state::load(&name) else {
        return Err(refuse(format!("sa-conformance did not create it (no record in {})", state::state_dir().display())));
    };
    // A stopped cluster cannot show its marker: then the containers kind made for it, by id, are the
    // proof. A running one must show the marker (the stronger proof: the API at that address is ours).
    let nodes = super::kind_nodes::list(&name).await?;
    if nodes.iter().any(|n| !n.running()) {
        if super::kind_nodes::same_containers(&record.nodes, &nodes) {
            return Ok(Owned { name, why: Why::RecordedContainers });
        }
        let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
        return Err(refuse(if record.nodes.is_empty() {
            format!("its nodes are stopped and its record (from an older version) names no container ids to prove it with; start them with `docker start {}` and try again", names.join(" "))
        } else {
            format!("its nodes are stopped and they are not the containers its record names ({}), so they are not the cluster sa-conformance created", names.join(", "))
        }));
    }
    let kubeconfig = state::kubeconfig_path(&name);
    refresh_kubeconfig.await?;
    let target = connect(&kubeconfig, Some(&record.context), Some(&name)).await?;
    match marker(&target, &record).await? {
        Marker::Matches => Ok(Owned { name, why: Why::Recorded }),
        Marker::Foreign(reason) => Err(refuse(reason)),
    }
}
