//! Which binding and which role grant a permission: RoleBindings in the namespace and
//! ClusterRoleBindings whose subjects match the identity, and whose role has a rule covering it.

use super::Permission;
use crate::api::{access::split_resource, ApiError};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject};
use kube::api::{Api, ListParams};
use kube::Client;

/// RBAC objects read once per audit.
pub struct Rbac {
    cluster_bindings: Vec<ClusterRoleBinding>,
    bindings: Vec<RoleBinding>,
    cluster_roles: Vec<ClusterRole>,
    roles: Vec<Role>,
}

impl Rbac {
    pub async fn load(client: &Client) -> Result<Rbac, ApiError> {
        let lp = ListParams::default();
        Ok(Rbac {
            cluster_bindings: Api::<ClusterRoleBinding>::all(client.clone())
                .list(&lp)
                .await
                .map_err(ApiError::kube("list ClusterRoleBindings"))?
                .items,
            bindings: Api::<RoleBinding>::all(client.clone()).list(&lp).await.map_err(ApiError::kube("list RoleBindings"))?.items,
            cluster_roles: Api::<ClusterRole>::all(client.clone()).list(&lp).await.map_err(ApiError::kube("list ClusterRoles"))?.items,
            roles: Api::<Role>::all(client.clone()).list(&lp).await.map_err(ApiError::kube("list Roles"))?.items,
        })
    }

    /// "RoleBinding dev/x -> Role pod-reader" for every grant of `p` to `user` (with `groups`).
    pub fn grants(&self, user: &str, groups: &[String], p: &Permission) -> Vec<String> {
        let mut out = Vec::new();
        for b in &self.cluster_bindings {
            if matches_any(b.subjects.as_deref(), user, groups) && self.cluster_role_covers(&b.role_ref.name, p) {
                out.push(format!("ClusterRoleBinding {} -> ClusterRole {}", name(&b.metadata.name), b.role_ref.name));
            }
        }
        let Some(ns) = p.namespace.as_deref().filter(|n| *n != "*") else { return out };
        for b in self.bindings.iter().filter(|b| b.metadata.namespace.as_deref() == Some(ns)) {
            if !matches_any(b.subjects.as_deref(), user, groups) {
                continue;
            }
            let covers = match b.role_ref.kind.as_str() {
                "ClusterRole" => self.cluster_role_covers(&b.role_ref.name, p),
                _ => self.roles.iter().any(|r| {
                    r.metadata.namespace.as_deref() == Some(ns)
                        && name(&r.metadata.name) == b.role_ref.name
                        && rules_cover(r.rules.as_deref(), p)
                }),
            };
            if covers {
                out.push(format!("RoleBinding {ns}/{} -> {} {}", name(&b.metadata.name), b.role_ref.kind, b.role_ref.name));
            }
        }
        out
    }

    pub fn cluster_roles(&self) -> &[ClusterRole] {
        &self.cluster_roles
    }

    pub fn cluster_bindings(&self) -> &[ClusterRoleBinding] {
        &self.cluster_bindings
    }

    fn cluster_role_covers(&self, role: &str, p: &Permission) -> bool {
        self.cluster_roles.iter().any(|r| name(&r.metadata.name) == role && rules_cover(r.rules.as_deref(), p))
    }
}

fn name(n: &Option<String>) -> String {
    n.clone().unwrap_or_default()
}

fn matches_any(subjects: Option<&[Subject]>, user: &str, groups: &[String]) -> bool {
    subjects.unwrap_or_default().iter().any(|s| match s.kind.as_str() {
        "ServiceAccount" => format!("system:serviceaccount:{}:{}", s.namespace.as_deref().unwrap_or(""), s.name) == user,
        "User" => s.name == user,
        "Group" => groups.iter().any(|g| g == &s.name),
        _ => false,
    })
}

pub(super) fn rules_cover(rules: Option<&[PolicyRule]>, p: &Permission) -> bool {
    if p.resource.starts_with('/') {
        return rules.unwrap_or_default().iter().any(|r| {
            let verb = r.verbs.iter().any(|v| v == "*" || v == &p.verb);
            let url = r
                .non_resource_urls
                .iter()
                .flatten()
                .any(|u| u == &p.resource || u == "*" || u.strip_suffix('*').is_some_and(|prefix| p.resource.starts_with(prefix)));
            verb && url
        });
    }
    let (group, resource, sub) = split_resource(&p.resource);
    let full = match &sub {
        Some(s) => format!("{resource}/{s}"),
        None => resource.clone(),
    };
    rules.unwrap_or_default().iter().any(|r| {
        let has = |list: &Option<Vec<String>>, v: &str| list.as_ref().is_some_and(|l| l.iter().any(|x| x == "*" || x == v));
        has(&r.verbs.clone().into(), &p.verb)
            && has(&r.api_groups, &group)
            && (has(&r.resources, &full) || (sub.is_some() && has(&r.resources, &format!("{resource}/*"))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::access::groups_for;
    use rstest::rstest;

    fn subject(kind: &str, name: &str, namespace: Option<&str>) -> Subject {
        Subject { kind: kind.into(), name: name.into(), namespace: namespace.map(String::from), api_group: None }
    }

    const SA: &str = "system:serviceaccount:dev:pod-inspector";

    #[rstest]
    #[case::the_service_account(SA, subject("ServiceAccount", "pod-inspector", Some("dev")), true)]
    #[case::another_service_account(SA, subject("ServiceAccount", "default", Some("dev")), false)]
    #[case::as_a_user_name(SA, subject("User", SA, None), true)]
    #[case::every_service_account(SA, subject("Group", "system:serviceaccounts", None), true)]
    #[case::its_namespace(SA, subject("Group", "system:serviceaccounts:dev", None), true)]
    #[case::another_namespace(SA, subject("Group", "system:serviceaccounts:prod", None), false)]
    #[case::every_authenticated_identity(SA, subject("Group", "system:authenticated", None), true)]
    #[case::not_anonymous(SA, subject("Group", "system:unauthenticated", None), false)]
    #[case::a_user_is_no_service_account("bob", subject("Group", "system:serviceaccounts", None), false)]
    #[case::anonymous("system:anonymous", subject("Group", "system:unauthenticated", None), true)]
    #[case::anonymous_is_not_authenticated("system:anonymous", subject("Group", "system:authenticated", None), false)]
    fn bindings_match_the_identity_and_its_implicit_groups(#[case] user: &str, #[case] s: Subject, #[case] want: bool) {
        assert_eq!(matches_any(Some(&[s]), user, &groups_for(user)), want);
    }
}
