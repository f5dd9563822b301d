//! The RBAC sentinel: after a step that may have written RBAC, prove the authorizer has caught up
//! before the next step asks, so an expected "no" (or 403) is never accepted on a stale answer.
//!
//! The RBAC authorizer answers from informer caches that lag writes, one informer per kind (Role,
//! RoleBinding, ClusterRole, ClusterRoleBinding), each delivering events in resourceVersion order. So
//! once it has seen objects of all four kinds written *after* the step, it has seen the step's writes
//! too. The sentinel is such a set of objects: a Role+RoleBinding in one of the scenario's namespaces
//! and a ClusterRole+ClusterRoleBinding, granting made-up permissions (`get` on
//! `namespacedsentinels.sa-conformance.dev` and `clustersentinels.sa-conformance.dev`) to a made-up
//! user that is new for every write. When SubjectAccessReviews for that user answer yes for both
//! grants, the caches are fresh; the sentinel is then deleted (the cluster-scoped half is also in the
//! scenario's cleanup list, so an interrupt or a failure cannot leave it behind).

use crate::api::{self, AccessQuestion, Applied};
use crate::error::chain;
use crate::footprint::rbac::RBAC_KINDS;
use crate::outcome::{Status, StepOutcome};
use crate::scenario::{Scenario, Step};
use crate::step::StepCtx;
use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const RBAC_API: &str = "rbac.authorization.k8s.io/v1";
/// How often the sentinel's access reviews are asked (they are cheap; the lag is tens of ms).
const REVIEW_INTERVAL: Duration = Duration::from_millis(20);

/// Runs the sentinel after `step` if it may have written RBAC and a later step looks at the cluster;
/// its cost goes into the step's notes, its failure into the step's error. `in_order`: every step of
/// the scenario runs, one after the other (a scenario run; not `run_steps`, which may play a subset),
/// so the sentinel may be left to the next step when that one is sure to run it (see [`deferred_to`]).
pub async fn after_step(ctx: &StepCtx<'_>, scenario: &Scenario, step: &Step, outcome: &mut StepOutcome, in_order: bool) {
    let later_look = scenario.steps.iter().any(|s| s.index > step.index && s.action.looks());
    if !later_look || !may_write_rbac(step, &scenario.dir()) {
        return;
    }
    if let Some(next) = deferred_to(scenario, step).filter(|_| in_order && outcome.status == Status::Passed) {
        outcome.notes.push(format!(
            "RBAC sentinel left to step {next}, which writes RBAC too and looks at nothing: the one written after it proves both writes"
        ));
        return;
    }
    match prove(ctx, &scenario.namespaces, step.timeout).await {
        Ok(note) => outcome.notes.push(note),
        Err(e) => {
            outcome.status = Status::Failed;
            let e = format!("RBAC sentinel: {e}");
            outcome.error = Some(match outcome.error.take() {
                Some(first) => format!("{first}; {e}"),
                None => e,
            });
        }
    }
}

/// The step right after `step`, when the sentinel it runs proves `step`'s writes too: it may write
/// RBAC (so it runs a sentinel, written after both), it looks at nothing in between, and it is sure to
/// run when `step` passed (no `when-version` or `when-var` that could skip it). The authorizer's
/// informers deliver each kind in resourceVersion order, so objects written after both writes prove
/// both.
pub fn deferred_to(scenario: &Scenario, step: &Step) -> Option<usize> {
    let next = scenario.steps.iter().find(|s| s.index == step.index + 1)?;
    let sure = next.when_version.is_none() && next.inapplicable.is_none();
    (sure && !next.action.looks() && may_write_rbac(next, &scenario.dir())).then_some(next.index)
}

/// Whether a step may have created, changed or deleted a Role, RoleBinding, ClusterRole or
/// ClusterRoleBinding: each kind says it ([`crate::step::StepKind::may_write_rbac`]).
pub fn may_write_rbac(step: &Step, dir: &Path) -> bool {
    step.action.may_write_rbac(dir)
}

