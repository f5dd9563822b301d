//! The cluster's OpenAPI v3 schemas, so field checks can tell a misspelled path from an absent field.
//! `GET /openapi/v3` lists one document per group-version (`api/v1`, `apis/apps/v1`, ...); each is
//! fetched once per run, the first time a check needs one of its kinds, and kept for the run.

use super::ApiError;
use crate::check::{Definitions, DocSchema, KindSchema};
use kube::Client;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// The OpenAPI v3 documents of one run, by group-version.
#[derive(Default)]
pub struct SchemaCache {
    /// Group-version path -> the URL of its document; `None` if the cluster serves no `/openapi/v3`.
    index: OnceCell<Option<HashMap<String, String>>>,
    documents: Mutex<HashMap<String, Arc<Document>>>,
}

/// One group-version's `components.schemas`, and which of them is which kind
/// (from `x-kubernetes-group-version-kind`).
struct Document {
    defs: Arc<Definitions>,
    kinds: HashMap<(String, String, String), String>,
}

impl SchemaCache {
    /// The schema of `kind` in `api_version` ("v1", "apps/v1"), or why there is none.
    pub async fn kind(&self, client: &Client, api_version: &str, kind: &str) -> Result<DocSchema, ApiError> {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let gv_path = if group.is_empty() { format!("api/{version}") } else { format!("apis/{group}/{version}") };
        let Some(index) = self.index(client).await? else {
            return Ok(DocSchema::Unknown("the cluster serves no OpenAPI v3 schema (GET /openapi/v3 answered 404)".into()));
        };
        if !index.contains_key(&gv_path) {
            return Ok(DocSchema::Unknown(format!("the cluster publishes no OpenAPI schema for {api_version}")));
        }
        // The discovery kinds of v1 (APIVersions, APIGroupList) live in the `api` and `apis` documents.
        let mut documents = vec![gv_path];
        if group.is_empty() && version == "v1" {
            documents.extend(["api".to_string(), "apis".to_string()]);
        }
        let key = (group.to_string(), version.to_string(), kind.to_string());
        for path in &documents {
            let Some(url) = index.get(path) else { continue };
            let doc = self.document(client, path, url).await?;
            if let Some(name) = doc.kinds.get(&key) {
                let root = json!({ "$ref": format!("#/components/schemas/{name}") });
                let schema = KindSchema::new(format!("{api_version} {kind}"), root, Arc::clone(&doc.defs));
                return Ok(DocSchema::Known(Arc::new(schema)));
            }
        }
        Ok(DocSchema::Unknown(format!("the cluster's OpenAPI schema for {api_version} has no kind {kind}")))
    }

    /// The schema of a document by its own `apiVersion` and `kind` (a response body, JSON printed by
    /// kubectl); see [`kind_of_document`].
    pub async fn document_schema(&self, client: &Client, doc: &Value) -> Result<DocSchema, ApiError> {
        match kind_of_document(doc) {
            Ok((api_version, kind)) => self.kind(client, &api_version, &kind).await,
            Err(why) => Ok(DocSchema::Unknown(why)),
        }
    }

    async fn index(&self, client: &Client) -> Result<Option<&HashMap<String, String>>, ApiError> {
        let index = self
            .index
            .get_or_try_init(|| async {
                let Some(root) = get(client, "/openapi/v3").await? else {
                    return Ok::<_, ApiError>(None);
                };
                let paths = root.get("paths").and_then(Value::as_object).into_iter().flatten();
                let urls =
                    paths.filter_map(|(gv, entry)| Some((gv.clone(), entry.get("serverRelativeURL")?.as_str()?.to_string()))).collect();
                Ok(Some(urls))
            })
            .await?;
        Ok(index.as_ref())
    }

    async fn document(&self, client: &Client, gv_path: &str, url: &str) -> Result<Arc<Document>, ApiError> {
        if let Some(hit) = self.documents.lock().ok().and_then(|m| m.get(gv_path).cloned()) {
            return Ok(hit);
        }
        let body = get(client, url)
            .await?
            .ok_or_else(|| ApiError::other(format!("get the OpenAPI schema of {gv_path}"), format!("{url} answered 404")))?;
        let doc = Arc::new(Document::parse(body));
        if let Ok(mut m) = self.documents.lock() {
            m.insert(gv_path.to_string(), Arc::clone(&doc));
        }
        Ok(doc)
    }
}

