//! `run`: the selected scenarios on a cluster, a progress line each, the per-claim verdicts, and the
//! JSON and JUnit reports; the exit code says whether every claim held.

use super::{fail_to_start, load, out, write_reports};
use crate::cli::RunArgs;
use crate::interrupt::Interrupt;
use crate::outcome::RunOutcome;
use crate::report::{self, Console, Format, Output};
use crate::runner::RunOptions;
use crate::scenario::{load_file_mapped, run_id, Catalog, LoadOptions, MapPlan, NamespaceMap};
use crate::suite::run_suite;
use crate::trace::ArticleLinks;
use std::collections::BTreeSet;

pub(super) async fn run(args: &RunArgs, verbose: bool) -> u8 {
    let (mut catalog, unique) = match load(&args.load, &args.scenarios).and_then(|c| mapped(c, args)) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let links = article_links(args);
    if let Some(l) = &links {
        l.stamp(&mut catalog.scenarios);
    }
    let mut opts = RunOptions { interrupt: Interrupt::install(), ..Default::default() };
    // Isolated namespaces carry this run's id: nothing later reuses them, so nothing waits for them to go.
    opts.unique_namespaces = unique;
    opts.lease.no_wait = args.no_wait;
    opts.jobs = usize::from(args.jobs);
    let mut console = Console::new(verbose);
    let result = run_suite(&args.target.spec(), &args.target.allow_context, &catalog.scenarios, &opts, &mut console).await;
    match result {
        // Reports are written for every run that got a cluster, a failed teardown included.
        Ok(mut outcome) => {
            if let Some(l) = &links {
                l.annotate(&mut outcome.claims);
            }
            let written = write_reports(&outputs(args), &outcome);
            let code = summary(&outcome);
            written.map(|()| code).unwrap_or_else(|code| code)
        }
        Err(e) => fail_to_start(&e),
    }
}

/// `--namespace` and `--isolate`: each scenario loaded again through the one namespace mapping of the
/// loader, with one line per scenario saying what was mapped. Under `--isolate` a scenario that cannot
/// be isolated (or cannot be mapped) runs as written; the scheduler keeps it apart by its footprint.
/// Also returns the namespaces isolation made (named with this run's id: no later run reuses them).
fn mapped(catalog: Catalog, args: &RunArgs) -> Result<(Catalog, BTreeSet<String>), u8> {
    let plan = if !args.namespaces.is_empty() {
        MapPlan::Pairs(NamespaceMap::parse(args.namespaces.iter().map(String::as_str)).map_err(|e| {
            eprintln!("error: --namespace: {e}");
            crate::exit::USAGE
        })?)
    } else if args.isolate {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
        MapPlan::Isolate { run_id: run_id((nanos as u64) ^ u64::from(std::process::id()).rotate_left(32)) }
    } else {
        return Ok((catalog, BTreeSet::new()));
    };
    let mut unique = BTreeSet::new();
    let opts = LoadOptions { overrides: args.load.overrides() };
    let mut scenarios = Vec::with_capacity(catalog.scenarios.len());
    for verbatim in catalog.scenarios {
        match (load_file_mapped(&verbatim.file, &opts, &plan), &plan) {
            (Ok(m), MapPlan::Isolate { .. }) if !m.report.isolation.is_isolable() => {
                eprintln!("sa-conformance: {}: runs as written: {}", verbatim.name, m.report.isolation);
                scenarios.push(verbatim);
            }
            (Ok(m), _) => {
                eprintln!("sa-conformance: {}: {}", verbatim.name, m.report);
                if matches!(plan, MapPlan::Isolate { .. }) {
                    unique.extend(m.report.namespaces.values().cloned());
                }
                scenarios.push(m.scenario);
            }
            (Err(e), MapPlan::Isolate { .. }) => {
                eprintln!("sa-conformance: {}: runs as written: its namespaces cannot be mapped: {e}", verbatim.name);
                scenarios.push(verbatim);
            }
            (Err(e), MapPlan::Pairs(_)) => {
                eprint!("error: {e}");
                return Err(crate::exit::USAGE);
            }
        }
    }
    Ok((Catalog { scenarios, ..catalog }, unique))
}

