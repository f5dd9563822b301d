//! The conflict rule on scenarios loaded from YAML (no cluster) and on the shipped ones, the
//! scheduler's choice of what may start, and the gate the e2e trials pass through.

use super::{next_ready, next_to_start, Footprint, Gate};
use crate::scenario::{load_str, Catalog, LoadOptions};
use std::path::Path;
use std::time::Duration;

fn scenario_in(dir: &Path, yaml: &str, vars: &[(&str, &str)]) -> Footprint {
    let opts = LoadOptions { overrides: vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() };
    let s = load_str(&dir.join("t.scenario.yaml"), yaml, &opts).unwrap_or_else(|e| panic!("{e}"));
    Footprint::of(&s)
}

fn print(yaml: &str) -> Footprint {
    scenario_in(&std::env::temp_dir(), yaml, &[])
}

const IN_NS: &str = r#"
name: in-ns
description: one namespace, named by a variable
vars: { ns: dev }
namespaces: ["${ns}"]
steps:
  - kubectl: { command: "kubectl create namespace ${ns}" }
  - apply:
      manifest: |
        apiVersion: v1
        kind: ServiceAccount
        metadata: { name: pod-inspector, namespace: "${ns}" }
"#;

fn with_step(step: &str) -> String {
    format!("name: s\ndescription: d\nnamespaces: [mine]\nsteps:\n  - kubectl: {{ command: kubectl create namespace mine }}\n{step}")
}

#[test]
fn scenarios_sharing_a_namespace_conflict_and_a_variable_makes_them_independent() {
    let (dev, dev2) = (print(IN_NS), print(IN_NS));
    assert_eq!(dev.conflict(&dev2).as_deref(), Some("both use namespace `dev`"));
    let other = scenario_in(&std::env::temp_dir(), IN_NS, &[("ns", "team-a")]);
    assert_eq!(dev.conflict(&other), None);
    assert_eq!(other.conflict(&dev), None);
}

#[test]
fn a_write_conflicts_with_a_read_of_the_same_namespace_but_two_reads_do_not() {
    let reads = print(&with_step("  - kubectl: { command: kubectl get serviceaccounts -n kube-system }\n"));
    let also_reads = print(&with_step("  - kubectl: { command: kubectl wait --for=condition=Ready pod -l a=b -n kube-system }\n"));
    assert!(reads.reads.contains("kube-system") && !reads.writes.contains("kube-system"), "{reads:?}");
    let writes = print(&with_step("  - kubectl: { command: kubectl label serviceaccount default -n kube-system x=y }\n"));
    assert!(writes.writes.contains("kube-system"), "{writes:?}");
    // Each also writes its own `mine`, so compare against a copy in another namespace.
    let rename = |f: &Footprint| {
        let mut f = f.clone();
        f.writes.remove("mine");
        f
    };
    assert_eq!(rename(&reads).conflict(&rename(&also_reads)), None);
    assert_eq!(rename(&reads).conflict(&rename(&writes)).as_deref(), Some("both use namespace `kube-system`"));
    assert_eq!(rename(&writes).conflict(&rename(&reads)).as_deref(), Some("both use namespace `kube-system`"));
}

#[test]
fn a_can_i_as_a_service_account_reads_its_namespace() {
    let f =
        print(&with_step("  - can-i: { as: \"system:serviceaccount:prod:pod-inspector\", verb: list, resource: pods, expect: \"no\" }\n"));
    assert!(f.reads.contains("prod"), "{f:?}");
    let mut prod = Footprint::default();
    prod.writes.insert("prod".into());
    assert!(f.conflict(&prod).is_some());
}

#[test]
fn the_same_cluster_scoped_object_conflicts_and_different_ones_do_not() {
    let role = |name: &str| {
        print(&with_step(&format!(
            "  - apply:\n      manifest: |\n        apiVersion: rbac.authorization.k8s.io/v1\n        kind: ClusterRole\n        metadata: {{ name: {name} }}\n        rules: []\n"
        )))
    };
    let (a, b, c) = (role("pod-reader-cluster"), role("pod-reader-cluster"), role("other"));
    let strip = |f: &Footprint| Footprint { writes: Default::default(), ..f.clone() };
    assert_eq!(strip(&a).conflict(&strip(&b)).as_deref(), Some("both write cluster-scoped ClusterRole/pod-reader-cluster"));
    assert_eq!(strip(&a).conflict(&strip(&c)), None);
}

