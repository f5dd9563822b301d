//! Field checks on JSON documents (API objects, response bodies, JWT claims) with a small path
//! language: `spec.containers[0].volumeMounts[*].mountPath`, `\.` for a literal dot in a key.
//! Paths are checked against the document's schema before anything is compared (see
//! [`super::schema`]), and comparisons are typed: `"403"` is not `403`.

use super::number::{Bounds, Expr};
use super::pipe::LookupError;
use super::schema::DocSchema;
use super::Mismatch;
use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

/// One check: `path` plus the conditions that must hold for what is found there.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FieldCheck {
    pub path: String,
    #[serde(default)]
    pub equals: Option<Value>,
    #[serde(default)]
    pub contains: Option<Value>,
    #[serde(default)]
    pub not_contains: Option<Value>,
    #[serde(default)]
    pub matches: Option<String>,
    #[serde(default)]
    pub absent: Option<bool>,
    /// The values found are these, in any order (a set, counting repeats).
    #[serde(default)]
    pub set_equals: Option<Vec<Value>>,
    /// Numeric comparisons (see [`super::number`]); operands are numbers or expressions (`now`, `iat + 600`).
    #[serde(default)]
    pub lt: Option<Value>,
    #[serde(default)]
    pub le: Option<Value>,
    #[serde(default)]
    pub gt: Option<Value>,
    #[serde(default)]
    pub ge: Option<Value>,
    #[serde(default)]
    pub between: Option<[Value; 2]>,
    /// The author vouches for a path no schema can validate (a document whose kind the cluster
    /// publishes no schema for). Without it, a check that would pass on a missing field fails there.
    #[serde(default)]
    pub unchecked_path: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Segment {
    Key(String),
    Index(usize),
    All,
}

pub(super) fn parse_path(path: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut key = String::new();
    let mut chars = path.chars().peekable();
    let flush = |key: &mut String, segments: &mut Vec<Segment>| {
        if !key.is_empty() {
            segments.push(Segment::Key(std::mem::take(key)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'.') => {
                chars.next();
                key.push('.');
            }
            '.' => flush(&mut key, &mut segments),
            '[' => {
                flush(&mut key, &mut segments);
                let mut inner = String::new();
                loop {
                    match chars.next() {
                        Some(']') => break,
                        Some(ch) => inner.push(ch),
                        None => return Err(format!("unclosed `[` in path `{path}`")),
                    }
                }
                if inner == "*" {
                    segments.push(Segment::All);
                } else {
                    let index = inner.parse().map_err(|_| format!("invalid index `[{inner}]` in path `{path}`"))?;
                    segments.push(Segment::Index(index));
                }
            }
            c => key.push(c),
        }
    }
    flush(&mut key, &mut segments);
    if segments.is_empty() {
        return Err("empty path".into());
    }
    Ok(segments)
}

/// Every value at `path` in `doc` (several when the path has `[*]`), decoded by its ` | DECODER`
/// stages (see [`super::pipe`]); nulls are skipped.
pub fn lookup(doc: &Value, path: &str) -> Result<(Vec<Value>, bool), LookupError> {
    super::pipe::resolve(doc, path)
}

fn flatten<'a>(found: &[&'a Value]) -> Vec<&'a Value> {
    found
        .iter()
        .flat_map(|v| match v {
            Value::Array(items) => items.iter().collect::<Vec<_>>(),
            other => vec![*other],
        })
        .collect()
}

fn show(found: &[&Value], multi: bool) -> String {
    match (found, multi) {
        ([], _) => "nothing".into(),
        ([one], false) => one.to_string(),
        (many, _) => Value::Array(many.iter().map(|v| (*v).clone()).collect()).to_string(),
    }
}

