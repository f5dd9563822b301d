//! `token`: get a service-account token (TokenRequest, `kubectl create token`, or the one mounted in a
//! pod), check its claims, and use it from outside the cluster. The token never leaves this function
//! except inside the request that uses it.

mod request;
pub mod whoami;

use crate::footprint::Footprint;
use std::path::Path;
use crate::credential::{self, Resolved, TokenSource};
use super::kubectl::kubectl;
use request::TokenRequestExpect;
use whoami::WhoamiExpect;
use crate::poll::{look, Asked, Window};
use crate::command_line;
use super::{invalid, Check, Invalid, Limits, LoadCx, Looking, StepCtx, StepError, StepKind};
use crate::api::{self, TokenRequestSpec};
use crate::check::{token_claims, DocSchema, FieldCheck, Mismatch};
use crate::duration::format_duration;
use serde::Deserialize;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use serde_json::Value;
use std::time::Duration;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case")]
pub enum TokenVia {
    #[default]
    Api,
    Kubectl,
    Pod,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TokenStep {
    pub serviceaccount: String,
    pub namespace: String,
    #[serde(default)]
    pub via: TokenVia,
    #[serde(default)]
    pub command: Option<String>,
    #[serde(default, deserialize_with = "crate::duration::deserialize_opt")]
    pub duration: Option<Duration>,
    #[serde(default)]
    pub audiences: Vec<String>,
    #[serde(default)]
    pub pod: Option<String>,
    /// A token that already exists, instead of obtaining one (`via`): `mounted` or `{ file: PATH }` in
    /// `pod:`, `{ secret: NAME }` (in `namespace`), or `{ value: TOKEN }` (e.g. a captured `${name}`).
    #[serde(default)]
    pub token: Option<TokenSource>,
    #[serde(default)]
    pub expect: TokenExpect,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TokenExpect {
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "crate::duration::deserialize_opt")]
    pub lifetime: Option<Duration>,
    /// `kubernetes.io.warnafter - iat`: when a client should refresh a token the API server extended.
    #[serde(default, deserialize_with = "crate::duration::deserialize_opt")]
    pub warn_after: Option<Duration>,
    /// The token's `kubernetes.io.pod` name and uid are those of the live pod (`pod:`).
    #[serde(default)]
    pub bound_to_pod: bool,
    #[serde(default)]
    pub audiences: Vec<String>,
    #[serde(default)]
    pub claims: Vec<FieldCheck>,
    /// What a SelfSubjectReview with the token answers: a username, or `{ username, uid, groups, extra, status }`.
    #[serde(default)]
    pub whoami: Option<WhoamiExpect>,
    #[serde(default)]
    pub request: Option<TokenRequestExpect>,
}

impl StepKind for TokenStep {
    type Raw = Self;
    const LOOKING: Looking = Looking::Once;

    /// Reads the ServiceAccount's namespace.
    fn footprint(&self, f: &mut Footprint, _: &str, _: &Path) {
        f.read(&self.namespace);
    }

    fn build(mut t: Self, _: &dyn LoadCx) -> Result<Self, Invalid> {
        if t.command.is_some() {
            t.via = TokenVia::Kubectl;
            let cmd = t.command.as_deref().unwrap_or_default();
            let w = command_line::split(cmd).map_err(|m| ("command".to_string(), m))?;
            if w.len() < 3 || w[0] != "kubectl" || w[1] != "create" || w[2] != "token" {
                return invalid("command", format!("`{cmd}` is not a `kubectl create token` command"));
            }
            crate::command_line::retarget::check_kubectl_args(&w[1..]).map_err(|m| ("command".to_string(), m))?;
        }
        if t.expect.bound_to_pod && t.pod.is_none() {
            return invalid("bound-to-pod", "`bound-to-pod: true` needs `pod:` (the pod the token must be bound to)");
        }
        if t.via == TokenVia::Pod && t.pod.is_none() {
            return invalid("via", "`via: pod` needs `pod:` (the pod whose mounted token is read)");
        }
        if let Some(source) = &t.token {
            if t.via != TokenVia::Api || t.duration.is_some() || !t.audiences.is_empty() {
                return invalid("token", "`token:` checks a token that exists; `via`, `command`, `duration` and `audiences` obtain a new one");
            }
            if *source == TokenSource::None {
                return invalid("token", "`token: none` leaves nothing to check");
            }
            if source.in_pod() && t.pod.is_none() {
                return invalid("token", "a token in a pod needs `pod:` (the pod it is read in)");
            }
        }
        let claims = DocSchema::Known(token_claims());
        t.expect.claims.iter().try_for_each(|f| f.validate_against(&claims).map_err(|m| ("claims".to_string(), m)))?;
        t.expect.request.iter().try_for_each(TokenRequestExpect::validate)?;
        Ok(t)
    }