#[test]
fn a_cluster_role_binding_reaches_its_service_accounts_namespace_and_to_a_group_runs_alone() {
    let binding = |subject: &str| {
        print(&with_step(&format!(
            "  - apply:\n      manifest: |\n        apiVersion: rbac.authorization.k8s.io/v1\n        kind: ClusterRoleBinding\n        metadata: {{ name: b }}\n        roleRef: {{ apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view }}\n        subjects: [{subject}]\n"
        )))
    };
    let sa = binding("{ kind: ServiceAccount, name: pod-inspector, namespace: dev }");
    assert!(sa.writes.contains("dev") && sa.objects.contains("ClusterRoleBinding/b") && sa.alone.is_none(), "{sa:?}");
    let group = binding("{ kind: Group, name: \"system:serviceaccounts\", apiGroup: rbac.authorization.k8s.io }");
    let why = group.everyone.get("ClusterRole view to Group system:serviceaccounts").cloned().expect("a grant to everyone");
    assert!(why.contains("ClusterRoleBinding b grants to Group system:serviceaccounts across the cluster"), "{why}");
    assert!(group.conflict(&Footprint::default()).is_some_and(|w| w.contains("runs alone")), "it conflicts even with an empty footprint");
}

#[test]
fn runs_granting_the_same_to_everyone_may_run_side_by_side_and_no_other() {
    let grant = |role: &str, group: &str, name: &str| {
        let f = print(&with_step(&format!(
            "  - apply:\n      manifest: |\n        apiVersion: rbac.authorization.k8s.io/v1\n        kind: ClusterRoleBinding\n        metadata: {{ name: {name} }}\n        roleRef: {{ apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role} }}\n        subjects: [{{ kind: Group, name: \"{group}\", apiGroup: rbac.authorization.k8s.io }}]\n"
        )));
        Footprint { writes: Default::default(), ..f }
    };
    let (a, b) = (grant("cluster-admin", "system:serviceaccounts", "a"), grant("cluster-admin", "system:serviceaccounts", "b"));
    assert_eq!(a.conflict(&b), None, "the same grant, under two names");
    let same_name = grant("cluster-admin", "system:serviceaccounts", "a");
    assert!(a.conflict(&same_name).is_some_and(|w| w.contains("both write cluster-scoped ClusterRoleBinding/a")));
    for other in [grant("view", "system:serviceaccounts", "c"), grant("cluster-admin", "system:authenticated", "c"), Footprint::default()] {
        let why = a.conflict(&other).expect("another grant, or none, conflicts");
        assert!(why.contains("runs alone") && why.contains("across the cluster"), "{why}");
        assert!(other.conflict(&a).is_some(), "both ways");
    }
}

#[test]
fn a_cluster_role_binding_to_one_namespaces_service_accounts_conflicts_with_that_namespace_and_its_group_only() {
    let binding = print(&with_step(
        "  - apply:\n      manifest: |\n        apiVersion: rbac.authorization.k8s.io/v1\n        kind: ClusterRoleBinding\n        metadata: { name: b }\n        roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }\n        subjects: [{ kind: Group, name: \"system:serviceaccounts:dev-x\", apiGroup: rbac.authorization.k8s.io }]\n",
    ));
    assert!(binding.alone.is_none() && binding.writes.contains("dev-x"), "{binding:?}");
    let free = Footprint { objects: Default::default(), ..binding.clone() };
    let acting = |step: &str| Footprint { writes: Default::default(), ..print(&with_step(step)) };
    let in_dev_x = acting(
        "  - can-i: { as: 'system:serviceaccount:dev-x:pod-inspector', verb: list, resource: pods, namespace: other, expect: 'no' }\n",
    );
    assert!(free.conflict(&in_dev_x).is_some_and(|w| w.contains("namespace `dev-x`")), "a service account of dev-x is in the group");
    let as_group = acting("  - kubectl: { command: kubectl get pods -n other --as=alice --as-group=system:serviceaccounts:dev-x }\n");
    assert!(free.conflict(&as_group).is_some_and(|w| w.contains("Group system:serviceaccounts:dev-x")), "acting in the group by name");
    let elsewhere = acting(
        "  - can-i: { as: 'system:serviceaccount:dev-y:pod-inspector', verb: list, resource: pods, namespace: dev-y, expect: 'no' }\n",
    );
    assert_eq!(free.conflict(&elsewhere), None, "a service account of another namespace is not in the group");
    let all = print(&with_step(
        "  - apply:\n      manifest: |\n        apiVersion: rbac.authorization.k8s.io/v1\n        kind: ClusterRoleBinding\n        metadata: { name: b }\n        roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }\n        subjects: [{ kind: Group, name: \"system:serviceaccounts\", apiGroup: rbac.authorization.k8s.io }]\n",
    ));
    assert!(all.conflict(&Footprint::default()).is_some(), "every namespace's service accounts: nothing else may run");
}

