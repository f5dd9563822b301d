//! The verbs of the `sa-conformance` command, one file each (as chainsaw's `pkg/commands/<verb>/`):
//! each takes its parsed arguments, calls the library, prints what the user reads and returns the
//! exit code (see `exit`). `main` only parses the arguments and dispatches here, so the verbs' logic
//! is reachable from the library's tests.

mod audit;
mod check;
mod cluster;
mod lint;
mod list;
mod matrix;
mod mutate;
mod run;
pub mod setup;
mod trace;

use crate::cli::{Cli, ClusterCommand, Command, LoadArgs};
use crate::exit::{FAILED, USAGE};
use crate::report::{Document, Output};
use crate::scenario::{Catalog, LoadOptions};
use crate::suite::SuiteError;
use std::io::Write;

/// Runs the verb the command line names; returns its exit code.
pub async fn dispatch(cli: Cli) -> u8 {
    if let Some(Err(e)) = cli.command.target().map(crate::cli::TargetArgs::check) {
        eprintln!("error: {e}");
        return USAGE;
    }
    match cli.command {
        Command::List(args) => list::list(&args),
        Command::Run(args) => run::run(&args, cli.verbose).await,
        Command::Cluster(ClusterCommand::Up(k)) => cluster::up(k.spec(false, true)).await,
        Command::Cluster(ClusterCommand::Down { name }) => cluster::down(&name).await,
        Command::Audit(args) => audit::audit(&args).await,
        Command::Lint(args) => lint::lint(&args),
        Command::Mutate(args) => mutate::mutate(&args).await,
        Command::Matrix(args) => matrix::matrix(&args).await,
        Command::Check(args) => check::check(&args, cli.verbose).await,
        Command::Trace(args) => trace::trace(&args, cli.verbose),
    }
}

/// Prints to stdout; a closed pipe (`| head`) ends the output quietly instead of panicking.
fn out(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Prints an error with its causes, the way every verb does.
fn error(e: &dyn std::error::Error) {
    eprintln!("error: {}", crate::error::chain(e));
}

/// The scenarios in `args`' directory, narrowed to `names` (all when empty); a load error is a usage error.
fn load(args: &LoadArgs, names: &[String]) -> Result<Catalog, u8> {
    let opts = LoadOptions { overrides: args.overrides() };
    let mut catalog = Catalog::load(&args.scenarios_dir, &opts).map_err(|e| {
        eprint!("error: {e}");
        USAGE
    })?;
    catalog.select(names).map_err(|e| {
        eprintln!("error: {e}");
        USAGE
    })?;
    Ok(catalog)
}

/// A seed for isolated runs' ids (`scenario::run_id`): the clock and the process, so two runs started
/// at once on one cluster never name a namespace alike.
fn run_seed() -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32)
}

/// Says why a command could not get its cluster going; the exit code is the one every command uses.
fn fail_to_start(e: &SuiteError) -> u8 {
    match e {
        SuiteError::Interrupted => eprintln!("interrupted: {e}"),
        other => error(other),
    }
    crate::exit::for_suite_error(e)
}

/// Writes `doc` to every output asked for; the first that fails is said and makes the exit code 1.
fn write_reports<D: Document>(outputs: &[Output], doc: &D) -> Result<(), u8> {
    Output::write_all(outputs, doc).map_err(|e| {
        error(&e);
        FAILED
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Format;
    use std::path::Path;

    fn repo_scenarios() -> LoadArgs {
        LoadArgs { scenarios_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"), vars: Vec::new() }
    }

    #[test]
    fn an_unknown_scenario_name_is_a_usage_error() {
        assert_eq!(load(&repo_scenarios(), &["no-such-scenario".into()]).err(), Some(USAGE));
        let missing = LoadArgs { scenarios_dir: "/no/such/dir".into(), vars: Vec::new() };
        assert_eq!(load(&missing, &[]).err(), Some(USAGE));
    }

    #[test]
    fn the_shipped_scenarios_load() {
        let catalog = load(&repo_scenarios(), &[]).expect("scenarios/ loads");
        assert!(!catalog.scenarios.is_empty());
    }

    #[test]
    fn a_report_that_cannot_be_written_fails_the_command() {
        let dir = tempfile::tempdir().unwrap();
        let report = lint::LintReport(Vec::new());
        let unwritable = [Output::new(Format::Json, dir.path().join("missing").join("lint.json"))];
        assert_eq!(write_reports(&unwritable, &report), Err(FAILED));
        let fine = [Output::new(Format::Json, dir.path().join("lint.json"))];
        assert_eq!(write_reports(&fine, &report), Ok(()));
    }
}
