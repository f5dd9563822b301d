//! In an isolated run a can-i step asks kubectl's question in process: the SelfSubjectAccessReview
//! `kubectl auth can-i --as=USER` sends (impersonating the user, in the current namespace when the
//! step names none), beside the SubjectAccessReview. This trial shows that half can go red on its own
//! and goes green when it should, on the live cluster:
//! - fail-can-i (tests/e2e/cases), loaded isolated: both halves report the wrong expectation, the
//!   in-process one by its own line; loaded as written (as `run` without `--jobs` does), the kubectl
//!   process reports it, with its exit code (the e2e cases run isolated, so this is where the process
//!   half is seen red);
//! - tests/e2e/can_i/current-namespace: reader may list pods in its namespace only. With the client's
//!   default namespace `default`, "no across the cluster" holds for both halves; with a client whose
//!   default namespace is reader's (kubectl's current namespace), the in-process half answers yes and
//!   fails the step while the SubjectAccessReview, asked across the cluster, still holds.

use crate::shared::{root, Shared};
use libtest_mimic::{Failed, Trial};
use sa_conformance::cluster::Target;
use sa_conformance::outcome::ScenarioOutcome;
use sa_conformance::report::{render_failure, Silent};
use sa_conformance::scenario::{load_file_mapped, run_id, LoadOptions, MapPlan, Mapped, Scenario};
use std::path::Path;
use std::sync::Arc;

const IN_PROCESS: &str = "(its SelfSubjectAccessReview, in process)";

pub fn trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    let (case, current) =
        (root().join("tests/e2e/cases/fail-can-i.scenario.yaml"), root().join("tests/e2e/can_i/current-namespace.scenario.yaml"));
    let footprint =
        crate::shared::footprint_of_all(&["tests/e2e/cases/fail-can-i.scenario.yaml", "tests/e2e/can_i/current-namespace.scenario.yaml"]);
    crate::shared::gated("can_i::the_in_process_kubectl_question_goes_red_on_its_own", footprint, move || {
        let target = shared.target()?;
        let mut problems = Vec::new();
        // The four runs are independent (each in namespaces of its own, or the case's as written), so
        // they run at once.
        let seed = crate::shared::seed();
        let isolated = |file: &Path, n: u64| {
            let plan = MapPlan::Isolate { run_id: run_id(seed.wrapping_add(n)) };
            load_file_mapped(file, &LoadOptions::default(), &plan).map_err(|e| e.to_string())
        };
        let (case_mapped, plain, current_default, current_reader) = (
            isolated(&case, 1)?,
            sa_conformance::scenario::load_file(&case, &LoadOptions::default()).map_err(|e| e.to_string())?,
            isolated(&current, 2)?,
            isolated(&current, 3)?,
        );
        let reader_ns = current_reader.report.namespaces.get("sa-case-current-ns").cloned().ok_or("sa-case-current-ns not mapped")?;
        let in_reader_ns = with_default_namespace(&shared, &target, &reader_ns)?;
        let (case_isolated, case_plain, default_ns, reader) = shared.runtime.block_on(async {
            futures::join!(
                run(&shared, &target, &case_mapped.scenario, Some(&case_mapped)),
                run(&shared, &target, &plain, None),
                run(&shared, &target, &current_default.scenario, Some(&current_default)),
                run(&shared, &in_reader_ns, &current_reader.scenario, Some(&current_reader)),
            )
        });

        let report = render_failure(&case_isolated);
        let ns = case_mapped.report.namespaces.get("sa-case-can-i").cloned().unwrap_or_default();
        let want = [
            format!("SubjectAccessReview: can system:serviceaccount:{ns}:default list pods in namespace {ns}"),
            format!("`kubectl auth can-i list pods --as=system:serviceaccount:{ns}:default -n {ns}` {IN_PROCESS}"),
        ];
        if case_isolated.passed() {
            problems.push(format!("fail-can-i, isolated, passed:\n{report}"));
        }
        problems
            .extend(want.iter().filter(|w| !report.contains(w.as_str())).map(|w| format!("fail-can-i, isolated: no {w:?} in\n{report}")));

        let report = render_failure(&case_plain);
        let process = "`kubectl auth can-i list pods --as=system:serviceaccount:sa-case-can-i:default -n sa-case-can-i`";
        if case_plain.passed() || !report.contains(process) || !report.contains("expected: yes (exit 0)") || report.contains(IN_PROCESS) {
            problems
                .push(format!("fail-can-i, as written, must fail on the kubectl process ({process}, expected yes (exit 0)):\n{report}"));
        }

        if !default_ns.passed() {
            problems.push(format!(
                "current-namespace with the client's default namespace `default` must pass:\n{}",
                render_failure(&default_ns)
            ));
        }

        let report = render_failure(&reader);
        let mismatch = format!("`kubectl auth can-i list pods --as=system:serviceaccount:{reader_ns}:reader` {IN_PROCESS}");
        if reader.passed() || !report.contains(&mismatch) || !report.contains("expected: no") || report.contains("SubjectAccessReview: can")
        {
            problems.push(format!(
                "with the current namespace {reader_ns}, only the in-process kubectl question must fail ({mismatch:?}, expected no, actual yes), not the SubjectAccessReview:\n{report}"
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n\n").into())
        }
    })
}

/// Runs `scenario`; when it is `isolated`'s, its namespaces are named after this run and their
/// deletion is not waited for.
async fn run(shared: &Shared, target: &Target, scenario: &Scenario, isolated: Option<&Mapped>) -> ScenarioOutcome {
    let unique = isolated.map(|m| m.report.namespaces.values().cloned().collect()).unwrap_or_default();
    let opts = sa_conformance::runner::RunOptions { unique_namespaces: unique, ..shared.run_options() };
    let run = sa_conformance::suite::run_on(target, std::slice::from_ref(scenario), &opts, &mut Silent).await;
    run.scenarios.into_iter().next().expect("one scenario outcome")
}

/// The same cluster through a client whose default namespace is `ns` (kubectl's current namespace).
fn with_default_namespace(shared: &Shared, target: &Target, ns: &str) -> Result<Target, Failed> {
    use kube::config::{KubeConfigOptions, Kubeconfig};
    let kc = Kubeconfig::read_from(&target.kubeconfig).map_err(|e| e.to_string())?;
    let opts = KubeConfigOptions { context: Some(target.context.clone()), ..Default::default() };
    let mut config = shared.runtime.block_on(kube::Config::from_custom_kubeconfig(kc, &opts)).map_err(|e| e.to_string())?;
    config.default_namespace = ns.to_string();
    let client = shared.runtime.block_on(async { kube::Client::try_from(config) }).map_err(|e| e.to_string())?;
    Ok(Target { client, ..target.clone() })
}
