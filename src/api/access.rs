//! "Can this identity do that?" as a SubjectAccessReview, with the groups the API server gives the
//! identity, so the answer matches what `kubectl auth can-i --as=...` (impersonation) gets.

use super::ApiError;
use k8s_openapi::api::authorization::v1::{NonResourceAttributes, ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec};
use kube::api::{Api, PostParams};
use kube::Client;

/// One access question.
#[derive(Debug, Clone)]
pub struct AccessQuestion {
    pub user: String,
    pub verb: String,
    /// `pods`, `pods/exec`, `deployments.apps`, `serviceaccounts/token`
    pub resource: Option<String>,
    pub non_resource_url: Option<String>,
    pub namespace: Option<String>,
}

/// The groups the API server adds for a user name (`system:serviceaccount:NS:NAME` -> its SA groups).
pub fn groups_for(user: &str) -> Vec<String> {
    if user == "system:anonymous" {
        return vec!["system:unauthenticated".into()];
    }
    let mut groups = Vec::new();
    if let Some(rest) = user.strip_prefix("system:serviceaccount:") {
        if let Some((ns, _)) = rest.split_once(':') {
            groups.push("system:serviceaccounts".to_string());
            groups.push(format!("system:serviceaccounts:{ns}"));
        }
    }
    groups.push("system:authenticated".into());
    groups
}

/// Splits `pods/exec` or `deployments.apps` into (group, resource, subresource).
pub fn split_resource(resource: &str) -> (String, String, Option<String>) {
    let (main, sub) = match resource.split_once('/') {
        Some((m, s)) => (m, Some(s.to_string())),
        None => (resource, None),
    };
    let (res, group) = main.split_once('.').unwrap_or((main, ""));
    (group.to_string(), res.to_string(), sub)
}

/// What `q` asks about, for an access review asked in `namespace` (None: across the cluster).
fn attributes(q: &AccessQuestion, namespace: Option<String>) -> (Option<ResourceAttributes>, Option<NonResourceAttributes>) {
    let resource = q.resource.as_deref().map(|r| {
        let (group, resource, subresource) = split_resource(r);
        ResourceAttributes {
            group: Some(group),
            resource: Some(resource),
            subresource,
            verb: Some(q.verb.clone()),
            namespace,
            ..Default::default()
        }
    });
    let non_resource = q.non_resource_url.as_ref().map(|p| NonResourceAttributes { path: Some(p.clone()), verb: Some(q.verb.clone()) });
    (resource, non_resource)
}

/// Returns (allowed, reason) from a SubjectAccessReview.
pub async fn access_review(client: &Client, q: &AccessQuestion) -> Result<(bool, String), ApiError> {
    let (resource_attributes, non_resource_attributes) = attributes(q, q.namespace.clone());
    let sar = SubjectAccessReview {
        spec: SubjectAccessReviewSpec {
            user: Some(q.user.clone()),
            groups: Some(groups_for(&q.user)),
            resource_attributes,
            non_resource_attributes,
            ..Default::default()
        },
        ..Default::default()
    };
    let api: Api<SubjectAccessReview> = Api::all(client.clone());
    let answer = api.create(&PostParams::default(), &sar).await.map_err(ApiError::kube(format!("SubjectAccessReview for {}", q.user)))?;
    let status = answer.status.unwrap_or_default();
    Ok((status.allowed, status.reason.unwrap_or_default()))
}

/// What `kubectl auth can-i VERB RESOURCE --as=USER [-n NS]` sends, asked in process: a
/// SelfSubjectAccessReview made while impersonating the user alone (`Impersonate-User`, no groups:
/// the API server gives the identity its groups, as it does for kubectl), in the question's namespace
/// or, when it names none, the client's default namespace (kubectl's "current namespace"). Returns
/// whether it is allowed.
pub async fn self_access_review_as(client: &Client, q: &AccessQuestion) -> Result<bool, ApiError> {
    use k8s_openapi::api::authorization::v1::{SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
    let what = format!("SelfSubjectAccessReview impersonating {}", q.user);
    let namespace = q.namespace.clone().unwrap_or_else(|| client.default_namespace().to_string());
    let (resource_attributes, non_resource_attributes) = attributes(q, Some(namespace));
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec { resource_attributes, non_resource_attributes },
        ..Default::default()
    };
    let body = serde_json::to_vec(&review).map_err(|e| ApiError::other(&what, e.to_string()))?;
    let request = http::Request::post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
        .header("Impersonate-User", q.user.as_str())
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body)
        .map_err(|e| ApiError::other(&what, e.to_string()))?;
    let answer: SelfSubjectAccessReview = client.request(request).await.map_err(ApiError::kube(what))?;
    Ok(answer.status.is_some_and(|s| s.allowed))
}

