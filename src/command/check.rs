//! `check`: a participant's lab on their own cluster (any context: kind, minikube, k3d, a shared
//! workshop cluster), read-only, per article section. One participant prints a line per section and
//! what to revisit; several (`--namespace dev=alice-dev --namespace dev=bob-dev`, or
//! `--namespaces-from LABEL`) print the instructor's board, a row each. `--format lab` is for a lab
//! platform's check script: exit 0 or 1 and one `FAIL:` line. Needs no `--allow-context`: nothing is
//! written (see `crate::lab`).

use super::{error, load, out};
use crate::api::DiscoveryCache;
use crate::cli::{CheckArgs, CheckFormat};
use crate::cluster::{ExistingCluster, ExistingSpec, Provider, Target};
use crate::exit::{FAILED, PASSED, USAGE};
use crate::lab::{self, Lab, LabOutcome};
use crate::scenario::{load_file_mapped, LoadOptions, MapPlan, NamespaceMap, Scenario};
use futures::StreamExt;
use std::collections::BTreeMap;
use std::time::Duration;

/// The scenario a lab is checked against when none is named: the article's walkthrough.
pub const DEFAULT_LAB: &str = "article-walkthrough";
/// How many participants are checked at once on a board.
const AT_ONCE: usize = 8;
/// How long the lab's API server may take to answer the first question.
const REACH: Duration = Duration::from_secs(15);

/// One participant: a label (their namespace) and their namespace map.
#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    pub label: String,
    pub pairs: Vec<String>,
}

use crate::lab::board::BoardRow as Row;

pub(super) async fn check(args: &CheckArgs, verbose: bool) -> u8 {
    let names = if args.scenarios.is_empty() { vec![DEFAULT_LAB.to_string()] } else { args.scenarios.clone() };
    let catalog = match load(&args.load, &names) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // The sections are the scenarios' own: an unknown one is a usage error before any cluster is asked.
    for scenario in &catalog.scenarios {
        for (flag, section) in [("until", &args.until), ("section", &args.section)] {
            if let Some(section) = section {
                if let Err(e) = lab::stage_of(&lab::LabPlan::of(scenario), scenario, section) {
                    eprintln!("error: --{flag}: {e}");
                    return USAGE;
                }
            }
        }
    }
    let target = match reach(args).await {
        Ok(t) => t,
        Err(message) => {
            eprintln!("error: cannot check the lab: {message}");
            return FAILED;
        }
    };
    let source = catalog.scenarios.first().and_then(|s| s.namespaces.first()).cloned().unwrap_or_else(|| "dev".into());
    let participants = match participants(args, &target, &source).await {
        Ok(p) => p,
        Err(message) => {
            eprintln!("error: {message}");
            return USAGE;
        }
    };
    let opts = LoadOptions { overrides: args.load.overrides() };
    // Every participant's scenarios are loaded (and their sections checked) before anything is asked.
    let mut loaded = Vec::new();
    for p in &participants {
        match labs_of(&catalog.scenarios, p, &opts) {
            Ok(l) => loaded.push((p.clone(), l)),
            Err(message) => {
                eprint!("error: {message}");
                return USAGE;
            }
        }
    }
    let discovery = DiscoveryCache::default();
    let kubectl = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
    let Some(every) = args.watch else {
        let rows = round(args, &target, &discovery, &kubectl, &loaded).await;
        render(&rows, args.format, verbose, &target);
        if let Err(code) = write_html(args, &rows) {
            return code;
        }
        return verdict(&rows);
    };
    // --watch: the board again every few seconds, in place on a terminal, until Ctrl-C.
    let interrupt = crate::interrupt::Interrupt::install();
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    loop {
        let rows = round(args, &target, &discovery, &kubectl, &loaded).await;
        if terminal {
            out("\x1b[2J\x1b[H");
        }
        out(&format!("{} (every {}s; Ctrl-C stops)\n", time_of_day(), every.as_secs()));
        render(&rows, args.format, verbose, &target);
        if let Err(code) = write_html(args, &rows) {
            return code;
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = interrupt.wait() => return verdict(&rows),
        }
    }
}

