//! The audit asks as SubjectAccessReviews only the questions some rule of the identity's complete
//! SelfSubjectRulesReviews could allow (src/audit/screen.rs). This trial holds that screen to the
//! sweep it replaces, on the live cluster: for identities whose default RBAC covers the rule shapes
//! that matter (`*` verbs, resources and groups, `*/scale`, `resourceNames`, RoleBindings in two
//! namespaces, URL prefixes, the verbs discovery does not list), the screened audit and `--sweep`
//! must find the same permissions, and the screen must have asked fewer. An identity that may not
//! review its own rules (system:anonymous) must be swept. It only reads the cluster.

use crate::shared::Shared;
use libtest_mimic::{Failed, Trial};
use sa_conformance::audit::{audit, AuditReport, AuditSpec};
use sa_conformance::footprint::Footprint;
use std::sync::Arc;

/// Two namespaces with RoleBindings of the default policy (a third, `default`, added 347 questions to each sweep
/// and no rule shape).
const NAMESPACES: &[&str] = &["kube-system", "kube-public"];

/// Kubernetes' own identities, each bound by the default policy (bootstrap roles and bindings).
const SCREENED: &[&str] = &[
    // `*/scale` on every group
    "system:serviceaccount:kube-system:horizontal-pod-autoscaler",
    // every verb on every resource of every group, for deletion
    "system:serviceaccount:kube-system:namespace-controller",
    // escalate and bind on clusterroles (verbs discovery does not list)
    "system:serviceaccount:kube-system:clusterrole-aggregation-controller",
    // Roles in kube-system and kube-public (RoleBindings, not only ClusterRoleBindings)
    "system:serviceaccount:kube-system:bootstrap-signer",
    // a user: rules with resourceNames, a RoleBinding in kube-system (system:kube-scheduler has the
    // same shapes and was dropped: each identity costs a sweep of 1365 SubjectAccessReviews)
    "system:kube-controller-manager",
];

pub fn trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    let footprint = Footprint { reads: NAMESPACES.iter().map(|n| n.to_string()).collect(), ..Default::default() };
    crate::shared::gated("audit::the_rules_screen_finds_what_the_sweep_finds", Some(footprint), move || {
        let target = shared.target()?;
        let run = |user: &str, sweep: bool| -> Result<AuditReport, Failed> {
            let spec =
                AuditSpec { user: user.into(), namespaces: NAMESPACES.iter().map(|n| n.to_string()).collect(), allow: vec![], sweep };
            shared.runtime.block_on(audit(&target, &spec)).map_err(|e| Failed::from(format!("audit of {user} (sweep {sweep}): {e}")))
        };
        let mut problems = Vec::new();
        for user in SCREENED {
            let (screened, swept) = (run(user, false)?, run(user, true)?);
            if !screened.screen.starts_with("screened:") || screened.asked >= screened.questions {
                problems.push(format!(
                    "{user}: the rules reviews did not screen ({}; {} of {} asked)",
                    screened.screen, screened.asked, screened.questions
                ));
            }
            problems.extend(differences(user, &screened, &swept));
        }
        let anonymous = run("system:anonymous", false)?;
        if !anonymous.screen.starts_with("swept:") || anonymous.asked != anonymous.questions {
            problems.push(format!("system:anonymous may not review its rules, so every question must be asked: {}", anonymous.screen));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n").into())
        }
    })
}

/// What the screened audit found that the sweep did not, and the other way round.
fn differences(user: &str, screened: &AuditReport, swept: &AuditReport) -> Vec<String> {
    let mut out = Vec::new();
    for p in swept.effective.iter().filter(|p| !screened.effective.contains(p)) {
        out.push(format!("{user}: the sweep finds `{p}` allowed, the screened audit does not ({})", screened.screen));
    }
    for p in screened.effective.iter().filter(|p| !swept.effective.contains(p)) {
        out.push(format!("{user}: the screened audit finds `{p}` allowed, the sweep does not"));
    }
    let excess = |r: &AuditReport| r.excess.iter().map(|e| (e.permission.clone(), e.granted_by.clone())).collect::<Vec<_>>();
    if out.is_empty() && excess(screened) != excess(swept) {
        out.push(format!("{user}: the same permissions, but different excess or attributions"));
    }
    out
}
