//! `can-i`: the question asked twice, as a SubjectAccessReview and as the documented
//! `kubectl auth can-i ... --as=...`, both held to the same expected answer.

use super::kubectl::kubectl;
use super::poll::{look, Asked, Window};
use super::{Check, StepCtx, StepError};
use crate::api::{self, AccessQuestion};
use crate::check::Mismatch;
use crate::scenario::{Answer, CanI};
use std::time::Duration;

pub async fn run(ctx: &StepCtx<'_>, c: &CanI, window: Window, timeout: Duration) -> Result<Check, StepError> {
    look(window, c.expect.as_str(), || ask(ctx, c, timeout)).await
}

/// One ask; the answer in a word is the review's, with kubectl's added when it differs.
async fn ask(ctx: &StepCtx<'_>, c: &CanI, timeout: Duration) -> Result<Asked, StepError> {
    let q = AccessQuestion {
        user: c.user.clone(),
        verb: c.verb.clone(),
        resource: c.resource.clone(),
        non_resource_url: c.non_resource_url.clone(),
        namespace: c.namespace.clone(),
    };
    let (allowed, reason) = api::access_review(&ctx.target.client, &q).await?;
    let sar = Answer::from_allowed(allowed);
    let what = describe(c);
    let mut check = Check::default().note(format!(
        "SubjectAccessReview: {} {}",
        sar.as_str(),
        if reason.is_empty() { String::new() } else { format!("({reason})") }
    ));
    if sar != c.expect {
        check.mismatches.push(Mismatch::new(format!("SubjectAccessReview: {what}"), c.expect.as_str(), sar.as_str()));
    }
    let mut said = sar.as_str().to_string();
    if c.kubectl {
        let words = c.kubectl_words();
        let out = kubectl(ctx, &words[1..], None, timeout).await?;
        let answer = out.stdout.trim();
        check.notes.push(format!("`{}` printed {answer:?} (exit {})", words.join(" "), out.code));
        // kubectl auth can-i exits 0 for yes and 1 for no.
        let expected_exit = if c.expect == Answer::Yes { 0 } else { 1 };
        if answer != sar.as_str() {
            said.push_str(&format!(" (kubectl: {})", if answer.is_empty() { "nothing" } else { answer }));
        }
        if answer != c.expect.as_str() || out.code != expected_exit {
            let got = if answer.is_empty() {
                format!("nothing (exit {}, stderr: {})", out.code, out.stderr.trim())
            } else {
                format!("{answer} (exit {})", out.code)
            };
            check.mismatches.push(Mismatch::new(
                format!("`{}`", words.join(" ")),
                format!("{} (exit {expected_exit})", c.expect.as_str()),
                got,
            ));
        }
    }
    Ok(Asked { check, said })
}

fn describe(c: &CanI) -> String {
    let target = c.resource.clone().or_else(|| c.non_resource_url.clone()).unwrap_or_default();
    let scope = c.namespace.as_ref().map(|n| format!(" in namespace {n}")).unwrap_or_else(|| " cluster-wide".into());
    format!("can {} {} {target}{scope}", c.user, c.verb)
}
