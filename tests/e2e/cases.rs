//! The harness's own cases: each step kind on a case that should pass (`pass-*.scenario.yaml`) and on
//! one that should fail (`fail-*.scenario.yaml`), whose failure report must contain every line given
//! in the file as `# expect-failure: TEXT`. These prove that a wrong expectation is reported in words
//! a workshop organiser can act on, without editing the shipped scenarios. A case may also pin the
//! verdict of a step with `# expect-verdict: N VERDICT` (holds, erratum, failed, not run, not
//! applicable), e.g. to prove that the steps after a failed look still ran, and forbid text in the
//! failure report with `# expect-absent: TEXT` (e.g. a Rust debug dump, or a secret: it is looked for in
//! the JSON and JUnit reports of the run too, which also hold the passed steps' notes).

use crate::shared::{root, Shared};
use libtest_mimic::{Failed, Trial};
use sa_conformance::outcome::ScenarioOutcome;
use sa_conformance::report::{render_failure, to_json, to_junit, Silent};
use sa_conformance::scenario::{discover, load_file, load_file_mapped, run_id, LoadOptions, MapPlan};
use std::path::Path;
use std::sync::Arc;

pub fn trials(shared: &Arc<Shared>) -> Vec<Trial> {
    let dir = root().join("tests/e2e/cases");
    let files = discover(&dir).unwrap_or_default();
    assert!(!files.is_empty(), "no case files in {}", dir.display());
    files
        .into_iter()
        .map(|file| {
            let shared = Arc::clone(shared);
            let stem = file.file_name().and_then(|n| n.to_str()).unwrap_or("?").trim_end_matches(".scenario.yaml").to_string();
            crate::shared::gated(format!("case::{stem}"), crate::shared::footprint_of(&file), move || run_case(&shared, &file))
        })
        .collect()
}

/// A case as it runs: in namespaces of its own for this run (`dev` -> `dev-<case>-<run>`, through the
/// loader's one mapping, as `run --isolate` does), its namespaces' deletion issued and not awaited; or
/// as written when it cannot be isolated. Its namespaces' deletion is not awaited then either: each
/// case has names of its own, so no later trial of this process reuses them (one that did would wait
/// for them as it starts, as a run does for a leftover), and the cluster-wide grants that keep it
/// as written are proven gone from the authorizer by the run's cleanup. The texts a case expects name
/// the article's namespaces and objects: they are mapped the same way before they are looked for.
struct Case {
    scenario: sa_conformance::scenario::Scenario,
    /// Source name -> this run's name (namespaces and renamed cluster-scoped objects), longest first.
    names: Vec<(String, String)>,
    unique: std::collections::BTreeSet<String>,
    /// Why it runs as written, when it does.
    as_written: Option<String>,
}

impl Case {
    fn load(file: &Path) -> Result<Case, Failed> {
        let plan = MapPlan::Isolate { run_id: run_id(crate::shared::seed()) };
        let mapped = load_file_mapped(file, &LoadOptions::default(), &plan).map_err(|e| e.to_string())?;
        if !mapped.report.isolation.is_isolable() {
            let scenario = load_file(file, &LoadOptions::default()).map_err(|e| e.to_string())?;
            return Ok(Case {
                unique: scenario.namespaces.iter().cloned().collect(),
                scenario,
                names: Vec::new(),
                as_written: Some(mapped.report.isolation.to_string()),
            });
        }
        let mut names: Vec<(String, String)> = mapped.report.namespaces.clone().into_iter().chain(mapped.report.renamed.clone()).collect();
        names.sort_by_key(|(source, _)| std::cmp::Reverse(source.len()));
        let unique = mapped.scenario.namespaces.iter().cloned().collect();
        Ok(Case { scenario: mapped.scenario, names, unique, as_written: None })
    }

    /// `text` with every source name (a whole DNS label run, not part of a longer name) replaced by this
    /// run's, in one pass (a name is never replaced twice).
    fn mapped(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        'scan: while !rest.is_empty() {
            let label = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-');
            for (source, target) in &self.names {
                let Some(after) = rest.strip_prefix(source.as_str()) else { continue };
                if !label(out.chars().next_back()) && !label(after.chars().next()) {
                    out.push_str(target);
                    rest = after;
                    continue 'scan;
                }
            }
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
        out
    }

