//! What a step may do to RBAC, as each step kind says it ([`crate::step::StepKind::may_write_rbac`],
//! [`crate::step::StepKind::changes_rbac_late`]): write it, so the RBAC sentinel (`runner::sentinel`) runs
//! after the step; or change it late, behind the sentinel (a controller that writes afterwards), so a
//! can-i answer may still change by waiting. The readers of manifests and kubectl command lines the
//! kinds share live here. Both err towards yes where they cannot tell.

use regex::Regex;
use std::path::Path;
use std::sync::LazyLock;

/// The kinds the RBAC authorizer reads (one informer each).
pub const RBAC_KINDS: &[&str] = &["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"];

static RBAC_KIND_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?m)^[\s-]*kind:\s*["']?(Cluster)?Role(Binding)?["']?\s*(#.*)?$"#).expect("static regex"));

/// Whether a manifest has an object of one of the [`RBAC_KINDS`].
pub fn names_rbac(manifest: &str) -> bool {
    RBAC_KIND_LINE.is_match(manifest)
}

/// What in a manifest makes a controller change RBAC after it is written (the ClusterRole
/// aggregation controller, the garbage collector following owner references), if anything.
pub fn late_marker(text: &str) -> Option<&'static str> {
    ["aggregationRule", "aggregate-to-", "ownerReferences"].into_iter().find(|m| text.contains(m))
}

/// `kubectl create role ...`, `kubectl delete rolebinding x`, `kubectl apply -f rbac.yaml`,
/// `kubectl set subject rolebinding ...`, `kubectl auth reconcile -f ...`.
pub fn kubectl_writes_rbac(args: &[String], stdin: Option<&str>, dir: &Path) -> bool {
    let words: Vec<&str> = args.iter().map(String::as_str).filter(|w| !w.starts_with('-')).collect();
    match words.as_slice() {
        ["auth", "reconcile", ..] => return true,
        [verb, ..] if ["create", "apply", "delete", "patch", "edit", "replace", "set"].contains(verb) => {}
        _ => return false,
    }
    let names_rbac_type = |w: &str| {
        let ty = w.split('/').next().unwrap_or(w);
        ty.split(',').any(|t| {
            let t = t.to_ascii_lowercase();
            let t = t.strip_suffix(".rbac.authorization.k8s.io").unwrap_or(&t);
            ["role", "roles", "rolebinding", "rolebindings", "clusterrole", "clusterroles", "clusterrolebinding", "clusterrolebindings"]
                .contains(&t)
        })
    };
    if words.iter().skip(1).any(|w| names_rbac_type(w)) {
        return true;
    }
    files_of(args).iter().any(|f| match f.as_str() {
        "-" => stdin.is_some_and(names_rbac),
        path if path.contains("://") => true,
        path => match std::fs::read_to_string(dir.join(path)) {
            Ok(text) => names_rbac(&text),
            Err(_) => true,
        },
    }) || args.iter().any(|a| a == "-k" || a.starts_with("--kustomize"))
}

/// The values of `-f X`, `-fX`, `--filename X`, `--filename=X`.
fn files_of(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-f" || a == "--filename" {
            out.extend(it.next().cloned());
        } else if let Some(v) = a.strip_prefix("--filename=").or_else(|| a.strip_prefix("-f")) {
            out.push(v.to_string());
        }
    }
    out
}

pub fn kubectl_changes_late(args: &[String], stdin: Option<&str>, dir: &Path) -> Option<String> {
    let has = |w: &str| args.iter().any(|a| a == w);
    if has("delete") && (has("namespace") || has("namespaces") || has("ns") || args.iter().any(|a| a.starts_with("namespace/"))) {
        return Some("deletes a namespace".into());
    }
    if args.iter().any(|a| a.starts_with("--aggregation-rule")) {
        return Some("creates an aggregated ClusterRole".into());
    }
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let file = match a.as_str() {
            "-f" | "--filename" | "-k" | "--kustomize" => it.next().cloned(),
            _ => a.strip_prefix("--filename=").or_else(|| a.strip_prefix("-f")).map(String::from),
        };
        if let Some(f) = file {
            // `-f -` reads the step's stdin (a namespace-mapped `-f FILE` is passed that way).
            let text = match (f.as_str(), stdin) {
                ("-", Some(text)) => Ok(text.to_string()),
                _ => std::fs::read_to_string(dir.join(&f)),
            };
            match text {
                Ok(t) if late_marker(&t).is_some() || (has("delete") && t.contains("kind: Namespace")) => {
                    return Some(format!("{f} may change RBAC late"));
                }
                Ok(_) => {}
                Err(_) => return Some(format!("cannot read {f}")),
            }
        }
    }
    None
}
