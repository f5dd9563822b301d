//! Service-account tokens: request one (TokenRequest), read its claims, and use it from outside the
//! cluster the way an external automation system would (reqwest, the cluster CA, a Bearer header).

use super::ApiError;
use crate::cluster::Target;
use k8s_openapi::api::authentication::v1::{BoundObjectReference, TokenRequest, TokenRequestSpec as K8sSpec};
use k8s_openapi::api::core::v1::ServiceAccount;
use kube::api::{Api, PostParams};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// What to ask the TokenRequest API for.
#[derive(Debug, Clone, Default)]
pub struct TokenRequestSpec {
    pub namespace: String,
    pub serviceaccount: String,
    pub duration: Option<Duration>,
    pub audiences: Vec<String>,
    /// Bind the token to this pod (name, uid).
    pub bound_pod: Option<(String, String)>,
}

/// Requests a token; the caller must keep it out of every output.
pub async fn request_token(client: &kube::Client, spec: &TokenRequestSpec) -> Result<String, ApiError> {
    let api: Api<ServiceAccount> = Api::namespaced(client.clone(), &spec.namespace);
    let req = TokenRequest {
        spec: K8sSpec {
            audiences: spec.audiences.clone(),
            expiration_seconds: spec.duration.map(|d| d.as_secs() as i64),
            bound_object_ref: spec.bound_pod.as_ref().map(|(name, uid)| BoundObjectReference {
                api_version: Some("v1".into()),
                kind: Some("Pod".into()),
                name: Some(name.clone()),
                uid: Some(uid.clone()),
            }),
        },
        ..Default::default()
    };
    let answer = api
        .create_token_request(&spec.serviceaccount, &PostParams::default(), &req)
        .await
        .map_err(ApiError::kube(format!("TokenRequest for serviceaccount {}/{}", spec.namespace, spec.serviceaccount)))?;
    answer.status.map(|s| s.token).ok_or_else(|| ApiError::other("TokenRequest", "the answer had no status.token"))
}

/// The payload of a JWT, decoded without verifying it (the API server verifies it when it is used).
pub use crate::check::decode::jwt_claims as decode_jwt_claims;

/// An HTTP client that trusts exactly the cluster's CA.
fn http_client(target: &Target) -> Result<reqwest::Client, ApiError> {
    let fail = |m: String| ApiError::other("building an HTTPS client for the cluster", m);
    let mut roots = rustls::RootCertStore::empty();
    for der in &target.ca_der {
        roots.add(rustls::pki_types::CertificateDer::from(der.clone())).map_err(|e| fail(e.to_string()))?;
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| fail(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder().tls_backend_preconfigured(tls).timeout(Duration::from_secs(30)).build().map_err(|e| fail(e.to_string()))
}

/// Calls the API server with `token` (GET `path`, or POST `body`); returns (status, body).
pub async fn call_with_token(target: &Target, token: &str, path: &str, body: Option<&Value>) -> Result<(u16, String), ApiError> {
    let method = if body.is_some() { "POST" } else { "GET" };
    send_with_token(target, token, method, path, &BTreeMap::new(), body).await
}

/// Sends `method path` with `token`, extra headers and a JSON body (`Content-Type: application/json`
/// unless a header says otherwise); returns (status, body).
pub async fn send_with_token(
    target: &Target,
    token: &str,
    method: &str,
    path: &str,
    headers: &BTreeMap<String, String>,
    body: Option<&Value>,
) -> Result<(u16, String), ApiError> {
    let client = http_client(target)?;
    let url = format!("{}{}", target.server, path);
    let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| ApiError::other(format!("calling {url}"), e.to_string()))?;
    let mut req = client.request(method, &url);
    if let Some(b) = body {
        req = req.json(b);
    }
    for (k, v) in headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let resp = req.bearer_auth(token).send().await.map_err(|e| ApiError::other(format!("calling {url} with the token"), e.to_string()))?;
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    Ok((status, text))
}

/// The SelfSubjectReview made with the token: (status, the body as JSON, null when it is not JSON).
pub async fn self_subject_review_body(target: &Target, token: &str) -> Result<(u16, Value), ApiError> {
    let body = serde_json::json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"});
    let (status, text) = call_with_token(target, token, "/apis/authentication.k8s.io/v1/selfsubjectreviews", Some(&body)).await?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// Who the API server says the token is (SelfSubjectReview): (status, username).
pub async fn self_subject_review(target: &Target, token: &str) -> Result<(u16, Option<String>), ApiError> {
    let body = serde_json::json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"});
    let (status, text) = call_with_token(target, token, "/apis/authentication.k8s.io/v1/selfsubjectreviews", Some(&body)).await?;
    let user = serde_json::from_str::<Value>(&text).ok().and_then(|v| v["status"]["userInfo"]["username"].as_str().map(String::from));
    Ok((status, user))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    #[test]
    fn decodes_the_payload_of_a_jwt() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"sub":"system:serviceaccount:dev:pod-inspector","exp":1600,"iat":1000}"#);
        let token = format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln");
        let claims = decode_jwt_claims(&token).unwrap();
        assert_eq!(claims["sub"], "system:serviceaccount:dev:pod-inspector");
        assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 600);
    }

    #[test]
    fn rejects_what_is_not_a_jwt() {
        assert!(decode_jwt_claims("abc").unwrap_err().contains("3"));
        assert!(decode_jwt_claims("a.!!!.c").unwrap_err().contains("base64url"));
    }
}