    fn only_looks(&self) -> bool {
        true
    }

    /// The token is the one mounted in a pod (`via: pod`, or `token: mounted`).
    fn api_caller(&self) -> Option<(String, String)> {
        let mounted = self.via == TokenVia::Pod || self.token == Some(TokenSource::Mounted);
        mounted.then(|| self.pod.clone().map(|p| (self.namespace.clone(), p))).flatten()
    }

    async fn run(&self, ctx: &StepCtx<'_>, limits: Limits) -> Result<Check, StepError> {
        run(ctx, self, limits.window, limits.timeout).await
    }
}


const MOUNTED_TOKEN: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";

async fn run(ctx: &StepCtx<'_>, t: &TokenStep, window: Window, timeout: Duration) -> Result<Check, StepError> {
    let (token, how) = obtain(ctx, t, timeout).await?;
    let claims = match api::decode_jwt_claims(&token) {
        Ok(c) => c,
        Err(e) => return Ok(Check::with(vec![Mismatch::new("token", "a JWT", e)]).note(format!("token obtained via {how}"))),
    };
    // The token is obtained once; what the API server says about it is asked again within the window.
    let mut check = look(window, &expected(t), || use_token(ctx, t, &token, &claims)).await?;
    check.notes.insert(0, format!("token obtained via {how}"));
    Ok(check)
}

/// The answers expected, in a few words ("whoami X, GET /path 403").
fn expected(t: &TokenStep) -> String {
    let mut parts = vec!["the claims given".to_string()];
    if let Some(w) = &t.expect.whoami {
        parts.push(format!("whoami {}", w.describe()));
    }
    if let Some(r) = &t.expect.request {
        parts.push(r.describe());
    }
    parts.join(", ")
}

/// One look at the token: its claims, and what the API server says to it.
async fn use_token(ctx: &StepCtx<'_>, t: &TokenStep, token: &str, claims: &Value) -> Result<Asked, StepError> {
    let mut check = Check::with(check_claims(t, claims));
    let mut said = vec![if check.mismatches.is_empty() { "the claims given".to_string() } else { "other claims".to_string() }];
    if let (Some(lifetime), Some(warn)) = (span(claims, "exp"), span(claims, "kubernetes.io.warnafter")) {
        check.notes.push(format!("measured: exp - iat = {lifetime}s, warnafter - iat = {warn}s"));
    } else if let Some(lifetime) = span(claims, "exp") {
        check.notes.push(format!("measured: exp - iat = {lifetime}s"));
    }
    if t.expect.bound_to_pod {
        let name = t.pod.as_deref().unwrap_or_default();
        let pods: Api<Pod> = Api::namespaced(ctx.target.client.clone(), &t.namespace);
        let pod = pods.get(name).await.map_err(api::ApiError::kube(format!("get pod {}/{name}", t.namespace)))?;
        check.mismatches.extend(check_bound_pod(claims, name, pod.metadata.uid.as_deref().unwrap_or_default()));
    }
    if let Some(want) = &t.expect.whoami {
        let (status, body) = api::token::self_subject_review_body(ctx.target, token).await?;
        let user = body["status"]["userInfo"]["username"].as_str();
        let got = user.map(String::from).unwrap_or_else(|| format!("no user (HTTP {status})"));
        check.notes.push(format!("SelfSubjectReview with the token: {got}"));
        let differs = want.check(status, &body);
        said.push(format!("whoami {got}{}", if differs.is_empty() { "" } else { " (differs)" }));
        check.mismatches.extend(differs);
    }
    check.seen = serde_json::json!({ "token": token, "claims": claims });
    if let Some(req) = &t.expect.request {
        let answered = req.call(ctx, token).await?;
        check.notes.extend(answered.notes);
        said.push(answered.said);
        check.mismatches.extend(answered.mismatches);
        check.seen["response"] = answered.seen;
    }
    Ok(Asked { check, said: said.join(", ") })
}

/// Reads a file in the step's pod.
async fn read_in_pod(ctx: &StepCtx<'_>, t: &TokenStep, file: &str, timeout: Duration) -> Result<String, StepError> {
    let pod = t.pod.as_deref().unwrap_or_default();
    let argv = vec!["cat".to_string(), file.to_string()];
    let out = api::exec(&ctx.target.client, &t.namespace, pod, None, &argv, timeout).await?;
    if out.code != 0 {
        return Err(StepError::Other(format!("reading {file} in pod {}/{pod} failed (exit {}): {}", t.namespace, out.code, out.stderr.trim())));
    }
    Ok(out.stdout.trim().to_string())
}

