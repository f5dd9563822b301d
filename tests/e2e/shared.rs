//! The one cluster a test run shares. It is made lazily by the first trial that needs it (so `--list`
//! and offline filters need none), re-used if sa-conformance already made it (`cluster up`), and
//! deleted at the end of the run if this run created it. Under cargo-nextest (one process per trial)
//! it is never created here: run `sa-conformance cluster up` first.

use libtest_mimic::{Failed, Trial};
use sa_conformance::cluster::{ClusterSpec, ExistingSpec, KindSpec, Session, Target};
use sa_conformance::interrupt::Interrupt;
use sa_conformance::parallel::{Footprint, Gate};
use sa_conformance::runner::RunOptions;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

pub struct Shared {
    pub runtime: tokio::runtime::Runtime,
    pub interrupt: Interrupt,
    session: Mutex<Option<Result<Session, String>>>,
}

/// The trials of this process pass through one gate: trials whose footprints do not conflict (the
/// `--jobs` rule) run at the same time, a trial with no footprint (`None`) runs alone. Under
/// cargo-nextest (a process per trial) the namespace leases keep runs of one namespace apart instead.
static GATE: Gate = Gate::new();

/// The trials that run alone (no footprint, or one that says so), by name: `main` starts them first.
static ALONE: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Whether the trial `name` runs alone on the shared cluster.
pub fn runs_alone(name: &str) -> bool {
    ALONE.lock().unwrap_or_else(|p| p.into_inner()).iter().any(|n| n == name)
}

/// When the trials were made (about when the test process started): each trial's line says when it
/// entered the gate, so a run's timeline can be read (scripts/bench-e2e.sh).
static EPOCH: std::sync::LazyLock<std::time::Instant> = std::sync::LazyLock::new(std::time::Instant::now);

/// A trial that runs only when its footprint conflicts with no other running trial.
pub fn gated<F>(name: impl Into<String>, footprint: Option<Footprint>, run: F) -> Trial
where
    F: FnOnce() -> Result<(), Failed> + Send + 'static,
{
    let name = name.into();
    std::sync::LazyLock::force(&EPOCH);
    if footprint.as_ref().is_none_or(|f| f.alone.is_some() || !f.everyone.is_empty()) {
        ALONE.lock().unwrap_or_else(|p| p.into_inner()).push(name.clone());
    }
    let label = name.clone();
    Trial::test(name, move || {
        let waited = std::time::Instant::now();
        let _pass = GATE.enter(footprint);
        let started = std::time::Instant::now();
        let result = run();
        // One line per trial, so a slow run can be read trial by trial (libtest-mimic prints no times).
        eprintln!(
            "e2e: {label} took {:.1}s (waited {:.1}s for the gate, entered at {:.1}s{})",
            started.elapsed().as_secs_f64(),
            (started - waited).as_secs_f64(),
            (started - *EPOCH).as_secs_f64(),
            if runs_alone(&label) { ", alone" } else { "" }
        );
        result
    })
}

/// The footprint of a scenario file's trial; one that does not load runs alone (and fails on its own).
pub fn footprint_of(file: &std::path::Path) -> Option<Footprint> {
    sa_conformance::scenario::load_file(file, &Default::default()).ok().map(|s| Footprint::of(&s))
}

/// The footprint of a trial that runs the scenario files `files` (paths from the repository's root):
/// all of theirs joined; alone if one does not load.
pub fn footprint_of_all(files: &[&str]) -> Option<Footprint> {
    files.iter().map(|f| footprint_of(&root().join(f))).try_fold(Footprint::default(), |all, f| Some(all.join(f?)))
}

/// The footprint of a trial that runs `mutate` on the scenario file `file` with the operators
/// `operators` and, when `ids` names some, only those mutants (`--mutant`): the scenario's and every
/// mutant's, joined (an over-grant to everyone makes it run alone).
pub fn mutants_footprint(file: &str, operators: &[&str], ids: &[&str]) -> Option<Footprint> {
    let scenario = sa_conformance::scenario::load_file(&root().join(file), &Default::default()).ok()?;
    let operators: Vec<sa_conformance::mutate::Operator> =
        operators.iter().map(|o| sa_conformance::mutate::Operator::from_name(o)).collect::<Option<_>>()?;
    let plan = sa_conformance::mutate::plan(&scenario, &operators).ok()?;
    let chosen = plan.mutants.iter().filter(|m| ids.is_empty() || ids.contains(&m.id.as_str()));
    Some(chosen.fold(Footprint::of(&scenario), |all, m| all.join(Footprint::of(&m.scenario))))
}

