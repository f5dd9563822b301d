//! The loader on bad input: every problem reported with file:line:column and the field, the valid step kinds
//! listed for an unknown one, a missing manifest named by path; and a property test that no input
//! makes the loader panic. Needs no cluster.

use proptest::prelude::*;
use rstest::rstest;
use sa_conformance::scenario::{load_file, load_file_mapped, load_str, Catalog, LoadOptions, MapPlan, NamespaceMap};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad").join(name)
}

fn errors_of(name: &str) -> Vec<String> {
    let path = fixture(name);
    let err = load_file(&path, &LoadOptions::default()).expect_err("must not load");
    let prefix = format!("{}/", Path::new(env!("CARGO_MANIFEST_DIR")).display());
    err.0.iter().map(|e| e.to_string().replace(&prefix, "")).collect()
}

#[test]
fn an_unknown_step_kind_names_the_line_and_lists_the_valid_kinds() {
    let errors = errors_of("unknown-kind.scenario.yaml");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert!(e.starts_with("tests/fixtures/bad/unknown-kind.scenario.yaml:5:5: step 2: unknown field `appply`"), "{e}");
    for kind in ["apply", "delete", "wait", "exec", "http-from-pod", "can-i", "kubectl", "token", "assert"] {
        assert!(e.contains(&format!("`{kind}`")), "{kind} missing from {e}");
    }
}

#[test]
fn a_missing_manifest_names_the_path() {
    let errors = errors_of("missing-manifest.scenario.yaml");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0]
            .starts_with("tests/fixtures/bad/missing-manifest.scenario.yaml:5:7: step 1: manifest `no/such/manifest.yaml` cannot be read"),
        "{}",
        errors[0]
    );
}

#[test]
fn every_problem_in_a_file_is_reported_at_once() {
    let errors = errors_of("many-problems.scenario.yaml");
    // The unknown variable stops substitution before parsing: it is reported alone, with its line.
    assert_eq!(errors, vec!["tests/fixtures/bad/many-problems.scenario.yaml:14: unknown variable `${namespce}` (defined: scenario); write `$${namespce}` for a literal"]);
    let fixed = std::fs::read_to_string(fixture("many-problems.scenario.yaml")).unwrap().replace("${namespce}", "dev");
    let err = load_str(&fixture("many-problems.scenario.yaml"), &fixed, &LoadOptions::default()).expect_err("still broken");
    let lines: Vec<String> = err.0.iter().map(|e| format!("{}:{} {}", e.line.unwrap_or(0), e.step.unwrap_or(0), e.message)).collect();
    assert_eq!(
        lines,
        vec![
            "4:1 exec needs exactly one of `command` (a non-empty list) or `script`".to_string(),
            "12:2 can-i.expect: invalid answer `maybe`, expected \"yes\" or \"no\"".to_string(),
        ]
    );
}

