//! `token`: get a service-account token (TokenRequest, `kubectl create token`, or the one mounted in a
//! pod), check its claims, and use it from outside the cluster. The token never leaves this function
//! except inside the request that uses it.

use super::kubectl::kubectl;
use super::poll::{look, Asked, Window};
use super::{Check, StepCtx, StepError};
use crate::api::{self, TokenRequestSpec};
use crate::check::{token_claims, DocSchema, Mismatch};
use crate::scenario::duration::format_duration;
use crate::scenario::{words, TokenStep, TokenVia};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use serde_json::Value;
use std::time::Duration;

const MOUNTED_TOKEN: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";

pub async fn run(ctx: &StepCtx<'_>, t: &TokenStep, window: Window, timeout: Duration) -> Result<Check, StepError> {
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
        parts.push(format!("whoami {w}"));
    }
    if let Some(r) = &t.expect.request {
        parts.push(format!("GET {} {}", r.path, r.status));
    }
    parts.join(", ")
}

/// One look at the token: its claims, and what the API server says to it.
async fn use_token(ctx: &StepCtx<'_>, t: &TokenStep, token: &str, claims: &Value) -> Result<Asked, StepError> {
    let mut check = Check::with(check_claims(t, claims));
    let mut said = vec![if check.mismatches.is_empty() { "the claims given".to_string() } else { "other claims".to_string() }];
    if let Some(want) = &t.expect.whoami {
        let (status, user) = api::self_subject_review(ctx.target, token).await?;
        let got = user.clone().unwrap_or_else(|| format!("no user (HTTP {status})"));
        check.notes.push(format!("SelfSubjectReview with the token: {got}"));
        said.push(format!("whoami {got}"));
        if user.as_deref() != Some(want.as_str()) {
            check.mismatches.push(Mismatch::new("identity of the token (SelfSubjectReview)", want, got));
        }
    }
    if let Some(req) = &t.expect.request {
        let (status, _) = api::token::call_with_token(ctx.target, token, &req.path, None).await?;
        check.notes.push(format!("GET {} with the token answered {status}", req.path));
        said.push(format!("GET {} {status}", req.path));
        if status != req.status {
            check.mismatches.push(Mismatch::new(format!("GET {} with the token", req.path), req.status.to_string(), status.to_string()));
        }
    }
    Ok(Asked { check, said: said.join(", ") })
}

async fn obtain(ctx: &StepCtx<'_>, t: &TokenStep, timeout: Duration) -> Result<(String, String), StepError> {
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
            let spec = TokenRequestSpec { namespace: t.namespace.clone(), serviceaccount: t.serviceaccount.clone(), duration: t.duration, audiences: t.audiences.clone(), bound_pod };
            Ok((api::request_token(&ctx.target.client, &spec).await?, "TokenRequest".into()))
        }
        TokenVia::Kubectl => {
            let argv = match &t.command {
                Some(cmd) => words::split(cmd).map_err(StepError::Other)?,
                None => {
                    let mut w = vec!["kubectl".to_string(), "create".into(), "token".into(), t.serviceaccount.clone(), "-n".into(), t.namespace.clone()];
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
                return Err(StepError::Other(format!("reading {MOUNTED_TOKEN} in pod {}/{pod} failed (exit {}): {}", t.namespace, out.code, out.stderr.trim())));
            }
            Ok((out.stdout.trim().to_string(), format!("the token mounted in pod {}/{pod}", t.namespace)))
        }
    }
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
