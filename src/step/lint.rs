//! `lint`: the article's best practices checked statically over manifests. The pods that call the API
//! are the ones the scenario's own `http-from-pod` and `token` (via pod) steps call it from, so a pod
//! that keeps its token without using it is found.

use super::{invalid, Check, Invalid, Limits, LoadCx, Looking, StepCtx, StepError, StepKind};
use crate::check::Mismatch;
use crate::lint::{self, LintContext, Severity};
use serde::Deserialize;

/// Static best-practice checks over manifests (see `crate::lint`): findings of warning or error
/// severity fail the step unless their rule id is allowed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintStep {
    /// Manifest files or directories, relative to the scenario file.
    pub files: Vec<String>,
    /// Rule ids accepted in these manifests (e.g. SA001 for a pod the article leaves on `default`).
    #[serde(default)]
    pub allow: Vec<String>,
    /// Pods (`namespace/name`) that call the API besides those this scenario calls it from.
    #[serde(default, rename = "api-callers")]
    pub api_callers: Vec<String>,
}

impl StepKind for LintStep {
    type Raw = Self;
    const LOOKING: Looking = Looking::No;

    fn build(l: Self, cx: &dyn LoadCx) -> Result<Self, Invalid> {
        if l.files.is_empty() {
            return invalid("files", "lint needs at least one manifest file or directory");
        }
        if let Some(missing) = l.files.iter().find(|f| !cx.dir().join(f).exists()) {
            return invalid("files", format!("`{missing}` does not exist ({})", cx.dir().join(missing).display()));
        }
        if let Some(bad) = l.api_callers.iter().find(|c| c.split_once('/').is_none_or(|(ns, pod)| ns.is_empty() || pod.is_empty())) {
            return invalid("api-callers", format!("`{bad}` is not namespace/pod"));
        }
        if let Some(unknown) = l.allow.iter().find(|id| lint::rule(id).is_none()) {
            let ids: Vec<&str> = lint::RULES.iter().map(|r| r.id).collect();
            return invalid("allow", format!("unknown lint rule `{unknown}` (rules: {})", ids.join(", ")));
        }
        Ok(l)
    }

    fn only_looks(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &StepCtx<'_>, _: Limits) -> Result<Check, StepError> {
        run(ctx, self)
    }
}

fn run(ctx: &StepCtx<'_>, l: &LintStep) -> Result<Check, StepError> {
    let paths: Vec<_> = l.files.iter().map(|f| ctx.dir.join(f)).collect();
    let mut callers = super::api_callers(ctx.actions.iter().copied());
    callers.extend(l.api_callers.iter().filter_map(|c| c.split_once('/')).map(|(ns, pod)| (ns.to_string(), pod.to_string())));
    let lint_ctx = LintContext { api_callers: Some(callers) };
    let findings = lint::lint_files(&paths, &lint_ctx).map_err(|e| StepError::Other(e.to_string()))?;
    let mut check = Check::default();
    for f in &findings {
        let line =
            format!("{}:{}: {}[{}] {}: {} (fix: {})", f.file.display(), f.line, f.severity.as_str(), f.rule, f.object, f.message, f.fix);
        if f.severity == Severity::Info || l.allow.iter().any(|a| a == f.rule) {
            check.notes.push(format!("accepted: {line}"));
        } else {
            check.mismatches.push(Mismatch::new(format!("lint {} on {}", f.rule, f.object), "no finding", line));
        }
    }
    if findings.is_empty() {
        check.notes.push(format!("no findings in {}", l.files.join(", ")));
    }
    Ok(check)
}
