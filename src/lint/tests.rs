//! Whole-lint tests over the fixture files in tests/lint_fixtures: the article's own manifests give
//! exactly the findings the article predicts, a manifest breaking every practice trips every rule on
//! the right lines, SARIF output has the shape code-scanning tools read, and broken YAML is an
//! error naming file and line, never a panic.

use super::*;
use proptest::prelude::*;
use rstest::rstest;
use std::collections::BTreeSet;

fn fixtures(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lint_fixtures").join(sub)
}

/// `(file relative to the fixtures dir, line, rule, severity, object)` of each finding.
fn summarize(findings: &[Finding]) -> Vec<(String, usize, &'static str, Severity, String)> {
    let root = fixtures("");
    findings
        .iter()
        .map(|f| {
            let rel = f.file.strip_prefix(&root).unwrap_or(&f.file).display().to_string();
            (rel, f.line, f.rule, f.severity, f.object.clone())
        })
        .collect()
}

fn row(file: &str, line: usize, rule: &'static str, sev: Severity, object: &str) -> (String, usize, &'static str, Severity, String) {
    (file.to_string(), line, rule, sev, object.to_string())
}

fn alpine_curl_calls_the_api() -> LintContext {
    LintContext { api_callers: Some(BTreeSet::from([("dev".to_string(), "alpine-curl".to_string())])) }
}

/// The article's manifests, linted knowing that alpine-curl (and only it) calls the API:
/// alpine-curl keeps its token because it uses it; nginx turns automount off; Role pod-reader only
/// reads pods; alpine-curl runs as pod-inspector. The one finding is that the article's nginx pod
/// names no serviceAccountName and so runs as `default`, which its own best practices advise against.
#[test]
fn article_manifests_give_exactly_the_findings_the_article_predicts() {
    let findings = lint_files(&[fixtures("article")], &alpine_curl_calls_the_api()).unwrap();
    assert_eq!(summarize(&findings), vec![row("article/nginx-pod.yaml", 6, "SA001", Severity::Warning, "Pod/dev/nginx")]);
}

/// Without knowing who calls the API, alpine-curl's mounted token is only worth an `info`, and
/// nginx (automount off) is not mentioned at all.
#[test]
fn article_manifests_without_caller_knowledge_only_inform_about_alpine_curl() {
    let findings = lint_files(&[fixtures("article")], &LintContext::default()).unwrap();
    assert_eq!(
        summarize(&findings),
        vec![
            row("article/nginx-pod.yaml", 6, "SA001", Severity::Warning, "Pod/dev/nginx"),
            row("article/pod.yaml", 6, "SA009", Severity::Info, "Pod/dev/alpine-curl"),
        ]
    );
}

/// The article's "complete example" file is clean; its directory's claims.yaml is not linted.
#[rstest]
#[case::alpine_curl_calls_the_api(alpine_curl_calls_the_api(), vec![])]
#[case::callers_unknown(LintContext::default(), vec![row("complete/service-account-demo.yaml", 17, "SA009", Severity::Info, "Pod/dev/alpine-curl")])]
#[case::nobody_calls_the_api(LintContext { api_callers: Some(BTreeSet::new()) }, vec![row("complete/service-account-demo.yaml", 17, "SA009", Severity::Warning, "Pod/dev/alpine-curl")])]
fn article_complete_example(#[case] ctx: LintContext, #[case] expected: Vec<(String, usize, &'static str, Severity, String)>) {
    let findings = lint_files(&[fixtures("complete")], &ctx).unwrap();
    assert_eq!(summarize(&findings), expected);
}

#[test]
fn insecure_manifests_trip_every_rule_on_the_right_lines() {
    let findings = lint_files(&[fixtures("insecure")], &LintContext::default()).unwrap();
    let (rbac, shared, workload) = ("insecure/rbac.yaml", "insecure/shared.yaml", "insecure/workload.yaml");
    let (role, deploy) = ("ClusterRole/app-reader", "Deployment/shop/web");
    use Severity::{Error, Info, Warning};
    assert_eq!(
        summarize(&findings),
        vec![
            row(rbac, 7, "SA006", Warning, role),
            row(rbac, 9, "SA004", Warning, role),
            row(rbac, 10, "SA003", Error, role),
            row(rbac, 11, "SA002", Error, role),
            row(rbac, 14, "SA007", Error, role),
            row(rbac, 14, "SA007", Error, role),
            row(rbac, 16, "SA008", Warning, role),
            row(rbac, 20, "SA005", Warning, "ClusterRoleBinding/app-reader"),
            row(shared, 9, "SA011", Warning, "Pod/shop/api"),
            row(shared, 26, "SA011", Warning, "CronJob/shop/report"),
            row(workload, 19, "SA001", Warning, deploy),
            row(workload, 19, "SA009", Info, deploy),
            row(workload, 31, "SA010", Warning, "Secret/shop/app-token"),
        ]
    );
    let fired: BTreeSet<_> = findings.iter().map(|f| f.rule).collect();
    let all: BTreeSet<_> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(fired, all, "every rule has a fixture that trips it");
}

