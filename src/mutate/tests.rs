//! Each operator on the article's own scenarios and manifests: what it changes, and that it yields
//! no mutant where it does not apply.

use super::{plan, Mutant, Operator};
use crate::scenario::{load_file, load_str, Action, LoadOptions, Scenario};
use rstest::rstest;
use std::path::{Path, PathBuf};

fn article(name: &str) -> Scenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/article").join(name);
    load_file(&path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn walkthrough() -> Scenario {
    article("walkthrough.scenario.yaml")
}

fn mutants(s: &Scenario, op: Operator) -> Vec<Mutant> {
    plan(s, &[op]).unwrap_or_else(|e| panic!("{e}")).mutants
}

fn ids(s: &Scenario, op: Operator) -> Vec<String> {
    mutants(s, op).into_iter().map(|m| m.id).collect()
}

/// The step of a mutant with this name, and the text it applies (stdin or inline manifest).
fn applied_text(m: &Mutant, step_name: &str) -> String {
    let step = m.scenario.steps.iter().find(|s| s.name == step_name).unwrap_or_else(|| panic!("no step `{step_name}` in {}", m.id));
    match &step.action {
        Action::Kubectl(k) => {
            assert!(k.args.contains(&"-".to_string()), "{:?} does not read stdin", k.args);
            k.stdin.clone().unwrap_or_default()
        }
        Action::Apply(a) => a.manifests.iter().map(|m| m.text.clone()).collect(),
        other => panic!("step `{step_name}` is {}", other.kind()),
    }
}

fn position(s: &Scenario, step_name: &str) -> usize {
    s.steps.iter().position(|st| st.name == step_name).unwrap_or_else(|| panic!("no step `{step_name}`"))
}

const ROLE_STEP: &str = "apply roles/pod-reader-role.yaml";
const BINDING_STEP: &str = "apply roles/pod-reader-rolebinding.yaml";
const POD_STEP: &str = "apply pod.yaml";
const SA_STEP: &str = "apply service-account/pod-inspector.yaml";
const FIRST_CHECK: &str = "pod-inspector alone may not list pods";

#[rstest]
#[case::over_grant(Operator::OverGrant, &[
    "over-grant:cluster-admin@sa:dev:pod-inspector",
    "over-grant:view@sa:dev:pod-inspector",
    "over-grant:edit@sa:dev:pod-inspector",
    "over-grant:cluster-admin@group:system:serviceaccounts:dev",
    "over-grant:cluster-admin@group:system:serviceaccounts",
    "over-grant:cluster-admin@group:system:authenticated",
])]
#[case::binding_to_cluster(Operator::BindingToCluster, &["binding-to-cluster:RoleBinding/dev/pod-reader"])]
#[case::skip_rbac(Operator::SkipRbac, &["skip-rbac:Role/dev/pod-reader", "skip-rbac:RoleBinding/dev/pod-reader"])]
#[case::subject_namespace(Operator::SubjectNamespace, &["subject-namespace:RoleBinding/dev/pod-reader#0"])]
#[case::subject_name(Operator::SubjectName, &["subject-name:RoleBinding/dev/pod-reader#0"])]
#[case::drop_verb(Operator::DropVerb, &["drop-verb:Role/dev/pod-reader#0:get", "drop-verb:Role/dev/pod-reader#0:list", "drop-verb:Role/dev/pod-reader#0:watch"])]
#[case::drop_sa_name(Operator::DropServiceAccountName, &["drop-serviceaccountname:Pod/dev/alpine-curl"])]
#[case::rename_sa(Operator::RenameServiceAccount, &["rename-serviceaccount:ServiceAccount/dev/pod-inspector"])]
#[case::automount_sa(Operator::AutomountServiceAccount, &["automount-serviceaccount:ServiceAccount/dev/pod-inspector"])]
#[case::automount_pod(Operator::AutomountPod, &["automount-pod:Pod/dev/alpine-curl"])]
#[case::binding_early(Operator::BindingEarly, &["binding-early:RoleBinding/dev/pod-reader"])]
#[case::token_duration_not_in_walkthrough(Operator::TokenDuration, &[])]
#[case::token_audience_not_in_walkthrough(Operator::TokenAudience, &[])]
#[case::token_expiration_not_in_walkthrough(Operator::TokenExpiration, &[])]
fn walkthrough_mutants_per_operator(#[case] op: Operator, #[case] expected: &[&str]) {
    assert_eq!(ids(&walkthrough(), op), expected);
}

