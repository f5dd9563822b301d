//! End-to-end trials against a real cluster, one per shipped scenario plus the harness's own cases
//! (each step kind passing and failing, the wrong-context guard, interrupts, an external token user,
//! the non-extending token profile on a cluster of its own).
//! libtest-mimic gives `cargo test -- --list`, filters and nextest support; one cluster is shared by
//! the whole run (see `shared`).

mod audit_defaults;
mod audit_screen;
mod cache_full;
mod can_i_in_process;
mod cases;
mod cli;
mod concurrent_up;
mod credentials;
mod disk_full;
mod docker;
mod external_token;
mod fresh;
mod guard;
mod interrupt;
mod jobs;
mod kubeconfig_lost;
mod lab;
mod lease;
mod mutate;
mod ownership;
mod paused;
mod profile;
mod reboot;
mod reports;
mod restarted;
mod setup;
mod shared;
mod teardown;
mod vanished;

use libtest_mimic::{Arguments, Failed, Trial};
use sa_conformance::report::{render_failure, Silent};
use sa_conformance::runner::RunOptions;
use sa_conformance::scenario::{load_file_mapped, run_id, Catalog, LoadOptions, MapPlan};
use shared::{root, Shared};
use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::Arc;

fn main() -> ExitCode {
    let mut args = Arguments::from_args();
    // As `cargo run -- run` does: a prepared host without kind, offline build or registry builds it.
    let needs_cluster = !args.list && std::env::var_os("SA_CONFORMANCE_CONTEXT").is_none();
    if needs_cluster && !sa_conformance::cluster::offline::user_configured() {
        if let Err(e) = sa_conformance::cluster::bootstrap::ensure(&root()) {
            eprintln!("e2e: {e}");
            return ExitCode::from(2);
        }
    }
    // As the CLI does: the offline build (if any) provides kind, kubectl and the images, no `source`.
    if let Err(e) = sa_conformance::cluster::offline::use_offline_build() {
        eprintln!("e2e: {e}");
        return ExitCode::from(2);
    }
    // Trials whose footprints do not conflict run at once (the `--jobs` rule, see `shared::gated`);
    // those that run alone keep apart. Most of a trial is waiting for the cluster (a pod to start, a
    // namespace to go), so three threads a core: on 2 cores, 6 instead of 2 took the warm-cluster
    // trials from 551 s to 391 s with no other change (docs/benchmarks.md, scripts/bench-e2e.sh).
    if args.test_threads.is_none() {
        args.test_threads = Some(std::thread::available_parallelism().map_or(6, |n| (n.get() * 3).clamp(4, 8)));
    }
    let shared = Arc::new(Shared::new());
    let mut trials = match scenario_trials(&shared) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("e2e: {e}");
            return ExitCode::from(2);
        }
    };
    trials.extend(cases::trials(&shared));
    // The longest of the harness's own trials first (each over 25 s on 2 cores), so none of them is
    // left to start last: the participant's sections, the mistake matrix, the two lease trials.
    trials.push(lab::sections_trial(&shared));
    trials.extend(lab::mistakes_trials(&shared));
    trials.push(lease::two_runs_trial(&shared));
    trials.push(lease::killed_run_trial(&shared));
    trials.push(guard::trial(&shared));
    trials.push(guard::allow_trial(&shared));
    trials.push(interrupt::namespace_trial(&shared));
    trials.push(interrupt::kind_cluster_trial(&shared));
    trials.push(external_token::trial(&shared));
    trials.push(fresh::trial(&shared));
    trials.push(audit_defaults::trial(&shared));
    trials.push(audit_screen::trial(&shared));
    trials.push(can_i_in_process::trial(&shared));
    trials.push(reports::trial(&shared));
    trials.push(teardown::trial(&shared));
    trials.push(profile::trial(&shared));
    trials.push(jobs::overlap_trial(&shared));
    trials.push(lease::isolated_leftover_trial(&shared));
    trials.push(credentials::trial(&shared));
    trials.push(lab::bad_input_trial());
    trials.push(reboot::trial());
    trials.push(kubeconfig_lost::trial(&shared));
    trials.push(paused::shorter_trial(&shared));
    trials.push(paused::longer_trial(&shared));
    trials.push(paused::before_trial(&shared));
    trials.push(disk_full::trial(&shared));
    trials.push(cache_full::trial());
    trials.push(concurrent_up::trial());
    trials.push(concurrent_up::down_trial());
    trials.push(vanished::trial());
    trials.push(restarted::trial());
    trials.push(restarted::daemon_trial());
    trials.push(setup::no_toolchain_trial());
    trials.push(setup::daemon_down_trial());
    trials.push(setup::builds_offline_trial());
    trials.push(mutate::survivor_trial(&shared));
    trials.push(mutate::killed_trial(&shared));
    trials.push(mutate::isolated_trial(&shared));
    trials.push(ownership::unreachable_trial());
    trials.push(ownership::marker_trial(&shared));
    trials.push(ownership::no_record_trial(&shared));
    trials.push(ownership::proven_trial(&shared));
    // The trials that run alone first, one after another, then the rest side by side: an alone trial
    // met midway waits for every running trial to end while the threads behind it idle. Of the rest,
    // the longest kinds first (the harness's own trials each run several scenarios or processes, then
    // the shipped scenarios, then the cases), so that the short cases fill the end.
    trials.sort_by_key(|t| {
        let kind = match t.name().split("::").next() {
            Some("case") => 2,
            Some("scenario") => 1,
            _ => 0,
        };
        (!shared::runs_alone(t.name()), kind)
    });
    let conclusion = libtest_mimic::run(&args, trials);
    shared.release();
    conclusion.exit_code()
}