#[test]
fn a_grant_to_a_named_user_or_group_conflicts_only_with_who_acts_as_them() {
    let grant = |subject: &str| {
        print(&with_step(&format!(
            "  - apply:\n      manifest: |\n        apiVersion: rbac.authorization.k8s.io/v1\n        kind: ClusterRoleBinding\n        metadata: {{ name: b }}\n        roleRef: {{ apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view }}\n        subjects: [{subject}]\n"
        )))
    };
    let bob = grant("{ kind: User, name: bob, apiGroup: rbac.authorization.k8s.io }");
    let team = grant("{ kind: Group, name: dev-team, apiGroup: rbac.authorization.k8s.io }");
    assert!(bob.alone.is_none() && bob.grants.contains("User bob"), "{bob:?}");
    let acting = |step: &str| Footprint { writes: Default::default(), ..print(&with_step(step)) };
    let as_bob = [
        "  - can-i: { as: bob, verb: list, resource: pods, namespace: other, expect: 'no' }\n",
        "  - kubectl: { command: kubectl get pods -n other --as=bob }\n",
        "  - kubectl: { command: kubectl auth can-i list pods --as bob -n other }\n",
        "  - kubectl:\n      command: kubectl auth whoami\n      client-certificate: { csr: c, user: bob }\n",
        "  - kubectl:\n      command: kubectl create -f - -o json\n      stdin: |\n        apiVersion: authorization.k8s.io/v1\n        kind: SubjectAccessReview\n        spec: { user: bob, resourceAttributes: { verb: list, resource: pods } }\n",
    ];
    let bob_free = Footprint { writes: Default::default(), objects: Default::default(), ..bob.clone() };
    for step in as_bob {
        let other = acting(step);
        assert_eq!(
            bob_free.conflict(&other).as_deref(),
            Some("grants to User bob across the cluster, whose answers the other depends on"),
            "{step}"
        );
        assert!(other.conflict(&bob_free).is_some(), "both ways: {step}");
        let team_free = Footprint { writes: Default::default(), objects: Default::default(), ..team.clone() };
        assert_eq!(team_free.conflict(&other), None, "{step} is not in dev-team");
    }
    let in_team = acting("  - kubectl: { command: kubectl get pods -n other --as=alice --as-group=dev-team }\n");
    let team_free = Footprint { writes: Default::default(), objects: Default::default(), ..team.clone() };
    assert!(team_free.conflict(&in_team).is_some_and(|w| w.contains("Group dev-team")));
    assert_eq!(bob_free.conflict(&in_team), None, "alice in dev-team is not bob");
    assert!(bob_free.conflict(&bob_free).is_some(), "two grants to bob: each one's copies act as bob");
    let sa = acting("  - can-i: { as: 'system:serviceaccount:other:x', verb: list, resource: pods, namespace: other, expect: 'no' }\n");
    assert_eq!(bob_free.conflict(&sa), None, "a ServiceAccount is not bob");
}

#[test]
fn a_kubectl_change_is_placed_by_its_namespace_or_files_or_runs_alone() {
    let created = print(&with_step("  - kubectl: { command: kubectl create namespace prod }\n"));
    assert!(created.writes.contains("prod") && created.alone.is_none(), "{created:?}");
    let nowhere = print(&with_step("  - kubectl: { command: kubectl create clusterrolebinding x --clusterrole=view --group=g }\n"));
    assert!(nowhere.alone.as_deref().is_some_and(|w| w.contains("changes the cluster without naming a namespace")), "{nowhere:?}");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("sa.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: a, namespace: staging }\n")
        .unwrap();
    let yaml = with_step("  - kubectl: { command: kubectl apply -f sa.yaml }\n");
    let filed = scenario_in(dir.path(), &yaml, &[]);
    assert!(filed.writes.contains("staging") && filed.alone.is_none(), "{filed:?}");
    let missing = with_step("  - kubectl: { command: kubectl apply -f sa.yaml }\n");
    let gone = scenario_in(&dir.path().join("nowhere"), &missing, &[]);
    assert!(gone.alone.as_deref().is_some_and(|w| w.contains("cannot read -f sa.yaml")), "{gone:?}");
}

