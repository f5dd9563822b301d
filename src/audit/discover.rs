//! What can be asked about: every served resource and subresource with the verbs it supports (from
//! discovery), and the non-resource URLs an identity commonly reaches.

use crate::api::ApiError;
use kube::Client;

/// One resource (or subresource) and its verbs, as `pods`, `pods/exec`, `deployments.apps`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Resource {
    /// `resource[.group][/subresource]`, the form `kubectl auth can-i` and SubjectAccessReview use here.
    pub name: String,
    pub namespaced: bool,
    pub verbs: Vec<String>,
}

/// Non-resource URLs checked with `get`.
pub const NON_RESOURCE_URLS: &[&str] = &[
    "/api",
    "/apis",
    "/healthz",
    "/livez",
    "/readyz",
    "/version",
    "/openapi/v2",
    "/metrics",
    "/logs/",
    "/.well-known/openid-configuration",
    "/openid/v1/jwks",
];

/// Verbs that discovery does not list but RBAC checks, on the resources they apply to: binding and
/// escalating roles, impersonation, approving and signing certificates; plus two grants that turn
/// into other identities' power (token requests, the kubelet API through `nodes/proxy`), asked even
/// if discovery omits them. `(verb, resource, namespaced)`.
pub const UNLISTED_VERBS: &[(&str, &str, bool)] = &[
    ("bind", "roles.rbac.authorization.k8s.io", true),
    ("escalate", "roles.rbac.authorization.k8s.io", true),
    ("bind", "clusterroles.rbac.authorization.k8s.io", false),
    ("escalate", "clusterroles.rbac.authorization.k8s.io", false),
    ("impersonate", "users", false),
    ("impersonate", "groups", false),
    ("impersonate", "serviceaccounts", true),
    ("impersonate", "uids.authentication.k8s.io", false),
    ("impersonate", "userextras.authentication.k8s.io/*", false),
    ("approve", "signers.certificates.k8s.io", false),
    ("sign", "signers.certificates.k8s.io", false),
    ("create", "serviceaccounts/token", true),
    ("get", "nodes/proxy", false),
];

/// Every resource the API server serves (preferred version of each group), subresources included.
pub async fn resources(client: &Client) -> Result<Vec<Resource>, ApiError> {
    let mut lists = vec![("".to_string(), client.list_core_api_resources("v1").await.map_err(ApiError::kube("discovery of /api/v1"))?)];
    let groups = client.list_api_groups().await.map_err(ApiError::kube("discovery of /apis"))?;
    for g in groups.groups {
        let Some(pref) = g.preferred_version.as_ref().or(g.versions.first()) else { continue };
        let list = client
            .list_api_group_resources(&pref.group_version)
            .await
            .map_err(ApiError::kube(format!("discovery of /apis/{}", pref.group_version)))?;
        lists.push((g.name.clone(), list));
    }
    let mut out = Vec::new();
    for (group, list) in lists {
        for r in list.resources {
            if r.verbs.is_empty() {
                continue;
            }
            let (main, sub) = match r.name.split_once('/') {
                Some((m, s)) => (m.to_string(), Some(s.to_string())),
                None => (r.name.clone(), None),
            };
            let mut name = if group.is_empty() { main } else { format!("{main}.{group}") };
            if let Some(s) = sub {
                name = format!("{name}/{s}");
            }
            out.push(Resource { name, namespaced: r.namespaced, verbs: r.verbs });
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.name == b.name);
    Ok(out)
}
