//! A laptop that sleeps mid-run: the node container paused (what a suspended laptop or VM, or
//! `docker pause`, does: the API stops answering, nothing is lost) for 45 s while `run --reuse` is in
//! the middle of a step whose timeout is longer. The run waits it out and passes, warns at most about
//! the namespace lease it could not renew while the node slept, and leaves no namespace or lease.

use crate::docker::Paused;
use crate::shared::Shared;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, PostParams};
use libtest_mimic::Trial;
use sa_conformance::cluster::lease::{lease_name, LEASE_NAMESPACE};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NS: &str = "sa-woken";
/// Shorter than the waiting step's 120 s timeout.
const PAUSE: Duration = Duration::from_secs(45);

pub fn trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    crate::shared::gated("paused::a_node_paused_45s_mid_step_is_waited_out_and_the_run_passes", None, move || {
        let target = shared.target()?;
        let name = crate::shared::cluster_name();
        let log = std::env::temp_dir().join("sa-conformance-paused.log");
        let t0 = Instant::now();
        let mut child = crate::cli::spawn(&["run", "--name", &name, "--reuse", "--scenarios-dir", "tests/e2e/faults", "woken"], &log)?;
        let namespaces: Api<Namespace> = Api::all(target.client.clone());
        let exists = |shared: &Shared| shared.runtime.block_on(namespaces.get_opt(NS)).is_ok_and(|n| n.is_some());
        if !crate::cli::eventually(Duration::from_secs(120), || exists(&shared)) {
            let _ = child.kill();
            return Err(format!("the run never created namespace {NS}: {}", std::fs::read_to_string(&log).unwrap_or_default()).into());
        }
        {
            let _asleep = Paused::new(&format!("{name}-control-plane"))?;
            std::thread::sleep(PAUSE);
        }
        // the step waits for this ConfigMap: made only after the node is back, so the pause was mid-step
        let woken: ConfigMap = serde_json::from_value(serde_json::json!({"metadata": {"name": "woken"}})).map_err(|e| e.to_string())?;
        let made = crate::cli::eventually(Duration::from_secs(60), || {
            let api: Api<ConfigMap> = Api::namespaced(target.client.clone(), NS);
            shared.runtime.block_on(api.create(&PostParams::default(), &woken)).is_ok()
        });
        let code = crate::cli::wait(&mut child, Duration::from_secs(240))?;
        let took = t0.elapsed().as_secs_f64();
        let output = std::fs::read_to_string(&log).unwrap_or_default();
        if !made {
            return Err(format!("the API did not answer within 60 s of the unpause: {output}").into());
        }
        if code != 0 {
            return Err(format!(
                "a {}s pause shorter than the step's timeout must be waited out; exit {code} after {took:.1}s:\n{output}",
                PAUSE.as_secs()
            )
            .into());
        }
        let warnings: Vec<&str> = output.lines().filter(|l| l.contains("WARN")).collect();
        if warnings.len() > 2 || warnings.iter().any(|w| !w.contains("lease")) {
            return Err(format!("at most the lease may be warned about (one or two lines); got:\n{}", warnings.join("\n")).into());
        }
        if exists(&shared) {
            return Err(format!("namespace {NS} is left after the run:\n{output}").into());
        }
        let leases: Api<Lease> = Api::namespaced(target.client.clone(), LEASE_NAMESPACE);
        if shared.runtime.block_on(leases.get_opt(&lease_name(NS))).is_ok_and(|l| l.is_some()) {
            return Err(format!("lease {LEASE_NAMESPACE}/{} is left after the run:\n{output}", lease_name(NS)).into());
        }
        eprintln!(
            "e2e: paused: the run waited out a {}s pause and passed in {took:.1}s with {} warning(s)",
            PAUSE.as_secs(),
            warnings.len()
        );
        Ok(())
    })
    .with_ignored_flag(on_existing)
}
