//! Which of the audit's questions a rule could answer yes, read from the SelfSubjectRulesReviews made
//! as the identity. When every review says its rules are complete, a question that no rule matches
//! cannot be allowed, and only the others are asked as SubjectAccessReviews.
//!
//! Why that is sound: a SelfSubjectRulesReview in namespace N lists the rules of every
//! ClusterRoleBinding of the identity and of every RoleBinding in N, the same rules the RBAC
//! authorizer visits for a request in N; a request cluster-wide (a cluster-scoped resource, a
//! namespaced one in every namespace, a URL) visits only the ClusterRoleBindings' rules, which are in
//! every namespace's review. So the union of the reviews holds every rule that can allow any question
//! asked. The match below is RBAC's own (`*`, the exact `resource/subresource`, `*/subresource`, a URL
//! prefix ending in `*`), made wider where RBAC is narrower: `resourceNames` is ignored (a named rule
//! cannot allow the audit's nameless questions, and a wider screen only asks more). Any authorizer
//! that cannot list its rules (a webhook, the Node authorizer for a node) makes the review incomplete,
//! and then every question is asked.

use super::Permission;
use crate::api::access::split_resource;
use k8s_openapi::api::authorization::v1::{NonResourceRule, ResourceRule, SubjectRulesReviewStatus};

/// The rules of complete reviews, from every namespace examined.
#[derive(Debug, Default)]
pub struct Screen {
    resource: Vec<ResourceRule>,
    non_resource: Vec<NonResourceRule>,
}

impl Screen {
    /// The union of the reviews' rules, or why every question must be asked: a review that failed or
    /// says its rules are incomplete.
    pub fn from_reviews<'a>(
        reviews: impl IntoIterator<Item = (&'a str, Result<&'a SubjectRulesReviewStatus, &'a str>)>,
    ) -> Result<Screen, String> {
        let mut screen = Screen::default();
        let mut any = false;
        for (ns, review) in reviews {
            let status = review.map_err(|e| format!("the SelfSubjectRulesReview in {ns} failed ({e})"))?;
            if status.incomplete {
                let why = status.evaluation_error.as_deref().filter(|e| !e.is_empty()).unwrap_or("no reason given");
                return Err(format!("the SelfSubjectRulesReview in {ns} says its rules are incomplete ({why})"));
            }
            screen.resource.extend(status.resource_rules.iter().cloned());
            screen.non_resource.extend(status.non_resource_rules.iter().cloned());
            any = true;
        }
        if !any {
            return Err("no namespace was reviewed".into());
        }
        Ok(screen)
    }

    /// Whether some rule could allow `p`; false only when none can.
    pub fn may_allow(&self, p: &Permission) -> bool {
        if p.resource.starts_with('/') {
            return self
                .non_resource
                .iter()
                .any(|r| verb_matches(&r.verbs, &p.verb) && url_matches(r.non_resource_urls.as_deref(), &p.resource));
        }
        let (group, resource, sub) = split_resource(&p.resource);
        let combined = match &sub {
            Some(s) => format!("{resource}/{s}"),
            None => resource.clone(),
        };
        self.resource.iter().any(|r| {
            verb_matches(&r.verbs, &p.verb)
                && r.api_groups.as_deref().unwrap_or_default().iter().any(|g| g == "*" || *g == group)
                && r.resources
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .any(|x| x == "*" || *x == combined || sub.as_deref().is_some_and(|s| x.strip_prefix("*/") == Some(s)))
        })
    }
}

fn verb_matches(verbs: &[String], verb: &str) -> bool {
    verbs.iter().any(|v| v == "*" || v == verb)
}

