//! `http-from-pod`: the article's curl, run inside the pod with the mounted token and ca.crt, exactly
//! as documented, plus `--silent --show-error --write-out` so the HTTP status can be read.

pub mod request;

use crate::footprint::Footprint;
use std::path::Path;
use crate::poll::{look, Asked, Window};
use super::{invalid, Check, Invalid, Limits, LoadCx, Looking, StepCtx, StepError, StepKind};
use crate::credential::{self, Resolved, TokenSource};
use request::HttpRequest;
use crate::api;
use crate::check::{excerpt, DocSchema, FieldCheck, Mismatch};
use serde::Deserialize;
use std::collections::BTreeMap;
use serde_json::Value;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HttpFromPod {
    pub pod: String,
    pub namespace: String,
    #[serde(default)]
    pub container: Option<String>,
    pub path: String,
    /// Where the token comes from (see [`TokenSource`]): the mounted one by default.
    #[serde(default)]
    pub token: TokenSource,
    /// GET unless given.
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body, written as YAML.
    #[serde(default)]
    pub body: Option<Value>,
    pub expect: HttpExpect,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HttpExpect {
    #[serde(deserialize_with = "request::status_code")]
    pub status: u16,
    #[serde(default)]
    pub status_body: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    pub list: Option<ListExpect>,
    #[serde(default)]
    pub fields: Vec<FieldCheck>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ListExpect {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub contains: Vec<String>,
    #[serde(default)]
    pub not_contains: Vec<String>,
}

impl StepKind for HttpFromPod {
    type Raw = Self;
    const LOOKING: Looking = Looking::Again;

    /// Reads the pod's namespace; a list compared from a path outside any namespace reads everywhere.
    fn footprint(&self, f: &mut Footprint, at: &str, _: &Path) {
        f.read(&self.namespace);
        if self.expect.list.is_some() && !self.path.contains("/namespaces/") {
            f.everywhere(format!("{at} compares the list {} across all namespaces", self.path));
        }
    }

    fn build(h: Self, _: &dyn LoadCx) -> Result<Self, Invalid> {
        if let Err(m) = request::check_path(&h.path, "https://kubernetes.default.svc") {
            return invalid("path", m);
        }
        h.expect.fields.iter().try_for_each(|f| f.validate().map_err(|m| ("fields".to_string(), m)))?;
        h.request().validate()?;
        Ok(h)
    }

    fn only_looks(&self) -> bool {
        true
    }

    /// The call uses the pod's own mounted token.
    fn api_caller(&self) -> Option<(String, String)> {
        (self.token == TokenSource::Mounted).then(|| (self.namespace.clone(), self.pod.clone()))
    }

    async fn run(&self, ctx: &StepCtx<'_>, limits: Limits) -> Result<Check, StepError> {
        run(ctx, self, limits.window, limits.timeout).await
    }
}

impl HttpFromPod {
    /// The request beyond the path: method, headers, body.
    pub fn request(&self) -> HttpRequest {
        HttpRequest { method: self.method.clone(), headers: self.headers.clone(), body: self.body.clone() }
    }
}

/// Exit code of the script when the token file cannot be read (curl never runs).
const NO_TOKEN_FILE: i32 = 97;

/// The documented shell lines (`TOKEN` from where the step says), then the documented curl with a
/// status trailer and the request's method, headers and body.
pub fn script(path: &str, token: &Resolved, request: &HttpRequest) -> String {
    let token_line = match (token, credential::token_line(token)) {
        (Resolved::File(_), Some(line)) => format!("{line} || exit {NO_TOKEN_FILE}\n"),
        (_, Some(line)) => format!("{line}\n"),
        (_, None) => String::new(),
    };
    let auth = if *token == Resolved::None { "" } else { "--header \"Authorization: Bearer ${TOKEN}\" " };
    let (args, heredoc) = request.curl_parts();
    format!(
        "SERVICEACCOUNT=/var/run/secrets/kubernetes.io/serviceaccount\n\
         {token_line}\
         CACERT=${{SERVICEACCOUNT}}/ca.crt\n\
         NAMESPACE=$(cat ${{SERVICEACCOUNT}}/namespace)\n\
         APISERVER=https://kubernetes.default.svc\n\
         curl --silent --show-error --write-out '\\n%{{http_code}}' --cacert ${{CACERT}} {auth}{args}${{APISERVER}}{path}{heredoc}\n",
        path = shell_quote(path)
    )
}

async fn run(ctx: &StepCtx<'_>, h: &HttpFromPod, window: Window, timeout: Duration) -> Result<Check, StepError> {
    let token = credential::resolve(&ctx.target.client, &h.token, &h.namespace).await?;
    let mut check = look(window, &h.expect.status.to_string(), || call(ctx, h, &token, timeout)).await?;
    if h.token != TokenSource::Mounted {
        check.notes.insert(0, format!("with {}", h.token.describe(&h.namespace)));
    }
    Ok(check)
}

/// One call; the answer in a word is the HTTP status (or curl's failure).
async fn call(ctx: &StepCtx<'_>, h: &HttpFromPod, token: &Resolved, timeout: Duration) -> Result<Asked, StepError> {
    let argv = vec!["sh".to_string(), "-c".to_string(), script(&h.path, token, &h.request())];
    let out = api::exec(&ctx.target.client, &h.namespace, &h.pod, h.container.as_deref(), &argv, timeout).await?;
    if out.code == NO_TOKEN_FILE {
        let check = Check::with(vec![Mismatch::new(
            format!("token file in pod {}/{}", h.namespace, h.pod),
            "a readable file",
            excerpt(out.stderr.trim(), 400),
        )]);
        return Ok(Asked { check, said: "no token file".into() });
    }
    if out.code != 0 {
        let check = Check::with(vec![Mismatch::new(
            "curl in the pod",
            format!("an HTTP answer with status {}", h.expect.status),
            format!("curl exited {}: {}", out.code, excerpt(out.stderr.trim(), 400)),
        )]);
        return Ok(Asked { check, said: format!("curl exit {}", out.code) });
    }
    let (body, status) = split_status(&out.stdout);
    let schema = match serde_json::from_str::<Value>(body) {
        Ok(doc) if !h.expect.fields.is_empty() => ctx.discovery.schemas.document_schema(&ctx.target.client, &doc).await?,
        _ => DocSchema::Unknown("no JSON body".into()),
    };
    let mut check = Check::with(check_response(&h.expect, status, body, &schema)).saw(crate::capture::seen_http(status, body)).note(format!(
        "{} {} from pod {}/{} answered {}",
        h.request().method(),
        h.path,
        h.namespace,
        h.pod,
        status.map(|s| s.to_string()).unwrap_or_else(|| "?".into())
    ));
    let compact = serde_json::from_str::<Value>(body).map(|v| v.to_string()).unwrap_or_else(|_| body.to_string());
    check.notes.push(format!("body: {}", excerpt(&compact, 400)));
    let mut said = status.map(|s| s.to_string()).unwrap_or_else(|| "no status".into());
    if status == Some(h.expect.status) && !check.mismatches.is_empty() {
        said.push_str(" (body differs)");
    }
    Ok(Asked { check, said })
}

/// The path as one shell word (`?a=1&b=2` must not background curl).
fn shell_quote(path: &str) -> String {
    if path.chars().all(|c| c.is_ascii_alphanumeric() || "/-._~:".contains(c)) {
        path.to_string()
    } else {
        format!("'{}'", path.replace('\'', "'\\''"))
    }
}

/// Splits curl's output into (body, status from the write-out trailer).
pub fn split_status(stdout: &str) -> (&str, Option<u16>) {
    match stdout.rsplit_once('\n') {
        Some((body, code)) => (body, code.trim().parse().ok()),
        None => ("", stdout.trim().parse().ok()),
    }
}

/// Every way the response differs from the expectation (`fields` paths checked against `schema`,
/// the schema of the body's kind).
pub fn check_response(expect: &HttpExpect, status: Option<u16>, body: &str, schema: &DocSchema) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if status != Some(expect.status) {
        out.push(Mismatch::new("HTTP status", expect.status.to_string(), status.map(|s| s.to_string()).unwrap_or_else(|| "none".into())));
    }
    let needs_json = expect.status_body.is_some() || expect.list.is_some() || !expect.fields.is_empty();
    if !needs_json {
        return out;
    }
    let doc: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(e) => {
            out.push(Mismatch::new("response body", "JSON", format!("{e}: {:?}", excerpt(body, 300))));
            return out;
        }
    };
    if let Some(fields) = &expect.status_body {
        for (key, want) in fields {
            let got = doc.get(key).cloned().unwrap_or(Value::Null);
            if !same(want, &got) {
                out.push(Mismatch::new(format!("Status field `{key}`"), want.to_string(), got.to_string()));
            }
        }
    }
    if let Some(list) = &expect.list {
        if let Some(kind) = &list.kind {
            if doc["kind"].as_str() != Some(kind.as_str()) {
                out.push(Mismatch::new("list kind", kind, doc["kind"].to_string()));
            }
        }
        let names: Vec<&str> = doc["items"].as_array().into_iter().flatten().filter_map(|i| i["metadata"]["name"].as_str()).collect();
        for want in &list.contains {
            if !names.contains(&want.as_str()) {
                out.push(Mismatch::new("list items", format!("to contain {want}"), format!("{names:?}")));
            }
        }
        for unwanted in &list.not_contains {
            if names.contains(&unwanted.as_str()) {
                out.push(Mismatch::new("list items", format!("not to contain {unwanted}"), format!("{names:?}")));
            }
        }
    }
    out.extend(expect.fields.iter().flat_map(|f| f.check(&doc, schema)));
    out
}