/// A seed for the run ids of this test process's isolated namespaces (`dev-<scenario>-<run>`): the
/// time and the process, as `run` makes its own.
pub fn seed() -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32)
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn cluster_name() -> String {
    std::env::var("SA_CONFORMANCE_CLUSTER_NAME").unwrap_or_else(|_| "sa-conformance".into())
}

fn env_list(key: &str) -> Vec<String> {
    std::env::var(key).unwrap_or_default().split([' ', ',']).filter(|s| !s.is_empty()).map(String::from).collect()
}

impl Shared {
    pub fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
        let interrupt = runtime.block_on(async { Interrupt::install() });
        Shared { runtime, interrupt, session: Mutex::new(None) }
    }

    pub fn run_options(&self) -> RunOptions {
        RunOptions { interrupt: self.interrupt.clone(), ..Default::default() }
    }

    fn spec() -> ClusterSpec {
        if let Ok(context) = std::env::var("SA_CONFORMANCE_CONTEXT") {
            return ClusterSpec::Existing(ExistingSpec {
                kubeconfig: std::env::var_os("SA_CONFORMANCE_KUBECONFIG").map(PathBuf::from),
                context: Some(context),
            });
        }
        let nextest = std::env::var_os("NEXTEST_RUN_ID").is_some();
        ClusterSpec::Kind(KindSpec {
            name: cluster_name(),
            config: root().join("kind-config.yaml"),
            image: std::env::var("SA_CONFORMANCE_NODE_IMAGE").ok().filter(|s| !s.is_empty()),
            load_images: env_list("SA_CONFORMANCE_LOAD_IMAGES"),
            reuse: true,
            keep: nextest || std::env::var("SA_CONFORMANCE_KEEP").is_ok_and(|v| v == "1"),
            create_timeout: Duration::from_secs(900),
        })
    }

    /// The cluster, created on first use. A failure is remembered so every trial reports it.
    pub fn target(&self) -> Result<Target, String> {
        let mut guard = self.session.lock().map_err(|_| "cluster lock poisoned".to_string())?;
        if guard.is_none() {
            let spec = Self::spec();
            if std::env::var_os("NEXTEST_RUN_ID").is_some() {
                if let ClusterSpec::Kind(k) = &spec {
                    if sa_conformance::cluster::state::load(&k.name).is_none() {
                        *guard = Some(Err(format!("no cluster: under cargo-nextest each trial is its own process, so create the cluster once first with `sa-conformance cluster up --name {}`", k.name)));
                    }
                }
            }
            if guard.is_none() {
                let allow = env_list("SA_CONFORMANCE_ALLOW_CONTEXT");
                let opts = self.run_options();
                eprintln!(
                    "e2e: getting cluster ({})",
                    match &spec {
                        ClusterSpec::Kind(k) => format!("kind `{}`", k.name),
                        ClusterSpec::Existing(e) => format!("context {:?}", e.context),
                    }
                );
                let result = self
                    .runtime
                    .block_on(sa_conformance::suite::acquire(&spec, &allow, &opts, &mut sa_conformance::report::Silent))
                    .map_err(|e| format!("could not get a cluster to test on: {}", sa_conformance::error::chain(&e)));
                if let Ok(s) = &result {
                    eprintln!(
                        "e2e: running on {} ({}){}",
                        s.target.server,
                        s.target.context,
                        if s.deletes_cluster() { "; it is deleted at the end of the run" } else { "" }
                    );
                }
                *guard = Some(result);
            }
        }
        match guard.as_ref() {
            Some(Ok(s)) => Ok(s.target.clone()),
            Some(Err(e)) => Err(e.clone()),
            None => Err("no cluster".into()),
        }
    }

    /// Deletes the cluster if this run created it.
    pub fn release(&self) {
        let taken = self.session.lock().ok().and_then(|mut g| g.take());
        if let Some(Ok(session)) = taken {
            if session.deletes_cluster() {
                eprintln!("e2e: deleting kind cluster `{}`", session.target.name);
            }
            if let Err(e) = self.runtime.block_on(session.release()) {
                eprintln!("e2e: could not delete the cluster: {e}");
            }
        }
    }
}