#[rstest]
#[case(
    "name: x\nsteps:\n  - {}\n",
    "3:5: step 1: step has no step kind; expected one of: apply, delete, wait, exec, http-from-pod, can-i, kubectl, token, assert"
)]
#[case(
    "name: x\nsteps:\n  - kubectl: {command: kubectl get sa}\n    exec: {pod: p, namespace: n, command: [ls]}\n",
    "3:5: step 1: step has several step kinds (exec, kubectl); a step does exactly one thing"
)]
#[case(
    "name: x\nstep: []\n",
    "2:1: unknown field `step`, expected one of `name`, `description`, `namespaces`, `vars`, `timeout`, `cleanup`, `steps`"
)]
#[case(
    "name: Bad_Name\nsteps:\n  - kubectl: {command: kubectl version}\n",
    "1:1: scenario name `Bad_Name` must be lower-case letters, digits and '-'"
)]
#[case(
    "name: x\ntimeout: 10\nsteps:\n  - kubectl: {command: kubectl version}\n",
    "2:10: timeout: invalid duration `10`: missing unit (ms, s, m or h)"
)]
#[case("name: x\nsteps:\n  - kubectl: {command: get pods}\n", "3:15: step 1: command must start with `kubectl`: `get pods`")]
#[case(
    "name: x\nsteps:\n  - http-from-pod: {pod: p, namespace: n, path: api/v1, expect: {status: 200}}\n",
    "3:43: step 1: path `api/v1` must start with `/`"
)]
#[case(
    "name: x\nsteps:\n  - assert:\n      resource: {apiVersion: v1, kind: Pod, name: p}\n      fields: [{path: spec}]\n",
    "5:7: step 1: field check on `spec` has no condition"
)]
#[case(
    "name: x\nsteps:\n  - kubectl:\n      command: kubectl get sa\n      expect: {stdout: {regex: '('}}\n",
    "5:7: step 1: invalid regex"
)]
#[case("name: x\nsteps:\n  - within: 5s\n    wait: {resource: {apiVersion: v1, kind: Pod, name: p}, for: ready}\n", "3:5: step 1: `within` applies only to steps that look (exec, http-from-pod, can-i, kubectl, token, assert); a wait step waits for its own effect within its `timeout`")]
#[case("name: x\nsteps:\n  - kubectl: {command: kubectl get sa}\n  - stable-for: 5s\n    delete: {resource: {apiVersion: v1, kind: Pod, name: p}}\n", "4:5: step 2: `stable-for` applies only to steps that look")]
#[case(
    "name: x\nsteps:\n  - timeout: 5s\n    within: 10s\n    can-i: {as: u, verb: get, resource: pods, expect: yes}\n",
    "4:5: step 1: within 10s is longer than the step's timeout 5s"
)]
#[case(
    "name: x\nsteps:\n  - within: 5s\n    stable-for: 58s\n    can-i: {as: u, verb: get, resource: pods, expect: yes}\n",
    "4:5: step 1: within 5s plus stable-for 58s is longer than the step's timeout 1m"
)]
#[case(
    "name: x\ntimeout: 5s\nwithin: 10s\nsteps:\n  - kubectl: {command: kubectl get sa}\n",
    "3:1: within 10s is longer than the scenario's timeout 5s"
)]
#[case("name: x\nwithin: 20s\nsteps:\n  - kubectl: {command: kubectl get sa}\n  - timeout: 10s\n    can-i: {as: u, verb: get, resource: pods, expect: yes}\n", "5:5: step 2: the scenario's within 20s is longer than this step's timeout 10s; give the step its own `within`")]
#[case("name: x\nsteps:\n  - within: 1x\n    kubectl: {command: kubectl get sa}\n", "3:13: step 1: within: invalid duration `1x`")]
#[case("name: x\nsteps:\n  - token:\n      serviceaccount: s\n      namespace: n\n      expect: {claims: [{path: 'kubernetes\\.io.serviceacount.name', absent: true}]}\n",
       "6:16: step 1: field `kubernetes\\.io.serviceacount.name`: no field `serviceacount` in `kubernetes\\.io` (did you mean `serviceaccount`?)")]
