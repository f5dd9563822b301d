//! The kill matrix end to end: `sa-conformance mutate` on a scenario that leaves out its negative
//! checks (tests/e2e/mutate/) must report the order and over-grant survivors and exit 1, and must
//! report a mutant the scenario does notice as killed, by the step that noticed it. Both leave no
//! ClusterRoleBinding behind.

use crate::cli;
use crate::shared::Shared;
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::rbac::v1::ClusterRoleBinding;
use kube::api::{Api, ListParams};
use libtest_mimic::{Failed, Trial};
use serde_json::Value;
use std::sync::Arc;

const SCENARIO: &str = "mutate-no-negative-check";
/// What an isolated run's namespace has after the article's: `mutate-e2e-<scenario>-<run>`.
const ISOLATED: &str = "-mutate-no-negative-check-";

/// Runs `mutate` on the shared cluster with the given operators; (exit code, stdout, JSON report).
fn mutate(shared: &Shared, operators: &[&str]) -> Result<(i32, String, Value), Failed> {
    mutate_with(shared, operators, &[])
}

/// [`mutate`] with more options (`--isolate`, `--jobs N`).
fn mutate_with(shared: &Shared, operators: &[&str], options: &[&str]) -> Result<(i32, String, Value), Failed> {
    let target = shared.target()?;
    let json = std::env::temp_dir().join(format!("sa-conformance-mutate-{}-{}.json", std::process::id(), operators.join("-")));
    let mut args = cli::on_cluster("mutate", &target, "tests/e2e/mutate");
    args.extend(["--json".into(), json.display().to_string()]);
    args.extend(operators.iter().flat_map(|op| ["--operator".to_string(), op.to_string()]));
    args.extend(options.iter().map(|o| o.to_string()));
    args.push(SCENARIO.into());
    let out = cli::output(&args.iter().map(String::as_str).collect::<Vec<_>>())?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report = std::fs::read_to_string(&json).map_err(|e| format!("no JSON report ({e}); stdout:\n{stdout}\nstderr:\n{stderr}"))?;
    let report: Value = serde_json::from_str(&report).map_err(|e| e.to_string())?;
    let leftovers = shared
        .runtime
        .block_on(Api::<ClusterRoleBinding>::all(target.client.clone()).list(&ListParams::default().labels("sa-conformance.dev/mutant")));
    // this trial's mutants only (their names carry the scenario's namespace): other trials' mutants
    // may be live beside it
    let leftovers: Vec<String> = leftovers
        .map_err(|e| e.to_string())?
        .items
        .into_iter()
        .filter_map(|b| b.metadata.name)
        .filter(|n| n.contains("mutate-e2e"))
        .collect();
    if !leftovers.is_empty() {
        return Err(format!("mutant ClusterRoleBindings left behind: {leftovers:?}").into());
    }
    // an isolated run's namespaces are told to go and not waited for: each must be gone or going
    let namespaces = shared.runtime.block_on(Api::<Namespace>::all(target.client.clone()).list(&ListParams::default()));
    let staying: Vec<String> = namespaces
        .map_err(|e| e.to_string())?
        .items
        .into_iter()
        .filter(|n| n.metadata.deletion_timestamp.is_none())
        .filter_map(|n| n.metadata.name)
        .filter(|n| n.starts_with("mutate-e2e-") && n.contains(ISOLATED))
        .collect();
    if !staying.is_empty() {
        return Err(format!("namespaces of isolated mutants not deleted: {staying:?}").into());
    }
    Ok((out.status.code().unwrap_or(-1), stdout, report))
}

/// The scenario's and its mutants' footprints (as written: an isolated run's namespaces are its own),
/// joined; an over-grant to everyone makes the trial run alone.
fn footprint(operators: &[&str], ids: &[&str]) -> Option<sa_conformance::parallel::Footprint> {
    crate::shared::mutants_footprint("tests/e2e/mutate/no-negative-check.scenario.yaml", operators, ids)
}

fn verdict<'a>(report: &'a Value, id: &str) -> Option<&'a Value> {
    report["scenarios"][0]["mutants"].as_array()?.iter().find(|m| m["id"] == id)
}

