//! `audit`: the identity may do what the scenario declares and nothing more; every permission beyond
//! that is a mismatch naming the binding and role that grant it, and so is a default role or binding
//! edited to grant more than Kubernetes' default.

use super::{Check, StepCtx, StepError};
use crate::audit::{self, AuditSpec};
use crate::check::Mismatch;
use crate::scenario::AuditStep;

pub async fn run(ctx: &StepCtx<'_>, a: &AuditStep) -> Result<Check, StepError> {
    let spec = AuditSpec { user: a.user.clone(), namespaces: a.namespaces.clone(), allow: a.allow.clone() };
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