#[case::tab_indented_step(
    "name: x\nsteps:\n  - kubectl:\n\t    command: kubectl get sa\n",
    "4:6: tabs disallowed within this context (block indentation)"
)]
#[case::duplicate_key_in_a_step(
    "name: x\nsteps:\n  - kubectl: {command: kubectl get sa}\n    kubectl: {command: kubectl get pods}\n",
    "4:5: duplicate key `kubectl` (first at line 3)"
)]
#[case::unknown_field_with_its_column(
    "name: x\nsteps:\n  - kubectl: {command: kubectl get sa, comand: x}\n",
    "3:40: step 1: kubectl: unknown field `comand`, expected one of `command`, `args`, `stdin`, `expect`"
)]
#[case::unquoted_no_in_a_label(
    "name: x\nsteps:\n  - apply:\n      manifest: |\n        apiVersion: v1\n        kind: ConfigMap\n        metadata:\n          name: c\n          labels: {enabled: no}\n",
    "4:7: step 1: inline manifest at s.scenario.yaml:9:29: `enabled: no` is read by Kubernetes (YAML 1.1) as false, not the string \"no\"; the API server refuses it: \".metadata.labels.enabled: expected string, got &value.valueUnstructured{Value:false}\"; quote it: `enabled: \"no\"`"
)]
#[case::unquoted_no_in_a_quoted_manifest_is_placed_in_its_text(
    "name: x\nsteps:\n  - apply: {manifest: \"apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: c, labels: {on: off}}\"}\n",
    "3:13: step 1: inline manifest (line 3 column 34 of it): `on: off` is read by Kubernetes (YAML 1.1) as false, not the string \"off\"; \
     the API server refuses it: \".metadata.labels.true: expected string, got &value.valueUnstructured{Value:false}\""
)]
#[case(
    "name: x\nsteps:\n  - assert:\n      resource: {apiVersion: v1, kind: ServiceAccount, name: default, namespace: dev}\n      in-every-namespace: true\n",
    "5:7: step 1: in-every-namespace needs `resource.name` and no `namespace` or `list`"
)]
#[case(
    "name: x\nsteps:\n  - assert:\n      resource: {apiVersion: v1, kind: ServiceAccount, name: default}\n",
    "3:5: step 1: assert needs at least one field check"
)]
#[case::a_kubectl_step_runs_as_a_token_or_a_client_certificate_not_both(
    "name: x\nsteps:\n  - kubectl:\n      command: kubectl auth whoami\n      token: {value: abc}\n      client-certificate: {csr: c, user: bob}\n",
    "6:7: step 1: a kubectl step runs as a `token` or as a `client-certificate`, not both"
)]
#[case::a_client_certificate_names_its_csr(
    "name: x\nsteps:\n  - kubectl:\n      command: kubectl auth whoami\n      client-certificate: {user: bob, groups: [dev-team]}\n",
    "5:27: step 1: kubectl.client-certificate: missing field `csr`"
)]
#[case::namespace_not_a_dns_label(
    "name: x\nnamespaces: [Dev]\nsteps:\n  - kubectl: {command: kubectl get sa}\n",
    "2:1: `Dev` is not a valid namespace name"
)]
#[case::namespace_longer_than_63("name: x\nnamespaces: [nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn]\nsteps:\n  - kubectl: {command: kubectl get sa}\n", "2:1: `nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn` is not a valid namespace name")]
fn malformed_scenarios_say_where_and_what(#[case] text: &str, #[case] want: &str) {
    let err = load_str(Path::new("s.scenario.yaml"), text, &LoadOptions::default()).expect_err("must not load");
    let got: Vec<String> = err.0.iter().map(|e| e.to_string()).collect();
    assert!(got.iter().any(|g| g.starts_with(&format!("s.scenario.yaml:{want}"))), "want s.scenario.yaml:{want}\ngot {got:?}");
}

/// The same manifest file, read by the loader (apply) and by the lint: a label value `no` is refused with
/// file:line:column by the loader, and a quoted "no" loads.
#[test]
fn an_unquoted_no_label_in_a_manifest_file_is_refused_at_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    enabled: no\n";
    std::fs::write(dir.path().join("cm.yaml"), manifest).unwrap();
    let scenario = dir.path().join("s.scenario.yaml");
    let text = "name: x\nsteps:\n  - apply: {file: cm.yaml}\n";
    let err = load_str(&scenario, text, &LoadOptions::default()).expect_err("`no` is not a string to Kubernetes");
    let got = err.0[0].to_string();
    let want = format!(
        "{}:3:13: step 1: {}:6:14: `enabled: no` is read by Kubernetes (YAML 1.1) as false",
        scenario.display(),
        dir.path().join("cm.yaml").display()
    );
    assert!(got.starts_with(&want), "want {want}\ngot  {got}");
    std::fs::write(dir.path().join("cm.yaml"), manifest.replace("enabled: no", "enabled: \"no\"")).unwrap();
    load_str(&scenario, text, &LoadOptions::default()).unwrap_or_else(|e| panic!("a quoted \"no\" is a string: {e}"));
}

