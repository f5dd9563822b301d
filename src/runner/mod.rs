//! Runs scenarios on a target: checks the scenario's namespaces are free, runs the steps in order
//! (a failed look is recorded and the scenario goes on; a failed change, wait or prerequisite skips
//! the rest), gathers diagnostics when a step fails, and always cleans up what the scenario created,
//! also when interrupted.

pub mod leftovers;
mod sentinel;

use crate::api::{self, Applied, DiscoveryCache};
use crate::capture::Captures;
use crate::cluster::Target;
use crate::error::describe;
use crate::interrupt::Interrupt;
use crate::outcome::{ScenarioOutcome, Status, StepOutcome, Verdict};
use crate::scenario::{ObjectRef, Scenario, Step};
use crate::step::{Change, StepCtx};
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Label put on every namespace a scenario creates, so a later run can tell it from the user's.
pub const OWNED_LABEL: &str = "sa-conformance.dev/owned";

/// How the runner runs.
#[derive(Clone)]
pub struct RunOptions {
    pub kubectl: String,
    pub interrupt: Interrupt,
    /// How long cleanup may wait for namespaces to go.
    pub cleanup_timeout: Duration,
    /// How the run holds its scenarios' namespaces against other runs (see `cluster::lease`).
    pub lease: crate::cluster::lease::LeaseOptions,
    /// How many scenarios may run at once (`--jobs`); only those whose footprints do not conflict do.
    pub jobs: usize,
    /// Stop a scenario at its first failed step, even one that only looks (`mutate`: a mutant is
    /// killed by its first failure, so the steps after it cannot change the verdict).
    pub stop_at_first_failure: bool,
    /// Namespaces no later run reuses (`run --isolate` names them after the run): their deletion is
    /// issued and not awaited, as chainsaw's `--fast-namespace-deletion`. A scenario whose namespaces
    /// are all here is done when its steps and cleanup requests are.
    pub unique_namespaces: std::collections::BTreeSet<String>,
    /// Once the reporter has seen a scenario whole, the run's outcome keeps only its verdict, not its
    /// steps (`mutate`: hundreds of runs, each judged as it finishes; their steps would be held to the end).
    pub forget_steps: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            kubectl: std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into()),
            interrupt: Interrupt::never(),
            cleanup_timeout: Duration::from_secs(180),
            lease: Default::default(),
            jobs: 1,
            stop_at_first_failure: false,
            unique_namespaces: Default::default(),
            forget_steps: false,
        }
    }
}

/// Runs one scenario to its end and cleans up after it, waiting until its namespaces are gone.
/// `on_step` sees each outcome as it happens.
pub async fn run_scenario(
    target: &Target,
    discovery: &DiscoveryCache,
    scenario: &Scenario,
    opts: &RunOptions,
    on_step: &mut dyn FnMut(&StepOutcome),
) -> ScenarioOutcome {
    let (mut outcome, deleting) = run_scenario_detached(target, discovery, scenario, opts, on_step).await;
    outcome.cleanup_errors.extend(deleting.finish().await);
    outcome
}

