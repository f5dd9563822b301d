//! The cluster policy of every command, end to end: a cluster that cannot be reached is the same exit
//! code (1) in `run`, `audit` and `mutate`, with the server named; `cluster down` deletes a kind
//! cluster only when both proofs of ownership agree (the state record and the in-cluster marker), so a
//! record whose marker uid is not the cluster's, or no record at all, deletes nothing (exit 2). The
//! `cluster down` trials use a copy of the state directory and a `kind` that logs instead of deleting,
//! so a policy that wrongly says yes is seen without losing the shared cluster.

use crate::cli;
use crate::shared::{cluster_name, Shared};
use libtest_mimic::{Failed, Trial};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

const NOWHERE: &str = "https://127.0.0.1:1";
const TOKEN: &str = "ownership-trial-not-a-real-token";

/// A kubeconfig whose only context points at a port nothing listens on.
fn unreachable_kubeconfig(dir: &Path) -> Result<String, String> {
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: nowhere\n  cluster:\n    server: {NOWHERE}\n    insecure-skip-tls-verify: true\n\
         contexts:\n- name: nowhere\n  context:\n    cluster: nowhere\n    user: nobody\ncurrent-context: nowhere\n\
         users:\n- name: nobody\n  user:\n    token: {TOKEN}\n"
    );
    let path = dir.join("nowhere.kubeconfig");
    std::fs::write(&path, text).map_err(|e| e.to_string())?;
    Ok(path.display().to_string())
}

pub fn unreachable_trial() -> Trial {
    Trial::test("ownership::an_unreachable_cluster_exits_1_in_run_audit_and_mutate", || {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let kc = unreachable_kubeconfig(dir.path())?;
        let target = ["--cluster", "existing", "--kubeconfig", &kc, "--context", "nowhere", "--allow-context", "nowhere"];
        let commands: [(&str, Vec<&str>); 3] = [
            ("run", [&["run"][..], &target, &["--scenarios-dir", "tests/e2e/guard", "guard-probe"]].concat()),
            ("audit", [&["audit"][..], &target, &["--as", "system:serviceaccount:dev:pod-inspector", "-n", "dev"]].concat()),
            ("mutate", [&["mutate"][..], &target, &["--scenarios-dir", "tests/e2e/guard", "guard-probe"]].concat()),
        ];
        let mut wrong = Vec::new();
        for (verb, args) in &commands {
            let started = std::time::Instant::now();
            let out = cli::output(args)?;
            let stderr = String::from_utf8_lossy(&out.stderr);
            let said = format!("`{verb}`: exit {:?} after {:.1}s; stderr: {stderr}", out.status.code(), started.elapsed().as_secs_f64());
            if out.status.code() != Some(1) {
                wrong.push(format!("expected exit 1 (cluster unreachable), got {said}"));
            } else if !stderr.contains(&format!("cannot reach the API server {NOWHERE}")) {
                wrong.push(format!("the error does not name the unreachable server: {said}"));
            } else if stderr.contains(TOKEN) {
                wrong.push(format!("the kubeconfig's token was printed: {said}"));
            } else {
                eprintln!("  {said}");
            }
        }
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(wrong.join("\n").into())
        }
    })
}

/// A `kind` that answers `get` with the real kind and logs `delete` to `log` instead of deleting.
fn kind_that_logs_deletes(dir: &Path, log: &Path) -> Result<String, String> {
    let real = std::env::var("KIND").unwrap_or_else(|_| "kind".into());
    let path = dir.join("kind");
    let script = format!("#!/bin/sh\nif [ \"$1\" = delete ]; then echo \"$@\" >> '{}'; exit 0; fi\nexec '{real}' \"$@\"\n", log.display());
    std::fs::write(&path, script).map_err(|e| e.to_string())?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
    Ok(path.display().to_string())
}

/// `cluster down` of the shared cluster with a state directory holding `record` (or none), through a
/// kind that only logs deletes: (exit code, stderr, what was deleted).
fn down_with_state(shared: &Shared, record: Option<serde_json::Value>) -> Result<(Option<i32>, String, String), Failed> {
    shared.target()?;
    let name = cluster_name();
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let state = dir.path().join("state");
    std::fs::create_dir_all(state.join("clusters")).map_err(|e| e.to_string())?;
    if let Some(mut record) = record {
        record["kubeconfig"] = state.join("clusters").join(format!("{name}.kubeconfig")).display().to_string().into();
        std::fs::write(state.join("clusters").join(format!("{name}.json")), record.to_string()).map_err(|e| e.to_string())?;
    }
    let log = dir.path().join("deleted.log");
    let kind = kind_that_logs_deletes(dir.path(), &log)?;
    let out = cli::command(&["cluster", "down", "--name", &name])
        .env("KIND", &kind)
        .env("SA_CONFORMANCE_STATE_DIR", &state)
        .output()
        .map_err(|e| format!("cannot run sa-conformance: {e}"))?;
    let deleted = std::fs::read_to_string(&log).unwrap_or_default();
    Ok((out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned(), deleted))
}

/// The shared cluster's real record, from the harness's state directory.
fn real_record() -> Result<serde_json::Value, String> {
    let record = sa_conformance::cluster::state::load(&cluster_name())
        .ok_or_else(|| format!("no state record for `{}`: this trial needs the kind cluster the harness made", cluster_name()))?;
    serde_json::to_value(record).map_err(|e| e.to_string())
}

fn refused(code: Option<i32>, stderr: &str, deleted: &str, reason: &str) -> Result<(), Failed> {
    let said = format!("exit {code:?}; stderr: {stderr}; kind delete calls: {deleted:?}");
    if !deleted.is_empty() {
        return Err(format!("cluster down deleted a cluster it could not prove its own: {said}").into());
    }
    if code != Some(2) || !stderr.contains("refusing to delete kind cluster") || !stderr.contains(reason) {
        return Err(format!("expected exit 2, `refusing to delete kind cluster` and {reason:?}: {said}").into());
    }
    Ok(())
}

pub fn marker_trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    Trial::test("ownership::cluster_down_refuses_a_cluster_whose_marker_is_not_the_recorded_one", move || {
        let mut record = real_record()?;
        // The same name and address, but the record speaks of another marker: the cluster is not that one.
        record["marker_uid"] = "00000000-0000-0000-0000-000000000000".into();
        let (code, stderr, deleted) = down_with_state(&shared, Some(record))?;
        refused(code, &stderr, &deleted, "has another uid")
    })
    .with_ignored_flag(on_existing)
}

pub fn no_record_trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    Trial::test("ownership::cluster_down_refuses_a_cluster_it_has_no_record_of", move || {
        let (code, stderr, deleted) = down_with_state(&shared, None)?;
        refused(code, &stderr, &deleted, "no record")
    })
    .with_ignored_flag(on_existing)
}

pub fn proven_trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    Trial::test("ownership::cluster_down_deletes_a_cluster_whose_record_and_marker_agree", move || {
        let (code, stderr, deleted) = down_with_state(&shared, Some(real_record()?))?;
        let said = format!("exit {code:?}; stderr: {stderr}; kind delete calls: {deleted:?}");
        if code != Some(0) || !deleted.contains(&format!("--name={}", cluster_name())) {
            return Err(format!("expected the cluster to be deleted (through the logging kind): {said}").into());
        }
        Ok(())
    })
    .with_ignored_flag(on_existing)
}
