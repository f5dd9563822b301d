//! `check` on a participant's lab, made real: participants simulated by the article's own commands
//! (mapped into their namespaces, run as a participant would, section by section) on the shared
//! cluster, checked by the `sa-conformance check` binary as a workshop would run it, under an
//! identity that can only read (plus access reviews, token requests, pods/exec and impersonating
//! ServiceAccounts for `kubectl auth can-i --as`), with every object of the lab unchanged after.

use crate::shared::Shared;
use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use kube::api::{Api, DynamicObject, ListParams, PostParams};
use kube::discovery::{ApiResource, Discovery, Scope};
use libtest_mimic::{Failed, Trial};
use sa_conformance::api::{request_token, token_kubeconfig::TokenKubeconfig, DiscoveryCache, TokenRequestSpec};
use sa_conformance::cluster::Target;
use sa_conformance::lab::{participant_steps, LabPlan};
use sa_conformance::scenario::{load_file_mapped, LoadOptions, MapPlan, NamespaceMap, Scenario};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const ALICE: &str = "lab-alice";
const BOB: &str = "lab-bob";
const CHECKER_NS: &str = "lab-checker";
const CHECKER: &str = "lab-checker";

fn footprint() -> Option<sa_conformance::parallel::Footprint> {
    let mut f = sa_conformance::parallel::Footprint::default();
    for ns in [ALICE, BOB, CHECKER_NS] {
        f.writes.insert(ns.to_string());
    }
    f.objects.insert(format!("ClusterRole/{CHECKER}"));
    f.objects.insert(format!("ClusterRoleBinding/{CHECKER}"));
    Some(f)
}

/// Alice plays the walkthrough section by section; after each, `check --until` that section passes
/// and `check --until` the next fails naming it. Then Bob stops after the pod while Alice finishes:
/// one board, each with their own verdicts. All under a read-only identity; nothing in either lab
/// changes while it is checked.
pub fn sections_trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    crate::shared::gated("check::a_participant_passes_each_section_done_and_fails_the_next", footprint(), move || {
        let target = shared.target()?;
        let result = shared.runtime.block_on(sections(&target));
        let names: Vec<String> = [ALICE, BOB, CHECKER_NS].iter().map(|s| s.to_string()).collect();
        let cleanup = shared.runtime.block_on(async {
            let _ = sa_conformance::api::delete_object(&target.client, &DiscoveryCache::default(), &cluster_ref("ClusterRole")).await;
            let _ =
                sa_conformance::api::delete_object(&target.client, &DiscoveryCache::default(), &cluster_ref("ClusterRoleBinding")).await;
            sa_conformance::runner::delete_namespaces(&target, &names, Duration::from_secs(180)).await
        });
        result?;
        if cleanup.is_empty() {
            Ok(())
        } else {
            Err(format!("cleanup failed: {cleanup:?}").into())
        }
    })
}

fn cluster_ref(kind: &str) -> sa_conformance::api::ObjectRef {
    sa_conformance::api::ObjectRef {
        api_version: "rbac.authorization.k8s.io/v1".into(),
        kind: kind.into(),
        name: Some(CHECKER.into()),
        namespace: None,
        list: false,
    }
}

fn mapped(to: &str) -> Result<Scenario, Failed> {
    let file = crate::shared::root().join("scenarios/article/walkthrough.scenario.yaml");
    let map = NamespaceMap::parse([format!("dev={to}")]).map_err(|e| e.to_string())?;
    Ok(load_file_mapped(&file, &LoadOptions::default(), &MapPlan::Pairs(map)).map_err(|e| e.to_string())?.scenario)
}

/// Plays the documented writes of one stage, as a participant would.
async fn play(target: &Target, scenario: &Scenario, plan: &LabPlan, stage: usize) -> Result<(), Failed> {
    let steps = participant_steps(plan, scenario, stage);
    let outcomes = sa_conformance::runner::run_steps(target, &DiscoveryCache::default(), scenario, &steps, "kubectl", None).await;
    match outcomes.iter().find(|o| !o.ok()) {
        None => Ok(()),
        Some(o) => Err(format!("playing `{}` failed: {:?} {:?}", o.name, o.mismatches, o.error).into()),
    }
}

