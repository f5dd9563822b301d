//! Field paths checked against a schema: the OpenAPI v3 schema of a Kubernetes kind (fetched from the
//! cluster by `crate::api::schema`) or the built-in schema of ServiceAccount token claims. A path that
//! names a field the kind cannot have is a mistake in the scenario, never an "absent" field: without
//! this, `absent: true` and `not-contains` pass on any misspelling.

use super::path::Segment;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// The `components.schemas` of one OpenAPI v3 document, by name.
pub type Definitions = HashMap<String, Value>;

/// The schema of one kind: its root schema and the definitions its `$ref`s point into.
#[derive(Debug, Clone)]
pub struct KindSchema {
    /// How messages name the kind ("v1 Pod", "ServiceAccount token claims").
    pub label: String,
    root: Value,
    defs: Arc<Definitions>,
}

/// What the field paths of one document are checked against.
#[derive(Debug, Clone)]
pub enum DocSchema {
    Known(Arc<KindSchema>),
    /// Nothing to check against, and why ("the cluster publishes no schema for v1 List").
    Unknown(String),
}

/// Why a path cannot name a field of the kind. `at` is the part of the path that was still valid.
#[derive(Debug, Clone, PartialEq)]
pub enum PathProblem {
    /// `suggestion`: the nearest field if it is close; else `known`: the fields there are, if few.
    NoSuchField {
        at: String,
        field: String,
        suggestion: Option<String>,
        known: Vec<String>,
    },
    NotAnObject {
        at: String,
        field: String,
        is: &'static str,
    },
    NotAList {
        at: String,
        is: &'static str,
    },
}

impl std::fmt::Display for PathProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let place = |at: &str| if at.is_empty() { "at the top".to_string() } else { format!("in `{at}`") };
        match self {
            PathProblem::NoSuchField { at, field, suggestion, known } => {
                write!(f, "no field `{field}` {}", place(at))?;
                match suggestion {
                    Some(s) => write!(f, " (did you mean `{s}`?)"),
                    None if !known.is_empty() => write!(f, " (fields there: {})", known.join(", ")),
                    None => Ok(()),
                }
            }
            PathProblem::NotAnObject { at, field, is } => write!(f, "`{at}` is {is}, it has no field `{field}`"),
            PathProblem::NotAList { at, is } => write!(f, "`{at}` is {is}, not a list (no `[...]` after it)"),
        }
    }
}

/// One schema node, after following `$ref` and single-element `allOf`.
enum Node<'a> {
    /// Anything goes below (x-kubernetes-preserve-unknown-fields, untyped, `additionalProperties: true`).
    Open,
    Object {
        properties: &'a serde_json::Map<String, Value>,
        additional: Option<&'a Value>,
    },
    Map(&'a Value),
    List(&'a Value),
    Scalar(&'static str),
}

impl KindSchema {
    /// `root` is a schema (often `{"$ref": "#/components/schemas/NAME"}`) resolved against `defs`.
    pub fn new(label: impl Into<String>, root: Value, defs: Arc<Definitions>) -> Self {
        KindSchema { label: label.into(), root, defs }
    }

    /// Ok when every segment of `segments` names something the kind can have.
    pub(super) fn check_path(&self, segments: &[Segment]) -> Result<(), PathProblem> {
        let mut node = &self.root;
        let mut at = String::new();
        for seg in segments {
            match (self.classify(node), seg) {
                (Node::Open, _) => return Ok(()),
                (Node::Object { properties, additional }, Segment::Key(k)) => {
                    node = match (properties.get(k), additional) {
                        (Some(p), _) => p,
                        (None, Some(a)) => a,
                        (None, None) => {
                            let suggestion = nearest(k, properties.keys().map(String::as_str));
                            let known = if suggestion.is_none() && properties.len() <= MAX_LISTED {
                                properties.keys().cloned().collect()
                            } else {
                                Vec::new()
                            };
                            return Err(PathProblem::NoSuchField { at, field: k.clone(), suggestion, known });
                        }
                    }
                }
                (Node::Map(values), Segment::Key(_)) => node = values,
                (Node::List(items), Segment::Index(_) | Segment::All) => node = items,
                (Node::List(_), Segment::Key(k)) => return Err(PathProblem::NotAnObject { at, field: k.clone(), is: "a list" }),
                (Node::Scalar(t), Segment::Key(k)) => return Err(PathProblem::NotAnObject { at, field: k.clone(), is: t }),
                (Node::Object { .. } | Node::Map(_), _) => return Err(PathProblem::NotAList { at, is: "an object" }),
                (Node::Scalar(t), _) => return Err(PathProblem::NotAList { at, is: t }),
            }
            at.push_str(&render_segment(seg, at.is_empty()));
        }
        Ok(())
    }

    fn classify<'a>(&'a self, mut s: &'a Value) -> Node<'a> {
        // Bounded: a `$ref` cycle must not hang the harness.
        for _ in 0..64 {
            if let Some(name) = s.get("$ref").and_then(Value::as_str) {
                match self.defs.get(name.rsplit('/').next().unwrap_or(name)) {
                    Some(def) => s = def,
                    None => return Node::Open,
                }
            } else if let Some([one]) = s.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
                s = one;
            } else {
                break;
            }
        }
        if s.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true)) {
            return Node::Open;
        }
        if s.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
            return Node::Scalar("an int-or-string");
        }
        let additional = match s.get("additionalProperties") {
            None | Some(Value::Bool(false)) => None,
            Some(Value::Bool(true)) => return Node::Open,
            Some(a) => Some(a),
        };
        if let Some(properties) = s.get("properties").and_then(Value::as_object) {
            return Node::Object { properties, additional };
        }
        if let Some(values) = additional {
            return Node::Map(values);
        }
        match s.get("type").and_then(Value::as_str) {
            Some("array") => s.get("items").map_or(Node::Open, Node::List),
            Some("string") => Node::Scalar("a string"),
            Some("integer") => Node::Scalar("an integer"),
            Some("number") => Node::Scalar("a number"),
            Some("boolean") => Node::Scalar("a boolean"),
            // `type: object` with no properties (RawExtension) or no type at all: nothing to check.
            _ => Node::Open,
        }
    }
}

