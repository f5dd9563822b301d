//! The node container stopped and started again in the middle of a step: what a restarted dockerd
//! (or `docker restart`) does to a kind node. The API server refuses connections for a while, then
//! answers again. A step still inside its timeout must wait through that (a refused connection says
//! nothing about the object it waits for), and the run must pass once the object it waits for appears,
//! leaving nothing behind. Restarting the Docker daemon itself stops every container on the host,
//! other people's too, so by default the trial restarts only its own cluster's node
//! (`sa-conformance-faults-restart`, created and deleted here); the daemon variant restarts dockerd
//! for real and runs only when asked (`SA_CONFORMANCE_FAULT_DOCKERD=1`, on a machine whose containers
//! are all yours to stop); without it, it is reported ignored, never passed.

use crate::docker::{docker, on_own_cluster};
use libtest_mimic::{Failed, Trial};
use sa_conformance::cluster::state;
use std::process::Command;
use std::time::{Duration, Instant};

const NAME: &str = "sa-conformance-faults-restart";

/// How the node is taken down and brought back.
#[derive(Clone, Copy)]
enum Restart {
    /// `docker stop` and `docker start` of the node: what a daemon restart does to it.
    Node,
    /// The Docker daemon itself stopped and started again (every container on the host stops).
    Daemon,
}

pub fn trial() -> Trial {
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    crate::shared::gated("restarted::a_node_restarted_mid_step_is_waited_through_and_the_run_passes", None, || {
        on_own_cluster(NAME, || scenario(Restart::Node))
    })
    .with_ignored_flag(on_existing)
}

/// The same with the Docker daemon restarted: opt-in (`SA_CONFORMANCE_FAULT_DOCKERD=1`).
pub fn daemon_trial() -> Trial {
    let asked = std::env::var("SA_CONFORMANCE_FAULT_DOCKERD").is_ok_and(|v| v == "1");
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    crate::shared::gated("restarted::dockerd_restarted_mid_step_is_waited_through_and_the_run_passes", None, || {
        on_own_cluster(NAME, || scenario(Restart::Daemon))
    })
    .with_ignored_flag(on_existing || !asked)
}

/// Stops the Docker daemon and starts it again: through systemd where it runs the daemon, else as
/// `scripts/host-setup.sh` starts it (`setsid dockerd`, its log beside that one).
fn restart_daemon() -> Result<(), String> {
    let systemd = Command::new("systemctl").args(["is-active", "--quiet", "docker"]).status().is_ok_and(|s| s.success());
    if systemd {
        let ok = Command::new("systemctl").args(["restart", "docker"]).status().is_ok_and(|s| s.success());
        return if ok { Ok(()) } else { Err("systemctl restart docker failed".into()) };
    }
    let pid = Command::new("pidof").arg("dockerd").output().map_err(|e| e.to_string())?;
    let pid = String::from_utf8_lossy(&pid.stdout).trim().to_string();
    if pid.is_empty() {
        return Err("no dockerd process to restart".into());
    }
    Command::new("kill").args(["-TERM", &pid]).status().map_err(|e| e.to_string())?;
    if !crate::cli::eventually(Duration::from_secs(90), || !std::path::Path::new(&format!("/proc/{pid}")).exists()) {
        return Err(format!("dockerd {pid} did not stop within 90s"));
    }
    Command::new("setsid")
        .args(["sh", "-c", "nohup dockerd >>/var/log/sa-conformance-dockerd.log 2>&1 </dev/null &"])
        .status()
        .map_err(|e| e.to_string())?;
    if !crate::cli::eventually(Duration::from_secs(60), || docker(&["info"]).is_ok()) {
        return Err("dockerd did not answer within 60s of its start".into());
    }
    Ok(())
}

fn kubectl(args: &[&str]) -> bool {
    let kubectl = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
    Command::new(kubectl)
        .args(["--kubeconfig", &state::kubeconfig_path(NAME).display().to_string(), "--request-timeout=3s"])
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn scenario(how: Restart) -> Result<(), Failed> {
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
    match how {
        Restart::Node => {
            docker(&["stop", &node])?;
            docker(&["start", &node])?;
        }
        Restart::Daemon => {
            restart_daemon()?;
            let state = docker(&["inspect", "-f", "{{.State.Status}} (restart policy {{.HostConfig.RestartPolicy.Name}})", &node])?;
            eprintln!("e2e: restarted: after the daemon's restart the node is {}", state.trim());
        }
    }
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
