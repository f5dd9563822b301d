//! Whether an object a documented write leaves behind is in the lab as the article wrote it: there
//! (or gone, for a delete), holding every field of the manifest. What is wrong is said in the
//! participant's terms ("RoleBinding pod-reader is missing in alice-dev", "subjects[0].name is
//! `default`; the article has `pod-inspector`"); what the cluster adds (defaults, status, a second
//! label) is not a difference, but an extra verb or subject in a list the article wrote is.

use crate::api::{self, ApiError, DiscoveryCache, ObjectRef};
use crate::cluster::Target;
use crate::footprint::Written;
use serde_json::Value;

/// How many field differences one finding names.
const SHOWN: usize = 3;

/// `None` when the object is as the write left it, else what is wrong.
pub async fn check(target: &Target, discovery: &DiscoveryCache, w: &Written) -> Result<Option<String>, ApiError> {
    let r = reference(w);
    let live = api::get_json(&target.client, discovery, &r).await?;
    Ok(finding(w, live.as_ref()))
}

/// The object as the participant would name it: `RoleBinding pod-reader in alice-dev`.
pub fn describe(w: &Written) -> String {
    match &w.namespace {
        Some(ns) => format!("{} {} in {ns}", w.kind, w.name),
        None => format!("{} {}", w.kind, w.name),
    }
}

/// What is wrong with `live` (None: the object is absent) for the write `w`.
pub fn finding(w: &Written, live: Option<&Value>) -> Option<String> {
    match (live, w.deleted, &w.doc) {
        (None, true, _) => None,
        (Some(_), true, _) => Some(format!("{} is still there; the article deletes it", describe(w))),
        (None, false, _) => Some(match &w.namespace {
            Some(ns) => format!("{} {} is missing in {ns}", w.kind, w.name),
            None => format!("{} {} is missing", w.kind, w.name),
        }),
        (Some(_), false, None) => None,
        (Some(live), false, Some(doc)) => {
            let mut diffs = Vec::new();
            differences(&strip(doc), live, "", &mut diffs);
            if diffs.is_empty() {
                return None;
            }
            let more = diffs.len().saturating_sub(SHOWN);
            let mut text = format!("{}: {}", describe(w), diffs.into_iter().take(SHOWN).collect::<Vec<_>>().join("; "));
            if more > 0 {
                text.push_str(&format!(" (and {more} more)"));
            }
            Some(text)
        }
    }
}

/// The manifest without what the cluster owns or the write did not choose.
fn strip(doc: &Value) -> Value {
    let mut d = doc.clone();
    if let Some(o) = d.as_object_mut() {
        o.remove("status");
        o.remove("apiVersion");
        o.remove("kind");
    }
    d
}

/// Every field of `expected` that `live` does not hold, as `path is X; the article has Y`.
fn differences(expected: &Value, live: &Value, path: &str, out: &mut Vec<String>) {
    let at = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    match (expected, live) {
        (Value::Object(e), Value::Object(l)) => {
            for (k, v) in e {
                match l.get(k) {
                    Some(lv) => differences(v, lv, &at(k), out),
                    None if v.is_null() => {}
                    None => out.push(format!("{} is not set; the article has {}", at(k), short(v))),
                }
            }
        }
        (Value::Array(e), Value::Array(l)) if e.iter().all(|v| !v.is_object() && !v.is_array()) => {
            let mut a: Vec<String> = e.iter().map(short).collect();
            let mut b: Vec<String> = l.iter().map(short).collect();
            a.sort();
            b.sort();
            if a != b {
                out.push(format!("{path} is [{}]; the article has [{}]", b.join(", "), a.join(", ")));
            }
        }
        (Value::Array(e), Value::Array(l)) => {
            if e.len() != l.len() {
                out.push(format!("{path} has {} entries; the article has {}", l.len(), e.len()));
            }
            for (n, (ev, lv)) in e.iter().zip(l).enumerate() {
                differences(ev, lv, &format!("{path}[{n}]"), out);
            }
        }
        (e, l) if same_scalar(e, l) => {}
        (e, l) => out.push(format!("{path} is {}; the article has {}", short(l), short(e))),
    }
}