async fn sections(target: &Target) -> Result<(), Failed> {
    let alice = mapped(ALICE)?;
    let bob = mapped(BOB)?;
    let plan = LabPlan::of(&alice);
    let checker = read_only_identity(target).await?;
    let kc = checker.path().display().to_string();
    let check = |args: Vec<String>| {
        let mut argv = vec!["check".to_string(), "--kubeconfig".into(), kc.clone(), "--format".into(), "json".into()];
        argv.extend(args);
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let out = crate::cli::output(&argv)?;
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
            format!("check printed no JSON ({e}): {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
        })?;
        Ok::<_, String>((out.status.code(), json))
    };
    let first_failure = |json: &serde_json::Value| {
        json[0]["labs"][0]["stages"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| !s["failures"].as_array().is_none_or(|f| f.is_empty()))
            .cloned()
    };
    // Before anything: the namespace is missing, and the check says where to start.
    let (code, json) = check(vec!["--namespace".into(), format!("dev={ALICE}")])?;
    let failed = first_failure(&json).ok_or("an empty lab passed")?;
    let problem = failed["failures"][0]["problem"].as_str().unwrap_or_default().to_string();
    if code != Some(1) || !problem.contains(&format!("namespace {ALICE} not found: start at \"Creating a Service Account\"")) {
        return Err(format!("an empty lab: exit {code:?}, {problem}").into());
    }
    for (k, stage) in plan.stages.iter().enumerate() {
        play(target, &alice, &plan, k).await?;
        let before = versions(target, ALICE).await?;
        let (code, json) = check(vec!["--namespace".into(), format!("dev={ALICE}"), "--until".into(), stage.section.clone()])?;
        if code != Some(0) {
            return Err(format!("after \"{}\", check --until it: exit {code:?}: {json:#}", stage.section).into());
        }
        if let Some(next) = plan.stages.get(k + 1) {
            let (code, json) = check(vec!["--namespace".into(), format!("dev={ALICE}"), "--until".into(), next.section.clone()])?;
            let failed = first_failure(&json).map(|s| s["section"].as_str().unwrap_or_default().to_string());
            if code != Some(1) || failed.as_deref() != Some(next.section.as_str()) {
                return Err(format!(
                    "after \"{}\", check --until \"{}\": exit {code:?}, first failure at {failed:?}: {json:#}",
                    stage.section, next.section
                )
                .into());
            }
        }
        let after = versions(target, ALICE).await?;
        let changed = changed_objects(&before, &after);
        if !changed.is_empty() {
            return Err(format!("checking changed the lab:\n{}", changed.join("\n")).into());
        }
    }
    // Bob stops after the pod; one board checks both at once.
    let bob_plan = LabPlan::of(&bob);
    for k in 0..2 {
        play(target, &bob, &bob_plan, k).await?;
    }
    let (code, json) = check(vec!["--namespace".into(), format!("dev={ALICE}"), "--namespace".into(), format!("dev={BOB}")])?;
    let rows = json.as_array().ok_or("no board rows")?;
    let verdict = |row: &serde_json::Value| {
        row["labs"][0]["stages"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| s["failures"].as_array().is_none_or(|f| f.is_empty()))
            .collect::<Vec<_>>()
    };
    let (a, b) = (verdict(&rows[0]), verdict(&rows[1]));
    if code != Some(1) || a != [true, true, true] || b != [true, true, false] {
        return Err(format!("board: exit {code:?}, alice {a:?}, bob {b:?}: {json:#}").into());
    }
    // The same board from a label: every namespace labelled for the workshop is a participant's `dev`.
    let api: Api<Namespace> = Api::all(target.client.clone());
    for ns in [ALICE, BOB] {
        let patch = serde_json::json!({"metadata": {"labels": {"sa-conformance-e2e/workshop": "lab"}}});
        api.patch(ns, &kube::api::PatchParams::default(), &kube::api::Patch::Merge(&patch)).await.map_err(|e| e.to_string())?;
    }
    let (code, json) = check(vec!["--namespaces-from".into(), "sa-conformance-e2e/workshop=lab".into()])?;
    let labelled: Vec<&str> = json.as_array().into_iter().flatten().filter_map(|r| r["participant"].as_str()).collect();
    if code != Some(1) || labelled != [ALICE, BOB] {
        return Err(format!("--namespaces-from: exit {code:?}, participants {labelled:?}").into());
    }
    // The learner's line names what is missing and what to run.
    let out = crate::cli::output(&["check", "--kubeconfig", &kc, "--namespace", &format!("dev={BOB}"), "--format", "lab"])?;
    let line = String::from_utf8_lossy(&out.stdout).to_string();
    let want = format!("FAIL: Granting Read-Only Pod Access with RBAC: Role pod-reader is missing in {BOB} -> revisit \"Granting Read-Only Pod Access with RBAC\": kubectl apply -f roles/pod-reader-role.yaml");
    if out.status.code() != Some(1) || line.trim() != want {
        return Err(format!("lab format: exit {:?}\n got: {line}\nwant: {want}", out.status.code()).into());
    }
    Ok(())
}

