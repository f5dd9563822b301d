//! Thin helpers over kube-rs for what steps do to a cluster: server-side apply of multi-document
//! manifests through discovery, reading and deleting objects, exec, access reviews, tokens, and the
//! diagnostics gathered when a step fails.

pub mod access;
mod certificate_request;
pub mod client_certificate;
mod diagnostics;
mod exec;
mod objects;
pub mod schema;
pub mod token;
pub mod token_kubeconfig;
pub mod watch;

pub use access::{access_review, AccessQuestion};
pub use diagnostics::collect as diagnostics;
pub use exec::{exec, ExecOutput};
pub use objects::{
    apply_each, apply_manifest, delete_object, get_json, list_json, parse_manifest, resolve, split_documents, Applied, ObjectRef,
};
pub use token::{decode_jwt_claims, request_token, self_subject_review, TokenRequestSpec};

use crate::error::KubeError;
use std::collections::HashMap;
use std::sync::Mutex;

/// Errors talking to the API server (an infrastructure problem, not a failed expectation). The
/// message says what was attempted; what the API server or the connection said, in words, is its
/// `source()` (print it with `crate::error::chain`).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{action}")]
    Kube {
        action: String,
        #[source]
        error: KubeError,
    },
    #[error("{action}: {message}")]
    Other { action: String, message: String },
}

pub use crate::error::describe;

impl ApiError {
    pub fn kube(action: impl Into<String>) -> impl FnOnce(kube::Error) -> ApiError {
        let action = action.into();
        move |error| ApiError::Kube { action, error: KubeError(error) }
    }
    pub fn other(action: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Other { action: action.into(), message: message.into() }
    }
    /// The HTTP status the API server answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Kube { error: KubeError(kube::Error::Api(s)), .. } => Some(s.code),
            _ => None,
        }
    }
}

/// Discovery answers and OpenAPI schemas, cached for the run (each costs a request).
#[derive(Default)]
pub struct DiscoveryCache {
    entries: Mutex<HashMap<kube::api::GroupVersionKind, (kube::api::ApiResource, bool)>>,
    pub schemas: schema::SchemaCache,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_found() -> kube::Error {
        let status: kube::core::Status = serde_json::from_value(serde_json::json!({
            "status": "Failure", "code": 404, "reason": "NotFound",
            "message": "pods \"alpine-curl\" not found", "metadata": {}
        }))
        .unwrap();
        kube::Error::Api(Box::new(status))
    }

    #[test]
    fn an_api_answer_reads_as_words_once_without_debug_output() {
        let e = ApiError::kube("get pod dev/alpine-curl")(not_found());
        assert_eq!(crate::error::chain(&e), "get pod dev/alpine-curl: pods \"alpine-curl\" not found (NotFound, HTTP 404)");
        assert_eq!(e.status(), Some(404));
        assert_eq!(e.to_string(), "get pod dev/alpine-curl", "the cause is the source; the message must not repeat it");
    }
}
