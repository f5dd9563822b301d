//! The command's exit codes and how a run maps to one, kept in the library so the mapping is
//! unit-tested: 0 passed, 1 a check failed, the cluster could not be used or could not be released,
//! 2 usage or input error, 130 interrupted.

use crate::outcome::RunOutcome;

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
}
