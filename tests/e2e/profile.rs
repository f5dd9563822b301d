//! The non-extending profile: a kind cluster of its own whose kube-apiserver runs with
//! --service-account-extend-token-expiration=false (kind-config-no-extend.yaml). There the token
//! mounted in a pod lives the 3607 s the article's "short-lived" promises, so the walkthrough run with
//! `--var extend_token_expiration=false` passes and the claim HOLDS; the same walkthrough with the
//! default settings declared must fail at its erratum step, which proves the erratum is measured.

use crate::shared::{root, Shared};
use libtest_mimic::{Failed, Trial};
use sa_conformance::cluster::{ClusterSpec, KindSpec};
use sa_conformance::outcome::{ClaimKind, RunOutcome, Verdict};
use sa_conformance::report::{render_failure, Silent};
use sa_conformance::scenario::{Catalog, LoadOptions};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const CLAIM: &str = "pods-get-short-lived-projected-tokens";

pub fn trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    crate::shared::gated("profile::no-extend-token-expiration", None, move || run(&shared))
}

/// The profile's own cluster: `SA_CONFORMANCE_NOEXTEND_CLUSTER_NAME` (default `sa-conformance-noextend`),
/// re-used if sa-conformance made it, deleted at the end if this trial made it (unless SA_CONFORMANCE_KEEP=1).
fn spec() -> ClusterSpec {
    let env = |k: &str| std::env::var(k).ok().filter(|s| !s.is_empty());
    ClusterSpec::Kind(KindSpec {
        name: env("SA_CONFORMANCE_NOEXTEND_CLUSTER_NAME").unwrap_or_else(|| "sa-conformance-noextend".into()),
        config: root().join("kind-config-no-extend.yaml"),
        image: env("SA_CONFORMANCE_NODE_IMAGE"),
        load_images: env("SA_CONFORMANCE_LOAD_IMAGES")
            .map(|v| v.split([' ', ',']).filter(|s| !s.is_empty()).map(String::from).collect())
            .unwrap_or_default(),
        reuse: true,
        keep: std::env::var("SA_CONFORMANCE_KEEP").is_ok_and(|v| v == "1"),
        create_timeout: Duration::from_secs(900),
    })
}

fn run(shared: &Shared) -> Result<(), Failed> {
    let opts = shared.run_options();
    let session = shared
        .runtime
        .block_on(sa_conformance::suite::acquire(&spec(), &[], &opts, &mut Silent))
        .map_err(|e| format!("could not get the non-extending cluster: {}", sa_conformance::error::chain(&e)))?;
    let result = check(shared, &session.target);
    if let Err(e) = shared.runtime.block_on(session.release()) {
        eprintln!("e2e: could not delete the non-extending cluster: {e}");
    }
    result
}

fn walkthrough(shared: &Shared, target: &sa_conformance::cluster::Target, extend: &str) -> Result<RunOutcome, Failed> {
    let overrides = BTreeMap::from([("extend_token_expiration".to_string(), extend.to_string())]);
    let mut catalog = Catalog::load(&root().join("scenarios"), &LoadOptions { overrides }).map_err(|e| e.to_string())?;
    catalog.select(&["article-walkthrough".into()])?;
    Ok(shared.runtime.block_on(sa_conformance::suite::run_on(target, &catalog.scenarios, &shared.run_options(), &mut Silent)))
}

fn check(shared: &Shared, target: &sa_conformance::cluster::Target) -> Result<(), Failed> {
    // The profile as it is: the article holds.
    let run = walkthrough(shared, target, "false")?;
    let o = run.scenarios.first().ok_or("interrupted")?;
    if !o.passed() {
        return Err(format!("with extend_token_expiration=false the walkthrough must pass here:\n{}", render_failure(o)).into());
    }
    let verdict = run.claims.iter().find(|c| c.id == CLAIM).map(|c| c.verdict);
    if verdict != Some(ClaimKind::Holds) {
        return Err(format!("claim {CLAIM} must hold on the non-extending profile, got {verdict:?}").into());
    }
    // Other errata may stand on this version (from 1.35: the SECRETS column); none may be this claim's.
    let of_claim = |s: &&sa_conformance::outcome::StepOutcome| {
        let e = s.erratum.as_ref();
        let claim = e.and_then(|e| e.claim.clone()).or_else(|| s.doc.as_ref().filter(|d| d.claims.len() == 1).map(|d| d.claims[0].clone()));
        s.verdict == Verdict::Erratum && claim.as_deref() == Some(CLAIM)
    };
    if let Some(s) = o.steps.iter().find(of_claim) {
        return Err(format!("no step may report an erratum of {CLAIM} on the non-extending profile: step {} `{}`", s.index, s.name).into());
    }
    // The profile declared wrongly (default settings): the erratum step must fail on the 3607 s token.
    let run = walkthrough(shared, target, "true")?;
    let o = run.scenarios.first().ok_or("interrupted")?;
    let failed: Vec<_> = o.failures().collect();
    let lifetime_wrong =
        |s: &&sa_conformance::outcome::StepOutcome| s.erratum.is_some() && s.mismatches.iter().any(|m| m.actual == "3607s");
    if o.passed() || failed.len() != 1 || !failed.iter().any(lifetime_wrong) {
        return Err(format!(
            "with the default settings declared, exactly the erratum step must fail (measured 3607s); got:\n{}",
            render_failure(o)
        )
        .into());
    }
    let verdict = run.claims.iter().find(|c| c.id == CLAIM).map(|c| c.verdict);
    if verdict != Some(ClaimKind::NotVerified) {
        return Err(format!("claim {CLAIM} must be not verified when its erratum step fails, got {verdict:?}").into());
    }
    Ok(())
}