    /// How it ran, for a failure message.
    fn how(&self) -> String {
        match &self.as_written {
            Some(why) => format!("(run as written: {why})\n"),
            None => {
                let pairs: Vec<String> = self.names.iter().map(|(s, t)| format!("{s} -> {t}")).collect();
                format!("(run isolated: {})\n", pairs.join(", "))
            }
        }
    }
}

fn expected_failures(file: &Path) -> Vec<String> {
    comment_lines(file, "# expect-failure: ")
}

fn comment_lines(file: &Path, prefix: &str) -> Vec<String> {
    std::fs::read_to_string(file).unwrap_or_default().lines().filter_map(|l| l.strip_prefix(prefix)).map(String::from).collect()
}

/// `# expect-verdict: N VERDICT` lines: (step index, verdict).
fn expected_verdicts(file: &Path) -> Vec<(usize, String)> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.strip_prefix("# expect-verdict: "))
        .filter_map(|l| l.split_once(' ').and_then(|(n, v)| Some((n.parse().ok()?, v.trim().to_string()))))
        .collect()
}

/// Every pinned verdict that the outcome contradicts, as readable lines.
fn verdict_mismatches(file: &Path, outcome: &ScenarioOutcome) -> Vec<String> {
    expected_verdicts(file)
        .into_iter()
        .filter_map(|(index, want)| {
            let got = outcome.steps.iter().find(|s| s.index == index).map(|s| s.verdict.as_str()).unwrap_or("no such step");
            (got != want).then(|| format!("step {index}: expected verdict `{want}`, got `{got}`"))
        })
        .collect()
}

fn run_case(shared: &Shared, file: &Path) -> Result<(), Failed> {
    let case = Case::load(file)?;
    if let Some(why) = &case.as_written {
        eprintln!("e2e: {} runs as written: {why}", case.scenario.name);
    }
    let scenario = &case.scenario;
    let must_fail = scenario.name.starts_with("fail-");
    let target = shared.target()?;
    let mut opts = shared.run_options();
    opts.unique_namespaces = case.unique.clone();
    let run = shared.runtime.block_on(sa_conformance::suite::run_on(&target, std::slice::from_ref(scenario), &opts, &mut Silent));
    let outcome = run.scenarios.first().ok_or("interrupted before the case started")?;
    if !outcome.cleanup_errors.is_empty() {
        return Err(format!("cleanup failed: {:?}", outcome.cleanup_errors).into());
    }
    let wrong_verdicts = verdict_mismatches(file, outcome);
    if !wrong_verdicts.is_empty() {
        return Err(format!("{}\n{}", wrong_verdicts.join("\n"), render_failure(outcome)).into());
    }
    match (must_fail, outcome.passed()) {
        (false, true) => Ok(()),
        (false, false) => Err(format!("{}{}", case.how(), render_failure(outcome)).into()),
        (true, true) => Err(format!("{}this case must fail, but every step passed", case.how()).into()),
        (true, false) => {
            let report = render_failure(outcome);
            let wanted: Vec<String> = expected_failures(file).iter().map(|w| case.mapped(w)).collect();
            if wanted.is_empty() {
                return Err("a fail- case must say what the failure reads like (`# expect-failure: TEXT`)".into());
            }
            let missing: Vec<&String> = wanted.iter().filter(|w| !report.contains(w.as_str())).collect();
            let absent: Vec<String> = comment_lines(file, "# expect-absent: ").iter().map(|a| case.mapped(a)).collect();
            let (json, junit) = (
                to_json(&run).map_err(|e| format!("the JSON report: {e}"))?,
                to_junit(&run).map_err(|e| format!("the JUnit report: {e}"))?,
            );
            let everywhere = [report.as_str(), &json, &junit].join("\n");
            let present: Vec<&String> = absent.iter().filter(|a| everywhere.contains(a.as_str())).collect();
            if !missing.is_empty() {
                Err(format!("{}the failure report lacks {missing:?}; it reads:\n{report}", case.how()).into())
            } else if !present.is_empty() {
                Err(format!("the failure, JSON or JUnit report contains {present:?}, which it must not; they read:\n{everywhere}").into())
            } else {
                Ok(())
            }
        }
    }
}