/// An identity that can read everything, ask access reviews, request tokens, exec into pods and
/// impersonate ServiceAccounts (`kubectl auth can-i --as`), and nothing else; its kubeconfig.
async fn read_only_identity(target: &Target) -> Result<TokenKubeconfig, Failed> {
    let c = target.client.clone();
    let ns: Namespace = serde_json::from_value(serde_json::json!({"metadata": {"name": CHECKER_NS}})).map_err(|e| e.to_string())?;
    let pp = PostParams::default();
    Api::<Namespace>::all(c.clone()).create(&pp, &ns).await.map_err(|e| e.to_string())?;
    let sa: ServiceAccount =
        serde_json::from_value(serde_json::json!({"metadata": {"name": CHECKER, "namespace": CHECKER_NS}})).map_err(|e| e.to_string())?;
    Api::<ServiceAccount>::namespaced(c.clone(), CHECKER_NS).create(&pp, &sa).await.map_err(|e| e.to_string())?;
    let role: ClusterRole = serde_json::from_value(serde_json::json!({
        "metadata": {"name": CHECKER},
        "rules": [
            {"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list", "watch"]},
            {"apiGroups": ["authorization.k8s.io"], "resources": ["subjectaccessreviews", "selfsubjectaccessreviews", "selfsubjectrulesreviews", "localsubjectaccessreviews"], "verbs": ["create"]},
            {"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews", "selfsubjectreviews"], "verbs": ["create"]},
            {"apiGroups": [""], "resources": ["serviceaccounts/token", "pods/exec"], "verbs": ["create"]},
            {"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]}
        ]
    }))
    .map_err(|e| e.to_string())?;
    Api::<ClusterRole>::all(c.clone()).create(&pp, &role).await.map_err(|e| e.to_string())?;
    let binding: ClusterRoleBinding = serde_json::from_value(serde_json::json!({
        "metadata": {"name": CHECKER},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": CHECKER},
        "subjects": [{"kind": "ServiceAccount", "name": CHECKER, "namespace": CHECKER_NS}]
    }))
    .map_err(|e| e.to_string())?;
    Api::<ClusterRoleBinding>::all(c.clone()).create(&pp, &binding).await.map_err(|e| e.to_string())?;
    let spec = TokenRequestSpec {
        namespace: CHECKER_NS.into(),
        serviceaccount: CHECKER.into(),
        duration: Some(Duration::from_secs(3600)),
        ..Default::default()
    };
    let token = request_token(&c, &spec).await.map_err(|e| sa_conformance::error::chain(&e))?;
    Ok(TokenKubeconfig::write(target, &token).map_err(|e| sa_conformance::error::chain(&e))?)
}

