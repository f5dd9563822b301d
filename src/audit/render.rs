//! How an audit reads: a one-paragraph summary (excess permissions with what grants them) and, on
//! request, a rakkess-style matrix of resources by verbs for each namespace and cluster-wide.

use super::{AuditReport, Permission};
use std::collections::{BTreeMap, BTreeSet};

const VERBS: &[&str] = &["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];

/// Excess permissions (or none), and declared permissions that are not granted.
pub fn summary(r: &AuditReport) -> String {
    let mut out = format!(
        "audit of {} ({} questions, {} asked, {} ms): {} permission(s) allowed, {} of them to every authenticated identity, {} beyond the declared set\n  {}\n",
        r.user,
        r.questions,
        r.asked,
        r.elapsed_ms,
        r.effective.len(),
        r.baseline.len(),
        r.excess.len(),
        r.screen
    );
    for (by, perms) in grouped(r) {
        out.push_str(&format!("  EXCESS granted by {by}: {} permission(s)\n", perms.len()));
        for p in perms.iter().take(SHOWN) {
            out.push_str(&format!("    {p}\n"));
        }
        if perms.len() > SHOWN {
            out.push_str(&format!("    … and {} more (--json or --matrix for all)\n", perms.len() - SHOWN));
        }
    }
    for e in &r.edited_defaults {
        out.push_str(&format!("  EDITED DEFAULT {} grants more than Kubernetes' default: {}\n", e.object, e.beyond_default.join("; ")));
    }
    for a in &r.unused {
        out.push_str(&format!(
            "  declared but not granted: {:?} on {:?} in {}\n",
            a.verbs,
            a.resources,
            a.namespace.as_deref().unwrap_or("(cluster)")
        ));
    }
    out
}

const SHOWN: usize = 12;

/// Excess permissions grouped by what grants them (bindings joined), most first.
pub fn grouped(r: &AuditReport) -> Vec<(String, Vec<&Permission>)> {
    let mut groups: BTreeMap<String, Vec<&Permission>> = BTreeMap::new();
    for e in &r.excess {
        let by = if e.granted_by.is_empty() {
            "no RBAC binding sa-conformance could match (another authorizer?)".to_string()
        } else {
            e.granted_by.join(" and ")
        };
        groups.entry(by).or_default().push(&e.permission);
    }
    let mut v: Vec<_> = groups.into_iter().collect();
    v.sort_by_key(|(_, perms)| std::cmp::Reverse(perms.len()));
    v
}

/// Resources by verbs, per scope: `✔` allowed (beyond baseline), `·` allowed to everyone, blank no.
pub fn matrix(r: &AuditReport) -> String {
    let baseline: BTreeSet<&Permission> = r.baseline.iter().collect();
    let mut scopes: BTreeMap<String, BTreeMap<&str, BTreeMap<&str, &str>>> = BTreeMap::new();
    for p in &r.effective {
        let scope = match p.namespace.as_deref() {
            Some("*") => "every namespace".to_string(),
            Some(ns) => format!("namespace {ns}"),
            None => "cluster-scoped".to_string(),
        };
        let mark = if baseline.contains(p) { "·" } else { "✔" };
        scopes.entry(scope).or_default().entry(p.resource.as_str()).or_default().insert(p.verb.as_str(), mark);
    }
    let mut out = String::new();
    for (scope, rows) in scopes {
        out.push_str(&format!("{scope}:\n  {:<44}", "RESOURCE"));
        for v in VERBS {
            out.push_str(&format!(" {:<5}", &v[..v.len().min(5)]));
        }
        out.push_str(" other\n");
        for (res, verbs) in rows {
            out.push_str(&format!("  {res:<44}"));
            for v in VERBS {
                out.push_str(&format!(" {:<5}", verbs.get(v).copied().unwrap_or("")));
            }
            let other: Vec<String> = verbs.iter().filter(|(v, _)| !VERBS.contains(v)).map(|(v, m)| format!("{v}{m}")).collect();
            out.push_str(&format!(" {}\n", other.join(" ")));
        }
    }
    out.push_str("(✔ allowed to this identity, · granted to every identity in its groups by Kubernetes' default policy)\n");
    for (ns, lines) in &r.rules {
        out.push_str(&format!("SelfSubjectRulesReview as {} in {ns}:\n", r.user));
        for l in lines {
            out.push_str(&format!("  {l}\n"));
        }
    }
    out
}