#[test]
fn variables_can_be_overridden() {
    let text = "name: x\nvars: {namespace: dev}\nsteps:\n  - kubectl: {command: kubectl get pods -n ${namespace}}\n";
    let opts = LoadOptions { overrides: [("namespace".to_string(), "dev2".to_string())].into() };
    let s = load_str(Path::new("s.scenario.yaml"), text, &opts).unwrap();
    match &s.steps[0].action {
        sa_conformance::scenario::Action::Kubectl(k) => assert_eq!(k.args, ["get", "pods", "-n", "dev2"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_empty_scenario_directory_is_an_error_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let err = Catalog::load(dir.path(), &LoadOptions::default()).expect_err("no scenarios");
    assert!(err.to_string().contains("no scenarios found"), "{err}");
}

/// A catalogue of one claim `checked-by` `by`, verified by one step `step` (YAML of a step kind).
fn practice_catalog(by: &str, step: &str) -> Result<Catalog, String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.yaml"), "kind: Pod\nmetadata: {name: p, namespace: dev}\nspec: {serviceAccountName: app}\n").unwrap();
    let claims = format!("claims:\n  - id: bp-x\n    section: S\n    text: a practice\n    checked-by: {by}\n");
    std::fs::write(dir.path().join("claims.yaml"), claims).unwrap();
    let scenario = format!("name: x\nsteps:\n  - doc: {{ section: S, claims: [bp-x] }}\n    {step}\n");
    std::fs::write(dir.path().join("x.scenario.yaml"), scenario).unwrap();
    Catalog::load(dir.path(), &LoadOptions::default()).map_err(|e| e.to_string())
}

/// A best practice declared checked by a lint rule or an audit loads only if a step naming the claim
/// runs that rule (or audit): the declaration cannot outrun the checks.
#[rstest]
#[case::rule_run("{ lint: [SA011] }", "lint: { files: [m.yaml], rules: [SA011, SA001] }", None)]
#[case::every_rule_runs_it("{ lint: [SA011] }", "lint: { files: [m.yaml] }", None)]
#[case::rule_not_run(
    "{ lint: [SA011] }",
    "lint: { files: [m.yaml], rules: [SA001] }",
    Some("claims.yaml:2: claim `bp-x` is checked by lint rule SA011, but no lint step naming the claim runs it")
)]
#[case::no_lint_step(
    "{ lint: [SA001] }",
    "kubectl: { command: kubectl get pods }",
    Some("claims.yaml:2: claim `bp-x` is checked by lint rule SA001, but no lint step naming the claim runs it")
)]
#[case::unknown_rule(
    "{ lint: [SA999] }",
    "lint: { files: [m.yaml] }",
    Some("claims.yaml:2: claim `bp-x`: unknown lint rule `SA999` (rules: SA001")
)]
#[case::audit_missing(
    "{ audit: true }",
    "lint: { files: [m.yaml] }",
    Some("claims.yaml:2: claim `bp-x` is checked by an audit, but no audit step names the claim")
)]
#[case::nothing_named("{}", "lint: { files: [m.yaml] }", Some("claims.yaml:2: claim `bp-x`: checked-by names no lint rule and no audit"))]
#[case::unknown_rule_in_step(
    "{ lint: [SA001] }",
    "lint: { files: [m.yaml], rules: [SA012] }",
    Some("x.scenario.yaml:4:30: step 1: unknown lint rule `SA012`")
)]
#[case::expected_finding(
    "{ lint: [SA005] }",
    "lint: { files: [m.yaml], rules: [SA005], expect: { findings: [{ rule: SA005, object: ClusterRoleBinding/x }] } }",
    None
)]
#[case::expected_finding_of_a_rule_not_run(
    "{ lint: [SA005] }",
    "lint: { files: [m.yaml], rules: [SA005], expect: { findings: [{ rule: SA007, object: Role/dev/x }] } }",
    Some("step 1: expects a finding of SA007 on Role/dev/x, but the step runs only SA005")
)]
#[case::expected_and_allowed(
    "{ lint: [SA005] }",
    "lint: { files: [m.yaml], allow: [SA005], expect: { findings: [{ rule: SA005, object: ClusterRoleBinding/x }] } }",
    Some("step 1: SA005 is both allowed and expected: expect it, or allow it")
)]
#[case::expected_unknown_rule(
    "{ lint: [SA005] }",
    "lint: { files: [m.yaml], expect: { findings: [{ rule: SA099, object: Role/x }] } }",
    Some("step 1: unknown lint rule `SA099`")
)]
fn a_practice_loads_only_with_the_checks_it_names(#[case] by: &str, #[case] step: &str, #[case] error: Option<&str>) {
    match (practice_catalog(by, step), error) {
        (Ok(_), None) => {}
        (Ok(_), Some(want)) => panic!("loaded, but must fail with {want}"),
        (Err(got), None) => panic!("must load, got {got}"),
        (Err(got), Some(want)) => assert!(got.contains(want), "expected {want:?} in:\n{got}"),
    }
}

