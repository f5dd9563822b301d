//! A default ClusterRole edited to grant more is a finding of the audit. The trial edits
//! `system:discovery` (bound to every authenticated identity) with a JSON patch that adds `get
//! secrets`, audits a service account bound to nothing, through the library and the CLI, and always
//! puts the original rules back (a drop guard, so a failed assertion or a panic restores too), then
//! checks the restore. It is not a case file because the runner's cleanup deletes the cluster-scoped
//! objects a scenario applied, which would delete `system:discovery`. Ignored on an existing context:
//! it edits a cluster-wide default role.

use crate::cli;
use crate::shared::{cluster_name, Shared};
use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule};
use kube::api::{Api, Patch, PatchParams};
use libtest_mimic::{Failed, Trial};
use sa_conformance::audit::{audit, AuditReport, AuditSpec};
use sa_conformance::cluster::Target;
use sa_conformance::process::{run_ok, Cmd};
use std::sync::Arc;
use std::time::Duration;

const ROLE: &str = "system:discovery";
const NS: &str = "sa-audit-defaults";
const USER: &str = "system:serviceaccount:sa-audit-defaults:probe";
const EXTRA_RULE: &str = r#"[{"op": "add", "path": "/rules/-", "value": {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}}]"#;

pub fn trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    crate::shared::gated("audit::an_edited_default_role_is_a_finding", None, move || {
        let target = shared.target()?;
        let spec = AuditSpec { user: USER.into(), namespaces: vec![NS.into()], allow: vec![], sweep: false };
        let api: Api<ClusterRole> = Api::all(target.client.clone());
        let original = shared.runtime.block_on(api.get(ROLE)).map_err(|e| format!("cannot read ClusterRole {ROLE}: {e}"))?;
        let before = shared.runtime.block_on(audit(&target, &spec)).map_err(|e| e.to_string())?;
        if !before.passed() {
            return Err(format!(
                "before the edit, a service account bound to nothing must pass the audit:\n{}",
                sa_conformance::audit::summary(&before)
            )
            .into());
        }
        let mut restore = Restore { shared: &shared, api, rules: original.rules, done: false };
        shared.runtime.block_on(edit(&target))?;
        let found =
            shared.runtime.block_on(audit(&target, &spec)).map_err(|e| Failed::from(e.to_string())).and_then(|r| edited_role_found(&r));
        let cli = cli_fails();
        let restored = restore.now();
        found?;
        cli?;
        restored?;
        Ok(())
    })
    .with_ignored_flag(on_existing)
}

/// `kubectl patch --type=json`, as a cluster operator would edit the role.
async fn edit(target: &Target) -> Result<(), Failed> {
    let kubeconfig = target.kubeconfig.display().to_string();
    let argv = [
        "kubectl",
        "--kubeconfig",
        &kubeconfig,
        "--context",
        &target.context,
        "patch",
        "clusterrole",
        ROLE,
        "--type=json",
        "-p",
        EXTRA_RULE,
    ];
    run_ok(&Cmd::new(argv), Duration::from_secs(30)).await.map_err(|e| format!("cannot edit ClusterRole {ROLE}: {e}"))?;
    Ok(())
}

/// The edited role is a finding, and the secret read it grants is excess attributed to its binding.
fn edited_role_found(r: &AuditReport) -> Result<(), Failed> {
    let summary = sa_conformance::audit::summary(r);
    let edited = r
        .edited_defaults
        .iter()
        .any(|e| e.object == format!("ClusterRole {ROLE}") && e.beyond_default.iter().any(|b| b == r#"get secrets (apiGroups [""])"#));
    if !edited {
        return Err(format!("the edited ClusterRole {ROLE} is not a finding:\n{summary}").into());
    }
    let by = format!("ClusterRoleBinding {ROLE} -> ClusterRole {ROLE}");
    let excess = r.excess.iter().any(|e| e.permission.verb == "get" && e.permission.resource == "secrets" && e.granted_by.contains(&by));
    if !excess {
        return Err(format!("`get secrets` granted by {by} is not excess:\n{summary}").into());
    }
    if r.passed() {
        return Err(format!("the audit passed with an edited default role:\n{summary}").into());
    }
    Ok(())
}

/// The CLI exits 1 and names the edited role.
fn cli_fails() -> Result<(), Failed> {
    let name = cluster_name();
    let out = cli::output(&["audit", "--reuse", "--name", &name, "--as", USER, "-n", NS])?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let want = format!("EDITED DEFAULT ClusterRole {ROLE} grants more than Kubernetes' default: get secrets");
    match out.status.code() {
        Some(1) if stdout.contains(&want) => Ok(()),
        code => Err(format!(
            "`sa-conformance audit` should exit 1 naming {want:?}; it exited {code:?}:\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into()),
    }
}

/// Puts the role's original rules back when told to, or when dropped (an early return or a panic).
struct Restore<'a> {
    shared: &'a Shared,
    api: Api<ClusterRole>,
    rules: Option<Vec<PolicyRule>>,
    done: bool,
}

impl Restore<'_> {
    /// Restores (a merge patch replaces the whole list) and checks the live rules equal the original.
    fn now(&mut self) -> Result<(), Failed> {
        self.done = true;
        let patch = serde_json::json!({ "rules": self.rules });
        let live = self.shared.runtime.block_on(async {
            self.api.patch(ROLE, &PatchParams::default(), &Patch::Merge(&patch)).await?;
            self.api.get(ROLE).await
        });
        let live = live.map_err(|e| format!("RESTORE FAILED: ClusterRole {ROLE} may still grant `get secrets`: {e}"))?;
        if live.rules != self.rules {
            return Err(format!("RESTORE FAILED: ClusterRole {ROLE} has rules {:?}, not the original {:?}", live.rules, self.rules).into());
        }
        Ok(())
    }
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        if !self.done {
            if let Err(e) = self.now() {
                eprintln!("{}", e.message().unwrap_or("restore failed"));
            }
        }
    }
}
