//! The catalogue of generic mutation operators. Each reads a scenario's model (its manifests and
//! steps) and returns the mutants it applies to, none where it does not apply; nothing here knows a
//! particular scenario.

use super::manifests::{self, Site};
use crate::scenario::{ObjectRef, Scenario, Step};
use serde::Serialize;

/// A mutation operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operator {
    /// An extra ClusterRoleBinding (cluster-admin, view, edit) to the ServiceAccount, its namespace's
    /// group, all ServiceAccounts or all authenticated users, applied before the first access check.
    OverGrant,
    /// A documented RoleBinding replaced by a ClusterRoleBinding with the same rules.
    BindingToCluster,
    /// A documented Role or RoleBinding not applied.
    SkipRbac,
    /// A binding's ServiceAccount subject pointed at another namespace.
    SubjectNamespace,
    /// A binding's ServiceAccount subject pointed at another name.
    SubjectName,
    /// One verb dropped from a Role or ClusterRole rule.
    DropVerb,
    /// `serviceAccountName` dropped from a pod: it runs as `default`.
    DropServiceAccountName,
    /// The ServiceAccount renamed (its users still name the old one).
    RenameServiceAccount,
    /// `automountServiceAccountToken` flipped on a ServiceAccount (absent counts as true).
    AutomountServiceAccount,
    /// `automountServiceAccountToken` flipped on a pod (absent counts as true).
    AutomountPod,
    /// A requested token duration changed (`duration:`, `--duration`).
    TokenDuration,
    /// A requested audience changed (`audiences:`, `--audience`, a projected `audience`).
    TokenAudience,
    /// A projected token's or TokenRequest's `expirationSeconds` changed.
    TokenExpiration,
    /// The RoleBinding applied before the first access check (the documented "403 before" must fail).
    BindingEarly,
}

/// Every operator, in the order reports list them.
pub const OPERATORS: &[Operator] = &[
    Operator::OverGrant,
    Operator::BindingToCluster,
    Operator::SkipRbac,
    Operator::SubjectNamespace,
    Operator::SubjectName,
    Operator::DropVerb,
    Operator::DropServiceAccountName,
    Operator::RenameServiceAccount,
    Operator::AutomountServiceAccount,
    Operator::AutomountPod,
    Operator::TokenDuration,
    Operator::TokenAudience,
    Operator::TokenExpiration,
    Operator::BindingEarly,
];

impl Operator {
    pub fn name(self) -> &'static str {
        match self {
            Operator::OverGrant => "over-grant",
            Operator::BindingToCluster => "binding-to-cluster",
            Operator::SkipRbac => "skip-rbac",
            Operator::SubjectNamespace => "subject-namespace",
            Operator::SubjectName => "subject-name",
            Operator::DropVerb => "drop-verb",
            Operator::DropServiceAccountName => "drop-serviceaccountname",
            Operator::RenameServiceAccount => "rename-serviceaccount",
            Operator::AutomountServiceAccount => "automount-serviceaccount",
            Operator::AutomountPod => "automount-pod",
            Operator::TokenDuration => "token-duration",
            Operator::TokenAudience => "token-audience",
            Operator::TokenExpiration => "token-expiration",
            Operator::BindingEarly => "binding-early",
        }
    }

    /// The kind of mistake the operator plants (over-grant, under-grant, identity, tokens, order), written
    /// with each mutant's result so a reader can group them.
    pub fn family(self) -> &'static str {
        match self {
            Operator::OverGrant | Operator::BindingToCluster => "over-grant",
            Operator::SkipRbac | Operator::SubjectNamespace | Operator::SubjectName | Operator::DropVerb => "under-grant",
            Operator::DropServiceAccountName | Operator::RenameServiceAccount => "identity",
            Operator::AutomountServiceAccount
            | Operator::AutomountPod
            | Operator::TokenDuration
            | Operator::TokenAudience
            | Operator::TokenExpiration => "tokens",
            Operator::BindingEarly => "order",
        }
    }

    pub fn from_name(name: &str) -> Option<Operator> {
        OPERATORS.iter().copied().find(|o| o.name() == name)
    }

    /// The mutants this operator makes of `scenario`.
    pub fn mutants(self, scenario: &Scenario) -> Vec<Draft> {
        let sites = manifests::sites(scenario);
        match self {
            Operator::OverGrant => super::grants::over_grant(scenario),
            Operator::BindingToCluster => super::grants::binding_to_cluster(scenario, &sites),
            Operator::SkipRbac => super::grants::skip_rbac(scenario, &sites),
            Operator::SubjectNamespace => super::grants::subject(scenario, &sites, self),
            Operator::SubjectName => super::grants::subject(scenario, &sites, self),
            Operator::DropVerb => super::grants::drop_verb(scenario, &sites),
            Operator::BindingEarly => super::grants::binding_early(scenario, &sites),
            Operator::DropServiceAccountName => super::identity::drop_serviceaccountname(scenario, &sites),
            Operator::RenameServiceAccount => super::identity::rename_serviceaccount(scenario, &sites),
            Operator::AutomountServiceAccount => super::identity::automount(scenario, &sites, false),
            Operator::AutomountPod => super::identity::automount(scenario, &sites, true),
            Operator::TokenDuration => super::identity::token_duration(scenario),
            Operator::TokenAudience => super::identity::token_audience(scenario, &sites),
            Operator::TokenExpiration => super::identity::token_expiration(scenario, &sites),
        }
    }
}

impl std::fmt::Display for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A mutant before it gets its id and its renumbered steps.
#[derive(Debug, Clone)]
pub struct Draft {
    pub operator: Operator,
    /// What was changed, as a slug (the id is `operator:target`).
    pub target: String,
    pub description: String,
    pub text: String,
    pub steps: Vec<Step>,
    /// Cluster-scoped objects the mutant may create: deleted after the run like the scenario's own.
    pub cleanup: Vec<ObjectRef>,
    /// Positions (0-based, in `steps`) of steps the mutant added.
    pub injected: Vec<usize>,
}

impl Draft {
    pub fn new(
        operator: Operator,
        target: impl Into<String>,
        description: impl Into<String>,
        text: impl Into<String>,
        steps: Vec<Step>,
    ) -> Draft {
        Draft {
            operator,
            target: target.into(),
            description: description.into(),
            text: text.into(),
            steps,
            cleanup: Vec::new(),
            injected: Vec::new(),
        }
    }

    /// The scenario's steps with the step of `site` applying `docs` (or skipped when `docs` is empty).
    pub fn site_steps(scenario: &Scenario, site: &Site, docs: &[serde_json::Value]) -> Vec<Step> {
        let mut steps = scenario.steps.clone();
        match manifests::with_docs(&scenario.steps[site.step], site, docs) {
            Some(s) => steps[site.step] = s,
            None => {
                steps.remove(site.step);
            }
        }
        steps
    }
}

/// `Kind/namespace/name` of a manifest document, as a target slug.
pub fn doc_target(doc: &serde_json::Value, step: &Step) -> String {
    let kind = manifests::kind(doc);
    let name = manifests::name(doc);
    match kind {
        "ClusterRole" | "ClusterRoleBinding" | "Namespace" => format!("{kind}/{name}"),
        _ => format!("{kind}/{}/{name}", manifests::namespace(doc, step)),
    }
}
