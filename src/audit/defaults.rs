//! What Kubernetes' default RBAC policy grants every identity, as an embedded copy, so the audit's
//! baseline never comes from live answers (a live probe identity is in the same groups, so a grant to
//! `system:serviceaccounts` would look "normal"). Only the bootstrap ClusterRoleBindings that bind an
//! implicit group (`system:authenticated`, `system:unauthenticated`, `system:serviceaccounts`,
//! `system:serviceaccounts:NS`) and their ClusterRoles are kept. A live copy that grants more than this
//! one (an extra rule, an extra subject, an aggregation rule) is a finding of its own.
//!
//! Source: `plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go` of Kubernetes v1.34.4
//! (`ClusterRoles()` and `ClusterRoleBindings()`), checked against a live v1.34.4 kind cluster with
//! `kubectl get clusterrolebindings,clusterroles -l kubernetes.io/bootstrapping=rbac-defaults -o json`.
//! v1.37.2's `policy.go` (the default since 2026-12-07) defines these roles and bindings line for line
//! as v1.34.4's.
//! `system:cluster-trust-bundle-discovery` exists only while the ClusterTrustBundle feature gate is on
//! (beta, off by default in 1.33 and 1.34); it is kept so that a cluster with the gate on does not
//! report it as excess.

use super::attribute::rules_cover;
use super::Permission;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule};
use serde::Serialize;
use std::collections::BTreeSet;

/// One rule of a default ClusterRole: resource rules name groups and resources, URL rules name paths.
pub struct Rule {
    pub verbs: &'static [&'static str],
    pub api_groups: &'static [&'static str],
    pub resources: &'static [&'static str],
    pub urls: &'static [&'static str],
}

pub struct DefaultRole {
    pub name: &'static str,
    pub rules: &'static [Rule],
}

/// A default ClusterRoleBinding: its name, its ClusterRole, and the groups it binds.
pub struct DefaultBinding {
    pub name: &'static str,
    pub role: &'static str,
    pub groups: &'static [&'static str],
}

const NONE: &[&str] = &[];

pub const ROLES: &[DefaultRole] = &[
    DefaultRole {
        name: "system:basic-user",
        rules: &[
            Rule {
                verbs: &["create"],
                api_groups: &["authorization.k8s.io"],
                resources: &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                urls: NONE,
            },
            Rule { verbs: &["create"], api_groups: &["authentication.k8s.io"], resources: &["selfsubjectreviews"], urls: NONE },
        ],
    },
    DefaultRole {
        name: "system:discovery",
        rules: &[Rule {
            verbs: &["get"],
            api_groups: NONE,
            resources: NONE,
            urls: &[
                "/api",
                "/api/*",
                "/apis",
                "/apis/*",
                "/healthz",
                "/livez",
                "/openapi",
                "/openapi/*",
                "/readyz",
                "/version",
                "/version/",
            ],
        }],
    },
    DefaultRole {
        name: "system:public-info-viewer",
        rules: &[Rule {
            verbs: &["get"],
            api_groups: NONE,
            resources: NONE,
            urls: &["/healthz", "/livez", "/readyz", "/version", "/version/"],
        }],
    },
    DefaultRole {
        name: "system:service-account-issuer-discovery",
        rules: &[Rule {
            verbs: &["get"],
            api_groups: NONE,
            resources: NONE,
            urls: &["/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks", "/openid/v1/jwks/"],
        }],
    },
    DefaultRole {
        name: "system:cluster-trust-bundle-discovery",
        rules: &[Rule {
            verbs: &["get", "list", "watch"],
            api_groups: &["certificates.k8s.io"],
            resources: &["clustertrustbundles"],
            urls: NONE,
        }],
    },
];

