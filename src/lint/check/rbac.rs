//! Rules about what a Role or ClusterRole grants: wildcards (SA002-SA004), reading Secrets (SA006),
//! the verbs that let a holder raise its own privileges (SA007), and minting tokens (SA008).

use super::finding;
use crate::lint::manifest::{Object, RBAC};
use crate::lint::rules::{
    Finding, RuleInfo, ESCALATION_VERB, SECRET_READ, TOKEN_CREATE, WILDCARD_API_GROUP, WILDCARD_RESOURCE, WILDCARD_VERB,
};
use crate::yaml::Node;

const READ_VERBS: &[&str] = &["get", "list", "watch", "*"];

/// One entry of a role's `rules:` list, numbered from 1 for messages.
struct PolicyRule<'a> {
    number: usize,
    node: &'a Node,
}

impl<'a> PolicyRule<'a> {
    /// The scalar items of a list field, with their nodes (for lines).
    fn list(&self, key: &str) -> Vec<(&'a str, &'a Node)> {
        let items = self.node.get(key).map(Node::items).unwrap_or_default();
        items.iter().filter_map(|n| n.as_str().map(|s| (s, n))).collect()
    }

    fn has(&self, key: &str, value: &str) -> bool {
        self.list(key).iter().any(|(s, _)| *s == value)
    }

    fn covers_core_group(&self) -> bool {
        self.has("apiGroups", "") || self.has("apiGroups", "*")
    }

    fn joined(&self, key: &str) -> String {
        self.list(key).iter().map(|(s, _)| *s).collect::<Vec<_>>().join(", ")
    }
}

pub(super) fn check(obj: &Object, out: &mut Vec<Finding>) {
    if !obj.is(RBAC, "Role") && !obj.is(RBAC, "ClusterRole") {
        return;
    }
    let rules = obj.node.get("rules").map(Node::items).unwrap_or_default();
    for (i, node) in rules.iter().enumerate() {
        let rule = PolicyRule { number: i + 1, node };
        wildcards(obj, &rule, out);
        secret_read(obj, &rule, out);
        escalation_verbs(obj, &rule, out);
        token_create(obj, &rule, out);
    }
}

fn wildcards(obj: &Object, rule: &PolicyRule<'_>, out: &mut Vec<Finding>) {
    let fields: [(&str, &RuleInfo, &str, &str); 3] = [
        ("verbs", &WILDCARD_VERB, "every verb", "list only the verbs the workload uses, e.g. get, list, watch"),
        ("resources", &WILDCARD_RESOURCE, "every resource, Secrets included", "name the resources the workload needs, e.g. pods"),
        ("apiGroups", &WILDCARD_API_GROUP, "every API group", "name the API groups of those resources, e.g. \"\" for pods"),
    ];
    for (key, info, what, fix) in fields {
        for (_, node) in rule.list(key).into_iter().filter(|(s, _)| *s == "*") {
            let message = format!("rule {} grants {what} ({key}: [\"*\"])", rule.number);
            out.push(finding(info, obj, node.pos.line, message, fix.to_string()));
        }
    }
}

fn secret_read(obj: &Object, rule: &PolicyRule<'_>, out: &mut Vec<Finding>) {
    let verbs: Vec<&str> = rule.list("verbs").into_iter().map(|(v, _)| v).filter(|v| READ_VERBS.contains(v)).collect();
    if verbs.is_empty() || !rule.covers_core_group() {
        return;
    }
    let names = rule.joined("resourceNames");
    let scope = if names.is_empty() { "every Secret".to_string() } else { format!("Secrets {names}") };
    for (_, node) in rule.list("resources").into_iter().filter(|(s, _)| *s == "secrets") {
        let message = format!("rule {} grants {} on secrets: whoever is bound can read {scope}", rule.number, verbs.join(", "));
        let fix = "drop secrets from this rule, or limit it with resourceNames to the Secrets the workload reads";
        out.push(finding(&SECRET_READ, obj, node.pos.line, message, fix.to_string()));
    }
}

fn escalation_verbs(obj: &Object, rule: &PolicyRule<'_>, out: &mut Vec<Finding>) {
    for (verb, node) in rule.list("verbs") {
        let power = match verb {
            "escalate" => "grant roles permissions it does not hold",
            "bind" => "bind roles granting permissions it does not hold",
            "impersonate" => "act as other users, groups or ServiceAccounts",
            _ => continue,
        };
        let message = format!("rule {} grants {verb}, which lets the holder {power}", rule.number);
        let fix = format!("remove {verb}; leave it to cluster administrators, not workloads");
        out.push(finding(&ESCALATION_VERB, obj, node.pos.line, message, fix));
    }
}

