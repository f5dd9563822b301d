//! `lint`: the article's best practices checked statically over manifests. The pods that call the API
//! are the ones the scenario's own `http-from-pod` and `token` (via pod) steps call it from, so a pod
//! that keeps its token without using it is found.

use super::{Check, StepCtx, StepError};
use crate::check::Mismatch;
use crate::lint::{self, LintContext, Severity};
use crate::scenario::{Action, LintStep, Scenario, TokenVia};
use std::collections::BTreeSet;

/// (namespace, pod) of every pod this scenario calls the API from.
pub fn api_callers(scenario: &Scenario) -> BTreeSet<(String, String)> {
    scenario
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::HttpFromPod(h) if h.token == crate::scenario::TokenSource::Mounted => Some((h.namespace.clone(), h.pod.clone())),
            Action::Token(t) if t.via == TokenVia::Pod => t.pod.clone().map(|p| (t.namespace.clone(), p)),
            _ => None,
        })
        .collect()
}

/// The manifest files a scenario applies (inline manifests have no file to lint).
pub fn applied_files(scenario: &Scenario) -> Vec<std::path::PathBuf> {
    scenario
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Apply(a) => Some(
                a.manifests.iter().filter(|m| !m.origin.starts_with('<')).map(|m| std::path::PathBuf::from(&m.origin)).collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect()
}

pub fn run(ctx: &StepCtx<'_>, l: &LintStep) -> Result<Check, StepError> {
    let dir = ctx.scenario.dir();
    let paths: Vec<_> = l.files.iter().map(|f| dir.join(f)).collect();
    let mut callers = api_callers(ctx.scenario);
    callers.extend(l.api_callers.iter().filter_map(|c| c.split_once('/')).map(|(ns, pod)| (ns.to_string(), pod.to_string())));
    let lint_ctx = LintContext { api_callers: Some(callers) };
    let mut findings = lint::lint_files(&paths, &lint_ctx).map_err(|e| StepError::Other(e.to_string()))?;
    findings.retain(|f| l.runs(f.rule));
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
        let rules = if l.rules.is_empty() { "every rule".to_string() } else { format!("rules {}", l.rules.join(", ")) };
        check.notes.push(format!("no findings in {} ({rules})", l.files.join(", ")));
    }
    Ok(check)
}