/// One trial per shipped scenario; none found is an error, not a silent pass. Each runs isolated, as
/// `run --isolate` does (issue 25): in namespaces named after this test run, every mention mapped by
/// the loader, their deletion not awaited, so trials of different scenarios overlap; a scenario that
/// cannot be isolated runs as written (`cargo run -- run` keeps the record of the article verbatim).
fn scenario_trials(shared: &Arc<Shared>) -> Result<Vec<Trial>, String> {
    let dir = std::env::var_os("SA_CONFORMANCE_SCENARIOS").map(std::path::PathBuf::from).unwrap_or_else(|| root().join("scenarios"));
    let catalog = Catalog::load(&dir, &LoadOptions::default()).map_err(|e| e.to_string())?;
    if catalog.scenarios.is_empty() {
        return Err("no scenarios found in scenarios/".into());
    }
    let plan = MapPlan::Isolate { run_id: run_id(shared::seed()) };
    Ok(catalog
        .scenarios
        .into_iter()
        .map(|verbatim| {
            let shared = Arc::clone(shared);
            let (scenario, unique) = match load_file_mapped(&verbatim.file, &LoadOptions::default(), &plan) {
                Ok(m) if m.report.isolation.is_isolable() => {
                    let unique: BTreeSet<String> = m.report.namespaces.values().cloned().collect();
                    (m.scenario, unique)
                }
                _ => (verbatim, BTreeSet::new()),
            };
            let footprint = Some(sa_conformance::parallel::Footprint::of(&scenario));
            shared::gated(format!("scenario::{}", scenario.name), footprint, move || run_isolated(&shared, &scenario, unique))
        })
        .collect())
}

/// Runs a scenario on the shared cluster; passes only if every step passed.
pub fn run_scenario(shared: &Shared, scenario: &sa_conformance::scenario::Scenario) -> Result<(), Failed> {
    run_isolated(shared, scenario, BTreeSet::new())
}

/// [`run_scenario`] for a scenario whose namespaces `unique` no later run reuses (not waited for).
fn run_isolated(shared: &Shared, scenario: &sa_conformance::scenario::Scenario, unique: BTreeSet<String>) -> Result<(), Failed> {
    let target = shared.target()?;
    let opts = RunOptions { unique_namespaces: unique, ..shared.run_options() };
    let outcome = shared.runtime.block_on(sa_conformance::suite::run_on(&target, std::slice::from_ref(scenario), &opts, &mut Silent));
    match outcome.scenarios.first() {
        Some(o) if o.passed() => Ok(()),
        Some(o) => Err(render_failure(o).into()),
        None => Err("interrupted before the scenario started".into()),
    }
}
