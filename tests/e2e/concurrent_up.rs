//! Two `cluster up` of one name at once (two terminals; a test run started beside a `cluster up`):
//! one creates the cluster, the other says it waits for it and then re-uses it; both exit 0 and the
//! cluster is whole (one node, running, the one its record names). Without the name's lock the second
//! `kind create` failed and its clean-up deleted the cluster the first was making. A cluster of its
//! own (`sa-conformance-faults-twice`), deleted at the end whatever happens.

use crate::docker::{docker, nodes};
use libtest_mimic::{Failed, Trial};
use std::time::{Duration, Instant};

const NAME: &str = "sa-conformance-faults-twice";

pub fn trial() -> Trial {
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    crate::shared::gated("cluster_up::two_at_once_one_creates_the_other_waits_and_both_exit_0", None, || {
        let result = scenario();
        if !nodes(NAME).unwrap_or_default().is_empty() {
            let _ = crate::cli::output(&["cluster", "down", "--name", NAME]);
        }
        result
    })
    .with_ignored_flag(on_existing)
}

fn scenario() -> Result<(), Failed> {
    if !nodes(NAME)?.is_empty() {
        return Err(format!(
            "a cluster `{NAME}` already exists; this trial makes its own (delete it with `sa-conformance cluster down --name {NAME}`)"
        )
        .into());
    }
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
    let waited = texts.iter().filter(|t| t.contains("another sa-conformance is creating or starting kind cluster")).count();
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
    if code != 0 || !nodes(NAME)?.is_empty() {
        return Err(format!("cluster down after the two: exit {code}, nodes {:?}: {text}", nodes(NAME)?).into());
    }
    eprintln!("e2e: cluster_up: two at once, one waited; both exit 0 after {took}s");
    Ok(())
}
