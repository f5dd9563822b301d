//! `audit`: the identity may do what the scenario declares and nothing more; every permission beyond
//! that is a mismatch naming the binding and role that grant it, and so is a default role or binding
//! edited to grant more than Kubernetes' default.

use crate::footprint::Footprint;
use std::path::Path;
use super::{invalid, Check, Invalid, Limits, LoadCx, Looking, StepCtx, StepError, StepKind};
use crate::audit::{self, AuditSpec};
use crate::check::Mismatch;
use serde::Deserialize;

/// A least-privilege audit of one identity against the permissions the scenario declares it needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditStep {
    #[serde(rename = "as")]
    pub user: String,
    /// Namespaces examined (cluster-wide grants are always examined).
    pub namespaces: Vec<String>,
    #[serde(default)]
    pub allow: Vec<audit::Allow>,
    /// Also print the resources-by-verbs matrix in the step's notes.
    #[serde(default)]
    pub matrix: bool,
}

impl StepKind for AuditStep {
    type Raw = Self;
    const LOOKING: Looking = Looking::No;

    /// Reads the namespaces audited and the one of the ServiceAccount audited.
    fn footprint(&self, f: &mut Footprint, _: &str, _: &Path) {
        f.read_identity(&self.user);
        self.namespaces.iter().for_each(|ns| f.read(ns));
    }

    fn build(a: Self, _: &dyn LoadCx) -> Result<Self, Invalid> {
        if a.namespaces.is_empty() {
            return invalid("namespaces", "audit needs at least one namespace to examine");
        }
        Ok(a)
    }

    fn only_looks(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &StepCtx<'_>, _: Limits) -> Result<Check, StepError> {
        run(ctx, self).await
    }
}

async fn run(ctx: &StepCtx<'_>, a: &AuditStep) -> Result<Check, StepError> {
    let spec = AuditSpec { user: a.user.clone(), namespaces: a.namespaces.clone(), allow: a.allow.clone(), sweep: false };
    let report = audit::audit(ctx.target, &spec).await?;
    let mut mismatches: Vec<Mismatch> = audit::grouped(&report)
        .into_iter()
        .map(|(by, perms)| {
            let examples: Vec<String> = perms.iter().take(5).map(|p| p.to_string()).collect();
            let more = if perms.len() > 5 { format!(", … ({} in all)", perms.len()) } else { String::new() };
            Mismatch::new(
                format!("least privilege for {}", a.user),
                "nothing beyond the declared permissions",
                format!("{by} grants {}{more}", examples.join("; ")),
            )
        })
        .collect();
    mismatches.extend(report.edited_defaults.iter().map(|e| {
        Mismatch::new(
            format!("default RBAC policy ({})", e.object),
            "Kubernetes' default rules and subjects",
            format!("{} grants more than the default: {}", e.object, e.beyond_default.join("; ")),
        )
    }));
    let mut check = Check::with(mismatches).note(audit::summary(&report).trim_end().to_string());
    if a.matrix {
        check.notes.push(audit::matrix(&report));
    }
    Ok(check)
}