/// A segment as written in a path (`first`: without the leading dot).
fn render_segment(seg: &Segment, first: bool) -> String {
    match seg {
        Segment::Key(k) if first => k.replace('.', "\\."),
        Segment::Key(k) => format!(".{}", k.replace('.', "\\.")),
        Segment::Index(i) => format!("[{i}]"),
        Segment::All => "[*]".into(),
    }
}

/// A misspelled field lists the fields there are when there are no more than this many.
const MAX_LISTED: usize = 8;

/// The candidate closest to `wanted` by edit distance (a swap of two letters counts one), if it is
/// close enough to be what was meant: at most a third of the letters differ (at least 2 may).
fn nearest<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let (distance, best) = candidates.map(|c| (strsim::osa_distance(wanted, c), c)).min()?;
    (distance <= (wanted.chars().count() / 3).max(2)).then(|| best.to_string())
}

/// The claims of a ServiceAccount token (bound or legacy), as an OpenAPI-shaped schema.
///
/// From Kubernetes' `pkg/serviceaccount/claims.go` (bound tokens: the registered JWT claims set by
/// `Claims()` plus `privateClaims{Kubernetes kubernetes "kubernetes.io"}` with `namespace`,
/// `serviceaccount`, `pod`, `secret`, `node` as `ref{name, uid}` and `warnafter`) and
/// `pkg/serviceaccount/legacy.go` (`legacyPrivateClaims`, the `kubernetes.io/serviceaccount/...` keys
/// of Secret-based tokens). `aud` is a string or a list (go-jose writes one audience as a string).
pub fn token_claims() -> Arc<KindSchema> {
    static CLAIMS: OnceLock<Arc<KindSchema>> = OnceLock::new();
    CLAIMS
        .get_or_init(|| {
            let string = json!({"type": "string"});
            let date = json!({"type": "integer"});
            let reference = json!({"type": "object", "properties": {"name": string, "uid": string}});
            let root = json!({"type": "object", "properties": {
                "iss": string, "sub": string, "aud": {}, "exp": date, "iat": date, "nbf": date, "jti": string,
                "kubernetes.io": {"type": "object", "properties": {
                    "namespace": string, "serviceaccount": reference, "pod": reference,
                    "secret": reference, "node": reference, "warnafter": date,
                }},
                "kubernetes.io/serviceaccount/namespace": string,
                "kubernetes.io/serviceaccount/secret.name": string,
                "kubernetes.io/serviceaccount/service-account.name": string,
                "kubernetes.io/serviceaccount/service-account.uid": string,
            }});
            Arc::new(KindSchema::new("ServiceAccount token claims", root, Arc::default()))
        })
        .clone()
}