/// `list --claims` on the shipped scenarios: each claim's verdict kind with the `when-version` and
/// `when-var` conditions of its erratum, each verifying step's conditions, and the checks a best
/// practice names.
#[test]
fn the_claims_listing_shows_conditions_verdict_kinds_and_checks() {
    let catalog = Catalog::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"), &LoadOptions::default()).unwrap();
    let listing = sa_conformance::report::listing::claims(&catalog);
    for want in [
        "pods-get-short-lived-projected-tokens [Creating a Service Account] (erratum on extend_token_expiration=true, holds otherwise)",
        "[when-var extend_token_expiration=true, erratum]",
        "(with --service-account-extend-token-expiration=false the mounted token lives 3607 s, as the article says) [when-var extend_token_expiration=false]",
        "get-serviceaccounts-shows-pod-inspector [Creating a Service Account] (erratum on >=1.35, holds otherwise)",
        "[when-version <1.35]",
        "[when-version >=1.35, erratum]",
        "checked by: lint SA011 (shared-service-account), lint SA001 (default-service-account)",
        "checked by: lint SA004 (wildcard-api-group), lint SA007 (escalation-verb), lint SA008 (token-create), audit",
        "default-sa-every-namespace [Default Service Accounts] (holds)",
    ] {
        assert!(listing.contains(want), "`{want}` missing from:\n{listing}");
    }
}

/// Fragments the generator splices together: real keys, broken YAML, odd values.
const PIECES: &[&str] = &[
    "name: x\n",
    "steps:\n",
    "  - ",
    "apply:",
    " {file: a.yaml}",
    "kubectl:",
    " {command: kubectl get sa}",
    "exec: {pod: p, namespace: n, command: [ls]}",
    "\n",
    "    ",
    "- ",
    "{",
    "}",
    "[",
    "]",
    ":",
    "${",
    "${namespace}",
    "$${x}",
    "vars: {namespace: dev}\n",
    "timeout: 5q\n",
    "'",
    "\"",
    "#",
    "---\n",
    "can-i: {as: u, verb: get, resource: pods, expect: yes}",
    "wait: {resource: {apiVersion: v1, kind: Pod, name: p}, for: ready}",
    "doc: {section: s, claims: [a]}",
    "token: {serviceaccount: s, namespace: n, via: pod}",
    "assert: {resource: {apiVersion: v1, kind: Pod, name: p}, fields: [{path: 'a[', absent: true}]}",
    "\t",
    "é",
    "&a ",
    "*a",
    "!!binary ",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any text, however broken, loads or gives errors; it never panics.
    #[test]
    fn the_loader_never_panics(parts in proptest::collection::vec(0..PIECES.len(), 0..40), noise in ".{0,40}") {
        let mut text: String = parts.iter().map(|&i| PIECES[i]).collect();
        text.push_str(&noise);
        let _ = load_str(Path::new("/nonexistent/fuzz.scenario.yaml"), &text, &LoadOptions::default());
    }
}