#[test]
fn messages_and_fixes_are_single_lines() {
    let findings = lint_files(&[fixtures("insecure"), fixtures("article")], &LintContext::default()).unwrap();
    for f in &findings {
        assert!(!f.message.is_empty() && !f.message.contains('\n'), "{f:?}");
        assert!(!f.fix.is_empty() && !f.fix.contains('\n'), "{f:?}");
    }
}

#[test]
fn sarif_has_the_shape_code_scanning_reads() {
    let findings = lint_files(&[fixtures("insecure")], &LintContext::default()).unwrap();
    let sarif = to_sarif(&findings);
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &sarif["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "sa-conformance");
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), RULES.len());
    for r in rules {
        assert!(r["id"].is_string() && r["shortDescription"]["text"].is_string() && r["help"]["text"].is_string());
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    for (res, f) in results.iter().zip(&findings) {
        assert_eq!(res["ruleId"], f.rule);
        let index = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], f.rule, "ruleIndex points at the rule");
        assert!(["error", "warning", "note"].contains(&res["level"].as_str().unwrap()));
        assert!(res["message"]["text"].as_str().unwrap().contains(&f.message));
        let loc = &res["locations"][0]["physicalLocation"];
        assert!(loc["artifactLocation"]["uri"].as_str().unwrap().ends_with(".yaml"));
        assert_eq!(loc["region"]["startLine"], f.line);
    }
    let info = results.iter().find(|r| r["ruleId"] == "SA009").unwrap();
    assert_eq!(info["level"], "note", "SARIF calls info a note");
}

#[test]
fn malformed_yaml_is_an_error_naming_file_and_line() {
    let file = fixtures("malformed/broken.yaml");
    let err = lint_files(std::slice::from_ref(&file), &LintContext::default()).unwrap_err();
    let LintError::Yaml { file: named, line, column, .. } = &err else { panic!("expected a YAML error, got {err}") };
    assert_eq!(named, &file);
    assert_eq!((*line, *column), (9, 9));
    assert!(err.to_string().starts_with(&format!("{}:9:9: invalid YAML: ", file.display())), "{err}");
}

#[rstest]
#[case::bad_indent("kind: Pod\nmetadata:\n  name: p\n namespace: dev\n", "4:11")]
#[case::unclosed_flow("kind: Role\nrules:\n- verbs: [get, list\n", "4:1")]
#[case::tab_indent("kind: Pod\nspec:\n\tcontainers: []\n", "3:2")]
#[case::duplicate_key("kind: Pod\nmetadata:\n  name: p\n  name: q\n", "4:3")]
fn syntax_errors_name_the_line_and_column(#[case] text: &str, #[case] at: &str) {
    let err = lint_documents(Path::new("inline.yaml"), text, &LintContext::default()).unwrap_err();
    assert!(err.to_string().starts_with(&format!("inline.yaml:{at}: invalid YAML")), "{err}");
}

