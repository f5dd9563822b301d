//! `apply`: manifests in, objects out, through server-side apply and discovery.

use crate::footprint::Footprint;
use std::path::Path;
use super::{invalid, Check, Invalid, LoadCx, Looking, Manifest, StepCtx, StepError, StepKind};
use crate::api;
use serde::Deserialize;

#[derive(Debug, Clone)]
pub struct Apply {
    pub manifests: Vec<Manifest>,
    pub namespace: Option<String>,
}

/// `apply:` as written: files and/or an inline manifest.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawManifests {
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub files: Vec<String>,
    #[serde(default)]
    pub manifest: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
}

impl RawManifests {
    /// `file` and `files` together, in order.
    pub fn paths(&mut self) -> Vec<String> {
        let mut paths: Vec<String> = self.file.take().into_iter().collect();
        paths.append(&mut self.files);
        paths
    }
}

impl StepKind for Apply {
    type Raw = RawManifests;
    const LOOKING: Looking = Looking::No;

    /// When a manifest it applies has an RBAC object.
    fn may_write_rbac(&self, _: &Path) -> bool {
        self.manifests.iter().any(|m| crate::footprint::rbac::names_rbac(&m.text))
    }

    /// When a manifest it applies is aggregated or owned.
    fn changes_rbac_late(&self, _: &Path) -> Option<String> {
        self.manifests.iter().find_map(|m| crate::footprint::rbac::late_marker(&m.text)).map(|m| format!("a manifest with `{m}`"))
    }

    /// Writes the namespaces (or cluster-scoped objects) of what it applies.
    fn footprint(&self, f: &mut Footprint, at: &str, _: &Path) {
        self.manifests.iter().for_each(|m| m.write_to(f, self.namespace.as_deref(), at));
    }

    fn build(mut raw: RawManifests, cx: &dyn LoadCx) -> Result<Self, Invalid> {
        let paths = raw.paths();
        if paths.is_empty() && raw.manifest.is_none() {
            return invalid("apply", "needs `file`, `files` or `manifest`");
        }
        Ok(Apply { manifests: cx.manifests(paths, raw.manifest)?, namespace: raw.namespace })
    }

    fn only_looks(&self) -> bool {
        false
    }

    async fn run(&self, ctx: &StepCtx<'_>, _: super::Limits) -> Result<Check, StepError> {
        let mut check = Check::default();
        for m in &self.manifests {
            let mut names = Vec::new();
            // each object is recorded as soon as it exists: a later document's failure must not hide it from cleanup
            let mut record = |a: api::Applied| {
                names.push(a.to_ref().to_string());
                if let Ok(mut list) = ctx.applied.lock() {
                    list.push(a);
                }
            };
            api::apply_each(&ctx.target.client, ctx.discovery, &m.text, self.namespace.as_deref(), &mut record).await?;
            check = check.note(format!("applied {} from {}", names.join(", "), m.origin));
        }
        Ok(check)
    }
}
