//! Field checks on JSON documents (API objects, response bodies, JWT claims) with a small path
//! language: `spec.containers[0].volumeMounts[*].mountPath`, `\.` for a literal dot in a key.
//! Paths are checked against the document's schema before anything is compared (see
//! [`super::schema`]), and comparisons are typed: `"403"` is not `403`.

use super::number::{Bounds, Expr};
use super::pipe::{lookup, LookupError};
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
mod tests;
