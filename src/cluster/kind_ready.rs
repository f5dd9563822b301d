//! When a kind cluster is usable, after kind created it or after its stopped nodes were started: every
//! node Ready, then CoreDNS available (pods reach the API by its Service name). Each wait has its own
//! limit and names what it last saw.

use super::Target;
use kube::api::Api;
use std::time::Duration;

/// Every node of a cluster that has just been started reports Ready (the API answers first, kubelet
/// a moment later).
pub(super) async fn nodes_ready(target: &Target) -> Result<(), String> {
    use k8s_openapi::api::core::v1::Node;
    let api: Api<Node> = Api::all(target.client.clone());
    let limit = Duration::from_secs(240);
    let started = std::time::Instant::now();
    let mut last = String::from("no answer yet");
    while started.elapsed() < limit {
        match api.list(&Default::default()).await {
            Ok(list) => {
                let not_ready: Vec<String> = list
                    .items
                    .iter()
                    .filter(|n| {
                        !n.status
                            .as_ref()
                            .and_then(|s| s.conditions.as_ref())
                            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
                    })
                    .map(|n| n.metadata.name.clone().unwrap_or_default())
                    .collect();
                if !list.items.is_empty() && not_ready.is_empty() {
                    return Ok(());
                }
                last = format!("not Ready: {}", not_ready.join(", "));
            }
            Err(e) => last = crate::error::describe(&e),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Err(format!("nodes not Ready after {}s: {last}", limit.as_secs()))
}

/// Pods reach the API as `kubernetes.default.svc`, so the cluster is usable once CoreDNS is available
/// (kind's `--wait` covers the control plane only).
pub(super) async fn dns_available(target: &Target) -> Result<(), String> {
    use k8s_openapi::api::apps::v1::Deployment;
    let api: Api<Deployment> = Api::namespaced(target.client.clone(), "kube-system");
    let limit = Duration::from_secs(180);
    let started = std::time::Instant::now();
    let mut last = String::from("not found");
    while started.elapsed() < limit {
        match api.get_opt("coredns").await {
            Ok(Some(d)) => {
                let available = d.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0);
                if available > 0 {
                    return Ok(());
                }
                last = format!("{available} available replicas");
            }
            Ok(None) => last = "no coredns Deployment".into(),
            Err(e) => last = crate::error::describe(&e),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Err(format!("CoreDNS (kube-system/coredns) not available after {}s: {last}", limit.as_secs()))
}