fn url_matches(urls: Option<&[String]>, url: &str) -> bool {
    urls.unwrap_or_default().iter().any(|u| u == "*" || u == url || u.strip_suffix('*').is_some_and(|prefix| url.starts_with(prefix)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn rule(groups: &[&str], resources: &[&str], verbs: &[&str], names: &[&str]) -> ResourceRule {
        let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        ResourceRule {
            api_groups: Some(v(groups)),
            resources: Some(v(resources)),
            verbs: v(verbs),
            resource_names: (!names.is_empty()).then(|| v(names)),
        }
    }

    fn status(resource: Vec<ResourceRule>, urls: &[(&str, &str)], incomplete: bool) -> SubjectRulesReviewStatus {
        SubjectRulesReviewStatus {
            resource_rules: resource,
            non_resource_rules: urls
                .iter()
                .map(|(verb, url)| NonResourceRule { verbs: vec![verb.to_string()], non_resource_urls: Some(vec![url.to_string()]) })
                .collect(),
            incomplete,
            evaluation_error: incomplete.then(|| "webhook authorizer does not support user rule resolution".to_string()),
        }
    }

    fn perm(verb: &str, resource: &str, ns: Option<&str>) -> Permission {
        Permission { verb: verb.into(), resource: resource.into(), namespace: ns.map(str::to_string) }
    }

    fn screen() -> Screen {
        let dev = status(
            vec![
                rule(&[""], &["pods"], &["get", "list"], &[]),
                rule(&["apps"], &["*/scale"], &["update"], &[]),
                rule(&["batch"], &["*"], &["*"], &[]),
                rule(&[""], &["secrets"], &["get"], &["only-this-one"]),
                rule(&["*"], &["pods/exec"], &["create"], &[]),
            ],
            &[("get", "/healthz"), ("get", "/logs/*")],
            false,
        );
        let other = status(vec![rule(&["rbac.authorization.k8s.io"], &["clusterroles"], &["bind"], &[])], &[("*", "/version")], false);
        Screen::from_reviews([("dev", Ok(&dev)), ("default", Ok(&other))]).expect("complete reviews screen")
    }

    #[rstest]
    #[case::exact("get", "pods", true)]
    #[case::other_verb("delete", "pods", false)]
    #[case::subresource_is_not_its_resource("get", "pods/log", false)]
    #[case::star_slash_subresource("update", "deployments.apps/scale", true)]
    #[case::star_slash_needs_the_group("update", "replicationcontrollers/scale", false)]
    #[case::star_slash_needs_the_subresource("update", "deployments.apps", false)]
    #[case::star_resources_and_verbs("deletecollection", "cronjobs.batch/status", true)]
    #[case::named_rule_is_kept("get", "secrets", true)]
    #[case::star_group("create", "pods/exec", true)]
    #[case::another_namespace_review("bind", "clusterroles.rbac.authorization.k8s.io", true)]
    #[case::unlisted("impersonate", "users", false)]
    #[case::url_exact("get", "/healthz", true)]
    #[case::url_prefix("get", "/logs/kubelet.log", true)]
    #[case::url_prefix_itself("get", "/logs/", true)]
    #[case::url_star_verb("get", "/version", true)]
    #[case::url_not_granted("get", "/metrics", false)]
    #[case::url_is_not_a_resource("get", "/api", false)]
    fn screens_as_rbac_matches(#[case] verb: &str, #[case] resource: &str, #[case] may: bool) {
        assert_eq!(screen().may_allow(&perm(verb, resource, Some("dev"))), may, "{verb} {resource}");
    }

    #[test]
    fn a_failed_or_incomplete_review_screens_nothing() {
        let incomplete = status(vec![], &[], true);
        let why = Screen::from_reviews([("dev", Ok(&incomplete))]).expect_err("an incomplete review must not screen");
        assert!(why.contains("in dev says its rules are incomplete (webhook authorizer"), "{why}");
        let complete = status(vec![], &[], false);
        let why = Screen::from_reviews([("dev", Ok(&complete)), ("kube-system", Err("403 Forbidden"))])
            .expect_err("a failed review must not screen");
        assert!(why.contains("in kube-system failed (403 Forbidden)"), "{why}");
        let none: [(&str, Result<&SubjectRulesReviewStatus, &str>); 0] = [];
        assert!(Screen::from_reviews(none).is_err());
    }
}
