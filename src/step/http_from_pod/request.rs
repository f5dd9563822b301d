//! The request half of `http-from-pod`: method, headers and a JSON body (written in the scenario as
//! YAML), turned into the documented curl's extra arguments. The body goes through a quoted heredoc, so
//! the shell expands nothing in it.

use serde::de::{self, Deserializer, Visitor};
use serde_json::Value;
use std::collections::BTreeMap;

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];
const END_OF_BODY: &str = "SA_CONFORMANCE_BODY";

/// A request path must start with `/` (`appended_to`: the URL it is appended to, for the message).
/// One that begins with a captured value (`path: ${path}`) is checked when the step is built again
/// with the value, just before it runs.
pub fn check_path(path: &str, appended_to: &str) -> Result<(), String> {
    if path.starts_with('/') || crate::capture::starts_with_placeholder(path) {
        return Ok(());
    }
    Err(format!("path `{path}` must start with `/` (it is appended to {appended_to})"))
}

/// The `status:` a step loads before a captured code (`status: ${code}`) has its value: never run,
/// because such a step is built again with the value before it starts.
pub const PENDING_STATUS: u16 = 0;

/// `status:` of an expected answer: an HTTP status code, a number from 100 to 599. A captured value
/// alone (`${code}`) stands for one at load ([`PENDING_STATUS`]) and is read again with its value.
pub fn status_code<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
    struct Code;
    impl Visitor<'_> for Code {
        type Value = u16;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an HTTP status code (a number from 100 to 599)")
        }
        fn visit_u64<E: de::Error>(self, n: u64) -> Result<u16, E> {
            u16::try_from(n)
                .ok()
                .filter(|n| (100..=599).contains(n))
                .ok_or_else(|| E::custom(format!("expected an HTTP status code (a number from 100 to 599), got {n}")))
        }
        fn visit_i64<E: de::Error>(self, n: i64) -> Result<u16, E> {
            match u64::try_from(n) {
                Ok(n) => self.visit_u64(n),
                Err(_) => Err(E::custom(format!("expected an HTTP status code (a number from 100 to 599), got {n}"))),
            }
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<u16, E> {
            if crate::capture::is_placeholder(s) {
                return Ok(PENDING_STATUS);
            }
            Err(E::custom(format!(
                "expected an HTTP status code (a number from 100 to 599), got the text {s:?} (a captured code must be a number: capture `json` of a command's output rather than `stdout`, or an answer's `status`)"
            )))
        }
    }
    d.deserialize_any(Code)
}

/// A request beyond the article's GET.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HttpRequest {
    /// GET unless given.
    pub method: Option<String>,
    pub headers: BTreeMap<String, String>,
    /// Sent as JSON (`Content-Type: application/json` unless a header says otherwise).
    pub body: Option<Value>,
}

impl HttpRequest {
    pub fn method(&self) -> &str {
        self.method.as_deref().unwrap_or("GET")
    }

    /// Load-time validation: a known method, header names that are tokens, no body on GET or HEAD.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if let Some(m) = &self.method {
            if !METHODS.contains(&m.as_str()) {
                return Err(("method".into(), format!("unknown method `{m}` (one of {})", METHODS.join(", "))));
            }
        }
        if let Some(bad) = self.headers.keys().find(|k| k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))) {
            return Err(("headers".into(), format!("`{bad}` is not an HTTP header name")));
        }
        if self.headers.keys().any(|k| k.eq_ignore_ascii_case("authorization")) {
            return Err(("headers".into(), "the Authorization header comes from `token:`, not `headers:`".into()));
        }
        if self.body.is_some() && matches!(self.method(), "GET" | "HEAD") {
            return Err(("body".into(), format!("a {} request has no body; add `method: POST`", self.method())));
        }
        Ok(())
    }

    /// The curl arguments before the URL (each ending in a space), and the heredoc that feeds the body
    /// (appended after the URL).
    pub fn curl_parts(&self) -> (String, String) {
        let mut args = String::new();
        if self.method() != "GET" {
            args.push_str(&format!("--request {} ", self.method()));
        }
        let mut headers = self.headers.clone();
        if self.body.is_some() && !headers.keys().any(|k| k.eq_ignore_ascii_case("content-type")) {
            headers.insert("Content-Type".into(), "application/json".into());
        }
        for (k, v) in &headers {
            args.push_str(&format!("--header {} ", shell_words::quote(&format!("{k}: {v}"))));
        }
        let heredoc = match &self.body {
            Some(body) => {
                args.push_str("--data-binary @- ");
                format!(" <<'{END_OF_BODY}'\n{body}\n{END_OF_BODY}")
            }
            None => String::new(),
        };
        (args, heredoc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_posted_review_gets_a_json_content_type_and_a_quoted_heredoc() {
        let r = HttpRequest {
            method: Some("POST".into()),
            headers: BTreeMap::new(),
            body: Some(json!({"kind": "TokenReview", "spec": {"token": "$(reboot)"}})),
        };
        let (args, heredoc) = r.curl_parts();
        assert_eq!(args, "--request POST --header 'Content-Type: application/json' --data-binary @- ");
        assert_eq!(heredoc, " <<'SA_CONFORMANCE_BODY'\n{\"kind\":\"TokenReview\",\"spec\":{\"token\":\"$(reboot)\"}}\nSA_CONFORMANCE_BODY");
        assert_eq!(HttpRequest::default().curl_parts(), (String::new(), String::new()));
    }

    #[test]
    fn bad_requests_are_load_errors() {
        let with = |m: &str, h: &[(&str, &str)], body: bool| HttpRequest {
            method: Some(m.into()),
            headers: h.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: body.then(|| json!({})),
        };
        assert_eq!(
            with("FETCH", &[], false).validate().unwrap_err().1,
            "unknown method `FETCH` (one of GET, POST, PUT, PATCH, DELETE, HEAD)"
        );
        assert_eq!(with("GET", &[], true).validate().unwrap_err().1, "a GET request has no body; add `method: POST`");
        assert!(with("POST", &[("Authorization", "x")], true).validate().unwrap_err().1.contains("from `token:`"));
        assert!(with("POST", &[("Bad Header", "x")], true).validate().is_err());
        assert!(with("POST", &[("Accept", "application/json")], true).validate().is_ok());
    }
}
