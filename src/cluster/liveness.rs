//! The one question a read that cannot connect asks before it tries again: is the cluster gone, or
//! coming back? A kind node container that was stopped (a restarted dockerd, `docker restart`, a host
//! that woke up) comes back within seconds and a step still inside its timeout should wait for it; a
//! cluster whose node containers were deleted (`kind delete cluster`) never comes back, and the run
//! should end at once and say so (`Provider::vanished`). The kind cluster this process connected to
//! is recorded when it connects; a process on another kind of cluster has none, and its reads keep
//! trying until their deadline.

use std::sync::Mutex;

static KIND_CLUSTER: Mutex<Option<String>> = Mutex::new(None);

/// This process runs on kind cluster `name` (called when it connects).
pub fn on_kind(name: &str) {
    if let Ok(mut current) = KIND_CLUSTER.lock() {
        *current = Some(name.to_string());
    }
}

/// True when this process's kind cluster has no node container any more (deleted). False when it has
/// some, in any state, when there is no kind cluster, and when Docker cannot say (a daemon that is
/// restarting is not a cluster that is gone).
pub async fn kind_cluster_gone() -> bool {
    let Some(name) = KIND_CLUSTER.lock().ok().and_then(|c| c.clone()) else { return false };
    matches!(super::kind_nodes::list(&name).await, Ok(nodes) if nodes.is_empty())
}