/// The order and over-grant mutants survive a scenario without its "403 before": reported, exit 1.
/// Only those two are run (`--mutant`), and no other: the over-grants to everyone would keep the trial
/// alone on the cluster.
pub fn survivor_trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    const OPERATORS: [&str; 2] = ["binding-early", "over-grant"];
    const SURVIVORS: [&str; 2] =
        ["binding-early:RoleBinding/mutate-e2e/pod-reader", "over-grant:cluster-admin@sa:mutate-e2e:pod-inspector"];
    crate::shared::gated("mutate::survivor_reported_with_exit_1", footprint(&OPERATORS, &SURVIVORS), move || {
        let only: Vec<&str> = SURVIVORS.iter().flat_map(|id| ["--mutant", id]).collect();
        let (code, stdout, report) = mutate_with(&shared, &OPERATORS, &only)?;
        if code != 1 {
            return Err(format!("exit {code}, expected 1 (a mutant survived):\n{stdout}").into());
        }
        let mut ran: Vec<&str> =
            report["scenarios"][0]["mutants"].as_array().into_iter().flatten().filter_map(|m| m["id"].as_str()).collect();
        ran.sort_unstable();
        if ran != SURVIVORS {
            return Err(format!("--mutant {SURVIVORS:?} ran the mutants {ran:?}:\n{stdout}").into());
        }
        for id in SURVIVORS {
            let v = verdict(&report, id).ok_or_else(|| format!("no mutant {id} in the report:\n{stdout}"))?;
            if v["verdict"] != "survived" {
                return Err(format!("{id}: {}, expected survived:\n{stdout}", v["verdict"]).into());
            }
            if !stdout.contains(&format!("SURVIVED {id}: ")) {
                return Err(format!("the console does not show the survivor {id} with its change:\n{stdout}").into());
            }
        }
        if !stdout.contains("kind: ClusterRoleBinding") {
            return Err(format!("the survivor's changed manifest is not shown:\n{stdout}").into());
        }
        Ok(())
    })
}

/// Without the RoleBinding the documented "may list pods" goes red: killed by that step, exit 0.
pub fn killed_trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    crate::shared::gated("mutate::killed_mutant_names_the_step", footprint(&["skip-rbac"], &[]), move || {
        let (code, stdout, report) = mutate(&shared, &["skip-rbac"])?;
        let id = "skip-rbac:RoleBinding/mutate-e2e/pod-reader";
        let v = verdict(&report, id).ok_or_else(|| format!("no mutant {id} in the report:\n{stdout}"))?;
        if v["verdict"] != "killed" || v["killed_by"]["name"] != "pod-inspector may list pods" {
            return Err(format!("{id}: {v}, expected killed by `pod-inspector may list pods`:\n{stdout}").into());
        }
        if code != 0 {
            return Err(format!("exit {code}, expected 0 (every mutant killed):\n{stdout}").into());
        }
        Ok(())
    })
}

/// Isolated and side by side (`--isolate --jobs 3`): each mutant in namespaces of its own, at the same
/// time, with the verdicts of the sequential run: the RoleBinding and the Role left out are killed by
/// "may list pods", the RoleBinding applied early survives (nothing looks before it), exit 1. The
/// runs overlapped (the whole took less than the baseline and the mutants one after another), and
/// every isolated namespace is gone or going.
pub fn isolated_trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    crate::shared::gated(
        "mutate::isolated_mutants_run_side_by_side_with_the_same_verdicts",
        footprint(&["skip-rbac", "binding-early"], &[]),
        move || {
            let (code, stdout, report) = mutate_with(&shared, &["skip-rbac", "binding-early"], &["--isolate", "--jobs", "3"])?;
            let scenario = &report["scenarios"][0];
            if scenario["isolation"]["verdict"] != "isolable" || !stdout.contains("each run in namespaces of its own") {
                return Err(format!("not run isolated ({}):\n{stdout}", scenario["isolation"]).into());
            }
            for id in ["skip-rbac:RoleBinding/mutate-e2e/pod-reader", "skip-rbac:Role/mutate-e2e/pod-reader"] {
                let v = verdict(&report, id).ok_or_else(|| format!("no mutant {id} in the report:\n{stdout}"))?;
                if v["verdict"] != "killed" || v["killed_by"]["name"] != "pod-inspector may list pods" {
                    return Err(format!("{id}: {v}, expected killed by `pod-inspector may list pods`:\n{stdout}").into());
                }
            }
            let id = "binding-early:RoleBinding/mutate-e2e/pod-reader";
            let v = verdict(&report, id).ok_or_else(|| format!("no mutant {id} in the report:\n{stdout}"))?;
            if v["verdict"] != "survived" || !stdout.contains(&format!("SURVIVED {id}: ")) {
                return Err(format!("{id}: {v}, expected survived and shown:\n{stdout}").into());
            }
            if code != 1 {
                return Err(format!("exit {code}, expected 1 (a mutant survived):\n{stdout}").into());
            }
            let ms = |v: &Value| v.as_u64().unwrap_or(0);
            let one_after_another =
                ms(&scenario["baseline_ms"]) + scenario["mutants"].as_array().map_or(0, |m| m.iter().map(|m| ms(&m["duration_ms"])).sum());
            let whole = ms(&report["duration_ms"]);
            if whole == 0 || whole >= one_after_another {
                return Err(format!(
                    "the mutants did not overlap: the whole run took {whole} ms, one after another {one_after_another} ms:\n{stdout}"
                )
                .into());
            }
            Ok(())
        },
    )
}