/// Every object in a namespace (and the namespace), kind/name -> what a writer set: the object without
/// its `status`, its resourceVersion and the managedFields entries of status updates. A pod's status is
/// the kubelet's to write at any time (under load it still writes after the pod is Ready), so only a
/// change elsewhere can be the check's.
async fn versions(target: &Target, ns: &str) -> Result<BTreeMap<String, String>, Failed> {
    let c = target.client.clone();
    let discovery = Discovery::new(c.clone()).run().await.map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    let namespace = Api::<Namespace>::all(c.clone()).get(ns).await.map_err(|e| e.to_string())?;
    out.insert(format!("Namespace/{ns}"), written(serde_json::to_value(namespace).map_err(|e| e.to_string())?));
    for group in discovery.groups() {
        for (ar, caps) in group.recommended_resources() {
            if caps.scope != Scope::Namespaced || !caps.supports_operation(kube::discovery::verbs::LIST) || ar.kind == "Event" {
                continue;
            }
            let api: Api<DynamicObject> = Api::namespaced_with(c.clone(), ns, &ApiResource { ..ar.clone() });
            let Ok(list) = api.list(&ListParams::default()).await else { continue };
            for o in list.items {
                let name = format!("{}/{}", ar.kind, o.metadata.name.clone().unwrap_or_default());
                out.insert(name, written(serde_json::to_value(o).map_err(|e| e.to_string())?));
            }
        }
    }
    Ok(out)
}

/// An object as its writers other than a status update left it (see [`versions`]).
fn written(mut o: serde_json::Value) -> String {
    if let Some(map) = o.as_object_mut() {
        map.remove("status");
    }
    if let Some(meta) = o.get_mut("metadata").and_then(|m| m.as_object_mut()) {
        meta.remove("resourceVersion");
        if let Some(fields) = meta.get_mut("managedFields").and_then(|f| f.as_array_mut()) {
            fields.retain(|f| f["subresource"] != "status");
        }
    }
    o.to_string()
}

/// The objects whose state differs between two [`versions`], with both states.
fn changed_objects(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> Vec<String> {
    let keys: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| format!("{k}: before {:?}, after {:?}", before.get(k), after.get(k)))
        .collect()
}

/// How many mistakes are played at once (each in its own namespace).
const MISTAKES_AT_ONCE: usize = 6;

/// Which mistakes a trial plays, by what its mistakes reach (their footprints, mapped into their labs'
/// namespaces, by the `--jobs` rule): those that reach only their own lab (a Role without a verb, a
/// ClusterRoleBinding to the lab's own ServiceAccount) are played side by side, beside other trials
/// whose footprints do not conflict; those that reach other labs (a ClusterRoleBinding to
/// `system:authenticated`) are played one at a time, with nothing else running.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reach {
    OwnLab,
    OtherLabs,
}

impl Reach {
    fn name(self) -> &'static str {
        match self {
            Reach::OwnLab => "own-lab",
            Reach::OtherLabs => "other-labs",
        }
    }
}

/// The mistake matrix of the walkthrough: every mutant `mutate` derives is played as a participant's
/// lab and checked against the unchanged walkthrough; each must be named (or say why a lab cannot
/// show it). Two trials, by what a mistake reaches; each writes its table to
/// target/mistake-matrix-REACH.md (docs/check.md shows it).
pub fn mistakes_trials(shared: &Arc<Shared>) -> Vec<Trial> {
    [Reach::OwnLab, Reach::OtherLabs]
        .into_iter()
        .map(|reach| {
            let shared = Arc::clone(shared);
            let name = format!("check::every_mistake_reaching_{}_is_named", reach.name().replace('-', "_"));
            crate::shared::gated(name, mistakes_footprint(reach), move || {
                let target = shared.target()?;
                shared.runtime.block_on(mistakes(&target, reach))
            })
        })
        .collect()
}

/// The mistakes of the walkthrough split by reach: each mutant's index, with its footprint when
/// mapped into its lab's namespace `lab-mistake-INDEX-RUN`. A mistake reaches only its own lab when its
/// footprint neither runs alone nor grants to everyone, and conflicts with no other such mistake (so
/// that they can be played side by side); the others reach other labs.
struct Split {
    verbatim: Scenario,
    own: Vec<(usize, sa_conformance::parallel::Footprint)>,
    others: Vec<usize>,
}