/// A name no earlier sentinel had: the time, the process and a counter.
fn unique() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    format!("{:x}{:x}{:x}", nanos % (1 << 48), std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The sentinel objects granting `user` the made-up permissions, one document each, in the order of
/// [`RBAC_KINDS`]: the Role and RoleBinding in `namespace` when there is one, the ClusterRole and
/// ClusterRoleBinding always.
fn manifest(name: &str, namespace: Option<&str>, user: &str) -> Vec<String> {
    let subject = format!("subjects: [{{apiGroup: rbac.authorization.k8s.io, kind: User, name: \"{user}\"}}]");
    let meta = |ns: Option<&str>| {
        let ns = ns.map(|n| format!(", namespace: {n}")).unwrap_or_default();
        format!("metadata: {{name: {name}{ns}, labels: {{sa-conformance.dev/sentinel: \"true\"}}}}")
    };
    let rule = |resource: &str| format!("rules: [{{apiGroups: [sa-conformance.dev], resources: [{resource}], verbs: [get]}}]");
    let namespaced = namespace.into_iter().flat_map(|ns| {
        [
            format!("apiVersion: {RBAC_API}\nkind: Role\n{}\n{}\n", meta(Some(ns)), rule("namespacedsentinels")),
            format!("apiVersion: {RBAC_API}\nkind: RoleBinding\n{}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: {name}}}\n{subject}\n", meta(Some(ns))),
        ]
    });
    let cluster = [
        format!("apiVersion: {RBAC_API}\nkind: ClusterRole\n{}\n{}\n", meta(None), rule("clustersentinels")),
        format!("apiVersion: {RBAC_API}\nkind: ClusterRoleBinding\n{}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {name}}}\n{subject}\n", meta(None)),
    ];
    namespaced.chain(cluster).collect()
}

/// The first of the scenario's namespaces that exists and is not going away, else `default`.
async fn namespace_for(ctx: &StepCtx<'_>, namespaces: &[String]) -> String {
    let api: Api<Namespace> = Api::all(ctx.target.client.clone());
    for ns in namespaces {
        if let Ok(Some(n)) = api.get_opt(ns).await {
            if n.metadata.deletion_timestamp.is_none() {
                return ns.clone();
            }
        }
    }
    "default".into()
}

/// Writes the sentinel, waits until the authorizer grants both halves, deletes it; returns the note
/// with what it cost.
async fn prove(ctx: &StepCtx<'_>, namespaces: &[String], timeout: Duration) -> Result<String, String> {
    let ns = namespace_for(ctx, namespaces).await;
    prove_halves(&ctx.target.client, ctx.discovery, Some(&ns), timeout, &|objects| {
        if let Ok(mut list) = ctx.applied.lock() {
            list.extend(objects.iter().cloned());
        }
    })
    .await
}

/// After a run deleted cluster-wide RBAC (a ClusterRole or ClusterRoleBinding, maybe granting to
/// everyone): proves the authorizer has seen the deletes before the next run asks, with the
/// cluster-scoped half of the sentinel (ClusterRole+ClusterRoleBinding, written after the deletes; the
/// ClusterRoleBinding informer delivers in order). Without it, the next run could be answered from a
/// cache that still holds the grant. Returns the note with what it cost.
pub async fn prove_cluster_rbac(
    client: &kube::Client,
    discovery: &crate::api::DiscoveryCache,
    timeout: Duration,
) -> Result<String, String> {
    prove_halves(client, discovery, None, timeout, &|_| {}).await
}

/// The sentinel: the cluster-scoped half always, the namespaced half in `ns` when given. `record`
/// hears of the objects before they are written (for a scenario's cleanup list).
async fn prove_halves(
    client: &kube::Client,
    discovery: &crate::api::DiscoveryCache,
    ns: Option<&str>,
    timeout: Duration,
    record: &(dyn Fn(&[Applied]) + Sync),
) -> Result<String, String> {
    let id = unique();
    let name = format!("sa-conformance-sentinel-{id}");
    let user = format!("sa-conformance:sentinel:{id}");
    let wanted = |kind: &str| ns.is_some() || kind.starts_with("Cluster");
    let objects: Vec<Applied> = RBAC_KINDS
        .iter()
        .filter(|kind| wanted(kind))
        .map(|kind| Applied {
            api_version: RBAC_API.into(),
            kind: kind.to_string(),
            name: name.clone(),
            namespace: (!kind.starts_with("Cluster")).then(|| ns.unwrap_or_default().to_string()),
        })
        .collect();
    record(&objects);
    let started = Instant::now();
    // all at once: each only has to be written after the step, in any order among themselves
    let docs = manifest(&name, ns, &user);
    let writes = futures::future::join_all(docs.iter().map(|doc| api::apply_manifest(client, discovery, doc, ns))).await;
    writes.into_iter().collect::<Result<Vec<_>, _>>().map_err(|e| chain(&e))?;
    let written = started.elapsed();
    let cluster = AccessQuestion {
        user: user.clone(),
        verb: "get".into(),
        resource: Some("clustersentinels.sa-conformance.dev".into()),
        non_resource_url: None,
        namespace: None,
    };
    let namespaced = ns.map(|ns| AccessQuestion {
        namespace: Some(ns.to_string()),
        resource: Some("namespacedsentinels.sa-conformance.dev".into()),
        ..cluster.clone()
    });
    let deadline = started + timeout;
    let mut rounds = 0;
    let granted = loop {
        rounds += 1;
        let ask_namespaced = async {
            match &namespaced {
                Some(q) => api::access_review(client, q).await.map(|a| a.0),
                None => Ok(true),
            }
        };
        let (a, b) = tokio::join!(ask_namespaced, api::access_review(client, &cluster));
        let (a, b) = (a.map_err(|e| chain(&e))?, b.map_err(|e| chain(&e))?.0);
        if a && b {
            break Ok(started.elapsed());
        }
        if Instant::now() + REVIEW_INTERVAL > deadline {
            let word = |x: bool| if x { "yes" } else { "no" };
            let namespaced = ns.map(|ns| format!("Role+RoleBinding in {ns}: {}, ", word(a))).unwrap_or_default();
            break Err(format!(
                "the authorizer did not grant the sentinel's permissions within {} ({namespaced}ClusterRole+ClusterRoleBinding: {}); later answers could be stale",
                crate::duration::format_duration(timeout),
                word(b)
            ));
        }
        tokio::time::sleep(REVIEW_INTERVAL).await;
    };
    let refs: Vec<_> = objects.iter().map(Applied::to_ref).collect();
    let deletes = futures::future::join_all(refs.iter().map(|r| api::delete_object(client, discovery, r))).await;
    let not_deleted: Vec<String> = deletes.into_iter().filter_map(Result::err).map(|e| chain(&e)).collect();
    let granted = granted?;
    if !not_deleted.is_empty() {
        return Err(format!("could not delete the sentinel: {}", not_deleted.join("; ")));
    }
    let halves = match ns {
        Some(ns) => format!("Role+RoleBinding in {ns}, ClusterRole+ClusterRoleBinding"),
        None => "ClusterRole+ClusterRoleBinding".into(),
    };
    Ok(format!(
        "RBAC sentinel {name} ({halves}): written in {}ms, granted {}ms after that ({rounds} review round(s)), deleted; {}ms in all",
        written.as_millis(),
        (granted - written).as_millis(),
        started.elapsed().as_millis()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{load_str, LoadOptions};
    use rstest::rstest;

    fn step(yaml: &str) -> Step {
        let text = format!("name: x\nsteps:\n  - {yaml}\n");
        let s = load_str(Path::new("/nonexistent/x.scenario.yaml"), &text, &LoadOptions::default()).expect("loads");
        s.steps[0].clone()
    }

    #[rstest]
    #[case::apply_rolebinding(
        "apply: {manifest: \"apiVersion: rbac.authorization.k8s.io/v1\\nkind: RoleBinding\\nmetadata: {name: a, namespace: b}\\n\"}",
        true
    )]
    #[case::apply_second_document_quoted("apply: {manifest: \"apiVersion: v1\\nkind: Pod\\nmetadata: {name: a}\\n---\\napiVersion: rbac.authorization.k8s.io/v1\\nkind: 'ClusterRole'\\nmetadata: {name: b}\\n\"}", true)]
    #[case::apply_pod("apply: {manifest: \"apiVersion: v1\\nkind: Pod\\nmetadata: {name: a}\\n\"}", false)]
    #[case::apply_sa_named_role("apply: {manifest: \"apiVersion: v1\\nkind: ServiceAccount\\nmetadata: {name: role}\\n\"}", false)]
    #[case::delete_rolebinding(
        "delete: {resource: {apiVersion: rbac.authorization.k8s.io/v1, kind: RoleBinding, name: a, namespace: b}}",
        true
    )]
    #[case::delete_pod("delete: {resource: {apiVersion: v1, kind: Pod, name: a, namespace: b}}", false)]
    #[case::create_role("kubectl: {command: kubectl create role pod-reader --verb=get --resource=pods -n dev}", true)]
    #[case::create_clusterrolebinding("kubectl: {command: kubectl create clusterrolebinding x --clusterrole=view --group=bobs}", true)]
    #[case::delete_rolebinding_slash("kubectl: {command: kubectl delete rolebinding/pod-reader -n dev}", true)]
    #[case::delete_full_name("kubectl: {command: kubectl delete rolebindings.rbac.authorization.k8s.io pod-reader -n dev}", true)]
    #[case::patch_clusterrole("kubectl: {command: kubectl patch clusterrole x --type=merge -p x}", true)]
    #[case::set_subject("kubectl: {command: kubectl set subject rolebinding x --serviceaccount=dev:bob -n dev}", true)]
    #[case::reconcile("kubectl: {command: kubectl auth reconcile -f rbac.yaml}", true)]
    #[case::apply_stdin_rbac("kubectl: {command: 'kubectl apply -f -', stdin: \"kind: Role\\n\"}", true)]
    #[case::apply_stdin_pod("kubectl: {command: 'kubectl apply -f -', stdin: \"kind: Pod\\n\"}", false)]
    #[case::apply_unreadable_file("kubectl: {command: kubectl apply -f no-such-file.yaml}", true)]
    #[case::apply_url("kubectl: {command: kubectl apply --filename=https://example.com/x.yaml}", true)]
    #[case::create_namespace("kubectl: {command: kubectl create namespace dev}", false)]
    #[case::get_rolebindings("kubectl: {command: kubectl get rolebindings -n dev}", false)]
    #[case::can_i("kubectl: {command: kubectl auth can-i create rolebindings -n dev}", false)]
    #[case::describe_role("kubectl: {command: kubectl describe role pod-reader -n dev}", false)]
    #[case::a_look("can-i: {as: u, verb: get, resource: roles, expect: \"no\"}", false)]
    fn steps_that_may_write_rbac_are_recognised(#[case] yaml: &str, #[case] writes: bool) {
        assert_eq!(may_write_rbac(&step(yaml), Path::new("/nonexistent")), writes, "{yaml}");
    }

    fn scenario(steps: &[&str]) -> Scenario {
        let text = format!("name: x\nsteps:\n{}", steps.iter().map(|s| format!("  - {s}\n")).collect::<String>());
        load_str(Path::new("/nonexistent/x.scenario.yaml"), &text, &LoadOptions::default()).expect("loads")
    }

    const ROLE: &str =
        "apply: {manifest: \"apiVersion: rbac.authorization.k8s.io/v1\\nkind: Role\\nmetadata: {name: a, namespace: b}\\n\"}";
    const BINDING: &str =
        "apply: {manifest: \"apiVersion: rbac.authorization.k8s.io/v1\\nkind: RoleBinding\\nmetadata: {name: a, namespace: b}\\n\"}";
    const POD: &str = "apply: {manifest: \"apiVersion: v1\\nkind: Pod\\nmetadata: {name: a, namespace: b}\\n\"}";
    const LOOK: &str = "can-i: {as: u, verb: get, resource: pods, expect: \"no\"}";

    #[rstest]
    #[case::role_then_binding(&[ROLE, BINDING, LOOK], Some(2))]
    #[case::binding_then_a_look(&[BINDING, LOOK], None)]
    #[case::a_write_that_is_not_rbac(&[ROLE, POD, LOOK], None)]
    #[case::a_kubectl_write_compares_its_output(&[ROLE, "kubectl: {command: kubectl create rolebinding a --role=a --user=u -n b}", LOOK], None)]
    #[case::next_may_not_run_on_this_version(&[ROLE, &format!("{BINDING}\n    when-version: \">=1.30\""), LOOK], None)]
    #[case::last_step(&[ROLE], None)]
    fn the_sentinel_is_left_to_the_next_step_only_when_it_surely_proves_both(#[case] steps: &[&str], #[case] want: Option<usize>) {
        let s = scenario(steps);
        assert_eq!(deferred_to(&s, &s.steps[0]), want, "{steps:?}");
    }

    #[test]
    fn the_sentinel_grants_two_made_up_permissions_in_four_objects() {
        let docs = api::parse_manifest(&manifest("s-1", Some("dev"), "sa-conformance:sentinel:1").join("---\n")).expect("valid YAML");
        let kinds: Vec<&str> = docs.iter().filter_map(|d| d["kind"].as_str()).collect();
        assert_eq!(kinds, RBAC_KINDS);
        assert_eq!(docs[0]["metadata"]["namespace"], "dev");
        assert_eq!(docs[0]["rules"][0]["resources"][0], "namespacedsentinels");
        assert_eq!(docs[2]["rules"][0]["resources"][0], "clustersentinels");
        assert!(docs[2]["metadata"]["namespace"].is_null());
        assert_eq!(docs[3]["subjects"][0]["name"], "sa-conformance:sentinel:1");
        assert_eq!(docs[1]["roleRef"]["kind"], "Role");
        assert_ne!(unique(), unique());
        // after a cleanup, the cluster half alone
        let docs = api::parse_manifest(&manifest("s-2", None, "sa-conformance:sentinel:2").join("---\n")).expect("valid YAML");
        let kinds: Vec<&str> = docs.iter().filter_map(|d| d["kind"].as_str()).collect();
        assert_eq!(kinds, RBAC_KINDS[2..]);
    }
}

