//! A laptop that sleeps mid-run: the node container paused (what a suspended laptop or VM, or
//! `docker pause`, does: the API stops answering, nothing is lost) while `run --reuse` is in the
//! middle of a step. Shorter than the step's timeout (45 s of 120 s), the run waits it out and passes,
//! warning at most about the namespace lease it could not renew. Longer (30 s of 20 s), the step fails
//! naming its timeout, the run exits 1 once the node is back, and its namespace is still deleted.
//! Either way no namespace or lease is left. A node paused before `cluster up` is unpaused, and the
//! line says it was paused.

use crate::docker::Paused;
use crate::shared::Shared;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, PostParams};
use libtest_mimic::{Failed, Trial};
use sa_conformance::cluster::lease::{lease_name, LEASE_NAMESPACE};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NS: &str = "sa-woken";

/// One pause of the node, against a step timeout (`--var wait=`).
struct Case {
    pause: Duration,
    step_timeout: &'static str,
}

pub fn shorter_trial(shared: &Arc<Shared>) -> Trial {
    let case = Case { pause: Duration::from_secs(45), step_timeout: "120s" };
    trial(shared, "paused::a_node_paused_45s_mid_step_is_waited_out_and_the_run_passes", case)
}

pub fn longer_trial(shared: &Arc<Shared>) -> Trial {
    let case = Case { pause: Duration::from_secs(30), step_timeout: "20s" };
    trial(shared, "paused::a_node_paused_past_the_step_timeout_fails_that_step_and_leaves_nothing", case)
}

fn trial(shared: &Arc<Shared>, name: &'static str, case: Case) -> Trial {
    let shared = Arc::clone(shared);
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    crate::shared::gated(name, None, move || pause_mid_step(&shared, &case)).with_ignored_flag(on_existing)
}

fn pause_mid_step(shared: &Shared, case: &Case) -> Result<(), Failed> {
    let target = shared.target()?;
    let name = crate::shared::cluster_name();
    let log = std::env::temp_dir().join("sa-conformance-paused.log");
    let wait = format!("wait={}", case.step_timeout);
    let t0 = Instant::now();
    let mut child =
        crate::cli::spawn(&["run", "--name", &name, "--reuse", "--scenarios-dir", "tests/e2e/faults", "--var", &wait, "woken"], &log)?;
    let namespaces: Api<Namespace> = Api::all(target.client.clone());
    let exists = || shared.runtime.block_on(namespaces.get_opt(NS)).is_ok_and(|n| n.is_some());
    if !crate::cli::eventually(Duration::from_secs(120), exists) {
        let _ = child.kill();
        return Err(format!("the run never created namespace {NS}: {}", std::fs::read_to_string(&log).unwrap_or_default()).into());
    }
    {
        let _asleep = Paused::new(&format!("{name}-control-plane"))?;
        std::thread::sleep(case.pause);
    }
    // the step waits for this ConfigMap: made only after the node is back, so the pause was mid-step
    // (after a longer pause the namespace is already going, and it cannot be made: that is expected)
    let woken: ConfigMap = serde_json::from_value(serde_json::json!({"metadata": {"name": "woken"}})).map_err(|e| e.to_string())?;
    let configmaps: Api<ConfigMap> = Api::namespaced(target.client.clone(), NS);
    let made = crate::cli::eventually(Duration::from_secs(60), || {
        child.try_wait().is_ok_and(|s| s.is_some()) || shared.runtime.block_on(configmaps.create(&PostParams::default(), &woken)).is_ok()
    });
    let code = crate::cli::wait(&mut child, Duration::from_secs(240))?;
    let took = t0.elapsed().as_secs_f64();
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    let (pause, timeout) = (case.pause.as_secs(), case.step_timeout);
    let shorter = case.pause < seconds(timeout);
    if shorter && (!made || code != 0) {
        return Err(
            format!("a {pause}s pause inside a step of {timeout} must be waited out; exit {code} after {took:.1}s:\n{output}").into()
        );
    }
    let said = format!("gave up after {timeout}");
    // and why it saw nothing new: not "not found" alone, which reads as if the ConfigMap were missing
    let silent = "the API server did not answer when the step gave up";
    if !shorter && (code != 1 || !output.contains("step 2 `wait for the ConfigMap") || !output.contains(&said) || !output.contains(silent))
    {
        return Err(format!(
            "a {pause}s pause past a step of {timeout} must fail that step (`{said}`), saying `{silent}`, exit 1; exit {code}:\n{output}"
        )
        .into());
    }
    let warnings: Vec<&str> = output.lines().filter(|l| l.contains("WARN")).collect();
    if warnings.len() > 2 || warnings.iter().any(|w| !w.contains("lease")) {
        return Err(format!("at most the lease may be warned about (one or two lines); got:\n{}", warnings.join("\n")).into());
    }
    if exists() {
        return Err(format!("namespace {NS} is left after the run:\n{output}").into());
    }
    let leases: Api<Lease> = Api::namespaced(target.client.clone(), LEASE_NAMESPACE);
    if shared.runtime.block_on(leases.get_opt(&lease_name(NS))).is_ok_and(|l| l.is_some()) {
        return Err(format!("lease {LEASE_NAMESPACE}/{} is left after the run:\n{output}", lease_name(NS)).into());
    }
    eprintln!("e2e: paused: {pause}s inside a step of {timeout}: exit {code} after {took:.1}s, {} warning(s)", warnings.len());
    Ok(())
}

/// A node paused before `cluster up` (the laptop suspended between two runs) is unpaused, and the
/// line says it was paused, not stopped.
pub fn before_trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    crate::shared::gated("paused::a_node_paused_before_cluster_up_is_unpaused_and_said_so", None, move || {
        shared.target()?;
        let name = crate::shared::cluster_name();
        let node = format!("{name}-control-plane");
        let _asleep = Paused::new(&node)?;
        let out = crate::cli::output(&["cluster", "up", "--name", &name])?;
        let code = out.status.code().unwrap_or(-1);
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let said =
            format!("kind cluster `{name}` was paused (a suspended machine or `docker pause`?): unpaused {node} and it was Ready after");
        if code != 0 || !text.contains(&said) {
            return Err(format!("cluster up of a paused cluster must unpause it and say so (`{said}`); exit {code}:\n{text}").into());
        }
        let state = crate::docker::nodes(&name)?;
        if state != format!("{node} running") {
            return Err(format!("cluster up exited 0 but the node is {state:?}").into());
        }
        Ok(())
    })
    .with_ignored_flag(on_existing)
}

/// `120s` as a Duration (the trials name whole seconds only).
fn seconds(s: &str) -> Duration {
    Duration::from_secs(s.trim_end_matches('s').parse().unwrap_or(0))
}