#[rstest]
#[case::over_grant(Operator::OverGrant)]
#[case::binding_to_cluster(Operator::BindingToCluster)]
#[case::skip_rbac(Operator::SkipRbac)]
#[case::subject_namespace(Operator::SubjectNamespace)]
#[case::drop_verb(Operator::DropVerb)]
#[case::binding_early(Operator::BindingEarly)]
#[case::token_audience(Operator::TokenAudience)]
fn disable_automount_has_no_rbac_to_mutate(#[case] op: Operator) {
    assert_eq!(ids(&article("disable-automount.scenario.yaml"), op), Vec::<String>::new());
}

#[test]
fn over_grant_binds_cluster_admin_before_the_first_access_check_and_cleans_it_up() {
    let s = walkthrough();
    let m = &mutants(&s, Operator::OverGrant)[0];
    let at = position(&s, FIRST_CHECK);
    let added = &m.scenario.steps[at];
    assert_eq!(added.name, "mutant: bind cluster-admin to sa:dev:pod-inspector");
    assert_eq!(added.index, at + 1, "steps are renumbered");
    assert_eq!(m.scenario.steps[at + 1].name, FIRST_CHECK);
    assert_eq!(m.scenario.steps.len(), s.steps.len() + 1);
    assert!(m.injected.contains(&(at + 1)));
    let text = applied_text(m, &added.name);
    for want in ["kind: ClusterRoleBinding", "name: cluster-admin", "kind: ServiceAccount", "name: pod-inspector", "namespace: dev"] {
        assert!(text.contains(want), "{want} missing from\n{text}");
    }
    let crb = m.scenario.cleanup.iter().find(|r| r.kind == "ClusterRoleBinding").expect("the binding is in the cleanup list");
    assert_eq!(crb.name.as_deref(), Some("sa-conformance-mutant-cluster-admin-sa-dev-pod-inspector"));
    let groups = mutants(&s, Operator::OverGrant);
    assert!(applied_text(&groups[5], "mutant: bind cluster-admin to group:system:authenticated").contains("name: \"system:authenticated\""));
    // a grant to every user is named after the scenario's namespace, so two scenarios' copies can run at once
    let everyone = groups[5].scenario.cleanup.iter().find(|r| r.kind == "ClusterRoleBinding").and_then(|r| r.name.clone());
    assert_eq!(everyone.as_deref(), Some("sa-conformance-mutant-cluster-admin-group-system-authenticated-for-dev"));
}

#[test]
fn binding_to_cluster_copies_the_role_rules_into_a_cluster_role() {
    let m = &mutants(&walkthrough(), Operator::BindingToCluster)[0];
    let text = applied_text(m, BINDING_STEP);
    assert!(!text.contains("kind: RoleBinding"), "{text}");
    for want in ["kind: ClusterRole\n", "- watch", "kind: ClusterRoleBinding", "name: sa-conformance-mutant-dev-pod-reader"] {
        assert!(text.contains(want), "{want} missing from\n{text}");
    }
    let kinds: Vec<&str> = m.scenario.cleanup.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds, ["ClusterRoleBinding", "ClusterRole"]);
}

#[test]
fn skip_rbac_removes_the_documented_apply() {
    let s = walkthrough();
    for m in mutants(&s, Operator::SkipRbac) {
        let gone = if m.id.contains("RoleBinding") { BINDING_STEP } else { ROLE_STEP };
        assert!(m.scenario.steps.iter().all(|st| st.name != gone), "{} kept {gone}", m.id);
        assert_eq!(m.scenario.steps.len(), s.steps.len() - 1);
        assert!(m.scenario.steps.iter().enumerate().all(|(i, st)| st.index == i + 1));
    }
}

