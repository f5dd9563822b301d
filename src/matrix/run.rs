//! Runs the suite on one version: `sa-conformance run` in a child process with that version's kubectl
//! and kind first on PATH, on a kind cluster of its own (created from the version's node image and
//! deleted after), writing its JSON report. A child per version keeps the versions apart: nothing of
//! one run (discovery caches, PATH, clients) leaks into the next.

use super::input;
use super::plan::{cluster_name, VersionPlan};
use super::{VersionColumn, VersionRun};
use crate::cluster::{ClusterSpec, KindSpec};
use crate::process::{run, Cmd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What every version's run shares.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// The `sa-conformance` binary to run (normally the current executable).
    pub exe: PathBuf,
    pub kind_config: PathBuf,
    pub scenarios_dir: PathBuf,
    pub vars: Vec<(String, String)>,
    /// Reports and logs of each version go here.
    pub work_dir: PathBuf,
    pub timeout: Duration,
    /// Cluster names are `PREFIX-v1-NN`.
    pub cluster_prefix: String,
}

/// The child's argv for a version.
pub fn argv(settings: &RunSettings, plan: &VersionPlan, report: &Path) -> Vec<String> {
    let mut argv = vec![
        settings.exe.display().to_string(),
        "run".into(),
        "--cluster=kind".into(),
        format!("--name={}", cluster_name(&settings.cluster_prefix, &plan.version)),
        format!("--config={}", settings.kind_config.display()),
        format!("--image={}", plan.node_image),
        format!("--scenarios-dir={}", settings.scenarios_dir.display()),
        format!("--json={}", report.display()),
    ];
    argv.extend(plan.load_images.iter().map(|i| format!("--load-image={i}")));
    argv.extend(settings.vars.iter().map(|(k, v)| format!("--var={k}={v}")));
    argv
}

/// The child `run` for a version. With a version's own offline build its bin dir goes first on PATH
/// and the child's own offline lookup is off (`SA_CONFORMANCE_OFFLINE=0`): otherwise the child would
/// find the default build's offline.env and put *its* bin dir (the pinned kind and kubectl) first
/// again, so every version ran with the default kind and kubectl (measured: kind v0.30.0 writes a
/// kubeadm v1beta3 config, which kubeadm v1.37 refuses).
fn child_command(settings: &RunSettings, plan: &VersionPlan, report_path: &Path, path: &str) -> Cmd {
    let mut cmd = Cmd::new(argv(settings, plan, report_path)).env("SA_CONFORMANCE_NODE_IMAGE", "").env("SA_CONFORMANCE_LOAD_IMAGES", "");
    if let Some(bin) = &plan.bin_dir {
        cmd = cmd.env("PATH", &format!("{}:{path}", bin.display())).env("SA_CONFORMANCE_OFFLINE", "0");
    }
    cmd
}

/// Runs the suite on one version and reads its report; a cluster that did not come up or a run that
/// wrote no report is the column's `error`.
pub async fn run_version(settings: &RunSettings, plan: &VersionPlan) -> VersionRun {
    let name = cluster_name(&settings.cluster_prefix, &plan.version);
    let report_path = settings.work_dir.join(format!("run-{}.json", plan.version));
    let log_path = settings.work_dir.join(format!("run-{}.log", plan.version));
    let _ = std::fs::remove_file(&report_path);
    let cmd = child_command(settings, plan, &report_path, &std::env::var("PATH").unwrap_or_default());
    let mut column = VersionColumn {
        version: plan.version.clone(),
        node_image: Some(plan.node_image.clone()),
        cluster: name.clone(),
        ..Default::default()
    };
    // Ownership policy: the child creates the cluster only if none of that name exists (it runs without
    // --reuse), so only then is a leftover the child's to delete.
    let existed_before = match ClusterSpec::Kind(KindSpec::named(&name, &settings.kind_config)).provider() {
        Ok(c) => c.exists().await.unwrap_or(true),
        Err(_) => true,
    };
    let started = Instant::now();
    let out = run(&cmd, settings.timeout).await;
    column.seconds = Some(started.elapsed().as_secs());
    match &out {
        Ok(o) => {
            let log = format!("$ {}\nexit code {}\n--- stdout\n{}\n--- stderr\n{}", cmd.display(), o.code, o.stdout, o.stderr);
            let _ = std::fs::write(&log_path, crate::report::redact(&log).as_ref());
        }
        Err(e) => {
            // killed (timeout): the child could not delete its cluster
            column.error = Some(crate::error::chain(e));
            if !existed_before {
                delete_leftover(&name, &settings.kind_config).await;
            }
        }
    }
    let report = match std::fs::read_to_string(&report_path).map_err(|e| e.to_string()).and_then(|t| input::parse(&t)) {
        Ok(r) => Some(r),
        Err(e) => {
            if column.error.is_none() {
                let tail = out.as_ref().map(|o| last_lines(&o.stderr, 6)).unwrap_or_default();
                column.error =
                    Some(crate::report::redact(&format!("no report from the run ({e}); log {}: {tail}", log_path.display())).into_owned());
            }
            None
        }
    };
    // the column beside the report, so `--report VERSION=PATH` can reuse both later
    if let Ok(text) = serde_json::to_string_pretty(&column) {
        let _ = std::fs::write(column_path(&report_path), text);
    }
    VersionRun { column, report }
}

