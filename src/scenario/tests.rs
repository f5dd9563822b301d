//! The continue/stop rule and erratum declarations, read through the real loader: which failed steps
//! stop a scenario (changes, waits, prerequisites) and which are recorded while it goes on (looks).

use super::{load_str, LoadOptions, Scenario};
use rstest::rstest;
use std::path::Path;

fn load(steps: &str) -> Result<Scenario, String> {
    let text = format!("name: rule\nnamespaces: [dev]\nsteps:\n{steps}");
    load_str(Path::new("scenarios/rule.scenario.yaml"), &text, &LoadOptions::default()).map_err(|e| e.to_string())
}

fn one(step: &str) -> super::Step {
    let s = load(step).unwrap_or_else(|e| panic!("{e}"));
    s.steps.into_iter().next().expect("one step")
}

#[rstest]
#[case("kubectl get serviceaccounts -n dev", false)]
#[case("kubectl -n dev get serviceaccounts", false)]
#[case("kubectl describe pod alpine-curl -n dev", false)]
#[case("kubectl auth can-i list pods --as=system:serviceaccount:dev:x -n dev", false)]
#[case("kubectl auth whoami", false)]
#[case("kubectl get --raw /api/v1/namespaces/dev/pods/nginx:80/proxy/", false)]
#[case("kubectl version", false)]
#[case("kubectl api-resources", false)]
#[case("kubectl create namespace dev", true)]
#[case("kubectl apply -f pod.yaml", true)]
#[case("kubectl delete pod alpine-curl -n dev", true)]
#[case("kubectl exec alpine-curl -n dev -- ls", true)]
#[case("kubectl auth reconcile -f roles.yaml", true)]
#[case("kubectl create token pod-inspector -n dev", true)]
fn a_kubectl_step_stops_the_scenario_only_if_its_verb_changes_the_cluster(#[case] command: &str, #[case] stops: bool) {
    let step = one(&format!("  - kubectl: {{ command: \"{command}\" }}\n"));
    assert_eq!(step.stops_on_failure(), stops, "{command}");
}

#[rstest]
#[case("  - apply: { manifest: \"apiVersion: v1\\nkind: Namespace\\nmetadata: {name: dev}\\n\" }\n", true)]
#[case("  - delete: { resource: { apiVersion: v1, kind: Pod, name: p, namespace: dev } }\n", true)]
#[case("  - wait: { resource: { apiVersion: v1, kind: Pod, name: p, namespace: dev }, for: ready }\n", true)]
#[case("  - exec: { pod: p, namespace: dev, command: [ls] }\n", true)]
#[case("  - exec: { pod: p, namespace: dev, command: [cat, /etc/hostname], read-only: true }\n", false)]
#[case("  - http-from-pod: { pod: p, namespace: dev, path: /api, expect: { status: 200 } }\n", false)]
#[case("  - can-i: { as: x, verb: list, resource: pods, namespace: dev, expect: \"no\" }\n", false)]
#[case("  - token: { serviceaccount: x, namespace: dev }\n", false)]
#[case("  - assert: { resource: { apiVersion: v1, kind: Pod, name: p, namespace: dev }, fields: [{ path: spec.serviceAccountName, equals: x }] }\n", false)]
#[case("  - audit: { as: x, namespaces: [dev] }\n", false)]
fn each_step_kind_says_whether_its_failure_stops_the_scenario(#[case] step: &str, #[case] stops: bool) {
    assert_eq!(one(step).stops_on_failure(), stops, "{step}");
}

#[test]
fn a_prerequisite_look_stops_the_scenario_when_it_fails() {
    let step = one("  - prerequisite: true\n    kubectl: { command: kubectl get serviceaccounts -n dev }\n");
    assert!(step.prerequisite);
    assert!(step.stops_on_failure());
}

#[test]
fn an_erratum_belongs_to_the_steps_only_claim() {
    let step = one("  - doc: { section: S, claims: [short-lived] }\n    erratum: { article: short, actual: a year, when: defaults }\n    token: { serviceaccount: x, namespace: dev }\n");
    let e = step.erratum.expect("erratum");
    assert_eq!(e.claim.as_deref(), Some("short-lived"));
    assert_eq!(e.when.as_deref(), Some("defaults"));
}

#[rstest]
#[case(
    "  - erratum: { article: a, actual: b }\n    token: { serviceaccount: x, namespace: dev }\n",
    "an erratum needs the claim it corrects"
)]
#[case("  - doc: { section: S, claims: [one, two] }\n    erratum: { article: a, actual: b }\n    token: { serviceaccount: x, namespace: dev }\n", "say which one the erratum corrects")]
#[case("  - doc: { section: S, claims: [one] }\n    erratum: { claim: other, article: a, actual: b }\n    token: { serviceaccount: x, namespace: dev }\n", "is not among the step's doc.claims")]
#[case("  - doc: { section: S, claims: [one] }\n    erratum: { article: a, actual: b, when-version: \"1.35\" }\n    token: { serviceaccount: x, namespace: dev }\n", "must start with")]
#[case("  - doc: { section: S, claims: [one] }\n    when-version: \">=1.35\"\n    erratum: { article: a, actual: b, when-version: \">=1.35\" }\n    token: { serviceaccount: x, namespace: dev }\n", "give `when-version` once")]
#[case("  - doc: { section: S, claims: [one] }\n    erratum: { article: a, actual: b, said: c }\n    token: { serviceaccount: x, namespace: dev }\n", "unknown field `said`")]
fn a_bad_erratum_is_a_load_error_that_says_why(#[case] step: &str, #[case] want: &str) {
    let err = load(step).expect_err("must not load");
    assert!(err.contains(want), "{err}");
}

#[test]
fn an_erratums_version_range_gates_its_step() {
    let step = one("  - doc: { section: S, claims: [one] }\n    erratum: { article: a, actual: b, when-version: \">=1.35\" }\n    kubectl: { command: kubectl get sa -n dev }\n");
    let req = step.when_version.expect("range");
    assert!(req.matches((1, 35)));
    assert!(!req.matches((1, 34)));
}
