//! The `sa-conformance` command: parse arguments, call the library, map the result to an exit code
//! (0 passed, 1 a check failed or the cluster could not be used, 2 usage or input error, 130 interrupted).

use clap::Parser;
use sa_conformance::cli::{Cli, ClusterCommand, Command, ListArgs, RunArgs};
use sa_conformance::cluster::{ClusterError, KindCluster};
use sa_conformance::exit::{FAILED, INTERRUPTED, PASSED, USAGE};
use sa_conformance::interrupt::Interrupt;
use sa_conformance::outcome::RunOutcome;
use sa_conformance::report::{self, listing, Console};
use sa_conformance::runner::RunOptions;
use sa_conformance::scenario::{Catalog, LoadOptions};
use sa_conformance::suite::{run_suite, SuiteError};
use std::io::Write;
use std::process::ExitCode;

/// Prints to stdout; a closed pipe (`| head`) ends the output quietly instead of panicking.
fn out(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn main() -> ExitCode {
    // Before anything reads the environment (clap's `env =` defaults) or starts a thread.
    let offline = match sa_conformance::cluster::offline::use_offline_build() {
        Ok(applied) => applied,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let cli = Cli::parse();
    if let (sa_conformance::cluster::offline::Applied::Used(b), Command::Run(_) | Command::Cluster(ClusterCommand::Up(_))) =
        (&offline, &cli.command)
    {
        eprintln!("sa-conformance: using the offline build (kind and kubectl from {}, node image {})", b.bin.display(), b.node_image);
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SA_CONFORMANCE_LOG").unwrap_or_else(|_| "warn,kube_client=off".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(FAILED);
        }
    };
    ExitCode::from(runtime.block_on(dispatch(cli)))
}

async fn dispatch(cli: Cli) -> u8 {
    match cli.command {
        Command::List(args) => list(&args),
        Command::Run(args) => run(&args, cli.verbose).await,
        Command::Cluster(ClusterCommand::Up(k)) => cluster_up(k.spec(false, true)).await,
        Command::Cluster(ClusterCommand::Down { name }) => cluster_down(&name).await,
        Command::Audit(args) => audit(&args).await,
        Command::Lint(args) => lint(&args),
        Command::Mutate(args) => mutate(&args).await,
        Command::Matrix(args) => matrix(&args).await,
    }
}

fn load(args: &sa_conformance::cli::LoadArgs, names: &[String]) -> Result<Catalog, u8> {
    let opts = LoadOptions { overrides: args.overrides() };
    let mut catalog = Catalog::load(&args.scenarios_dir, &opts).map_err(|e| {
        eprint!("error: {e}");
        USAGE
    })?;
    catalog.select(names).map_err(|e| {
        eprintln!("error: {e}");
        USAGE
    })?;
    Ok(catalog)
}

fn list(args: &ListArgs) -> u8 {
    match load(&args.load, &[]) {
        Ok(catalog) if args.claims => {
            out(&listing::claims(&catalog));
            PASSED
        }
        Ok(catalog) => {
            out(&listing::scenarios(&catalog));
            PASSED
        }
        Err(code) => code,
    }
}

async fn run(args: &RunArgs, verbose: bool) -> u8 {
    let catalog = match load(&args.load, &args.scenarios) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut opts = RunOptions { interrupt: Interrupt::install(), ..Default::default() };
    opts.lease.no_wait = args.no_wait;
    let mut console = Console::new(verbose);
    let result = run_suite(&args.target.spec(), &args.target.allow_context, &catalog.scenarios, &opts, &mut console).await;
    match result {
        // Reports are written for every run that got a cluster, a failed teardown included.
        Ok(outcome) => {
            let written = write_reports(args, &outcome);
            let code = summary(&outcome);
            written.map(|()| code).unwrap_or_else(|code| code)
        }
        Err(SuiteError::Interrupted) => {
            eprintln!("interrupted: {}", SuiteError::Interrupted);
            INTERRUPTED
        }
        Err(e @ SuiteError::NamespaceHeld(_)) => {
            eprintln!("error: {e}");
            USAGE
        }
        Err(SuiteError::Cluster(e @ ClusterError::Guard(_))) => {
            eprintln!("error: {e}");
            USAGE
        }
        Err(e) => {
            eprintln!("error: {}", sa_conformance::runner::error_chain(&e));
            FAILED
        }
    }
}

fn write_reports(args: &RunArgs, outcome: &RunOutcome) -> Result<(), u8> {
    let outputs = [(args.junit.as_ref(), report::to_junit(outcome)), (args.json.as_ref(), report::to_json(outcome))];
    for (path, text) in outputs {
        if let Some(p) = path {
            if let Err(e) = std::fs::write(p, text) {
                eprintln!("error: cannot write report {}: {e}", p.display());
                return Err(FAILED);
            }
        }
    }
    Ok(())
}

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
    sa_conformance::exit::for_run(outcome)
}