fn token_create(obj: &Object, rule: &PolicyRule<'_>, out: &mut Vec<Finding>) {
    if !(rule.has("verbs", "create") || rule.has("verbs", "*")) || !rule.covers_core_group() {
        return;
    }
    let names = rule.joined("resourceNames");
    let whose = if names.is_empty() { "every ServiceAccount in scope".to_string() } else { names };
    for (_, node) in rule.list("resources").into_iter().filter(|(s, _)| *s == "serviceaccounts/token") {
        let message = format!("rule {} grants create on serviceaccounts/token: the holder can mint tokens for {whose}", rule.number);
        let fix = "remove it, or limit it with resourceNames to the one ServiceAccount that needs tokens";
        out.push(finding(&TOKEN_CREATE, obj, node.pos.line, message, fix.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::lines;
    use rstest::rstest;

    fn role(rule: &str) -> String {
        format!("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: r, namespace: dev}}\nrules:\n{rule}")
    }

    const POD_READER: &str = "- apiGroups: [\"\"]\n  resources: [\"pods\"]\n  verbs: [\"get\", \"list\", \"watch\"]\n";

    #[rstest]
    #[case::sa002_wildcard_verb("SA002", "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [\"*\"]\n", vec![7])]
    #[case::sa002_block_list_points_at_item("SA002", "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs:\n  - get\n  - \"*\"\n", vec![9])]
    #[case::sa002_narrow_verbs("SA002", POD_READER, vec![])]
    #[case::sa003_wildcard_resource("SA003", "- apiGroups: [\"\"]\n  resources: [\"*\"]\n  verbs: [get]\n", vec![6])]
    #[case::sa003_named_resources("SA003", POD_READER, vec![])]
    #[case::sa004_wildcard_group("SA004", "- apiGroups: [\"*\"]\n  resources: [pods]\n  verbs: [get]\n", vec![5])]
    #[case::sa004_core_group("SA004", POD_READER, vec![])]
    #[case::sa006_secret_get("SA006", "- apiGroups: [\"\"]\n  resources: [configmaps, secrets]\n  verbs: [get]\n", vec![6])]
    #[case::sa006_secret_wildcard_verb("SA006", "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [\"*\"]\n", vec![6])]
    #[case::sa006_second_rule_counts("SA006", &format!("{POD_READER}- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [watch]\n"), vec![9])]
    #[case::sa006_secret_create_only("SA006", "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [create]\n", vec![])]
    #[case::sa006_other_group("SA006", "- apiGroups: [example.com]\n  resources: [secrets]\n  verbs: [get]\n", vec![])]
    #[case::sa006_pods_only("SA006", POD_READER, vec![])]
    #[case::sa007_escalate_bind_impersonate("SA007", "- apiGroups: [rbac.authorization.k8s.io, \"\"]\n  resources: [roles, users]\n  verbs:\n  - escalate\n  - bind\n  - impersonate\n", vec![8, 9, 10])]
    #[case::sa007_plain_verbs("SA007", POD_READER, vec![])]
    #[case::sa008_token_create("SA008", "- apiGroups: [\"\"]\n  resources: [serviceaccounts/token]\n  verbs: [create]\n", vec![6])]
    #[case::sa008_token_get_only("SA008", "- apiGroups: [\"\"]\n  resources: [serviceaccounts/token]\n  verbs: [get]\n", vec![])]
    #[case::sa008_serviceaccounts_create("SA008", "- apiGroups: [\"\"]\n  resources: [serviceaccounts]\n  verbs: [create]\n", vec![])]
    fn role_rules(#[case] rule: &str, #[case] rules: &str, #[case] expected: Vec<usize>) {
        assert_eq!(lines(&role(rules), rule), expected);
    }

    #[test]
    fn cluster_roles_are_checked_and_other_kinds_are_not() {
        let cluster = role("- apiGroups: [\"*\"]\n  resources: [\"*\"]\n  verbs: [\"*\"]\n").replace("kind: Role", "kind: ClusterRole");
        assert_eq!(lines(&cluster, "SA002"), vec![7]);
        assert_eq!(lines(&cluster, "SA003"), vec![6]);
        assert_eq!(lines(&cluster, "SA004"), vec![5]);
        let binding = role("- apiGroups: [\"*\"]\n").replace("kind: Role", "kind: RoleBinding");
        assert_eq!(lines(&binding, "SA004"), Vec::<usize>::new());
    }
}
