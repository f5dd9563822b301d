//! `apply` and `delete`: manifests in, objects out, through server-side apply and discovery.

use super::{Check, StepCtx, StepError};
use crate::api;
use crate::api::watch::Followed;
use crate::check::Mismatch;
use crate::scenario::duration::format_duration;
use crate::scenario::{Apply, Delete, DeleteTargets, ObjectRef};
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

pub async fn apply(ctx: &StepCtx<'_>, a: &Apply) -> Result<Check, StepError> {
    let mut check = Check::default();
    for m in &a.manifests {
        let applied = api::apply_manifest(&ctx.target.client, ctx.discovery, &m.text, a.namespace.as_deref()).await?;
        let names: Vec<String> = applied.iter().map(|o| o.to_ref().to_string()).collect();
        check = check.note(format!("applied {} from {}", names.join(", "), m.origin));
        if let Ok(mut list) = ctx.applied.lock() {
            list.extend(applied);
        }
    }
    Ok(check)
}

pub async fn delete(ctx: &StepCtx<'_>, d: &Delete, timeout: Duration) -> Result<Check, StepError> {
    let refs: Vec<ObjectRef> = match &d.targets {
        DeleteTargets::Object(r) => vec![r.clone()],
        DeleteTargets::Manifests(ms) => {
            let mut refs = Vec::new();
            for m in ms {
                for doc in api::parse_manifest(&m.text).map_err(StepError::Other)? {
                    refs.push(ObjectRef {
                        api_version: doc["apiVersion"].as_str().unwrap_or_default().into(),
                        kind: doc["kind"].as_str().unwrap_or_default().into(),
                        name: doc["metadata"]["name"].as_str().map(String::from),
                        namespace: doc["metadata"]["namespace"].as_str().map(String::from),
                        list: false,
                    });
                }
            }
            refs
        }
    };
    let mut check = Check::default();
    for r in &refs {
        let existed = api::delete_object(&ctx.target.client, ctx.discovery, r).await?;
        check = check.note(format!("deleted {r}{}", if existed { "" } else { " (it did not exist)" }));
    }
    if !d.wait {
        return Ok(check);
    }
    // Watch each object until it is gone, all within one deadline.
    let deadline = Instant::now() + timeout;
    let mut gone = Check::default();
    for r in &refs {
        let api = api::watch::api_of(&ctx.target.client, ctx.discovery, r).await?;
        let name = r.name.as_deref().unwrap_or_default();
        let followed = api::watch::follow(&api, name, deadline, |obj| match obj {
            None => ControlFlow::Break(()),
            Some(_) => ControlFlow::Continue(()),
        })
        .await?;
        if let Followed::TimedOut(()) = followed {
            gone.mismatches.push(Mismatch::new(r.to_string(), "deleted", "still exists"));
        }
    }
    if !gone.mismatches.is_empty() {
        gone = gone.note(format!("gave up after {}", format_duration(timeout)));
    }
    check.mismatches.extend(gone.mismatches);
    check.notes.extend(gone.notes);
    Ok(check)
}
