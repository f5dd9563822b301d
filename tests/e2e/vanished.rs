//! The cluster deleted by someone else mid-run (`kind delete cluster` in another terminal, a clean-up
//! script): the run in the middle of a step must end within its timeouts, with an error that says the
//! cluster is gone (in the JSON report too), an exit code (not a panic, not a hang), and nothing of it
//! left: no node container, and after `cluster down` no record or kubeconfig of it. A cluster of its
//! own (`sa-conformance-faults-gone`), deleted at the end whatever happens.

use crate::docker::nodes;
use libtest_mimic::{Failed, Trial};
use sa_conformance::cluster::state;
use std::process::Command;
use std::time::{Duration, Instant};

const NAME: &str = "sa-conformance-faults-gone";

pub fn trial() -> Trial {
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    crate::shared::gated("vanished::a_cluster_deleted_mid_step_ends_the_run_saying_so_and_leaves_nothing", None, || {
        crate::docker::on_own_cluster(NAME, scenario)
    })
    .with_ignored_flag(on_existing)
}

fn namespace_exists() -> bool {
    let kubectl = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
    Command::new(kubectl)
        .args(["--kubeconfig", &state::kubeconfig_path(NAME).display().to_string(), "get", "namespace", "sa-woken"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn scenario() -> Result<(), Failed> {
    let log = std::env::temp_dir().join("sa-conformance-vanished.log");
    let report = std::env::temp_dir().join("sa-conformance-vanished.json");
    let _ = std::fs::remove_file(&report);
    let json = report.display().to_string();
    let mut child =
        crate::cli::spawn(&["run", "--name", NAME, "--reuse", "--scenarios-dir", "tests/e2e/faults", "--json", &json, "woken"], &log)?;
    if !crate::cli::eventually(Duration::from_secs(120), namespace_exists) {
        let _ = child.kill();
        return Err(format!("the run never created its namespace: {}", std::fs::read_to_string(&log).unwrap_or_default()).into());
    }
    // someone else deletes it, with a kubeconfig of their own
    let kind = std::env::var("KIND").unwrap_or_else(|_| "kind".into());
    let theirs = std::env::temp_dir().join("sa-conformance-vanished.kubeconfig");
    let deleted = Command::new(kind)
        .args(["delete", "cluster", "--name", NAME, "--kubeconfig"])
        .arg(&theirs)
        .output()
        .map_err(|e| format!("cannot run kind: {e}"))?;
    let _ = std::fs::remove_file(&theirs);
    if !deleted.status.success() {
        let _ = child.kill();
        return Err(format!("kind delete cluster: {}", String::from_utf8_lossy(&deleted.stderr)).into());
    }
    let t0 = Instant::now();
    let code = crate::cli::wait(&mut child, Duration::from_secs(300))?;
    let took = t0.elapsed().as_secs_f64();
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    eprintln!("e2e: vanished: the run ended {took:.1}s after the delete with exit {code}:\n{output}");
    // a deleted cluster never answers again: a step must not wait out its timeout for it (a read that
    // cannot connect tries again only while the cluster's node containers exist: 293 s before that)
    if took > 30.0 {
        return Err(format!("the run ended {took:.0}s after its cluster was deleted; it must end within 30s:\n{output}").into());
    }
    if !matches!(code, 1 | 2) {
        return Err(
            format!("a run whose cluster was deleted must exit 1 or 2 (not 0, not a panic or a signal); exit {code}:\n{output}").into()
        );
    }
    let said = format!("kind cluster `{NAME}` went away during the run");
    if !output.contains(&said) {
        return Err(format!("the run must say what happened (`{said}`); it said:\n{output}").into());
    }
    // the report is still written, and says it too
    if !std::fs::read_to_string(&report).is_ok_and(|r| r.contains(&said)) {
        return Err(format!("the JSON report {} must be written and say `{said}`", report.display()).into());
    }
    if !nodes(NAME)?.is_empty() {
        return Err(format!("containers of `{NAME}` are left: {}", nodes(NAME)?).into());
    }
    let down = crate::cli::output(&["cluster", "down", "--name", NAME])?;
    let lock = sa_conformance::cluster::name_lock::path(NAME);
    if !down.status.success() || state::load(NAME).is_some() || state::kubeconfig_path(NAME).exists() || lock.exists() {
        return Err(format!(
            "cluster down of a cluster someone else deleted must exit 0 and remove the harness's record, kubeconfig and lock file of it; exit {:?}: {}",
            down.status.code(),
            String::from_utf8_lossy(&down.stderr)
        )
        .into());
    }
    Ok(())
}