fn split() -> &'static Result<Split, String> {
    static SPLIT: std::sync::OnceLock<Result<Split, String>> = std::sync::OnceLock::new();
    SPLIT.get_or_init(|| {
        let file = crate::shared::root().join("scenarios/article/walkthrough.scenario.yaml");
        let verbatim = sa_conformance::scenario::load_file(&file, &LoadOptions::default()).map_err(|e| e.to_string())?;
        let count = sa_conformance::mutate::plan(&verbatim, &[]).map_err(|e| e.to_string())?.mutants.len();
        let (mut own, mut others) = (Vec::<(usize, sa_conformance::parallel::Footprint)>::new(), Vec::new());
        for i in 0..count {
            let article = mapped(&lab_namespace(i)).map_err(|e| format!("{e:?}"))?;
            let plan = sa_conformance::mutate::plan(&article, &[]).map_err(|e| e.to_string())?;
            let f =
                sa_conformance::parallel::Footprint::of(&plan.mutants.get(i).ok_or("the mapped walkthrough has fewer mutants")?.scenario);
            let beside = f.alone.is_none() && f.everyone.is_empty() && own.iter().all(|(_, o)| o.conflict(&f).is_none());
            if beside {
                own.push((i, f));
            } else {
                others.push(i);
            }
        }
        Ok(Split { verbatim, own, others })
    })
}

/// The walkthrough as written, and the indices of its mutants that reach as far as `reach`.
fn mistakes_of(reach: Reach) -> Result<(Scenario, Vec<usize>), String> {
    let split = split().as_ref().map_err(Clone::clone)?;
    let which = match reach {
        Reach::OwnLab => split.own.iter().map(|(i, _)| *i).collect(),
        Reach::OtherLabs => split.others.clone(),
    };
    Ok((split.verbatim.clone(), which))
}

/// The mistakes that reach other labs run alone. Those that reach only their own lab touch what their
/// labs' mapped mutants touch (their own namespaces, their grants, and what the walkthrough reads),
/// all together; alone if that cannot be read.
fn mistakes_footprint(reach: Reach) -> Option<sa_conformance::parallel::Footprint> {
    let alone = |why: &str| Some(sa_conformance::parallel::Footprint { alone: Some(why.into()), ..Default::default() });
    let Ok(split) = split() else { return alone("the walkthrough's mistakes cannot be planned") };
    if reach == Reach::OtherLabs {
        return alone("its mistakes grant to groups that reach every lab");
    }
    Some(split.own.iter().fold(sa_conformance::parallel::Footprint::default(), |all, (_, f)| all.join(f.clone())))
}

async fn mistakes(target: &Target, reach: Reach) -> Result<(), Failed> {
    let (verbatim, which) = mistakes_of(reach)?;
    if which.is_empty() {
        return Err(format!("the walkthrough has no {} mistakes: the split of the matrix no longer holds", reach.name()).into());
    }
    let discovery = DiscoveryCache::default();
    let count = which.len();
    let at_once = if reach == Reach::OwnLab { MISTAKES_AT_ONCE } else { 1 };
    let rows = play_mistakes(target, &discovery, &verbatim, which, at_once).await;
    report_mistakes(rows, count, reach).await
}

type MistakeRow = Result<(sa_conformance::lab::mistakes::Mistake, Vec<String>), String>;

/// The namespace of the lab that plays mistake `i`: named after this test process, so a namespace an
/// earlier process left going away never stands in the way, and none has to be waited for.
fn lab_namespace(i: usize) -> String {
    static RUN: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| sa_conformance::scenario::run_id(crate::shared::seed()));
    format!("lab-mistake-{i}-{}", *RUN)
}

/// Plays the mistakes `which` (mutant indices), `at_once` at a time, each in its own namespace.
async fn play_mistakes(
    target: &Target,
    discovery: &DiscoveryCache,
    verbatim: &Scenario,
    which: Vec<usize>,
    at_once: usize,
) -> Vec<MistakeRow> {
    use futures::StreamExt;
    use sa_conformance::lab::mistakes::{try_one, Named};
    futures::stream::iter(which.into_iter().map(|i| {
        let (discovery, verbatim) = (&discovery, &verbatim);
        async move {
            let ns = lab_namespace(i);
            let article = mapped(&ns).map_err(|e| format!("{e:?}"))?;
            let plan = sa_conformance::mutate::plan(&article, &[]).map_err(|e| e.to_string())?;
            let mutant = plan.mutants.get(i).ok_or("the mapped walkthrough has fewer mutants")?;
            let row = try_one(target, discovery, mutant, &article, verbatim, "kubectl").await;
            // its cluster-wide grants, and the proof that the authorizer no longer answers from them
            let mut errors = sa_conformance::runner::delete_cluster_scoped(
                target,
                discovery,
                &mutant.scenario.cleanup,
                &mutant.id,
                Duration::from_secs(60),
            )
            .await;
            // The namespace is named after this test process, so no later run reuses it: its deletion
            // is issued, not awaited.
            let (started, deleting) =
                sa_conformance::runner::start_deleting(target, std::slice::from_ref(&ns), Duration::from_secs(180)).await;
            deleting.detach();
            errors.extend(started);
            let mut row = row;
            row.id = row.id.replace(&ns, "dev");
            let r = |t: &mut String| *t = t.replace(&ns, "dev");
            match &mut row.named {
                Named::Named { problem, hint, .. } => {
                    r(problem);
                    r(hint)
                }
                Named::Unnamed { problem, changed, .. } => {
                    r(problem);
                    changed.iter_mut().for_each(r)
                }
                Named::Missed { changed } => changed.iter_mut().for_each(r),
                Named::NotPlayed { error } => r(error),
                Named::Invisible { .. } => {}
            }
            Ok((row, errors))
        }
    }))
    .buffer_unordered(at_once)
    .collect()
    .await
}

