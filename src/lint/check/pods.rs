//! Rules about the identity a pod runs as: the namespace's `default` ServiceAccount (SA001) and a
//! token mounted into a pod that never calls the API (SA009).

use super::{finding, finding_at, Index};
use crate::lint::manifest::{Object, PodSpec};
use crate::lint::rules::{Finding, Severity, AUTOMOUNT_UNNEEDED, DEFAULT_SERVICE_ACCOUNT};
use crate::lint::LintContext;
use crate::yaml::{k8s, Node};

const DEFAULT_SA: &str = "default";

pub(super) fn check(obj: &Object, index: &Index<'_>, ctx: &LintContext, out: &mut Vec<Finding>) {
    let Some(pod) = obj.pod_spec() else { return };
    out.extend(default_service_account(obj, pod));
    out.extend(automount_unneeded(obj, pod, index, ctx));
}

/// `spec.serviceAccountName`, or the deprecated `spec.serviceAccount` it replaced.
pub(super) fn service_account_field(pod: PodSpec<'_>) -> Option<(&str, usize)> {
    ["serviceAccountName", "serviceAccount"].iter().find_map(|key| {
        let name = pod.spec.get(key).and_then(Node::as_str)?;
        Some((name, pod.spec.key_line(key).unwrap_or(pod.line)))
    })
}

fn service_account_name(pod: PodSpec<'_>) -> &str {
    service_account_field(pod).map_or(DEFAULT_SA, |(name, _)| name)
}

fn default_service_account(obj: &Object, pod: PodSpec<'_>) -> Option<Finding> {
    let (line, message) = match service_account_field(pod) {
        None => (pod.line, format!("no {}.serviceAccountName, so it runs as the default ServiceAccount", pod.field)),
        Some((DEFAULT_SA, line)) => (line, "runs as the namespace's default ServiceAccount".to_string()),
        Some(_) => return None,
    };
    let fix = format!("create a ServiceAccount for this workload in namespace {} and set {}.serviceAccountName to it", obj.ns(), pod.field);
    Some(finding(&DEFAULT_SERVICE_ACCOUNT, obj, line, message, fix))
}

