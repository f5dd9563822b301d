//! `assert`: polls an object (or a list) until every field check holds, reporting the last mismatch.
//! Paths are checked against the kind's schema first: a field the kind cannot have fails at once.
//! A mismatch fails at once ([`final_mismatch`]) only where waiting provably cannot change it: every
//! failing field is one that no controller, admission plugin or kubelet writes after the object was
//! stored ([`NO_CONTROLLER_WRITES`]), and the object has nothing left to converge. Anything else
//! (a token Secret's data, `kube-root-ca.crt`, a pod's status, labels and finalizers) waits out `within`:
//! a red must be proof, never a race with a controller.

use crate::footprint::Footprint;
use std::path::Path;
use crate::poll::{look_or_settle, Asked, Window};
use super::{invalid, Check, Invalid, Limits, LoadCx, Looking, StepCtx, StepError, StepKind};
use crate::api::{self, ObjectRef};
use crate::check::{FieldCheck, Mismatch};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssertStep {
    pub resource: ObjectRef,
    #[serde(default)]
    pub fields: Vec<FieldCheck>,
    /// `in-every-namespace: true`: the object `resource.name` of this namespaced kind must exist in
    /// every Active namespace of the cluster's live namespace list (each passing `fields`), not in a
    /// list the scenario wrote down; Terminating namespaces are skipped with a note.
    #[serde(default, rename = "in-every-namespace")]
    pub in_every_namespace: bool,
}

impl StepKind for AssertStep {
    type Raw = Self;
    const LOOKING: Looking = Looking::UntilTimeout;

    /// Reads the object's namespace (or every namespace, for a list).
    fn footprint(&self, f: &mut Footprint, at: &str, _: &Path) {
        f.read_ref(&self.resource, at);
    }

    /// The object (or every object of its kind, for a list or every namespace).
    fn reads(&self) -> Option<Vec<crate::footprint::Read>> {
        let r = &self.resource;
        let ns = if self.in_every_namespace { None } else { r.namespace.as_deref() };
        Some(vec![crate::footprint::Read::object(&r.kind, ns, if r.list { None } else { r.name.as_deref() })])
    }

    fn build(a: Self, _: &dyn LoadCx) -> Result<Self, Invalid> {
        if a.resource.name.is_none() && !a.resource.list {
            return invalid("resource", "assert needs `name`, or `list: true` to check the list");
        }
        if a.in_every_namespace && (a.resource.name.is_none() || a.resource.namespace.is_some() || a.resource.list) {
            return invalid("in-every-namespace", "in-every-namespace needs `resource.name` and no `namespace` or `list`");
        }
        if a.fields.is_empty() && !a.in_every_namespace {
            return invalid("fields", "assert needs at least one field check");
        }
        a.fields.iter().try_for_each(|f| f.validate().map_err(|m| ("fields".to_string(), m)))?;
        Ok(a)
    }

    fn only_looks(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &StepCtx<'_>, limits: Limits) -> Result<Check, StepError> {
        run(ctx, self, limits.window).await
    }
}

async fn run(ctx: &StepCtx<'_>, a: &AssertStep, window: Window) -> Result<Check, StepError> {
    let r = &a.resource;
    let kind = if r.list { format!("{}List", r.kind) } else { r.kind.clone() };
    let schema = ctx.discovery.schemas.kind(&ctx.target.client, &r.api_version, &kind).await?;
    let wrong_paths: Vec<Mismatch> = a.fields.iter().filter_map(|f| f.path_problem(&schema)).map(|m| about(r, m)).collect();
    if !wrong_paths.is_empty() {
        return Ok(Check::with(wrong_paths));
    }
    if a.in_every_namespace {
        return in_every_namespace(ctx, a, &schema, window).await;
    }
    look_or_settle(window, "every field check to hold", || async {
        let doc = if r.list {
            Some(api::list_json(&ctx.target.client, ctx.discovery, r).await?)
        } else {
            api::get_json(&ctx.target.client, ctx.discovery, r).await?
        };
        let Some(doc) = doc else {
            let check = Check::with(vec![Mismatch::new(r.to_string(), "to exist", "not found")]);
            return Ok((Asked { check, said: "not found".into() }, None));
        };
        let mut failing = Vec::new();
        let mut mismatches = Vec::new();
        for f in &a.fields {
            let found = f.check(&doc, &schema);
            if !found.is_empty() {
                failing.push(f.path.as_str());
            }
            mismatches.extend(found.into_iter().map(|m| about(r, m)));
        }
        let said = if mismatches.is_empty() { "every check holds".to_string() } else { format!("{} check(s) failing", mismatches.len()) };
        let settled = if r.list { None } else { final_mismatch(r, &doc, &failing) };
        Ok((Asked { check: Check::with(mismatches).saw(serde_json::json!({ "object": doc })), said }, settled))
    })
    .await
}