/// Like [`run_scenario`], but returns as soon as the scenario's namespaces have been told to go: the
/// wait for them to be gone continues in the background (see [`Deleting`]).
pub async fn run_scenario_detached(
    target: &Target,
    discovery: &DiscoveryCache,
    scenario: &Scenario,
    opts: &RunOptions,
    on_step: &mut dyn FnMut(&StepOutcome),
) -> (ScenarioOutcome, Deleting) {
    let started = Instant::now();
    let mut outcome = ScenarioOutcome {
        name: scenario.name.clone(),
        description: scenario.description.clone(),
        file: scenario.file.clone(),
        steps: Vec::new(),
        cleanup_errors: Vec::new(),
        setup_error: None,
        duration_ms: 0,
        interrupted: false,
    };
    let preexisting = match claim_namespaces(target, scenario, opts.cleanup_timeout).await {
        Ok(p) => p,
        Err(e) => {
            outcome.setup_error = Some(e);
            outcome.steps = scenario.steps.iter().map(|s| skipped(scenario, s)).collect();
            outcome.duration_ms = started.elapsed().as_millis();
            return (outcome, Deleting::nothing());
        }
    };
    let applied = Mutex::new(Vec::new());
    let ctx = StepCtx {
        target,
        discovery,
        dir: scenario.dir(),
        actions: scenario.actions().collect(),
        kubectl: &opts.kubectl,
        applied: &applied,
    };
    let mut captures = Captures::default();
    let mut labelled = BTreeSet::new();
    let mut stopped = false;
    let mut version = None;
    // The end of the last step that changed the cluster: the looks after it count `within` from there.
    let mut last_change: Option<Change> = None;
    for step in &scenario.steps {
        if stopped || outcome.interrupted {
            let s = skipped(scenario, step);
            on_step(&s);
            outcome.steps.push(s);
            continue;
        }
        let runs = match &step.inapplicable {
            Some(why) => Err(why.clone()),
            None => Ok(applies(target, step, &mut version).await),
        };
        let s = match runs {
            Err(why) => not_applicable(scenario, step, why),
            Ok(Ok(true)) => tokio::select! {
                s = run_step(&ctx, scenario, step, &mut captures, last_change, true) => s,
                _ = opts.interrupt.wait() => {
                    outcome.interrupted = true;
                    let mut s = skipped(scenario, step);
                    s.settle(Status::Failed);
                    s.error = Some("interrupted (Ctrl-C or SIGTERM)".into());
                    s
                }
            },
            Ok(Ok(false)) => {
                let range = step.when_version.as_ref().map(|r| r.as_str()).unwrap_or_default();
                not_applicable(
                    scenario,
                    step,
                    format!("the step is for server versions {range}, the server is {}", version.as_deref().unwrap_or("?")),
                )
            }
            Ok(Err(e)) => {
                let mut s = skipped(scenario, step);
                s.settle(Status::Failed);
                s.error = Some(e);
                s
            }
        };
        let failed = s.status == Status::Failed;
        stopped = failed && (step.stops_on_failure() || opts.stop_at_first_failure);
        if !matches!(s.verdict, Verdict::NotRun | Verdict::NotApplicable) && !step.action.only_looks() {
            last_change = Some(Change { at: Instant::now(), step: step.index });
        }
        label_new_namespaces(target, scenario, &preexisting, &mut labelled).await;
        let mut s = s;
        if failed && !outcome.interrupted {
            s.diagnostics = Some(api::diagnostics(&target.client, &scenario.namespaces).await).filter(|d| !d.is_empty());
        }
        on_step(&s);
        outcome.steps.push(s);
    }
    let applied = applied.into_inner().unwrap_or_default();
    let (errors, deleting) = cleanup(target, discovery, scenario, &preexisting, &applied, opts.cleanup_timeout).await;
    outcome.cleanup_errors = errors;
    outcome.duration_ms = started.elapsed().as_millis();
    (outcome, deleting)
}

/// Runs the steps `indices` (0-based) of a scenario, in order, outside a scenario run: no namespace is
/// claimed, labelled or cleaned up. `check` runs looks this way on a lab the harness does not own,
/// with `cap` bounding each step's timeout and `within` (a lab is not converging: a look that does
/// not hold within it is the lab's answer; each step's timeout is bounded by the cap or 20 s, whichever
/// is longer, but a `wait` capped at zero is asked once: see [`Cap`]); the e2e trials play a
/// participant's writes this way.
pub async fn run_steps(
    target: &Target,
    discovery: &DiscoveryCache,
    scenario: &Scenario,
    indices: &[usize],
    kubectl: &str,
    cap: Option<Duration>,
) -> Vec<StepOutcome> {
    run_steps_capped(target, discovery, scenario, indices, kubectl, |_, _| cap).await
}

/// [`run_steps`] with a cap chosen for each step, from the step and the outcomes of the steps run
/// before it (the mistake matrix asks its play's waits once after a write was refused).
pub async fn run_steps_capped(
    target: &Target,
    discovery: &DiscoveryCache,
    scenario: &Scenario,
    indices: &[usize],
    kubectl: &str,
    cap_of: impl Fn(&Step, &[StepOutcome]) -> Option<Duration>,
) -> Vec<StepOutcome> {
    let applied = Mutex::new(Vec::new());
    let ctx = StepCtx { target, discovery, dir: scenario.dir(), actions: scenario.actions().collect(), kubectl, applied: &applied };
    let mut captures = Captures::default();
    let mut version = None;
    let mut outcomes = Vec::with_capacity(indices.len());
    for &i in indices {
        let Some(step) = scenario.steps.get(i) else { continue };
        let capped = match cap_of(step, &outcomes) {
            Some(cap) => Cap(cap).apply(step),
            None => step.clone(),
        };
        let s = match applies(target, step, &mut version).await {
            Ok(true) => run_step(&ctx, scenario, &capped, &mut captures, None, false).await,
            Ok(false) => not_applicable(scenario, step, "the step is for other server versions".into()),
            Err(e) => {
                let mut s = skipped(scenario, step);
                s.settle(Status::Failed);
                s.error = Some(e);
                s
            }
        };
        outcomes.push(s);
    }
    outcomes
}

