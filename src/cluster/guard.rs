//! The wrong-context guard. This tool applies and deletes objects, so it writes only to a cluster the
//! user pointed it at on purpose: a kind cluster it created itself (a record in the state directory
//! plus the marker ConfigMap it wrote there, checked read-only), or a context named with
//! `--allow-context`. Anything else is refused before the first write, saying why.

use super::state::{self, MARKER_NAME, MARKER_NAMESPACE};
use super::Target;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;

/// Why a context was refused.
#[derive(Debug, thiserror::Error)]
#[error("refusing to touch context `{context}` ({server}): {reason}; nothing was written. If you really mean this cluster, pass --allow-context {context}")]
pub struct GuardError {
    pub context: String,
    pub server: String,
    pub reason: String,
}

/// Ok if the target may be written to.
pub async fn check(target: &Target, allow: &[String]) -> Result<(), GuardError> {
    if allow.iter().any(|a| a == &target.context) {
        tracing::info!(context = %target.context, "context allowed by --allow-context");
        return Ok(());
    }
    let refuse = |reason: String| GuardError { context: target.context.clone(), server: target.server.clone(), reason };
    let Some(record) = state::all().into_iter().find(|r| r.context == target.context && r.server == target.server) else {
        return Err(refuse(format!(
            "it is not a kind cluster sa-conformance created (no record for this context and server in {})",
            state::state_dir().display()
        )));
    };
    let api: Api<ConfigMap> = Api::namespaced(target.client.clone(), MARKER_NAMESPACE);
    match api.get_opt(MARKER_NAME).await {
        Ok(Some(cm)) if cm.metadata.uid.as_deref() == Some(record.marker_uid.as_str()) => Ok(()),
        Ok(Some(_)) => Err(refuse(format!(
            "the cluster at this address is not the one sa-conformance created (marker {MARKER_NAMESPACE}/{MARKER_NAME} has another uid)"
        ))),
        Ok(None) => Err(refuse(format!("the cluster has no marker {MARKER_NAMESPACE}/{MARKER_NAME}, so sa-conformance did not create it"))),
        Err(e) => Err(refuse(format!("could not read the marker {MARKER_NAMESPACE}/{MARKER_NAME}: {}", crate::error::describe(&e)))),
    }
}
