//! The `sa-conformance` command: parse arguments, dispatch to a verb (`command`), map the result to an
//! exit code (0 passed, 1 a check failed or the cluster could not be used, 2 usage or input error,
//! 130 interrupted).

use clap::Parser;
use sa_conformance::cli::Cli;
use sa_conformance::command::{self, setup};
use sa_conformance::exit::FAILED;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Before anything reads the environment (clap's `env =` defaults) or starts a thread.
    let offline = match setup::before_parse() {
        Ok(applied) => applied,
        Err(code) => return ExitCode::from(code),
    };
    let cli = Cli::parse();
    setup::after_parse(&offline, &cli);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(FAILED);
        }
    };
    ExitCode::from(runtime.block_on(command::dispatch(cli)))
}