/// How long a step run outside a scenario run may take to hold. `within` is the cap, and nothing is
/// held stable. The timeout keeps room for a process or an exec session to answer at all (the cap or
/// 20 s, whichever is longer), except that a `wait` capped at zero is asked once: a wait is a watch,
/// whose first read answers; a look capped at zero depends on an object already found broken, which
/// is the proof, so there is nothing to wait for.
#[derive(Debug, Clone, Copy)]
pub struct Cap(pub Duration);

/// The shortest room a capped step keeps to answer at all.
const CAP_ROOM: Duration = Duration::from_secs(20);

impl Cap {
    pub fn apply(self, step: &Step) -> Step {
        let mut capped = step.clone();
        let room =
            if self.0.is_zero() && matches!(step.action, crate::step::Action::Wait(_)) { Duration::ZERO } else { self.0.max(CAP_ROOM) };
        capped.timeout = capped.timeout.min(room);
        capped.within = capped.within.min(self.0);
        capped.stable_for = None;
        capped
    }
}

fn location(scenario: &Scenario, step: &Step) -> String {
    format!("{}:{}", scenario.file.display(), step.line)
}

/// The outcome of a scenario whose namespaces could not be claimed: every step skipped.
pub(crate) fn not_started(s: &Scenario, e: &crate::cluster::lease::LeaseError) -> ScenarioOutcome {
    let steps = s.steps.iter().map(|step| skipped(s, step)).collect();
    ScenarioOutcome {
        name: s.name.clone(),
        description: s.description.clone(),
        file: s.file.clone(),
        steps,
        cleanup_errors: Vec::new(),
        setup_error: Some(e.to_string()),
        duration_ms: 0,
        interrupted: matches!(e, crate::cluster::lease::LeaseError::Interrupted { .. }),
    }
}

/// A step that did not run (an earlier change failed, or the scenario never started).
pub(crate) fn skipped(scenario: &Scenario, step: &Step) -> StepOutcome {
    StepOutcome {
        index: step.index,
        name: step.name.clone(),
        kind: step.action.kind(),
        location: location(scenario, step),
        doc: step.doc.clone(),
        status: Status::Skipped,
        duration_ms: 0,
        mismatches: Vec::new(),
        error: None,
        notes: Vec::new(),
        diagnostics: None,
        verdict: Verdict::NotRun,
        erratum: step.erratum.clone(),
        article: step.article.clone(),
    }
}

/// Whether a step runs on this server: always, unless it has a `when-version` range. The server
/// version is asked once, when the first such step comes.
async fn applies(target: &Target, step: &Step, version: &mut Option<String>) -> Result<bool, String> {
    let Some(req) = &step.when_version else { return Ok(true) };
    if version.is_none() {
        let info = target
            .client
            .apiserver_version()
            .await
            .map_err(|e| format!("cannot read the server version for `when-version: {}`: {}", req.as_str(), describe(&e)))?;
        *version = Some(info.git_version);
    }
    let text = version.as_deref().unwrap_or_default();
    let parsed =
        crate::scenario::erratum::minor_version(text).ok_or_else(|| format!("cannot read MAJOR.MINOR from the server version `{text}`"))?;
    Ok(req.matches(parsed))
}

fn not_applicable(scenario: &Scenario, step: &Step, why: String) -> StepOutcome {
    let mut s = skipped(scenario, step);
    s.verdict = Verdict::NotApplicable;
    s.notes.push(format!("not applicable: {why}"));
    s
}

