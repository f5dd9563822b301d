//! Two cluster commands of one name at once (two terminals; a test run started beside a `cluster
//! up`). Two `cluster up`: one creates the cluster, the other says it waits for it and then re-uses
//! it; both exit 0 and the cluster is whole (one node, running, the one its record names). Without
//! the name's lock the second exited 1, taking the first's half-made cluster for someone else's. A
//! `cluster down` during a `cluster up`: the down waits, then deletes the whole cluster; both exit 0
//! and nothing is left (no node, record, kubeconfig or lock file). Clusters of their own (`sa-conformance-faults-twice`, `-updown`), deleted at
//! the end whatever happens.

use crate::docker::{docker, nodes};
use libtest_mimic::{Failed, Trial};
use sa_conformance::cluster::{name_lock, state};
use std::time::{Duration, Instant};

const NAME: &str = "sa-conformance-faults-twice";

const UP_DOWN: &str = "sa-conformance-faults-updown";
const WAITS: &str = "another sa-conformance is creating, starting or deleting kind cluster";

pub fn trial() -> Trial {
    own_cluster("cluster_up::two_at_once_one_creates_the_other_waits_and_both_exit_0", NAME, two_ups)
}

pub fn down_trial() -> Trial {
    own_cluster("cluster_up::a_cluster_down_during_cluster_up_waits_then_deletes_it_whole", UP_DOWN, up_then_down)
}

/// A trial on a cluster of its own, deleted at the end whatever happened.
fn own_cluster(trial: &'static str, name: &'static str, body: fn() -> Result<(), Failed>) -> Trial {
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    crate::shared::gated(trial, None, move || {
        if !nodes(name)?.is_empty() {
            return Err(format!(
                "a cluster `{name}` already exists; this trial makes its own (delete it with `sa-conformance cluster down --name {name}`)"
            )
            .into());
        }
        let result = body();
        if !nodes(name).unwrap_or_default().is_empty() || state::load(name).is_some() {
            let _ = crate::cli::output(&["cluster", "down", "--name", name]);
        }
        result
    })
    .with_ignored_flag(on_existing)
}

fn two_ups() -> Result<(), Failed> {
    let t0 = Instant::now();
    let logs = [1, 2].map(|i| std::env::temp_dir().join(format!("sa-conformance-twice-{i}.log")));
    let mut first = crate::cli::spawn(&["cluster", "up", "--name", NAME], &logs[0])?;
    std::thread::sleep(Duration::from_secs(2));
    let mut second = crate::cli::spawn(&["cluster", "up", "--name", NAME], &logs[1])?;
    let codes = [crate::cli::wait(&mut first, Duration::from_secs(900))?, crate::cli::wait(&mut second, Duration::from_secs(900))?];
    let took = t0.elapsed().as_secs();
    let texts = logs.map(|l| std::fs::read_to_string(l).unwrap_or_default());
    let both = format!("--- first (exit {}) ---\n{}\n--- second (exit {}) ---\n{}", codes[0], texts[0], codes[1], texts[1]);
    if codes != [0, 0] {
        return Err(format!("both `cluster up` must exit 0 after {took}s:\n{both}").into());
    }
    let waited = texts.iter().filter(|t| t.contains(WAITS)).count();
    if waited != 1 {
        return Err(format!("exactly one of the two must say it waits for the other ({waited} did):\n{both}").into());
    }
    let found = nodes(NAME)?;
    if found != format!("{NAME}-control-plane running") {
        return Err(format!("the cluster is not whole: nodes {found:?}\n{both}").into());
    }
    let record = sa_conformance::cluster::state::load(NAME).ok_or_else(|| format!("no record of `{NAME}` is left:\n{both}"))?;
    let id = docker(&["inspect", "--format", "{{.Id}}", &format!("{NAME}-control-plane")])?;
    if record.nodes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>() != [id.trim()] {
        return Err(format!("the record names {:?}, the node is {}", record.nodes, id.trim()).into());
    }
    let (code, text) = {
        let out = crate::cli::output(&["cluster", "down", "--name", NAME])?;
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    if code != 0 || !nodes(NAME)?.is_empty() || name_lock::path(NAME).exists() {
        return Err(format!("cluster down after the two: exit {code}, nodes {:?}: {text}", nodes(NAME)?).into());
    }
    eprintln!("e2e: cluster_up: two at once, one waited; both exit 0 after {took}s");
    Ok(())
}

fn up_then_down() -> Result<(), Failed> {
    let t0 = Instant::now();
    let logs = ["up", "down"].map(|i| std::env::temp_dir().join(format!("sa-conformance-updown-{i}.log")));
    let mut up = crate::cli::spawn(&["cluster", "up", "--name", UP_DOWN], &logs[0])?;
    // down once the node container is there: kind is mid-creation
    let started = crate::cli::eventually(Duration::from_secs(120), || !nodes(UP_DOWN).unwrap_or_default().is_empty());
    let mut down = crate::cli::spawn(&["cluster", "down", "--name", UP_DOWN], &logs[1])?;
    let codes = [crate::cli::wait(&mut up, Duration::from_secs(900))?, crate::cli::wait(&mut down, Duration::from_secs(900))?];
    let took = t0.elapsed().as_secs();
    let texts = logs.map(|l| std::fs::read_to_string(l).unwrap_or_default());
    let both = format!("--- up (exit {}) ---\n{}\n--- down (exit {}) ---\n{}", codes[0], texts[0], codes[1], texts[1]);
    if !started {
        return Err(format!("kind never started the node:\n{both}").into());
    }
    if codes != [0, 0] || !texts[1].contains(WAITS) || !texts[1].contains(&format!("deleted kind cluster `{UP_DOWN}`")) {
        return Err(format!(
            "cluster up must finish (exit 0) and cluster down wait for it, then delete it (exit 0); after {took}s:\n{both}"
        )
        .into());
    }
    let left = nodes(UP_DOWN)?;
    if !left.is_empty() || state::load(UP_DOWN).is_some() || state::kubeconfig_path(UP_DOWN).exists() || name_lock::path(UP_DOWN).exists() {
        return Err(format!(
            "something of `{UP_DOWN}` is left: nodes {left:?}, record {}, lock file {}\n{both}",
            state::load(UP_DOWN).is_some(),
            name_lock::path(UP_DOWN).exists()
        )
        .into());
    }
    eprintln!("e2e: cluster_up: cluster down waited for cluster up and deleted the whole cluster after {took}s");
    Ok(())
}