pub const BINDINGS: &[DefaultBinding] = &[
    DefaultBinding { name: "system:basic-user", role: "system:basic-user", groups: &["system:authenticated"] },
    DefaultBinding { name: "system:discovery", role: "system:discovery", groups: &["system:authenticated"] },
    DefaultBinding {
        name: "system:public-info-viewer",
        role: "system:public-info-viewer",
        groups: &["system:authenticated", "system:unauthenticated"],
    },
    DefaultBinding {
        name: "system:service-account-issuer-discovery",
        role: "system:service-account-issuer-discovery",
        groups: &["system:serviceaccounts"],
    },
    DefaultBinding {
        name: "system:cluster-trust-bundle-discovery",
        role: "system:cluster-trust-bundle-discovery",
        groups: &["system:serviceaccounts"],
    },
];

fn owned(l: &[&str]) -> Option<Vec<String>> {
    if l.is_empty() {
        None
    } else {
        Some(l.iter().map(|s| s.to_string()).collect())
    }
}

impl Rule {
    fn policy_rule(&self) -> PolicyRule {
        PolicyRule {
            verbs: self.verbs.iter().map(|s| s.to_string()).collect(),
            api_groups: owned(self.api_groups),
            resources: owned(self.resources),
            non_resource_urls: owned(self.urls),
            resource_names: None,
        }
    }
}

fn role(name: &str) -> Option<&'static DefaultRole> {
    ROLES.iter().find(|r| r.name == name)
}

/// The default policy rules that apply to an identity in `groups`.
pub fn rules_for(groups: &[String]) -> Vec<PolicyRule> {
    BINDINGS
        .iter()
        .filter(|b| b.groups.iter().any(|g| groups.iter().any(|x| x == g)))
        .filter_map(|b| role(b.role))
        .flat_map(|r| r.rules.iter().map(Rule::policy_rule))
        .collect()
}

/// Whether Kubernetes' default policy alone grants `p` to an identity in `groups`.
pub fn grants(rules: &[PolicyRule], p: &Permission) -> bool {
    rules_cover(Some(rules), p)
}

/// A default role or binding that grants more than Kubernetes' default.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EditedDefault {
    /// `ClusterRole system:discovery`, `ClusterRoleBinding system:discovery`.
    pub object: String,
    /// What it grants beyond the default, one entry each: `get secrets (apiGroups [""])`,
    /// `subject Group system:serviceaccounts`.
    pub beyond_default: Vec<String>,
}

/// One verb on one (group, resource) or URL, the unit a rule grants.
fn atoms(r: &PolicyRule) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for v in &r.verbs {
        for u in r.non_resource_urls.iter().flatten() {
            out.insert(format!("{v} {u}"));
        }
        for g in r.api_groups.iter().flatten() {
            for res in r.resources.iter().flatten() {
                let names = r.resource_names.as_ref().filter(|n| !n.is_empty()).map(|n| format!(" names {n:?}")).unwrap_or_default();
                out.insert(format!("{v} {res} (apiGroups [{g:?}]){names}"));
            }
        }
    }
    out
}

