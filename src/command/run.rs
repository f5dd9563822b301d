//! `run`: the selected scenarios on a cluster, a progress line each, the per-claim verdicts, and the
//! JSON and JUnit reports; the exit code says whether every claim held.

use super::{fail_to_start, load, out, write_reports};
use crate::cli::RunArgs;
use crate::interrupt::Interrupt;
use crate::outcome::RunOutcome;
use crate::report::{self, Console, Format, Output};
use crate::runner::RunOptions;
use crate::suite::run_suite;

pub(super) async fn run(args: &RunArgs, verbose: bool) -> u8 {
    let catalog = match load(&args.load, &args.scenarios) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut opts = RunOptions { interrupt: Interrupt::install(), ..Default::default() };
    opts.lease.no_wait = args.no_wait;
    opts.jobs = usize::from(args.jobs);
    let mut console = Console::new(verbose);
    let result = run_suite(&args.target.spec(), &args.target.allow_context, &catalog.scenarios, &opts, &mut console).await;
    match result {
        // Reports are written for every run that got a cluster, a failed teardown included.
        Ok(outcome) => {
            let written = write_reports(&outputs(args), &outcome);
            let code = summary(&outcome);
            written.map(|()| code).unwrap_or_else(|code| code)
        }
        Err(e) => fail_to_start(&e),
    }
}

/// The report files `--junit` and `--json` ask for, in that order.
fn outputs(args: &RunArgs) -> Vec<Output> {
    Output::requested([(Format::Junit, args.junit.as_ref()), (Format::Json, args.json.as_ref())])
}

/// The closing lines (scenarios passed and failed, the claims, teardown errors); returns the exit code.
fn summary(outcome: &RunOutcome) -> u8 {
    let passed = outcome.scenarios.iter().filter(|s| s.passed()).count();
    let failed = outcome.scenarios.len() - passed;
    out(&format!("scenarios: {passed} passed, {failed} failed\n"));
    out(&report::render_claims(outcome));
    for e in &report::redact::run(outcome).teardown_errors {
        eprintln!("error: teardown: {e}");
    }
    if outcome.interrupted && outcome.teardown_errors.is_empty() {
        eprintln!("interrupted: what the run created has been deleted");
    }
    crate::exit::for_run(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn args(argv: &[&str]) -> RunArgs {
        let cli = Cli::try_parse_from([&["sa-conformance", "run"], argv].concat()).expect("run parses");
        let Command::Run(a) = cli.command else { panic!("not run") };
        a
    }

    #[test]
    fn junit_and_json_are_written_where_asked_and_only_then() {
        assert!(outputs(&args(&[])).is_empty());
        let both = outputs(&args(&["--json", "r.json", "--junit", "r.xml"]));
        assert_eq!(both, [Output::new(Format::Junit, "r.xml"), Output::new(Format::Json, "r.json")]);
    }
}
