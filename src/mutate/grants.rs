//! Operators on who may do what: over-grants (an extra ClusterRoleBinding, a RoleBinding widened to
//! the cluster), under-grants (a Role or RoleBinding not applied, a subject or a verb wrong) and order
//! (the RoleBinding applied before the documented "403 before").

use super::draft::{doc_target, Draft};
use super::manifests::{self, Site};
use super::operators::Operator;
use crate::scenario::{Action, ObjectRef, Scenario, Step};
use serde_json::{json, Value};

/// Prefix of every object a mutant adds, so nobody mistakes it for the scenario's own.
pub const MUTANT_PREFIX: &str = "sa-conformance-mutant-";

/// Does this step look at what an identity may do (so a grant before it changes its answer)?
pub fn checks_access(step: &Step) -> bool {
    match &step.action {
        Action::CanI(_) | Action::HttpFromPod(_) | Action::Audit(_) => true,
        // whoami asks who the token is (authentication), which no grant changes; a request is authorized.
        Action::Token(t) => t.expect.request.is_some(),
        Action::Exec(e) => e.argv().join(" ").contains("Bearer"),
        Action::Kubectl(k) => k.args.iter().any(|a| a == "can-i" || a.starts_with("--as")),
        _ => false,
    }
}

/// A cluster-scoped object name made from free text.
pub fn object_name(text: &str) -> String {
    let slug: String =
        text.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '-' }).collect();
    let mut name = format!("{MUTANT_PREFIX}{}", slug.trim_matches('-'));
    name.truncate(200);
    name.trim_end_matches(['-', '.']).to_string()
}

fn rbac_ref(kind: &str, name: &str) -> ObjectRef {
    ObjectRef {
        api_version: "rbac.authorization.k8s.io/v1".into(),
        kind: kind.into(),
        name: Some(name.into()),
        namespace: None,
        list: false,
    }
}

fn cluster_role_binding(name: &str, role: &str, subjects: Value) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name, "labels": {"sa-conformance.dev/mutant": "true"}},
        "subjects": subjects,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
    })
}

/// The ServiceAccounts a scenario creates or checks, `(namespace, name)`, in order of appearance.
pub fn service_accounts(scenario: &Scenario, sites: &[Site]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |ns: String, name: String| {
        if !ns.is_empty() && !name.is_empty() && !out.contains(&(ns.clone(), name.clone())) {
            out.push((ns, name));
        }
    };
    for site in sites {
        for doc in site.docs.iter().filter(|d| manifests::kind(d) == "ServiceAccount") {
            add(manifests::namespace(doc, &scenario.steps[site.step]), manifests::name(doc).to_string());
        }
    }
    for step in &scenario.steps {
        match &step.action {
            Action::CanI(c) => {
                if let Some(rest) = c.user.strip_prefix("system:serviceaccount:") {
                    if let Some((ns, name)) = rest.split_once(':') {
                        add(ns.into(), name.into());
                    }
                }
            }
            Action::Token(t) => add(t.namespace.clone(), t.serviceaccount.clone()),
            _ => {}
        }
    }
    out
}

/// The groups every ServiceAccount (or every user) is in: a grant to them reaches every run.
const EVERYONE: [&str; 2] = ["system:serviceaccounts", "system:authenticated"];