fn expected_items(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

impl FieldCheck {
    /// Every condition that does not hold, as a mismatch naming the path; first of all, a path that
    /// names no field of the document's kind (then nothing else is compared).
    pub fn check(&self, doc: &Value, schema: &DocSchema) -> Vec<Mismatch> {
        if let Some(m) = self.path_problem(schema) {
            return vec![m];
        }
        if let Some(m) = self.operand_paths().iter().find_map(|p| known_path_problem(&self.what(), p, schema)) {
            return vec![m];
        }
        let now = super::number::now();
        if super::number::is_expression(&self.path) {
            return match Expr::parse(&self.path) {
                Err(e) => vec![Mismatch::new(self.what(), "a valid expression", e)],
                Ok(expr) => {
                    let got = expr.eval(doc, now);
                    let value = got.as_ref().ok().map(|n| number_value(*n));
                    let mut out = self.bounds().check(&self.what(), got.clone(), doc, now);
                    out.extend(self.evaluate(&value.iter().collect::<Vec<_>>(), false));
                    out
                }
            };
        }
        match lookup(doc, &self.path) {
            Ok((found, multi)) => {
                let found: Vec<&Value> = found.iter().collect();
                let number = match found.as_slice() {
                    [one] if !multi => one.as_f64().ok_or_else(|| format!("{one}, not a number")),
                    [] => Err("nothing".to_string()),
                    many => Err(format!("{} values, not one number", many.len())),
                };
                let mut out = self.bounds().check(&self.what(), number, doc, now);
                out.extend(self.evaluate(&found, multi));
                out
            }
            Err(LookupError::Decode { at, decode, why }) => {
                vec![Mismatch::new(self.what(), format!("{} at `{at}`", decode.expected()), why)]
            }
            Err(LookupError::Path(e)) => vec![Mismatch::new(self.what(), "a valid path", e)],
        }
    }

    fn bounds(&self) -> Bounds {
        Bounds { lt: self.lt.clone(), le: self.le.clone(), gt: self.gt.clone(), ge: self.ge.clone(), between: self.between.clone() }
    }

    /// The paths an arithmetic `path` or a comparison's operands read.
    fn operand_paths(&self) -> Vec<String> {
        let mut paths = self.bounds().paths();
        if super::number::is_expression(&self.path) {
            paths.extend(Expr::parse(&self.path).map(|e| e.paths().into_iter().map(String::from).collect::<Vec<_>>()).unwrap_or_default());
        }
        paths
    }

    /// The path checked against `schema` alone: a field the kind cannot have, or a check that would
    /// pass on a missing field where no schema can tell a misspelling from an absent field.
    pub fn path_problem(&self, schema: &DocSchema) -> Option<Mismatch> {
        if super::number::is_expression(&self.path) {
            return self.operand_paths().iter().find_map(|p| known_path_problem(&self.what(), p, schema));
        }
        let stages = match super::pipe::parse(&self.path) {
            Ok(s) => s,
            Err(e) => return Some(Mismatch::new(self.what(), "a valid path", e)),
        };
        if let Some(m) = known_path_problem(&self.what(), &self.path, schema) {
            return Some(m);
        }
        match schema {
            DocSchema::Unknown(why) if !self.unchecked_path && self.passes_on_nothing(super::pipe::is_multi(&stages)) => {
                Some(Mismatch::new(
                    self.what(),
                    "a path that can be validated (this check passes when nothing is found)",
                    format!("{why}; set `unchecked-path: true` to vouch for the spelling"),
                ))
            }
            _ => None,
        }
    }

    fn what(&self) -> String {
        format!("field `{}`", self.path)
    }

    /// True when finding nothing at all would satisfy every condition (`absent: true`,
    /// `not-contains`, `equals: null` ...): such a check cannot tell a misspelled path from a pass.
    /// A comparison (`lt`, `gt`, `between` ...) fails on nothing ("got nothing"), so a check that has
    /// one cannot pass on a misspelled path.
    fn passes_on_nothing(&self, multi: bool) -> bool {
        self.bounds().is_empty() && self.evaluate(&[], multi).is_empty()
    }

    fn evaluate(&self, found: &[&Value], multi: bool) -> Vec<Mismatch> {
        let what = self.what();
        let actual = show(found, multi);
        let mut out = Vec::new();
        if let Some(absent) = self.absent {
            if absent != found.is_empty() {
                let want = if absent { "absent" } else { "present" };
                out.push(Mismatch::new(&what, want, &actual));
            }
        }
        if let Some(want) = &self.equals {
            let got = if multi {
                Value::Array(found.iter().map(|v| (*v).clone()).collect())
            } else {
                found.first().map(|v| (*v).clone()).unwrap_or(Value::Null)
            };
            if !same_value(want, &got) {
                out.push(Mismatch::new(&what, format!("== {want}{}", type_hint(want, &got)), &actual));
            }
        }
        let items = flatten(found);
        if let Some(want) = &self.contains {
            for w in expected_items(want) {
                if !items.iter().any(|v| same_value(w, v)) {
                    let hint = items.iter().map(|v| type_hint(w, v)).find(|h| !h.is_empty()).unwrap_or_default();
                    out.push(Mismatch::new(&what, format!("to contain {w}{hint}"), &actual));
                }
            }
        }
        if let Some(unwanted) = &self.not_contains {
            for w in expected_items(unwanted) {
                if items.iter().any(|v| same_value(w, v)) {
                    out.push(Mismatch::new(&what, format!("not to contain {w}"), &actual));
                }
            }
        }
        if let Some(want) = &self.set_equals {
            let mut left: Vec<&Value> = items.clone();
            let missing: Vec<&Value> = want.iter().filter(|w| take(&mut left, w).is_none()).collect();
            if !missing.is_empty() || !left.is_empty() {
                out.push(Mismatch::new(
                    &what,
                    format!("the set {} (any order)", Value::Array(want.clone())),
                    set_difference(&actual, &missing, &left),
                ));
            }
        }
        if let Some(pattern) = &self.matches {
            match Regex::new(pattern) {
                Err(e) => out.push(Mismatch::new(&what, "a valid regex", e.to_string())),
                Ok(re) => {
                    let ok = !items.is_empty() && items.iter().all(|v| v.as_str().is_some_and(|s| re.is_match(s)));
                    if !ok {
                        out.push(Mismatch::new(&what, format!("to match /{pattern}/"), &actual));
                    }
                }
            }
        }
        out
    }

    /// Load-time validation: the path parses and at least one condition is given.
    pub fn validate(&self) -> Result<(), String> {
        if super::number::is_expression(&self.path) {
            Expr::parse(&self.path)?;
        } else {
            super::pipe::parse(&self.path)?;
        }
        // What a decoder gives has a schema of its own, known without a cluster: a path after
        // `| base64` or a misspelled claim after `| jwt` is a load error.
        let mut paths = self.operand_paths();
        if !super::number::is_expression(&self.path) {
            paths.push(self.path.clone());
        }
        let no_schema = DocSchema::Unknown(String::new());
        if let Some(m) = paths.iter().filter(|p| p.contains('|')).find_map(|p| known_path_problem(&self.what(), p, &no_schema)) {
            return Err(format!("{}: {}", m.what, m.actual));
        }
        self.bounds().validate()?;
        if let Some(p) = &self.matches {
            Regex::new(p).map_err(|e| format!("invalid regex in `matches`: {e}"))?;
        }
        let any = self.equals.is_some()
            || self.contains.is_some()
            || self.not_contains.is_some()
            || self.matches.is_some()
            || self.absent.is_some()
            || self.set_equals.is_some()
            || !self.bounds().is_empty();
        if any {
            Ok(())
        } else {
            Err(format!(
                "field check on `{}` has no condition (equals, contains, not-contains, matches, absent, set-equals, lt, le, gt, ge or between)",
                self.path
            ))
        }
    }

    /// Load-time validation against a schema known without a cluster (token claims).
    pub fn validate_against(&self, schema: &DocSchema) -> Result<(), String> {
        self.validate()?;
        self.path_problem(schema).map_or(Ok(()), |m| Err(format!("{}: {}", m.what, m.actual)))
    }
}

/// A computed number as JSON: whole numbers as integers, so messages read `600`, not `600.0`.
fn number_value(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map(Value::Number).unwrap_or(Value::Null)
    }
}

