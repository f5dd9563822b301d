//! Field checks on JSON documents (API objects, response bodies, JWT claims) with a small path
//! language: `spec.containers[0].volumeMounts[*].mountPath`, `\.` for a literal dot in a key.

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
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Key(String),
    Index(usize),
    All,
}

fn parse_path(path: &str) -> Result<Vec<Segment>, String> {
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
                    let index = inner
                        .parse()
                        .map_err(|_| format!("invalid index `[{inner}]` in path `{path}`"))?;
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

/// Every value at `path` in `doc` (several when the path has `[*]`); nulls are skipped.
pub fn lookup<'a>(doc: &'a Value, path: &str) -> Result<(Vec<&'a Value>, bool), String> {
    let segments = parse_path(path)?;
    let multi = segments.contains(&Segment::All);
    let mut current = vec![doc];
    for seg in &segments {
        let mut next = Vec::new();
        for v in current {
            match (seg, v) {
                (Segment::Key(k), Value::Object(map)) => next.extend(map.get(k)),
                (Segment::Index(i), Value::Array(items)) => next.extend(items.get(*i)),
                (Segment::All, Value::Array(items)) => next.extend(items.iter()),
                _ => {}
            }
        }
        current = next;
    }
    current.retain(|v| !v.is_null());
    Ok((current, multi))
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
    /// Every condition that does not hold, as a mismatch naming the path.
    pub fn check(&self, doc: &Value) -> Vec<Mismatch> {
        let what = format!("field `{}`", self.path);
        let (found, multi) = match lookup(doc, &self.path) {
            Ok(found) => found,
            Err(e) => return vec![Mismatch::new(what, "a valid path", e)],
        };
        let actual = show(&found, multi);
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
            if !loosely_equal(want, &got) {
                out.push(Mismatch::new(&what, format!("== {want}"), &actual));
            }
        }
        let items = flatten(&found);
        if let Some(want) = &self.contains {
            for w in expected_items(want) {
                if !items.iter().any(|v| loosely_equal(w, v)) {
                    out.push(Mismatch::new(&what, format!("to contain {w}"), &actual));
                }
            }
        }
        if let Some(unwanted) = &self.not_contains {
            for w in expected_items(unwanted) {
                if items.iter().any(|v| loosely_equal(w, v)) {
                    out.push(Mismatch::new(&what, format!("not to contain {w}"), &actual));
                }
            }
        }
        if let Some(pattern) = &self.matches {
            match Regex::new(pattern) {
                Err(e) => out.push(Mismatch::new(&what, "a valid regex", e.to_string())),
                Ok(re) => {
                    let ok = !items.is_empty()
                        && items.iter().all(|v| v.as_str().is_some_and(|s| re.is_match(s)));
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
        parse_path(&self.path)?;
        if let Some(p) = &self.matches {
            Regex::new(p).map_err(|e| format!("invalid regex in `matches`: {e}"))?;
        }
        let any = self.equals.is_some()
            || self.contains.is_some()
            || self.not_contains.is_some()
            || self.matches.is_some()
            || self.absent.is_some();
        if any {
            Ok(())
        } else {
            Err(format!(
                "field check on `{}` has no condition (equals, contains, not-contains, matches or absent)",
                self.path
            ))
        }
    }
}

/// YAML `600` and JSON `600.0`, or `"0"` and `0`, compare equal: scenario authors write scalars.
fn loosely_equal(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::String(a), Value::Number(b)) | (Value::Number(b), Value::String(a)) => *a == b.to_string(),
        (Value::String(a), Value::Bool(b)) | (Value::Bool(b), Value::String(a)) => *a == b.to_string(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| loosely_equal(x, y))
        }
        _ => want == got,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn pod() -> Value {
        json!({
            "spec": {
                "serviceAccountName": "default",
                "containers": [{"name": "curl", "volumeMounts": [
                    {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]}]
            },
            "claims": {"kubernetes.io": {"namespace": "dev"}}
        })
    }

    fn check(yaml: &str) -> FieldCheck {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[rstest]
    #[case("{path: spec.serviceAccountName, equals: default}")]
    #[case("{path: 'spec.containers[*].volumeMounts[*].mountPath', contains: /var/run/secrets/kubernetes.io/serviceaccount}")]
    #[case("{path: 'spec.containers[0].name', matches: '^cu'}")]
    #[case("{path: spec.automountServiceAccountToken, absent: true}")]
    #[case("{path: 'claims.kubernetes\\.io.namespace', equals: dev}")]
    #[case("{path: 'spec.containers[*].name', equals: [curl]}")]
    fn holds(#[case] yaml: &str) {
        assert_eq!(check(yaml).check(&pod()), vec![]);
    }

    #[rstest]
    #[case("{path: spec.serviceAccountName, equals: pod-inspector}", "field `spec.serviceAccountName`: expected == \"pod-inspector\", got \"default\"")]
    #[case("{path: 'spec.containers[*].volumeMounts[*].mountPath', not-contains: /var/run/secrets/kubernetes.io/serviceaccount}",
           "field `spec.containers[*].volumeMounts[*].mountPath`: expected not to contain \"/var/run/secrets/kubernetes.io/serviceaccount\", got [\"/var/run/secrets/kubernetes.io/serviceaccount\"]")]
    #[case("{path: spec.nodeName, absent: false}", "field `spec.nodeName`: expected present, got nothing")]
    fn fails_with_expected_and_actual(#[case] yaml: &str, #[case] message: &str) {
        let mismatches = check(yaml).check(&pod());
        assert_eq!(mismatches.len(), 1);
        assert_eq!(mismatches[0].to_string(), message);
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
}