/// Odd but valid YAML: wrong types where lists or maps belong are skipped, not trusted or panicked on.
#[rstest]
#[case("")]
#[case("---\n---\n")]
#[case("- just\n- a list\n")]
#[case("kind: [1, 2]\n")]
#[case("kind: Role\nrules: 5\n")]
#[case("kind: Role\nrules:\n- verbs: get\n  resources: {a: b}\n")]
#[case("kind: Pod\nspec: []\n")]
#[case("kind: Pod\nspec:\n  serviceAccountName: [x]\n  automountServiceAccountToken: maybe\n")]
#[case("kind: ClusterRoleBinding\nsubjects: x\nroleRef: 3\n")]
#[case("kind: ClusterRoleBinding\nsubjects: []\nroleRef: {name: view}\n")]
#[case("kind: Secret\ntype: [kubernetes.io/service-account-token]\n")]
#[case("kind: List\nitems: 7\n")]
#[case("? [complex, key]\n: value\nkind: Pod\n")]
fn odd_shapes_lint_without_panicking(#[case] text: &str) {
    let result = lint_documents(Path::new("odd.yaml"), text, &LintContext::default());
    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn lint_documents_names_the_file_it_is_given() {
    let findings = lint_documents(Path::new("x/y.yaml"), "kind: Pod\nmetadata: {name: p}\nspec: {}\n", &LintContext::default()).unwrap();
    assert!(findings.iter().all(|f| f.file == Path::new("x/y.yaml")));
    assert_eq!(findings[0].line, 3);
}

const PIECES: &[&str] = &[
    "kind: Pod\n",
    "kind: Role\n",
    "kind: ClusterRoleBinding\n",
    "spec:\n",
    "rules:\n",
    "- ",
    "  ",
    "\t",
    "verbs: [\"*\"]\n",
    "resources: [secrets]\n",
    "---\n",
    "\"",
    "'",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "&a ",
    "*a ",
    "subjects:\n",
    "metadata: {name: x}\n",
    "automountServiceAccountToken: false\n",
    "\n",
    "#",
];

proptest! {
    #[test]
    fn arbitrary_yaml_like_text_never_panics(parts in prop::collection::vec(prop::sample::select(PIECES), 0..40)) {
        let text: String = parts.concat();
        let _ = lint_documents(Path::new("fuzz.yaml"), &text, &LintContext::default());
    }
}
/// What a reader sees for the article's manifests (file paths relative to the fixtures).
#[test]
fn console_output_for_the_article_reads_well() {
    let findings = lint_files(&[fixtures("article")], &LintContext::default()).unwrap();
    let root = format!("{}/", fixtures("").display().to_string().trim_end_matches('/'));
    let text = render_console(&findings).replace(&root, "");
    let expected = "\
article/nginx-pod.yaml:6: warning[SA001] Pod/dev/nginx: no spec.serviceAccountName, so it runs as the default ServiceAccount \
(fix: create a ServiceAccount for this workload in namespace dev and set spec.serviceAccountName to it)
article/pod.yaml:6: info[SA009] Pod/dev/alpine-curl: mounts a token for ServiceAccount pod-inspector; cannot tell whether \
this pod calls the API (fix: set spec.automountServiceAccountToken: false, or automountServiceAccountToken: false on \
ServiceAccount pod-inspector)
2 findings: 0 errors, 1 warning, 1 info
";
    assert_eq!(text, expected);
}

/// A pod's ServiceAccount and a binding's ClusterRole count wherever they are among the linted files.
#[test]
fn objects_in_other_files_are_seen() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "a-sa.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: dev}\nautomountServiceAccountToken: false\n",
    );
    write("b-pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: dev}\nspec:\n  serviceAccountName: app\n");
    write("c-role.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\nrules:\n- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [get]\n");
    write("d-crb.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: reader}\nroleRef: {kind: ClusterRole, name: reader}\nsubjects:\n- {kind: ServiceAccount, name: app, namespace: dev}\n");
    let findings = lint_files(&[dir.path().to_path_buf()], &LintContext { api_callers: Some(BTreeSet::new()) }).unwrap();
    let got: Vec<_> = findings.iter().map(|f| (f.rule, f.file.file_name().unwrap().to_str().unwrap().to_string(), f.line)).collect();
    assert_eq!(got, vec![("SA005", "d-crb.yaml".to_string(), 2)], "SA009 is off through a-sa.yaml; SA005 reads c-role.yaml");
}

/// A custom resource that happens to be called `Role` (Crossplane's AWS IAM Role, say) is not RBAC.
#[test]
fn same_named_kinds_of_other_api_groups_are_not_linted() {
    let text = "apiVersion: iam.aws.crossplane.io/v1beta1\nkind: Role\nmetadata: {name: r}\nrules:\n- apiGroups: [\"*\"]\n  resources: [\"*\"]\n  verbs: [\"*\"]\n";
    let findings = lint_documents(Path::new("crd.yaml"), text, &LintContext::default()).unwrap();
    assert_eq!(findings, vec![]);
}

