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