/// cluster-admin, view and edit to each ServiceAccount; cluster-admin to each of their namespaces'
/// groups, to all ServiceAccounts and to all authenticated users. Broader subjects get cluster-admin
/// only: view or edit to a group contains the same grant to the ServiceAccount, which is tried alone.
pub fn over_grant(scenario: &Scenario) -> Vec<Draft> {
    let sites = manifests::sites(scenario);
    let Some(at) = scenario.steps.iter().position(checks_access) else { return Vec::new() };
    let sas = service_accounts(scenario, &sites);
    if sas.is_empty() {
        return Vec::new();
    }
    let mut grants: Vec<(&str, String, Value)> = Vec::new();
    for (ns, name) in &sas {
        for role in ["cluster-admin", "view", "edit"] {
            grants.push((role, format!("sa:{ns}:{name}"), json!([{"kind": "ServiceAccount", "name": name, "namespace": ns}])));
        }
    }
    let mut namespaces: Vec<&String> = sas.iter().map(|(ns, _)| ns).collect();
    namespaces.dedup();
    for ns in namespaces {
        let group = format!("system:serviceaccounts:{ns}");
        grants.push((
            "cluster-admin",
            format!("group:{group}"),
            json!([{"kind": "Group", "name": group, "apiGroup": "rbac.authorization.k8s.io"}]),
        ));
    }
    for group in EVERYONE {
        grants.push((
            "cluster-admin",
            format!("group:{group}"),
            json!([{"kind": "Group", "name": group, "apiGroup": "rbac.authorization.k8s.io"}]),
        ));
    }
    grants
        .into_iter()
        .map(|(role, subject, subjects)| {
            let target = format!("{role}@{subject}");
            // A grant to every service account or every user is made under a name of this scenario's
            // own (its first namespace), so two scenarios' copies of the same grant can run side by side.
            let broad = EVERYONE.iter().any(|g| subject.strip_prefix("group:") == Some(g));
            let name = match scenario.namespaces.first() {
                Some(ns) if broad => object_name(&format!("{target}-for-{ns}")),
                _ => object_name(&target),
            };
            let crb = cluster_role_binding(&name, role, subjects);
            let mut steps = scenario.steps.clone();
            let like = &scenario.steps[at];
            steps.insert(at, manifests::apply_step(like, format!("mutant: bind {role} to {subject}"), std::slice::from_ref(&crb)));
            let description = format!("ClusterRoleBinding {name}: {role} to {subject}, applied before step {} `{}`", like.index, like.name);
            let mut d = Draft::new(Operator::OverGrant, target, description, manifests::render(&[crb]), steps);
            d.cleanup.push(rbac_ref("ClusterRoleBinding", &name));
            d.injected.push(at);
            d
        })
        .collect()
}

/// The Role a binding refers to, found in the scenario's manifests.
fn find_role<'a>(scenario: &Scenario, sites: &'a [Site], ns: &str, role: &str) -> Option<&'a Value> {
    sites
        .iter()
        .flat_map(|s| s.docs.iter().map(move |d| (s, d)))
        .find(|(s, d)| manifests::kind(d) == "Role" && manifests::name(d) == role && manifests::namespace(d, &scenario.steps[s.step]) == ns)
        .map(|(_, d)| d)
}

/// Each RoleBinding replaced by a ClusterRoleBinding to a ClusterRole with the same rules.
pub fn binding_to_cluster(scenario: &Scenario, sites: &[Site]) -> Vec<Draft> {
    let mut out = Vec::new();
    for site in sites {
        let step = &scenario.steps[site.step];
        for (i, doc) in site.docs.iter().enumerate().filter(|(_, d)| manifests::kind(d) == "RoleBinding") {
            let ns = manifests::namespace(doc, step);
            let target = doc_target(doc, step);
            let name = object_name(&format!("{ns}-{}", manifests::name(doc)));
            let role_kind = doc["roleRef"]["kind"].as_str().unwrap_or_default();
            let role_name = doc["roleRef"]["name"].as_str().unwrap_or_default();
            let mut subjects = doc["subjects"].clone();
            for s in subjects.as_array_mut().into_iter().flatten() {
                if s["kind"] == "ServiceAccount" && s.get("namespace").is_none() {
                    s["namespace"] = json!(ns);
                }
            }
            let mut added = Vec::new();
            let mut cleanup = vec![rbac_ref("ClusterRoleBinding", &name)];
            let cluster_role = if role_kind == "Role" {
                let Some(role) = find_role(scenario, sites, &ns, role_name) else { continue };
                let cr_name = object_name(&format!("{ns}-{role_name}"));
                added.push(json!({
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "ClusterRole",
                    "metadata": {"name": cr_name, "labels": {"sa-conformance.dev/mutant": "true"}},
                    "rules": role["rules"].clone(),
                }));
                cleanup.push(rbac_ref("ClusterRole", &cr_name));
                cr_name
            } else {
                role_name.to_string()
            };
            added.push(cluster_role_binding(&name, &cluster_role, subjects));
            let mut docs = site.docs.clone();
            docs.splice(i..=i, added.iter().cloned());
            let description = format!("{target} in {} replaced by ClusterRoleBinding {name} (same subjects and rules)", site.origin);
            let mut d = Draft::new(
                Operator::BindingToCluster,
                target,
                description,
                manifests::render(&added),
                Draft::site_steps(scenario, site, &docs),
            );
            d.cleanup = cleanup;
            out.push(d);
        }
    }
    out
}

