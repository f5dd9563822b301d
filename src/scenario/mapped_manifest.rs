//! A manifest's text with its namespaces mapped, in memory (files on disk are never rewritten). The
//! text keeps its lines, comments and layout: every mention ([`super::mentions`]) is replaced except
//! where the document's structure says the word is not a namespace: mapping keys, object names
//! (`name:` of anything but a Namespace or a User/Group subject), `serviceAccountName`, `image`.
//! Names of the cluster-scoped RBAC objects a scenario owns are renamed everywhere, names included.

use super::mentions;
use crate::yaml::{self, Node, Value};
use std::collections::BTreeMap;
use std::ops::Range;

/// What a mapped scenario replaces: namespaces (`dev` -> `alice-dev`) and the names of the
/// cluster-scoped objects it owns (`pod-reader-cluster` -> `pod-reader-cluster-<scenario>-<run>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renames {
    pub namespaces: BTreeMap<String, String>,
    pub objects: BTreeMap<String, String>,
}

/// Keys whose values name an object or an image, never a namespace.
const NAME_KEYS: &[&str] = &["name", "serviceAccountName", "serviceAccount", "image", "claimName", "secretName"];

impl Renames {
    /// Both tables as one: every word this map replaces.
    pub fn all(&self) -> BTreeMap<String, String> {
        let mut all = self.objects.clone();
        all.extend(self.namespaces.clone());
        all
    }

    pub fn is_empty(&self) -> bool {
        self.namespaces.is_empty() && self.objects.is_empty()
    }

    /// A text with no structure known (a command word, an expected output): every mention.
    pub fn text(&self, text: &str) -> String {
        mentions::replace(text, &self.all())
    }

    /// An object's name: only the renamed cluster-scoped objects (a ConfigMap named `dev` stays).
    pub fn name(&self, text: &str) -> String {
        mentions::replace(text, &self.objects)
    }

    /// A manifest's text, mapped; the error is the YAML reader's (the loader has already refused
    /// manifests that do not read, so it is rare).
    pub fn manifest(&self, text: &str) -> Result<String, yaml::Error> {
        if self.is_empty() {
            return Ok(text.to_string());
        }
        let mut keep = Vec::new();
        let lines = LineStarts::new(text);
        for doc in yaml::parse_documents(text)?.into_iter().flatten() {
            let kind = doc.get("kind").and_then(Node::as_str).unwrap_or_default().to_string();
            exempt(&doc, &lines, &mut keep, Parent { key: "", kind: &kind, top: true });
        }
        let all = self.all();
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for (range, source) in mentions::find(text, &all) {
            let kept =
                keep.iter().any(|(r, only_objects)| r.contains(&range.start) && (!only_objects || !self.objects.contains_key(&source)));
            if kept {
                continue;
            }
            out.push_str(&text[last..range.start]);
            out.push_str(&all[&source]);
            last = range.end;
        }
        out.push_str(&text[last..]);
        Ok(out)
    }
}

/// Where a node stands: the key it is the value of, the kind of its document or of its own mapping.
#[derive(Clone, Copy)]
struct Parent<'a> {
    key: &'a str,
    kind: &'a str,
    top: bool,
}

/// Collects the byte ranges not to map: keys (nothing), object names (namespaces kept, owned
/// objects renamed) as `(range, only_objects)`.
fn exempt(node: &Node, lines: &LineStarts, keep: &mut Vec<(Range<usize>, bool)>, parent: Parent<'_>) {
    match &node.value {
        Value::Scalar { .. } => {}
        Value::Seq(items) => items.iter().for_each(|i| exempt(i, lines, keep, Parent { top: false, ..parent })),
        Value::Map(entries) => {
            let own_kind = node.get("kind").and_then(Node::as_str).unwrap_or(parent.kind);
            // A subject that is a User or Group is named by an identity (`system:serviceaccount:dev:x`).
            let identity = matches!(own_kind, "User" | "Group") && !parent.top;
            for (k, v) in entries {
                keep.extend(lines.range(k).map(|r| (r, false)));
                let key = k.as_str().unwrap_or_default();
                let namespace_name = key == "name" && parent.key == "metadata" && own_kind == "Namespace";
                if NAME_KEYS.contains(&key) && !namespace_name && !identity {
                    keep.extend(lines.range(v).map(|r| (r, true)));
                }
                exempt(v, lines, keep, Parent { key, kind: own_kind, top: false });
            }
        }
    }
}

