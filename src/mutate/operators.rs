//! The catalogue of generic mutation operators: their names and families. Each reads a scenario's
//! model (its manifests and steps) and returns the mutants it applies to, none where it does not
//! apply (`grants` and `identity` make them, `plan` asks each); nothing here knows a particular
//! scenario.

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
}

impl std::fmt::Display for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