async fn run_step(
    ctx: &StepCtx<'_>,
    scenario: &Scenario,
    step: &Step,
    captures: &mut Captures,
    last_change: Option<Change>,
    in_order: bool,
) -> StepOutcome {
    let started = Instant::now();
    let mut s = skipped(scenario, step);
    // A step that uses captured values is built again now that they exist.
    let rebuilt = match crate::scenario::rebuild(scenario, step, captures) {
        Ok(r) => r,
        Err(e) => {
            s.settle(Status::Failed);
            s.error = Some(e);
            return s;
        }
    };
    // The executors poll to the step timeout themselves; this outer limit catches anything that hangs.
    let limit = step.timeout + Duration::from_secs(15);
    let mut limits = rebuilt.limits();
    limits.window = limits.window.since(last_change);
    match tokio::time::timeout(limit, rebuilt.action.run(ctx, limits)).await {
        Ok(Ok(mut check)) => {
            // Values are taken only from a step whose expectations held: a later step must not run on
            // what a failed step happened to see.
            if !step.capture.is_empty() && check.mismatches.is_empty() {
                let (notes, mismatches) = captures.record(step.index, &step.capture, &check.seen);
                check.notes.extend(notes);
                check.mismatches.extend(mismatches);
            }
            s.settle(if check.mismatches.is_empty() { Status::Passed } else { Status::Failed });
            s.mismatches = check.mismatches;
            s.notes = check.notes;
        }
        Ok(Err(e)) => {
            s.settle(Status::Failed);
            s.error = Some(error_chain(&e));
        }
        Err(_) => {
            s.settle(Status::Failed);
            s.error = Some(format!("step did not finish within {} (its timeout plus 15s)", crate::duration::format_duration(limit)));
        }
    }
    // After a step that may have written RBAC, prove the authorizer caught up before the next step asks.
    sentinel::after_step(ctx, scenario, step, &mut s, in_order).await;
    s.duration_ms = started.elapsed().as_millis();
    s
}

/// An error with all its causes, one line (kept here for callers of the old name).
pub use crate::error::chain as error_chain;

/// Makes sure the scenario's namespaces are free: a leftover of an earlier run (our label) is deleted;
/// one that belongs to someone else stops the scenario. Returns the set that existed (none, on success).
async fn claim_namespaces(target: &Target, scenario: &Scenario, timeout: Duration) -> Result<BTreeSet<String>, String> {
    let api: Api<Namespace> = Api::all(target.client.clone());
    let mut leftovers = Vec::new();
    for ns in &scenario.namespaces {
        match api.get_opt(ns).await {
            Ok(None) => {}
            Ok(Some(existing)) => {
                let ours = existing.metadata.labels.as_ref().and_then(|l| l.get(OWNED_LABEL)).is_some();
                if !ours {
                    return Err(format!(
                        "namespace `{ns}` already exists and was not created by sa-conformance; refusing to run scenario `{}` in it (delete it yourself, or run with --var to use other names)",
                        scenario.name
                    ));
                }
                leftovers.push(ns.clone());
            }
            Err(e) => return Err(format!("cannot check namespace `{ns}`: {}", describe(&e))),
        }
    }
    if !leftovers.is_empty() {
        let errors = delete_namespaces(target, &leftovers, timeout).await;
        if !errors.is_empty() {
            return Err(format!("could not remove namespaces left by an earlier run: {}", errors.join("; ")));
        }
    }
    Ok(BTreeSet::new())
}

async fn label_new_namespaces(target: &Target, scenario: &Scenario, preexisting: &BTreeSet<String>, labelled: &mut BTreeSet<String>) {
    let api: Api<Namespace> = Api::all(target.client.clone());
    let pending: Vec<&String> = scenario.namespaces.iter().filter(|n| !preexisting.contains(*n) && !labelled.contains(*n)).collect();
    for ns in pending {
        if let Ok(Some(_)) = api.get_opt(ns).await {
            let patch = serde_json::json!({"metadata": {"labels": {OWNED_LABEL: "true"}}});
            if api.patch(ns, &PatchParams::default(), &Patch::Merge(&patch)).await.is_ok() {
                labelled.insert(ns.clone());
            }
        }
    }
}

/// Deletes cluster-scoped objects the scenario applied or listed (and proves the authorizer has seen a
/// ClusterRole or ClusterRoleBinding go), then starts deleting its namespaces.
async fn cleanup(
    target: &Target,
    discovery: &DiscoveryCache,
    scenario: &Scenario,
    preexisting: &BTreeSet<String>,
    applied: &[Applied],
    timeout: Duration,
) -> (Vec<String>, Deleting) {
    let mut refs: Vec<ObjectRef> = applied.iter().filter(|a| a.namespace.is_none() && a.kind != "Namespace").map(Applied::to_ref).collect();
    refs.extend(scenario.cleanup.iter().cloned());
    refs.sort();
    refs.dedup();
    let mut errors = delete_cluster_scoped(target, discovery, &refs, &scenario.name, timeout).await;
    let namespaces: Vec<String> = scenario.namespaces.iter().filter(|n| !preexisting.contains(*n)).cloned().collect();
    let (started, deleting) = start_deleting(target, &namespaces, timeout).await;
    errors.extend(started);
    (errors, deleting)
}