async fn audit(args: &sa_conformance::cli::AuditArgs) -> u8 {
    use sa_conformance::cluster::ClusterSpec;
    let opts = RunOptions { interrupt: Interrupt::install(), ..Default::default() };
    // An audit reads; it never creates a cluster: it uses the harness's kind cluster or a named context.
    let spec = match args.target.spec() {
        ClusterSpec::Kind(k) => ClusterSpec::Kind(sa_conformance::cluster::KindSpec { reuse: true, keep: true, ..k }),
        other => other,
    };
    let session = match sa_conformance::suite::acquire(&spec, &args.target.allow_context, &opts, &mut Console::new(false)).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {}", sa_conformance::runner::error_chain(&e));
            return USAGE;
        }
    };
    let spec = sa_conformance::audit::AuditSpec { user: args.user.clone(), namespaces: args.namespaces.clone(), allow: args.allow.clone() };
    match sa_conformance::audit::audit(&session.target, &spec).await {
        Ok(report) => {
            if args.matrix {
                out(&sa_conformance::audit::matrix(&report));
            }
            out(&sa_conformance::audit::summary(&report));
            if let Some(p) = &args.json {
                let mut value = serde_json::to_value(&report).unwrap_or_default();
                report::redact::redact_value(&mut value);
                let text = serde_json::to_string_pretty(&value).unwrap_or_default();
                if let Err(e) = std::fs::write(p, text) {
                    eprintln!("error: cannot write {}: {e}", p.display());
                    return FAILED;
                }
            }
            if report.passed() {
                PASSED
            } else {
                FAILED
            }
        }
        Err(e) => {
            eprintln!("error: {}", sa_conformance::runner::error_chain(&e));
            FAILED
        }
    }
}

