//! Kubernetes objects as the lint sees them: kind, namespace, name and where they start, read from
//! the one positioned YAML tree (crate::yaml, with Kubernetes' scalar rules), plus where each workload
//! kind keeps its pod spec.

use crate::yaml::{parse_documents, Error as SyntaxError, Node};
use std::path::{Path, PathBuf};

/// API groups of the kinds the rules look at; a kind of the same name from another group (a CRD
/// called `Role`, say) is not linted.
pub const CORE: &str = "";
pub const APPS: &str = "apps";
pub const BATCH: &str = "batch";
pub const RBAC: &str = "rbac.authorization.k8s.io";

/// The namespace an object without `metadata.namespace` lands in when applied with no other context.
pub const DEFAULT_NAMESPACE: &str = "default";

/// One Kubernetes object from a manifest file.
#[derive(Debug, Clone)]
pub struct Object {
    pub file: PathBuf,
    pub kind: String,
    pub name: String,
    /// `None` for cluster-scoped kinds; `default` when a namespaced object names none.
    pub namespace: Option<String>,
    /// 1-based line where the object's mapping starts.
    pub line: usize,
    pub node: Node,
}

/// A pod spec inside an object, with the line of its `spec:` key.
#[derive(Debug, Clone, Copy)]
pub struct PodSpec<'a> {
    pub spec: &'a Node,
    pub line: usize,
    /// Where the spec sits in the object, for fix hints: `spec`, `spec.template.spec`, ...
    pub field: &'static str,
}

impl Object {
    /// `Kind/namespace/name`, or `Kind/name` when cluster-scoped.
    pub fn label(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{ns}/{}", self.kind, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }

    /// The namespace, `default` standing in for cluster-scoped objects' none.
    pub fn ns(&self) -> &str {
        self.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE)
    }

    /// Whether this is `kind` of API `group`; an object without `apiVersion` matches any group.
    pub fn is(&self, group: &str, kind: &str) -> bool {
        let api_version = self.node.get("apiVersion").and_then(Node::as_str);
        let own_group = api_version.map(|v| v.rsplit_once('/').map_or("", |(g, _)| g));
        self.kind == kind && own_group.is_none_or(|g| g == group)
    }

    /// The pod spec of a Pod or of a workload's pod template.
    pub fn pod_spec(&self) -> Option<PodSpec<'_>> {
        const TEMPLATED: [(&str, &str); 6] = [
            (APPS, "Deployment"),
            (APPS, "StatefulSet"),
            (APPS, "DaemonSet"),
            (APPS, "ReplicaSet"),
            (BATCH, "Job"),
            (CORE, "ReplicationController"),
        ];
        let (path, field): (&[&str], _) = if self.is(CORE, "Pod") {
            (&[], "spec")
        } else if TEMPLATED.iter().any(|(group, kind)| self.is(group, kind)) {
            (&["spec", "template"], "spec.template.spec")
        } else if self.is(BATCH, "CronJob") {
            (&["spec", "jobTemplate", "spec", "template"], "spec.jobTemplate.spec.template.spec")
        } else {
            return None;
        };
        let parent = self.node.path(path)?;
        let spec = parent.get("spec").filter(|s| s.is_map())?;
        Some(PodSpec { spec, line: parent.key_line("spec").unwrap_or(self.line), field })
    }

    /// The line of a top-level key, or the object's own line.
    pub fn line_of(&self, key: &str) -> usize {
        self.node.key_line(key).unwrap_or(self.line)
    }
}

/// Reads every object in a multi-document manifest text; documents that are not Kubernetes objects
/// (no `kind`) are skipped, and `kind: List` is opened into its items.
pub fn objects(file: &Path, text: &str) -> Result<Vec<Object>, SyntaxError> {
    let mut out = Vec::new();
    for doc in parse_documents(text)?.into_iter().flatten() {
        collect(file, doc, &mut out);
    }
    Ok(out)
}