#[cfg(test)]
mod late_rbac_tests {
    use crate::scenario::{load_str, LoadOptions};
    use crate::step::can_i::behind_the_sentinel;
    use crate::step::Action;
    use rstest::rstest;
    use std::path::Path;

    /// (Here, not in step::can_i: a step module may not import the loader.) What `step::can_i::behind_the_sentinel` says of a scenario with these steps (and a can-i after them).
    fn late(steps: &[&str]) -> Option<String> {
        let text = format!(
            "name: x\nsteps:\n{}  - can-i: {{as: u, verb: get, resource: pods, expect: \"no\"}}\n",
            steps.iter().map(|s| format!("  - {s}\n")).collect::<String>()
        );
        let s = load_str(Path::new("/nonexistent/x.scenario.yaml"), &text, &LoadOptions::default()).expect("loads");
        let actions: Vec<&Action> = s.steps.iter().map(|st| &st.action).collect();
        behind_the_sentinel(&actions, Path::new("/nonexistent"))
    }

    #[rstest]
    #[case::role_and_binding(&["apply: {manifest: \"apiVersion: rbac.authorization.k8s.io/v1\\nkind: Role\\nmetadata: {name: a, namespace: b}\\n\"}"], None)]
    #[case::create_namespace(&["kubectl: {command: kubectl create namespace dev}"], None)]
    #[case::delete_a_pod(&["delete: {resource: {apiVersion: v1, kind: Pod, name: a, namespace: b}}"], None)]
    #[case::read_only_kubectl(&["kubectl: {command: kubectl get ns dev}"], None)]
    #[case::aggregation_rule(&["apply: {manifest: \"apiVersion: rbac.authorization.k8s.io/v1\\nkind: ClusterRole\\nmetadata: {name: a}\\naggregationRule: {clusterRoleSelectors: []}\\n\"}"], Some("a manifest with `aggregationRule`"))]
    #[case::aggregate_to_label(&["apply: {manifest: \"apiVersion: rbac.authorization.k8s.io/v1\\nkind: ClusterRole\\nmetadata: {name: a, labels: {rbac.authorization.k8s.io/aggregate-to-view: 'true'}}\\n\"}"], Some("a manifest with `aggregate-to-`"))]
    #[case::owner_references(&["apply: {manifest: \"apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: a, namespace: b, ownerReferences: []}\\n\"}"], Some("a manifest with `ownerReferences`"))]
    #[case::delete_namespace_step(&["delete: {resource: {apiVersion: v1, kind: Namespace, name: dev}}"], Some("the deletion of namespace dev"))]
    #[case::kubectl_delete_ns(&["kubectl: {command: kubectl delete ns dev}"], Some("`kubectl delete ns dev`: deletes a namespace"))]
    #[case::kubectl_aggregation(&["kubectl: {command: kubectl create clusterrole x --aggregation-rule=a=b}"], Some("`kubectl create clusterrole x --aggregation-rule=a=b`: creates an aggregated ClusterRole"))]
    #[case::kubectl_unreadable_file(&["kubectl: {command: kubectl apply -f no-such.yaml}"], Some("`kubectl apply -f no-such.yaml`: cannot read no-such.yaml"))]
    fn what_changes_rbac_behind_the_sentinel(#[case] steps: &[&str], #[case] want: Option<&str>) {
        assert_eq!(late(steps).as_deref(), want);
    }
}