impl Document {
    fn parse(mut body: Value) -> Document {
        let defs: Definitions = match body.pointer_mut("/components/schemas").map(Value::take) {
            Some(Value::Object(map)) => map.into_iter().collect(),
            _ => Definitions::new(),
        };
        let mut kinds = HashMap::new();
        for (name, def) in &defs {
            for gvk in def.get("x-kubernetes-group-version-kind").and_then(Value::as_array).into_iter().flatten() {
                let part = |k: &str| gvk.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
                kinds.entry((part("group"), part("version"), part("kind"))).or_insert_with(|| name.clone());
            }
        }
        Document { defs: Arc::new(defs), kinds }
    }
}

/// The `(apiVersion, kind)` whose schema describes `doc`, or why there is none. kubectl's `v1 List`
/// is described by the list kind of its items (`ServiceAccountList`, the same shape); an empty or
/// mixed `List` has no schema. `GET /api` answers `APIVersions` without an apiVersion: it is v1.
pub fn kind_of_document(doc: &Value) -> Result<(String, String), String> {
    let api_version = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("v1");
    let Some(kind) = doc.get("kind").and_then(Value::as_str) else {
        return Err("the document has no `kind` to find its schema by".into());
    };
    if (api_version, kind) != ("v1", "List") {
        return Ok((api_version.to_string(), kind.to_string()));
    }
    let items = doc.get("items").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let kinds: std::collections::BTreeSet<(&str, &str)> =
        items.iter().map(|i| (i["apiVersion"].as_str().unwrap_or("?"), i["kind"].as_str().unwrap_or("?"))).collect();
    match kinds.into_iter().collect::<Vec<_>>().as_slice() {
        [(item_version, item_kind)] => Ok((item_version.to_string(), format!("{item_kind}List"))),
        [] => Err("an empty v1 List has no item kind to find a schema by".into()),
        several => Err(format!("a v1 List of several kinds ({several:?}) has no one schema")),
    }
}

/// GET `path` as JSON; `None` on 404.
async fn get(client: &Client, path: &str) -> Result<Option<Value>, ApiError> {
    let request = http::Request::get(path).body(Vec::new()).map_err(|e| ApiError::other(format!("GET {path}"), e.to_string()))?;
    match client.request::<Value>(request).await {
        Ok(v) => Ok(Some(v)),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
        Err(e) => Err(ApiError::Kube { action: format!("GET {path}"), error: e.into() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(json!({"apiVersion": "v1", "kind": "Status", "code": 403}), Ok(("v1", "Status")))]
    #[case(json!({"kind": "APIVersions", "versions": ["v1"]}), Ok(("v1", "APIVersions")))]
    #[case(json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}), Ok(("authentication.k8s.io/v1", "SelfSubjectReview")))]
    #[case(json!({"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "ServiceAccount"}]}), Ok(("v1", "ServiceAccountList")))]
    #[case(json!({"apiVersion": "v1", "kind": "List", "items": []}), Err("an empty v1 List has no item kind to find a schema by"))]
    #[case(json!({"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Pod"}, {"apiVersion": "v1", "kind": "Secret"}]}),
           Err("a v1 List of several kinds ([(\"v1\", \"Pod\"), (\"v1\", \"Secret\")]) has no one schema"))]
    #[case(json!({"items": []}), Err("the document has no `kind` to find its schema by"))]
    fn a_document_names_its_schema(#[case] doc: Value, #[case] want: Result<(&str, &str), &str>) {
        let want = want.map(|(v, k)| (v.to_string(), k.to_string())).map_err(String::from);
        assert_eq!(kind_of_document(&doc), want);
    }

    #[test]
    fn kinds_are_indexed_by_their_group_version_kind() {
        let body: Value = serde_json::from_str(include_str!("../../tests/fixtures/openapi/api-v1.json")).unwrap();
        let doc = Document::parse(body);
        let name = |k: &str| doc.kinds.get(&(String::new(), "v1".into(), k.into())).cloned();
        assert_eq!(name("Pod").as_deref(), Some("io.k8s.api.core.v1.Pod"));
        assert_eq!(name("Status").as_deref(), Some("io.k8s.apimachinery.pkg.apis.meta.v1.Status"));
        assert_eq!(name("NoSuchKind"), None);
        assert!(doc.defs.contains_key("io.k8s.api.core.v1.PodSpec"));
    }
}