/// Live default ClusterRoles and ClusterRoleBindings (those in the embedded copy) that grant more than
/// the copy: rules it lacks, an aggregation rule, subjects it does not bind.
pub fn edited(roles: &[ClusterRole], bindings: &[ClusterRoleBinding]) -> Vec<EditedDefault> {
    let mut out = Vec::new();
    for r in roles {
        let Some(default) = r.metadata.name.as_deref().and_then(role) else { continue };
        let allowed: BTreeSet<String> = default.rules.iter().flat_map(|d| atoms(&d.policy_rule())).collect();
        let beyond: BTreeSet<String> = r.rules.iter().flatten().flat_map(atoms).filter(|a| !allowed.contains(a)).collect();
        let mut beyond: Vec<String> = beyond.into_iter().collect();
        if r.aggregation_rule.is_some() {
            beyond.push("an aggregationRule (it collects the rules of other ClusterRoles)".into());
        }
        if !beyond.is_empty() {
            out.push(EditedDefault { object: format!("ClusterRole {}", default.name), beyond_default: beyond });
        }
    }
    for b in bindings {
        let Some(default) = BINDINGS.iter().find(|d| b.metadata.name.as_deref() == Some(d.name)) else { continue };
        let mut beyond: Vec<String> = b
            .subjects
            .iter()
            .flatten()
            .filter(|s| !(s.kind == "Group" && default.groups.contains(&s.name.as_str())))
            .map(|s| match s.namespace.as_deref() {
                Some(ns) if s.kind == "ServiceAccount" => format!("subject ServiceAccount {ns}/{}", s.name),
                _ => format!("subject {} {}", s.kind, s.name),
            })
            .collect();
        if b.role_ref.kind != "ClusterRole" || b.role_ref.name != default.role {
            beyond.push(format!("roleRef {} {} instead of ClusterRole {}", b.role_ref.kind, b.role_ref.name, default.role));
        }
        if !beyond.is_empty() {
            out.push(EditedDefault { object: format!("ClusterRoleBinding {}", default.name), beyond_default: beyond });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::rbac::v1::{RoleRef, Subject};
    use rstest::rstest;

    fn perm(verb: &str, resource: &str, namespace: Option<&str>) -> Permission {
        Permission { verb: verb.into(), resource: resource.into(), namespace: namespace.map(String::from) }
    }

    fn groups(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    const SA: &[&str] = &["system:serviceaccounts", "system:serviceaccounts:dev", "system:authenticated"];
    const USER: &[&str] = &["system:authenticated"];
    const ANONYMOUS: &[&str] = &["system:unauthenticated"];

    #[rstest]
    #[case::discovery(SA, perm("get", "/api", None), true)]
    #[case::discovery_subpath(SA, perm("get", "/apis/apps/v1", None), true)]
    #[case::self_review(SA, perm("create", "selfsubjectaccessreviews.authorization.k8s.io", None), true)]
    #[case::issuer_discovery_for_sa(SA, perm("get", "/openid/v1/jwks", None), true)]
    #[case::issuer_discovery_not_for_a_user(USER, perm("get", "/openid/v1/jwks", None), false)]
    #[case::healthz_for_anonymous(ANONYMOUS, perm("get", "/healthz", None), true)]
    #[case::no_discovery_for_anonymous(ANONYMOUS, perm("get", "/apis", None), false)]
    #[case::trust_bundles_for_sa(SA, perm("list", "clustertrustbundles.certificates.k8s.io", None), true)]
    #[case::no_trust_bundles_for_a_user(USER, perm("list", "clustertrustbundles.certificates.k8s.io", None), false)]
    #[case::no_trust_bundle_writes(SA, perm("create", "clustertrustbundles.certificates.k8s.io", None), false)]
    #[case::no_metrics(SA, perm("get", "/metrics", None), false)]
    #[case::no_pods(SA, perm("list", "pods", Some("dev")), false)]
    #[case::no_pods_anywhere(SA, perm("list", "pods", Some("*")), false)]
    #[case::no_secrets(USER, perm("get", "secrets", Some("dev")), false)]
    #[case::no_token_requests(SA, perm("create", "serviceaccounts/token", Some("dev")), false)]
    #[case::no_impersonation(SA, perm("impersonate", "groups", None), false)]
    #[case::no_escalate(SA, perm("escalate", "clusterroles.rbac.authorization.k8s.io", None), false)]
    fn baseline_is_only_the_default_policy(#[case] who: &[&str], #[case] p: Permission, #[case] want: bool) {
        assert_eq!(grants(&rules_for(&groups(who)), &p), want, "{p}");
    }

    fn live_role(name: &str, extra: Option<PolicyRule>) -> ClusterRole {
        let d = role(name).expect("a default role");
        let mut rules: Vec<PolicyRule> = d.rules.iter().map(Rule::policy_rule).collect();
        rules.extend(extra);
        ClusterRole {
            metadata: kube::api::ObjectMeta { name: Some(name.into()), ..Default::default() },
            rules: Some(rules),
            aggregation_rule: None,
        }
    }

    fn live_binding(name: &str, extra: Option<Subject>) -> ClusterRoleBinding {
        let d = BINDINGS.iter().find(|b| b.name == name).expect("a default binding");
        let mut subjects: Vec<Subject> = d
            .groups
            .iter()
            .map(|g| Subject {
                kind: "Group".into(),
                name: g.to_string(),
                api_group: Some("rbac.authorization.k8s.io".into()),
                namespace: None,
            })
            .collect();
        subjects.extend(extra);
        ClusterRoleBinding {
            metadata: kube::api::ObjectMeta { name: Some(name.into()), ..Default::default() },
            role_ref: RoleRef { api_group: "rbac.authorization.k8s.io".into(), kind: "ClusterRole".into(), name: d.role.into() },
            subjects: Some(subjects),
        }
    }

    fn secrets_rule() -> PolicyRule {
        PolicyRule {
            verbs: vec!["get".into()],
            api_groups: Some(vec!["".into()]),
            resources: Some(vec!["secrets".into()]),
            ..Default::default()
        }
    }

    #[test]
    fn unchanged_defaults_are_not_reported() {
        let roles: Vec<ClusterRole> = ROLES.iter().map(|r| live_role(r.name, None)).collect();
        let bindings: Vec<ClusterRoleBinding> = BINDINGS.iter().map(|b| live_binding(b.name, None)).collect();
        assert_eq!(edited(&roles, &bindings), vec![]);
    }

    #[test]
    fn a_default_role_with_fewer_rules_is_not_reported() {
        let mut role = live_role("system:discovery", None);
        role.rules =
            Some(vec![PolicyRule { verbs: vec!["get".into()], non_resource_urls: Some(vec!["/api".into()]), ..Default::default() }]);
        assert_eq!(edited(&[role], &[]), vec![]);
    }

    #[test]
    fn a_default_role_with_an_extra_rule_is_reported() {
        let found = edited(&[live_role("system:discovery", Some(secrets_rule()))], &[]);
        assert_eq!(
            found,
            vec![EditedDefault {
                object: "ClusterRole system:discovery".into(),
                beyond_default: vec![r#"get secrets (apiGroups [""])"#.into()]
            }]
        );
    }

    #[test]
    fn a_default_role_with_a_wider_url_is_reported() {
        let rule = PolicyRule { verbs: vec!["get".into()], non_resource_urls: Some(vec!["*".into()]), ..Default::default() };
        let found = edited(&[live_role("system:public-info-viewer", Some(rule))], &[]);
        assert_eq!(
            found,
            vec![EditedDefault { object: "ClusterRole system:public-info-viewer".into(), beyond_default: vec!["get *".into()] }]
        );
    }

    #[test]
    fn a_default_role_made_aggregating_is_reported() {
        let mut role = live_role("system:basic-user", None);
        role.aggregation_rule = Some(Default::default());
        assert_eq!(edited(&[role], &[]).len(), 1);
    }

    #[test]
    fn a_default_binding_with_an_extra_subject_is_reported() {
        let sa = Subject { kind: "ServiceAccount".into(), name: "ci".into(), namespace: Some("dev".into()), api_group: None };
        let found = edited(&[], &[live_binding("system:basic-user", Some(sa))]);
        assert_eq!(
            found,
            vec![EditedDefault {
                object: "ClusterRoleBinding system:basic-user".into(),
                beyond_default: vec!["subject ServiceAccount dev/ci".into()]
            }]
        );
    }

    #[test]
    fn a_default_binding_given_to_anonymous_is_reported() {
        let anon = Subject { kind: "Group".into(), name: "system:unauthenticated".into(), api_group: None, namespace: None };
        let found = edited(&[], &[live_binding("system:discovery", Some(anon))]);
        assert_eq!(
            found,
            vec![EditedDefault {
                object: "ClusterRoleBinding system:discovery".into(),
                beyond_default: vec!["subject Group system:unauthenticated".into()]
            }]
        );
    }

    #[test]
    fn roles_that_are_not_defaults_are_not_compared() {
        let mut other = live_role("system:discovery", Some(secrets_rule()));
        other.metadata.name = Some("pod-reader".into());
        assert_eq!(edited(&[other], &[]), vec![]);
    }
}
