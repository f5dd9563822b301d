//! The cluster-scoped objects a scenario creates and may rename when it is isolated: ClusterRoles and
//! ClusterRoleBindings made by its `apply` steps and its `kubectl apply|create` commands (from their
//! manifests, or `kubectl create clusterrole|clusterrolebinding NAME`). Only these two kinds are
//! renamed: every reference to them is a name the scenario writes itself (`roleRef.name`, kubectl's
//! `clusterrole.rbac.authorization.k8s.io/NAME created`). `system:` names belong to the cluster.

use crate::yaml::Node;
use std::collections::BTreeSet;
use std::path::Path;

/// The kinds an isolated scenario renames.
pub const RENAMED_KINDS: &[&str] = &["ClusterRole", "ClusterRoleBinding"];

/// Names of the ClusterRoles and ClusterRoleBindings the scenario's steps create.
pub fn cluster_objects(root: &Node, dir: &Path) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for step in root.get("steps").map(Node::items).unwrap_or_default() {
        if let Some(apply) = step.get("apply") {
            let files = apply.get("files").map(Node::items).unwrap_or_default().iter().chain(apply.get("file"));
            for file in files.filter_map(Node::as_str) {
                if let Ok(text) = std::fs::read_to_string(dir.join(file)) {
                    from_manifest(&text, &mut names);
                }
            }
            if let Some(text) = apply.get("manifest").and_then(Node::as_str) {
                from_manifest(text, &mut names);
            }
        }
        if let Some(kubectl) = step.get("kubectl") {
            let words = match (kubectl.get("command").and_then(Node::as_str), kubectl.get("args")) {
                (Some(c), _) => crate::command_line::split(c).unwrap_or_default(),
                (None, Some(a)) => a.items().iter().filter_map(|w| w.as_str().map(String::from)).collect(),
                (None, None) => continue,
            };
            from_command(&words, kubectl.get("stdin").and_then(Node::as_str), dir, &mut names);
        }
    }
    names
}

fn from_command(words: &[String], stdin: Option<&str>, dir: &Path, names: &mut BTreeSet<String>) {
    // A `command:` starts with `kubectl`, `args:` with the words after it.
    let plain: Vec<&str> = words.iter().map(String::as_str).filter(|w| !w.starts_with('-')).skip_while(|w| *w == "kubectl").collect();
    match plain.as_slice() {
        ["create", "clusterrole" | "clusterrolebinding", name, ..] if !name.starts_with("system:") => {
            names.insert(name.to_string());
        }
        ["apply" | "create", ..] => {}
        _ => return,
    }
    let mut it = words.iter();
    while let Some(w) = it.next() {
        let file = match w.split_once('=') {
            Some(("-f" | "--filename", v)) => Some(v.to_string()),
            None if w == "-f" || w == "--filename" => it.next().cloned(),
            None if w.starts_with("-f") && w.len() > 2 && !w.starts_with("--") => Some(w[2..].to_string()),
            _ => None,
        };
        match file.as_deref() {
            Some("-") => from_manifest(stdin.unwrap_or_default(), names),
            Some(f) => {
                if let Ok(text) = crate::footprint::read_tree(&dir.join(f)) {
                    from_manifest(&text, names);
                }
            }
            None => {}
        }
    }
}

fn from_manifest(text: &str, names: &mut BTreeSet<String>) {
    let Ok(docs) = crate::yaml::k8s::documents(text) else { return };
    for doc in docs {
        let kind = doc.json["kind"].as_str().unwrap_or_default();
        if let Some(name) = doc.json["metadata"]["name"].as_str().filter(|n| RENAMED_KINDS.contains(&kind) && !n.starts_with("system:")) {
            names.insert(name.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cluster_rbac_objects_from_manifests_and_commands_but_not_system_ones() {
        let root = crate::yaml::parse_one(
            "steps:\n\
             - apply:\n    manifest: |\n      kind: ClusterRole\n      metadata: { name: reader }\n      ---\n      kind: ClusterRoleBinding\n      metadata: { name: \"system:mine\" }\n      ---\n      kind: Role\n      metadata: { name: local, namespace: dev }\n\
             - kubectl: { command: kubectl create clusterrolebinding bob-view --clusterrole=view --user=bob }\n\
             - kubectl: { command: kubectl get clusterrole other }\n",
        )
        .unwrap();
        let names: Vec<String> = cluster_objects(&root, Path::new("/nonexistent")).into_iter().collect();
        assert_eq!(names, ["bob-view", "reader"]);
    }
}
