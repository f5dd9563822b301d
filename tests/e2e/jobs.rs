//! `--jobs 2` end to end: two scenarios in namespaces of their own (tests/e2e/jobs) run at the same
//! time, shown by the run taking less wall time than their durations added up (run one after the
//! other, it cannot), and the one that fails still fails the run (exit 1) with its own failure.

use crate::cli;
use crate::shared::{gated, Shared};
use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use libtest_mimic::Trial;
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

const NAMESPACES: [&str; 2] = ["sa-jobs-a", "sa-jobs-b"];

fn footprint() -> Option<sa_conformance::parallel::Footprint> {
    crate::shared::footprint_of_all(&["tests/e2e/jobs/a.scenario.yaml", "tests/e2e/jobs/b.scenario.yaml"])
}

fn scenario<'a>(report: &'a Value, name: &str) -> Result<&'a Value, String> {
    report["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["name"] == name)
        .ok_or_else(|| format!("no scenario {name} in the report"))
}

fn statuses(s: &Value) -> Vec<String> {
    s["steps"].as_array().into_iter().flatten().map(|st| st["status"].as_str().unwrap_or("?").to_string()).collect()
}

pub fn overlap_trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    gated("jobs::two_independent_scenarios_overlap_and_a_failing_one_fails_the_run", footprint(), move || {
        let target = shared.target()?;
        let jobs = std::env::var("SA_CONFORMANCE_E2E_JOBS").unwrap_or_else(|_| "2".into());
        let json = std::env::temp_dir().join(format!("sa-jobs-{}.json", std::process::id()));
        let mut args = cli::on_cluster("run", &target, "tests/e2e/jobs");
        args.extend(["--jobs".into(), jobs.clone(), "--json".into(), json.display().to_string()]);
        let started = Instant::now();
        let out = cli::output(&args.iter().map(String::as_str).collect::<Vec<_>>())?;
        let wall_ms = started.elapsed().as_millis();
        let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).map_err(|e| format!("no JSON report: {e}\n{log}"))?)
            .map_err(|e| format!("JSON report does not parse: {e}"))?;
        let _ = std::fs::remove_file(&json);
        if out.status.code() != Some(1) {
            return Err(format!("a run with a failing scenario must exit 1, exited {:?}:\n{log}", out.status.code()).into());
        }
        let (a, b) = (scenario(&report, "jobs-a")?, scenario(&report, "jobs-b")?);
        if statuses(a).iter().any(|s| s != "passed") {
            return Err(format!("jobs-a must pass, its steps: {:?}\n{log}", statuses(a)).into());
        }
        if statuses(b).last().map(String::as_str) != Some("failed") || !log.contains("this text is never printed") {
            return Err(format!("jobs-b must fail at its last step and say why, its steps: {:?}\n{log}", statuses(b)).into());
        }
        let (da, db) = (a["duration_ms"].as_u64().unwrap_or(0) as u128, b["duration_ms"].as_u64().unwrap_or(0) as u128);
        eprintln!("jobs: --jobs {jobs}: wall {wall_ms} ms, jobs-a {da} ms + jobs-b {db} ms = {} ms", da + db);
        if wall_ms >= da + db {
            return Err(format!(
                "the two scenarios did not overlap: the run took {wall_ms} ms, their durations add up to {} ms (jobs-a {da}, jobs-b {db})\n{log}",
                da + db
            )
            .into());
        }
        // The run ends only when both namespaces are gone.
        let api: Api<Namespace> = Api::all(target.client.clone());
        for ns in NAMESPACES {
            if let Ok(Some(_)) = shared.runtime.block_on(api.get_opt(ns)) {
                return Err(format!("namespace {ns} still exists after the run ended").into());
            }
        }
        Ok(())
    })
}