async fn mutate(args: &sa_conformance::cli::MutateArgs) -> u8 {
    use sa_conformance::mutate;
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
    if args.list {
        for p in &plans {
            out(&format!("{}: {} mutant(s)\n", p.scenario.name, p.mutants.len()));
            for m in &p.mutants {
                out(&format!("  {}\n    {}\n", m.id, m.change.description));
            }
        }
        return PASSED;
    }
    let opts = RunOptions { interrupt: Interrupt::install(), ..Default::default() };
    let mut console = Console::new(false);
    let session = match sa_conformance::suite::acquire(&args.target.spec(), &args.target.allow_context, &opts, &mut console).await {
        Ok(s) => s,
        Err(SuiteError::Interrupted) => return INTERRUPTED,
        Err(SuiteError::Cluster(e @ ClusterError::Guard(_))) => {
            eprintln!("error: {e}");
            return USAGE;
        }
        Err(e) => {
            eprintln!("error: {}", sa_conformance::runner::error_chain(&e));
            return FAILED;
        }
    };
    out(&format!("mutate: {} on {}\n", session.target.name, session.target.server));
    let outcome = mutate::run_plans(&session.target, &plans, &opts, &mut |line| out(&format!("{line}\n"))).await;
    if let Err(e) = session.release().await {
        eprintln!("error: {}", sa_conformance::runner::error_chain(&e));
    }
    out(&mutate::render_table(&outcome));
    let outputs = [(args.junit.as_ref(), mutate::to_junit(&outcome)), (args.json.as_ref(), mutate::to_json(&outcome))];
    for (path, text) in outputs {
        if let Some(p) = path {
            if let Err(e) = std::fs::write(p, text) {
                eprintln!("error: cannot write report {}: {e}", p.display());
                return FAILED;
            }
        }
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

fn lint(args: &sa_conformance::cli::LintArgs) -> u8 {
    use sa_conformance::cli::LintFormat;
    use sa_conformance::lint::{self, LintContext, Severity};
    let mut files = Vec::new();
    let mut callers = std::collections::BTreeSet::new();
    let mut from_scenarios = false;
    for p in &args.paths {
        if p.to_string_lossy().ends_with(".scenario.yaml") {
            match sa_conformance::scenario::load_file(p, &LoadOptions::default()) {
                Ok(s) => {
                    from_scenarios = true;
                    callers.extend(s.api_callers());
                    files.extend(s.applied_files());
                }
                Err(e) => {
                    eprint!("error: {e}");
                    return USAGE;
                }
            }
        } else {
            files.push(p.clone());
        }
    }
    let ctx = LintContext { api_callers: from_scenarios.then_some(callers) };
    let findings = match lint::lint_files(&files, &ctx) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return USAGE;
        }
    };
    let text = match args.format {
        LintFormat::Console => lint::render_console(&findings),
        LintFormat::Json => format!("{:#}\n", lint::to_json(&findings)),
        LintFormat::Sarif => format!("{:#}\n", lint::to_sarif(&findings)),
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return FAILED;
            }
        }
        None => out(&text),
    }
    if findings.iter().any(|f| f.severity > Severity::Info) {
        FAILED
    } else {
        PASSED
    }
}

async fn cluster_up(spec: sa_conformance::cluster::KindSpec) -> u8 {
    let name = spec.name.clone();
    let opts = RunOptions { interrupt: Interrupt::install(), ..Default::default() };
    let spec = sa_conformance::cluster::ClusterSpec::Kind(sa_conformance::cluster::KindSpec { reuse: true, ..spec });
    match sa_conformance::suite::acquire(&spec, &[], &opts, &mut Console::new(false)).await {
        Ok(session) => {
            let t = &session.target;
            out(&format!("cluster `{name}` is up: {} (context {}, kubeconfig {})\n", t.server, t.context, t.kubeconfig.display()));
            PASSED
        }
        Err(SuiteError::Interrupted) => INTERRUPTED,
        Err(e) => {
            eprintln!("error: {}", sa_conformance::runner::error_chain(&e));
            FAILED
        }
    }
}

async fn cluster_down(name: &str) -> u8 {
    let spec = sa_conformance::cluster::KindSpec {
        name: name.to_string(),
        config: "kind-config.yaml".into(),
        image: None,
        load_images: Vec::new(),
        reuse: true,
        keep: false,
        create_timeout: std::time::Duration::from_secs(600),
    };
    let result = async {
        let cluster = KindCluster::new(spec)?;
        if !cluster.exists().await? {
            out(&format!("no kind cluster `{name}`\n"));
            return Ok(());
        }
        if sa_conformance::cluster::state::load(name).is_none() {
            return Err(ClusterError::Kind {
                name: name.into(),
                problem: "was not created by sa-conformance; refusing to delete it".into(),
            });
        }
        cluster.delete().await?;
        out(&format!("deleted kind cluster `{name}`\n"));
        Ok::<(), ClusterError>(())
    }
    .await;
    match result {
        Ok(()) => PASSED,
        Err(e) => {
            eprintln!("error: {}", sa_conformance::runner::error_chain(&e));
            USAGE
        }
    }
}

