//! The wrong-context guard. This tool applies and deletes objects, so it writes only to a cluster the
//! user pointed it at on purpose: a kind cluster it created itself (a record in the state directory
//! plus the marker ConfigMap it wrote there, checked read-only), or a context named with
//! `--allow-context`. Anything else is refused before the first write, saying why.

use super::ownership::{self, Marker};
use super::state;
use super::{ClusterError, Target};

/// Why a context was refused.
#[derive(Debug, thiserror::Error)]
#[error("refusing to touch context `{context}` ({server}): {reason}; nothing was written. If you really mean this cluster, pass --allow-context {context}")]
pub struct GuardError {
    pub context: String,
    pub server: String,
    pub reason: String,
}

/// Ok if the target may be written to (the ownership policy, `super::ownership`); a cluster that does
/// not answer is `ClusterError::Unreachable`, not a refusal.
pub async fn check(target: &Target, allow: &[String]) -> Result<(), ClusterError> {
    if allow.iter().any(|a| a == &target.context) {
        tracing::info!(context = %target.context, "context allowed by --allow-context");
        return Ok(());
    }
    let refuse = |reason: String| GuardError { context: target.context.clone(), server: target.server.clone(), reason };
    let Some(record) = state::all().into_iter().find(|r| r.context == target.context && r.server == target.server) else {
        return Err(refuse(format!(
            "it is not a kind cluster sa-conformance created (no record for this context and server in {})",
            state::state_dir().display()
        ))
        .into());
    };
    match ownership::marker(target, &record).await? {
        Marker::Matches => Ok(()),
        Marker::Foreign(reason) => Err(refuse(reason).into()),
    }
}
