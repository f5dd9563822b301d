//! The command's exit codes and how a run maps to one, kept in the library so the mapping is
//! unit-tested: 0 passed, 1 a check failed, the cluster could not be used (it cannot be reached, it
//! could not be created) or could not be released, 2 usage or input error (a refused context or
//! cluster, a namespace another run holds with `--no-wait`), 130 interrupted. Every command maps a
//! cluster error through [`for_cluster_error`], so an unreachable cluster is 1 everywhere.

use crate::cluster::ClusterError;
use crate::outcome::RunOutcome;
use crate::suite::SuiteError;

pub const PASSED: u8 = 0;
pub const FAILED: u8 = 1;
pub const USAGE: u8 = 2;
pub const INTERRUPTED: u8 = 130;

/// The exit code for a finished run: an interrupt wins; any failed scenario or teardown error is red.
pub fn for_run(run: &RunOutcome) -> u8 {
    if run.interrupted {
        INTERRUPTED
    } else if run.passed() {
        PASSED
    } else {
        FAILED
    }
}

/// The exit code for a cluster that could not be used: a refusal of the ownership policy (the guard,
/// `cluster down` of a cluster we did not create) is the user's to change (2); anything else,
/// an unreachable API server included, is 1.
pub fn for_cluster_error(e: &ClusterError) -> u8 {
    match e {
        ClusterError::Guard(_) | ClusterError::NotOurs { .. } => USAGE,
        _ => FAILED,
    }
}

/// The exit code for a run that did not get going: an interrupt, a held namespace with `--no-wait`,
/// or a cluster error as [`for_cluster_error`] maps it.
pub fn for_suite_error(e: &SuiteError) -> u8 {
    match e {
        SuiteError::Interrupted => INTERRUPTED,
        // Interrupted, but something was left behind: a failure, so no one mistakes it for a clean stop.
        SuiteError::InterruptedLeft(_) => FAILED,
        SuiteError::NamespaceHeld(_) => USAGE,
        SuiteError::Cluster(c) => for_cluster_error(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{RunOutcome, ScenarioOutcome};
    use rstest::rstest;

    fn run(scenario_ok: bool, teardown_errors: &[&str], interrupted: bool) -> RunOutcome {
        let scenario = ScenarioOutcome {
            name: "s".into(),
            description: String::new(),
            file: "s.scenario.yaml".into(),
            steps: Vec::new(),
            cleanup_errors: if scenario_ok { Vec::new() } else { vec!["namespace dev still exists".into()] },
            setup_error: None,
            duration_ms: 1,
            interrupted: false,
        };
        RunOutcome {
            cluster: "c".into(),
            server: "https://127.0.0.1:1".into(),
            server_version: None,
            scenarios: vec![scenario],
            interrupted,
            teardown_errors: teardown_errors.iter().map(|e| e.to_string()).collect(),
            claims: Vec::new(),
        }
    }

    #[rstest]
    #[case::all_green(true, &[], false, PASSED)]
    #[case::a_failed_teardown_turns_a_green_run_red(true, &["failed to release cluster `c`: kind delete exited 1"], false, FAILED)]
    #[case::a_failed_scenario(false, &[], false, FAILED)]
    #[case::both(false, &["kind delete exited 1"], false, FAILED)]
    #[case::an_interrupt_wins(true, &["kind delete exited 1"], true, INTERRUPTED)]
    fn a_run_maps_to_its_exit_code(#[case] scenario_ok: bool, #[case] teardown: &[&str], #[case] interrupted: bool, #[case] want: u8) {
        let r = run(scenario_ok, teardown, interrupted);
        assert_eq!(for_run(&r), want);
        assert_eq!(r.passed(), want == PASSED);
    }

    #[rstest]
    #[case::unreachable(ClusterError::Unreachable { context: "c".into(), server: "https://127.0.0.1:1".into(), source: crate::cluster::NoAnswer::Timeout(20) }, FAILED)]
    #[case::not_ours(ClusterError::NotOurs { name: "sa-conformance".into(), reason: "no record".into() }, USAGE)]
    #[case::guard(ClusterError::Guard(crate::cluster::GuardError { context: "c".into(), server: "s".into(), reason: "r".into() }), USAGE)]
    #[case::kind(ClusterError::Kind { name: "sa-conformance".into(), problem: "could not be deleted".into() }, FAILED)]
    fn a_cluster_error_maps_to_one_exit_code_in_every_command(#[case] e: ClusterError, #[case] want: u8) {
        assert_eq!(for_cluster_error(&e), want);
        assert_eq!(for_suite_error(&SuiteError::Cluster(e)), want);
    }
}
