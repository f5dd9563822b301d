//! Namespace mapping through the real loader: every shipped scenario, mapped, mentions none of its
//! article namespaces anywhere the runner looks (the checker below, which finds them all in an
//! unmapped load); words that are not namespaces stay; and without a map the load is unchanged.

use super::{load_file, load_file_mapped, load_str, load_str_mapped, Action, Isolation, LoadOptions, MapPlan, NamespaceMap, Scenario};
use rstest::rstest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn shipped() -> Vec<PathBuf> {
    let found = super::discover(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")).expect("scenarios/");
    assert!(found.len() >= 10, "found only {} scenarios", found.len());
    found
}

/// Every mention of `sources` left in what the runner sees of `s`: its namespaces, cleanup list and
/// each step's action (commands, expectations, manifests as loaded, stdin), and the `-f` files its
/// kubectl steps still read from disk. Prose (step names, doc, errata) is not looked at: it is left
/// as the article wrote it on purpose.
pub(super) fn unmapped_mentions(s: &Scenario, sources: &[String]) -> Vec<String> {
    let table: BTreeMap<String, String> = sources.iter().map(|n| (n.clone(), String::new())).collect();
    let mut found = Vec::new();
    let mut look = |place: String, text: &str| {
        // Debug text escapes line breaks and quotes; put them back so words keep their boundaries.
        let text = text.replace("\\n", "\n").replace("\\\"", "\"");
        for (range, source) in super::mentions::find(&text, &table) {
            let from = text[..range.start].char_indices().rev().nth(30).map_or(0, |(i, _)| i);
            let to = text[range.end..].char_indices().nth(30).map_or(text.len(), |(i, _)| range.end + i);
            found.push(format!("{place}: `{source}` in …{}…", &text[from..to]));
        }
    };
    look("namespaces".into(), &format!("{:?}", s.namespaces));
    look("cleanup".into(), &format!("{:?}", s.cleanup));
    // A lint reads the article's files as written (no cluster): it keeps the article's namespaces.
    for step in s.steps.iter().filter(|st| !matches!(st.action, Action::Lint(_))) {
        look(format!("step {} action", step.index), &format!("{:?}", step.action));
        if let Action::Kubectl(k) = &step.action {
            let mut words = k.args.iter();
            while let Some(w) = words.next() {
                let file = match w.as_str() {
                    "-f" | "--filename" => words.next().cloned(),
                    w => w.strip_prefix("--filename=").or_else(|| w.strip_prefix("-f")).map(String::from),
                };
                if let Some(file) = file.filter(|f| f != "-") {
                    let text = crate::footprint::read_tree(&s.dir().join(&file)).unwrap_or_default();
                    look(format!("step {} -f {file}", step.index), &text);
                }
            }
        }
    }
    found
}

fn pairs(items: &[(&str, &str)]) -> MapPlan {
    MapPlan::Pairs(NamespaceMap::parse(items.iter().map(|(s, t)| format!("{s}={t}"))).expect("a valid map"))
}

#[test]
fn every_shipped_scenario_mapped_with_each_of_its_namespaces_mentions_none_of_them() {
    for path in shipped() {
        let plain = load_file(&path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        let own: Vec<(String, String)> = plain.namespaces.iter().map(|n| (n.clone(), format!("alice-{n}"))).collect();
        let plan = MapPlan::Pairs(NamespaceMap::parse(own.iter().map(|(s, t)| format!("{s}={t}"))).expect("map"));
        for plan in [plan, MapPlan::Isolate { run_id: "r1".into() }] {
            let mapped = load_file_mapped(&path, &LoadOptions::default(), &plan).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let left = unmapped_mentions(&mapped.scenario, &plain.namespaces);
            assert!(left.is_empty(), "{} ({plan:?}) still mentions its namespaces:\n{}", path.display(), left.join("\n"));
            let objects: Vec<String> = mapped.report.renamed.keys().cloned().collect();
            let left = unmapped_mentions(&mapped.scenario, &objects);
            assert!(left.is_empty(), "{} ({plan:?}) still names its renamed objects:\n{}", path.display(), left.join("\n"));
        }
    }
}

#[test]
fn every_shipped_scenario_loads_with_dev_mapped_to_alice_dev() {
    for path in shipped() {
        let mapped = load_file_mapped(&path, &LoadOptions::default(), &pairs(&[("dev", "alice-dev")]))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let left = unmapped_mentions(&mapped.scenario, &["dev".to_string()]);
        assert!(left.is_empty(), "{}:\n{}", path.display(), left.join("\n"));
    }
}

#[test]
fn the_checker_finds_the_mentions_of_an_unmapped_load() {
    for path in shipped() {
        let plain = load_file(&path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        if !plain.namespaces.is_empty() {
            assert!(!unmapped_mentions(&plain, &plain.namespaces).is_empty(), "{}: the checker sees nothing", path.display());
        }
    }
}

#[test]
fn without_a_map_or_with_a_map_it_does_not_use_the_load_is_unchanged() {
    for path in shipped() {
        let plain = load_file(&path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        for plan in [MapPlan::Pairs(NamespaceMap::default()), pairs(&[("zz-unused", "alice-zz")])] {
            let mapped = load_file_mapped(&path, &LoadOptions::default(), &plan).unwrap_or_else(|e| panic!("{e}"));
            let actions = |s: &Scenario| {
                s.steps.iter().map(|st| format!("{:?} {:?}", st.action, st.deferred.as_ref().map(|d| &d.node))).collect::<Vec<_>>()
            };
            assert_eq!(actions(&mapped.scenario), actions(&plain), "{}", path.display());
            assert_eq!(
                format!("{:?}", (&mapped.scenario.namespaces, &mapped.scenario.cleanup)),
                format!("{:?}", (&plain.namespaces, &plain.cleanup))
            );
        }
    }
}

const FIXTURE: &str = r#"name: words
namespaces: [dev]
steps:
  - name: create the namespace dev
    kubectl: { command: "kubectl create namespace dev", expect: { stdout: { equals: namespace/dev created } } }
  - exec:
      pod: dev
      namespace: dev
      command: [sh, -c, "cat /dev/null; echo device dev-tools alice-dev; cat /var/run/secrets/kubernetes.io/serviceaccount/namespace"]
      expect: { stdout: { contains: dev } }
  - apply:
      manifest: |
        apiVersion: v1
        kind: ConfigMap
        metadata: { name: dev, namespace: dev }
        data: { dev: "/dev/null device dev-tools" }
  - assert:
      resource: { apiVersion: v1, kind: ConfigMap, name: dev, namespace: dev }
      fields:
        - { path: metadata.name, equals: dev }
        - { path: metadata.namespace, equals: dev }
  - assert:
      resource: { apiVersion: v1, kind: Namespace, name: dev }
      fields: [{ path: metadata.name, equals: dev }]
"#;

fn fixture(plan: &MapPlan) -> Scenario {
    load_str_mapped(Path::new("scenarios/words.scenario.yaml"), FIXTURE, &LoadOptions::default(), plan)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

#[rstest]
#[case::command(1, "create\", \"namespace\", \"alice-dev\"")]
#[case::expected_output(1, "namespace/alice-dev created")]
#[case::exec_namespace(2, "namespace: \"alice-dev\"")]
#[case::exec_stdout(2, "contains: OneOrMany([\"alice-dev\"])")]
#[case::manifest_namespace(3, "namespace: alice-dev }")]
#[case::field_namespace(4, "Some(String(\"alice-dev\"))")]
#[case::namespace_object(5, "name: Some(\"alice-dev\")")]
fn maps_what_names_a_namespace(#[case] step: usize, #[case] fragment: &str) {
    let s = fixture(&pairs(&[("dev", "alice-dev")]));
    let action = format!("{:?}", s.steps[step - 1].action);
    assert!(action.contains(fragment), "step {step}: no `{fragment}` in {action}");
}

#[rstest]
#[case::pod_named_dev(2, "pod: \"dev\"")]
#[case::device_files_and_longer_words(
    2,
    "cat /dev/null; echo device dev-tools alice-dev; cat /var/run/secrets/kubernetes.io/serviceaccount/namespace"
)]
#[case::configmap_named_dev(3, "metadata: { name: dev, namespace: alice-dev }")]
#[case::data_key_and_values(3, "data: { dev: \\\"/dev/null device dev-tools\\\" }")]
#[case::configmap_ref_name(4, "name: Some(\"dev\")")]
#[case::name_check_of_a_configmap(4, "path: \"metadata.name\", equals: Some(String(\"dev\"))")]
#[case::step_name_is_prose(1, "")]
fn leaves_what_is_not_a_namespace(#[case] step: usize, #[case] fragment: &str) {
    let s = fixture(&pairs(&[("dev", "alice-dev")]));
    let action = format!("{:?}", s.steps[step - 1].action);
    assert!(action.contains(fragment), "step {step}: no `{fragment}` in {action}");
    assert_eq!(s.steps[0].name, "create the namespace dev");
}

#[test]
fn the_fixture_loads_the_same_without_a_map() {
    let plain = load_str(Path::new("scenarios/words.scenario.yaml"), FIXTURE, &LoadOptions::default()).expect("loads");
    assert_eq!(format!("{:?}", plain.steps[0].action), format!("{:?}", fixture(&MapPlan::Pairs(NamespaceMap::default())).steps[0].action));
}

#[rstest]
#[case("article-walkthrough", None)]
#[case("complete-example", None)]
#[case("controllers", None)]
#[case("disable-automount", None)]
#[case("manual-tokens", None)]
#[case("rolebinding-vs-clusterrolebinding", None)]
#[case("example-captured-values", None)]
#[case("example-decode", None)]
#[case("example-token-cache", None)]
#[case("example-tokens-from-anywhere", None)]
// Both list every namespace's ServiceAccounts, and ask only for rows that other runs cannot take away.
#[case("default-service-accounts", None)]
#[case("namespaced-identities", None)]
#[case("users-and-service-accounts", Some("a ClusterRoleBinding grants to User bob across the cluster, which its copies would share"))]
fn each_shipped_scenario_is_isolable_or_says_why_it_runs_alone(#[case] name: &str, #[case] alone: Option<&str>) {
    let found = shipped().into_iter().find_map(|p| {
        let m = load_file_mapped(&p, &LoadOptions::default(), &MapPlan::Isolate { run_id: "r1".into() }).ok()?;
        (m.scenario.name == name).then_some(m)
    });
    let mapped = found.unwrap_or_else(|| panic!("no shipped scenario named {name}"));
    match (alone, &mapped.report.isolation) {
        (None, Isolation::Isolable) => {}
        (Some(why), Isolation::AsWritten(reason)) if reason.contains(why) => {}
        (_, other) => panic!("{name}: {other}, expected {alone:?}"),
    }
}

#[test]
fn the_report_says_what_was_mapped_renamed_and_rewritten_in_one_line() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/article/binding-scope.scenario.yaml");
    let plan = pairs(&[("dev", "alice-dev"), ("staging", "alice-staging")]);
    let report = load_file_mapped(&path, &LoadOptions::default(), &plan).expect("loads").report;
    assert_eq!(report.unused, ["staging"]);
    assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
    assert!(report.notes[0].ends_with(
        "binding-scope.scenario.yaml:42: `-f service-account/pod-inspector.yaml` mapped in memory and read from stdin (`-f -`)"
    ));
    assert_eq!(
        report.to_string(),
        "namespaces: dev -> alice-dev; not used by this scenario: staging; not isolable (it writes in namespaces that are not its own: prod)"
    );
    let isolated = load_file_mapped(&path, &LoadOptions::default(), &MapPlan::Isolate { run_id: "r1".into() }).expect("loads").report;
    assert_eq!(serde_json::to_value(&isolated.isolation).expect("json"), serde_json::json!({ "verdict": "isolable" }));
    assert_eq!(isolated.renamed["pod-reader-cluster"], "pod-reader-cluster-rolebinding-vs-clusterrolebinding-r1");
}

#[test]
fn a_step_built_again_with_a_captured_value_is_mapped_once_even_under_a_swap() {
    let text = "name: swap\nnamespaces: [dev, prod]\nsteps:\n  \
                - kubectl: { command: kubectl get sa pod-inspector -n dev -o json }\n    capture: { ns: json.metadata.namespace }\n  \
                - kubectl: { command: \"kubectl get pods -n ${ns} --as=system:serviceaccount:prod:x\" }\n  \
                - apply: { file: roles/pod-reader-role.yaml, namespace: \"${ns}\" }\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/article/swap.scenario.yaml");
    let swap = pairs(&[("dev", "prod"), ("prod", "dev")]);
    let s = load_str_mapped(&path, text, &LoadOptions::default(), &swap).unwrap_or_else(|e| panic!("{e}")).scenario;
    let Action::Kubectl(first) = &s.steps[0].action else { panic!("not kubectl") };
    assert_eq!(first.args, ["get", "sa", "pod-inspector", "-n", "prod", "-o", "json"]);
    // The value comes from the mapped cluster: the article's dev is this run's prod, and stays so.
    let mut c = crate::capture::Captures::default();
    c.record(1, &s.steps[0].capture, &crate::capture::seen_process(0, r#"{"metadata":{"namespace":"prod"}}"#, ""));
    let Action::Kubectl(k) = super::rebuild(&s, &s.steps[1], &c).expect("built").action else { panic!("not kubectl") };
    assert_eq!(k.args, ["get", "pods", "-n", "prod", "--as=system:serviceaccount:dev:x"]);
    let Action::Apply(apply) = super::rebuild(&s, &s.steps[2], &c).expect("built").action else { panic!("not apply") };
    assert_eq!((apply.namespace.as_deref(), apply.manifests[0].text.contains("  namespace: prod\n")), (Some("prod"), true));
}

#[test]
fn what_cannot_be_mapped_is_a_load_error_at_its_line() {
    let text = "name: k\nnamespaces: [dev]\nsteps:\n  - kubectl: { command: kubectl apply -k overlays/dev }\n  - kubectl: { command: kubectl apply -f https://example.com/x.yaml }\n";
    let e = load_str_mapped(Path::new("s/k.scenario.yaml"), text, &LoadOptions::default(), &pairs(&[("dev", "alice-dev")])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "2 problems loading scenarios:\n  \
         s/k.scenario.yaml:4:25: cannot map namespaces: `-k`: a kustomization is built by kubectl and cannot be mapped\n  \
         s/k.scenario.yaml:5:25: cannot map namespaces: `-f https://example.com/x.yaml`: a manifest from a URL cannot be mapped\n"
    );
}

fn kubectl_step(command: &str) -> crate::step::kubectl::Kubectl {
    let text = format!("name: f\nnamespaces: [dev]\nsteps:\n  - kubectl: {{ command: \"{command}\", stdin: \"kind: Pod\\nmetadata: {{ name: p, namespace: dev }}\\n\" }}\n");
    let text = if command.contains(" - ") || command.ends_with(" -") {
        text
    } else {
        text.replace(", stdin: \"kind: Pod\\nmetadata: { name: p, namespace: dev }\\n\"", "")
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/article/f.scenario.yaml");
    let s =
        load_str_mapped(&path, &text, &LoadOptions::default(), &pairs(&[("dev", "alice-dev")])).unwrap_or_else(|e| panic!("{e}")).scenario;
    let Action::Kubectl(k) = s.steps[0].action.clone() else { panic!("not kubectl") };
    k
}

#[rstest]
#[case::two_files("kubectl apply -f roles/pod-reader-role.yaml -f roles/pod-reader-rolebinding.yaml", &["apply", "-f", "-"], 3)]
#[case::a_directory("kubectl apply -f roles", &["apply", "-f", "-"], 3)]
#[case::long_flag_inline("kubectl apply --filename=pod.yaml -n dev", &["apply", "-f", "-", "-n", "alice-dev"], 1)]
#[case::attached("kubectl apply -fpod.yaml", &["apply", "-f", "-"], 1)]
#[case::stdin_already("kubectl apply -f -", &["apply", "-f", "-"], 1)]
#[case::nothing_to_map("kubectl apply -f scope/pod-reader-cluster-clusterrole.yaml", &["apply", "-f", "scope/pod-reader-cluster-clusterrole.yaml"], 0)]
fn kubectl_reads_mapped_files_from_stdin(#[case] command: &str, #[case] args: &[&str], #[case] namespaces: usize) {
    let k = kubectl_step(command);
    assert_eq!(k.args, args);
    let stdin = k.stdin.unwrap_or_default();
    // The Role has one namespace, the RoleBinding two (its own and its subject's).
    assert_eq!(stdin.matches("namespace: alice-dev").count(), namespaces, "{stdin}");
    assert!(!stdin.contains("namespace: dev"), "{stdin}");
}

#[test]
fn a_mapped_load_judges_rbac_writes_like_the_unmapped_one() {
    for path in shipped() {
        let plain = load_file(&path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        let mapped = load_file_mapped(&path, &LoadOptions::default(), &MapPlan::Isolate { run_id: "r1".into() }).expect("loads").scenario;
        let dir = plain.dir();
        let verdicts = |s: &Scenario| {
            s.steps.iter().map(|st| (st.action.may_write_rbac(&dir), st.action.changes_rbac_late(&dir).is_some())).collect::<Vec<_>>()
        };
        assert_eq!(verdicts(&mapped), verdicts(&plain), "{}", path.display());
    }
}

#[test]
fn a_lint_step_sees_the_articles_api_callers_in_a_mapped_load() {
    for path in shipped() {
        let plain = load_file(&path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        let mapped = load_file_mapped(&path, &LoadOptions::default(), &MapPlan::Isolate { run_id: "r1".into() }).expect("loads").scenario;
        let callers = |s: &Scenario, i: usize| {
            let Action::Lint(l) = &s.steps[i].action else { return None };
            let mut all: Vec<String> = s.api_callers().into_iter().map(|(ns, pod)| format!("{ns}/{pod}")).collect();
            all.extend(l.api_callers.iter().cloned());
            Some(all)
        };
        for i in 0..plain.steps.len() {
            if let (Some(want), Some(have)) = (callers(&plain, i), callers(&mapped, i)) {
                assert!(want.iter().all(|c| have.contains(c)), "{} step {}: {want:?} not all in {have:?}", path.display(), i + 1);
            }
        }
    }
}

#[test]
fn a_target_the_scenario_already_owns_is_refused_unless_it_is_mapped_too() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/article/binding-scope.scenario.yaml");
    let e = load_file_mapped(&path, &LoadOptions::default(), &pairs(&[("dev", "prod")])).unwrap_err();
    assert!(
        e.to_string().ends_with("binding-scope.scenario.yaml:9:1: `dev=prod`: the scenario also owns `prod`, which is not mapped; map it too or choose another target\n"),
        "{e}"
    );
    let swapped = load_file_mapped(&path, &LoadOptions::default(), &pairs(&[("dev", "prod"), ("prod", "dev")])).expect("a swap loads");
    assert_eq!(swapped.scenario.namespaces, ["prod", "dev"]);
}

#[test]
fn only_an_isolated_load_asks_the_kubectl_half_of_can_i_in_process() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/article/walkthrough.scenario.yaml");
    let in_process = |s: &Scenario| {
        s.steps.iter().filter_map(|st| if let Action::CanI(c) = &st.action { Some(c.in_process) } else { None }).collect::<Vec<_>>()
    };
    let plain = in_process(&load_file(&path, &LoadOptions::default()).expect("loads"));
    assert!(!plain.is_empty() && plain.iter().all(|p| !p), "a verbatim load runs kubectl: {plain:?}");
    let pairs = MapPlan::Pairs(NamespaceMap::parse(&["dev=alice-dev".to_string()]).expect("a map"));
    let checked = in_process(&load_file_mapped(&path, &LoadOptions::default(), &pairs).expect("loads").scenario);
    assert!(checked.iter().all(|p| !p), "check --namespace runs kubectl as the participant would: {checked:?}");
    let isolated = load_file_mapped(&path, &LoadOptions::default(), &MapPlan::Isolate { run_id: "r1".into() }).expect("loads").scenario;
    assert!(in_process(&isolated).iter().all(|p| *p), "an isolated load asks in process");
}

#[test]
fn a_grant_to_its_own_namespaces_service_accounts_is_isolable_and_to_anothers_is_not() {
    let scenario = |group: &str| {
        format!(
            "name: g\nnamespaces: [dev]\nsteps:\n  - apply:\n      manifest: |\n        apiVersion: v1\n        kind: Namespace\n        metadata: {{ name: dev }}\n        ---\n        apiVersion: rbac.authorization.k8s.io/v1\n        kind: ClusterRoleBinding\n        metadata: {{ name: permissive }}\n        roleRef: {{ apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }}\n        subjects: [{{ kind: Group, name: \"{group}\", apiGroup: rbac.authorization.k8s.io }}]\n"
        )
    };
    let plan = MapPlan::Isolate { run_id: "r1".into() };
    let own = load_str_mapped(Path::new("/tmp/g.scenario.yaml"), &scenario("system:serviceaccounts:dev"), &LoadOptions::default(), &plan)
        .expect("loads");
    assert_eq!(own.report.isolation, Isolation::Isolable, "{}", own.report);
    let text = format!("{:?}", own.scenario.steps[0].action);
    assert!(text.contains("system:serviceaccounts:dev-g-r1") && !text.contains("system:serviceaccounts:dev\\\""), "{text}");
    let other =
        load_str_mapped(Path::new("/tmp/g.scenario.yaml"), &scenario("system:serviceaccounts:kube-system"), &LoadOptions::default(), &plan)
            .expect("loads");
    assert!(!other.report.isolation.is_isolable(), "{}", other.report);
}
