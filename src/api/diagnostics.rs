//! What to show when a step fails: recent events and pod states in the scenario's namespaces, and the
//! last lines of each container's log. Collected only on failure (like chainsaw's catch blocks).

use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams, LogParams};
use kube::Client;

/// A readable block of diagnostics for the given namespaces; errors become lines, never failures.
pub async fn collect(client: &Client, namespaces: &[String]) -> String {
    let mut out = String::new();
    for ns in namespaces {
        let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
        match pods.list(&ListParams::default()).await {
            Ok(list) => {
                for p in list.items {
                    out.push_str(&pod_line(ns, &p));
                    let name = p.metadata.name.clone().unwrap_or_default();
                    for c in p.spec.iter().flat_map(|s| &s.containers) {
                        let lp = LogParams { container: Some(c.name.clone()), tail_lines: Some(10), ..Default::default() };
                        if let Ok(log) = pods.logs(&name, &lp).await {
                            if !log.trim().is_empty() {
                                out.push_str(&format!("    log {}/{name} [{}]:\n", ns, c.name));
                                for l in log.lines() {
                                    out.push_str(&format!("      {l}\n"));
                                }
                            }
                        }
                    }
                }
            }
            Err(e) => out.push_str(&format!("  pods in {ns}: could not list ({})\n", crate::error::describe(&e))),
        }
        let events: Api<Event> = Api::namespaced(client.clone(), ns);
        if let Ok(list) = events.list(&ListParams::default()).await {
            let mut items = list.items;
            items.sort_by_key(|e| e.last_timestamp.clone().map(|t| t.0));
            for e in items.iter().rev().take(15).rev() {
                let obj = &e.involved_object;
                out.push_str(&format!(
                    "  event {}: {} {}/{}: {} {}\n",
                    ns,
                    e.type_.as_deref().unwrap_or(""),
                    obj.kind.as_deref().unwrap_or(""),
                    obj.name.as_deref().unwrap_or(""),
                    e.reason.as_deref().unwrap_or(""),
                    e.message.as_deref().unwrap_or("").trim()
                ));
            }
        }
    }
    out
}

fn pod_line(ns: &str, p: &Pod) -> String {
    let name = p.metadata.name.as_deref().unwrap_or("");
    let status = p.status.as_ref();
    let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or("Unknown");
    let waiting: Vec<String> = status
        .iter()
        .flat_map(|s| s.container_statuses.iter().flatten())
        .filter_map(|cs| {
            cs.state
                .as_ref()?
                .waiting
                .as_ref()
                .map(|w| format!("{}: {} {}", cs.name, w.reason.as_deref().unwrap_or(""), w.message.as_deref().unwrap_or("")))
        })
        .collect();
    format!("  pod {ns}/{name}: {phase}{}\n", if waiting.is_empty() { String::new() } else { format!(" ({})", waiting.join("; ")) })
}