/// A pod's own `automountServiceAccountToken` wins over its ServiceAccount's; both unset means mounted.
fn automount_unneeded(obj: &Object, pod: PodSpec<'_>, index: &Index<'_>, ctx: &LintContext) -> Option<Finding> {
    const KEY: &str = "automountServiceAccountToken";
    let sa_name = service_account_name(pod);
    let on_pod = pod.spec.get(KEY).and_then(k8s::as_bool);
    let on_sa = index.service_account(obj.ns(), sa_name).and_then(|sa| sa.node.get(KEY)).and_then(k8s::as_bool);
    if !on_pod.or(on_sa).unwrap_or(true) {
        return None;
    }
    let line = if on_pod.is_some() { pod.spec.key_line(KEY).unwrap_or(pod.line) } else { pod.line };
    let fix = format!("set {}.{KEY}: false, or {KEY}: false on ServiceAccount {sa_name}", pod.field);
    let (who_is, who_calls) = if obj.kind == "Pod" { ("this pod is", "this pod calls") } else { ("its pods are", "its pods call") };
    let (severity, message) = match &ctx.api_callers {
        Some(callers) if callers.contains(&(obj.ns().to_string(), obj.name.clone())) => return None,
        Some(_) => (Severity::Warning, format!("mounts a token for ServiceAccount {sa_name}, but {who_is} not among the API callers")),
        // An explicit `true` says the author wants the token; with nothing else known, trust it.
        None if on_pod == Some(true) => return None,
        None => (Severity::Info, format!("mounts a token for ServiceAccount {sa_name}; cannot tell whether {who_calls} the API")),
    };
    Some(finding_at(&AUTOMOUNT_UNNEEDED, severity, obj, line, message, fix))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{hits, lines, lint_with};
    use crate::lint::{LintContext, Severity};
    use rstest::rstest;
    use std::collections::BTreeSet;

    const NAMED: &str = "kind: Pod\nmetadata: {name: p, namespace: dev}\nspec:\n  serviceAccountName: app\n  containers: []\n";
    const UNNAMED: &str = "kind: Pod\nmetadata: {name: p, namespace: dev}\nspec:\n  containers: []\n";
    const EXPLICIT_DEFAULT: &str = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: []\n  serviceAccountName: default\n";
    const DEPRECATED_FIELD: &str = "kind: Pod\nmetadata: {name: p}\nspec:\n  serviceAccount: app\n";
    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: []\n";
    const CRONJOB_NAMED: &str = "kind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          serviceAccountName: batch\n";
    const NOT_A_POD: &str = "kind: ConfigMap\nmetadata: {name: c}\ndata: {spec: x}\n";

    #[rstest]
    #[case::dedicated_sa(NAMED, vec![])]
    #[case::no_service_account_name(UNNAMED, vec![3])]
    #[case::explicit_default_points_at_the_field(EXPLICIT_DEFAULT, vec![5])]
    #[case::deprecated_field_counts(DEPRECATED_FIELD, vec![])]
    #[case::deployment_template(DEPLOYMENT, vec![7])]
    #[case::cronjob_template_named(CRONJOB_NAMED, vec![])]
    #[case::other_kinds_ignored(NOT_A_POD, vec![])]
    fn sa001_default_service_account(#[case] text: &str, #[case] expected: Vec<usize>) {
        assert_eq!(lines(text, "SA001"), expected);
    }

    fn callers(pairs: &[(&str, &str)]) -> LintContext {
        LintContext { api_callers: Some(pairs.iter().map(|(n, p)| (n.to_string(), p.to_string())).collect()) }
    }

    const SA_OFF: &str = "kind: ServiceAccount\nmetadata: {name: app, namespace: dev}\nautomountServiceAccountToken: false\n---\n";
    const POD_OFF: &str =
        "kind: Pod\nmetadata: {name: p, namespace: dev}\nspec:\n  serviceAccountName: app\n  automountServiceAccountToken: false\n";
    const POD_ON: &str =
        "kind: Pod\nmetadata: {name: p, namespace: dev}\nspec:\n  serviceAccountName: app\n  automountServiceAccountToken: true\n";

    #[rstest]
    #[case::caller_keeps_its_token(NAMED.to_string(), callers(&[("dev", "p")]), vec![])]
    #[case::non_caller_with_token(NAMED.to_string(), callers(&[]), vec![(Severity::Warning, 3)])]
    #[case::same_name_other_namespace(NAMED.to_string(), callers(&[("prod", "p")]), vec![(Severity::Warning, 3)])]
    #[case::pod_disables(POD_OFF.to_string(), callers(&[]), vec![])]
    #[case::service_account_disables(format!("{SA_OFF}{NAMED}"), callers(&[]), vec![])]
    #[case::pod_true_overrides_sa_false(format!("{SA_OFF}{POD_ON}"), callers(&[]), vec![(Severity::Warning, 9)])]
    #[case::unknown_callers_is_info(NAMED.to_string(), LintContext::default(), vec![(Severity::Info, 3)])]
    #[case::unknown_callers_sa_disabled(format!("{SA_OFF}{NAMED}"), LintContext::default(), vec![])]
    #[case::unknown_callers_explicit_true(POD_ON.to_string(), LintContext::default(), vec![])]
    fn sa009_automount_unneeded(#[case] text: String, #[case] ctx: LintContext, #[case] expected: Vec<(Severity, usize)>) {
        let findings = lint_with(&text, &ctx);
        let got: Vec<_> = findings.iter().filter(|f| f.rule == "SA009").map(|f| (f.severity, f.line)).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn sa009_workloads_are_matched_by_their_own_name() {
        let text = DEPLOYMENT.replace("name: web}", "name: web, namespace: dev}");
        let known: BTreeSet<_> = [("dev".to_string(), "web".to_string())].into();
        let ctx = LintContext { api_callers: Some(known) };
        assert_eq!(hits(&lint_with(&text, &ctx), "SA009"), vec![]);
    }
}
