//! What the process needs before a verb runs: the offline build (made on first use when this host
//! needs it), its environment applied before anything reads the environment or starts a thread, then
//! the log subscriber. Kept out of `main` so that file only parses, dispatches and exits.

use crate::cli::{Cli, ClusterCommand, ClusterKind, Command};
use crate::cluster::{bootstrap, offline};
use crate::exit::{FAILED, USAGE};
use clap::Parser;

/// Before the arguments are parsed for good: builds the offline toolchain if `run` or `cluster up`
/// needs it, then applies its environment (clap's `env =` defaults read it). Err is the exit code.
pub fn before_parse() -> Result<offline::Applied, u8> {
    if let Err(e) = build_if_needed() {
        eprintln!("error: {e}");
        return Err(FAILED);
    }
    offline::use_offline_build().map_err(|e| {
        eprintln!("error: {e}");
        USAGE
    })
}

/// After parsing: says when a verb that makes clusters uses the offline build, and starts the log.
pub fn after_parse(offline: &offline::Applied, cli: &Cli) {
    if let (offline::Applied::Used(b), Command::Run(_) | Command::Cluster(ClusterCommand::Up(_))) = (offline, &cli.command) {
        eprintln!("sa-conformance: using the offline build (kind and kubectl from {}, node image {})", b.bin.display(), b.node_image);
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SA_CONFORMANCE_LOG").unwrap_or_else(|_| "warn,kube_client=off".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
}

/// For `run` and `cluster up` on a kind cluster with no images of the user's choosing: the offline
/// build, made here when Docker answers but kind, an offline build and a registry are all missing
/// (see `cluster::bootstrap`). Parsed once more after, when the build's environment is applied.
fn build_if_needed() -> Result<(), String> {
    let Ok(cli) = Cli::try_parse() else { return Ok(()) };
    if !makes_kind_clusters(&cli.command) || offline::user_configured() {
        return Ok(());
    }
    bootstrap::ensure(&bootstrap::repo_root())
}

/// The verbs that create kind clusters.
fn makes_kind_clusters(command: &Command) -> bool {
    match command {
        Command::Run(a) => a.target.kind_of_cluster() == ClusterKind::Kind,
        Command::Cluster(ClusterCommand::Up(_)) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(argv: &[&str]) -> Command {
        Cli::try_parse_from([&["sa-conformance"], argv].concat()).expect("parses").command
    }

    #[test]
    fn only_run_on_kind_and_cluster_up_make_kind_clusters() {
        assert!(makes_kind_clusters(&command(&["run"])));
        assert!(makes_kind_clusters(&command(&["cluster", "up"])));
        assert!(!makes_kind_clusters(&command(&["run", "--cluster", "existing"])));
        assert!(!makes_kind_clusters(&command(&["run", "--context", "kind-other"])), "a context names an existing cluster");
        assert!(!makes_kind_clusters(&command(&["run", "--kubeconfig", "/tmp/k"])), "a kubeconfig names an existing cluster");
        assert!(!makes_kind_clusters(&command(&["cluster", "down"])));
        assert!(!makes_kind_clusters(&command(&["list"])));
    }
}
