//! After a run deletes a ClusterRoleBinding, the next question must not be answered by it. The trials
//! (and `run --jobs`) start the next run as soon as one ends, and the RBAC authorizer answers from an
//! informer cache that lags the delete; a grant to everyone that is already gone could still say yes
//! to a trial that expects a 403, a red that is not proof. The run's cleanup goes through
//! `runner::delete_cluster_scoped`, which proves the cache has caught up (the RBAC sentinel's cluster
//! half, written after the deletes) before it returns. The trial grants `view` to a made-up user,
//! waits until the authorizer says yes, deletes the grant through it and asks at once, 100 times: one
//! yes fails it. Without the proof, 2, 9, 7, 4, 5, 2 and 5 of 100 questions were answered yes (seven
//! runs, each red; with 50 rounds, two of four runs stayed green).
//! It runs alone: beside other trials its writes of RBAC took 30 s instead of 3 s and slowed them.

use crate::shared::Shared;
use libtest_mimic::Trial;
use sa_conformance::api::{access_review, apply_manifest, AccessQuestion, DiscoveryCache, ObjectRef};
use std::sync::Arc;
use std::time::{Duration, Instant};

const USER: &str = "sa-e2e-fresh";
const BINDING: &str = "sa-e2e-fresh-view";
const ROUNDS: usize = 100;

pub fn trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    let footprint = sa_conformance::parallel::Footprint {
        alone: Some(format!("its {ROUNDS} rounds of RBAC writes slow every trial beside it")),
        ..Default::default()
    };
    crate::shared::gated("cleanup::a_deleted_cluster_grant_answers_no_question_after_it", Some(footprint), move || {
        let target = shared.target()?;
        shared.runtime.block_on(async {
            let discovery = DiscoveryCache::default();
            let client = &target.client;
            let question = AccessQuestion {
                user: USER.into(),
                verb: "list".into(),
                resource: Some("pods".into()),
                non_resource_url: None,
                namespace: Some("kube-system".into()),
            };
            let binding = ObjectRef {
                api_version: "rbac.authorization.k8s.io/v1".into(),
                kind: "ClusterRoleBinding".into(),
                name: Some(BINDING.into()),
                namespace: None,
                list: false,
            };
            let manifest = format!(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: {BINDING}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}}\nsubjects: [{{apiGroup: rbac.authorization.k8s.io, kind: User, name: {USER}}}]\n"
            );
            let mut stale = Vec::new();
            for round in 1..=ROUNDS {
                apply_manifest(client, &discovery, &manifest, None).await.map_err(|e| e.to_string())?;
                let granted = Instant::now();
                loop {
                    if access_review(client, &question).await.map_err(|e| e.to_string())?.0 {
                        break;
                    }
                    if granted.elapsed() > Duration::from_secs(30) {
                        let _ = sa_conformance::api::delete_object(client, &discovery, &binding).await;
                        return Err(format!("round {round}: the authorizer never granted {BINDING}").into());
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                let errors = sa_conformance::runner::delete_cluster_scoped(
                    &target,
                    &discovery,
                    std::slice::from_ref(&binding),
                    "fresh",
                    Duration::from_secs(30),
                )
                .await;
                if !errors.is_empty() {
                    return Err(format!("round {round}: deleting {BINDING}: {errors:?}").into());
                }
                let (yes, reason) = access_review(client, &question).await.map_err(|e| e.to_string())?;
                if yes {
                    stale.push(format!("round {round}: {reason}"));
                }
            }
            if stale.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "after {BINDING} was deleted, {} of {ROUNDS} questions were still answered yes by it:\n{}",
                    stale.len(),
                    stale.join("\n")
                )
                .into())
            }
        })
    })
}
