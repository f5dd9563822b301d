//! The least-privilege audit: what an identity can really do on the live cluster, compared with what a
//! scenario declares it needs. Every served resource and subresource times its verbs is asked as a
//! SubjectAccessReview, in each namespace of interest and cluster-wide, plus common non-resource URLs;
//! what every authenticated identity may do anyway (discovery, self reviews) is subtracted, and any
//! permission left beyond the declared set is listed with the binding and role that grant it. A
//! SelfSubjectRulesReview made while impersonating the identity is kept alongside, as kubectl sees it.

mod attribute;
mod discover;
mod render;

pub use render::{grouped, matrix, summary};

use crate::api::access::groups_for;
use crate::api::{access_review, AccessQuestion, ApiError};
use crate::cluster::Target;
use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::time::Instant;

/// One permission: a verb on a resource (or a non-resource URL) in a namespace (`*` = cluster-wide).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Permission {
    pub verb: String,
    /// `pods`, `pods/exec`, `deployments.apps`, or a URL starting with `/`.
    pub resource: String,
    /// None for cluster-scoped resources and URLs; `*` for a namespaced resource in every namespace.
    pub namespace: Option<String>,
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.namespace.as_deref() {
            Some("*") => write!(f, "{} {} in every namespace", self.verb, self.resource),
            Some(ns) => write!(f, "{} {} in namespace {ns}", self.verb, self.resource),
            None => write!(f, "{} {} (cluster-scoped)", self.verb, self.resource),
        }
    }
}

/// What the identity is declared to need: verbs on resources in a namespace (`*` any namespace).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Allow {
    pub verbs: Vec<String>,
    pub resources: Vec<String>,
    #[serde(default)]
    pub namespace: Option<String>,
}

impl Allow {
    fn covers(&self, p: &Permission) -> bool {
        let any = |l: &[String], v: &str| l.iter().any(|x| x == "*" || x == v);
        let ns_ok = match (&self.namespace, &p.namespace) {
            (Some(a), _) if a == "*" => true,
            (Some(a), Some(b)) => a == b,
            (None, None) => true,
            _ => false,
        };
        any(&self.verbs, &p.verb) && any(&self.resources, &p.resource) && ns_ok
    }
}

/// What to audit.
#[derive(Debug, Clone)]
pub struct AuditSpec {
    pub user: String,
    pub namespaces: Vec<String>,
    pub allow: Vec<Allow>,
}

/// A permission beyond the declared set, and what grants it.
#[derive(Debug, Clone, Serialize)]
pub struct Excess {
    pub permission: Permission,
    pub granted_by: Vec<String>,
}

/// The audit's findings.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub user: String,
    pub namespaces: Vec<String>,
    /// Everything allowed, baseline included.
    pub effective: Vec<Permission>,
    /// Allowed to every authenticated identity too (discovery, self reviews).
    pub baseline: Vec<Permission>,
    pub excess: Vec<Excess>,
    /// Declared but not allowed (informational).
    pub unused: Vec<Allow>,
    /// Rules from a SelfSubjectRulesReview made as the identity, per namespace.
    pub rules: Vec<(String, Vec<String>)>,
    pub questions: usize,
    pub elapsed_ms: u128,
}

/// The identity that measures the baseline: for a service account, a service account of a namespace
/// that does not exist (so it has exactly what every service account has, e.g. OIDC issuer
/// discovery); for a user, an authenticated user bound to nothing.
fn baseline_user(user: &str) -> &'static str {
    if user.starts_with("system:serviceaccount:") {
        "system:serviceaccount:sa-conformance-baseline:probe"
    } else {
        "sa-conformance:baseline-probe"
    }
}
const PARALLEL: usize = 24;

/// Audits `spec.user` on the target.
pub async fn audit(target: &Target, spec: &AuditSpec) -> Result<AuditReport, ApiError> {
    let started = Instant::now();
    let client = &target.client;
    let resources = discover::resources(client).await?;
    let mut questions: Vec<Permission> = Vec::new();
    for r in &resources {
        let scopes: Vec<Option<String>> = if r.namespaced {
            spec.namespaces.iter().cloned().map(Some).chain([Some("*".to_string())]).collect()
        } else {
            vec![None]
        };
        for verb in &r.verbs {
            for ns in &scopes {
                questions.push(Permission { verb: verb.clone(), resource: r.name.clone(), namespace: ns.clone() });
            }
        }
    }
    for url in discover::NON_RESOURCE_URLS {
        questions.push(Permission { verb: "get".into(), resource: url.to_string(), namespace: None });
    }
    let asked = questions.len();
    let effective = allowed(client, &spec.user, questions).await?;
    // Only what the subject may do needs a baseline answer.
    let baseline: BTreeSet<Permission> = allowed(client, baseline_user(&spec.user), effective.iter().cloned().collect()).await?;
    let rbac = attribute::Rbac::load(client).await?;
    let groups = groups_for(&spec.user);
    let wide: BTreeSet<(String, String)> = effective.iter().filter(|p| p.namespace.as_deref() == Some("*")).map(|p| (p.verb.clone(), p.resource.clone())).collect();
    let excess = effective
        .iter()
        .filter(|p| !baseline.contains(p) && !spec.allow.iter().any(|a| a.covers(p)))
        // A grant in every namespace is reported once, not again per namespace.
        .filter(|p| !(p.namespace.as_deref().is_some_and(|n| n != "*") && wide.contains(&(p.verb.clone(), p.resource.clone()))))
        .map(|p| Excess { permission: p.clone(), granted_by: rbac.grants(&spec.user, &groups, p) })
        .collect();
    let unused = spec.allow.iter().filter(|a| !effective.iter().any(|p| a.covers(p))).cloned().collect();
    let rules = rules_reviews(target, spec).await;
    Ok(AuditReport {
        user: spec.user.clone(),
        namespaces: spec.namespaces.clone(),
        effective: effective.into_iter().collect(),
        baseline: baseline.into_iter().collect(),
        excess,
        unused,
        rules,
        questions: asked,
        elapsed_ms: started.elapsed().as_millis(),
    })
}

/// The subset of `questions` the user is allowed, asked concurrently.
async fn allowed(client: &kube::Client, user: &str, questions: Vec<Permission>) -> Result<BTreeSet<Permission>, ApiError> {
    let answers: Vec<Result<(Permission, bool), ApiError>> = stream::iter(questions.into_iter().map(|p| async move {
        let q = if p.resource.starts_with('/') {
            AccessQuestion { user: user.to_string(), verb: p.verb.clone(), resource: None, non_resource_url: Some(p.resource.clone()), namespace: None }
        } else {
            let namespace = p.namespace.clone().filter(|n| n != "*");
            AccessQuestion { user: user.to_string(), verb: p.verb.clone(), resource: Some(p.resource.clone()), non_resource_url: None, namespace }
        };
        access_review(client, &q).await.map(|(ok, _)| (p, ok))
    }))
    .buffer_unordered(PARALLEL)
    .collect()
    .await;
    let mut out = BTreeSet::new();
    for a in answers {
        let (p, ok) = a?;
        if ok {
            out.insert(p);
        }
    }
    Ok(out)
}

/// SelfSubjectRulesReview per namespace while impersonating the user; problems become a line.
async fn rules_reviews(target: &Target, spec: &AuditSpec) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for ns in &spec.namespaces {
        let lines = match crate::api::access::rules_review(target, &spec.user, ns).await {
            Ok(lines) => lines,
            Err(e) => vec![format!("SelfSubjectRulesReview failed: {e}")],
        };
        out.push((ns.clone(), lines));
    }
    out
}