/// Kinds of a real cluster's `/openapi/v3/api/v1` (Kubernetes v1.34.4), trimmed to the definitions
/// the tests reach (`tests/fixtures/openapi/README.md` says how it was made).
#[cfg(test)]
pub(super) fn fixture(kind: &str) -> DocSchema {
    static DEFS: OnceLock<Arc<Definitions>> = OnceLock::new();
    let defs = DEFS.get_or_init(|| {
        let doc: Value = serde_json::from_str(include_str!("../../tests/fixtures/openapi/api-v1.json")).unwrap();
        Arc::new(doc["components"]["schemas"].as_object().unwrap().clone().into_iter().collect())
    });
    let is_kind = |def: &Value| {
        let gvks = def["x-kubernetes-group-version-kind"].as_array().cloned().unwrap_or_default();
        gvks.iter().any(|g| g["group"] == "" && g["version"] == "v1" && g["kind"] == kind)
    };
    let name = defs.iter().find(|(_, def)| is_kind(def)).map(|(n, _)| n.clone()).unwrap();
    let root = json!({ "$ref": format!("#/components/schemas/{name}") });
    DocSchema::Known(Arc::new(KindSchema::new(format!("v1 {kind}"), root, Arc::clone(defs))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A field that is not there and close to nothing: the fields there are listed only when they are few
    /// (at most 8), and no list at all is printed when there is nothing to list.
    #[test]
    fn a_far_misspelling_lists_the_fields_only_when_they_are_few() {
        let object = |n: usize| {
            let props: serde_json::Map<String, serde_json::Value> =
                (0..n).map(|i| (format!("field{i}"), json!({"type": "string"}))).collect();
            KindSchema::new("test Kind", json!({"type": "object", "properties": props}), Default::default())
        };
        let path = [Segment::Key("zzzzzzzzzz".into())];
        let few = object(8).check_path(&path).unwrap_err().to_string();
        assert!(few.starts_with("no field `zzzzzzzzzz` at the top (fields there: field"), "{few}");
        assert_eq!(object(9).check_path(&path).unwrap_err().to_string(), "no field `zzzzzzzzzz` at the top");
        let nothing = PathProblem::NoSuchField { at: "spec".into(), field: "x".into(), suggestion: None, known: vec![] };
        assert_eq!(nothing.to_string(), "no field `x` in `spec`");
    }

    /// Integers and numbers are scalars: a path that goes on below one is a mistake, not an open field
    /// (`exp.seconds` in token claims; a `type: number` field of a custom kind).
    #[test]
    fn a_path_below_an_integer_or_a_number_is_refused() {
        let key = |k: &str| Segment::Key(k.to_string());
        let err = token_claims().check_path(&[key("exp"), key("seconds")]).unwrap_err();
        assert_eq!(err.to_string(), "`exp` is an integer, it has no field `seconds`");
        let widget =
            KindSchema::new("test Widget", json!({"type": "object", "properties": {"ratio": {"type": "number"}}}), Default::default());
        assert_eq!(widget.check_path(&[key("ratio"), key("x")]).unwrap_err().to_string(), "`ratio` is a number, it has no field `x`");
        assert_eq!(widget.check_path(&[key("ratio")]), Ok(()));
    }

    /// Booleans are scalars too, and a long name misspelled in three places still gets its suggestion
    /// (a third of the letters may differ: 15 letters, 3 edits).
    #[test]
    fn booleans_are_scalars_and_long_names_tolerate_a_third_of_their_letters() {
        let key = |k: &str| Segment::Key(k.to_string());
        let pod = KindSchema::new(
            "test Pod",
            json!({"type": "object", "properties": {"automountServiceAccountToken": {"type": "boolean"}, "serviceAccountName": {"type": "string"}}}),
            Default::default(),
        );
        let err = pod.check_path(&[key("automountServiceAccountToken"), key("x")]).unwrap_err();
        assert_eq!(err.to_string(), "`automountServiceAccountToken` is a boolean, it has no field `x`");
        let err = pod.check_path(&[key("srviceAcountNme")]).unwrap_err();
        assert_eq!(err.to_string(), "no field `srviceAcountNme` at the top (did you mean `serviceAccountName`?)");
    }
}