#[test]
fn a_kubectl_step_cannot_leave_the_vetted_cluster() {
    let errors = errors_of("retarget.scenario.yaml");
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].starts_with("tests/fixtures/bad/retarget.scenario.yaml:5:5: step 1: `--kubeconfig=/tmp/other.kubeconfig` would point kubectl at another cluster"), "{}", errors[0]);
    assert!(errors[1].contains("step 2: `--server=https://10.0.0.1:6443` would point kubectl at another cluster"), "{}", errors[1]);
    assert!(errors[2].contains("step 3: `kubectl evil-plugin` is not a built-in kubectl command"), "{}", errors[2]);
}

#[rstest]
#[case::can_i_default("", "  - can-i: {as: u, verb: get, resource: pods, expect: yes}\n", 10_000, None)]
#[case::can_i_capped_at_its_timeout("", "  - timeout: 4s\n    can-i: {as: u, verb: get, resource: pods, expect: yes}\n", 4_000, None)]
#[case::http_scenario_default(
    "within: 3s\n",
    "  - http-from-pod: {pod: p, namespace: n, path: /api, expect: {status: 200}}\n",
    3_000,
    None
)]
#[case::assert_polls_to_its_timeout(
    "",
    "  - timeout: 30s\n    assert: {resource: {apiVersion: v1, kind: Pod, name: p}, fields: [{path: a, absent: true}]}\n",
    30_000,
    None
)]
#[case::exec_asks_once("within: 3s\n", "  - exec: {pod: p, namespace: n, command: [ls]}\n", 0, None)]
#[case::kubectl_with_its_own(
    "within: 3s\n",
    "  - within: 7s\n    stable-for: 2s\n    kubectl: {command: kubectl get sa}\n",
    7_000,
    Some(2_000)
)]
#[case::token_asks_once("", "  - token: {serviceaccount: s, namespace: n}\n", 0, None)]
#[case::apply_never_looks("within: 3s\n", "  - wait: {resource: {apiVersion: v1, kind: Pod, name: p}, for: ready}\n", 0, None)]
fn within_defaults_by_step_kind(#[case] top: &str, #[case] step: &str, #[case] within_ms: u64, #[case] stable_ms: Option<u64>) {
    let text = format!("name: x\n{top}steps:\n{step}");
    let s = load_str(Path::new("s.scenario.yaml"), &text, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.steps[0].within, std::time::Duration::from_millis(within_ms));
    assert_eq!(s.steps[0].stable_for, stable_ms.map(std::time::Duration::from_millis));
}

/// A namespace name of 63 letters, the most a DNS label holds, loads.
#[test]
fn a_namespace_name_of_63_letters_loads() {
    let text = format!("name: x\nnamespaces: [{}]\nsteps:\n  - kubectl: {{command: kubectl get sa}}\n", "n".repeat(63));
    assert!(load_str(Path::new("s.scenario.yaml"), &text, &LoadOptions::default()).is_ok());
}

