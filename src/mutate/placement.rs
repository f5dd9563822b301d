//! Where each run of the kill matrix happens. As written, every run of a scenario (its baseline and
//! each mutant) uses the article's namespaces, so they go one after another. Isolated, each run is the
//! scenario loaded again through the loader's one namespace mapping (`MapPlan::Isolate`, a run id of
//! its own: `dev` -> `dev-<scenario>-<run>`, its ClusterRoles and ClusterRoleBindings renamed), and
//! a mutant is the same operator's mutant of that mapped scenario, so mutants run side by side under
//! the scheduler of `run --isolate`. Verdicts are judged against the scenario as written (its ids are
//! what `mutants.accept` names), so a mapped mutant must be the twin of the written one: same operator,
//! same place, same id once mapped. A scenario the loader cannot isolate, or whose mutants have no
//! such twins, runs as written, and the reason is reported.

use super::plan::{plan, Plan};
use crate::scenario::{load_file_mapped, run_id, Isolation, LoadOptions, MapPlan, Renames, Scenario};
use std::collections::BTreeSet;

/// How `mutate` places its runs: as written, or each in namespaces of its own.
#[derive(Debug, Clone)]
pub enum Placement {
    AsWritten,
    /// Isolated: the scenarios are loaded again with these options; run ids come from `seed`.
    Isolate {
        load: LoadOptions,
        seed: u64,
    },
}

/// A scenario's runs as they go to the scheduler: the baseline, then each mutant (in the plan's
/// order, `None` for a mutant that is not run), and how they were placed.
#[derive(Debug, Clone)]
pub struct Placed {
    pub baseline: Scenario,
    pub mutants: Vec<Option<Scenario>>,
    /// `None` as written by request; isolable, or why it runs as written.
    pub isolation: Option<Isolation>,
    /// The namespaces isolation made: named after their run, never reused, so never waited for.
    pub unique: BTreeSet<String>,
}

/// Places the plan's runs; `k` tells this plan's run ids from the other plans'.
pub fn place(p: &Plan, placement: &Placement, k: u64) -> Placed {
    let written = || Placed {
        baseline: p.scenario.clone(),
        mutants: p.mutants.iter().map(|m| m.lost.is_none().then(|| m.scenario.clone())).collect(),
        isolation: None,
        unique: BTreeSet::new(),
    };
    let Placement::Isolate { load, seed } = placement else { return written() };
    match isolate(p, load, *seed, k) {
        Ok(placed) => placed,
        Err(why) => Placed { isolation: Some(Isolation::AsWritten(why)), ..written() },
    }
}