#[rstest]
#[case::namespace(Operator::SubjectNamespace, "namespace: sa-conformance-mutant-elsewhere", "namespace: dev\n  kind: ServiceAccount")]
#[case::name(Operator::SubjectName, "name: pod-inspector-mutant", "name: pod-inspector\n")]
fn subject_mutants_point_the_binding_elsewhere(#[case] op: Operator, #[case] present: &str, #[case] absent: &str) {
    let m = &mutants(&walkthrough(), op)[0];
    let text = applied_text(m, BINDING_STEP);
    assert!(text.contains(present), "{text}");
    assert!(!text.contains(absent), "{text}");
}

#[test]
fn drop_verb_removes_one_verb_only() {
    let all = mutants(&walkthrough(), Operator::DropVerb);
    let text = applied_text(&all[2], ROLE_STEP);
    assert!(text.contains("- get\n") && text.contains("- list\n") && !text.contains("watch"), "{text}");
}

#[test]
fn identity_mutants_change_the_pod_or_the_serviceaccount() {
    let s = walkthrough();
    let pod = applied_text(&mutants(&s, Operator::DropServiceAccountName)[0], POD_STEP);
    assert!(!pod.contains("serviceAccountName") && pod.contains("name: alpine-curl"), "{pod}");
    let sa = applied_text(&mutants(&s, Operator::RenameServiceAccount)[0], SA_STEP);
    assert!(sa.contains("name: pod-inspector-renamed"), "{sa}");
    let sa = applied_text(&mutants(&s, Operator::AutomountServiceAccount)[0], SA_STEP);
    assert!(sa.contains("automountServiceAccountToken: false"), "{sa}");
    let pod = applied_text(&mutants(&s, Operator::AutomountPod)[0], POD_STEP);
    assert!(pod.contains("automountServiceAccountToken: false"), "{pod}");
}

#[test]
fn automount_pod_flips_what_the_pod_inherits_from_its_serviceaccount() {
    let s = article("disable-automount.scenario.yaml");
    let all = mutants(&s, Operator::AutomountPod);
    let m = all.iter().find(|m| m.id == "automount-pod:Pod/dev/no-api-curl").expect("mutant of no-api-curl");
    assert!(m.change.description.contains("unset (false from its ServiceAccount) -> true"), "{}", m.change.description);
    let nginx = all.iter().find(|m| m.id == "automount-pod:Pod/dev/nginx").expect("mutant of nginx");
    assert!(nginx.change.description.contains("automountServiceAccountToken false -> true"), "{}", nginx.change.description);
}

#[test]
fn binding_early_moves_the_role_and_rolebinding_before_the_first_access_check() {
    let s = walkthrough();
    let m = &mutants(&s, Operator::BindingEarly)[0];
    let check = position(&m.scenario, FIRST_CHECK);
    assert_eq!(position(&m.scenario, ROLE_STEP) + 1, position(&m.scenario, BINDING_STEP));
    assert_eq!(position(&m.scenario, BINDING_STEP) + 1, check);
    assert!(position(&m.scenario, SA_STEP) < position(&m.scenario, ROLE_STEP));
    assert_eq!(m.scenario.steps.len(), s.steps.len());
    assert!(m.injected.is_empty(), "moved documented steps are not the mutant's own");
    assert!(
        m.change.description.contains("RoleBinding/dev/pod-reader with Role/dev/pod-reader applied before step 7"),
        "{}",
        m.change.description
    );
}

