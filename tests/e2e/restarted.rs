//! The node container stopped and started again in the middle of a step: what a restarted dockerd
//! (or `docker restart`) does to a kind node. The API server refuses connections for a while, then
//! answers again. A step still inside its timeout must wait through that (a refused connection says
//! nothing about the object it waits for), and the run must pass once the object it waits for appears,
//! leaving nothing behind. Restarting the Docker daemon itself would stop every container on the host,
//! other people's too, so the trial restarts only its own cluster's node (`sa-conformance-faults-restart`,
//! created and deleted here).

use crate::docker::{docker, nodes};
use libtest_mimic::{Failed, Trial};
use sa_conformance::cluster::state;
use std::process::Command;
use std::time::{Duration, Instant};

const NAME: &str = "sa-conformance-faults-restart";

pub fn trial() -> Trial {
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    crate::shared::gated("restarted::a_node_restarted_mid_step_is_waited_through_and_the_run_passes", None, || {
        let result = scenario();
        if !nodes(NAME).unwrap_or_default().is_empty() || state::load(NAME).is_some() {
            let _ = crate::cli::output(&["cluster", "down", "--name", NAME]);
        }
        result
    })
    .with_ignored_flag(on_existing)
}

fn kubectl(args: &[&str]) -> bool {
    let kubectl = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
    Command::new(kubectl)
        .args(["--kubeconfig", &state::kubeconfig_path(NAME).display().to_string(), "--request-timeout=3s"])
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn scenario() -> Result<(), Failed> {
    if !nodes(NAME)?.is_empty() {
        return Err(format!(
            "a cluster `{NAME}` already exists; this trial makes its own (delete it with `sa-conformance cluster down --name {NAME}`)"
        )
        .into());
    }
    let up = crate::cli::output(&["cluster", "up", "--name", NAME])?;
    if !up.status.success() {
        return Err(format!("cluster up: {}", String::from_utf8_lossy(&up.stderr)).into());
    }
    let log = std::env::temp_dir().join("sa-conformance-restarted.log");
    let mut child = crate::cli::spawn(&["run", "--name", NAME, "--reuse", "--keep", "--scenarios-dir", "tests/e2e/faults", "woken"], &log)?;
    let read = || std::fs::read_to_string(&log).unwrap_or_default();
    if !crate::cli::eventually(Duration::from_secs(120), || kubectl(&["get", "namespace", "sa-woken"])) {
        let _ = child.kill();
        return Err(format!("the run never created its namespace: {}", read()).into());
    }
    // the run is in step 2, waiting (up to 120 s) for the ConfigMap: stop and start the node
    let node = format!("{NAME}-control-plane");
    let t0 = Instant::now();
    docker(&["stop", &node])?;
    docker(&["start", &node])?;
    if !crate::cli::eventually(Duration::from_secs(90), || kubectl(&["get", "namespace", "sa-woken"])) {
        let _ = child.kill();
        return Err(format!("the API server did not answer within 90s of the node's restart: {}", read()).into());
    }
    let back = t0.elapsed().as_secs_f64();
    if !crate::cli::eventually(Duration::from_secs(20), || kubectl(&["create", "configmap", "woken", "-n", "sa-woken"])) {
        let _ = child.kill();
        return Err(format!("could not create the ConfigMap the run waits for: {}", read()).into());
    }
    let code = crate::cli::wait(&mut child, Duration::from_secs(180))?;
    let output = read();
    if code != 0 {
        return Err(format!(
            "the node was back {back:.0}s after its restart, inside the step's 120s: the step must wait through it and the run pass; exit {code}:\n{output}"
        )
        .into());
    }
    if kubectl(&["get", "namespace", "sa-woken"]) {
        return Err(format!("namespace sa-woken is left after the run:\n{output}").into());
    }
    eprintln!("e2e: restarted: the API server answered again {back:.1}s after the node's restart; the run passed");
    Ok(())
}