async fn obtain(ctx: &StepCtx<'_>, t: &TokenStep, timeout: Duration) -> Result<(String, String), StepError> {
    if let Some(source) = &t.token {
        let pod = t.pod.as_deref().unwrap_or_default();
        let token = match credential::resolve(&ctx.target.client, source, &t.namespace).await? {
            Resolved::Mounted => read_in_pod(ctx, t, MOUNTED_TOKEN, timeout).await?,
            Resolved::File(f) => read_in_pod(ctx, t, &f, timeout).await?,
            Resolved::Token(token) => token,
            Resolved::None => return Err(StepError::Other("`token: none` leaves nothing to check".into())),
        };
        crate::secrets::register_secret(&token);
        let how = match source {
            TokenSource::Mounted | TokenSource::File(_) => format!("{} in pod {}/{pod}", source.describe(&t.namespace), t.namespace),
            _ => source.describe(&t.namespace),
        };
        return Ok((token, how));
    }
    match t.via {
        TokenVia::Api => {
            let bound_pod = match &t.pod {
                Some(name) => {
                    let pods: Api<Pod> = Api::namespaced(ctx.target.client.clone(), &t.namespace);
                    let pod = pods.get(name).await.map_err(api::ApiError::kube(format!("get pod {}/{name}", t.namespace)))?;
                    Some((name.clone(), pod.metadata.uid.unwrap_or_default()))
                }
                None => None,
            };
            let spec = TokenRequestSpec {
                namespace: t.namespace.clone(),
                serviceaccount: t.serviceaccount.clone(),
                duration: t.duration,
                audiences: t.audiences.clone(),
                bound_pod,
            };
            Ok((api::request_token(&ctx.target.client, &spec).await?, "TokenRequest".into()))
        }
        TokenVia::Kubectl => {
            let argv = match &t.command {
                Some(cmd) => command_line::split(cmd).map_err(StepError::Other)?,
                None => {
                    let mut w = vec![
                        "kubectl".to_string(),
                        "create".into(),
                        "token".into(),
                        t.serviceaccount.clone(),
                        "-n".into(),
                        t.namespace.clone(),
                    ];
                    if let Some(d) = t.duration {
                        w.push(format!("--duration={}", format_duration(d)));
                    }
                    w.extend(t.audiences.iter().map(|a| format!("--audience={a}")));
                    w
                }
            };
            let out = kubectl(ctx, &argv[1..], None, timeout).await?;
            if out.code != 0 {
                return Err(StepError::Other(format!("`{}` exited {}: {}", argv.join(" "), out.code, out.stderr.trim())));
            }
            Ok((out.stdout.trim().to_string(), format!("`{}`", argv.join(" "))))
        }
        TokenVia::Pod => {
            let pod = t.pod.as_deref().unwrap_or_default();
            let argv = vec!["cat".to_string(), MOUNTED_TOKEN.to_string()];
            let out = api::exec(&ctx.target.client, &t.namespace, pod, None, &argv, timeout).await?;
            if out.code != 0 {
                return Err(StepError::Other(format!(
                    "reading {MOUNTED_TOKEN} in pod {}/{pod} failed (exit {}): {}",
                    t.namespace,
                    out.code,
                    out.stderr.trim()
                )));
            }
            Ok((out.stdout.trim().to_string(), format!("the token mounted in pod {}/{pod}", t.namespace)))
        }
    }
}

/// Seconds from `iat` to the numeric claim at `path` (`exp`, or `kubernetes.io.warnafter`).
fn span(claims: &Value, path: &str) -> Option<i64> {
    let at = path.split('.').collect::<Vec<_>>();
    let value = match at.as_slice() {
        ["kubernetes", "io", rest] => claims.get("kubernetes.io").and_then(|k| k.get(*rest)),
        _ => claims.get(path),
    };
    Some(value?.as_i64()? - claims.get("iat")?.as_i64()?)
}

/// The token's `kubernetes.io.pod` is the live pod: same name and same uid (a token of an earlier pod
/// of that name has another uid).
pub fn check_bound_pod(claims: &Value, name: &str, uid: &str) -> Vec<Mismatch> {
    let pod = &claims["kubernetes.io"]["pod"];
    let mut out = Vec::new();
    let got_name = pod["name"].as_str().unwrap_or("<none>");
    if got_name != name {
        out.push(Mismatch::new("pod the token is bound to (kubernetes.io.pod.name)", name, got_name));
    }
    let got_uid = pod["uid"].as_str().unwrap_or("<none>");
    if uid.is_empty() || got_uid != uid {
        out.push(Mismatch::new(
            "uid of the pod the token is bound to (kubernetes.io.pod.uid)",
            format!("{uid} (the live pod's uid)"),
            got_uid,
        ));
    }
    out
}