/// `run-v1.35.4.json` -> `run-v1.35.4.column.json`.
fn column_path(report: &Path) -> PathBuf {
    report.with_extension("column.json")
}

/// Runs the versions one after another (one kind cluster at a time); `progress` hears a line before
/// and after each. After an interrupt no further version starts.
pub async fn run_all(
    settings: &RunSettings,
    plans: &[VersionPlan],
    interrupt: &crate::interrupt::Interrupt,
    progress: &mut dyn FnMut(&str),
) -> Vec<VersionRun> {
    let mut runs = Vec::new();
    for plan in plans {
        if interrupt.is_set() {
            break;
        }
        progress(&format!(
            "{}: running the suite on kind cluster `{}` from {} ({})",
            plan.version,
            cluster_name(&settings.cluster_prefix, &plan.version),
            plan.node_image,
            plan.source
        ));
        let r = run_version(settings, plan).await;
        let took = r.column.seconds.unwrap_or_default();
        match (&r.column.error, &r.report) {
            (Some(e), _) => progress(&format!("{}: did not run ({took} s): {e}", plan.version)),
            (None, Some(rep)) => {
                let passed = rep.scenarios.iter().filter(|s| s.passed()).count();
                progress(&format!("{}: {passed}/{} scenarios passed ({took} s)", plan.version, rep.scenarios.len()));
            }
            (None, None) => {}
        }
        runs.push(r);
    }
    runs
}

/// A version's column from a report made earlier (`--report VERSION=PATH`).
pub fn from_report(version: &str, path: &Path) -> Result<VersionRun, String> {
    let report = std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|t| input::parse(&t))
        .map_err(|e| format!("report for {version} ({}): {e}", path.display()))?;
    // the column the matrix wrote beside the report (node image, time), if it is there and for this version
    let column = std::fs::read_to_string(column_path(path))
        .ok()
        .and_then(|t| serde_json::from_str::<VersionColumn>(&t).ok())
        .filter(|c| c.version == version && c.error.is_none())
        .unwrap_or_else(|| VersionColumn { version: version.to_string(), cluster: report.cluster.clone(), ..Default::default() });
    Ok(VersionRun { column, report: Some(report) })
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}

/// Deletes the cluster a killed child run was making (it did not exist before the child started).
async fn delete_leftover(name: &str, config: &Path) {
    let Ok(cluster) = ClusterSpec::Kind(KindSpec::named(name, config)).provider() else { return };
    if cluster.exists().await.unwrap_or(false) {
        if let Err(e) = cluster.delete(&crate::cluster::Owned::created_here(cluster.name())).await {
            tracing::error!("after the timeout: {}", crate::error::chain(&e));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_runs_on_its_own_cluster_from_its_own_image() {
        let settings = RunSettings {
            exe: "/bin/sa-conformance".into(),
            kind_config: "kind-config.yaml".into(),
            scenarios_dir: "scenarios".into(),
            vars: vec![("namespace".into(), "dev".into())],
            work_dir: "/tmp/m".into(),
            timeout: Duration::from_secs(60),
            cluster_prefix: super::super::plan::CLUSTER_PREFIX.into(),
        };
        let plan = VersionPlan {
            version: "v1.35.4".into(),
            node_image: "sa-conformance/node:v1.35.4-x".into(),
            load_images: vec!["a=b".into()],
            bin_dir: None,
            source: String::new(),
        };
        let a = argv(&settings, &plan, Path::new("/tmp/m/run-v1.35.4.json"));
        for want in [
            "run",
            "--name=sa-conformance-matrix-v1-35",
            "--image=sa-conformance/node:v1.35.4-x",
            "--json=/tmp/m/run-v1.35.4.json",
            "--load-image=a=b",
            "--var=namespace=dev",
        ] {
            assert!(a.iter().any(|x| x == want), "{want} missing from {a:?}");
        }
        assert!(!a.iter().any(|x| x == "--reuse" || x == "--keep"), "the matrix must create and delete its cluster: {a:?}");
        // a stock image (--image): no bin dir of its own, the child's PATH and offline lookup untouched
        let stock = child_command(&settings, &plan, Path::new("/tmp/m/r.json"), "/usr/bin");
        assert!(!stock.env.iter().any(|(k, _)| k == "PATH" || k == "SA_CONFORMANCE_OFFLINE"), "{:?}", stock.env);
        // a version's own offline build: its bin dir first, and the default build not looked up again
        let own = VersionPlan { bin_dir: Some("/c/versions/k8s-v1.37.2-kind-v0.33.0/bin".into()), ..plan };
        let cmd = child_command(&settings, &own, Path::new("/tmp/m/r.json"), "/usr/bin");
        let env = |k: &str| cmd.env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(env("PATH"), Some("/c/versions/k8s-v1.37.2-kind-v0.33.0/bin:/usr/bin"));
        assert_eq!(env("SA_CONFORMANCE_OFFLINE"), Some("0"));
    }
}