/// Deletes the cluster-scoped objects `refs` of the scenario `scenario`; when a ClusterRole or
/// ClusterRoleBinding was among them, proves the authorizer has seen it go (a grant across the cluster,
/// to everyone, a user or a ServiceAccount, is gone from the API at once but maybe not yet from the
/// authorizer's cache, and the next run must not be answered by it). Returns what went wrong.
pub async fn delete_cluster_scoped(
    target: &Target,
    discovery: &DiscoveryCache,
    refs: &[ObjectRef],
    scenario: &str,
    timeout: Duration,
) -> Vec<String> {
    let mut errors = Vec::new();
    let mut cluster_rbac_deleted = false;
    for r in refs {
        match api::delete_object(&target.client, discovery, r).await {
            Ok(existed) => cluster_rbac_deleted |= existed && matches!(r.kind.as_str(), "ClusterRole" | "ClusterRoleBinding"),
            Err(e) => errors.push(error_chain(&e)),
        }
    }
    if cluster_rbac_deleted {
        match sentinel::prove_cluster_rbac(&target.client, discovery, timeout).await {
            Ok(note) => tracing::debug!("cleanup of `{scenario}`: {note}"),
            Err(e) => errors.push(format!("after deleting ClusterRoles or ClusterRoleBindings of `{scenario}`, the RBAC sentinel: {e}")),
        }
    }
    errors
}

/// Deletes namespaces (pods first, without grace, so `sleep 3600` does not hold them) and waits.
pub async fn delete_namespaces(target: &Target, namespaces: &[String], timeout: Duration) -> Vec<String> {
    let (mut errors, deleting) = start_deleting(target, namespaces, timeout).await;
    errors.extend(deleting.finish().await);
    errors
}

/// Namespaces told to go, and a task that watches until they are gone (or the cleanup timeout passes).
pub struct Deleting {
    pub namespaces: Vec<String>,
    task: Option<tokio::task::JoinHandle<Vec<String>>>,
}

impl Deleting {
    fn nothing() -> Self {
        Deleting { namespaces: Vec::new(), task: None }
    }

    /// Leaves the namespaces to the namespace controller (their deletion was issued): nothing waits.
    pub fn detach(self) {
        drop(self.task);
    }

    /// Waits until the namespaces are gone; returns what went wrong (one line each).
    pub async fn finish(self) -> Vec<String> {
        match self.task {
            None => Vec::new(),
            Some(task) => {
                task.await.unwrap_or_else(|e| vec![format!("waiting for namespaces {} to be deleted: {e}", self.namespaces.join(", "))])
            }
        }
    }
}

/// Deletes the pods of each namespace without grace, then the namespace; returns the errors of the
/// deletes and the wait for the namespaces to be gone, already running (await it with
/// [`Deleting::finish`] when something needs them gone, or at the end).
pub async fn start_deleting(target: &Target, namespaces: &[String], timeout: Duration) -> (Vec<String>, Deleting) {
    let api: Api<Namespace> = Api::all(target.client.clone());
    let mut errors = Vec::new();
    for ns in namespaces {
        let pods: Api<Pod> = Api::namespaced(target.client.clone(), ns);
        let _ = pods.delete_collection(&DeleteParams { grace_period_seconds: Some(0), ..Default::default() }, &ListParams::default()).await;
        match api.delete(ns, &DeleteParams::background()).await {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(e) => errors.push(format!("delete namespace {ns}: {}", describe(&e))),
        }
    }
    if namespaces.is_empty() {
        return (errors, Deleting::nothing());
    }
    let client = target.client.clone();
    let list = namespaces.to_vec();
    let task = tokio::spawn(async move { wait_gone(&client, &list, timeout).await });
    (errors, Deleting { namespaces: namespaces.to_vec(), task: Some(task) })
}

/// Watches each namespace until it is gone.
async fn wait_gone(client: &kube::Client, namespaces: &[String], timeout: Duration) -> Vec<String> {
    let deadline = Instant::now() + timeout;
    let api = api::watch::namespaces(client);
    let mut errors = Vec::new();
    for ns in namespaces {
        let gone = api::watch::follow(&api, ns, deadline, |obj| match obj {
            None => ControlFlow::Break(()),
            Some(_) => ControlFlow::Continue(()),
        })
        .await;
        match gone {
            Ok(api::watch::Followed::Done(())) => {}
            Ok(api::watch::Followed::TimedOut(())) => {
                errors.push(format!("namespace {ns} still exists {}s after deletion", timeout.as_secs()))
            }
            Err(e) => errors.push(format!("checking namespace {ns}: {}", error_chain(&e))),
        }
    }
    errors
}
