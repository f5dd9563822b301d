//! The rule table: each lint rule, how severe it is, and the practice of the article it mirrors, so
//! the CLI can list rules and SARIF can describe them from one place.

use std::fmt;
use std::path::PathBuf;

/// How bad a finding is. `Error` grants more than anyone meant to; `Warning` is a risky setting
/// the article advises against; `Info` is something the lint cannot decide on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule: a stable id, a kebab-case name, its usual severity, what it catches and the article's
/// practice it mirrors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub description: &'static str,
    pub practice: &'static str,
}

/// One problem in one manifest: where it is, what it is, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub file: PathBuf,
    /// 1-based line of the offending field, or of the object when the problem is a missing field.
    pub line: usize,
    /// `Kind/namespace/name` (`Kind/name` for cluster-scoped kinds).
    pub object: String,
    pub message: String,
    pub fix: String,
}

pub const DEFAULT_SERVICE_ACCOUNT: RuleInfo = RuleInfo {
    id: "SA001",
    name: "default-service-account",
    severity: Severity::Warning,
    description: "a pod or pod template runs as its namespace's `default` ServiceAccount",
    practice: "Avoid using the namespace default service account for real applications.",
};

pub const WILDCARD_VERB: RuleInfo = RuleInfo {
    id: "SA002",
    name: "wildcard-verb",
    severity: Severity::Error,
    description: "a Role or ClusterRole rule grants verbs: [\"*\"]",
    practice: "Avoid granting broad verbs such as *.",
};

pub const WILDCARD_RESOURCE: RuleInfo = RuleInfo {
    id: "SA003",
    name: "wildcard-resource",
    severity: Severity::Error,
    description: "a Role or ClusterRole rule grants resources: [\"*\"] (secrets and tokens included)",
    practice: "Avoid granting broad resources such as *.",
};

pub const WILDCARD_API_GROUP: RuleInfo = RuleInfo {
    id: "SA004",
    name: "wildcard-api-group",
    severity: Severity::Warning,
    description: "a Role or ClusterRole rule grants apiGroups: [\"*\"]",
    practice: "Grant the minimum permissions required.",
};

pub const CLUSTER_BINDING_FOR_NAMESPACE: RuleInfo = RuleInfo {
    id: "SA005",
    name: "cluster-binding-for-namespace",
    severity: Severity::Warning,
    description: "a ClusterRoleBinding grants namespaced permissions only to ServiceAccounts of one \
                  namespace, which a RoleBinding there would do",
    practice: "Prefer Role and RoleBinding before using cluster-wide permissions.",
};

pub const SECRET_READ: RuleInfo = RuleInfo {
    id: "SA006",
    name: "secret-read",
    severity: Severity::Warning,
    description: "a Role or ClusterRole rule names secrets with get, list, watch or *",
    practice: "Be careful with Secret read permissions because Secrets can contain credentials.",
};

pub const ESCALATION_VERB: RuleInfo = RuleInfo {
    id: "SA007",
    name: "escalation-verb",
    severity: Severity::Error,
    description: "a Role or ClusterRole rule grants escalate, bind or impersonate",
    practice: "Grant the minimum permissions required.",
};

pub const TOKEN_CREATE: RuleInfo = RuleInfo {
    id: "SA008",
    name: "token-create",
    severity: Severity::Warning,
    description: "a Role or ClusterRole rule grants create on serviceaccounts/token (minting tokens for \
                  other identities)",
    practice: "Grant the minimum permissions required.",
};

pub const AUTOMOUNT_UNNEEDED: RuleInfo = RuleInfo {
    id: "SA009",
    name: "automount-unneeded",
    severity: Severity::Warning,
    description: "a pod that does not call the Kubernetes API still gets a token mounted (info when \
                  the lint is not told which pods call the API)",
    practice: "Disable automountServiceAccountToken for pods that do not need Kubernetes API access.",
};

pub const LONG_LIVED_TOKEN: RuleInfo = RuleInfo {
    id: "SA010",
    name: "long-lived-token-secret",
    severity: Severity::Warning,
    description: "a Secret of type kubernetes.io/service-account-token holds a token that never expires",
    practice: "Prefer short-lived tokens over manually created long-lived token Secrets.",
};

pub const SHARED_SERVICE_ACCOUNT: RuleInfo = RuleInfo {
    id: "SA011",
    name: "shared-service-account",
    severity: Severity::Warning,
    description: "one ServiceAccount (other than `default`, which SA001 covers) runs several workloads, so each \
                  holds every permission any of them needs",
    practice: "Create dedicated service accounts per workload.",
};

/// Every rule, in id order.
pub const RULES: &[RuleInfo] = &[
    DEFAULT_SERVICE_ACCOUNT,
    WILDCARD_VERB,
    WILDCARD_RESOURCE,
    WILDCARD_API_GROUP,
    CLUSTER_BINDING_FOR_NAMESPACE,
    SECRET_READ,
    ESCALATION_VERB,
    TOKEN_CREATE,
    AUTOMOUNT_UNNEEDED,
    LONG_LIVED_TOKEN,
    SHARED_SERVICE_ACCOUNT,
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_and_names_are_unique_and_well_formed() {
        let ids: BTreeSet<_> = RULES.iter().map(|r| r.id).collect();
        let names: BTreeSet<_> = RULES.iter().map(|r| r.name).collect();
        assert_eq!(ids.len(), RULES.len());
        assert_eq!(names.len(), RULES.len());
        let kebab = regex::Regex::new("^[a-z]+(-[a-z]+)*$").unwrap();
        for r in RULES {
            assert!(kebab.is_match(r.name), "{} is not kebab-case", r.name);
            assert!(r.id.starts_with("SA") && r.id.len() == 5, "{}", r.id);
            assert!(!r.practice.is_empty() && !r.description.is_empty());
        }
    }
}