#[test]
fn a_look_across_all_namespaces_conflicts_with_any_writer_but_not_with_a_reader() {
    let listing = |expect: &str| {
        print(&with_step(&format!(
            "  - kubectl: {{ command: kubectl get serviceaccounts --all-namespaces, expect: {{ stdout: {expect} }} }}\n"
        )))
    };
    let everywhere = listing("{ column: { NAMESPACE: [default, mine] } }");
    assert_eq!(
        everywhere.reads_everywhere.as_deref(),
        Some("step 2 `kubectl #2` runs kubectl with --all-namespaces and its stdout column NAMESPACE must hold exactly the values listed")
    );
    // Rows that must be there (its own and the cluster's) are there whatever else runs.
    let rows = listing("{ table: [{ NAMESPACE: mine, NAME: default }], regex: '^NAMESPACE +NAME' }");
    assert_eq!(rows.reads_everywhere, None);
    let mut other = Footprint::default();
    other.writes.insert("sa-token-cache".into());
    assert_eq!(rows.conflict(&other), None);
    let mut writer = Footprint::default();
    writer.writes.insert("sa-token-cache".into());
    let mut reader = Footprint::default();
    reader.reads.insert("kube-system".into());
    let mine_free = Footprint { writes: Default::default(), ..everywhere.clone() };
    assert!(mine_free.conflict(&writer).is_some_and(|w| w.contains("looks across all namespaces")));
    assert!(writer.conflict(&mine_free).is_some());
    assert_eq!(mine_free.conflict(&reader), None);
}

/// The shipped scenarios: everything in the article's `dev` conflicts pairwise; the token-cache
/// example (its own namespace) is independent of the walkthrough.
#[test]
fn shipped_scenarios_that_share_dev_stay_serial_and_the_token_cache_example_does_not() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let catalog = Catalog::load(&root, &LoadOptions::default()).expect("shipped scenarios load");
    let prints: Vec<(String, Footprint)> = catalog.scenarios.iter().map(|s| (s.name.clone(), Footprint::of(s))).collect();
    let get = |n: &str| &prints.iter().find(|(name, _)| name == n).unwrap_or_else(|| panic!("no scenario {n}")).1;
    let dev: Vec<&(String, Footprint)> = prints.iter().filter(|(_, f)| f.writes.contains("dev")).collect();
    assert!(dev.len() >= 5, "expected most article scenarios in dev, got {}", dev.len());
    for (a, fa) in &dev {
        for (b, fb) in &dev {
            if a != b {
                assert!(fa.conflict(fb).is_some(), "{a} and {b} both use dev but do not conflict");
            }
        }
    }
    assert_eq!(get("article-walkthrough").conflict(get("example-token-cache")), None);
    // The walkthrough creates SubjectAccessReviews: questions, not objects, so nothing cluster-scoped.
    assert_eq!(get("article-walkthrough").objects, Default::default());
    // While the first `dev` scenario runs, the token-cache example is the next to start, ahead of the
    // `dev` chain and of the scenarios that only look across all namespaces.
    let all: Vec<Footprint> = prints.iter().map(|(_, f)| f.clone()).collect();
    let first = prints.iter().position(|(_, f)| f.writes.contains("dev")).expect("a dev scenario");
    let waiting: Vec<usize> = (0..all.len()).filter(|&i| i != first).collect();
    let next = next_ready(&all, &waiting, &[first]).map(|pos| prints[waiting[pos]].0.as_str());
    assert!(next.is_some_and(|n| n.starts_with("example-")), "{next:?}");
    // `controllers` asks what dev's pod-inspector may do cluster-wide, which rolebinding-vs-clusterrolebinding changes.
    assert!(get("controllers").conflict(get("rolebinding-vs-clusterrolebinding")).is_some());
}