/// `80` and `"80"` are one value in a manifest (YAML writes either); anything else compares as is.
fn same_scalar(e: &Value, l: &Value) -> bool {
    e == l
        || matches!((e, l), (Value::Number(_), Value::String(s)) | (Value::String(s), Value::Number(_)) if *s == short(if e.is_number() { e } else { l }))
}

fn short(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        Value::Null => "nothing".into(),
        other => format!("`{}`", shorten(&other.to_string(), 60)),
    }
}

/// `text` on one line, cut to `max` characters with `…` where it was cut.
pub fn shorten(text: &str, max: usize) -> String {
    let one_line = text.replace('\n', " ");
    match one_line.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &one_line[..at]),
        None => one_line,
    }
}

/// How to find the object on the cluster.
fn reference(w: &Written) -> ObjectRef {
    let api_version =
        w.doc.as_ref().and_then(|d| d["apiVersion"].as_str()).map(str::to_string).unwrap_or_else(|| api_version_of(&w.kind).to_string());
    ObjectRef { api_version, kind: w.kind.clone(), name: Some(w.name.clone()), namespace: w.namespace.clone(), list: false }
}

/// The apiVersion of the kinds kubectl names without a manifest (`kubectl delete pod NAME`).
fn api_version_of(kind: &str) -> &'static str {
    match kind {
        "Role" | "RoleBinding" | "ClusterRole" | "ClusterRoleBinding" => "rbac.authorization.k8s.io/v1",
        "Deployment" => "apps/v1",
        _ => "v1",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn binding(subject: &str) -> Value {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "pod-reader", "namespace": "alice-dev"},
               "subjects": [{"kind": "ServiceAccount", "name": subject, "namespace": "alice-dev"}],
               "roleRef": {"kind": "Role", "name": "pod-reader", "apiGroup": "rbac.authorization.k8s.io"}})
    }

    fn written(doc: Value) -> Written {
        Written {
            kind: doc["kind"].as_str().unwrap().into(),
            namespace: doc["metadata"]["namespace"].as_str().map(str::to_string),
            name: doc["metadata"]["name"].as_str().unwrap().into(),
            doc: Some(doc),
            deleted: false,
        }
    }

    #[test]
    fn a_missing_object_is_named_with_its_namespace() {
        assert_eq!(finding(&written(binding("pod-inspector")), None).unwrap(), "RoleBinding pod-reader is missing in alice-dev");
    }

    #[test]
    fn the_wrong_subject_names_the_field_and_both_values() {
        let live = binding("default");
        let f = finding(&written(binding("pod-inspector")), Some(&live)).unwrap();
        assert_eq!(f, "RoleBinding pod-reader in alice-dev: subjects[0].name is `default`; the article has `pod-inspector`");
    }

    #[test]
    fn what_the_cluster_adds_is_not_a_difference() {
        let mut live = binding("pod-inspector");
        live["metadata"]["uid"] = json!("1234");
        live["metadata"]["labels"] = json!({"team": "a"});
        assert_eq!(finding(&written(binding("pod-inspector")), Some(&live)), None);
    }

    #[rstest]
    #[case::an_extra_verb(json!(["get", "list", "watch", "delete"]), Some("rules[0].verbs is [`delete`, `get`, `list`, `watch`]; the article has [`get`, `list`, `watch`]"))]
    #[case::a_missing_verb(json!(["get", "list"]), Some("rules[0].verbs is [`get`, `list`]; the article has [`get`, `list`, `watch`]"))]
    #[case::another_order(json!(["watch", "get", "list"]), None)]
    fn verbs_compare_as_a_set_both_ways(#[case] live_verbs: Value, #[case] expected: Option<&str>) {
        let role = |verbs: Value| {
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "pod-reader", "namespace": "d"},
                   "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": verbs}]})
        };
        let f = finding(&written(role(json!(["get", "list", "watch"]))), Some(&role(live_verbs)));
        assert_eq!(f.as_deref().map(|f| f.split_once(": ").unwrap().1), expected);
    }

    #[test]
    fn a_deleted_object_must_be_gone() {
        let mut w = written(binding("x"));
        w.deleted = true;
        assert_eq!(finding(&w, None), None);
        assert!(finding(&w, Some(&binding("x"))).unwrap().contains("is still there"));
    }
}