/// `when-var` makes a step inapplicable when a variable differs, naming the first (by name) that
/// does; a step whose variables all match runs. The scenario's `within` may equal its timeout.
#[test]
fn when_var_decides_per_step_and_names_the_first_difference() {
    let step = |cond: &str| format!("  - when-var: {cond}\n    kubectl: {{command: kubectl get sa}}\n");
    let text = format!(
        "name: x\nvars: {{a: x, b: y}}\ntimeout: 10s\nwithin: 10s\nsteps:\n{}{}{}{}",
        step("{a: x}"),
        step("{a: z}"),
        step("{a: x, b: q}"),
        step("{a: z, b: q}")
    );
    let scenario = load_str(Path::new("s.scenario.yaml"), &text, &LoadOptions::default()).expect("loads");
    let why: Vec<Option<&str>> = scenario.steps.iter().map(|s| s.inapplicable.as_deref()).collect();
    assert_eq!(
        why,
        [
            None,
            Some("the step is for a=z, this run has a=x"),
            Some("the step is for b=q, this run has b=y"),
            Some("the step is for a=z, this run has a=x"),
        ]
    );
}

/// A step's own `within` may be as long as its timeout, not longer.
#[test]
fn a_step_within_may_equal_its_timeout() {
    let step = |within: &str| {
        format!("name: x\nsteps:\n  - timeout: 10s\n    within: {within}\n    can-i: {{as: u, verb: get, resource: pods, expect: yes}}\n")
    };
    assert!(load_str(Path::new("s.scenario.yaml"), &step("10s"), &LoadOptions::default()).is_ok());
    assert!(load_str(Path::new("s.scenario.yaml"), &step("11s"), &LoadOptions::default()).is_err());
}

/// The scenario's `within` may equal a step's timeout, and a step's `within` plus `stable-for` may
/// fill its timeout exactly; one second more is refused.
#[test]
fn within_and_stable_for_may_fill_the_timeout_exactly() {
    let ok = |text: &str| load_str(Path::new("s.scenario.yaml"), text, &LoadOptions::default()).is_ok();
    let scenario_within =
        |w: &str| format!("name: x\nwithin: {w}\nsteps:\n  - timeout: 10s\n    can-i: {{as: u, verb: get, resource: pods, expect: yes}}\n");
    assert!(ok(&scenario_within("10s")) && !ok(&scenario_within("11s")));
    let stable = |s: &str| {
        format!("name: x\nsteps:\n  - timeout: 10s\n    within: 5s\n    stable-for: {s}\n    can-i: {{as: u, verb: get, resource: pods, expect: 'no'}}\n")
    };
    assert!(ok(&stable("5s")) && !ok(&stable("6s")));
}

/// A variable's value as text: a scalar as written, null as `null`, a list or a map as JSON.
#[test]
fn variables_that_are_not_scalars_are_json() {
    let text = "name: x\nvars: {s: dev, n: ~, l: [a, b], m: {k: 1}}\nsteps:\n  - kubectl: {command: kubectl get sa}\n";
    let scenario = load_str(Path::new("s.scenario.yaml"), text, &LoadOptions::default()).expect("loads");
    let vars: Vec<(&str, &str)> = scenario.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(vars, [("l", r#"["a","b"]"#), ("m", r#"{"k":1}"#), ("n", "null"), ("s", "dev"), ("scenario", "x")]);
}

/// `when-version` on a step whose erratum gives none is the step's range; an erratum must say both
/// what the article says and what is true instead.
#[test]
fn an_erratum_takes_the_steps_version_range_and_needs_both_sides() {
    let step = |actual: &str| {
        format!(
            "name: x\nsteps:\n  - doc: {{section: S, claims: [c]}}\n    when-version: \">=1.30\"\n    erratum: {{article: the article says x, actual: '{actual}'}}\n    kubectl: {{command: kubectl get sa}}\n"
        )
    };
    let scenario = load_str(Path::new("s.scenario.yaml"), &step("y is true"), &LoadOptions::default()).expect("loads");
    assert_eq!(scenario.steps[0].when_version.as_ref().map(|r| r.as_str()), Some(">=1.30"));
    let err = load_str(Path::new("s.scenario.yaml"), &step(" "), &LoadOptions::default()).expect_err("an erratum without `actual`");
    let got: Vec<String> = err.0.iter().map(|e| e.to_string()).collect();
    assert!(
        got.iter().any(|g| g.ends_with("an erratum says what the article says (`article`) and what is true instead (`actual`)")),
        "{got:?}"
    );
}

#[rstest]
#[case::empty("", "x.scenario.yaml:1:1: empty scenario file: expected a mapping with `name:` and `steps:`")]
#[case::only_comments("# nothing yet\n", "x.scenario.yaml:1:1: empty scenario file: expected a mapping with `name:` and `steps:`")]
#[case::a_list("- name: a\n", "x.scenario.yaml:1:1: the scenario file is a list: expected a mapping with `name:` and `steps:`")]
#[case::a_value("hello\n", "x.scenario.yaml:1:1: the scenario file is the single value `hello`: expected a mapping")]
fn a_file_that_is_not_a_scenario_is_named_in_the_users_terms(#[case] text: &str, #[case] want: &str) {
    let err = load_str(Path::new("x.scenario.yaml"), text, &LoadOptions::default()).expect_err("must not load");
    let said: Vec<String> = err.0.iter().map(|e| e.to_string()).collect();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].starts_with(want), "{}", said[0]);
    // no Rust type name reaches the user
    for internal in ["PreScan", "RawScenario", "struct", "unit value"] {
        assert!(!said[0].contains(internal), "{internal} in {}", said[0]);
    }
}

fn walkthrough() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/article/walkthrough.scenario.yaml")
}

