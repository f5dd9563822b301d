//! Helpers for the rule tests: lint an inline manifest and keep what a table row asserts.

use crate::lint::{lint_documents, Finding, LintContext};
use std::path::Path;

/// Findings for an inline manifest, linted as `test.yaml` with no knowledge of API callers.
pub fn lint(text: &str) -> Vec<Finding> {
    lint_with(text, &LintContext::default())
}

pub fn lint_with(text: &str, ctx: &LintContext) -> Vec<Finding> {
    lint_documents(Path::new("test.yaml"), text, ctx).expect("test manifest parses")
}

/// `(rule, line)` of each finding of `rule`.
pub fn hits(findings: &[Finding], rule: &str) -> Vec<(&'static str, usize)> {
    findings.iter().filter(|f| f.rule == rule).map(|f| (f.rule, f.line)).collect()
}

/// The lines of the findings of `rule` in an inline manifest.
pub fn lines(text: &str, rule: &str) -> Vec<usize> {
    hits(&lint(text), rule).into_iter().map(|(_, l)| l).collect()
}