/// Fields that nothing in the cluster writes once the object is stored, by (API group, kind): only a
/// client's own update can change them. Everything not listed may still be written by a controller
/// (the token controller fills a token Secret's `data`, the root CA publisher `kube-root-ca.crt`,
/// the ServiceAccount controller creates `default`, the token cleaner labels legacy tokens, garbage
/// collection edits ownerReferences and finalizers, kubelet writes a pod's status), so a check on it
/// waits out `within`. `metadata.name` and `metadata.namespace` are immutable for every kind.
const NO_CONTROLLER_WRITES: &[(&str, &str, &[&str])] = &[
    ("rbac.authorization.k8s.io", "Role", &["rules"]),
    // a ClusterRole with an aggregationRule has its rules written by the aggregation controller
    ("rbac.authorization.k8s.io", "ClusterRole", &["rules"]),
    ("rbac.authorization.k8s.io", "RoleBinding", &["subjects", "roleRef"]),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding", &["subjects", "roleRef"]),
    ("", "ServiceAccount", &["automountServiceAccountToken", "imagePullSecrets"]),
    // admission sets these when the pod is created; the API refuses to change them afterwards
    ("", "Pod", &["spec.serviceAccountName", "spec.automountServiceAccountToken", "spec.volumes", "spec.containers"]),
];

fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// Whether no writer but a client can change `path` of this object (see [`NO_CONTROLLER_WRITES`]).
fn only_clients_write(api_version: &str, kind: &str, doc: &Value, path: &str) -> bool {
    let under = |prefix: &str| path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with(['.', '[']));
    if under("metadata.name") || under("metadata.namespace") {
        return true;
    }
    if kind == "ClusterRole" && !doc["aggregationRule"].is_null() {
        return false;
    }
    NO_CONTROLLER_WRITES.iter().any(|(g, k, fields)| *g == group_of(api_version) && *k == kind && fields.iter().any(|f| under(f)))
}

/// Why the failing checks of an object cannot come true by waiting, if they provably cannot: every
/// failing path is a field no controller writes for this kind ([`only_clients_write`]), and the
/// object has nothing left to converge: no status at all, or `status.observedGeneration` equal to
/// `metadata.generation`.
fn final_mismatch(r: &ObjectRef, doc: &Value, failing: &[&str]) -> Option<String> {
    if failing.is_empty() || !failing.iter().all(|p| only_clients_write(&r.api_version, &r.kind, doc, p)) {
        return None;
    }
    let status = &doc["status"];
    let converged = match (status, doc["metadata"]["generation"].as_i64()) {
        (Value::Null, _) => "it has no status".to_string(),
        (Value::Object(m), _) if m.is_empty() => "it has no status".to_string(),
        (_, Some(g)) if status["observedGeneration"].as_i64() == Some(g) => {
            format!("status.observedGeneration equals metadata.generation ({g})")
        }
        _ => return None,
    };
    Some(format!(
        "{} failing, fields of a {} that no controller writes, and {converged}: only another write can change it",
        failing.join(", "),
        r.kind
    ))
}