#[test]
fn a_mapped_load_sends_the_walkthrough_to_the_participants_namespace_and_says_so() {
    let map = NamespaceMap::parse(["dev=alice-dev", "prod=alice-prod"]).expect("a valid map");
    let mapped = load_file_mapped(&walkthrough(), &LoadOptions::default(), &MapPlan::Pairs(map)).expect("loads");
    assert_eq!(mapped.scenario.namespaces, ["alice-dev"]);
    let first = format!("{:?}", mapped.scenario.steps[0].action);
    assert!(first.contains(r#"args: ["create", "namespace", "alice-dev"]"#) && first.contains("namespace/alice-dev created"), "{first}");
    assert_eq!(mapped.report.unused, ["prod"]);
    assert!(
        mapped.report.to_string().starts_with("namespaces: dev -> alice-dev; not used by this scenario: prod; isolable"),
        "{}",
        mapped.report
    );
    // The article's text stays the article's: step names and sections are not mapped.
    assert_eq!(mapped.scenario.steps[0].name, "create the namespace dev");
}

#[rstest]
#[case::not_a_pair(&["dev"], "`dev` is not a namespace pair; write SOURCE=TARGET, e.g. dev=alice-dev")]
#[case::same_source(&["dev=a", "dev=b"], "`dev` is mapped twice (to `a` and to `b`)")]
#[case::not_a_label(&["dev=Alice_Dev"], "`Alice_Dev` in `dev=Alice_Dev` is not a namespace name")]
fn a_bad_namespace_map_is_refused_with_the_pair_it_comes_from(#[case] items: &[&str], #[case] want: &str) {
    let e = NamespaceMap::parse(items.iter().copied()).expect_err("refused");
    assert!(e.to_string().starts_with(want), "{e}");
}

#[test]
fn a_map_that_cannot_be_made_for_a_scenario_names_its_namespaces_line() {
    let e =
        load_file_mapped(&walkthrough(), &LoadOptions::default(), &MapPlan::Isolate { run_id: "Not-A-Run".into() }).expect_err("refused");
    let prefix = format!("{}/", Path::new(env!("CARGO_MANIFEST_DIR")).display());
    assert_eq!(
        e.0[0].to_string().replace(&prefix, ""),
        "scenarios/article/walkthrough.scenario.yaml:9:1: run id `Not-A-Run` must be 1 to 12 lower-case letters or digits"
    );
}
