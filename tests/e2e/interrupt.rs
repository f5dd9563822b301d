//! Interrupts, end to end: SIGINT in the middle of a step deletes the scenario's namespace and exits
//! 130; SIGINT while the binary is creating its kind cluster deletes that cluster and exits 130.

use crate::cli;
use crate::shared::Shared;
use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use libtest_mimic::Trial;
use sa_conformance::cluster::state;
use std::sync::Arc;
use std::time::Duration;

const NS: &str = "sa-interrupt";

pub fn namespace_trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    crate::shared::gated(
        "interrupt::mid_step_leaves_no_namespace_and_exits_130",
        crate::shared::footprint_of_all(&["tests/e2e/interrupt/slow.scenario.yaml"]),
        move || {
            let target = shared.target()?;
            let log = std::env::temp_dir().join("sa-conformance-interrupt-ns.log");
            let mut args = cli::on_cluster("run", &target, "tests/e2e/interrupt");
            args.push("slow".into());
            let mut child = cli::spawn(&args.iter().map(String::as_str).collect::<Vec<_>>(), &log)?;
            let api: Api<Namespace> = Api::all(target.client.clone());
            let exists = |shared: &Shared| shared.runtime.block_on(api.get_opt(NS)).map(|n| n.is_some()).unwrap_or(false);
            if !cli::eventually(Duration::from_secs(60), || exists(&shared)) {
                let _ = child.kill();
                return Err(format!("the run never created namespace {NS}: {}", std::fs::read_to_string(&log).unwrap_or_default()).into());
            }
            std::thread::sleep(Duration::from_secs(2));
            cli::interrupt(&child)?;
            let code = cli::wait(&mut child, Duration::from_secs(180))?;
            let output = std::fs::read_to_string(&log).unwrap_or_default();
            if code != 130 {
                return Err(format!("expected exit code 130 after SIGINT, got {code}: {output}").into());
            }
            if exists(&shared) {
                return Err(format!("namespace {NS} is still there after the interrupted run: {output}").into());
            }
            Ok(())
        },
    )
}

fn kind_clusters() -> Vec<String> {
    let kind = std::env::var("KIND").unwrap_or_else(|_| "kind".into());
    std::process::Command::new(kind)
        .args(["get", "clusters"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().map(String::from).collect())
        .unwrap_or_default()
}

fn containers_named(name: &str) -> String {
    std::process::Command::new("docker")
        .args(["ps", "-a", "--filter", &format!("name={name}"), "--format", "{{.Names}}"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

pub fn kind_cluster_trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    crate::shared::gated("interrupt::during_cluster_creation_deletes_the_kind_cluster", None, move || {
        // The shared cluster must exist first, so the two do not compete for the machine's cores.
        shared.target()?;
        let name = "sa-conformance-interrupt";
        if kind_clusters().iter().any(|c| c == name) {
            return Err(format!("a kind cluster `{name}` already exists; delete it first").into());
        }
        let log = std::env::temp_dir().join("sa-conformance-interrupt-kind.log");
        let mut child = cli::spawn(&["run", "--name", name, "--scenarios-dir", "tests/e2e/guard"], &log)?;
        let started = cli::eventually(Duration::from_secs(180), || !containers_named(name).is_empty());
        std::thread::sleep(Duration::from_secs(3));
        cli::interrupt(&child)?;
        let code = cli::wait(&mut child, Duration::from_secs(240))?;
        let output = std::fs::read_to_string(&log).unwrap_or_default();
        if !started {
            return Err(format!("the run never started creating `{name}`: {output}").into());
        }
        if code != 130 {
            return Err(format!("expected exit code 130, got {code}: {output}").into());
        }
        let left = containers_named(name);
        if kind_clusters().iter().any(|c| c == name) || !left.is_empty() {
            return Err(format!("kind cluster `{name}` survived the interrupt (containers: {left}): {output}").into());
        }
        if state::load(name).is_some() {
            return Err("the harness still has a record of the deleted cluster".into());
        }
        let lock = sa_conformance::cluster::name_lock::path(name);
        if lock.exists() {
            return Err(format!("the name's lock file {} outlived the cluster it locked", lock.display()).into());
        }
        Ok(())
    })
    .with_ignored_flag(on_existing)
}
