//! One ServiceAccount shared by several workloads (SA011): the article's "create dedicated service
//! accounts per workload". Sharing is a property of the whole set of manifests, so this rule looks at
//! every pod and pod template at once; the same object in two files (a manifest repeated in a
//! combined file) is one workload.

use super::finding;
use super::pods::service_account_field;
use crate::lint::manifest::Object;
use crate::lint::rules::{Finding, SHARED_SERVICE_ACCOUNT};
use std::collections::{BTreeMap, BTreeSet};

/// Workload label -> (the object, line of its serviceAccountName); the first copy seen is kept.
type Workloads<'a> = BTreeMap<String, (&'a Object, usize)>;

pub(super) fn check(objects: &[Object], out: &mut Vec<Finding>) {
    // (namespace, ServiceAccount) -> the workloads running as it.
    let mut users: BTreeMap<(&str, &str), Workloads<'_>> = BTreeMap::new();
    for obj in objects {
        let Some(pod) = obj.pod_spec() else { continue };
        // A pod naming no ServiceAccount, or `default`, is SA001's finding already.
        let Some((sa, line)) = service_account_field(pod).filter(|(sa, _)| *sa != "default") else { continue };
        users.entry((obj.ns(), sa)).or_default().entry(obj.label()).or_insert((obj, line));
    }
    for ((ns, sa), workloads) in users {
        if workloads.len() < 2 {
            continue;
        }
        let all: BTreeSet<&str> = workloads.keys().map(String::as_str).collect();
        for (label, (obj, line)) in &workloads {
            let others: Vec<&str> = all.iter().copied().filter(|l| l != label).collect();
            let message = format!("ServiceAccount {ns}/{sa} also runs {}", others.join(", "));
            let fix = format!("give {label} a ServiceAccount of its own and bind it only what this workload needs");
            out.push(finding(&SHARED_SERVICE_ACCOUNT, obj, *line, message, fix));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::lint;
    use rstest::rstest;

    const POD_A: &str = "kind: Pod\nmetadata: {name: a, namespace: dev}\nspec:\n  serviceAccountName: app\n";
    const POD_B: &str = "kind: Pod\nmetadata: {name: b, namespace: dev}\nspec:\n  serviceAccountName: app\n";
    const POD_B_OWN: &str = "kind: Pod\nmetadata: {name: b, namespace: dev}\nspec:\n  serviceAccountName: b\n";
    const POD_B_PROD: &str = "kind: Pod\nmetadata: {name: b, namespace: prod}\nspec:\n  serviceAccountName: app\n";
    const POD_B_DEFAULT: &str = "kind: Pod\nmetadata: {name: b, namespace: dev}\nspec:\n  serviceAccountName: default\n";
    const DEPLOY_APP: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: dev}\nspec:\n  template:\n    spec:\n      serviceAccountName: app\n";

    /// (file text, expected (line, message) of every SA011 finding)
    #[rstest]
    #[case::two_pods_share(format!("{POD_A}---\n{POD_B}"), vec![(4, "ServiceAccount dev/app also runs Pod/dev/b"), (9, "ServiceAccount dev/app also runs Pod/dev/a")])]
    #[case::pod_and_deployment_share(format!("{POD_A}---\n{DEPLOY_APP}"), vec![(4, "ServiceAccount dev/app also runs Deployment/dev/web"), (12, "ServiceAccount dev/app also runs Pod/dev/a")])]
    #[case::each_its_own(format!("{POD_A}---\n{POD_B_OWN}"), vec![])]
    #[case::same_name_other_namespace(format!("{POD_A}---\n{POD_B_PROD}"), vec![])]
    #[case::same_pod_twice_is_one_workload(format!("{POD_A}---\n{POD_A}"), vec![])]
    #[case::default_is_sa001s(format!("{POD_B_DEFAULT}---\n{}", POD_B_DEFAULT.replace("name: b", "name: c")), vec![])]
    #[case::one_pod(POD_A.to_string(), vec![])]
    fn sa011_shared_service_account(#[case] text: String, #[case] expected: Vec<(usize, &str)>) {
        let got: Vec<(usize, String)> = lint(&text).into_iter().filter(|f| f.rule == "SA011").map(|f| (f.line, f.message)).collect();
        let expected: Vec<(usize, String)> = expected.into_iter().map(|(l, m)| (l, m.to_string())).collect();
        assert_eq!(got, expected);
    }
}