async fn matrix(args: &sa_conformance::cli::MatrixArgs) -> u8 {
    use sa_conformance::matrix::{self, run, Matrix};
    let m = if let Some(path) = &args.from_json {
        match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<Matrix>(&t).map_err(|e| e.to_string()))
        {
            Ok(m) => m,
            Err(e) => {
                eprintln!("error: cannot read matrix {}: {e}", path.display());
                return USAGE;
            }
        }
    } else {
        let catalog = match load(&args.load, &[]) {
            Ok(c) => c,
            Err(code) => return code,
        };
        let (versions, plans) = match matrix_plans(args) {
            Ok(p) => p,
            Err(code) => return code,
        };
        let exe = match std::env::current_exe() {
            Ok(e) => e,
            Err(e) => {
                eprintln!("error: cannot find the sa-conformance binary: {e}");
                return FAILED;
            }
        };
        if let Err(e) = std::fs::create_dir_all(&args.work_dir) {
            eprintln!("error: cannot create {}: {e}", args.work_dir.display());
            return FAILED;
        }
        let settings = run::RunSettings {
            exe,
            kind_config: args.config.clone(),
            scenarios_dir: args.load.scenarios_dir.clone(),
            vars: args.load.vars.clone(),
            work_dir: args.work_dir.clone(),
            timeout: args.version_timeout,
        };
        let interrupt = Interrupt::install();
        let mut ran = run::run_all(&settings, &plans, &interrupt, &mut |line| eprintln!("{line}")).await;
        if interrupt.is_set() {
            eprintln!("interrupted: no further version was started");
            return INTERRUPTED;
        }
        // columns in the order of `versions`: run here, or read from --report
        let mut runs = Vec::new();
        for v in &versions {
            if let Some(i) = ran.iter().position(|r| &r.column.version == v) {
                runs.push(ran.remove(i));
            } else if let Some((_, path)) = args.reports.iter().find(|(rv, _)| rv == v) {
                match run::from_report(v, path) {
                    Ok(r) => runs.push(r),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return USAGE;
                    }
                }
            }
        }
        Matrix::build(&catalog.claims, runs)
    };
    out(&matrix::to_console(&m));
    let json = serde_json::to_string_pretty(&m).unwrap_or_default();
    let outputs = [
        (args.json.as_ref(), report::redact(&json).into_owned()),
        (args.markdown.as_ref(), matrix::to_markdown(&m)),
        (args.html.as_ref(), matrix::to_html(&m)),
    ];
    for (path, text) in outputs {
        if let Some(p) = path {
            if let Err(e) = std::fs::write(p, text) {
                eprintln!("error: cannot write {}: {e}", p.display());
                return FAILED;
            }
        }
    }
    if m.passed() {
        PASSED
    } else {
        FAILED
    }
}

/// The versions the matrix covers (flags, else MATRIX_K8S_VERSIONS) and the plan of each one it runs
/// (those without a `--report`).
fn matrix_plans(args: &sa_conformance::cli::MatrixArgs) -> Result<(Vec<String>, Vec<sa_conformance::matrix::plan::VersionPlan>), u8> {
    use sa_conformance::matrix::plan;
    let pins = std::fs::read_to_string(&args.versions_env).map(|t| plan::parse_assignments(&t)).unwrap_or_default();
    let versions: Vec<String> = if args.versions.is_empty() {
        pins.get("MATRIX_K8S_VERSIONS").map(|v| v.split_whitespace().map(String::from).collect()).unwrap_or_default()
    } else {
        args.versions.clone()
    };
    if versions.is_empty() {
        eprintln!("error: no versions: pass --k8s-version or set MATRIX_K8S_VERSIONS in {}", args.versions_env.display());
        return Err(USAGE);
    }
    let kind_version = pins.get("KIND_VERSION").cloned().unwrap_or_else(|| "v0.30.0".into());
    let to_run: Vec<String> = versions.iter().filter(|v| !args.reports.iter().any(|(rv, _)| rv == *v)).cloned().collect();
    match plan::resolve(&to_run, &args.images, &args.load_images, &args.cache, &kind_version) {
        Ok(plans) => Ok((versions, plans)),
        Err(e) => {
            eprintln!("error: {e}");
            Err(USAGE)
        }
    }
}