/// Each Role, ClusterRole, RoleBinding and ClusterRoleBinding left out of its apply.
pub fn skip_rbac(scenario: &Scenario, sites: &[Site]) -> Vec<Draft> {
    let mut out = Vec::new();
    for site in sites {
        let step = &scenario.steps[site.step];
        for (i, doc) in site.docs.iter().enumerate().filter(|(_, d)| manifests::is_rbac(d)) {
            let mut docs = site.docs.clone();
            docs.remove(i);
            let target = doc_target(doc, step);
            let how = if docs.is_empty() {
                format!("step {} `{}` skipped", step.index, step.name)
            } else {
                format!("left out of step {} `{}`", step.index, step.name)
            };
            let description = format!("{target} from {} not applied: {how}", site.origin);
            out.push(Draft::new(
                Operator::SkipRbac,
                target,
                description,
                manifests::render(&docs),
                Draft::site_steps(scenario, site, &docs),
            ));
        }
    }
    out
}

/// Each ServiceAccount subject of each binding pointed at another namespace or another name.
pub fn subject(scenario: &Scenario, sites: &[Site], op: Operator) -> Vec<Draft> {
    let mut out = Vec::new();
    for site in sites {
        let step = &scenario.steps[site.step];
        for (i, doc) in site.docs.iter().enumerate().filter(|(_, d)| manifests::is_binding(d)) {
            let subjects = doc["subjects"].as_array().cloned().unwrap_or_default();
            for (j, s) in subjects.iter().enumerate().filter(|(_, s)| s["kind"] == "ServiceAccount") {
                let mut docs = site.docs.clone();
                let subject = &mut docs[i]["subjects"][j];
                let (key, old) = match op {
                    Operator::SubjectNamespace => {
                        ("namespace", s["namespace"].as_str().map(String::from).unwrap_or_else(|| manifests::namespace(doc, step)))
                    }
                    _ => ("name", s["name"].as_str().unwrap_or_default().to_string()),
                };
                let new = match op {
                    Operator::SubjectNamespace => "sa-conformance-mutant-elsewhere".to_string(),
                    _ => format!("{old}-mutant"),
                };
                subject[key] = json!(new);
                let target = format!("{}#{j}", doc_target(doc, step));
                let description = format!("{target} in {}: subject {key} {old} -> {new}", site.origin);
                out.push(Draft::new(op, target, description, manifests::render(&docs[i..=i]), Draft::site_steps(scenario, site, &docs)));
            }
        }
    }
    out
}

/// Each verb of each rule of each Role and ClusterRole dropped, one at a time.
pub fn drop_verb(scenario: &Scenario, sites: &[Site]) -> Vec<Draft> {
    let mut out = Vec::new();
    for site in sites {
        let step = &scenario.steps[site.step];
        for (i, doc) in site.docs.iter().enumerate().filter(|(_, d)| matches!(manifests::kind(d), "Role" | "ClusterRole")) {
            let rules = doc["rules"].as_array().cloned().unwrap_or_default();
            for (r, rule) in rules.iter().enumerate() {
                let verbs = rule["verbs"].as_array().cloned().unwrap_or_default();
                for (v, verb) in verbs.iter().enumerate() {
                    let verb = verb.as_str().unwrap_or_default();
                    let mut docs = site.docs.clone();
                    if let Some(list) = docs[i]["rules"][r]["verbs"].as_array_mut() {
                        list.remove(v);
                    }
                    let target = format!("{}#{r}:{verb}", doc_target(doc, step));
                    let description = format!("{} in {}: verb `{verb}` dropped from rule {r}", doc_target(doc, step), site.origin);
                    out.push(Draft::new(
                        Operator::DropVerb,
                        target,
                        description,
                        manifests::render(&docs[i..=i]),
                        Draft::site_steps(scenario, site, &docs),
                    ));
                }
            }
        }
    }
    out
}

/// Where a namespace or ServiceAccount the scenario makes comes into being: the last step, up to
/// `before`, that creates one (a binding applied earlier would fail for a missing namespace, which
/// would prove nothing).
fn after_setup(scenario: &Scenario, sites: &[Site], before: usize) -> usize {
    let mut at = 0;
    for (i, step) in scenario.steps.iter().enumerate().take(before) {
        let creates_ns = match &step.action {
            Action::Kubectl(k) => {
                k.args.first().is_some_and(|a| a == "create")
                    && k.args.get(1).is_some_and(|a| a == "namespace" || a == "ns" || a == "serviceaccount" || a == "sa")
            }
            _ => false,
        };
        let applies_ns =
            sites.iter().any(|s| s.step == i && s.docs.iter().any(|d| matches!(manifests::kind(d), "Namespace" | "ServiceAccount")));
        if creates_ns || applies_ns {
            at = i + 1;
        }
    }
    at
}