#[test]
fn a_manifest_among_several_in_one_apply_is_skipped_or_moved_alone() {
    let s = article("default-service-accounts.scenario.yaml");
    let step = "apply the article's pod-inspector, its Role and its RoleBinding";
    let origins = |m: &Mutant| match &m.scenario.steps[position(&m.scenario, step)].action {
        Action::Apply(a) => a.manifests.iter().map(|x| x.origin.clone()).collect::<Vec<_>>(),
        other => panic!("{}", other.kind()),
    };
    let skip = mutants(&s, Operator::SkipRbac).into_iter().find(|m| m.id == "skip-rbac:RoleBinding/dev/pod-reader").expect("mutant");
    assert_eq!(origins(&skip).len(), 2, "{:?}", origins(&skip));
    assert!(origins(&skip).iter().all(|o| !o.contains("rolebinding")), "{:?}", origins(&skip));
    let early = &mutants(&s, Operator::BindingEarly)[0];
    assert_eq!(origins(early).len(), 1, "only the ServiceAccount stays: {:?}", origins(early));
    assert!(origins(early)[0].contains("service-account/pod-inspector.yaml"), "{:?}", origins(early));
    let added: Vec<&crate::scenario::Step> = early.scenario.steps.iter().filter(|st| st.name.starts_with("mutant: ")).collect();
    assert_eq!(added.len(), 2, "the Role and the RoleBinding, each split out");
    let text: String = added.iter().map(|st| applied_text(early, &st.name)).collect();
    assert!(text.contains("kind: Role\n") && text.contains("kind: RoleBinding"), "{text}");
}

#[test]
fn token_duration_changes_the_documented_flag() {
    let s = article("manual-tokens.scenario.yaml");
    let all = mutants(&s, Operator::TokenDuration);
    assert!(!all.is_empty());
    let m = &all[0];
    assert!(m.change.description.contains("10m -> 20m"), "{}", m.change.description);
    let changed: Vec<String> = m
        .scenario
        .steps
        .iter()
        .filter_map(|st| match &st.action {
            Action::Token(t) => t.command.clone(),
            Action::Kubectl(k) => Some(k.args.join(" ")),
            _ => None,
        })
        .filter(|c| c.contains("--duration=20m"))
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
}

const PROJECTED: &str = r#"
name: projected
namespaces: [dev]
steps:
  - name: apply a pod with a projected token
    apply:
      manifest: |
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: dev}
        spec:
          containers: [{name: c, image: busybox}]
          volumes:
            - name: t
              projected:
                sources:
                  - serviceAccountToken: {path: token, audience: vault, expirationSeconds: 600}
  - name: ask for a token
    token:
      serviceaccount: default
      namespace: dev
      duration: 1h
      audiences: [vault]
"#;

#[test]
fn token_mutants_change_audience_and_expiration() {
    let s = load_str(Path::new("inline.scenario.yaml"), PROJECTED, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ids(&s, Operator::TokenAudience), ["token-audience:step2", "token-audience:Pod/dev/p"]);
    let pod = applied_text(&mutants(&s, Operator::TokenAudience)[1], "apply a pod with a projected token");
    assert!(pod.contains("audience: sa-conformance-mutant") && !pod.contains("vault"), "{pod}");
    let pod = applied_text(&mutants(&s, Operator::TokenExpiration)[0], "apply a pod with a projected token");
    assert!(pod.contains("expirationSeconds: 1200"), "{pod}");
    let d = &mutants(&s, Operator::TokenDuration)[0];
    assert!(d.change.description.contains("1h -> 2h"), "{}", d.change.description);
    assert_eq!(ids(&s, Operator::DropServiceAccountName), Vec::<String>::new(), "the pod names no ServiceAccount");
}

const POLICY: &str = r#"
name: policy
namespaces: [dev]
mutants:
  skip:
    - { operator: drop-verb, reason: the Role has one verb the article never exercises }
  accept:
    - { id: "automount-pod:Pod/dev/p", reason: the pod never calls the API }
steps:
  - name: apply
    apply:
      manifest: |
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: dev}
        spec: {containers: [{name: c, image: busybox}]}
"#;