fn same(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => want == got,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORBIDDEN: &str = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods is forbidden: User \"system:serviceaccount:dev:pod-inspector\" cannot list resource \"pods\" in API group \"\" in the namespace \"dev\"","reason":"Forbidden","details":{"kind":"pods"},"code":403}"#;

    fn no_schema() -> DocSchema {
        DocSchema::Unknown("no schema in this test".into())
    }

    fn expect(yaml: &str) -> HttpExpect {
        crate::yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn the_documented_script_is_the_articles_curl() {
        let s = script("/api/v1/namespaces/dev/pods", &Resolved::Mounted, &HttpRequest::default());
        assert!(s.contains("TOKEN=$(cat ${SERVICEACCOUNT}/token)"));
        assert!(s.contains("--cacert ${CACERT} --header \"Authorization: Bearer ${TOKEN}\" ${APISERVER}/api/v1/namespaces/dev/pods"));
    }

    #[test]
    fn query_strings_stay_one_word() {
        let s = script("/api/v1/pods?watch=1&timeoutSeconds=1", &Resolved::Mounted, &HttpRequest::default());
        assert!(s.contains("${APISERVER}'/api/v1/pods?watch=1&timeoutSeconds=1'"), "{s}");
    }

    #[test]
    fn reads_the_status_trailer() {
        assert_eq!(split_status("{}\n403"), ("{}", Some(403)));
        assert_eq!(split_status("{\"a\":\n1}\n200"), ("{\"a\":\n1}", Some(200)));
    }

    #[test]
    fn the_articles_403_matches_character_for_character() {
        let e = expect(
            r#"{status: 403, status-body: {kind: Status, status: Failure, reason: Forbidden, code: 403,
            message: 'pods is forbidden: User "system:serviceaccount:dev:pod-inspector" cannot list resource "pods" in API group "" in the namespace "dev"'}}"#,
        );
        assert_eq!(check_response(&e, Some(403), FORBIDDEN, &no_schema()), vec![]);
    }

    #[test]
    fn a_different_identity_in_the_message_is_a_mismatch() {
        let e = expect(
            r#"{status: 403, status-body: {message: 'pods is forbidden: User "system:serviceaccount:dev:default" cannot list resource "pods" in API group "" in the namespace "dev"'}}"#,
        );
        let got = check_response(&e, Some(403), FORBIDDEN, &no_schema());
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].what, "Status field `message`");
    }

    #[test]
    fn a_pod_list_is_checked_by_names() {
        let e = expect("{status: 200, list: {kind: PodList, contains: [alpine-curl], not-contains: [nginx]}}");
        let body = r#"{"kind":"PodList","items":[{"metadata":{"name":"alpine-curl"}}]}"#;
        assert_eq!(check_response(&e, Some(200), body, &no_schema()), vec![]);
        let got = check_response(&e, Some(403), FORBIDDEN, &no_schema());
        assert_eq!(got[0].to_string(), "HTTP status: expected 200, got 403");
    }

    #[test]
    fn a_projected_token_file_and_a_posted_body_keep_the_documented_curl() {
        let request = HttpRequest { method: Some("POST".into()), headers: BTreeMap::new(), body: Some(serde_json::json!({"kind": "TokenReview"})) };
        let s = script("/apis/authentication.k8s.io/v1/tokenreviews", &Resolved::File("/var/run/secrets/tokens/vault-token".into()), &request);
        assert!(s.contains("TOKEN=$(cat /var/run/secrets/tokens/vault-token) || exit 97\n"), "{s}");
        assert!(
            s.contains("--cacert ${CACERT} --header \"Authorization: Bearer ${TOKEN}\" --request POST --header 'Content-Type: application/json' --data-binary @- ${APISERVER}/apis/authentication.k8s.io/v1/tokenreviews <<'SA_CONFORMANCE_BODY'\n{\"kind\":\"TokenReview\"}\nSA_CONFORMANCE_BODY\n"),
            "{s}"
        );
        let none = script("/api", &Resolved::None, &HttpRequest::default());
        assert!(!none.contains("TOKEN") && !none.contains("Authorization"), "{none}");
    }
}