/// `in-every-namespace`: lists the cluster's namespaces and the kind across all of them, each time it
/// asks, so a namespace nobody in the scenario created counts as much as one it did.
async fn in_every_namespace(
    ctx: &StepCtx<'_>,
    a: &AssertStep,
    schema: &crate::check::DocSchema,
    window: Window,
) -> Result<Check, StepError> {
    let r = &a.resource;
    let namespaces_ref = ObjectRef { api_version: "v1".into(), kind: "Namespace".into(), name: None, namespace: None, list: true };
    let all_ref = ObjectRef { name: None, list: true, ..r.clone() };
    look_or_settle(window, "the object in every namespace", || async {
        let namespaces = api::list_json(&ctx.target.client, ctx.discovery, &namespaces_ref).await?;
        let objects = api::list_json(&ctx.target.client, ctx.discovery, &all_ref).await?;
        let name = r.name.as_deref().unwrap_or_default();
        let per_ns = per_namespace(&namespaces, &objects, name);
        let mut mismatches = Vec::new();
        for ns in &per_ns.missing {
            mismatches.push(Mismatch::new(format!("{} {name} in namespace {ns}", r.kind), "to exist", "not found"));
        }
        for (ns, obj) in &per_ns.found {
            let about_ns = ObjectRef { namespace: Some(ns.clone()), list: false, ..r.clone() };
            mismatches.extend(a.fields.iter().flat_map(|f| f.check(obj, schema)).map(|m| about(&about_ns, m)));
        }
        let said = if per_ns.missing.is_empty() {
            format!("in all {} active namespaces", per_ns.found.len())
        } else {
            format!("missing in {} of {} active namespaces", per_ns.missing.len(), per_ns.missing.len() + per_ns.found.len())
        };
        let mut check = Check::with(mismatches);
        check.notes.push(format!(
            "namespaces checked: {}",
            per_ns.found.iter().map(|(n, _)| n.as_str()).chain(per_ns.missing.iter().map(String::as_str)).collect::<Vec<_>>().join(", ")
        ));
        if !per_ns.terminating.is_empty() {
            check.notes.push(format!("skipped (Terminating, their objects are being deleted): {}", per_ns.terminating.join(", ")));
        }
        Ok((Asked { check, said }, None))
    })
    .await
}

/// The namespaces of a live `NamespaceList`, sorted into: Active with the object `name` (and it),
/// Active without it, and Terminating (whose content the namespace controller is deleting).
#[derive(Debug, Default, PartialEq)]
struct PerNamespace {
    found: Vec<(String, Value)>,
    missing: Vec<String>,
    terminating: Vec<String>,
}

fn per_namespace(namespaces: &Value, objects: &Value, name: &str) -> PerNamespace {
    let items = |v: &Value| v["items"].as_array().cloned().unwrap_or_default();
    let mut out = PerNamespace::default();
    for ns in items(namespaces) {
        let Some(ns_name) = ns["metadata"]["name"].as_str() else { continue };
        if ns["status"]["phase"].as_str() == Some("Terminating") || !ns["metadata"]["deletionTimestamp"].is_null() {
            out.terminating.push(ns_name.to_string());
            continue;
        }
        let obj = items(objects)
            .into_iter()
            .find(|o| o["metadata"]["namespace"].as_str() == Some(ns_name) && o["metadata"]["name"].as_str() == Some(name));
        match obj {
            Some(o) => out.found.push((ns_name.to_string(), o)),
            None => out.missing.push(ns_name.to_string()),
        }
    }
    out
}

fn about(r: &ObjectRef, mut m: Mismatch) -> Mismatch {
    m.what = format!("{r}: {}", m.what);
    m
}

#[cfg(test)]
mod tests {
    use super::{final_mismatch, per_namespace};
    use crate::api::ObjectRef;
    use rstest::rstest;
    use serde_json::json;

    fn of(api_version: &str, kind: &str) -> ObjectRef {
        ObjectRef { api_version: api_version.into(), kind: kind.into(), name: Some("x".into()), namespace: None, list: false }
    }

    const RBAC: &str = "rbac.authorization.k8s.io/v1";

