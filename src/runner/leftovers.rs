//! What runs that died (SIGKILL, a lost laptop) left in namespaces no later run reuses. A verbatim
//! scenario's `dev` is taken over by the next run of it, which deletes the leftover; an isolated
//! namespace (`dev-article-walkthrough-<run>`) is never asked for again, so without this sweep it would
//! stay for ever. Its lease carries [`NEVER_REUSED_LABEL`]; once that lease has expired (its holder
//! stopped renewing it), the next run of any scenario on the cluster deletes the namespace, if it still
//! carries the harness's ownership label, and the lease, and says so in one line each. A live run's
//! lease is never expired, so two runs at once never sweep each other.

use super::{start_deleting, OWNED_LABEL};
use crate::cluster::lease::{expired_holder, LEASE_NAMESPACE, LEASE_PREFIX, NEVER_REUSED_LABEL};
use crate::cluster::Target;
use crate::error::describe;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, ListParams, Preconditions};
use std::time::Duration;

/// Removes what dead runs left in never-reused namespaces; returns one line per namespace (or
/// problem) for the console. Nothing is awaited: the namespaces' deletion is issued.
pub async fn sweep(target: &Target, timeout: Duration) -> Vec<String> {
    let leases: Api<Lease> = Api::namespaced(target.client.clone(), LEASE_NAMESPACE);
    let list = match leases.list(&ListParams::default().labels(&format!("{NEVER_REUSED_LABEL}=true"))).await {
        Ok(l) => l,
        // a cluster where the run may not list leases fails at the first claim, with the whole story
        Err(e) => {
            tracing::debug!("listing leases to sweep: {}", describe(&e));
            return Vec::new();
        }
    };
    let now = k8s_openapi::jiff::Timestamp::now();
    let mut lines = Vec::new();
    for lease in list.items {
        let (Some(name), Some(holder)) = (lease.metadata.name.clone(), expired_holder(&lease, now)) else { continue };
        let Some(namespace) = name.strip_prefix(LEASE_PREFIX) else { continue };
        match sweep_one(target, namespace, timeout).await {
            Ok(Some(what)) => lines.push(format!("{what} left by run {holder}, which stopped without cleaning up (its lease expired)")),
            Ok(None) => {}
            Err(e) => {
                lines.push(format!("cannot remove namespace `{namespace}` left by run {holder}: {e}"));
                continue;
            }
        }
        // only the lease as read: a run that took it in the meantime keeps it
        let dp = DeleteParams {
            preconditions: Some(Preconditions { resource_version: lease.metadata.resource_version.clone(), uid: None }),
            ..Default::default()
        };
        if let Err(e) = leases.delete(&name, &dp).await {
            tracing::debug!("deleting the expired lease {LEASE_NAMESPACE}/{name}: {}", describe(&e));
        }
    }
    lines
}

/// Deletes `namespace` if it is the harness's and not already going; says what it did.
async fn sweep_one(target: &Target, namespace: &str, timeout: Duration) -> Result<Option<String>, String> {
    let api: Api<Namespace> = Api::all(target.client.clone());
    let Some(ns) = api.get_opt(namespace).await.map_err(|e| describe(&e))? else { return Ok(None) };
    let ours = ns.metadata.labels.as_ref().is_some_and(|l| l.contains_key(OWNED_LABEL));
    if !ours || ns.metadata.deletion_timestamp.is_some() {
        return Ok(None);
    }
    let (errors, deleting) = start_deleting(target, &[namespace.to_string()], timeout).await;
    deleting.detach();
    match errors.first() {
        Some(e) => Err(e.clone()),
        None => Ok(Some(format!("removed namespace `{namespace}`"))),
    }
}