/// Byte offsets of line starts, to turn a node's line:column into a range of the text.
struct LineStarts<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineStarts<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        LineStarts { text, starts }
    }

    /// The range of a single-line scalar as written (quotes included); none for collections.
    fn range(&self, node: &Node) -> Option<Range<usize>> {
        let Value::Scalar { text, plain, .. } = &node.value else { return None };
        let line_start = *self.starts.get(node.pos.line.checked_sub(1)?)?;
        let rest = &self.text[line_start..];
        let col = rest.char_indices().nth(node.pos.col.checked_sub(1)?).map_or(rest.len(), |(i, _)| i);
        let start = line_start + col;
        Some(start..start + text.len() + if *plain { 0 } else { 2 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn renames() -> Renames {
        Renames {
            namespaces: [("dev".to_string(), "alice-dev".to_string())].into(),
            objects: [("pod-reader-cluster".to_string(), "pod-reader-cluster-s-r1".to_string())].into(),
        }
    }

    #[rstest]
    #[case::metadata_namespace(
        "kind: Role\nmetadata: { name: pod-reader, namespace: dev }\n",
        "kind: Role\nmetadata: { name: pod-reader, namespace: alice-dev }\n"
    )]
    #[case::namespace_object("kind: Namespace\nmetadata:\n  name: dev\n", "kind: Namespace\nmetadata:\n  name: alice-dev\n")]
    #[case::subject_namespace(
        "kind: RoleBinding\nmetadata: { name: r, namespace: dev }\nsubjects:\n- kind: ServiceAccount\n  name: pod-inspector\n  namespace: dev\n",
        "kind: RoleBinding\nmetadata: { name: r, namespace: alice-dev }\nsubjects:\n- kind: ServiceAccount\n  name: pod-inspector\n  namespace: alice-dev\n"
    )]
    #[case::user_subject_is_an_identity(
        "kind: ClusterRoleBinding\nmetadata: { name: x }\nsubjects: [{ kind: User, name: \"system:serviceaccount:dev:x\" }]\n",
        "kind: ClusterRoleBinding\nmetadata: { name: x }\nsubjects: [{ kind: User, name: \"system:serviceaccount:alice-dev:x\" }]\n"
    )]
    #[case::access_review(
        "kind: SubjectAccessReview\nmetadata: { name: x }\nspec:\n  user: system:serviceaccount:dev:pod-inspector\n  resourceAttributes: { namespace: dev, verb: list }\n",
        "kind: SubjectAccessReview\nmetadata: { name: x }\nspec:\n  user: system:serviceaccount:alice-dev:pod-inspector\n  resourceAttributes: { namespace: alice-dev, verb: list }\n"
    )]
    #[case::script_and_comment(
        "# pods in dev\nkind: Pod\nmetadata: { name: p, namespace: dev }\nspec:\n  containers:\n  - name: c\n    args:\n    - |\n      curl /api/v1/namespaces/dev/pods > /dev/null\n",
        "# pods in alice-dev\nkind: Pod\nmetadata: { name: p, namespace: alice-dev }\nspec:\n  containers:\n  - name: c\n    args:\n    - |\n      curl /api/v1/namespaces/alice-dev/pods > /dev/null\n"
    )]
    #[case::owned_cluster_role_renamed_everywhere(
        "kind: ClusterRoleBinding\nmetadata: { name: pod-reader-cluster }\nroleRef: { kind: ClusterRole, name: pod-reader-cluster }\n",
        "kind: ClusterRoleBinding\nmetadata: { name: pod-reader-cluster-s-r1 }\nroleRef: { kind: ClusterRole, name: pod-reader-cluster-s-r1 }\n"
    )]
    fn maps_namespaces_by_structure(#[case] text: &str, #[case] want: &str) {
        assert_eq!(renames().manifest(text).unwrap(), want);
    }

    #[rstest]
    #[case::configmap_named_dev("kind: ConfigMap\nmetadata: { name: dev, namespace: x }\ndata: { dev: \"1\" }\n")]
    #[case::serviceaccount_named_dev(
        "kind: Pod\nmetadata: { name: p }\nspec: { serviceAccountName: dev, containers: [{ name: dev, image: \"org/dev:1\" }] }\n"
    )]
    #[case::quoted_name("kind: Secret\nmetadata: { name: \"dev\" }\n")]
    #[case::words_that_are_not_mentions("kind: ConfigMap\nmetadata: { name: c }\ndata: { a: /dev/null device dev-tools dev.yaml }\n")]
    fn leaves_names_that_are_not_namespaces(#[case] text: &str) {
        assert_eq!(renames().manifest(text).unwrap(), text);
    }
}