#[test]
fn the_next_scenario_to_start_skips_conflicts_but_never_overtakes_one_it_conflicts_with() {
    let ns = |n: &[&str]| Footprint { writes: n.iter().map(|s| s.to_string()).collect(), ..Default::default() };
    // 0: dev, 1: dev, 2: team-a, 3: dev+team-a
    let prints = vec![ns(&["dev"]), ns(&["dev"]), ns(&["team-a"]), ns(&["dev", "team-a"])];
    assert_eq!(next_ready(&prints, &[0, 1, 2, 3], &[]), Some(0));
    // 0 runs: 1 waits for it, 2 may start, 3 waits.
    assert_eq!(next_ready(&prints, &[1, 2, 3], &[0]), Some(1));
    // 0 and 2 running: nothing else fits.
    assert_eq!(next_ready(&prints, &[1, 3], &[0, 2]), None);
    // Only 2 running (0 done): 1 may start, 3 conflicts with 2.
    assert_eq!(next_ready(&prints, &[1, 3], &[2]), Some(0));
    // 3 must not overtake 1, which it conflicts with, even when only 1's conflict is queued.
    assert_eq!(next_ready(&prints, &[1, 3], &[0]), None);
    // 5 (team-b) is free of the running 0 (dev) but queued behind 4 (dev, team-b): it waits.
    let prints = vec![ns(&["dev"]), ns(&["x"]), ns(&["y"]), ns(&["z"]), ns(&["dev", "team-b"]), ns(&["team-b"]), ns(&["team-c"])];
    assert_eq!(next_ready(&prints, &[4, 5, 6], &[0]), Some(2), "team-c may start, team-b may not overtake");
    assert_eq!(next_ready(&prints, &[], &[]), None);
    // 1 looks across all namespaces, so it waits for the running writer 0; 2 shares nothing with 1
    // and may overtake it (order only matters between scenarios that share a namespace).
    let looks = Footprint { reads_everywhere: Some("-A".into()), ..ns(&["x"]) };
    let prints = vec![ns(&["dev"]), looks, ns(&["team-c"])];
    assert_eq!(next_ready(&prints, &[1, 2], &[0]), Some(1));
    assert_eq!(next_ready(&prints, &[1, 2], &[]), Some(0));
}

#[test]
fn longest_first_tries_the_longest_scenario_first_and_never_lets_it_overtake_one_it_shares_with() {
    let ns = |n: &[&str]| Footprint { writes: n.iter().map(|s| s.to_string()).collect(), ..Default::default() };
    // given: 0 dev, 1 dev, 2 team-a, 3 dev+team-a; tried longest first: 3, 2, 1
    let prints = vec![ns(&["dev"]), ns(&["dev"]), ns(&["team-a"]), ns(&["dev", "team-a"])];
    assert_eq!(next_ready(&prints, &[3, 2, 1], &[0]), Some(1), "3 waits behind 1 (dev), 2 may start");
    assert_eq!(next_ready(&prints, &[3, 1], &[2]), Some(1), "1 before 3, whatever the order tried");
    assert_eq!(next_ready(&prints, &[3], &[]), Some(0));
    // The shipped suite: article-walkthrough, 52 steps (and the longest measured: 16 s alone, 30-33 s
    // beside 7 others), is tried first; manual-tokens no longer holds a token for 15 s (2026-12-07).
    let catalog = Catalog::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"), &LoadOptions::default()).expect("shipped");
    let order = super::longest_first(&catalog.scenarios);
    let names: Vec<&str> = order.iter().map(|&i| catalog.scenarios[i].name.as_str()).collect();
    assert_eq!(names[0], "article-walkthrough", "{names:?}");
    assert_eq!(order.len(), catalog.scenarios.len());
}

#[test]
fn a_serial_run_starts_scenarios_in_order_each_once_its_conflicts_have_settled() {
    let ns = |n: &[&str]| Footprint { writes: n.iter().map(|s| s.to_string()).collect(), ..Default::default() };
    // 0: dev, 1: team-a, 2: dev
    let prints = vec![ns(&["dev"]), ns(&["team-a"]), ns(&["dev"])];
    assert_eq!(next_to_start(&prints, &[0, 1, 2], &[], true), Some(0));
    // 0 still deletes dev: 1 (team-a) starts beside the deletion, as a serial run always did.
    assert_eq!(next_to_start(&prints, &[1, 2], &[0], true), Some(0));
    // 1 runs or deletes team-a, 0 still deletes dev: 2 waits for dev, and nothing overtakes it.
    assert_eq!(next_to_start(&prints, &[2], &[0, 1], true), None);
    assert_eq!(next_to_start(&prints, &[2], &[1], true), Some(0));
    // Waiting for dev, the serial run does not let a later free scenario go first; jobs > 1 does.
    let prints = vec![ns(&["dev"]), ns(&["dev"]), ns(&["team-b"])];
    assert_eq!(next_to_start(&prints, &[1, 2], &[0], true), None);
    assert_eq!(next_to_start(&prints, &[1, 2], &[0], false), Some(1));
    assert_eq!(next_to_start(&prints, &[], &[], true), None);
}

