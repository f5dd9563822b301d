//! Docker as the fault trials drive it: the node containers of a kind cluster by its label, and the
//! `docker` verbs that inject a fault (pause, stop) or look at what is left.

use std::process::Command;

pub fn docker(args: &[&str]) -> Result<String, String> {
    let out = Command::new("docker").args(args).output().map_err(|e| format!("cannot run docker: {e}"))?;
    if !out.status.success() {
        return Err(format!("docker {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `NAME STATE` of every node container of kind cluster `cluster`, one a line (empty: no node).
pub fn nodes(cluster: &str) -> Result<String, String> {
    let filter = format!("label=io.x-k8s.kind.cluster={cluster}");
    Ok(docker(&["ps", "-a", "--filter", &filter, "--format", "{{.Names}} {{.State}}"])?.trim().to_string())
}

/// Unpauses the container when dropped, so a failing trial never leaves a node asleep.
pub struct Paused(pub String);

impl Paused {
    pub fn new(container: &str) -> Result<Paused, String> {
        docker(&["pause", container])?;
        Ok(Paused(container.to_string()))
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        let _ = docker(&["unpause", &self.0]);
    }
}

/// A trial on a kind cluster of its own, `name`: refuses one that exists (it is someone's), creates it
/// with `cluster up`, runs `body`, and deletes whatever is left of the cluster afterwards, however
/// `body` ended.
pub fn on_own_cluster(name: &str, body: impl FnOnce() -> Result<(), libtest_mimic::Failed>) -> Result<(), libtest_mimic::Failed> {
    if !nodes(name)?.is_empty() {
        return Err(format!(
            "a cluster `{name}` already exists; this trial makes its own (delete it with `sa-conformance cluster down --name {name}`)"
        )
        .into());
    }
    let result = crate::cli::output(&["cluster", "up", "--name", name]).map_err(libtest_mimic::Failed::from).and_then(|up| {
        if up.status.success() {
            body()
        } else {
            Err(format!("cluster up: {}", String::from_utf8_lossy(&up.stderr)).into())
        }
    });
    if !nodes(name).unwrap_or_default().is_empty() || sa_conformance::cluster::state::load(name).is_some() {
        let _ = crate::cli::output(&["cluster", "down", "--name", name]);
    }
    result
}
