//! A kind cluster's node containers, seen through Docker rather than through the API: what a laptop's
//! reboot, a `docker stop` or a restarted dockerd leaves behind is a cluster whose nodes exist but are
//! stopped, and then the API cannot answer. This module lists the nodes (kind labels each with
//! `io.x-k8s.kind.cluster=NAME`), starts stopped ones, and gives the container ids the state record
//! keeps, so ownership can be proven without a running node.

use super::ClusterError;
use crate::process::{run_ok, Cmd};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The label kind puts on every node container of a cluster.
const CLUSTER_LABEL: &str = "io.x-k8s.kind.cluster";
const SHORT: Duration = Duration::from_secs(60);

/// One node container: its full id, its name, and Docker's state (`running`, `exited`, `paused`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    pub name: String,
    #[serde(skip)]
    pub state: String,
}

impl Node {
    pub fn running(&self) -> bool {
        self.state == "running"
    }
}

/// Parses `docker ps -a --no-trunc --format '{{.ID}}\t{{.Names}}\t{{.State}}'`.
fn parse(out: &str) -> Vec<Node> {
    let mut nodes: Vec<Node> = out
        .lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            let (id, name, state) = (f.next()?.trim(), f.next()?.trim(), f.next()?.trim());
            (!id.is_empty() && !name.is_empty()).then(|| Node { id: id.into(), name: name.into(), state: state.into() })
        })
        .collect();
    // the control plane first: the other nodes join it when they start
    nodes.sort_by_key(|n| (!n.name.ends_with("-control-plane"), n.name.clone()));
    nodes
}

/// Every node container of cluster `name`, running or not.
pub async fn list(name: &str) -> Result<Vec<Node>, ClusterError> {
    let filter = format!("label={CLUSTER_LABEL}={name}");
    let argv = ["docker", "ps", "-a", "--no-trunc", "--filter", &filter, "--format", "{{.ID}}\t{{.Names}}\t{{.State}}"];
    let out = run_ok(&Cmd::new(argv), SHORT)
        .await
        .map_err(|source| ClusterError::Process { action: format!("listing the node containers of kind cluster `{name}`"), source })?;
    Ok(parse(&out.stdout))
}

/// Starts the nodes (as [`list`] gave them) that are not running (`docker unpause` for a paused one), control plane first.
/// Returns the nodes it started, with the state they were in; none when all were running.
pub async fn start_stopped(name: &str, nodes: Vec<Node>) -> Result<Vec<Node>, ClusterError> {
    let mut started = Vec::new();
    for node in nodes.into_iter().filter(|n| !n.running()) {
        let verb = if node.state == "paused" { "unpause" } else { "start" };
        run_ok(&Cmd::new(["docker", verb, node.id.as_str()]), SHORT).await.map_err(|source| ClusterError::Process {
            action: format!("starting node container {} of kind cluster `{name}` (it was {})", node.name, node.state),
            source,
        })?;
        started.push(node);
    }
    Ok(started)
}

/// Whether the containers kind lists for the cluster are exactly the ones the record names (by id).
/// An empty record (one written before ids were kept) proves nothing.
pub fn same_containers(recorded: &[Node], found: &[Node]) -> bool {
    let ids = |n: &[Node]| n.iter().map(|x| x.id.clone()).collect::<std::collections::BTreeSet<_>>();
    !recorded.is_empty() && ids(recorded) == ids(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, name: &str, state: &str) -> Node {
        Node { id: id.into(), name: name.into(), state: state.into() }
    }

    #[test]
    fn docker_ps_lines_become_nodes_control_plane_first() {
        let out = "bbb\tc-worker\texited\naaa\tc-control-plane\trunning\n\nbroken line\n";
        assert_eq!(parse(out), vec![node("aaa", "c-control-plane", "running"), node("bbb", "c-worker", "exited")]);
    }

    #[rstest::rstest]
    #[case::same(&[("a", "x")], &[("a", "x")], true)]
    #[case::same_any_order(&[("a", "x"), ("b", "y")], &[("b", "y"), ("a", "x")], true)]
    #[case::replaced_by_another_container_of_that_name(&[("a", "x")], &[("z", "x")], false)]
    #[case::one_more(&[("a", "x")], &[("a", "x"), ("b", "y")], false)]
    #[case::gone(&[("a", "x")], &[], false)]
    #[case::old_record_without_ids(&[], &[("a", "x")], false)]
    #[case::nothing_at_all(&[], &[], false)]
    fn ownership_by_container_ids_needs_the_exact_recorded_set(
        #[case] recorded: &[(&str, &str)],
        #[case] found: &[(&str, &str)],
        #[case] ours: bool,
    ) {
        let nodes = |v: &[(&str, &str)]| v.iter().map(|(i, n)| node(i, n, "exited")).collect::<Vec<_>>();
        assert_eq!(same_containers(&nodes(recorded), &nodes(found)), ours);
    }
}