/// Removes one item equal to `want` from `items`.
fn take<'a>(items: &mut Vec<&'a Value>, want: &Value) -> Option<&'a Value> {
    let at = items.iter().position(|v| same_value(want, v))?;
    Some(items.remove(at))
}

fn set_difference(actual: &str, missing: &[&Value], extra: &[&Value]) -> String {
    let list = |vs: &[&Value]| Value::Array(vs.iter().map(|v| (*v).clone()).collect()).to_string();
    let mut parts = vec![actual.to_string()];
    if !missing.is_empty() {
        parts.push(format!("missing {}", list(missing)));
    }
    if !extra.is_empty() {
        parts.push(format!("extra {}", list(extra)));
    }
    parts.join("; ")
}

/// A path checked against a known schema (an unknown schema cannot tell); the stages after a
/// decoder against what it decodes to (JWT claims, PEM blocks), whatever the document's schema.
fn known_path_problem(what: &str, path: &str, schema: &DocSchema) -> Option<Mismatch> {
    let stages = match super::pipe::parse(path) {
        Ok(s) => s,
        Err(e) => return Some(Mismatch::new(what, "a valid path", e)),
    };
    let schemas = match super::pipe::stage_schemas(&stages, schema) {
        Ok(s) => s,
        Err(e) => return Some(Mismatch::new(what, "a path into what the decoder gives", e)),
    };
    schemas.iter().find_map(|(segments, schema)| {
        let DocSchema::Known(kind) = schema else { return None };
        kind.check_path(segments).err().map(|problem| Mismatch::new(what, format!("a path of {}", kind.label), problem.to_string()))
    })
}

