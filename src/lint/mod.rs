//! Static checks over Kubernetes manifests, one rule per security practice of the ServiceAccount
//! article: no `default` ServiceAccount, no wildcards, RoleBindings before ClusterRoleBindings,
//! care with Secrets and escalation verbs, no token where the API is never called, no long-lived
//! token Secrets. It needs no cluster, so it can run before a scenario ever applies a manifest.
//!
//! ```no_run
//! use sa_conformance::lint::{lint_files, render_console, LintContext};
//! use std::path::PathBuf;
//!
//! let findings = lint_files(&[PathBuf::from("scenarios/")], &LintContext::default())?;
//! print!("{}", render_console(&findings));
//! # Ok::<(), sa_conformance::lint::LintError>(())
//! ```

mod check;
mod error;
mod manifest;
mod render;
mod rules;
mod sarif;
mod walk;

#[cfg(test)]
mod tests;

pub use error::LintError;
pub use render::{render_console, to_json};
pub use rules::{rule, Finding, RuleInfo, Severity, RULES};
pub use sarif::to_sarif;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What the lint cannot see in the manifests themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LintContext {
    /// `(namespace, pod name)` of every pod known to call the Kubernetes API; for a pod template the
    /// workload's own name stands for its pods. `None` when unknown: rule SA009 then only informs.
    pub api_callers: Option<BTreeSet<(String, String)>>,
}

/// Lints manifest files and directories (every *.yaml and *.yml inside, recursively, except
/// `*.scenario.yaml` and `claims.yaml`). All files are linted together, so a pod's ServiceAccount or
/// a binding's ClusterRole may live in another file.
pub fn lint_files(paths: &[PathBuf], ctx: &LintContext) -> Result<Vec<Finding>, LintError> {
    let mut objects = Vec::new();
    for file in walk::manifest_files(paths)? {
        let text = std::fs::read_to_string(&file).map_err(|source| LintError::Read { file: file.clone(), source })?;
        objects.extend(parse(&file, &text)?);
    }
    Ok(check::run(&objects, ctx))
}

/// Lints the manifests in `text` as if read from `file`, touching no file system.
pub fn lint_documents(file: &Path, text: &str, ctx: &LintContext) -> Result<Vec<Finding>, LintError> {
    Ok(check::run(&parse(file, text)?, ctx))
}

fn parse(file: &Path, text: &str) -> Result<Vec<manifest::Object>, LintError> {
    manifest::objects(file, text).map_err(|e| {
        let pos = e.pos.unwrap_or_default();
        LintError::Yaml { file: file.to_path_buf(), line: pos.line, column: pos.col, message: e.describe() }
    })
}