#[test]
fn policy_skips_operators_and_accepts_survivors_with_reasons() {
    let s = load_str(Path::new("p.scenario.yaml"), POLICY, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let p = plan(&s, &[]).unwrap();
    assert_eq!(p.skipped, [(Operator::DropVerb, "the Role has one verb the article never exercises".to_string())]);
    let m = p.mutants.iter().find(|m| m.id == "automount-pod:Pod/dev/p").expect("mutant");
    assert_eq!(p.accepted(m).map(|a| a.reason.as_str()), Some("the pod never calls the API"));
}

#[rstest]
#[case::unknown_operator("skip: [{ operator: no-such-op, reason: x }]", "skip: unknown operator `no-such-op`")]
#[case::empty_reason("skip: [{ operator: drop-verb, reason: \"\" }]", "skip: operator `drop-verb` needs a reason")]
#[case::accept_needs_a_target("accept: [{ reason: because }]", "accept: each entry needs an `id` or an `operator`")]
fn policy_without_reason_or_with_unknown_operator_is_refused(#[case] key: &str, #[case] message: &str) {
    let text = POLICY.replace("mutants:\n  skip:\n    - { operator: drop-verb, reason: the Role has one verb the article never exercises }\n  accept:\n    - { id: \"automount-pod:Pod/dev/p\", reason: the pod never calls the API }", &format!("mutants: {{ {key} }}"));
    assert!(text.contains(key), "{text}");
    let s = load_str(Path::new("p.scenario.yaml"), &text, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let e = plan(&s, &[]).unwrap_err();
    assert!(e.to_string().contains(message), "{e}");
}

#[test]
fn unknown_key_under_mutants_is_a_load_error() {
    let text = POLICY.replace("  skip:", "  ignore: []\n  skip:");
    assert!(load_str(Path::new("p.scenario.yaml"), &text, &LoadOptions::default()).is_err());
}

fn outcome() -> super::MutateOutcome {
    use super::run::{KilledBy, MutantResult, ScenarioKills};
    use super::{Change, Verdict};
    let result = |id: &str, verdict, killed_by| MutantResult {
        id: id.into(),
        operator: Operator::BindingEarly,
        family: "order",
        change: Change { description: format!("{id} changed"), text: "kind: RoleBinding\n".into() },
        verdict,
        killed_by,
        reason: None,
        cleanup_errors: Vec::new(),
        duration_ms: 1500,
    };
    let by = KilledBy {
        step: 7,
        name: "pod-inspector alone may not list pods".into(),
        location: "w.yaml:70".into(),
        claims: vec!["serviceaccount-alone-does-nothing".into()],
        why: "answer".into(),
    };
    super::MutateOutcome {
        cluster: "c".into(),
        server: "https://127.0.0.1:1".into(),
        interrupted: false,
        duration_ms: 5000,
        scenarios: vec![ScenarioKills {
            name: "s".into(),
            file: "s.scenario.yaml".into(),
            claims: vec!["serviceaccount-alone-does-nothing".into(), "never-kills".into()],
            baseline_failure: None,
            baseline_ms: 1000,
            skipped: Vec::new(),
            isolation: None,
            mutants: vec![result("binding-early:a", Verdict::Killed, Some(by)), result("binding-early:b", Verdict::Survived, None)],
            duration_ms: 4000,
        }],
    }
}

#[test]
fn a_survivor_fails_the_run_and_every_report_shows_its_change() {
    let run = outcome();
    assert!(!run.ok());
    let table = super::render_table(&run);
    assert!(table.contains("s: 2 mutants, 1 killed, 1 survived, 0 accepted, 0 errors"), "{table}");
    assert!(table.contains("SURVIVED binding-early:b: binding-early:b changed\n      kind: RoleBinding"), "{table}");
    assert!(table.contains("7 `pod-inspector alone may not list pods`: serviceaccount-alone-does-nothing"), "{table}");
    assert!(table.contains("claims that killed none: never-kills"), "{table}");
    let xml = super::to_junit(&run).unwrap();
    assert!(xml.contains(r#"<testcase name="binding-early:b""#) && xml.contains("mutant survived: binding-early:b changed"), "{xml}");
    let json: serde_json::Value = serde_json::from_str(&super::to_json(&run).unwrap()).unwrap();
    assert_eq!(json["scenarios"][0]["by_claim"]["serviceaccount-alone-does-nothing"][0], "binding-early:a");
    assert_eq!(json["scenarios"][0]["mutants"][1]["verdict"], "survived");
}

#[test]
fn a_token_in_a_mutant_never_reaches_the_kill_matrix_files() {
    let jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGV2OnBvZC1pbnNwZWN0b3IifQ.c2ln";
    let mut run = outcome();
    run.scenarios[0].mutants[1].change.text = format!("kind: Secret\nnote: {jwt}\n");
    run.scenarios[0].mutants[0].killed_by.as_mut().expect("killed").why = format!("curl -H 'Authorization: Bearer {jwt}'");
    let dir = tempfile::tempdir().unwrap();
    for (format, name) in [(crate::report::Format::Json, "m.json"), (crate::report::Format::Junit, "m.xml")] {
        let out = crate::report::Output::new(format, dir.path().join(name));
        out.write(&run).unwrap();
        let text = std::fs::read_to_string(&out.path).unwrap();
        assert!(!text.contains("eyJhbGci") && !text.contains("eyJzdWIi"), "{format}: {text}");
    }
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("m.json")).unwrap()).unwrap();
    assert_eq!(json["scenarios"][0]["mutants"][1]["change"]["text"], "kind: Secret\nnote: <redacted-jwt>\n");
}

#[test]
fn an_accepted_survivor_passes_the_run() {
    let mut run = outcome();
    run.scenarios[0].mutants[1].verdict = super::Verdict::Accepted;
    assert!(run.ok());
}

/// Steps that use a captured value (`${uid}`): the runner builds them again from their YAML.
const CAPTURED: &str = r#"
name: captured
namespaces: [dev]
steps:
  - name: the ServiceAccount
    apply:
      manifest: |
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: robot, namespace: dev}
  - name: read a uid
    kubectl: { command: kubectl get serviceaccount robot -n dev -o json }
    capture: { uid: json.metadata.uid, ns: json.metadata.namespace }
  - name: robot may not list pods in its namespace
    can-i: { as: "system:serviceaccount:dev:robot", verb: list, resource: pods, namespace: "${ns}", expect: "no" }
  - name: a token for the uid
    token:
      serviceaccount: robot
      namespace: dev
      duration: 1h
      expect:
        claims:
          - { path: kubernetes\.io.serviceaccount.uid, equals: "${uid}" }
        whoami: { username: system:serviceaccount:dev:robot }
  - name: a pod named for the uid
    apply:
      manifest: |
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: dev, labels: {uid: "${uid}"}}
        spec:
          serviceAccountName: robot
          containers: [{name: c, image: busybox}]