/// Typed equality: numbers by value (YAML `600` equals JSON `600.0`), everything else by type and
/// value, so the string `"403"` never equals the number `403` nor `"true"` the boolean `true`.
pub fn same_value(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::Number(a), Value::Number(b)) => match (a.as_i64(), b.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => a.as_f64() == b.as_f64(),
        },
        (Value::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_value(x, y)),
        (Value::Object(a), Value::Object(b)) => a.len() == b.len() && a.iter().all(|(k, x)| b.get(k).is_some_and(|y| same_value(x, y))),
        _ => want == got,
    }
}

/// A note when two scalars read the same but differ in type (`"403"` and `403`): the usual cause
/// is quotes in the scenario, and the message should say so.
fn type_hint(want: &Value, got: &Value) -> String {
    fn kind(v: &Value) -> &'static str {
        match v {
            Value::String(_) => "a string",
            Value::Number(_) => "a number",
            Value::Bool(_) => "a boolean",
            _ => "",
        }
    }
    let text = |v: &Value| v.as_str().map(String::from).unwrap_or_else(|| v.to_string());
    let scalars = !kind(want).is_empty() && !kind(got).is_empty();
    if scalars && kind(want) != kind(got) && text(want) == text(got) {
        format!(" ({}, but the field holds {})", kind(want), kind(got))
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema::{fixture, token_claims, KindSchema};
    use super::*;
    use rstest::rstest;
    use serde_json::json;
    use std::sync::Arc;

    const MOUNT: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// A pod as the API server returns it with its token mounted (trimmed).
    fn pod() -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "probe", "labels": {"app": "curl"}, "annotations": {"kubernetes.io/psp": "x"}},
            "spec": {
                "serviceAccountName": "default",
                "terminationGracePeriodSeconds": 600.0,
                "containers": [{"name": "curl", "volumeMounts": [{"name": "kube-api-access-x", "mountPath": MOUNT}]}],
                "volumes": [{"name": "kube-api-access-x", "projected": {"sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}]}}]
            }
        })
    }

    /// The same pod with automount off: no token volume, no mount.
    fn pod_without_token() -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "spec": {"automountServiceAccountToken": false, "containers": [{"name": "nginx"}]}})
    }

    fn check(yaml: &str) -> FieldCheck {
        crate::yaml::from_str(yaml).unwrap()
    }

    fn messages(yaml: &str, doc: &Value, schema: &DocSchema) -> Vec<String> {
        check(yaml).check(doc, schema).iter().map(ToString::to_string).collect()
    }

    #[rstest]
    #[case("{path: spec.serviceAccountName, equals: default}")]
    #[case("{path: 'spec.containers[*].volumeMounts[*].mountPath', contains: /var/run/secrets/kubernetes.io/serviceaccount}")]
    #[case("{path: 'spec.containers[0].name', matches: '^cu'}")]
    #[case("{path: spec.automountServiceAccountToken, absent: true}")]
    #[case("{path: 'spec.containers[*].name', equals: [curl]}")]
    #[case("{path: 'spec.volumes[*].projected.sources[*].serviceAccountToken.expirationSeconds', contains: 3607}")]
    #[case("{path: metadata.labels.app, equals: curl}")]
    #[case("{path: 'metadata.annotations.kubernetes\\.io/psp', equals: x}")]
    #[case("{path: metadata.labels.team, absent: true}")]
    #[case("{path: spec.terminationGracePeriodSeconds, equals: 600}")]
    fn holds_on_a_pod(#[case] yaml: &str) {
        assert_eq!(messages(yaml, &pod(), &fixture("Pod")), Vec::<String>::new());
    }

    #[rstest]
    #[case("{path: 'spec.volumes[*].projected.sources[*].serviceAccountToken', absent: true}")]
    #[case("{path: 'spec.containers[*].volumeMounts[*].mountPath', not-contains: /var/run/secrets/kubernetes.io/serviceaccount}")]
    #[case("{path: spec.serviceAccountName, absent: true}")]
    fn a_valid_path_to_a_missing_field_is_absent(#[case] yaml: &str) {
        assert_eq!(messages(yaml, &pod_without_token(), &fixture("Pod")), Vec::<String>::new());
    }

    #[rstest]
    #[case("{path: spec.serviceAcountName, equals: default}",
           "field `spec.serviceAcountName`: expected a path of v1 Pod, got no field `serviceAcountName` in `spec` (did you mean `serviceAccountName`?)")]
    #[case("{path: 'spec.containers[*].volumeMount[*].mountPath', contains: /var/run/secrets/kubernetes.io/serviceaccount}",
           "field `spec.containers[*].volumeMount[*].mountPath`: expected a path of v1 Pod, got no field `volumeMount` in `spec.containers[*]` (did you mean `volumeMounts`?)")]
    #[case("{path: 'spec.containers[*].volumeMount[*].mountPath', not-contains: /var/run/secrets/kubernetes.io/serviceaccount}",
           "field `spec.containers[*].volumeMount[*].mountPath`: expected a path of v1 Pod, got no field `volumeMount` in `spec.containers[*]` (did you mean `volumeMounts`?)")]
    #[case(
        "{path: 'spec.containers[0].nmae', matches: '^cu'}",
        "field `spec.containers[0].nmae`: expected a path of v1 Pod, got no field `nmae` in `spec.containers[0]` (did you mean `name`?)"
    )]
    #[case("{path: 'spec.volumes[*].projected.sources[*].serviceAcountToken', absent: true}",
           "field `spec.volumes[*].projected.sources[*].serviceAcountToken`: expected a path of v1 Pod, got no field `serviceAcountToken` in `spec.volumes[*].projected.sources[*]` (did you mean `serviceAccountToken`?)")]
    #[case("{path: automountServiceAccountToken, absent: true}",
           "field `automountServiceAccountToken`: expected a path of v1 Pod, got no field `automountServiceAccountToken` at the top (fields there: apiVersion, kind, metadata, spec, status)")]
    #[case(
        "{path: spec.containers.name, equals: curl}",
        "field `spec.containers.name`: expected a path of v1 Pod, got `spec.containers` is a list, it has no field `name`"
    )]
    #[case("{path: 'spec.serviceAccountName[0]', absent: true}",
           "field `spec.serviceAccountName[0]`: expected a path of v1 Pod, got `spec.serviceAccountName` is a string, not a list (no `[...]` after it)")]
    fn a_misspelled_path_fails_naming_the_field_and_the_real_one(#[case] yaml: &str, #[case] message: &str) {
        // On both pods: a negative check must not pass where the field is really missing either.
        for doc in [pod(), pod_without_token()] {
            assert_eq!(messages(yaml, &doc, &fixture("Pod")), vec![message.to_string()]);
        }
    }

    #[rstest]
    #[case(
        "{path: spec.serviceAccountName, equals: pod-inspector}",
        "field `spec.serviceAccountName`: expected == \"pod-inspector\", got \"default\""
    )]
    #[case("{path: 'spec.containers[*].volumeMounts[*].mountPath', not-contains: /var/run/secrets/kubernetes.io/serviceaccount}",
           "field `spec.containers[*].volumeMounts[*].mountPath`: expected not to contain \"/var/run/secrets/kubernetes.io/serviceaccount\", got [\"/var/run/secrets/kubernetes.io/serviceaccount\"]")]
    #[case("{path: 'spec.volumes[*].projected.sources[*].serviceAccountToken', absent: true}",
           "field `spec.volumes[*].projected.sources[*].serviceAccountToken`: expected absent, got [{\"expirationSeconds\":3607,\"path\":\"token\"}]")]
    #[case("{path: spec.nodeName, absent: false}", "field `spec.nodeName`: expected present, got nothing")]
    fn fails_with_expected_and_actual(#[case] yaml: &str, #[case] message: &str) {
        assert_eq!(messages(yaml, &pod(), &fixture("Pod")), vec![message.to_string()]);
    }

    #[rstest]
    #[case("{path: code, equals: '403'}", "field `code`: expected == \"403\" (a string, but the field holds a number), got 403")]
    #[case("{path: code, contains: '403'}", "field `code`: expected to contain \"403\" (a string, but the field holds a number), got 403")]
    #[case(
        "{path: details.retryAfterSeconds, equals: '0'}",
        "field `details.retryAfterSeconds`: expected == \"0\" (a string, but the field holds a number), got 0"
    )]
    #[case("{path: code, equals: 403.5}", "field `code`: expected == 403.5, got 403")]
    fn a_string_never_equals_a_number(#[case] yaml: &str, #[case] message: &str) {
        let status = json!({"apiVersion": "v1", "kind": "Status", "code": 403, "details": {"retryAfterSeconds": 0}});
        assert_eq!(messages(yaml, &status, &fixture("Status")), vec![message.to_string()]);
    }

    #[rstest]
    #[case(json!(600), json!(600.0), true)]
    #[case(json!(600.0), json!(600), true)]
    #[case(json!(403), json!(403), true)]
    #[case(json!("403"), json!(403), false)]
    #[case(json!(403), json!("403"), false)]
    #[case(json!("true"), json!(true), false)]
    #[case(json!(false), json!("false"), false)]
    #[case(json!([[""]]), json!([[""]]), true)]
    #[case(json!(["600"]), json!([600]), false)]
    #[case(json!({"a": 1}), json!({"a": 1.0}), true)]
    #[case(json!({"a": "1"}), json!({"a": 1}), false)]
    #[case(json!(null), json!(null), true)]
    fn comparisons_are_typed(#[case] want: Value, #[case] got: Value, #[case] equal: bool) {
        assert_eq!(same_value(&want, &got), equal, "{want} vs {got}");
    }

    #[test]
    fn a_boolean_string_is_not_a_boolean() {
        let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "automountServiceAccountToken": false});
        assert_eq!(
            messages("{path: automountServiceAccountToken, equals: 'false'}", &sa, &fixture("ServiceAccount")),
            vec!["field `automountServiceAccountToken`: expected == \"false\" (a string, but the field holds a boolean), got false"]
        );
        assert_eq!(messages("{path: automountServiceAccountToken, equals: false}", &sa, &fixture("ServiceAccount")), Vec::<String>::new());
    }

    #[test]
    fn list_items_and_map_fields_are_checked_through() {
        let list = json!({"items": [{"type": "kubernetes.io/service-account-token", "data": {"token": "x"}}]});
        let secrets = fixture("SecretList");
        assert_eq!(
            messages("{path: 'items[*].type', contains: kubernetes.io/service-account-token}", &list, &secrets),
            Vec::<String>::new()
        );
        assert_eq!(messages("{path: 'items[*].data.token', absent: false}", &list, &secrets), Vec::<String>::new());
        assert_eq!(
            messages("{path: 'items[*].typ', not-contains: kubernetes.io/service-account-token}", &list, &secrets),
            vec!["field `items[*].typ`: expected a path of v1 SecretList, got no field `typ` in `items[*]` (did you mean `type`?)"]
        );
    }

    #[test]
    fn below_preserve_unknown_fields_anything_goes() {
        let root = json!({"type": "object", "properties": {
            "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            "status": {"type": "object", "properties": {"phase": {"type": "string"}}}}});
        let schema = DocSchema::Known(Arc::new(KindSchema::new("example.com/v1 Widget", root, Arc::default())));
        let doc = json!({"spec": {"deep": {"er": [1]}}});
        assert_eq!(messages("{path: 'spec.deep.er[*]', contains: 1}", &doc, &schema), Vec::<String>::new());
        assert_eq!(messages("{path: spec.anything, absent: true}", &doc, &schema), Vec::<String>::new());
        assert_eq!(
            messages("{path: status.phse, absent: true}", &doc, &schema),
            vec!["field `status.phse`: expected a path of example.com/v1 Widget, got no field `phse` in `status` (did you mean `phase`?)"]
        );
    }

    #[rstest]
    #[case("{path: 'kubernetes\\.io.namespace', equals: dev}", None)]
    #[case("{path: 'kubernetes\\.io.pod.name', equals: probe}", None)]
    #[case("{path: exp, absent: false}", None)]
    #[case("{path: 'kubernetes\\.io.secret', absent: true}", None)]
    #[case("{path: 'kubernetes\\.io.serviceacount.name', equals: default}",
           Some("field `kubernetes\\.io.serviceacount.name`: expected a path of ServiceAccount token claims, got no field `serviceacount` in `kubernetes\\.io` (did you mean `serviceaccount`?)"))]
    #[case("{path: 'kubernetes\\.io.node.nme', absent: true}",
           Some("field `kubernetes\\.io.node.nme`: expected a path of ServiceAccount token claims, got no field `nme` in `kubernetes\\.io.node` (did you mean `name`?)"))]
    fn token_claims_have_a_built_in_schema(#[case] yaml: &str, #[case] message: Option<&str>) {
        let claims = json!({"sub": "system:serviceaccount:dev:default", "exp": 1, "iat": 0,
            "kubernetes.io": {"namespace": "dev", "pod": {"name": "probe", "uid": "u"}, "serviceaccount": {"name": "default", "uid": "v"}}});
        let schema = DocSchema::Known(token_claims());
        assert_eq!(messages(yaml, &claims, &schema), message.into_iter().map(String::from).collect::<Vec<_>>());
        assert_eq!(check(yaml).validate_against(&schema).is_err(), message.is_some());
    }

    #[rstest]
    #[case("{path: 'items[*].metadata.nme', not-contains: x}", true)]
    #[case("{path: metadata.nme, absent: true}", true)]
    #[case("{path: metadata.nme, equals: null}", true)]
    #[case("{path: metadata.nme, absent: true, unchecked-path: true}", false)]
    #[case("{path: 'items[*].metadata.name', contains: x}", false)]
    #[case("{path: metadata.name, absent: false}", false)]
    #[case("{path: status.expirationTimestmp, lt: 5}", false)]
    #[case("{path: status.expirationTimestmp, between: [1, 5]}", false)]
    #[case("{path: status.expirationTimestmp, lt: 5, absent: true}", false)]
    fn without_a_schema_only_checks_that_pass_on_nothing_are_refused(#[case] yaml: &str, #[case] refused: bool) {
        let why = DocSchema::Unknown("an empty v1 List has no item kind to find a schema by".into());
        let problem = check(yaml).path_problem(&why);
        assert_eq!(problem.is_some(), refused, "{problem:?}");
        if let Some(m) = problem {
            assert_eq!(
                m.to_string(),
                format!("field `{}`: expected a path that can be validated (this check passes when nothing is found), got an empty v1 List has no item kind to find a schema by; set `unchecked-path: true` to vouch for the spelling", check(yaml).path)
            );
        }
    }

    /// The other direction of the rule above: a comparison accepted on a schema-less document still
    /// fails when the path finds nothing (a misspelling) and holds only on a number that satisfies it.
    #[test]
    fn a_comparison_without_a_schema_fails_on_a_misspelled_path() {
        let unknown = DocSchema::Unknown("no schema in this test".into());
        let doc = json!({"status": {"expirationSeconds": 3}});
        assert_eq!(messages("{path: status.expirationSeconds, lt: 5}", &doc, &unknown), Vec::<String>::new());
        assert_eq!(
            messages("{path: status.expirationSeconds, gt: 5}", &doc, &unknown),
            ["field `status.expirationSeconds`: expected > 5, got 3"]
        );
        assert_eq!(
            messages("{path: status.expirationSecnds, lt: 5}", &doc, &unknown),
            ["field `status.expirationSecnds`: expected < 5, got nothing"]
        );
    }

    #[rstest]
    #[case("{path: spec}", "has no condition")]
    #[case("{path: 'a[x]', absent: true}", "invalid index")]
    #[case("{path: 'a[0', absent: true}", "unclosed")]
    #[case("{path: a, matches: '('}", "invalid regex")]
    fn validation_names_the_problem(#[case] yaml: &str, #[case] fragment: &str) {
        let err = check(yaml).validate().unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }

    #[test]
    fn set_equality_ignores_order_and_fails_on_a_missing_or_an_extra_item() {
        let doc = json!({"groups": ["system:serviceaccounts", "system:serviceaccounts:dev", "system:authenticated"]});
        let unknown = DocSchema::Unknown("test".into());
        let same = "{path: 'groups', set-equals: [system:authenticated, system:serviceaccounts:dev, system:serviceaccounts]}";
        assert_eq!(messages(same, &doc, &unknown), Vec::<String>::new());
        let missing = messages(
            "{path: 'groups', set-equals: [system:authenticated, system:serviceaccounts:prod, system:serviceaccounts]}",
            &doc,
            &unknown,
        );
        assert_eq!(missing.len(), 1);
        assert!(missing[0].ends_with(r#"missing ["system:serviceaccounts:prod"]; extra ["system:serviceaccounts:dev"]"#), "{missing:?}");
        let fewer = messages("{path: 'groups', set-equals: [system:authenticated]}", &doc, &unknown);
        assert!(fewer[0].contains("extra ["), "{fewer:?}");
    }

    #[test]
    fn arithmetic_on_claims_is_checked_against_the_claims_schema() {
        let claims = DocSchema::Known(token_claims());
        let doc = json!({"iat": 1000, "exp": 1600});
        assert_eq!(messages("{path: exp - iat, equals: 600}", &doc, &claims), Vec::<String>::new());
        assert_eq!(messages("{path: exp - iat, between: [600, 600]}", &doc, &claims), Vec::<String>::new());
        assert_eq!(messages("{path: exp - iat, equals: 3600}", &doc, &claims), ["field `exp - iat`: expected == 3600, got 600"]);
        assert_eq!(messages("{path: exp - iat, gt: 600}", &doc, &claims), ["field `exp - iat`: expected > 600, got 600"]);
        let misspelled = messages("{path: exp - iatt, equals: 600}", &doc, &claims);
        assert!(misspelled[0].contains("no field `iatt`"), "{misspelled:?}");
        assert!(check("{path: exp - iat}").validate().unwrap_err().contains("has no condition"));
    }
}
