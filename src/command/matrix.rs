//! `matrix`: the whole suite on several Kubernetes versions (a kind cluster each, one at a time, in a
//! child run per version), or columns taken from earlier `run --json` reports, or a matrix saved
//! before (`--from-json`); prints the claims x versions table and writes it as JSON, Markdown, HTML.

use super::{load, out, write_reports};
use crate::cli::MatrixArgs;
use crate::exit::{FAILED, INTERRUPTED, PASSED, USAGE};
use crate::interrupt::Interrupt;
use crate::matrix::{self, plan, run, Matrix, VersionRun};
use crate::report::{Format, Output};
use crate::versions::Pins;
use std::path::PathBuf;

pub(super) async fn matrix(args: &MatrixArgs) -> u8 {
    let mut m = match &args.from_json {
        Some(path) => match read(path) {
            Ok(m) => m,
            Err(code) => return code,
        },
        None => match run_versions(args).await {
            Ok(m) => m,
            Err(code) => return code,
        },
    };
    // the page links claims and steps to the article's lines; without the article it has no links
    match crate::trace::ArticleLinks::resolve(&args.load.scenarios_dir, &crate::scenario::LoadOptions { overrides: args.load.overrides() })
    {
        Ok(links) => {
            eprintln!("sa-conformance: {}", links.summary());
            m.link(&links);
        }
        Err(why) => eprintln!("sa-conformance: the matrix links no article lines: {why}"),
    }
    out(&matrix::to_console(&m, crate::report::Paint::stdout()));
    let outputs = Output::requested([
        (Format::Json, args.json.as_ref()),
        (Format::Markdown, args.markdown.as_ref()),
        (Format::Html, args.html.as_ref()),
    ]);
    if let Err(code) = write_reports(&outputs, &m) {
        return code;
    }
    if m.passed() {
        PASSED
    } else {
        FAILED
    }
}

/// `--from-json`: a matrix saved with `--json`.
fn read(path: &PathBuf) -> Result<Matrix, u8> {
    std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str::<Matrix>(&t).map_err(|e| e.to_string()))
        .map_err(|e| {
            eprintln!("error: cannot read matrix {}: {e}", path.display());
            USAGE
        })
}

/// Runs each version without a `--report`, then builds the matrix over every version in order.
async fn run_versions(args: &MatrixArgs) -> Result<Matrix, u8> {
    let catalog = load(&args.load, &[])?;
    let (versions, plans) = matrix_plans(args)?;
    let exe = std::env::current_exe().map_err(|e| {
        eprintln!("error: cannot find the sa-conformance binary: {e}");
        FAILED
    })?;
    std::fs::create_dir_all(&args.work_dir).map_err(|e| {
        eprintln!("error: cannot create {}: {e}", args.work_dir.display());
        FAILED
    })?;
    let settings = run::RunSettings {
        exe,
        kind_config: args.config.clone(),
        scenarios_dir: args.load.scenarios_dir.clone(),
        vars: args.load.vars.clone(),
        work_dir: args.work_dir.clone(),
        timeout: args.version_timeout,
        cluster_prefix: args.cluster_prefix.clone(),
    };
    let interrupt = Interrupt::install();
    let ran = run::run_all(&settings, &plans, &interrupt, &mut |line| eprintln!("{line}")).await;
    if interrupt.is_set() {
        eprintln!("interrupted: no further version was started");
        return Err(INTERRUPTED);
    }
    let runs = columns(&versions, ran, &args.reports, run::from_report).map_err(|e| {
        eprintln!("error: {e}");
        USAGE
    })?;
    Ok(Matrix::build(&catalog.claims, runs))
}

/// The columns in the order of `versions`: a version run here, or read from its `--report`.
fn columns(
    versions: &[String],
    mut ran: Vec<VersionRun>,
    reports: &[(String, PathBuf)],
    read: impl Fn(&str, &std::path::Path) -> Result<VersionRun, String>,
) -> Result<Vec<VersionRun>, String> {
    let mut runs = Vec::new();
    for v in versions {
        if let Some(i) = ran.iter().position(|r| &r.column.version == v) {
            runs.push(ran.remove(i));
        } else if let Some((_, path)) = reports.iter().find(|(rv, _)| rv == v) {
            runs.push(read(v, path)?);
        }
    }
    Ok(runs)
}

/// The versions the matrix covers (flags, else MATRIX_K8S_VERSIONS) and the plan of each one it runs
/// (those without a `--report`).
fn matrix_plans(args: &MatrixArgs) -> Result<(Vec<String>, Vec<plan::VersionPlan>), u8> {
    let pins = Pins::read_optional(&args.versions_env).map_err(|e| {
        super::error(&e);
        USAGE
    })?;
    let versions = if args.versions.is_empty() { pins.matrix_versions() } else { args.versions.clone() };
    if versions.is_empty() {
        eprintln!("error: no versions: pass --k8s-version or set MATRIX_K8S_VERSIONS in {}", args.versions_env.display());
        return Err(USAGE);
    }
    let to_run: Vec<String> = versions.iter().filter(|v| !args.reports.iter().any(|(rv, _)| rv == *v)).cloned().collect();
    match plan::resolve(&to_run, &args.images, &args.load_images, &args.cache, pins.kind_version()) {
        Ok(plans) => Ok((versions, plans)),
        Err(e) => {
            eprintln!("error: {e}");
            Err(USAGE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::VersionColumn;

    fn ran(version: &str) -> VersionRun {
        VersionRun { column: VersionColumn { version: version.into(), ..Default::default() }, report: None }
    }

    #[test]
    fn columns_follow_the_versions_asked_for_whether_run_here_or_read_from_a_report() {
        let reports = [("v1.34.4".to_string(), PathBuf::from("old.json"))];
        let read = |v: &str, p: &std::path::Path| {
            Ok(VersionRun {
                column: VersionColumn { version: v.into(), cluster: p.display().to_string(), ..Default::default() },
                report: None,
            })
        };
        let versions = ["v1.35.4".to_string(), "v1.34.4".into(), "v1.33.13".into()];
        let runs = columns(&versions, vec![ran("v1.33.13"), ran("v1.35.4")], &reports, read).unwrap();
        let got: Vec<(&str, &str)> = runs.iter().map(|r| (r.column.version.as_str(), r.column.cluster.as_str())).collect();
        assert_eq!(got, [("v1.35.4", ""), ("v1.34.4", "old.json"), ("v1.33.13", "")]);
    }

    #[test]
    fn a_report_that_cannot_be_read_is_the_error() {
        let reports = [("v1.34.4".to_string(), PathBuf::from("missing.json"))];
        let err = columns(&["v1.34.4".into()], Vec::new(), &reports, |_, _| Err("no such file".into())).unwrap_err();
        assert_eq!(err, "no such file");
    }
}
