//! The least-privilege audit: what an identity can really do on the live cluster, compared with what a
//! scenario declares it needs. Every served resource and subresource times its verbs is asked as a
//! SubjectAccessReview, in each namespace of interest and cluster-wide, plus the verbs discovery does
//! not list (bind, escalate, impersonate, approve, sign) and common non-resource URLs. What Kubernetes'
//! default policy grants every identity in the same implicit groups (discovery, self reviews, OIDC
//! issuer discovery) is subtracted, computed from an embedded copy of that policy (`defaults`), never
//! measured live: a grant to `system:serviceaccounts` is excess like any other. Any permission left
//! beyond the declared set is listed with the binding and role that grant it, and a default role or
//! binding edited to grant more is a finding of its own. A SelfSubjectRulesReview made while
//! impersonating the identity is kept alongside, as kubectl sees it.

mod attribute;
mod defaults;
mod discover;
mod render;
mod screen;

pub use defaults::EditedDefault;
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
    /// Ask every question as a SubjectAccessReview even when complete rules reviews could screen
    /// them (`audit --sweep`: the reference the screen is compared with).
    pub sweep: bool,
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
    /// Granted by Kubernetes' default policy to every identity in the same implicit groups
    /// (discovery, self reviews, OIDC issuer discovery for service accounts).
    pub baseline: Vec<Permission>,
    pub excess: Vec<Excess>,
    /// Default ClusterRoles and ClusterRoleBindings that grant more than Kubernetes' default.
    pub edited_defaults: Vec<EditedDefault>,
    /// Declared but not allowed (informational).
    pub unused: Vec<Allow>,
    /// Rules from a SelfSubjectRulesReview made as the identity, per namespace.
    pub rules: Vec<(String, Vec<String>)>,
    /// Every question the audit considers.
    pub questions: usize,
    /// The questions asked as SubjectAccessReviews: those some reviewed rule could allow, or all.
    pub asked: usize,
    /// How the questions were chosen: screened by complete rules reviews, or all asked, and why.
    pub screen: String,
    pub elapsed_ms: u128,
}

impl AuditReport {
    /// Nothing beyond the declared set and no edited default: the step passes, the command exits 0.
    pub fn passed(&self) -> bool {
        self.excess.is_empty() && self.edited_defaults.is_empty()
    }
}

const PARALLEL: usize = 24;