/// `--html FILE`: the board as a page (atomically replaced, so a browser reloading it never sees half).
fn write_html(args: &CheckArgs, rows: &[Row]) -> Result<(), u8> {
    let Some(path) = &args.html else { return Ok(()) };
    let page = lab::board::to_html(rows, &time_of_day());
    let tmp = path.with_extension("html.tmp");
    std::fs::write(&tmp, page).and_then(|()| std::fs::rename(&tmp, path)).map_err(|e| {
        eprintln!("error: --html {}: {e}", path.display());
        FAILED
    })
}

/// 0 when every participant's every section holds, else 1.
fn verdict(rows: &[Row]) -> u8 {
    if rows.iter().all(|r| r.labs.iter().all(LabOutcome::passed)) {
        PASSED
    } else {
        FAILED
    }
}

/// The time of day (UTC) for the watch header, without a date crate.
fn time_of_day() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default() % 86_400;
    format!("{:02}:{:02}:{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

/// Every participant's labs checked once, `AT_ONCE` participants at a time.
async fn round(
    args: &CheckArgs,
    target: &Target,
    discovery: &DiscoveryCache,
    kubectl: &str,
    loaded: &[(Participant, Vec<LabOf>)],
) -> Vec<Row> {
    futures::stream::iter(loaded.iter().map(|(p, labs)| async move {
        let mut outcomes = Vec::new();
        for (mapped, article, namespaces) in labs {
            let lab =
                Lab { mapped, article, namespaces: namespaces.clone(), until: args.until.as_deref(), section: args.section.as_deref() };
            // The sections were checked before the first round: this cannot fail on them.
            if let Ok(o) = lab::check(target, discovery, &lab, kubectl).await {
                outcomes.push(o);
            }
        }
        Row { participant: p.label.clone(), labs: outcomes }
    }))
    .buffered(AT_ONCE)
    .collect()
    .await
}

/// Connects to the lab's cluster and asks it one question, so an unreachable cluster is said once,
/// with its reason, before anything else.
async fn reach(args: &CheckArgs) -> Result<Target, String> {
    let cluster = ExistingCluster { spec: ExistingSpec { kubeconfig: args.kubeconfig.clone(), context: args.context.clone() } };
    let target = cluster.connect().await.map_err(|e| crate::error::chain(&e))?;
    match tokio::time::timeout(REACH, target.client.apiserver_version()).await {
        Ok(Ok(_)) => Ok(target),
        Ok(Err(e)) => Err(format!(
            "the API server of context `{}` ({}) does not answer: {}",
            target.context,
            target.server,
            crate::error::describe(&e)
        )),
        Err(_) => {
            Err(format!("the API server of context `{}` ({}) did not answer within {}s", target.context, target.server, REACH.as_secs()))
        }
    }
}

/// The participants the arguments name: one per TARGET of a repeated SOURCE (`--namespace
/// dev=alice-dev --namespace dev=bob-dev`), one per labelled namespace (`--namespaces-from`), or one
/// with the article's own namespaces.
async fn participants(args: &CheckArgs, target: &Target, source: &str) -> Result<Vec<Participant>, String> {
    if let Some(selector) = &args.namespaces_from {
        let api: kube::Api<k8s_openapi::api::core::v1::Namespace> = kube::Api::all(target.client.clone());
        let list = api
            .list(&kube::api::ListParams::default().labels(selector))
            .await
            .map_err(|e| format!("--namespaces-from {selector}: cannot list namespaces: {}", crate::error::describe(&e)))?;
        let mut names: Vec<String> = list.items.into_iter().filter_map(|n| n.metadata.name).collect();
        names.sort();
        if names.is_empty() {
            return Err(format!("--namespaces-from {selector}: no namespace has this label"));
        }
        return Ok(names.into_iter().map(|n| Participant { pairs: vec![format!("{source}={n}")], label: n }).collect());
    }
    split_participants(&args.namespaces)
}

/// `--namespace` pairs to participants: the k-th TARGET of each SOURCE belongs to participant k; a
/// SOURCE given once is shared by all.
pub fn split_participants(pairs: &[String]) -> Result<Vec<Participant>, String> {
    let mut by_source: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for pair in pairs {
        let (s, t) = pair.split_once('=').ok_or_else(|| format!("--namespace {pair}: expected SOURCE=TARGET, e.g. dev=alice-dev"))?;
        if !order.contains(&s.to_string()) {
            order.push(s.to_string());
        }
        by_source.entry(s.to_string()).or_default().push(t.to_string());
    }
    let count = by_source.values().map(Vec::len).max().unwrap_or(0);
    if count == 0 {
        return Ok(vec![Participant { label: "(the article's namespaces)".into(), pairs: Vec::new() }]);
    }
    if let Some((s, t)) = by_source.iter().find(|(_, t)| t.len() != 1 && t.len() != count) {
        return Err(format!(
            "--namespace {s}=... is given {} times and another source {count} times: give each source once, or once per participant",
            t.len()
        ));
    }
    Ok((0..count)
        .map(|k| {
            let pairs: Vec<String> = order.iter().map(|s| format!("{s}={}", by_source[s].get(k).unwrap_or(&by_source[s][0]))).collect();
            let label = order.first().map(|s| by_source[s].get(k).unwrap_or(&by_source[s][0]).clone()).unwrap_or_default();
            Participant { label, pairs }
        })
        .collect())
}

/// One scenario for one participant: mapped into their namespaces, as the article writes it (for
/// the commands a hint quotes), and the map.
type LabOf = (Scenario, Scenario, BTreeMap<String, String>);

/// Each scenario mapped into the participant's namespaces, beside the article's own (for hints).
fn labs_of(scenarios: &[Scenario], p: &Participant, opts: &LoadOptions) -> Result<Vec<LabOf>, String> {
    if p.pairs.is_empty() {
        return Ok(scenarios.iter().map(|s| (s.clone(), s.clone(), BTreeMap::new())).collect());
    }
    let map = NamespaceMap::parse(p.pairs.iter()).map_err(|e| format!("--namespace: {e}\n"))?;
    let plan = MapPlan::Pairs(map);
    scenarios
        .iter()
        .map(|article| {
            let m = load_file_mapped(&article.file, opts, &plan).map_err(|e| e.to_string())?;
            Ok((m.scenario, article.clone(), m.report.namespaces))
        })
        .collect()
}

fn render(rows: &[Row], format: CheckFormat, verbose: bool, target: &Target) {
    match format {
        CheckFormat::Json => match serde_json::to_string_pretty(rows) {
            Ok(text) => out(&format!("{text}\n")),
            Err(e) => error(&e),
        },
        CheckFormat::Lab => {
            let failed = rows.iter().flat_map(|r| r.labs.iter().map(move |l| (r, l))).find_map(|(r, l)| l.first_failure().map(|f| (r, f)));
            if let Some((row, (stage, f))) = failed {
                let who = if rows.len() > 1 { format!("{}: ", row.participant) } else { String::new() };
                out(&format!("FAIL: {who}{}: {} {}\n", stage.section, f.problem, f.hint()));
            }
        }
        CheckFormat::Console if rows.len() > 1 => out(&board(rows)),
        CheckFormat::Console => {
            for row in rows {
                for l in &row.labs {
                    out(&learner(l, verbose, target));
                }
            }
        }
    }
}

/// One participant's lab: a line per section, each failure with what to revisit.
fn learner(l: &LabOutcome, verbose: bool, target: &Target) -> String {
    let mut text = String::new();
    let mapped: Vec<String> = l.namespaces.iter().map(|(s, t)| format!("{s} -> {t}")).collect();
    text.push_str(&format!(
        "check {} on context `{}`{}\n",
        l.scenario,
        target.context,
        if mapped.is_empty() { String::new() } else { format!(" (namespaces {})", mapped.join(", ")) }
    ));
    for s in &l.stages {
        if let Some(why) = &s.not_checked {
            text.push_str(&format!("· {} ({why})\n", s.section));
            continue;
        }
        if s.passed() {
            text.push_str(&format!("✓ {} ({} check{})\n", s.section, s.checks, if s.checks == 1 { "" } else { "s" }));
            continue;
        }
        // One line per cause: the checks that fail because of it follow (all of them with -v).
        let mut causes: Vec<(&str, Vec<&lab::Failure>)> = Vec::new();
        for f in &s.failures {
            match causes.iter_mut().find(|(p, _)| *p == f.problem) {
                Some((_, fs)) => fs.push(f),
                None => causes.push((&f.problem, vec![f])),
            }
        }
        for (problem, fs) in causes {
            text.push_str(&format!("✗ {}: {problem}\n    {}\n", s.section, fs[0].hint()));
            let shown = if verbose { fs.len() } else { 1 };
            for f in &fs[..shown] {
                text.push_str(&format!("    {} ({})\n", f.check, f.at));
            }
            if fs.len() > shown {
                text.push_str(&format!("    and {} more check(s) fail because of it (-v lists them)\n", fs.len() - shown));
            }
        }
    }
    if verbose {
        for n in &l.not_checked {
            text.push_str(&format!("  not checked: {n}\n"));
        }
    }
    let held = l.stages.iter().filter(|s| s.passed()).count();
    text.push_str(&format!("{held} of {} sections hold ({:.1}s)\n", l.stages.len(), l.duration_ms as f64 / 1000.0));
    text
}

/// The instructor's board: a row per participant, a column per section (✓, ✗), then each
/// participant's first failure.
fn board(rows: &[Row]) -> String {
    let sections = lab::board::sections(rows);
    let width = rows.iter().map(|r| r.participant.chars().count()).max().unwrap_or(0).max("participant".len());
    let mut text = format!("{:width$}  {}\n", "participant", (1..=sections.len()).map(|n| format!("{n:>2}")).collect::<Vec<_>>().join(" "));
    for row in rows {
        let marks: Vec<String> = sections.iter().map(|sec| format!(" {}", lab::board::mark(row, sec).1)).collect();
        text.push_str(&format!("{:width$}  {}\n", row.participant, marks.join(" ")));
    }
    for (n, s) in sections.iter().enumerate() {
        text.push_str(&format!("{:>2}: {s}\n", n + 1));
    }
    for row in rows {
        if let Some((stage, f)) = row.labs.iter().find_map(LabOutcome::first_failure) {
            text.push_str(&format!("{}: ✗ {}: {} {}\n", row.participant, stage.section, f.problem, f.hint()));
        }
    }
    let done = rows.iter().filter(|r| r.labs.iter().all(LabOutcome::passed)).count();
    text.push_str(&format!("{done} of {} participants hold every section\n", rows.len()));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_repeated_source_makes_one_participant_per_target() {
        let ps = split_participants(&pairs(&["dev=alice-dev", "dev=bob-dev"])).unwrap();
        assert_eq!(ps.iter().map(|p| p.label.as_str()).collect::<Vec<_>>(), ["alice-dev", "bob-dev"]);
        assert_eq!(ps[1].pairs, ["dev=bob-dev"]);
    }

    #[test]
    fn a_source_given_once_is_shared_by_every_participant() {
        let ps = split_participants(&pairs(&["dev=alice-dev", "prod=shared-prod", "dev=bob-dev"])).unwrap();
        assert_eq!(ps[1].pairs, ["dev=bob-dev", "prod=shared-prod"]);
    }

    #[test]
    fn no_map_is_the_articles_own_namespaces_and_a_bad_pair_is_refused() {
        assert_eq!(split_participants(&[]).unwrap()[0].pairs, Vec::<String>::new());
        assert!(split_participants(&pairs(&["dev"])).unwrap_err().contains("SOURCE=TARGET"));
        let uneven = split_participants(&pairs(&["dev=a", "dev=b", "dev=c", "prod=x", "prod=y"])).unwrap_err();
        assert!(uneven.contains("once per participant"), "{uneven}");
    }
}