    #[rstest]
    #[case::role_rules(of(RBAC, "Role"), json!({"metadata": {}, "rules": []}), &["rules[*].verbs"], true)]
    #[case::binding_subjects(of(RBAC, "RoleBinding"), json!({"metadata": {}}), &["subjects[0].name", "roleRef.name"], true)]
    #[case::sa_automount(of("v1", "ServiceAccount"), json!({"metadata": {"name": "pod-inspector"}, "automountServiceAccountToken": true}), &["automountServiceAccountToken"], true)]
    #[case::pod_service_account(of("v1", "Pod"), json!({"metadata": {"generation": 1}, "spec": {}, "status": {"observedGeneration": 1}}), &["spec.serviceAccountName"], true)]
    #[case::name_of_any_kind(of("v1", "ConfigMap"), json!({"metadata": {}}), &["metadata.name"], true)]
    // what a controller may still write waits, whatever the object's status says
    #[case::token_secret_data(of("v1", "Secret"), json!({"metadata": {}, "type": "kubernetes.io/service-account-token"}), &["data.token", "data.ca\\.crt"], false)]
    #[case::secret_annotation(of("v1", "Secret"), json!({"metadata": {}}), &["metadata.annotations.kubernetes\\.io/service-account\\.uid"], false)]
    #[case::root_ca_configmap(of("v1", "ConfigMap"), json!({"metadata": {}}), &["data.ca\\.crt"], false)]
    #[case::labels(of("v1", "Secret"), json!({"metadata": {}}), &["metadata.labels"], false)]
    #[case::finalizers(of("v1", "ServiceAccount"), json!({"metadata": {}}), &["metadata.finalizers"], false)]
    #[case::owner_references(of(RBAC, "Role"), json!({"metadata": {}}), &["metadata.ownerReferences"], false)]
    #[case::sa_secrets(of("v1", "ServiceAccount"), json!({"metadata": {}}), &["secrets"], false)]
    #[case::pod_node(of("v1", "Pod"), json!({"metadata": {}}), &["spec.nodeName"], false)]
    #[case::aggregated_cluster_role(of(RBAC, "ClusterRole"), json!({"metadata": {}, "aggregationRule": {"clusterRoleSelectors": []}}), &["rules"], false)]
    #[case::a_prefix_is_not_a_field(of(RBAC, "Role"), json!({"metadata": {}}), &["rulesets"], false)]
    #[case::one_of_them_written_by_a_controller(of(RBAC, "Role"), json!({"metadata": {}}), &["rules", "metadata.labels.x"], false)]
    #[case::same_kind_other_group(of("example.com/v1", "Role"), json!({"metadata": {}}), &["rules"], false)]
    // and for the fields no controller writes, only once the object has nothing left to converge
    #[case::not_converged(of("v1", "Pod"), json!({"metadata": {"generation": 3}, "spec": {}, "status": {"observedGeneration": 2}}), &["spec.serviceAccountName"], false)]
    #[case::status_without_generation(of("v1", "Pod"), json!({"metadata": {}, "spec": {}, "status": {"phase": "Pending"}}), &["spec.serviceAccountName"], false)]
    #[case::status_field_failing(of("v1", "Pod"), json!({"metadata": {"generation": 1}, "status": {"observedGeneration": 1}}), &["status.phase"], false)]
    #[case::nothing_failing(of(RBAC, "Role"), json!({"metadata": {}}), &[], false)]
    fn a_mismatch_is_final_only_on_fields_no_controller_writes_of_a_converged_object(
        #[case] r: ObjectRef,
        #[case] doc: serde_json::Value,
        #[case] failing: &[&str],
        #[case] is_final: bool,
    ) {
        assert_eq!(final_mismatch(&r, &doc, failing).is_some(), is_final, "{:?}", final_mismatch(&r, &doc, failing));
    }

    fn ns(name: &str, phase: &str) -> serde_json::Value {
        json!({"metadata": {"name": name}, "status": {"phase": phase}})
    }

    fn sa(namespace: &str, name: &str) -> serde_json::Value {
        json!({"metadata": {"namespace": namespace, "name": name}})
    }

    /// (namespaces, ServiceAccounts, expected names: found, missing, terminating)
    #[rstest]
    #[case::every_namespace_has_it(vec![ns("default", "Active"), ns("dev", "Active")], vec![sa("dev", "default"), sa("default", "default")], (vec!["default", "dev"], vec![], vec![]))]
    #[case::one_without_it(vec![ns("default", "Active"), ns("lonely", "Active")], vec![sa("default", "default")], (vec!["default"], vec!["lonely"], vec![]))]
    #[case::same_name_elsewhere_does_not_count(vec![ns("a", "Active"), ns("b", "Active")], vec![sa("a", "default"), sa("a", "other"), sa("b", "other")], (vec!["a"], vec!["b"], vec![]))]
    #[case::terminating_is_skipped(vec![ns("a", "Active"), ns("going", "Terminating")], vec![sa("a", "default")], (vec!["a"], vec![], vec!["going"]))]
    #[case::no_namespaces_no_verdict(vec![], vec![sa("a", "default")], (vec![], vec![], vec![]))]
    fn every_active_namespace_of_the_live_list_is_checked(
        #[case] namespaces: Vec<serde_json::Value>,
        #[case] objects: Vec<serde_json::Value>,
        #[case] expected: (Vec<&str>, Vec<&str>, Vec<&str>),
    ) {
        let got = per_namespace(&json!({ "items": namespaces }), &json!({ "items": objects }), "default");
        let found: Vec<&str> = got.found.iter().map(|(n, _)| n.as_str()).collect();
        let missing: Vec<&str> = got.missing.iter().map(String::as_str).collect();
        let terminating: Vec<&str> = got.terminating.iter().map(String::as_str).collect();
        assert_eq!((found, missing, terminating), expected);
    }
}