async fn report_mistakes(rows: Vec<MistakeRow>, total: usize, reach: Reach) -> Result<(), Failed> {
    use sa_conformance::lab::mistakes::Named;
    let rows: Vec<_> = rows.into_iter().collect::<Result<_, _>>()?;
    let mut table = String::from("| mistake | check says |\n| --- | --- |\n");
    let mut bad = Vec::new();
    let mut rows = rows;
    rows.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    for (row, cleanup) in &rows {
        let says = match &row.named {
            Named::Named { section, problem, hint } => format!("✗ {section}: {problem} {hint}"),
            Named::Invisible { reason } => format!("(not visible in a lab: {reason})"),
            other => {
                bad.push(format!("{}: {other:?}", row.id));
                format!("**{other:?}**")
            }
        };
        if !cleanup.is_empty() {
            bad.push(format!("{}: cleanup {cleanup:?}", row.id));
        }
        table.push_str(&format!("| `{}` | {} |\n", row.id, says.replace('|', "\\|")));
    }
    let named = rows.iter().filter(|(r, _)| matches!(r.named, Named::Named { .. })).count();
    let invisible = rows.iter().filter(|(r, _)| matches!(r.named, Named::Invisible { .. })).count();
    table.push_str(&format!(
        "\n{total} {} mistakes: {named} named, {invisible} not visible in a lab (with the reason), {} other\n",
        reach.name(),
        total - named - invisible
    ));
    let out = crate::shared::root().join(format!("target/mistake-matrix-{}.md", reach.name()));
    let _ = std::fs::write(&out, &table);
    eprintln!("{table}");
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!("mistakes not named:\n{}\n{table}", bad.join("\n")).into())
    }
}

/// A lab whose cluster does not answer: exit 1 and one line naming the context and the server, fast;
/// an unknown section: exit 2 listing the sections (no cluster needed for either).
pub fn bad_input_trial() -> Trial {
    Trial::test("check::an_unreachable_lab_or_an_unknown_section_says_so", || {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let kc = dir.path().join("config");
        let text = "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster: {server: 'https://127.0.0.1:9', insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: gone\n  context: {cluster: gone, user: u}\ncurrent-context: gone\n";
        std::fs::write(&kc, text).map_err(|e| e.to_string())?;
        let kc = kc.display().to_string();
        let started = std::time::Instant::now();
        let out = crate::cli::output(&["check", "--kubeconfig", &kc])?;
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        if out.status.code() != Some(1)
            || !err.contains("context `gone` (https://127.0.0.1:9) does not answer")
            || started.elapsed().as_secs() > 20
        {
            return Err(format!("unreachable: exit {:?} after {:?}: {err}", out.status.code(), started.elapsed()).into());
        }
        let out = crate::cli::output(&["check", "--kubeconfig", &kc, "--until", "No Such Section"])?;
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        // The sections are the scenario's: an unknown one is a usage error before any cluster is asked.
        if out.status.code() != Some(2) || !err.contains("its sections: \"Creating a Service Account\"") {
            return Err(format!("unknown section on an unreachable cluster: exit {:?}: {err}", out.status.code()).into());
        }
        Ok(())
    })
}
