//! `lint`: manifests (files, directories, or the manifests scenarios apply) against the article's
//! practices, printed or written in console, JSON or SARIF form. Needs no cluster; a warning or an
//! error fails the command.

use super::{error, out, write_reports};
use crate::cli::{LintArgs, LintFormat};
use crate::exit::{FAILED, PASSED, USAGE};
use crate::lint::{self, Finding, LintContext, Severity};
use crate::report::{self, redact, Document, Format, Output, RenderError, Rendered};
use crate::scenario::LoadOptions;
use std::path::PathBuf;

/// A lint's findings as a report: console text, JSON or SARIF. (Here, above both `lint` and
/// `report`: the lint sits below the scenario loader, which the reporters read.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LintReport(pub Vec<Finding>);

impl Document for LintReport {
    fn redacted(&self) -> Result<Self, RenderError> {
        let r = |s: &str| redact(s).into_owned();
        let findings = self.0.iter().map(|f| Finding { object: r(&f.object), message: r(&f.message), fix: r(&f.fix), ..f.clone() });
        Ok(LintReport(findings.collect()))
    }

    fn render(&self, format: Format) -> Result<Rendered, RenderError> {
        match format {
            Format::Console => Ok(Rendered::Text(lint::render_console(&self.0))),
            Format::Json => Ok(Rendered::Value(lint::to_json(&self.0))),
            Format::Sarif => Ok(Rendered::Value(lint::to_sarif(&self.0))),
            other => Err(RenderError::Unsupported(other)),
        }
    }
}

pub(super) fn lint(args: &LintArgs) -> u8 {
    let (files, ctx) = match inputs(&args.paths) {
        Ok(i) => i,
        Err(e) => {
            eprint!("error: {e}");
            return USAGE;
        }
    };
    let findings = match lint::lint_files(&files, &ctx) {
        Ok(f) => f,
        Err(e) => {
            error(&e);
            return USAGE;
        }
    };
    let failed = findings.iter().any(|f| f.severity > Severity::Info);
    let doc = LintReport(findings);
    let format = format(args.format);
    let written = match &args.output {
        Some(path) => write_reports(&[Output::new(format, path)], &doc),
        None => report::render(&doc, format).map(|text| out(&text)).map_err(|e| {
            error(&e);
            FAILED
        }),
    };
    match written {
        Err(code) => code,
        Ok(()) if failed => FAILED,
        Ok(()) => PASSED,
    }
}

fn format(f: LintFormat) -> Format {
    match f {
        LintFormat::Console => Format::Console,
        LintFormat::Json => Format::Json,
        LintFormat::Sarif => Format::Sarif,
    }
}

/// The manifests to lint and what is known about them: a `*.scenario.yaml` stands for the files it
/// applies, and tells which pods call the API; any other path is linted as it is.
fn inputs(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, LintContext), crate::scenario::LoadErrors> {
    let mut files = Vec::new();
    let mut callers = std::collections::BTreeSet::new();
    let mut from_scenarios = false;
    for p in paths {
        if p.to_string_lossy().ends_with(".scenario.yaml") {
            let s = crate::scenario::load_file(p, &LoadOptions::default())?;
            from_scenarios = true;
            callers.extend(s.api_callers());
            files.extend(s.applied_files());
        } else {
            files.push(p.clone());
        }
    }
    Ok((files, LintContext { api_callers: from_scenarios.then_some(callers) }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_scenario_stands_for_the_manifests_it_applies_and_names_its_api_callers() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let scenario = root.join("scenarios/article/disable-automount.scenario.yaml");
        let plain = root.join("scenarios/article/pod.yaml");
        let (files, ctx) = inputs(&[scenario, plain.clone()]).expect("the walkthrough loads");
        assert!(files.len() > 1 && files.last() == Some(&plain), "{files:?}");
        assert!(ctx.api_callers.is_some(), "a scenario knows which of its pods call the API");
        let (files, ctx) = inputs(std::slice::from_ref(&plain)).unwrap();
        assert_eq!((files, ctx.api_callers), (vec![plain], None), "without a scenario the callers are unknown");
    }

    #[test]
    fn a_scenario_that_does_not_load_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.scenario.yaml");
        std::fs::write(&bad, "name: [").unwrap();
        assert!(inputs(&[bad]).is_err());
    }
}