/// Subject, lifetime, audiences and field checks on the decoded claims.
pub fn check_claims(t: &TokenStep, claims: &Value) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if let Some(want) = &t.expect.subject {
        let got = claims["sub"].as_str().unwrap_or("<none>");
        if got != want {
            out.push(Mismatch::new("token subject (sub)", want, got));
        }
    }
    if let Some(want) = t.expect.lifetime {
        let lifetime = claims["exp"].as_i64().zip(claims["iat"].as_i64()).map(|(e, i)| e - i);
        if lifetime != Some(want.as_secs() as i64) {
            let got = lifetime.map(|l| format!("{l}s")).unwrap_or_else(|| "no exp/iat".into());
            out.push(Mismatch::new("token lifetime (exp - iat)", format!("{}s", want.as_secs()), got));
        }
    }
    if let Some(want) = t.expect.warn_after {
        let got = span(claims, "kubernetes.io.warnafter");
        if got != Some(want.as_secs() as i64) {
            let got = got.map(|l| format!("{l}s")).unwrap_or_else(|| "no kubernetes.io.warnafter/iat".into());
            out.push(Mismatch::new("token refresh time (kubernetes.io.warnafter - iat)", format!("{}s", want.as_secs()), got));
        }
    }
    let aud: Vec<&str> = match &claims["aud"] {
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        Value::String(s) => vec![s.as_str()],
        _ => Vec::new(),
    };
    for want in &t.expect.audiences {
        if !aud.contains(&want.as_str()) {
            out.push(Mismatch::new("token audiences (aud)", format!("to contain {want}"), format!("{aud:?}")));
        }
    }
    let schema = DocSchema::Known(token_claims());
    out.extend(t.expect.claims.iter().flat_map(|f| f.check(claims, &schema)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn step(yaml: &str) -> TokenStep {
        crate::yaml::from_str(yaml).expect("token step")
    }

    /// The mounted token on a default cluster: valid a year, refresh due after 3607 s.
    fn extended() -> Value {
        json!({"iat": 1000, "exp": 1000 + 31536000, "kubernetes.io": {"warnafter": 1000 + 3607, "pod": {"name": "alpine-curl", "uid": "u-1"}}})
    }

    /// The same token on a cluster with --service-account-extend-token-expiration=false.
    fn short() -> Value {
        json!({"iat": 1000, "exp": 1000 + 3607, "kubernetes.io": {"pod": {"name": "alpine-curl", "uid": "u-1"}}})
    }

    #[test]
    fn the_one_year_erratum_holds_on_an_extended_token_and_fails_on_a_short_one() {
        let t = step(
            "{ serviceaccount: pod-inspector, namespace: dev, via: pod, pod: alpine-curl, expect: { lifetime: 8760h, warn-after: 3607s } }",
        );
        assert!(check_claims(&t, &extended()).is_empty());
        let m = check_claims(&t, &short());
        let text: Vec<String> = m.iter().map(|m| m.to_string()).collect();
        assert_eq!(m.len(), 2, "{text:?}");
        assert_eq!((m[0].expected.as_str(), m[0].actual.as_str()), ("31536000s", "3607s"));
        assert_eq!(m[1].actual, "no kubernetes.io.warnafter/iat");
    }

    #[test]
    fn a_short_lived_expectation_fails_on_the_extended_token() {
        let t = step("{ serviceaccount: pod-inspector, namespace: dev, expect: { lifetime: 3607s } }");
        assert!(check_claims(&t, &short()).is_empty());
        assert_eq!(check_claims(&t, &extended())[0].actual, "31536000s");
    }

    #[test]
    fn a_token_is_bound_to_the_live_pod_only_with_its_name_and_uid() {
        assert!(check_bound_pod(&extended(), "alpine-curl", "u-1").is_empty());
        let other_uid = check_bound_pod(&extended(), "alpine-curl", "u-2");
        assert_eq!(other_uid.len(), 1);
        assert_eq!(other_uid[0].actual, "u-1");
        assert_eq!(check_bound_pod(&extended(), "nginx", "u-1").len(), 1);
        assert_eq!(check_bound_pod(&json!({"iat": 1}), "alpine-curl", "u-1").len(), 2);
    }
}
