//! `wait`: for a pod to be Ready, an object to exist or be gone, or a condition. It watches the object,
//! so it ends when the event arrives, not at the next poll. A pod that cannot start fails at once with
//! the reason, instead of after the timeout.

use crate::footprint::Footprint;
use std::path::Path;
use crate::poll::Look;
use super::{invalid, Check, Invalid, Limits, LoadCx, Looking, StepCtx, StepError, StepKind};
use crate::api::watch::Followed;
use crate::api::{self, ObjectRef};
use crate::check::Mismatch;
use crate::duration::format_duration;
use serde::Deserialize;
use serde_json::Value;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

/// What a `wait` waits for: `ready`, `exists`, `deleted`, or `{ condition: TYPE }` (the documented
/// form; YAML's `!condition TYPE` tag is read too).
#[derive(Debug, Clone, PartialEq)]
pub enum WaitFor {
    Ready,
    Exists,
    Deleted,
    Condition(String),
}

impl<'de> Deserialize<'de> for WaitFor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, MapAccess, Visitor};
        const EXPECTED: &str = "`ready`, `exists`, `deleted` or `{ condition: TYPE }`";
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WaitFor;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<WaitFor, E> {
                match v {
                    "ready" => Ok(WaitFor::Ready),
                    "exists" => Ok(WaitFor::Exists),
                    "deleted" => Ok(WaitFor::Deleted),
                    other => Err(E::custom(format!("unknown wait `{other}`, expected {EXPECTED}"))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WaitFor, A::Error> {
                let key: String = map.next_key()?.ok_or_else(|| A::Error::custom(format!("empty map, expected {EXPECTED}")))?;
                if key != "condition" {
                    return Err(A::Error::custom(format!("unknown wait `{key}`, expected {EXPECTED}")));
                }
                let value: String = map.next_value()?;
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(A::Error::custom(format!("unexpected `{extra}` next to `condition`")));
                }
                Ok(WaitFor::Condition(value))
            }
            fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<WaitFor, A::Error> {
                use serde::de::VariantAccess;
                let (tag, variant): (String, _) = data.variant()?;
                match tag.as_str() {
                    "condition" => Ok(WaitFor::Condition(variant.newtype_variant()?)),
                    other => Err(A::Error::custom(format!("unknown wait `!{other}`, expected {EXPECTED}"))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wait {
    pub resource: ObjectRef,
    #[serde(rename = "for")]
    pub wait_for: WaitFor,
}

impl StepKind for Wait {
    type Raw = Self;
    const LOOKING: Looking = Looking::No;

    /// Reads the object's namespace (or every namespace, for a list).
    fn footprint(&self, f: &mut Footprint, at: &str, _: &Path) {
        f.read_ref(&self.resource, at);
    }

    /// The object it waits on.
    fn reads(&self) -> Option<Vec<crate::footprint::Read>> {
        let r = &self.resource;
        Some(vec![crate::footprint::Read::object(&r.kind, r.namespace.as_deref(), r.name.as_deref())])
    }

    fn build(w: Self, _: &dyn LoadCx) -> Result<Self, Invalid> {
        if w.resource.name.is_none() {
            return invalid("resource", format!("wait on {} needs a `name`", w.resource.kind));
        }
        if w.wait_for == WaitFor::Ready && w.resource.kind != "Pod" {
            return invalid("for", format!("`for: ready` applies to a Pod, not a {}; use `condition`", w.resource.kind));
        }
        Ok(w)
    }

    fn only_looks(&self) -> bool {
        false
    }

    async fn run(&self, ctx: &StepCtx<'_>, limits: Limits) -> Result<Check, StepError> {
        wait(ctx, self, limits.timeout).await
    }
}

/// Waiting reasons that will not resolve by themselves.
const FATAL_WAITING: &[&str] = &[
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "ErrImageNeverPull",
    "CreateContainerConfigError",
    "CreateContainerError",
    "CrashLoopBackOff",
    "RunContainerError",
];

async fn wait(ctx: &StepCtx<'_>, w: &Wait, timeout: Duration) -> Result<Check, StepError> {
    let r = &w.resource;
    let what = r.to_string();
    let api = api::watch::api_of(&ctx.target.client, ctx.discovery, r).await?;
    let name = r.name.as_deref().unwrap_or_default();
    let followed = api::watch::follow(&api, name, Instant::now() + timeout, |obj| match look(&w.wait_for, &what, obj) {
        Look::Done(c) => ControlFlow::Break(c),
        Look::NotYet(c) => ControlFlow::Continue(c),
    })
    .await?;
    Ok(match followed {
        Followed::Done(check) => check,
        Followed::TimedOut(check) => {
            let check = check.note(format!("gave up after {}", format_duration(timeout)));
            match api::watch::silent_server(&ctx.target.client).await {
                Some(why) => check.note(why),
                None => check,
            }
        }
    })
}

/// What one state of the object (None: absent) says about the wait.
fn look(wait_for: &WaitFor, what: &str, obj: Option<&Value>) -> Look {
    match (wait_for, obj) {
        (WaitFor::Exists, Some(_)) | (WaitFor::Deleted, None) => Look::Done(Check::default()),
        (WaitFor::Exists, None) => Look::NotYet(Check::with(vec![Mismatch::new(what, "to exist", "not found")])),
        (WaitFor::Deleted, Some(_)) => Look::NotYet(Check::with(vec![Mismatch::new(what, "to be deleted", "still exists")])),
        (_, None) => Look::NotYet(Check::with(vec![Mismatch::new(what, "to exist", "not found")])),
        (WaitFor::Ready, Some(pod)) => pod_ready(what, pod),
        (WaitFor::Condition(c), Some(obj)) => {
            if condition_true(obj, c) {
                Look::Done(Check::default())
            } else {
                Look::NotYet(Check::with(vec![Mismatch::new(what, format!("condition {c}=True"), conditions(obj))]))
            }
        }
    }
}

fn condition_true(obj: &Value, name: &str) -> bool {
    obj["status"]["conditions"].as_array().is_some_and(|cs| cs.iter().any(|c| c["type"] == name && c["status"] == "True"))
}

fn conditions(obj: &Value) -> String {
    let cs: Vec<String> = obj["status"]["conditions"]
        .as_array()
        .map(|cs| cs.iter().map(|c| format!("{}={}", c["type"].as_str().unwrap_or("?"), c["status"].as_str().unwrap_or("?"))).collect())
        .unwrap_or_default();
    if cs.is_empty() {
        "no conditions".into()
    } else {
        cs.join(", ")
    }
}

fn pod_ready(what: &str, pod: &Value) -> Look {
    if condition_true(pod, "Ready") {
        return Look::Done(Check::default());
    }
    let phase = pod["status"]["phase"].as_str().unwrap_or("Unknown");
    if let Some(reason) = fatal_reason(pod) {
        return Look::Done(Check::with(vec![Mismatch::new(what, "Ready", format!("cannot start: {reason}"))]));
    }
    Look::NotYet(Check::with(vec![Mismatch::new(what, "Ready", format!("phase {phase}; {}", conditions(pod)))]))
}

/// Why a pod will not start by itself, if it will not.
fn fatal_reason(pod: &Value) -> Option<String> {
    let statuses = pod["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(pod["status"]["initContainerStatuses"].as_array().into_iter().flatten());
    for cs in statuses {
        let waiting = &cs["state"]["waiting"];
        if let Some(reason) = waiting["reason"].as_str() {
            if FATAL_WAITING.contains(&reason) {
                let msg = waiting["message"].as_str().unwrap_or("");
                return Some(
                    format!("container {} {reason}: {msg}", cs["name"].as_str().unwrap_or("?")).trim_end_matches(": ").to_string(),
                );
            }
        }
    }
    let conds = pod["status"]["conditions"].as_array()?;
    conds
        .iter()
        .find(|c| c["type"] == "PodScheduled" && c["status"] == "False" && c["reason"] == "Unschedulable")
        .map(|c| format!("Unschedulable: {}", c["message"].as_str().unwrap_or("")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn image_pull_backoff_is_fatal_at_once() {
        let pod = json!({"status": {"phase": "Pending", "containerStatuses": [
            {"name": "curl", "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"curlimages/curl:9\""}}}]}});
        match pod_ready("Pod dev/alpine-curl", &pod) {
            Look::Done(c) => assert_eq!(c.mismatches[0].to_string(),
                "Pod dev/alpine-curl: expected Ready, got cannot start: container curl ImagePullBackOff: Back-off pulling image \"curlimages/curl:9\""),
            Look::NotYet(_) => panic!("should fail fast"),
        }
    }

    #[test]
    fn unschedulable_is_fatal_and_pending_is_not() {
        let unsched = json!({"status": {"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/1 nodes are available"}]}});
        assert!(matches!(pod_ready("p", &unsched), Look::Done(_)));
        let pending = json!({"status": {"phase": "Pending", "containerStatuses": [
            {"name": "c", "state": {"waiting": {"reason": "ContainerCreating"}}}]}});
        assert!(matches!(pod_ready("p", &pending), Look::NotYet(_)));
    }
}