/// The article lines the reports link steps and claims to (see `trace::links`), said once either way:
/// which article and how much is linked, or why there are no links. Never a reason to stop the run.
fn article_links(args: &RunArgs) -> Option<ArticleLinks> {
    match ArticleLinks::resolve(&args.load.scenarios_dir, &LoadOptions { overrides: args.load.overrides() }) {
        Ok(links) => {
            eprintln!("sa-conformance: {}", links.summary());
            for e in &links.errors {
                eprintln!("sa-conformance: not linked: {e}");
            }
            Some(links)
        }
        Err(why) => {
            eprintln!("sa-conformance: reports carry no article lines: {why}");
            None
        }
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

    fn catalog(args: &RunArgs) -> Result<Catalog, u8> {
        mapped_and_unique(args).map(|(c, _)| c)
    }

    fn mapped_and_unique(args: &RunArgs) -> Result<(Catalog, BTreeSet<String>), u8> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut c = Catalog::load(&dir, &LoadOptions::default()).expect("the shipped scenarios load");
        c.select(&["article-walkthrough".into(), "default-service-accounts".into()]).expect("they exist");
        mapped(c, args)
    }

    #[test]
    fn without_a_map_the_scenarios_run_as_written() {
        let c = catalog(&args(&[])).unwrap();
        assert!(c.scenarios.iter().all(|s| s.namespaces.iter().any(|n| n == "dev")), "{:?}", c.scenarios[0].namespaces);
    }

    #[test]
    fn a_participants_namespace_is_used_for_every_scenario() {
        let c = catalog(&args(&["--namespace", "dev=alice-dev"])).unwrap();
        for s in &c.scenarios {
            assert!(
                s.namespaces.contains(&"alice-dev".to_string()) && !s.namespaces.contains(&"dev".to_string()),
                "{}: {:?}",
                s.name,
                s.namespaces
            );
        }
    }

    #[test]
    fn isolation_maps_what_it_can_and_runs_the_rest_as_written() {
        let c = catalog(&args(&["--isolate"])).unwrap();
        let ns = |name: &str| c.scenarios.iter().find(|s| s.name == name).unwrap().namespaces.clone();
        let walk = ns("article-walkthrough");
        assert!(walk.len() == 1 && walk[0].starts_with("dev-article-walkthrough-"), "{walk:?}");
        // it compares `kubectl get serviceaccounts --all-namespaces`: not isolable, so verbatim
        assert!(ns("default-service-accounts").contains(&"dev".to_string()));
    }

    #[test]
    fn only_the_namespaces_isolation_made_are_left_to_go_unwatched() {
        let (c, unique) = mapped_and_unique(&args(&["--isolate"])).unwrap();
        let walk = &c.scenarios.iter().find(|s| s.name == "article-walkthrough").unwrap().namespaces;
        assert!(walk.iter().all(|n| unique.contains(n)), "{walk:?} {unique:?}");
        assert!(!unique.contains("dev"), "a verbatim scenario's `dev` is reused by the next run: its deletion is awaited");
        assert!(mapped_and_unique(&args(&["--namespace", "dev=alice-dev"])).unwrap().1.is_empty(), "a participant's namespace is reused");
    }

    #[test]
    fn a_bad_map_is_a_usage_error() {
        assert_eq!(catalog(&args(&["--namespace", "dev"])).err(), Some(crate::exit::USAGE));
        assert!(Cli::try_parse_from(["sa-conformance", "run", "--isolate", "--namespace", "dev=x"]).is_err(), "the two are exclusive");
    }

    #[test]
    fn junit_and_json_are_written_where_asked_and_only_then() {
        assert!(outputs(&args(&[])).is_empty());
        let both = outputs(&args(&["--json", "r.json", "--junit", "r.xml"]));
        assert_eq!(both, [Output::new(Format::Junit, "r.xml"), Output::new(Format::Json, "r.json")]);
    }
}
