//! Objects by reference: resolve a kind through discovery, server-side apply manifests, get, list and
//! delete as JSON, so steps never need a compiled-in type for what a scenario names.

use super::{ApiError, DiscoveryCache};
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams};
use kube::discovery::Scope;
use kube::Client;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Field manager for every server-side apply.
pub const FIELD_MANAGER: &str = "sa-conformance";

/// A reference to one API object.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    /// `list: true` asserts on the list of objects of this kind instead of one object.
    #[serde(default)]
    pub list: bool,
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = self.name.as_deref().unwrap_or("*");
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, name),
            None => write!(f, "{} {}", self.kind, name),
        }
    }
}

/// Splits multi-document YAML on `---` lines, keeping each document's first line number.
pub fn split_documents(text: &str) -> Vec<(usize, String)> {
    let mut docs = vec![(1usize, String::new())];
    for (i, l) in text.lines().enumerate() {
        if l.trim_end() == "---" || l.starts_with("--- ") {
            docs.push((i + 2, String::new()));
        } else if let Some(last) = docs.last_mut() {
            last.1.push_str(l);
            last.1.push('\n');
        }
    }
    docs.retain(|(_, d)| !d.trim().is_empty());
    docs
}

/// One object applied: enough to find it again and to clean it up.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Applied {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

impl Applied {
    pub fn to_ref(&self) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            name: Some(self.name.clone()),
            namespace: self.namespace.clone(),
            list: false,
        }
    }
}

fn gvk(api_version: &str, kind: &str) -> GroupVersionKind {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    GroupVersionKind::gvk(group, version, kind)
}

/// The API resource for a kind and whether it is namespaced.
pub async fn resolve(client: &Client, cache: &DiscoveryCache, api_version: &str, kind: &str) -> Result<(ApiResource, bool), ApiError> {
    let key = gvk(api_version, kind);
    if let Some(hit) = cache.entries.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return Ok(hit);
    }
    let (ar, caps) = kube::discovery::pinned_kind(client, &key)
        .await
        .map_err(ApiError::kube(format!("cannot find kind {kind} in {api_version} through discovery")))?;
    let entry = (ar, caps.scope == Scope::Namespaced);
    if let Ok(mut m) = cache.entries.lock() {
        m.insert(key, entry.clone());
    }
    Ok(entry)
}

async fn api_for(
    client: &Client,
    cache: &DiscoveryCache,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
) -> Result<(Api<DynamicObject>, Option<String>), ApiError> {
    let (ar, namespaced) = resolve(client, cache, api_version, kind).await?;
    Ok(match (namespaced, namespace) {
        (true, Some(ns)) => (Api::namespaced_with(client.clone(), ns, &ar), Some(ns.to_string())),
        (true, None) => (Api::default_namespaced_with(client.clone(), &ar), Some("default".into())),
        (false, _) => (Api::all_with(client.clone(), &ar), None),
    })
}

/// The documents of a manifest as JSON objects (empty documents skipped), read the way Kubernetes reads
/// YAML (`no` is `false`; see [`crate::yaml::k8s`]).
pub fn parse_manifest(text: &str) -> Result<Vec<Value>, String> {
    let docs = crate::yaml::k8s::documents(text).map_err(|e| format!("at {e}"))?;
    Ok(docs.into_iter().map(|d| d.json).collect())
}

/// Server-side applies every document in order; returns what was applied.
pub async fn apply_manifest(
    client: &Client,
    cache: &DiscoveryCache,
    text: &str,
    default_ns: Option<&str>,
) -> Result<Vec<Applied>, ApiError> {
    let mut applied = Vec::new();
    apply_each(client, cache, text, default_ns, &mut |a| applied.push(a)).await?;
    Ok(applied)
}

/// [`apply_manifest`], telling `applied` of each object as soon as the server has taken it: when a
/// later document fails (a Pod whose ServiceAccount does not exist), what the earlier ones created is
/// still known, so the run's cleanup deletes it (a ClusterRoleBinding of an isolated run is named after
/// the run, and nothing else would ever remove it).
pub async fn apply_each(
    client: &Client,
    cache: &DiscoveryCache,
    text: &str,
    default_ns: Option<&str>,
    applied: &mut (dyn FnMut(Applied) + Send),
) -> Result<(), ApiError> {
    let docs = parse_manifest(text).map_err(|m| ApiError::other("cannot parse manifest", m))?;
    for doc in docs {
        let api_version = doc["apiVersion"].as_str().unwrap_or_default().to_string();
        let kind = doc["kind"].as_str().unwrap_or_default().to_string();
        let name = doc["metadata"]["name"].as_str().unwrap_or_default().to_string();
        let ns = doc["metadata"]["namespace"].as_str().map(String::from).or(default_ns.map(String::from));
        let (api, namespace) = api_for(client, cache, &api_version, &kind, ns.as_deref()).await?;
        let mut obj = doc.clone();
        if let (Some(n), Some(meta)) = (&namespace, obj.get_mut("metadata").and_then(Value::as_object_mut)) {
            meta.insert("namespace".into(), Value::String(n.clone()));
        }
        let what = format!("apply {kind} {}{name}", namespace.as_ref().map(|n| format!("{n}/")).unwrap_or_default());
        api.patch(&name, &PatchParams::apply(FIELD_MANAGER).force(), &Patch::Apply(&obj)).await.map_err(ApiError::kube(what))?;
        applied(Applied { api_version, kind, name, namespace });
    }
    Ok(())
}

/// The object as JSON, or None if it does not exist.
pub async fn get_json(client: &Client, cache: &DiscoveryCache, r: &ObjectRef) -> Result<Option<Value>, ApiError> {
    let name = r.name.as_deref().unwrap_or_default();
    let (api, _) = api_for(client, cache, &r.api_version, &r.kind, r.namespace.as_deref()).await?;
    let obj = api.get_opt(name).await.map_err(ApiError::kube(format!("get {r}")))?;
    obj.map(|o| serde_json::to_value(o).map_err(|e| ApiError::other(format!("get {r}"), e.to_string()))).transpose()
}

/// The list of objects of a kind (in a namespace, or all) as a JSON `{items: [...]}`.
pub async fn list_json(client: &Client, cache: &DiscoveryCache, r: &ObjectRef) -> Result<Value, ApiError> {
    let (ar, namespaced) = resolve(client, cache, &r.api_version, &r.kind).await?;
    let api: Api<DynamicObject> = match (namespaced, &r.namespace) {
        (true, Some(ns)) => Api::namespaced_with(client.clone(), ns, &ar),
        _ => Api::all_with(client.clone(), &ar),
    };
    let list = api.list(&ListParams::default()).await.map_err(ApiError::kube(format!("list {}", r.kind)))?;
    let items: Vec<Value> = list.items.into_iter().filter_map(|o| serde_json::to_value(o).ok()).collect();
    Ok(serde_json::json!({ "items": items }))
}

/// Deletes the object; true if it existed.
pub async fn delete_object(client: &Client, cache: &DiscoveryCache, r: &ObjectRef) -> Result<bool, ApiError> {
    let name = r.name.as_deref().unwrap_or_default();
    let (api, _) = api_for(client, cache, &r.api_version, &r.kind, r.namespace.as_deref()).await?;
    match api.delete(name, &DeleteParams::background()).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
        Err(e) => Err(ApiError::Kube { action: format!("delete {r}"), error: e.into() }),
    }
}
