//! SA010: Secrets of type `kubernetes.io/service-account-token`, the old long-lived tokens that
//! never expire or rotate, where the article prefers `kubectl create token` and projected volumes.

use super::finding;
use crate::lint::manifest::{Object, CORE};
use crate::lint::rules::{Finding, LONG_LIVED_TOKEN};
use crate::yaml::Node;

const TOKEN_TYPE: &str = "kubernetes.io/service-account-token";
const SA_ANNOTATION: &str = "kubernetes.io/service-account.name";

pub(super) fn check(obj: &Object, out: &mut Vec<Finding>) {
    if !obj.is(CORE, "Secret") || obj.node.get("type").and_then(Node::as_str) != Some(TOKEN_TYPE) {
        return;
    }
    let account = obj.node.path(&["metadata", "annotations", SA_ANNOTATION]).and_then(Node::as_str);
    let account = account.map_or_else(|| "a ServiceAccount".to_string(), |a| format!("ServiceAccount {a}"));
    let message = format!("holds a long-lived token for {account} that never expires or rotates");
    let fix = "delete this Secret; use kubectl create token --duration or the projected token a pod mounts";
    out.push(finding(&LONG_LIVED_TOKEN, obj, obj.line_of("type"), message, fix.to_string()));
}

#[cfg(test)]
mod tests {
    use super::super::testing::{lines, lint};
    use rstest::rstest;

    const TOKEN_SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: t\n  namespace: dev\n  annotations:\n    kubernetes.io/service-account.name: pod-inspector\ntype: kubernetes.io/service-account-token\n";
    const OPAQUE: &str = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: Opaque\nstringData: {password: x}\n";
    const UNTYPED: &str = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n";

    #[rstest]
    #[case::token_secret(TOKEN_SECRET, vec![8])]
    #[case::opaque_secret(OPAQUE, vec![])]
    #[case::secret_without_type(UNTYPED, vec![])]
    fn sa010_long_lived_token_secret(#[case] text: &str, #[case] expected: Vec<usize>) {
        assert_eq!(lines(text, "SA010"), expected);
    }

    #[test]
    fn sa010_names_the_service_account() {
        let findings = lint(TOKEN_SECRET);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].object, "Secret/dev/t");
        assert!(findings[0].message.contains("ServiceAccount pod-inspector"), "{}", findings[0].message);
    }
}