/// A SelfSubjectRulesReview in `namespace` made while impersonating `user` (with the groups
/// [`groups_for`] gives it, as every SubjectAccessReview of the audit asks).
pub async fn rules_review(
    target: &crate::cluster::Target,
    user: &str,
    namespace: &str,
) -> Result<k8s_openapi::api::authorization::v1::SubjectRulesReviewStatus, ApiError> {
    use k8s_openapi::api::authorization::v1::{SelfSubjectRulesReview, SelfSubjectRulesReviewSpec};
    use kube::config::{KubeConfigOptions, Kubeconfig};
    let what = format!("SelfSubjectRulesReview as {user} in {namespace}");
    let kc = Kubeconfig::read_from(&target.kubeconfig).map_err(|e| ApiError::other(&what, e.to_string()))?;
    let opts = KubeConfigOptions { context: Some(target.context.clone()), ..Default::default() };
    let mut config = kube::Config::from_custom_kubeconfig(kc, &opts).await.map_err(|e| ApiError::other(&what, e.to_string()))?;
    config.auth_info.impersonate = Some(user.to_string());
    config.auth_info.impersonate_groups = Some(groups_for(user));
    let client = kube::Client::try_from(config).map_err(ApiError::kube(what.clone()))?;
    let review =
        SelfSubjectRulesReview { spec: SelfSubjectRulesReviewSpec { namespace: Some(namespace.to_string()) }, ..Default::default() };
    let answer = Api::<SelfSubjectRulesReview>::all(client).create(&PostParams::default(), &review).await.map_err(ApiError::kube(what))?;
    Ok(answer.status.unwrap_or_default())
}

/// A rules review as lines, as kubectl's `auth can-i --list` reads them.
pub fn rule_lines(status: &k8s_openapi::api::authorization::v1::SubjectRulesReviewStatus) -> Vec<String> {
    let mut lines: Vec<String> = status
        .resource_rules
        .iter()
        .map(|r| {
            format!(
                "{} {} (apiGroups {:?}{})",
                r.verbs.join(","),
                r.resources.clone().unwrap_or_default().join(","),
                r.api_groups.clone().unwrap_or_default(),
                r.resource_names.as_ref().map(|n| format!(", names {n:?}")).unwrap_or_default()
            )
        })
        .collect();
    lines.extend(
        status
            .non_resource_rules
            .iter()
            .map(|r| format!("{} {}", r.verbs.join(","), r.non_resource_urls.clone().unwrap_or_default().join(","))),
    );
    if status.incomplete {
        lines.push(format!("(incomplete: {})", status.evaluation_error.clone().unwrap_or_default()));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("pods", ("", "pods", None))]
    #[case("pods/exec", ("", "pods", Some("exec")))]
    #[case("deployments.apps", ("apps", "deployments", None))]
    #[case("serviceaccounts/token", ("", "serviceaccounts", Some("token")))]
    fn splits_resources(#[case] input: &str, #[case] want: (&str, &str, Option<&str>)) {
        let (g, r, s) = split_resource(input);
        assert_eq!((g.as_str(), r.as_str(), s.as_deref()), want);
    }

    #[test]
    fn service_accounts_get_their_groups() {
        assert_eq!(
            groups_for("system:serviceaccount:dev:pod-inspector"),
            vec!["system:serviceaccounts", "system:serviceaccounts:dev", "system:authenticated"]
        );
        assert_eq!(groups_for("bob"), vec!["system:authenticated"]);
        assert_eq!(groups_for("system:anonymous"), vec!["system:unauthenticated"]);
    }
}