"#;

#[test]
fn a_mutant_of_a_step_with_captured_values_changes_its_yaml_too() {
    let s = load_str(Path::new("inline.scenario.yaml"), CAPTURED, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(s.steps[3].deferred.is_some(), "the token step waits for ${{uid}}");
    let d = &mutants(&s, Operator::TokenDuration)[0];
    assert_eq!(d.lost, None, "{:?}", d.lost);
    let node = &d.scenario.steps[3].deferred.as_ref().expect("still rebuilt from its YAML").node;
    assert_eq!(node.path(&["token", "duration"]).and_then(|n| n.as_str()), Some("2h"), "the YAML the runner rebuilds from is mutated");
}

#[test]
fn a_mutant_whose_change_would_be_lost_on_rebuild_is_not_run() {
    let s = load_str(Path::new("inline.scenario.yaml"), CAPTURED, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    // A `token` step's own keys other than duration (here: an audience list added by hand) are not
    // carried into its YAML by any operator: such a change is reported, never run unmutated.
    let mut d = mutants(&s, Operator::TokenDuration).remove(0);
    d.scenario.steps[3].deferred = s.steps[3].deferred.clone();
    let mut draft = super::draft::Draft::new(Operator::TokenDuration, "x", "x", "x", d.scenario.steps.clone());
    draft.injected.clear();
    let lost = super::plan::lost_on_rebuild(&s, &mut draft);
    assert!(lost.as_deref().is_some_and(|l| l.contains("step 4 `a token for the uid`")), "{lost:?}");
}

#[test]
fn a_manifest_mutant_of_a_step_with_captured_values_is_carried_into_its_yaml() {
    let s = load_str(Path::new("inline.scenario.yaml"), CAPTURED, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(s.steps[4].deferred.is_some(), "the manifest step waits for ${{uid}} too");
    let all = mutants(&s, Operator::DropServiceAccountName);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].lost, None);
    let node = &all[0].scenario.steps[4].deferred.as_ref().expect("rebuilt from its YAML").node;
    let manifest = node.path(&["apply", "manifest"]).and_then(|n| n.as_str()).unwrap_or_default();
    assert!(!manifest.contains("serviceAccountName"), "the YAML the runner rebuilds from is mutated: {manifest}");
    assert!(manifest.contains(&crate::capture::placeholder("uid")), "and still waits for the captured value: {manifest}");
}

/// A TokenReview read from stdin that names a captured token (manual-tokens asks this way).
const CAPTURED_REVIEW: &str = r#"
name: captured-review
namespaces: [dev]
steps:
  - kubectl: { command: kubectl create serviceaccount robot -n dev }
  - name: a token
    token: { serviceaccount: robot, namespace: dev }
    capture: { t: token }
  - name: the review
    kubectl:
      command: kubectl create -f - -o json
      stdin: |
        apiVersion: authentication.k8s.io/v1
        kind: TokenReview
        spec:
          token: "${t}"
          audiences: [api, fresh]
      expect:
        stdout:
          json: [{ path: status.authenticated, equals: true }]
"#;

#[test]
fn a_mutant_of_a_document_on_stdin_with_captured_values_is_carried_into_its_yaml() {
    let s = load_str(Path::new("inline.scenario.yaml"), CAPTURED_REVIEW, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(s.steps[2].deferred.is_some(), "the review waits for ${{t}}");
    let all = mutants(&s, Operator::TokenAudience);
    assert_eq!(all.len(), 1, "{:?}", all.iter().map(|m| &m.id).collect::<Vec<_>>());
    assert_eq!(all[0].lost, None, "the change reaches the cluster");
    let node = &all[0].scenario.steps[2].deferred.as_ref().expect("rebuilt from its YAML").node;
    let stdin = node.path(&["kubectl", "stdin"]).and_then(|n| n.as_str()).unwrap_or_default();
    assert!(
        stdin.contains(super::identity::MUTANT_AUDIENCE) && !stdin.contains("fresh"),
        "the YAML the runner rebuilds from is mutated: {stdin}"
    );
    assert!(stdin.contains(&crate::capture::placeholder("t")), "and still waits for the captured token: {stdin}");
}

#[test]
fn an_injected_step_is_never_rebuilt_from_its_neighbour() {
    let s = load_str(Path::new("inline.scenario.yaml"), CAPTURED, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let all = mutants(&s, Operator::OverGrant);
    assert!(!all.is_empty(), "the scenario's ServiceAccounts get over-grant mutants");
    let before_deferred =
        |m: &Mutant| m.injected.iter().any(|i| s.steps.iter().any(|st| st.deferred.is_some() && st.name == m.scenario.steps[*i].name));
    assert!(all.iter().any(before_deferred), "some mutant injects its binding right before a step that uses a captured value");
    for m in all {
        for i in &m.injected {
            assert!(m.scenario.steps[i - 1].deferred.is_none(), "{}: injected step {i} keeps a YAML to rebuild from", m.id);
        }
        assert_eq!(m.lost, None, "{}", m.id);
    }
}

#[test]
fn an_injected_step_takes_nothing_but_its_place_from_its_neighbour() {
    // In the shipped example the first access check captures `response.status`: an injected grant
    // that kept that capture failed as "the mutant's own step".
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/examples/captured-values.scenario.yaml");
    let s = load_file(&path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let all = mutants(&s, Operator::OverGrant);
    assert!(!all.is_empty());
    let mut neighbour_captures = false;
    for m in &all {
        for i in &m.injected {
            let (injected, next) = (&m.scenario.steps[i - 1], &m.scenario.steps[*i]);
            neighbour_captures |= !next.capture.is_empty();
            assert!(injected.capture.is_empty() && injected.erratum.is_none() && injected.when_version.is_none(), "{}: {injected:?}", m.id);
            assert!(injected.inapplicable.is_none() && injected.within.is_zero() && injected.stable_for.is_none(), "{}", m.id);
        }
    }
    assert!(neighbour_captures, "the example's first access check captures a value (else this test proves nothing)");
}