fn collect(file: &Path, node: Node, out: &mut Vec<Object>) {
    let Some(kind) = node.get("kind").and_then(Node::as_str).map(str::to_string) else {
        return;
    };
    if kind == "List" || (kind.ends_with("List") && node.get("items").is_some()) {
        let items = node.get("items").map(|n| n.items().to_vec()).unwrap_or_default();
        items.into_iter().for_each(|item| collect(file, item, out));
        return;
    }
    let meta = node.get("metadata");
    let name = meta.and_then(|m| m.get("name")).and_then(Node::as_str).unwrap_or("<unnamed>").to_string();
    let declared = meta.and_then(|m| m.get("namespace")).and_then(Node::as_str).map(str::to_string);
    let namespace = match declared {
        Some(ns) => Some(ns),
        None if is_cluster_scoped(&kind) => None,
        None => Some(DEFAULT_NAMESPACE.to_string()),
    };
    out.push(Object { file: file.to_path_buf(), kind, name, namespace, line: node.pos.line, node });
}

/// Built-in kinds that live outside namespaces (enough to label objects; unknown kinds count as namespaced).
fn is_cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "ClusterRole"
            | "ClusterRoleBinding"
            | "Namespace"
            | "Node"
            | "PersistentVolume"
            | "StorageClass"
            | "CustomResourceDefinition"
            | "PriorityClass"
            | "IngressClass"
            | "RuntimeClass"
            | "APIService"
            | "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "CSIDriver"
            | "CSINode"
            | "VolumeAttachment"
            | "CertificateSigningRequest"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn one(text: &str) -> Object {
        objects(Path::new("m.yaml"), text).unwrap().remove(0)
    }

    #[rstest]
    #[case("kind: Pod\nmetadata: {name: p, namespace: dev}\n", "Pod/dev/p")]
    #[case("kind: Pod\nmetadata: {name: p}\n", "Pod/default/p")]
    #[case("kind: ClusterRole\nmetadata: {name: r}\n", "ClusterRole/r")]
    #[case("kind: Secret\n", "Secret/default/<unnamed>")]
    fn objects_are_labelled_kind_namespace_name(#[case] text: &str, #[case] label: &str) {
        assert_eq!(one(text).label(), label);
    }

    #[rstest]
    #[case("kind: Pod\nspec:\n  containers: []\n", 2)]
    #[case("kind: Deployment\nspec:\n  template:\n    spec:\n      containers: []\n", 4)]
    #[case("kind: CronJob\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata: {}\n        spec: {containers: []}\n", 7)]
    fn pod_specs_are_found_in_every_workload_kind(#[case] text: &str, #[case] line: usize) {
        assert_eq!(one(text).pod_spec().map(|p| p.line), Some(line));
    }

    #[rstest]
    #[case("apiVersion: v1\nkind: Pod\n", CORE, true)]
    #[case("kind: Pod\n", CORE, true)]
    #[case("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n", RBAC, true)]
    #[case("apiVersion: iam.aws.crossplane.io/v1beta1\nkind: Role\n", RBAC, false)]
    #[case("apiVersion: example.com/v1\nkind: Pod\nspec: {}\n", CORE, false)]
    fn kinds_are_matched_with_their_api_group(#[case] text: &str, #[case] group: &str, #[case] expected: bool) {
        let obj = one(text);
        assert_eq!(obj.is(group, &obj.kind.clone()), expected);
        if obj.kind == "Pod" {
            assert_eq!(obj.pod_spec().is_some(), expected && text.contains("spec"));
        }
    }

    #[test]
    fn lists_are_opened_and_non_objects_skipped() {
        let text = "kind: List\nitems:\n- kind: Pod\n  metadata: {name: a}\n- kind: Pod\n  metadata: {name: b}\n---\njust: data\n---\n";
        let objs = objects(Path::new("m.yaml"), text).unwrap();
        let names: Vec<_> = objs.iter().map(|o| (o.name.as_str(), o.line)).collect();
        assert_eq!(names, vec![("a", 3), ("b", 5)]);
    }
}
