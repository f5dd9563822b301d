//! `mutate`: the kill matrix. Plans mutants of the selected scenarios (`--list` prints them), runs each
//! on a cluster, prints the table and writes its JSON and JUnit reports; a survivor fails the command.

use super::{error, fail_to_start, load, out, write_reports};
use crate::cli::MutateArgs;
use crate::exit::{FAILED, INTERRUPTED, PASSED, USAGE};
use crate::interrupt::Interrupt;
use crate::mutate::{self, Placement, Plan};
use crate::report::{Console, Format, Output};
use crate::runner::RunOptions;
use crate::scenario::LoadOptions;

pub(super) async fn mutate(args: &MutateArgs) -> u8 {
    let catalog = match load(&args.load, &args.scenarios) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut plans = Vec::new();
    for s in &catalog.scenarios {
        match mutate::plan(s, &args.operators) {
            Ok(p) => plans.push(p),
            Err(e) => {
                eprintln!("error: {e}");
                return USAGE;
            }
        }
    }
    if let Err(e) = only_mutants(&mut plans, &args.mutants) {
        eprintln!("error: {e}");
        return USAGE;
    }
    if args.list {
        out(&listing(&plans));
        return PASSED;
    }
    let placement = if args.as_written {
        Placement::AsWritten
    } else {
        Placement::Isolate { load: LoadOptions { overrides: args.load.overrides() }, seed: super::run_seed() }
    };
    let opts = RunOptions { interrupt: Interrupt::install(), jobs: usize::from(args.jobs), ..Default::default() };
    let mut console = Console::new(false);
    let session = match crate::suite::acquire(&args.target.spec(), &args.target.allow_context, &opts, &mut console).await {
        Ok(s) => s,
        Err(e) => return fail_to_start(&e),
    };
    out(&format!("mutate: {} on {}\n", session.target.name, session.target.server));
    let outcome = mutate::run_plans(&session.target, &plans, &placement, &opts, &mut |line| out(&format!("{line}\n"))).await;
    if let Err(e) = session.release().await {
        error(&e);
    }
    out(&mutate::render_table(&outcome));
    let outputs = Output::requested([(Format::Junit, args.junit.as_ref()), (Format::Json, args.json.as_ref())]);
    if let Err(code) = write_reports(&outputs, &outcome) {
        return code;
    }
    if outcome.interrupted {
        eprintln!("interrupted: what the run created has been deleted");
        INTERRUPTED
    } else if outcome.ok() {
        PASSED
    } else {
        FAILED
    }
}

/// `--mutant`: keeps only the mutants named (all when none is); an id no plan has is an error that
/// says where the ids are.
fn only_mutants(plans: &mut [Plan], ids: &[String]) -> Result<(), String> {
    if ids.is_empty() {
        return Ok(());
    }
    let unknown: Vec<&str> =
        ids.iter().filter(|id| !plans.iter().any(|p| p.mutants.iter().any(|m| &m.id == *id))).map(String::as_str).collect();
    if !unknown.is_empty() {
        return Err(format!(
            "no mutant {} among the selected scenarios and operators (`sa-conformance mutate --list` prints the ids)",
            unknown.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    for p in plans.iter_mut() {
        p.mutants.retain(|m| ids.contains(&m.id));
    }
    Ok(())
}

/// `--list`: each scenario's mutants, with the change each one makes.
fn listing(plans: &[Plan]) -> String {
    let mut text = String::new();
    for p in plans {
        text.push_str(&format!("{}: {} mutant(s)\n", p.scenario.name, p.mutants.len()));
        for m in &p.mutants {
            text.push_str(&format!("  {}\n    {}\n", m.id, m.change.description));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::LoadArgs;
    use std::path::Path;

    #[test]
    fn the_list_names_each_scenarios_mutants_and_their_changes() {
        let load_args = LoadArgs { scenarios_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"), vars: Vec::new() };
        let catalog = load(&load_args, &["article-walkthrough".into()]).expect("the walkthrough loads");
        let plans: Vec<Plan> = catalog.scenarios.iter().map(|s| mutate::plan(s, &[]).expect("plans")).collect();
        let text = listing(&plans);
        let first = &plans[0].mutants[0];
        assert!(text.starts_with(&format!("article-walkthrough: {} mutant(s)\n", plans[0].mutants.len())), "{text}");
        assert!(text.contains(&format!("  {}\n    {}\n", first.id, first.change.description)), "{text}");
    }

    fn walkthrough_plans() -> Vec<Plan> {
        let load_args = LoadArgs { scenarios_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"), vars: Vec::new() };
        let catalog = load(&load_args, &["article-walkthrough".into()]).expect("the walkthrough loads");
        catalog.scenarios.iter().map(|s| mutate::plan(s, &[]).expect("plans")).collect()
    }

    #[test]
    fn mutant_keeps_only_the_mutants_named_and_none_keeps_all() {
        let mut plans = walkthrough_plans();
        let all = plans[0].mutants.len();
        let ids = vec![plans[0].mutants[2].id.clone(), plans[0].mutants[0].id.clone()];
        only_mutants(&mut plans, &[]).expect("no filter");
        assert_eq!(plans[0].mutants.len(), all);
        only_mutants(&mut plans, &ids).expect("known ids");
        let kept: Vec<&str> = plans[0].mutants.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(kept, [ids[1].as_str(), ids[0].as_str()], "in the plan's order");
    }

    #[test]
    fn an_unknown_mutant_is_an_error_naming_it_and_where_the_ids_are() {
        let mut plans = walkthrough_plans();
        let all = plans[0].mutants.len();
        let known = plans[0].mutants[0].id.clone();
        let e = only_mutants(&mut plans, &[known, "over-grant:nothing".into()]).expect_err("unknown id");
        assert!(e.contains("no mutant `over-grant:nothing`") && e.contains("mutate --list"), "{e}");
        assert_eq!(plans[0].mutants.len(), all, "nothing dropped on an error");
    }
}