/// Every run of the plan in namespaces of its own, or why that cannot be done.
fn isolate(p: &Plan, load: &LoadOptions, seed: u64, k: u64) -> Result<Placed, String> {
    // One run id per run: plan k's runs take the seeds from (seed + k * 2^20); a plan has far fewer.
    let id = |n: usize| MapPlan::Isolate { run_id: run_id(seed.wrapping_add(k << 20).wrapping_add(n as u64)) };
    let mut unique = BTreeSet::new();
    // the mapped scenario, with the renames that made it (to map a written mutant's id)
    let mut mapped = |n: usize| -> Result<(Scenario, Renames), String> {
        let m = load_file_mapped(&p.scenario.file, load, &id(n)).map_err(|e| format!("its namespaces cannot be mapped: {e}"))?;
        if let Isolation::AsWritten(why) = &m.report.isolation {
            return Err(why.clone());
        }
        unique.extend(m.report.namespaces.values().cloned());
        Ok((m.scenario, Renames { namespaces: m.report.namespaces, objects: m.report.renamed }))
    };
    let baseline = mapped(0)?.0;
    let mut mutants = Vec::with_capacity(p.mutants.len());
    for (i, written) in p.mutants.iter().enumerate() {
        if written.lost.is_some() {
            mutants.push(None);
            continue;
        }
        let (scenario, renames) = mapped(i + 1)?;
        let twins = plan(&scenario, &p.only).map_err(|e| format!("its mapped copy cannot be planned: {e}"))?;
        // by id, not by place: `mutate --mutant` may have kept only some of the written plan's mutants
        let id = renames.text(&written.id);
        let twin = twins
            .mutants
            .iter()
            .find(|t| t.id == id)
            .filter(|t| t.operator == written.operator && t.injected == written.injected && t.lost.is_none());
        let Some(twin) = twin else {
            return Err(format!("mutant {} has no twin in the mapped scenario (the mapping changed what the operators see)", written.id));
        };
        mutants.push(Some(twin.scenario.clone()));
    }
    Ok(Placed { baseline, mutants, isolation: Some(Isolation::Isolable), unique })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parallel::Footprint;
    use crate::scenario::{Catalog, LoadOptions};

    fn shipped() -> Vec<Plan> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let catalog = Catalog::load(&dir, &LoadOptions::default()).expect("the shipped scenarios load");
        catalog.scenarios.iter().map(|s| plan(s, &[]).expect("plans")).collect()
    }

    fn isolate() -> Placement {
        Placement::Isolate { load: LoadOptions::default(), seed: 42 }
    }

    #[test]
    fn every_mutant_of_an_isolable_scenario_runs_in_namespaces_of_its_own() {
        let (mut isolable, mut alone) = (0, Vec::new());
        for (k, p) in shipped().iter().enumerate() {
            let placed = place(p, &isolate(), k as u64);
            match placed.isolation {
                Some(Isolation::Isolable) => isolable += 1,
                Some(Isolation::AsWritten(why)) => {
                    // as written: the scenario's own runs, verbatim
                    assert_eq!(placed.baseline.namespaces, p.scenario.namespaces, "{}: {why}", p.scenario.name);
                    alone.push(p.scenario.name.clone());
                    continue;
                }
                None => panic!("{}: not placed", p.scenario.name),
            }
            let runs: Vec<&Scenario> = std::iter::once(&placed.baseline).chain(placed.mutants.iter().flatten()).collect();
            assert_eq!(runs.len(), 1 + p.mutants.iter().filter(|m| m.lost.is_none()).count(), "{}", p.scenario.name);
            let mut seen = BTreeSet::new();
            for r in &runs {
                for ns in &r.namespaces {
                    assert!(!p.scenario.namespaces.contains(ns), "{}: {ns} is the article's", p.scenario.name);
                    assert!(placed.unique.contains(ns), "{}: {ns} would be waited for", p.scenario.name);
                    assert!(seen.insert(ns.clone()), "{}: two runs share {ns}", p.scenario.name);
                }
            }
        }
        assert_eq!(isolable, 12, "as written: {alone:?}");
        assert_eq!(alone, ["users-and-service-accounts"]);
    }

    #[test]
    fn a_mapped_mutant_is_the_written_mutants_twin() {
        let plans = shipped();
        let p = plans.iter().find(|p| p.scenario.name == "article-walkthrough").unwrap();
        let placed = place(p, &isolate(), 0);
        for (m, s) in p.mutants.iter().zip(&placed.mutants) {
            let s = s.as_ref().unwrap_or_else(|| panic!("{} not placed", m.id));
            assert_eq!(s.steps.len(), m.scenario.steps.len(), "{}", m.id);
            // the same change, in other namespaces: the written and the mapped step texts differ only there
            let ns = &s.namespaces[0];
            let written = format!("{:?}", m.scenario.steps.iter().map(|st| &st.action).collect::<Vec<_>>());
            let mapped = format!("{:?}", s.steps.iter().map(|st| &st.action).collect::<Vec<_>>());
            assert_ne!(written, mapped, "{}: not mapped", m.id);
            assert!(mapped.contains(ns.as_str()), "{}", m.id);
        }
        // two mutants whose footprints do not conflict can run at once; an over-grant to a group runs alone
        let print = |id: &str| Footprint::of(placed.mutants[p.mutants.iter().position(|m| m.id == id).unwrap()].as_ref().unwrap());
        let (a, b) = (print("over-grant:cluster-admin@sa:dev:pod-inspector"), print("skip-rbac:RoleBinding/dev/pod-reader"));
        assert_eq!(a.conflict(&b), None);
        let group = print("over-grant:cluster-admin@group:system:authenticated");
        assert!(group.conflict(&b).is_some_and(|why| why.contains("alone")), "{:?}", group.conflict(&b));
    }

    #[test]
    fn a_plan_cut_to_some_mutants_still_finds_their_twins() {
        // `mutate --mutant`: the written plan keeps two of its mutants, the mapped copies are planned whole
        let plans = shipped();
        let mut p = plans.iter().find(|p| p.scenario.name == "article-walkthrough").unwrap().clone();
        let keep = [p.mutants[5].id.clone(), p.mutants[2].id.clone()];
        p.mutants.retain(|m| keep.contains(&m.id));
        let placed = place(&p, &isolate(), 0);
        assert_eq!(placed.isolation, Some(Isolation::Isolable), "{:?}", placed.isolation);
        for (m, s) in p.mutants.iter().zip(&placed.mutants) {
            let s = s.as_ref().unwrap_or_else(|| panic!("{} not placed", m.id));
            assert_eq!(s.steps.len(), m.scenario.steps.len(), "{}", m.id);
        }
    }

    #[test]
    fn a_mutant_without_a_twin_sends_its_scenario_back_to_as_written() {
        let plans = shipped();
        let mut p = plans.iter().find(|p| p.scenario.name == "article-walkthrough").unwrap().clone();
        p.mutants[3].id = "over-grant:something-else".into();
        let placed = place(&p, &isolate(), 0);
        let Some(Isolation::AsWritten(why)) = &placed.isolation else { panic!("{:?}", placed.isolation) };
        assert!(why.contains("over-grant:something-else has no twin"), "{why}");
        assert_eq!(placed.baseline.namespaces, ["dev"]);
        assert!(placed.unique.is_empty());
    }

    #[test]
    fn as_written_runs_the_plan_verbatim_and_leaves_out_what_would_be_lost() {
        let plans = shipped();
        let p = plans.iter().find(|p| p.scenario.name == "article-walkthrough").unwrap();
        let placed = place(p, &Placement::AsWritten, 0);
        assert!(placed.isolation.is_none() && placed.unique.is_empty());
        assert_eq!(placed.mutants.len(), p.mutants.len());
        assert!(placed.mutants.iter().flatten().all(|s| s.namespaces == ["dev"]));
    }
}