/// apply and the lint read a manifest the same way (Kubernetes' YAML 1.1): an unquoted `no` is false to
/// both, `yes` true to both, a quoted "no" a string to both. Under the old readers apply sent "no".
#[rstest]
#[case::unquoted_no("no", serde_json::json!(false), false)]
#[case::unquoted_off("off", serde_json::json!(false), false)]
#[case::unquoted_yes("yes", serde_json::json!(true), true)]
#[case::quoted_no("\"no\"", serde_json::json!("no"), true)]
fn apply_and_lint_agree_on_yaml_1_1_booleans(#[case] written: &str, #[case] applied: serde_json::Value, #[case] token_mounted: bool) {
    let text = format!(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: app, namespace: dev}}\nautomountServiceAccountToken: {written}\n---\n\
         apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: dev}}\nspec:\n  serviceAccountName: app\n"
    );
    let docs = crate::api::parse_manifest(&text).unwrap();
    assert_eq!(docs[0]["automountServiceAccountToken"], applied, "what apply sends for `{written}`");
    let findings = lint_documents(Path::new("m.yaml"), &text, &LintContext { api_callers: Some(BTreeSet::new()) }).unwrap();
    let sa009 = findings.iter().any(|f| f.rule == "SA009");
    assert_eq!(sa009, token_mounted, "what the lint reads for `{written}`: {findings:?}");
}

/// What each finding says and how to fix it, word for word: the rule tables above assert rule and
/// line only, so a finding that named the wrong rule number, verb or ServiceAccount would pass them.
#[test]
fn insecure_manifests_say_what_is_wrong_and_how_to_fix_it() {
    let findings = lint_files(&[fixtures("insecure")], &LintContext::default()).unwrap();
    let said: Vec<(&str, usize, &str, &str)> = findings.iter().map(|f| (f.rule, f.line, f.message.as_str(), f.fix.as_str())).collect();
    assert_eq!(
        said,
        vec![
            ("SA006", 7, "rule 1 grants get, list on secrets: whoever is bound can read every Secret", "drop secrets from this rule, or limit it with resourceNames to the Secrets the workload reads"),
            ("SA004", 9, "rule 2 grants every API group (apiGroups: [\"*\"])", "name the API groups of those resources, e.g. \"\" for pods"),
            ("SA003", 10, "rule 2 grants every resource, Secrets included (resources: [\"*\"])", "name the resources the workload needs, e.g. pods"),
            ("SA002", 11, "rule 2 grants every verb (verbs: [\"*\"])", "list only the verbs the workload uses, e.g. get, list, watch"),
            ("SA007", 14, "rule 3 grants bind, which lets the holder bind roles granting permissions it does not hold", "remove bind; leave it to cluster administrators, not workloads"),
            ("SA007", 14, "rule 3 grants escalate, which lets the holder grant roles permissions it does not hold", "remove escalate; leave it to cluster administrators, not workloads"),
            ("SA008", 16, "rule 4 grants create on serviceaccounts/token: the holder can mint tokens for every ServiceAccount in scope", "remove it, or limit it with resourceNames to the one ServiceAccount that needs tokens"),
            ("SA005", 20, "grants ClusterRole view in every namespace to ServiceAccounts of namespace shop only", "unless they must act in other namespaces, use a RoleBinding in namespace shop with the same roleRef"),
            ("SA011", 9, "ServiceAccount shop/app also runs CronJob/shop/report", "give Pod/shop/api a ServiceAccount of its own and bind it only what this workload needs"),
            ("SA011", 26, "ServiceAccount shop/app also runs Pod/shop/api", "give CronJob/shop/report a ServiceAccount of its own and bind it only what this workload needs"),
            ("SA001", 19, "no spec.template.spec.serviceAccountName, so it runs as the default ServiceAccount", "create a ServiceAccount for this workload in namespace shop and set spec.template.spec.serviceAccountName to it"),
            ("SA009", 19, "mounts a token for ServiceAccount default; cannot tell whether its pods call the API", "set spec.template.spec.automountServiceAccountToken: false, or automountServiceAccountToken: false on ServiceAccount default"),
            ("SA010", 31, "holds a long-lived token for ServiceAccount app that never expires or rotates", "delete this Secret; use kubectl create token --duration or the projected token a pod mounts"),
        ]
    );
}

/// Reading Secrets limited by resourceNames names them; reading all of them says so.
#[test]
fn secret_read_names_the_secrets_a_rule_is_limited_to() {
    let role = |names: &str| {
        format!("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: r, namespace: n}}\nrules:\n- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get]\n{names}")
    };
    let messages =
        |text: &str| super::check::testing::lint(text).into_iter().filter(|f| f.rule == "SA006").map(|f| f.message).collect::<Vec<_>>();
    assert_eq!(
        messages(&role("  resourceNames: [db-password, api-key]\n")),
        ["rule 1 grants get on secrets: whoever is bound can read Secrets db-password, api-key"]
    );
    assert_eq!(messages(&role("")), ["rule 1 grants get on secrets: whoever is bound can read every Secret"]);
}