#[test]
fn the_gate_lets_independent_footprints_in_together_and_holds_a_conflicting_one() {
    let gate = Gate::default();
    let dev = Footprint { writes: ["dev".to_string()].into(), ..Default::default() };
    let other = Footprint { writes: ["team-a".to_string()].into(), ..Default::default() };
    let first = gate.enter(Some(dev.clone()));
    let second = gate.enter(Some(other)); // would hang the test if the gate held it
    let entered = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let _third = gate.enter(Some(dev));
            entered.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(200));
            assert!(!entered.load(std::sync::atomic::Ordering::SeqCst), "a second `dev` got in while the first was inside");
            drop(first);
        });
    });
    assert!(entered.load(std::sync::atomic::Ordering::SeqCst));
    // An unknown footprint waits for everyone inside.
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let _alone = gate.enter(None);
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        std::thread::sleep(Duration::from_millis(200));
        assert!(!done.load(std::sync::atomic::Ordering::SeqCst), "an unknown footprint got in beside another trial");
        drop(second);
    });
    assert!(done.load(std::sync::atomic::Ordering::SeqCst));
}

#[test]
fn the_gate_lets_no_one_overtake_a_waiting_trial_it_conflicts_with() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;
    let gate = Gate::default();
    let dev = Footprint { writes: ["dev".to_string()].into(), ..Default::default() };
    let other = Footprint { writes: ["team-a".to_string()].into(), ..Default::default() };
    let order = Mutex::new(Vec::new());
    let inside = gate.enter(Some(dev));
    let alone_waits = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            alone_waits.store(true, Ordering::SeqCst);
            let _alone = gate.enter(None);
            order.lock().unwrap().push("alone");
            std::thread::sleep(Duration::from_millis(100));
        });
        while !alone_waits.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        std::thread::sleep(Duration::from_millis(100));
        s.spawn(|| {
            // fits beside `dev`, but not beside the trial that waits to run alone: it waits its turn
            let _later = gate.enter(Some(other));
            order.lock().unwrap().push("later");
        });
        std::thread::sleep(Duration::from_millis(200));
        assert!(order.lock().unwrap().is_empty(), "a later trial overtook the one waiting to run alone: {:?}", order.lock().unwrap());
        drop(inside);
    });
    assert_eq!(*order.lock().unwrap(), ["alone", "later"]);
}

#[test]
fn whatever_conflicts_with_one_footprint_conflicts_with_its_join() {
    let ns = |w: &str| Footprint { writes: [w.to_string()].into(), ..Default::default() };
    let crb = |name: &str, subject: &str| {
        print(&with_step(&format!(
            "  - apply:\n      manifest: |\n        apiVersion: rbac.authorization.k8s.io/v1\n        kind: ClusterRoleBinding\n        metadata: {{ name: {name} }}\n        roleRef: {{ apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view }}\n        subjects: [{subject}]\n"
        )))
    };
    let parts = [
        ns("a"),
        Footprint { reads: ["r".to_string()].into(), ..Default::default() },
        Footprint { objects: ["ClusterRole/x".to_string()].into(), ..Default::default() },
        crb("to-bob", "{ kind: User, name: bob, apiGroup: rbac.authorization.k8s.io }"),
        crb("to-all", "{ kind: Group, name: \"system:authenticated\", apiGroup: rbac.authorization.k8s.io }"),
        Footprint { alone: Some("unknown".into()), ..Default::default() },
        Footprint { reads_everywhere: Some("a list across namespaces".into()), ..Default::default() },
        Footprint { acts_as: ["User bob".to_string()].into(), ..Default::default() },
    ];
    let others = [
        ns("a"),
        ns("r"),
        Footprint { objects: ["ClusterRole/x".to_string()].into(), ..Default::default() },
        Footprint { acts_as: ["User bob".to_string()].into(), ..Default::default() },
        ns("elsewhere"),
        crb("to-bob-too", "{ kind: User, name: bob, apiGroup: rbac.authorization.k8s.io }"),
    ];
    for (i, a) in parts.iter().enumerate() {
        for b in &parts[i..] {
            let joined = a.clone().join(b.clone());
            for other in &others {
                if a.conflict(other).is_some() || b.conflict(other).is_some() {
                    assert!(joined.conflict(other).is_some(), "{a:?} + {b:?} lets {other:?} beside it");
                }
            }
        }
    }
    assert_eq!(ns("a").join(ns("b")).conflict(&ns("elsewhere")), None, "a join still runs beside what neither touches");
}
