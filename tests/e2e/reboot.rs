//! A cluster that outlives a reboot, as a user meets it through the CLI: a kind cluster kept with
//! `cluster up` whose node container is stopped (what a host restart or `docker stop` leaves) is
//! started by the next `cluster up`, which says so in one line and exits 0 with the node Ready; and a
//! stopped cluster is deleted by `cluster down`, whose proof of ownership (the record's container ids)
//! needs no running node, and refused when the record names other containers. A cluster of its own (`sa-conformance-reboot`), deleted at the end whatever
//! happens.

use crate::docker::docker;
use libtest_mimic::{Failed, Trial};
use std::time::Instant;

const NAME: &str = "sa-conformance-reboot";

/// `sa-conformance ARGS` with this process's environment (the offline build, the state directory).
fn cli(args: &[&str]) -> Result<(i32, String), Failed> {
    let out = crate::cli::output(args)?;
    Ok((out.status.code().unwrap_or(-1), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))))
}

fn node_states() -> Result<String, String> {
    crate::docker::nodes(NAME)
}

pub fn trial() -> Trial {
    crate::shared::gated("reboot::a_stopped_cluster_is_started_by_cluster_up_and_deleted_by_cluster_down", None, || {
        let result = scenario();
        if !node_states().unwrap_or_default().is_empty() {
            // the trial made this cluster: never leave it, whatever failed above
            let _ = cli(&["cluster", "down", "--name", NAME]);
        }
        result
    })
}

fn scenario() -> Result<(), Failed> {
    if !node_states()?.is_empty() {
        return Err(format!(
            "a cluster `{NAME}` already exists; this trial makes its own (delete it with `sa-conformance cluster down --name {NAME}`)"
        )
        .into());
    }
    let (code, text) = cli(&["cluster", "up", "--name", NAME])?;
    if code != 0 {
        return Err(format!("cluster up exited {code}:\n{text}").into());
    }
    let node = format!("{NAME}-control-plane");
    docker(&["stop", &node])?;
    if !node_states()?.contains("exited") {
        return Err(format!("the node did not stop: {}", node_states()?).into());
    }
    let t0 = Instant::now();
    let (code, text) = cli(&["cluster", "up", "--name", NAME])?;
    let took = t0.elapsed().as_secs();
    let said = format!("kind cluster `{NAME}` was stopped (a host restart or `docker stop`?): started {node} and it was Ready after");
    if code != 0 || !text.contains(&said) {
        return Err(format!(
            "after `docker stop {node}`, cluster up must start it and say so (`{said}`); exit {code} after {took}s:\n{text}"
        )
        .into());
    }
    if !node_states()?.contains("running") {
        return Err(format!("cluster up exited 0 but the node is not running: {}", node_states()?).into());
    }
    eprintln!("e2e: reboot: the stopped cluster was back and Ready through `cluster up` in {took}s");
    // a stopped cluster is deleted through the record's container ids, with no API to ask; first the
    // red side: a record that names other containers proves nothing, and nothing is deleted
    docker(&["stop", &node])?;
    let record_path = sa_conformance::cluster::state::state_dir().join("clusters").join(format!("{NAME}.json"));
    let record = std::fs::read_to_string(&record_path).map_err(|e| format!("{}: {e}", record_path.display()))?;
    let mut forged: serde_json::Value = serde_json::from_str(&record).map_err(|e| e.to_string())?;
    let Some(id) = forged["nodes"][0]["id"].as_str().map(String::from) else {
        return Err(format!("the record names no node container ids: {record}").into());
    };
    forged["nodes"][0]["id"] = format!("0{}", &id[1..]).into();
    std::fs::write(&record_path, forged.to_string()).map_err(|e| e.to_string())?;
    let refused = cli(&["cluster", "down", "--name", NAME]);
    std::fs::write(&record_path, &record).map_err(|e| e.to_string())?;
    let (code, text) = refused?;
    if code != 2 || !text.contains("are not the containers its record names") || node_states()?.is_empty() {
        return Err(format!(
            "cluster down with a record naming other containers must refuse (exit 2) and delete nothing; exit {code}, nodes {:?}:\n{text}",
            node_states()?
        )
        .into());
    }
    let (code, text) = cli(&["cluster", "down", "--name", NAME])?;
    if code != 0 || !node_states()?.is_empty() {
        return Err(format!("cluster down of the stopped cluster: exit {code}, nodes left: {:?}:\n{text}", node_states()?).into());
    }
    Ok(())
}