/// Each binding, with the Role it refers to when that comes later, applied before the first access
/// check that precedes the binding (after the namespace and ServiceAccount exist): the grant is in
/// place when the documented "403 before" is looked at. A documented apply that holds only what moves
/// is moved whole (its documented output still checked); otherwise what moves is split out of it.
pub fn binding_early(scenario: &Scenario, sites: &[Site]) -> Vec<Draft> {
    let mut out = Vec::new();
    for site in sites {
        let step = &scenario.steps[site.step];
        for (i, doc) in site.docs.iter().enumerate().filter(|(_, d)| manifests::is_binding(d)) {
            let from = after_setup(scenario, sites, site.step);
            let Some(at) = (from..site.step).find(|&p| checks_access(&scenario.steps[p])) else { continue };
            let like = &scenario.steps[at];
            let target = doc_target(doc, step);
            // What moves: (site, document index), the Role first when it is applied after `at`.
            let mut units: Vec<(&Site, usize)> = Vec::new();
            let ns = manifests::namespace(doc, step);
            let role_kind = doc["roleRef"]["kind"].as_str().unwrap_or_default();
            let role_name = doc["roleRef"]["name"].as_str().unwrap_or_default();
            let role = sites.iter().flat_map(|s| (0..s.docs.len()).map(move |j| (s, j))).find(|(s, j)| {
                let d = &s.docs[*j];
                manifests::kind(d) == role_kind
                    && manifests::name(d) == role_name
                    && (role_kind == "ClusterRole" || manifests::namespace(d, &scenario.steps[s.step]) == ns)
            });
            let mut with_role = String::new();
            if let Some((rs, j)) = role.filter(|(rs, _)| rs.step > at) {
                units.push((rs, j));
                with_role = format!(" with {}", doc_target(&rs.docs[j], &scenario.steps[rs.step]));
            }
            units.push((site, i));
            let (steps, injected, how) = move_early(scenario, &units, at, &target);
            let description = format!("{target}{with_role} applied before step {} `{}`: {how}", like.index, like.name);
            let moved: Vec<serde_json::Value> = units.iter().map(|(s, j)| s.docs[*j].clone()).collect();
            let mut d = Draft::new(Operator::BindingEarly, target, description, manifests::render(&moved), steps);
            d.injected = injected;
            out.push(d);
        }
    }
    out
}

/// The scenario's steps with the documents of `units` applied at position `at`; the positions of
/// steps the mutant added; and what was done, for the description.
fn move_early(scenario: &Scenario, units: &[(&Site, usize)], at: usize, target: &str) -> (Vec<Step>, Vec<usize>, String) {
    let mut by_site: Vec<(&Site, Vec<usize>)> = Vec::new();
    for (s, j) in units {
        match by_site.iter_mut().find(|(bs, _)| (bs.step, bs.source) == (s.step, s.source)) {
            Some((_, js)) => js.push(*j),
            None => by_site.push((s, vec![*j])),
        }
    }
    by_site.sort_by_key(|(s, _)| (s.step, s.source));
    let mut steps = scenario.steps.clone();
    let mut inserts = Vec::new();
    let mut injected = Vec::new();
    let mut how = Vec::new();
    // From the last site back, so removing a step or a manifest does not shift the ones still to do.
    for (s, js) in by_site.iter().rev() {
        let original = &scenario.steps[s.step];
        let current = steps[s.step].clone();
        let one_source = !matches!(&current.action, Action::Apply(a) if a.manifests.len() > 1);
        if js.len() == s.docs.len() && one_source {
            inserts.push((steps.remove(s.step), false));
            how.push(format!("step {} `{}` moved", original.index, original.name));
        } else {
            let moving: Vec<serde_json::Value> = js.iter().map(|j| s.docs[*j].clone()).collect();
            let rest: Vec<serde_json::Value> = s.docs.iter().enumerate().filter(|(k, _)| !js.contains(k)).map(|(_, d)| d.clone()).collect();
            match manifests::with_docs(&current, s, &rest) {
                Some(kept) => steps[s.step] = kept,
                None => {
                    steps.remove(s.step);
                }
            }
            let what: Vec<String> = moving.iter().map(|d| format!("{} {}", manifests::kind(d), manifests::name(d))).collect();
            let name = format!("mutant: apply {} early for {target} (split out of step {})", what.join(", "), original.index);
            inserts.push((manifests::apply_step(&scenario.steps[at], name, &moving), true));
            how.push(format!("split out of step {} `{}`", original.index, original.name));
        }
    }
    inserts.reverse();
    how.reverse();
    for (k, (step, added)) in inserts.into_iter().enumerate() {
        if added {
            injected.push(at + k);
        }
        steps.insert(at + k, step);
    }
    (steps, injected, how.join(", "))
}