/// Audits `spec.user` on the target.
pub async fn audit(target: &Target, spec: &AuditSpec) -> Result<AuditReport, ApiError> {
    let started = Instant::now();
    let client = &target.client;
    let resources = discover::resources(client).await?;
    let scopes = |namespaced: bool| -> Vec<Option<String>> {
        if namespaced {
            spec.namespaces.iter().cloned().map(Some).chain([Some("*".to_string())]).collect()
        } else {
            vec![None]
        }
    };
    let mut questions: BTreeSet<Permission> = BTreeSet::new();
    for r in &resources {
        for verb in &r.verbs {
            for ns in scopes(r.namespaced) {
                questions.insert(Permission { verb: verb.clone(), resource: r.name.clone(), namespace: ns });
            }
        }
    }
    for (verb, resource, namespaced) in discover::UNLISTED_VERBS {
        for ns in scopes(*namespaced) {
            questions.insert(Permission { verb: verb.to_string(), resource: resource.to_string(), namespace: ns });
        }
    }
    for url in discover::NON_RESOURCE_URLS {
        questions.insert(Permission { verb: "get".into(), resource: url.to_string(), namespace: None });
    }
    let considered = questions.len();
    let reviews = rules_reviews(target, spec).await;
    let (questions, screen): (Vec<Permission>, String) = match screen_of(&reviews, spec.sweep) {
        Ok(screen) => {
            let open: Vec<Permission> = questions.into_iter().filter(|p| screen.may_allow(p)).collect();
            let how = format!(
                "screened: the SelfSubjectRulesReviews in {} are complete, so only the {} of {considered} questions some rule could allow were asked",
                spec.namespaces.join(", "),
                open.len()
            );
            (open, how)
        }
        Err(why) => (questions.into_iter().collect(), format!("swept: all {considered} questions asked, because {why}")),
    };
    let asked = questions.len();
    let effective = allowed(client, &spec.user, questions).await?;
    let groups = groups_for(&spec.user);
    let default_rules = defaults::rules_for(&groups);
    let baseline: BTreeSet<Permission> = effective.iter().filter(|p| defaults::grants(&default_rules, p)).cloned().collect();
    let rbac = attribute::Rbac::load(client).await?;
    let edited_defaults = defaults::edited(rbac.cluster_roles(), rbac.cluster_bindings());
    let wide: BTreeSet<(String, String)> =
        effective.iter().filter(|p| p.namespace.as_deref() == Some("*")).map(|p| (p.verb.clone(), p.resource.clone())).collect();
    let excess = effective
        .iter()
        .filter(|p| !baseline.contains(p) && !spec.allow.iter().any(|a| a.covers(p)))
        // A grant in every namespace is reported once, not again per namespace.
        .filter(|p| !(p.namespace.as_deref().is_some_and(|n| n != "*") && wide.contains(&(p.verb.clone(), p.resource.clone()))))
        .map(|p| Excess { permission: p.clone(), granted_by: rbac.grants(&spec.user, &groups, p) })
        .collect();
    let unused = spec.allow.iter().filter(|a| !effective.iter().any(|p| a.covers(p))).cloned().collect();
    let rules = reviews
        .iter()
        .map(|(ns, r)| {
            let lines = match r {
                Ok(status) => crate::api::access::rule_lines(status),
                Err(e) => vec![format!("SelfSubjectRulesReview failed: {e}")],
            };
            (ns.clone(), lines)
        })
        .collect();
    Ok(AuditReport {
        user: spec.user.clone(),
        namespaces: spec.namespaces.clone(),
        effective: effective.into_iter().collect(),
        baseline: baseline.into_iter().collect(),
        excess,
        edited_defaults,
        unused,
        rules,
        questions: considered,
        asked,
        screen,
        elapsed_ms: started.elapsed().as_millis(),
    })
}

/// The subset of `questions` the user is allowed, asked concurrently.
async fn allowed(client: &kube::Client, user: &str, questions: Vec<Permission>) -> Result<BTreeSet<Permission>, ApiError> {
    let answers: Vec<Result<(Permission, bool), ApiError>> = stream::iter(questions.into_iter().map(|p| async move {
        let q = if p.resource.starts_with('/') {
            AccessQuestion {
                user: user.to_string(),
                verb: p.verb.clone(),
                resource: None,
                non_resource_url: Some(p.resource.clone()),
                namespace: None,
            }
        } else {
            let namespace = p.namespace.clone().filter(|n| n != "*");
            AccessQuestion {
                user: user.to_string(),
                verb: p.verb.clone(),
                resource: Some(p.resource.clone()),
                non_resource_url: None,
                namespace,
            }
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

type Reviews = Vec<(String, Result<k8s_openapi::api::authorization::v1::SubjectRulesReviewStatus, String>)>;

/// A SelfSubjectRulesReview per namespace examined, made while impersonating the user.
async fn rules_reviews(target: &Target, spec: &AuditSpec) -> Reviews {
    let mut out = Vec::new();
    for ns in &spec.namespaces {
        let review = crate::api::access::rules_review(target, &spec.user, ns).await.map_err(|e| crate::error::chain(&e));
        out.push((ns.clone(), review));
    }
    out
}

/// The screen the reviews give, or why every question is asked.
fn screen_of(reviews: &Reviews, sweep: bool) -> Result<screen::Screen, String> {
    if sweep {
        return Err("--sweep asked for every question".into());
    }
    screen::Screen::from_reviews(reviews.iter().map(|(ns, r)| (ns.as_str(), r.as_ref().map_err(String::as_str))))
}
