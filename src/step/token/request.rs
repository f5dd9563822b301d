//! The `request:` of a `token` step: one call to the API server from outside the cluster with the
//! token, with the same method, headers and body as `http-from-pod` (validated by the same
//! [`HttpRequest`]) and the same expectations on the answer (status and `fields:` of the body).

use crate::step::http_from_pod::request::HttpRequest;
use crate::step::http_from_pod::{check_response, HttpExpect};
use crate::step::{StepCtx, StepError};
use crate::api;
use crate::check::{excerpt, DocSchema, FieldCheck, Mismatch};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TokenRequestExpect {
    pub path: String,
    /// GET unless given.
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body, written as YAML.
    #[serde(default)]
    pub body: Option<Value>,
    #[serde(deserialize_with = "crate::step::http_from_pod::request::status_code")]
    pub status: u16,
    /// Field checks on the JSON body of the answer.
    #[serde(default)]
    pub fields: Vec<FieldCheck>,
}

/// What one call answered: the mismatches, a note, and the answer in a few words.
pub struct Answered {
    pub mismatches: Vec<Mismatch>,
    pub notes: Vec<String>,
    pub said: String,
    /// `{ status, body }` for `capture:` (`response.body.status.user.uid`).
    pub seen: Value,
}

impl TokenRequestExpect {
    pub fn request(&self) -> HttpRequest {
        HttpRequest { method: self.method.clone(), headers: self.headers.clone(), body: self.body.clone() }
    }

    /// Load-time validation: a path from the server's root, a request `http-from-pod` would accept,
    /// field checks that parse.
    pub fn validate(&self) -> Result<(), (String, String)> {
        crate::step::http_from_pod::request::check_path(&self.path, "the API server's URL").map_err(|m| ("request".to_string(), m))?;
        self.request().validate().map_err(|(key, m)| (format!("request.{key}"), m))?;
        self.fields.iter().try_for_each(|f| f.validate().map_err(|m| ("request.fields".to_string(), m)))
    }

    /// `POST /apis/... 201`: what is expected, in a few words.
    pub fn describe(&self) -> String {
        format!("{} {} {}", self.request().method(), self.path, self.status)
    }

    /// Calls the API server with `token` and checks the answer.
    pub async fn call(&self, ctx: &StepCtx<'_>, token: &str) -> Result<Answered, StepError> {
        let request = self.request();
        let method = request.method().to_string();
        let (status, body) =
            api::token::send_with_token(ctx.target, token, &method, &self.path, &request.headers, request.body.as_ref()).await?;
        let schema = match serde_json::from_str::<Value>(&body) {
            Ok(doc) if !self.fields.is_empty() => ctx.discovery.schemas.document_schema(&ctx.target.client, &doc).await?,
            _ => DocSchema::Unknown("no JSON body".into()),
        };
        let expect = HttpExpect { status: self.status, status_body: None, list: None, fields: self.fields.clone() };
        let what = format!("{method} {} with the token", self.path);
        let mismatches: Vec<Mismatch> = check_response(&expect, Some(status), &body, &schema)
            .into_iter()
            .map(|m| if m.what == "HTTP status" { Mismatch { what: what.clone(), ..m } } else { m })
            .collect();
        let differs = if status == self.status && !mismatches.is_empty() { " (body differs)" } else { "" };
        let seen = crate::capture::seen_http(Some(status), &body);
        let compact = serde_json::from_str::<Value>(&body).map(|v| v.to_string()).unwrap_or(body);
        Ok(Answered {
            seen,
            notes: vec![format!("{what} answered {status}"), format!("body: {}", excerpt(&compact, 400))],
            said: format!("{method} {} {status}{differs}", self.path),
            mismatches,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(yaml: &str) -> TokenRequestExpect {
        crate::yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn a_posted_review_with_fields_is_valid_and_a_get_with_a_body_is_not() {
        let review = request(
            "{path: /apis/authentication.k8s.io/v1/selfsubjectreviews, method: POST, status: 201,
              body: {apiVersion: authentication.k8s.io/v1, kind: SelfSubjectReview},
              fields: [{path: status.userInfo.username, equals: x}]}",
        );
        assert_eq!(review.validate(), Ok(()));
        assert_eq!(review.describe(), "POST /apis/authentication.k8s.io/v1/selfsubjectreviews 201");
        assert_eq!(request("{path: /api, status: 200}").describe(), "GET /api 200");
        assert_eq!(
            request("{path: /api, status: 200, body: {a: 1}}").validate().unwrap_err(),
            ("request.body".to_string(), "a GET request has no body; add `method: POST`".to_string())
        );
        assert_eq!(request("{path: /api, method: FETCH, status: 200}").validate().unwrap_err().0, "request.method");
        assert!(request("{path: api, status: 200}").validate().unwrap_err().1.contains("must start with `/`"));
        assert!(request("{path: /api, status: 200, fields: [{path: x}]}").validate().unwrap_err().1.contains("has no condition"));
    }
}
