//! `run`: the selected scenarios on a cluster, a progress line each, the per-claim verdicts, and the
//! JSON and JUnit reports; the exit code says whether every claim held.

use super::{fail_to_start, load, out, write_reports};
use crate::cli::RunArgs;
use crate::interrupt::Interrupt;
use crate::matrix::{Matrix, VersionColumn, VersionRun};
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
    opts.lease = crate::cluster::lease::LeaseOptions { no_wait: args.no_wait, ..Default::default() }.lasting(args.lease);
    opts.jobs = usize::from(args.jobs);
    let mut console = Console::new(verbose);
    let started = std::time::Instant::now();
    let result = run_suite(&args.target.spec(), &args.target.allow_context, &catalog.scenarios, &opts, &mut console).await;
    match result {
        // Reports are written for every run that got a cluster, a failed teardown included.
        Ok(mut outcome) => {
            if let Some(l) = &links {
                l.annotate(&mut outcome.claims);
            }
            let written = write_reports(&outputs(args), &outcome)
                .and_then(|()| write_page(args, &catalog.claims, &outcome, started.elapsed().as_secs(), links.as_ref()));
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
    } else if args.isolates() {
        MapPlan::Isolate { run_id: run_id(super::run_seed()) }
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

/// `--html`: the matrix page with this run as its one column, over the claims the run's steps verify.
/// The column is made from the run's JSON report (the redacted document every report is made from),
/// read back the way `matrix --report` reads one.
fn write_page(
    args: &RunArgs,
    claims: &[crate::scenario::Claim],
    outcome: &RunOutcome,
    seconds: u64,
    links: Option<&ArticleLinks>,
) -> Result<(), u8> {
    let Some(path) = &args.html else { return Ok(()) };
    let mut page = one_column(claims, outcome, seconds).map_err(|e| {
        eprintln!("error: cannot make the page {}: {e}", path.display());
        crate::exit::FAILED
    })?;
    // as the matrix page: claims and steps link to the article's lines, when there is an article
    if let Some(l) = links {
        page.link(l);
    }
    write_reports(&[Output::new(Format::Html, path)], &page)
}

/// The run as a matrix of one column, titled with the server's version.
fn one_column(claims: &[crate::scenario::Claim], outcome: &RunOutcome, seconds: u64) -> Result<Matrix, String> {
    let json = report::render(outcome, Format::Json).map_err(|e| e.to_string())?;
    let report = crate::matrix::input::parse(&json)?;
    let verified: BTreeSet<&str> = outcome.claims.iter().map(|c| c.id.as_str()).collect();
    let claims: Vec<crate::scenario::Claim> = claims.iter().filter(|c| verified.contains(c.id.as_str())).cloned().collect();
    let column = VersionColumn {
        version: outcome.server_version.clone().unwrap_or_else(|| "this run".into()),
        cluster: outcome.cluster.clone(),
        seconds: Some(seconds),
        ..Default::default()
    };
    Ok(Matrix::build(&claims, vec![VersionRun { column, report: Some(report) }]))
}

/// The closing lines (scenarios passed and failed, the claims, teardown errors); returns the exit code.
fn summary(outcome: &RunOutcome) -> u8 {
    let passed = outcome.scenarios.iter().filter(|s| s.passed()).count();
    let failed = outcome.scenarios.len() - passed;
    let paint = report::Paint::stdout();
    let failed_text = format!("{failed} failed");
    let failed_text = if failed > 0 { paint.tone(report::Tone::Bad, &failed_text) } else { failed_text };
    out(&format!("scenarios: {passed} passed, {failed_text}\n"));
    out(&report::render_claims(outcome, paint));
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
        c.select(&["article-walkthrough".into(), "users-and-service-accounts".into()]).expect("they exist");
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
    fn more_than_one_job_isolates_unless_the_run_is_as_written_or_mapped() {
        let walk = |a: &[&str]| {
            let c = catalog(&args(a)).unwrap();
            c.scenarios.iter().find(|s| s.name == "article-walkthrough").unwrap().namespaces[0].clone()
        };
        assert!(walk(&["--jobs", "4"]).starts_with("dev-article-walkthrough-"));
        assert_eq!(walk(&["--jobs", "4", "--as-written"]), "dev");
        assert_eq!(walk(&["--jobs", "1"]), "dev");
        assert_eq!(walk(&["--jobs", "4", "--namespace", "dev=alice-dev"]), "alice-dev");
        assert!(Cli::try_parse_from(["sa-conformance", "run", "--isolate", "--as-written"]).is_err(), "the two are exclusive");
    }

    #[test]
    fn isolation_maps_what_it_can_and_runs_the_rest_as_written() {
        let c = catalog(&args(&["--isolate"])).unwrap();
        let ns = |name: &str| c.scenarios.iter().find(|s| s.name == name).unwrap().namespaces.clone();
        let walk = ns("article-walkthrough");
        assert!(walk.len() == 1 && walk[0].starts_with("dev-article-walkthrough-"), "{walk:?}");
        // its ClusterRoleBinding grants to User bob: not isolable, so verbatim
        assert!(ns("users-and-service-accounts").contains(&"dev".to_string()));
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

    /// A run where the step verifying `holds-claim` passed and the one verifying `failed-claim` failed.
    fn outcome(second: crate::outcome::Status) -> RunOutcome {
        use crate::outcome::{claim_verdicts, ScenarioOutcome, Status, StepOutcome, Verdict};
        let step = |index: usize, claim: &str, status: Status| StepOutcome {
            index,
            name: format!("step {index}"),
            kind: "kubectl",
            location: format!("scenarios/x.scenario.yaml:{index}"),
            doc: Some(crate::scenario::DocRef { section: "S".into(), claims: vec![claim.into()] }),
            status,
            duration_ms: 1,
            mismatches: Vec::new(),
            error: (status == Status::Failed).then(|| "exit 1: Error from server (Forbidden)".into()),
            notes: Vec::new(),
            diagnostics: None,
            verdict: Verdict::of(status, None),
            erratum: None,
            article: Vec::new(),
        };
        let scenario = ScenarioOutcome {
            name: "x".into(),
            description: String::new(),
            file: "scenarios/x.scenario.yaml".into(),
            steps: vec![step(1, "holds-claim", Status::Passed), step(2, "failed-claim", second)],
            cleanup_errors: Vec::new(),
            setup_error: None,
            duration_ms: 2,
            interrupted: false,
        };
        RunOutcome {
            cluster: "sa-conformance".into(),
            server: "https://127.0.0.1:1".into(),
            server_version: Some("v1.34.4".into()),
            claims: claim_verdicts(std::slice::from_ref(&scenario)),
            scenarios: vec![scenario],
            interrupted: false,
            teardown_errors: Vec::new(),
        }
    }

    #[test]
    fn the_page_of_one_run_has_one_column_titled_with_the_servers_version_and_only_its_claims() {
        let claim = |id: &str| crate::scenario::Claim { id: id.into(), section: "S".into(), text: format!("{id} text"), checked_by: None };
        let claims = [claim("holds-claim"), claim("failed-claim"), claim("not-in-this-run")];
        let red = one_column(&claims, &outcome(crate::outcome::Status::Failed), 7).unwrap();
        assert_eq!(red.versions.len(), 1);
        assert_eq!((red.versions[0].version.as_str(), red.versions[0].seconds), ("v1.34.4", Some(7)));
        let marks: Vec<(&str, crate::matrix::Mark)> = red.claims.iter().map(|c| (c.id.as_str(), c.cells[0].mark)).collect();
        assert_eq!(marks, [("holds-claim", crate::matrix::Mark::Holds), ("failed-claim", crate::matrix::Mark::Failed)]);
        assert!(!red.passed());
        let page = crate::matrix::to_html(&red);
        assert!(page.contains("<th>v1.34.4</th>") && page.contains("exit 1: Error from server (Forbidden)"), "{page}");
        // the same run with the second step passing: green
        let green = one_column(&claims, &outcome(crate::outcome::Status::Passed), 7).unwrap();
        assert!(green.passed() && green.claims.iter().all(|c| c.cells[0].mark == crate::matrix::Mark::Holds));
    }

    #[test]
    fn junit_and_json_are_written_where_asked_and_only_then() {
        assert!(outputs(&args(&[])).is_empty());
        let both = outputs(&args(&["--json", "r.json", "--junit", "r.xml"]));
        assert_eq!(both, [Output::new(Format::Junit, "r.xml"), Output::new(Format::Json, "r.json")]);
    }
}
