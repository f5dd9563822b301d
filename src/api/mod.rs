//! Thin helpers over kube-rs for what steps do to a cluster: server-side apply of multi-document
//! manifests through discovery, reading and deleting objects, exec, access reviews, tokens, and the
//! diagnostics gathered when a step fails.

pub mod access;
mod diagnostics;
mod exec;
mod objects;
pub mod schema;
pub mod token;

pub use access::{access_review, AccessQuestion};
pub use diagnostics::collect as diagnostics;
pub use exec::{exec, ExecOutput};
pub use objects::{apply_manifest, delete_object, get_json, list_json, parse_manifest, resolve, Applied};
pub use token::{decode_jwt_claims, request_token, self_subject_review, TokenRequestSpec};

use std::collections::HashMap;
use std::sync::Mutex;

/// Errors talking to the API server (an infrastructure problem, not a failed expectation).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{action}: {source}")]
    Kube { action: String, #[source] source: kube::Error },
    #[error("{action}: {message}")]
    Other { action: String, message: String },
}

impl ApiError {
    pub fn kube(action: impl Into<String>) -> impl FnOnce(kube::Error) -> ApiError {
        let action = action.into();
        move |source| ApiError::Kube { action, source }
    }
    pub fn other(action: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Other { action: action.into(), message: message.into() }
    }
    /// The HTTP status the API server answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Kube { source: kube::Error::Api(s), .. } => Some(s.code),
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
