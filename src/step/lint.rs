//! `lint`: the article's best practices checked statically over manifests. The pods that call the API
//! are the ones the scenario's own `http-from-pod` and `token` (via pod) steps call it from, so a pod
//! that keeps its token without using it is found. A step may also expect findings (`expect.findings`):
//! on a manifest that breaks a practice on purpose, the rule must find it, so a rule that finds nothing
//! on the article is shown to be able to find something.

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
    /// Only these rules run (every rule when empty), so a step can verify the one practice its claim
    /// states and the rule that checks it.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Findings the manifests must give (a counter-example, or an example of the article that breaks
    /// one of its own practices): each must be found; any other finding still fails the step.
    #[serde(default)]
    pub expect: LintExpect,
}

/// What a lint step expects to find.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintExpect {
    #[serde(default)]
    pub findings: Vec<ExpectedFinding>,
}

/// One finding a lint step expects: its rule id and its object (`Kind/namespace/name`, or `Kind/name`
/// for cluster-scoped kinds, as findings name them).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ExpectedFinding {
    pub rule: String,
    pub object: String,
}

impl ExpectedFinding {
    fn matches(&self, f: &lint::Finding) -> bool {
        self.rule == f.rule && self.object == f.object
    }
}

impl LintStep {
    /// Whether this step runs rule `id`.
    pub fn runs(&self, id: &str) -> bool {
        self.rules.is_empty() || self.rules.iter().any(|r| r == id)
    }
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
        let expected: Vec<String> = l.expect.findings.iter().map(|f| f.rule.clone()).collect();
        for (key, ids) in [("allow", &l.allow), ("rules", &l.rules), ("expect.findings", &expected)] {
            if let Some(unknown) = ids.iter().find(|id| lint::rule(id).is_none()) {
                let ids: Vec<&str> = lint::RULES.iter().map(|r| r.id).collect();
                return invalid(key, format!("unknown lint rule `{unknown}` (rules: {})", ids.join(", ")));
            }
        }
        if let Some(never) = l.expect.findings.iter().find(|f| !l.runs(&f.rule)) {
            return invalid(
                "expect.findings",
                format!("expects a finding of {} on {}, but the step runs only {}", never.rule, never.object, l.rules.join(", ")),
            );
        }
        if let Some(both) = l.expect.findings.iter().find(|f| l.allow.contains(&f.rule)) {
            return invalid("expect.findings", format!("{} is both allowed and expected: expect it, or allow it", both.rule));
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
    let mut findings = lint::lint_files(&paths, &lint_ctx)?;
    findings.retain(|f| l.runs(f.rule));
    let mut check = Check::default();
    for f in &findings {
        let line = describe(f);
        if l.expect.findings.iter().any(|e| e.matches(f)) {
            check.notes.push(format!("found as expected: {line}"));
        } else if f.severity == Severity::Info || l.allow.iter().any(|a| a == f.rule) {
            check.notes.push(format!("accepted: {line}"));
        } else {
            check.mismatches.push(Mismatch::new(format!("lint {} on {}", f.rule, f.object), "no finding", line));
        }
    }
    for missing in l.expect.findings.iter().filter(|e| !findings.iter().any(|f| e.matches(f))) {
        let same_rule: std::collections::BTreeSet<&str> = findings.iter().filter(|f| f.rule == missing.rule).map(|f| f.object.as_str()).collect();
        let actual = if same_rule.is_empty() {
            format!("no {} finding in {}", missing.rule, l.files.join(", "))
        } else {
            format!("{} found only on {}", missing.rule, same_rule.into_iter().collect::<Vec<_>>().join(", "))
        };
        check.mismatches.push(Mismatch::new(format!("lint {} on {}", missing.rule, missing.object), "a finding", actual));
    }
    if findings.is_empty() {
        let rules = if l.rules.is_empty() { "every rule".to_string() } else { format!("rules {}", l.rules.join(", ")) };
        check.notes.push(format!("no findings in {} ({rules})", l.files.join(", ")));
    }
    Ok(check)
}

fn describe(f: &lint::Finding) -> String {
    format!("{}:{}: {}[{}] {}: {} (fix: {})", f.file.display(), f.line, f.severity.as_str(), f.rule, f.object, f.message, f.fix)
}
