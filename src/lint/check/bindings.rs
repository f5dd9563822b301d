//! SA005: a ClusterRoleBinding that hands a namespace's own ServiceAccounts a ClusterRole holding
//! only namespaced permissions. A RoleBinding in that namespace grants the same thing there and
//! nothing in the other namespaces, which is what the article means by "prefer RoleBinding".

use super::{finding, Index};
use crate::lint::manifest::{Object, RBAC};
use crate::lint::rules::{Finding, CLUSTER_BINDING_FOR_NAMESPACE};
use crate::yaml::Node;
use std::collections::BTreeSet;

/// Built-in ClusterRoles made to be granted per namespace by RoleBindings.
const NAMESPACE_ROLES: &[&str] = &["view", "edit", "admin"];

/// Resources that exist outside namespaces, or whose meaning a RoleBinding would change.
const CLUSTER_RESOURCES: &[&str] = &[
    "*",
    "nodes",
    "namespaces",
    "persistentvolumes",
    "clusterroles",
    "clusterrolebindings",
    "storageclasses",
    "customresourcedefinitions",
    "priorityclasses",
    "ingressclasses",
    "runtimeclasses",
    "apiservices",
    "mutatingwebhookconfigurations",
    "validatingwebhookconfigurations",
    "validatingadmissionpolicies",
    "validatingadmissionpolicybindings",
    "certificatesigningrequests",
    "csidrivers",
    "csinodes",
    "volumeattachments",
    "componentstatuses",
    "tokenreviews",
    "subjectaccessreviews",
    "selfsubjectaccessreviews",
    "selfsubjectrulesreviews",
    "selfsubjectreviews",
    "flowschemas",
    "prioritylevelconfigurations",
];

pub(super) fn check(obj: &Object, index: &Index<'_>, out: &mut Vec<Finding>) {
    if !obj.is(RBAC, "ClusterRoleBinding") {
        return;
    }
    let Some(role) = obj.node.path(&["roleRef", "name"]).and_then(Node::as_str) else {
        return;
    };
    let Some(namespace) = single_service_account_namespace(obj) else {
        return;
    };
    if !grantable_per_namespace(role, index) {
        return;
    }
    let message = format!("grants ClusterRole {role} in every namespace to ServiceAccounts of namespace {namespace} only");
    let fix = format!("unless they must act in other namespaces, use a RoleBinding in namespace {namespace} with the same roleRef");
    out.push(finding(&CLUSTER_BINDING_FOR_NAMESPACE, obj, obj.line_of("kind"), message, fix));
}

/// The namespace shared by every subject, when every subject is a ServiceAccount.
fn single_service_account_namespace(obj: &Object) -> Option<String> {
    let subjects = obj.node.get("subjects").map(Node::items).unwrap_or_default();
    let mut namespaces = BTreeSet::new();
    for subject in subjects {
        if subject.get("kind").and_then(Node::as_str) != Some("ServiceAccount") {
            return None;
        }
        namespaces.insert(subject.get("namespace").and_then(Node::as_str)?);
    }
    let mut only = namespaces.into_iter();
    match (only.next(), only.next()) {
        (Some(ns), None) => Some(ns.to_string()),
        _ => None,
    }
}

/// Whether every permission of the ClusterRole means the same when granted inside one namespace.
/// A ClusterRole that is neither among the linted manifests nor a known per-namespace built-in is
/// given the benefit of the doubt.
fn grantable_per_namespace(role: &str, index: &Index<'_>) -> bool {
    let Some(cluster_role) = index.cluster_role(role) else {
        return NAMESPACE_ROLES.contains(&role);
    };
    if cluster_role.node.get("aggregationRule").is_some() {
        return false;
    }
    let rules = cluster_role.node.get("rules").map(Node::items).unwrap_or_default();
    !rules.is_empty() && rules.iter().all(namespaced_rule)
}

fn namespaced_rule(rule: &Node) -> bool {
    let urls = rule.get("nonResourceURLs").map(Node::items).unwrap_or_default();
    let resources = rule.get("resources").map(Node::items).unwrap_or_default();
    urls.is_empty()
        && resources.iter().filter_map(Node::as_str).all(|r| {
            let base = r.split('/').next().unwrap_or(r);
            !CLUSTER_RESOURCES.contains(&base)
        })
}

#[cfg(test)]
mod tests {
    use super::super::testing::lines;
    use rstest::rstest;

    const READER: &str =
        "kind: ClusterRole\nmetadata: {name: reader}\nrules:\n- apiGroups: [\"\"]\n  resources: [pods, pods/log]\n  verbs: [get]\n---\n";
    const NODE_READER: &str =
        "kind: ClusterRole\nmetadata: {name: reader}\nrules:\n- apiGroups: [\"\"]\n  resources: [nodes]\n  verbs: [get]\n---\n";
    const URL_READER: &str = "kind: ClusterRole\nmetadata: {name: reader}\nrules:\n- nonResourceURLs: [/metrics]\n  verbs: [get]\n---\n";
    const AGGREGATED: &str = "kind: ClusterRole\nmetadata: {name: reader}\naggregationRule: {clusterRoleSelectors: []}\n---\n";

    fn binding(role: &str, subjects: &str) -> String {
        format!("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: b}}\nroleRef: {{kind: ClusterRole, name: {role}, apiGroup: rbac.authorization.k8s.io}}\nsubjects:\n{subjects}")
    }

    const ONE_SA: &str = "- {kind: ServiceAccount, name: app, namespace: dev}\n";
    const TWO_SA_SAME_NS: &str = "- {kind: ServiceAccount, name: a, namespace: dev}\n- {kind: ServiceAccount, name: b, namespace: dev}\n";
    const TWO_NAMESPACES: &str = "- {kind: ServiceAccount, name: a, namespace: dev}\n- {kind: ServiceAccount, name: a, namespace: prod}\n";
    const A_GROUP: &str =
        "- {kind: ServiceAccount, name: a, namespace: dev}\n- {kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}\n";

    #[rstest]
    #[case::namespaced_role_one_sa(READER, "reader", ONE_SA, true)]
    #[case::two_sas_one_namespace(READER, "reader", TWO_SA_SAME_NS, true)]
    #[case::builtin_view(READER, "view", ONE_SA, true)]
    #[case::sas_of_two_namespaces(READER, "reader", TWO_NAMESPACES, false)]
    #[case::a_group_subject(READER, "reader", A_GROUP, false)]
    #[case::cluster_scoped_resource(NODE_READER, "reader", ONE_SA, false)]
    #[case::non_resource_urls(URL_READER, "reader", ONE_SA, false)]
    #[case::aggregated_role(AGGREGATED, "reader", ONE_SA, false)]
    #[case::unknown_role(READER, "cluster-admin", ONE_SA, false)]
    fn sa005_cluster_binding_for_namespace(#[case] roles: &str, #[case] role: &str, #[case] subjects: &str, #[case] fires: bool) {
        let text = format!("{roles}{}", binding(role, subjects));
        // The finding points at the binding's `kind:` line, its second.
        let kind_line = roles.lines().count() + 2;
        let expected = if fires { vec![kind_line] } else { vec![] };
        assert_eq!(lines(&text, "SA005"), expected);
    }
}
