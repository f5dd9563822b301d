//! `delete`: objects named by reference or by their manifests deleted, and (by default) watched
//! until they are gone.

use crate::footprint::Footprint;
use std::path::Path;
use super::apply::RawManifests;
use super::{invalid, Check, Invalid, Limits, LoadCx, Looking, Manifest, StepCtx, StepError, StepKind};
use crate::api::watch::Followed;
use crate::api::{self, ObjectRef};
use crate::check::Mismatch;
use crate::duration::format_duration;
use serde::Deserialize;
use std::ops::ControlFlow;
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct Delete {
    pub targets: DeleteTargets,
    pub wait: bool,
}

#[derive(Debug, Clone)]
pub enum DeleteTargets {
    Object(ObjectRef),
    Manifests(Vec<Manifest>),
}

/// `delete:` as written: a resource, or manifests.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDelete {
    #[serde(default)]
    resource: Option<ObjectRef>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    files: Vec<String>,
    #[serde(default)]
    manifest: Option<String>,
    #[serde(default = "yes")]
    wait: bool,
}

fn yes() -> bool {
    true
}

impl StepKind for Delete {
    type Raw = RawDelete;
    const LOOKING: Looking = Looking::No;

    /// When it deletes an RBAC object.
    fn may_write_rbac(&self, _: &Path) -> bool {
        match &self.targets {
            DeleteTargets::Object(r) => crate::footprint::rbac::RBAC_KINDS.contains(&r.kind.as_str()),
            DeleteTargets::Manifests(ms) => ms.iter().any(|m| crate::footprint::rbac::names_rbac(&m.text)),
        }
    }

    /// A deleted namespace loses its bindings later (the namespace controller).
    fn changes_rbac_late(&self, _: &Path) -> Option<String> {
        match &self.targets {
            DeleteTargets::Object(r) if r.kind == "Namespace" => {
                Some(format!("the deletion of namespace {}", r.name.as_deref().unwrap_or("(by selector)")))
            }
            DeleteTargets::Object(_) => None,
            DeleteTargets::Manifests(ms) => ms
                .iter()
                .find(|m| m.text.contains("kind: Namespace") || crate::footprint::rbac::late_marker(&m.text).is_some())
                .map(|_| "a deleted manifest with a Namespace or a late RBAC change".to_string()),
        }
    }

    /// Writes where the deleted objects live.
    fn footprint(&self, f: &mut Footprint, at: &str, _: &Path) {
        match &self.targets {
            DeleteTargets::Object(r) => f.write_ref(r),
            DeleteTargets::Manifests(ms) => ms.iter().for_each(|m| m.write_to(f, None, at)),
        }
    }

    fn build(d: RawDelete, cx: &dyn LoadCx) -> Result<Self, Invalid> {
        let has_files = d.file.is_some() || !d.files.is_empty() || d.manifest.is_some();
        let targets = match (d.resource, has_files) {
            (Some(r), false) => {
                if r.name.is_none() {
                    return invalid("resource", format!("delete of {} needs a `name`", r.kind));
                }
                DeleteTargets::Object(r)
            }
            (None, true) => {
                let mut m = RawManifests { file: d.file, files: d.files, manifest: d.manifest, namespace: None };
                DeleteTargets::Manifests(cx.manifests(m.paths(), m.manifest)?)
            }
            _ => return invalid("delete", "delete needs exactly one of `resource`, or `file`/`files`/`manifest`"),
        };
        Ok(Delete { targets, wait: d.wait })
    }

    fn only_looks(&self) -> bool {
        false
    }

    async fn run(&self, ctx: &StepCtx<'_>, limits: Limits) -> Result<Check, StepError> {
        let timeout = limits.timeout;
        let refs: Vec<ObjectRef> = match &self.targets {
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
        if !self.wait {
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
            if let Some(why) = api::watch::silent_server(&ctx.target.client).await {
                gone = gone.note(why);
            }
        }
        check.mismatches.extend(gone.mismatches);
        check.notes.extend(gone.notes);
        Ok(check)
    }
}
