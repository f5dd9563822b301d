//! `can-i`: the question asked twice, as a SubjectAccessReview and as the documented
//! `kubectl auth can-i ... --as=...`, both held to the same expected answer.

use crate::footprint::Footprint;
use std::path::Path;
use super::kubectl::kubectl;
use crate::poll::{look_or_settle, Asked, Window};
use crate::command_line;
use super::{invalid, Action, Check, Invalid, Limits, LoadCx, Looking, StepCtx, StepError, StepKind};
use crate::api::{self, AccessQuestion};
use crate::check::Mismatch;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// `yes` or `no`, as `kubectl auth can-i` prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Answer {
    Yes,
    No,
}

impl Answer {
    pub fn from_allowed(allowed: bool) -> Self {
        if allowed {
            Answer::Yes
        } else {
            Answer::No
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
        }
    }
}

impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bool(bool),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Bool(b) => Ok(Answer::from_allowed(b)),
            Raw::Text(t) => match t.as_str() {
                "yes" => Ok(Answer::Yes),
                "no" => Ok(Answer::No),
                other => Err(serde::de::Error::custom(format!("invalid answer `{other}`, expected \"yes\" or \"no\""))),
            },
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CanI {
    #[serde(rename = "as")]
    pub user: String,
    pub verb: String,
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub non_resource_url: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    pub expect: Answer,
    #[serde(default = "default_true")]
    pub kubectl: bool,
    #[serde(default)]
    pub command: Option<String>,
    /// Ask kubectl's question in process (an isolated run, where the loader sets it): the
    /// SelfSubjectAccessReview `kubectl auth can-i --as=USER` sends, without a kubectl process. A
    /// step whose `command:` the article prints still runs it.
    #[serde(skip)]
    pub in_process: bool,
}

impl CanI {
    /// The kubectl command checked alongside the SubjectAccessReview: as documented, or built.
    pub fn kubectl_words(&self) -> Vec<String> {
        if let Some(cmd) = &self.command {
            return command_line::split(cmd).unwrap_or_default();
        }
        let mut words = vec!["kubectl".to_string(), "auth".into(), "can-i".into(), self.verb.clone()];
        // kubectl reads `pods/exec` as TYPE/NAME, so a subresource goes in --subresource.
        match (&self.resource, &self.non_resource_url) {
            (Some(r), _) => match r.split_once('/') {
                Some((res, sub)) => words.extend([res.to_string(), format!("--subresource={sub}")]),
                None => words.push(r.clone()),
            },
            (None, Some(url)) => words.push(url.clone()),
            (None, None) => {}
        }
        words.push(format!("--as={}", self.user));
        if let Some(ns) = &self.namespace {
            words.push("-n".into());
            words.push(ns.clone());
        }
        words
    }
}

fn default_true() -> bool {
    true
}

impl StepKind for CanI {
    type Raw = Self;
    const LOOKING: Looking = Looking::Again;

    /// Reads the namespace asked about and the one of the ServiceAccount asking.
    fn footprint(&self, f: &mut Footprint, _: &str, _: &Path) {
        f.read_identity(&self.user);
        if let Some(ns) = &self.namespace {
            f.read(ns);
        }
    }

    fn build(c: Self, _: &dyn LoadCx) -> Result<Self, Invalid> {
        match (&c.resource, &c.non_resource_url) {
            (Some(_), None) | (None, Some(_)) => {}
            _ => return invalid("can-i", "can-i needs exactly one of `resource` or `non-resource-url`"),
        }
        if let Some(cmd) = &c.command {
            let w = command_line::split(cmd).map_err(|m| ("command".to_string(), m))?;
            if w.first().map(String::as_str) != Some("kubectl") || !w.iter().any(|x| x == "can-i") {
                return invalid("command", format!("`{cmd}` is not a `kubectl auth can-i` command"));
            }
            crate::command_line::retarget::check_kubectl_args(&w[1..]).map_err(|m| ("command".to_string(), m))?;
        }
        Ok(c)
    }

    fn only_looks(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &StepCtx<'_>, limits: Limits) -> Result<Check, StepError> {
        run(ctx, self, limits.window, limits.timeout).await
    }
}

async fn run(ctx: &StepCtx<'_>, c: &CanI, window: Window, timeout: Duration) -> Result<Check, StepError> {
    let unsettled = behind_the_sentinel(&ctx.actions, &ctx.dir);
    look_or_settle(window, c.expect.as_str(), || async {
        let asked = ask(ctx, c, timeout).await?;
        // Final only when both askers gave a clean answer and nothing can still change it.
        let clean = asked.said == "yes" || asked.said == "no";
        Ok((asked, (clean && unsettled.is_none()).then(|| SETTLED.to_string())))
    })
    .await
}

/// Why a wrong can-i answer is final: the authorizer's answer depends only on RBAC objects.
pub const SETTLED: &str = "the RBAC sentinel proved the authorizer had seen every RBAC write of this scenario before this step, \
     and no step changes RBAC behind it (aggregated ClusterRoles, namespace deletion, owner references), so asking again cannot change the answer";

/// What in a scenario may change RBAC after the RBAC sentinel has proved the authorizer fresh: a
/// controller that writes later (the ClusterRole aggregation controller, the namespace controller
/// deleting a namespace's bindings, the garbage collector following owner references). `None` when
/// nothing does, so a can-i answer cannot change by waiting. Errs towards `Some` where it cannot tell.
pub fn behind_the_sentinel(actions: &[&Action], dir: &std::path::Path) -> Option<String> {
    actions.iter().find_map(|a| a.changes_rbac_late(dir))
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
    let in_process = c.kubectl && c.in_process && c.command.is_none();
    let (review, as_kubectl) = futures::join!(api::access_review(&ctx.target.client, &q), async {
        if in_process {
            Some(api::access::self_access_review_as(&ctx.target.client, &q).await)
        } else {
            None
        }
    });
    let (allowed, reason) = review?;
    let sar = Answer::from_allowed(allowed);
    let what = describe(c);
    let mut check = Check::default().note(format!(
        "SubjectAccessReview: {} {}",
        sar.as_str(),
        if reason.is_empty() { String::new() } else { format!("({reason})") }
    ));
    if sar != c.expect {
        // An unexpected yes names what grants it (the authorizer's reason), so a red says which binding.
        let got = if allowed && !reason.is_empty() { format!("{} ({reason})", sar.as_str()) } else { sar.as_str().to_string() };
        check.mismatches.push(Mismatch::new(format!("SubjectAccessReview: {what}"), c.expect.as_str(), got));
    }
    let mut said = sar.as_str().to_string();
    if let Some(as_kubectl) = as_kubectl {
        let words = c.kubectl_words().join(" ");
        let answer = Answer::from_allowed(as_kubectl?);
        check.notes.push(format!(
            "SelfSubjectAccessReview impersonating {}, the one `{words}` sends, asked in process (an isolated run): {}",
            c.user,
            answer.as_str()
        ));
        if answer != sar {
            said.push_str(&format!(" (as kubectl asks: {})", answer.as_str()));
        }
        if answer != c.expect {
            check.mismatches.push(Mismatch::new(format!("`{words}` (its SelfSubjectAccessReview, in process)"), c.expect.as_str(), answer.as_str()));
        }
    } else if c.kubectl {
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

