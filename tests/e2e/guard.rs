//! The wrong-context guard, end to end: the binary pointed at a context it did not create (the same
//! cluster under a context name it has no record of) writes nothing and says why; naming the context
//! with `--allow-context` lets the same run through.

use crate::cli;
use crate::shared::Shared;
use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use libtest_mimic::{Failed, Trial};
use sa_conformance::cluster::Target;
use std::path::PathBuf;
use std::sync::Arc;

const FOREIGN: &str = "someone-elses-cluster";
const PROBE_NS: &str = "sa-guard-probe";

/// What both trials touch: the probe scenario's namespace (one writes it, the other proves it absent).
fn probe_footprint() -> Option<sa_conformance::parallel::Footprint> {
    crate::shared::footprint_of_all(&["tests/e2e/guard/guard-probe.scenario.yaml"])
}

/// A kubeconfig for the test cluster whose context is called FOREIGN.
fn foreign_kubeconfig(target: &Target) -> Result<PathBuf, String> {
    let text = std::fs::read_to_string(&target.kubeconfig).map_err(|e| e.to_string())?;
    // client-go reads a kubeconfig with sigs.k8s.io/yaml, as it reads manifests.
    let docs = sa_conformance::yaml::k8s::documents(&text).map_err(|e| e.to_string())?;
    let mut doc = docs.into_iter().next().ok_or("kubeconfig is empty")?.json;
    let contexts = doc.get_mut("contexts").and_then(|c| c.as_array_mut()).ok_or("kubeconfig has no contexts")?;
    for c in contexts.iter_mut() {
        if c.get("name").and_then(|n| n.as_str()) == Some(target.context.as_str()) {
            c["name"] = FOREIGN.into();
        }
    }
    doc["current-context"] = FOREIGN.into();
    let path = std::env::temp_dir().join(format!("sa-conformance-guard-{}.kubeconfig", std::process::id()));
    std::fs::write(&path, sa_conformance::yaml::k8s::render(&[doc])).map_err(|e| e.to_string())?;
    Ok(path)
}

fn namespace_exists(shared: &Shared, target: &Target) -> Result<bool, String> {
    let api: Api<Namespace> = Api::all(target.client.clone());
    shared.runtime.block_on(api.get_opt(PROBE_NS)).map(|n| n.is_some()).map_err(|e| e.to_string())
}

fn run_probe(shared: &Shared, extra: &[&str]) -> Result<(std::process::Output, Target), Failed> {
    let target = shared.target()?;
    let kubeconfig = foreign_kubeconfig(&target)?;
    let kc = kubeconfig.display().to_string();
    // No `--cluster existing`: a kubeconfig and a context name that cluster. (Before, they were
    // ignored without it, and a kind cluster was made instead: the refused run wrote nothing to the
    // named cluster, but made one nobody asked for.)
    let mut args = vec!["run", "--kubeconfig", &kc, "--context", FOREIGN, "--scenarios-dir", "tests/e2e/guard"];
    args.extend_from_slice(extra);
    args.push("guard-probe");
    let out = cli::output(&args)?;
    let _ = std::fs::remove_file(&kubeconfig);
    Ok((out, target))
}

pub fn trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    crate::shared::gated("guard::refuses_a_context_it_did_not_create_and_writes_nothing", probe_footprint(), move || {
        let (out, target) = run_probe(&shared, &[])?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(2) {
            return Err(format!("expected exit code 2, got {:?}; stderr: {stderr}", out.status.code()).into());
        }
        for want in [format!("refusing to touch context `{FOREIGN}`"), "nothing was written".into(), format!("--allow-context {FOREIGN}")] {
            if !stderr.contains(&want) {
                return Err(format!("stderr lacks {want:?}: {stderr}").into());
            }
        }
        if namespace_exists(&shared, &target)? {
            return Err(format!("namespace {PROBE_NS} exists: the refused run wrote to the cluster").into());
        }
        Ok(())
    })
}

pub fn allow_trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    crate::shared::gated("guard::allow_context_lets_a_named_context_through", probe_footprint(), move || {
        let (out, target) = run_probe(&shared, &["--allow-context", FOREIGN])?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(0) || !stdout.contains("scenarios: 1 passed, 0 failed") {
            return Err(format!("expected a passing run, got {:?}\nstdout: {stdout}\nstderr: {stderr}", out.status.code()).into());
        }
        if !stderr.contains(&target.server) {
            return Err(format!("the run did not say which server it writes to: {stderr}").into());
        }
        if namespace_exists(&shared, &target)? {
            return Err(format!("namespace {PROBE_NS} was left behind").into());
        }
        Ok(())
    })
}
