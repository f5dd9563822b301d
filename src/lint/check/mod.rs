//! Runs every rule over the objects of all linted files at once, so a rule can look across files
//! (a pod's ServiceAccount, a binding's ClusterRole) the way the cluster would after `kubectl apply`.

mod bindings;
mod pods;
mod rbac;
mod secrets;
mod sharing;

#[cfg(test)]
pub(crate) mod testing;

use super::manifest::{Object, CORE, RBAC};
use super::rules::{Finding, RuleInfo, Severity};
use super::LintContext;

/// The objects a rule may look up by name.
pub(crate) struct Index<'a> {
    objects: &'a [Object],
}

impl<'a> Index<'a> {
    pub fn new(objects: &'a [Object]) -> Self {
        Index { objects }
    }

    /// The ServiceAccount `name` in `namespace`, if it is among the linted manifests.
    pub fn service_account(&self, namespace: &str, name: &str) -> Option<&'a Object> {
        self.objects.iter().find(|o| o.is(CORE, "ServiceAccount") && o.ns() == namespace && o.name == name)
    }

    /// The ClusterRole `name`, if it is among the linted manifests.
    pub fn cluster_role(&self, name: &str) -> Option<&'a Object> {
        self.objects.iter().find(|o| o.is(RBAC, "ClusterRole") && o.name == name)
    }
}

/// Every finding for these objects, ordered by file, line and rule.
pub(crate) fn run(objects: &[Object], ctx: &LintContext) -> Vec<Finding> {
    let index = Index::new(objects);
    let mut out = Vec::new();
    for obj in objects {
        pods::check(obj, &index, ctx, &mut out);
        rbac::check(obj, &mut out);
        bindings::check(obj, &index, &mut out);
        secrets::check(obj, &mut out);
    }
    sharing::check(objects, &mut out);
    out.sort_by(|a, b| (&a.file, a.line, a.rule, &a.object).cmp(&(&b.file, b.line, b.rule, &b.object)));
    out
}

/// A finding of `rule` at its usual severity.
fn finding(rule: &RuleInfo, obj: &Object, line: usize, message: String, fix: String) -> Finding {
    finding_at(rule, rule.severity, obj, line, message, fix)
}

fn finding_at(rule: &RuleInfo, severity: Severity, obj: &Object, line: usize, message: String, fix: String) -> Finding {
    Finding { rule: rule.id, severity, file: obj.file.clone(), line, object: obj.label(), message, fix }
}
