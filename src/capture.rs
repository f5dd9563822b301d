//! Captured values: a step saves parts of what it saw under a name (`capture: { uid: json.metadata.uid }`)
//! and later steps, and the manifests they apply, use them as `${uid}`. A scenario is loaded before it
//! runs, so a reference to a captured value stays a placeholder ([`placeholder`]) until the step that
//! uses it starts; then the step is built again from its YAML with the value put into the parsed
//! strings (never into YAML text, so a value with quotes or line breaks cannot change the step's shape).
//! Values that are credentials, or that the scenario marks `secret: true`, are registered with the
//! redactor, so they never appear in any output.

use crate::check::{lookup, LookupError, Mismatch};
use crate::yaml::{Node, Pos, Value as YamlValue};
use regex::Regex;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// A capture name: like a variable name.
static NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z][a-z0-9_]*$").expect("static regex"));
/// How a captured reference stands in a loaded step until its value exists: a plain YAML word in both
/// block and flow style.
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"__sa_capture_([a-z][a-z0-9_]*)__").expect("static regex"));

/// The placeholder a reference to the captured value `name` is loaded as.
pub fn placeholder(name: &str) -> String {
    format!("__sa_capture_{name}__")
}

/// Whether a loaded text begins with a captured value's placeholder: what it begins with is known
/// only when the step is built again with the value, so load-time checks on its start wait until then.
pub fn starts_with_placeholder(text: &str) -> bool {
    PLACEHOLDER.find(text).is_some_and(|m| m.start() == 0)
}

/// Whether a loaded text is exactly one captured value's placeholder.
pub fn is_placeholder(text: &str) -> bool {
    PLACEHOLDER.find(text).is_some_and(|m| m.start() == 0 && m.end() == text.len())
}

/// The captured names a loaded text refers to (through placeholders), in order of appearance.
pub fn referenced(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in PLACEHOLDER.captures_iter(text) {
        if !out.iter().any(|n| n == &c[1]) {
            out.push(c[1].to_string());
        }
    }
    out
}

/// One `capture:` entry of a step: `NAME: PATH`, where PATH is a field path into what the step saw
/// (see [`seen`] for each kind's document).
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureSpec {
    pub name: String,
    pub path: String,
    /// Marked `secret: true`: redacted everywhere, whatever the value looks like.
    pub secret: bool,
}

/// One `capture:` value as written: `PATH`, or `{ from: PATH, secret: true }` for a value the
/// scenario says is secret (a password read from a ConfigMap, an exec's stdout).
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureEntry {
    pub from: String,
    /// `None` in the short form; the map form's `secret:` as written.
    pub secret: Option<bool>,
}

impl From<&str> for CaptureEntry {
    fn from(path: &str) -> Self {
        CaptureEntry { from: path.to_string(), secret: None }
    }
}

impl<'de> Deserialize<'de> for CaptureEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Marked {
            from: String,
            secret: bool,
        }
        struct Entry;
        impl<'de> Visitor<'de> for Entry {
            type Value = CaptureEntry;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a field path, or `{ from: PATH, secret: true }`")
            }
            fn visit_str<E: de::Error>(self, path: &str) -> Result<CaptureEntry, E> {
                Ok(path.into())
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<CaptureEntry, A::Error> {
                let m = Marked::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(CaptureEntry { from: m.from, secret: Some(m.secret) })
            }
        }
        d.deserialize_any(Entry)
    }
}

/// The shortest value a `secret: true` capture may have: a shorter one could not be replaced without
/// hiding ordinary words in every report (the redactor ignores it), so it fails the capture instead.
pub const SHORTEST_SECRET: usize = 8;

/// The `capture:` map of a step, checked: names like variables, paths that parse, a first segment the
/// step kind produces (`kind_roots`), and the map form only to mark a secret (one way to say each thing).
pub fn specs(map: &BTreeMap<String, CaptureEntry>, kind: &str) -> Result<Vec<CaptureSpec>, String> {
    let roots = seen_roots(kind);
    if roots.is_empty() && !map.is_empty() {
        return Err(format!("a {kind} step has nothing to capture (capture from exec, kubectl, http-from-pod, token or assert)"));
    }
    let mut out = Vec::new();
    for (name, entry) in map {
        let path = &entry.from;
        if entry.secret == Some(false) {
            return Err(format!("capture `{name}`: `secret: false` says nothing; write `{name}: {path}` for a value that is not secret"));
        }
        if !NAME.is_match(name) {
            return Err(format!("capture name `{name}` must be lower-case letters, digits and '_', starting with a letter"));
        }
        lookup(&Value::Null, path).map_err(|e| format!("capture `{name}`: {e}"))?;
        crate::check::pipe::check_decoded(path).map_err(|e| format!("capture `{name}`: `{path}`: {e}"))?;
        let root = path.split(['.', '[', '|']).next().unwrap_or_default().trim();
        if !roots.contains(&root) {
            return Err(format!("capture `{name}`: a {kind} step captures from {}, not `{root}`", roots.join(", ")));
        }
        out.push(CaptureSpec { name: name.clone(), path: path.clone(), secret: entry.secret == Some(true) });
    }
    Ok(out)
}

/// The first path segments a step kind's [`seen`] document has.
pub fn seen_roots(kind: &str) -> &'static [&'static str] {
    match kind {
        "exec" | "kubectl" => &["stdout", "stderr", "exit", "json"],
        "http-from-pod" => &["status", "body"],
        "token" => &["token", "claims", "response"],
        "assert" => &["object"],
        _ => &[],
    }
}

/// What an exec or kubectl step saw: `stdout`, `stderr` (trimmed), `exit`, and `json` (stdout parsed as
/// JSON, when it is JSON).
pub fn seen_process(code: i32, stdout: &str, stderr: &str) -> Value {
    let mut doc = serde_json::json!({ "stdout": stdout.trim_end(), "stderr": stderr.trim_end(), "exit": code });
    if let Ok(json) = serde_json::from_str::<Value>(stdout) {
        doc["json"] = json;
    }
    doc
}

/// What an http-from-pod step saw: `status` and `body` (parsed as JSON when it is JSON, else the text).
pub fn seen_http(status: Option<u16>, body: &str) -> Value {
    let body = serde_json::from_str::<Value>(body).unwrap_or_else(|_| Value::String(body.to_string()));
    serde_json::json!({ "status": status, "body": body })
}

/// A value a step captured, and whether it is a credential (then it is redacted everywhere).
#[derive(Debug, Clone, PartialEq)]
pub struct Captured {
    pub value: Value,
    pub secret: bool,
    /// The step that captured it (1-based), for messages.
    pub step: usize,
}

impl Captured {
    /// The value as text: a string as it is, anything else as JSON.
    pub fn text(&self) -> String {
        text_of(&self.value)
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The values captured so far in one scenario run.
#[derive(Debug, Default)]
pub struct Captures {
    values: BTreeMap<String, Captured>,
}

impl Captures {
    pub fn get(&self, name: &str) -> Option<&Captured> {
        self.values.get(name)
    }

    /// Takes every capture of a step from what it saw. A path that finds nothing is a mismatch (the
    /// step fails: a later step would otherwise run with no value); the notes say what was captured,
    /// with credentials shown redacted.
    pub fn record(&mut self, step: usize, specs: &[CaptureSpec], seen: &Value) -> (Vec<String>, Vec<Mismatch>) {
        let (mut notes, mut mismatches) = (Vec::new(), Vec::new());
        for spec in specs {
            let value = match lookup(seen, &spec.path) {
                Ok((found, false)) if !found.is_empty() => found[0].clone(),
                Ok((found, true)) if !found.is_empty() => Value::Array(found),
                Ok(_) => {
                    let keys = seen.as_object().map(|m| m.keys().cloned().collect::<Vec<_>>().join(", ")).unwrap_or_default();
                    mismatches.push(Mismatch::new(
                        format!("capture `{}`", spec.name),
                        format!("a value at `{}`", spec.path),
                        format!("nothing there (the step saw: {keys})"),
                    ));
                    continue;
                }
                Err(LookupError::Decode { at, decode, why }) => {
                    mismatches.push(Mismatch::new(format!("capture `{}`", spec.name), format!("{} at `{at}`", decode.expected()), why));
                    continue;
                }
                Err(e) => {
                    mismatches.push(Mismatch::new(format!("capture `{}`", spec.name), "a valid path", e));
                    continue;
                }
            };
            if spec.secret && text_of(&value).trim().len() < SHORTEST_SECRET {
                mismatches.push(Mismatch::new(
                    format!("capture `{}`", spec.name),
                    format!("a secret of at least {SHORTEST_SECRET} characters at `{}` (a shorter one cannot be redacted)", spec.path),
                    format!("{} characters", text_of(&value).trim().chars().count()),
                ));
                continue;
            }
            let secret = spec.secret || is_credential(&spec.path, &value, seen);
            if secret {
                crate::secrets::register_secret(&text_of(&value));
            }
            let shown = if secret { crate::secrets::REDACTED.to_string() } else { crate::check::excerpt(&text_of(&value), 200) };
            notes.push(format!("captured `{}` = {shown} (from `{}`)", spec.name, spec.path));
            self.values.insert(spec.name.clone(), Captured { value, secret, step });
        }
        (notes, mismatches)
    }

    /// Puts captured values into a step's parsed YAML: a string that is exactly one placeholder
    /// becomes the value with its type (a number stays a number); a placeholder inside a longer string
    /// becomes the value's text. A reference to a value that was never captured is an error.
    pub fn interpolate(&self, node: &mut Node) -> Result<(), String> {
        match &mut node.value {
            YamlValue::Scalar { text, plain, .. } => {
                if let Some(c) = PLACEHOLDER.captures(text).filter(|c| c[0].len() == text.len()) {
                    let found = self.lookup(&c[1])?;
                    *node = json_node(node.pos, &found.value);
                    return Ok(());
                }
                if PLACEHOLDER.is_match(text) {
                    *text = self.replace(text, &PLACEHOLDER)?;
                    *plain = false;
                }
                Ok(())
            }
            YamlValue::Seq(items) => items.iter_mut().try_for_each(|i| self.interpolate(i)),
            YamlValue::Map(entries) => entries.iter_mut().try_for_each(|(_, v)| self.interpolate(v)),
        }
    }

    /// Puts captured values into manifest text read from a file (each placeholder becomes the value's
    /// text).
    pub fn fill(&self, text: &str) -> Result<String, String> {
        self.replace(text, &PLACEHOLDER)
    }

    fn replace(&self, s: &str, re: &Regex) -> Result<String, String> {
        let mut err = None;
        let out = re.replace_all(s, |c: &regex::Captures<'_>| match self.lookup(&c[1]) {
            Ok(found) => found.text(),
            Err(e) => {
                err.get_or_insert(e);
                c[0].to_string()
            }
        });
        match err {
            Some(e) => Err(e),
            None => Ok(out.into_owned()),
        }
    }

    fn lookup(&self, name: &str) -> Result<&Captured, String> {
        self.values.get(name).ok_or_else(|| format!("`${{{name}}}` has no value: the step that captures it failed or did not run"))
    }
}

/// A captured value is a credential when it is a token step's `token`, a value from a Secret's
/// `data`/`stringData`, or when it (or its base64 decoding) is a JWT.
fn is_credential(path: &str, value: &Value, seen: &Value) -> bool {
    let root = path.split(['.', '[', '|']).next().unwrap_or_default().trim();
    if root == "token" {
        return true;
    }
    let secret_object = seen["object"]["kind"] == "Secret" || seen["json"]["kind"] == "Secret" || seen["body"]["kind"] == "Secret";
    // Claims or PEM blocks decoded from a Secret's value describe the credential; they are not it.
    let described = path.split('|').skip(1).any(|stage| matches!(stage.trim(), "jwt" | "pem"));
    if secret_object && !described && (path.contains(".data") || path.contains(".stringData")) {
        return true;
    }
    let text = text_of(value);
    looks_like_jwt(&text) || crate::check::decode::base64_text(&text).is_some_and(|d| looks_like_jwt(&d))
}

fn looks_like_jwt(s: &str) -> bool {
    let s = s.trim();
    s.starts_with("eyJ") && s.split('.').count() == 3 && s.len() > 40
}

/// A captured JSON value as a YAML node at `pos`: a string stays a string (quoted), numbers, booleans
/// and null keep their type, lists and objects their shape.
fn json_node(pos: Pos, v: &Value) -> Node {
    let scalar = |text: String, plain: bool| Node { pos, value: YamlValue::Scalar { text, plain, tag: None } };
    match v {
        Value::String(s) => scalar(s.clone(), false),
        Value::Null => scalar("null".into(), true),
        Value::Bool(b) => scalar(b.to_string(), true),
        Value::Number(n) => scalar(n.to_string(), true),
        Value::Array(items) => Node { pos, value: YamlValue::Seq(items.iter().map(|i| json_node(pos, i)).collect()) },
        Value::Object(map) => {
            Node { pos, value: YamlValue::Map(map.iter().map(|(k, v)| (scalar(k.clone(), false), json_node(pos, v))).collect()) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The short form of every entry (`NAME: PATH`).
    fn specs(map: &BTreeMap<String, String>, kind: &str) -> Result<Vec<CaptureSpec>, String> {
        super::specs(&map.iter().map(|(k, v)| (k.clone(), CaptureEntry::from(v.as_str()))).collect(), kind)
    }

    fn marked(name: &str, path: &str, secret: bool) -> Result<Vec<CaptureSpec>, String> {
        super::specs(&[(name.to_string(), CaptureEntry { from: path.into(), secret: Some(secret) })].into(), "exec")
    }

    #[test]
    fn a_value_marked_secret_is_redacted_whatever_it_looks_like() {
        let mut c = Captures::default();
        let (notes, m) = c.record(1, &marked("pw", "stdout", true).unwrap(), &seen_process(0, "plain-words-0461\n", ""));
        assert!(m.is_empty(), "{m:?}");
        assert!(c.get("pw").unwrap().secret);
        assert_eq!(notes, ["captured `pw` = <redacted> (from `stdout`)"]);
        // Registered with the redactor (which `report::redact` reads; `capture` may not import it).
        assert!(crate::secrets::LEARNED.read().unwrap().iter().any(|l| l == "plain-words-0461"));
        let (notes, _) = Captures::default().record(
            1,
            &specs(&[("pw".into(), "stdout".into())].into(), "exec").unwrap(),
            &seen_process(0, "plain-words-0462", ""),
        );
        assert_eq!(notes, ["captured `pw` = plain-words-0462 (from `stdout`)"], "unmarked, the same kind of value is shown");
    }

    #[test]
    fn a_secret_too_short_to_redact_fails_the_capture_without_showing_it() {
        let mut c = Captures::default();
        let (notes, m) = c.record(1, &marked("pw", "stdout", true).unwrap(), &seen_process(0, "hunter2\n", ""));
        assert!(notes.is_empty() && c.get("pw").is_none());
        assert_eq!(
            m[0].to_string(),
            "capture `pw`: expected a secret of at least 8 characters at `stdout` (a shorter one cannot be redacted), got 7 characters"
        );
    }

    #[test]
    fn the_map_form_is_only_for_secrets_and_reads_both_ways() {
        assert_eq!(
            marked("pw", "stdout", false).unwrap_err(),
            "capture `pw`: `secret: false` says nothing; write `pw: stdout` for a value that is not secret"
        );
        let parse = |t: &str| {
            crate::yaml::from_node::<BTreeMap<String, CaptureEntry>>(&crate::yaml::parse_one(t).unwrap()).map_err(|e| e.to_string())
        };
        assert_eq!(
            parse("{ a: stdout, b: { from: json.x, secret: true } }").unwrap(),
            [("a".to_string(), "stdout".into()), ("b".to_string(), CaptureEntry { from: "json.x".into(), secret: Some(true) })].into()
        );
        assert!(
            parse("{ b: { from: json.x, secrt: true } }").unwrap_err().contains("unknown field `secrt`"),
            "{:?}",
            parse("{ b: { from: json.x, secrt: true } }")
        );
        assert!(parse("{ b: { secret: true } }").unwrap_err().contains("missing field `from`"));
        assert!(parse("{ b: [stdout] }").unwrap_err().contains("a field path, or `{ from: PATH, secret: true }`"));
    }

    fn store() -> Captures {
        let mut c = Captures::default();
        let seen = seen_process(0, "{\"metadata\":{\"uid\":\"u-1\"},\"spec\":{\"replicas\":3}}\n", "");
        let specs =
            specs(&[("uid".to_string(), "json.metadata.uid".to_string()), ("n".into(), "json.spec.replicas".into())].into(), "kubectl")
                .unwrap();
        let (notes, mismatches) = c.record(2, &specs, &seen);
        assert!(mismatches.is_empty(), "{mismatches:?}");
        assert_eq!(notes[1], "captured `uid` = u-1 (from `json.metadata.uid`)");
        c
    }

    #[test]
    fn a_whole_placeholder_keeps_the_type_and_an_embedded_one_becomes_text() {
        let c = store();
        let mut v = crate::yaml::parse_one(&format!(
            "{{ equals: {}, says: 'uid is {} of {}' }}",
            placeholder("n"),
            placeholder("uid"),
            placeholder("n")
        ))
        .unwrap();
        c.interpolate(&mut v).unwrap();
        let v: Value = crate::yaml::from_node(&v).unwrap();
        assert_eq!(v["equals"], Value::from(3));
        assert_eq!(v["says"], Value::from("uid is u-1 of 3"));
    }

    #[test]
    fn a_value_with_yaml_syntax_cannot_change_the_steps_shape() {
        let mut c = Captures::default();
        c.record(1, &specs(&[("x".to_string(), "stdout".to_string())].into(), "exec").unwrap(), &seen_process(0, "a: b\n- c", ""));
        let mut v = crate::yaml::parse_one(&format!("{{ k: {} }}", placeholder("x"))).unwrap();
        c.interpolate(&mut v).unwrap();
        let v: Value = crate::yaml::from_node(&v).unwrap();
        assert_eq!(v["k"], Value::from("a: b\n- c"));
    }

    #[test]
    fn a_reference_without_a_value_is_an_error_naming_it() {
        let mut v = crate::yaml::parse_one(&placeholder("missing")).unwrap();
        let e = Captures::default().interpolate(&mut v).unwrap_err();
        assert_eq!(e, "`${missing}` has no value: the step that captures it failed or did not run");
    }

    #[test]
    fn a_path_that_finds_nothing_fails_the_capture() {
        let mut c = Captures::default();
        let (_, m) = c.record(
            1,
            &specs(&[("u".to_string(), "json.metadata.uid".to_string())].into(), "kubectl").unwrap(),
            &seen_process(0, "x", ""),
        );
        assert_eq!(
            m[0].to_string(),
            "capture `u`: expected a value at `json.metadata.uid`, got nothing there (the step saw: exit, stderr, stdout)"
        );
        assert!(c.get("u").is_none());
    }

    #[test]
    fn tokens_are_credentials_and_uids_are_not() {
        let jwt = format!("eyJhbGciOiJSUzI1NiJ9.{}.sig", "eyJzdWIiOiJ4In0".repeat(3));
        let mut c = Captures::default();
        let seen = json!({"token": jwt, "claims": {"sub": "system:serviceaccount:dev:x"}});
        let s = specs(&[("t".to_string(), "token".to_string()), ("sub".into(), "claims.sub".into())].into(), "token").unwrap();
        let (notes, _) = c.record(1, &s, &seen);
        assert!(c.get("t").unwrap().secret && !c.get("sub").unwrap().secret);
        assert!(notes.iter().all(|n| !n.contains(&jwt)), "{notes:?}");
    }

    #[test]
    fn capture_names_and_roots_are_checked_at_load() {
        let bad = |name: &str, path: &str, kind: &str| specs(&[(name.to_string(), path.to_string())].into(), kind).unwrap_err();
        assert_eq!(bad("Uid", "stdout", "exec"), "capture name `Uid` must be lower-case letters, digits and '_', starting with a letter");
        assert_eq!(
            bad("uid", "object.metadata.uid", "exec"),
            "capture `uid`: a exec step captures from stdout, stderr, exit, json, not `object`"
        );
        assert!(specs(&[("u".to_string(), "response.body.status.user.uid".to_string())].into(), "token").is_ok());
        assert!(bad("x", "stdout", "apply").starts_with("a apply step has nothing to capture"));
        assert_eq!(
            bad("sub", "stdout | jwt | subb", "exec"),
            "capture `sub`: `stdout | jwt | subb`: no field `subb` at the top (did you mean `sub`?)"
        );
    }

    #[test]
    fn manifest_text_gets_values() {
        let c = store();
        assert_eq!(c.fill(&format!("uid: {}\nshell: ${{OTHER}}\n", placeholder("uid"))).unwrap(), "uid: u-1\nshell: ${OTHER}\n");
    }

    #[test]
    fn a_secret_value_decoded_is_a_credential_and_its_claims_are_not() {
        use base64::Engine;
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"sub":"system:serviceaccount:dev:build-robot"}"#);
        let jwt = format!("eyJhbGciOiJSUzI1NiJ9.{claims}.{}", "c2ln".repeat(10));
        let data = base64::engine::general_purpose::STANDARD.encode(&jwt);
        let seen = seen_process(0, &json!({"kind": "Secret", "data": {"token": data, "namespace": "ZGV2"}}).to_string(), "");
        let s = specs(
            &[
                ("t".to_string(), "json.data.token | base64".to_string()),
                ("sub".into(), "json.data.token | base64 | jwt | sub".into()),
                ("ns".into(), "json.data.namespace|base64".into()),
            ]
            .into(),
            "kubectl",
        )
        .unwrap();
        let mut c = Captures::default();
        let (notes, m) = c.record(1, &s, &seen);
        assert!(m.is_empty(), "{m:?}");
        assert_eq!(c.get("t").unwrap().value, json!(jwt));
        assert!(c.get("t").unwrap().secret && c.get("ns").unwrap().secret && !c.get("sub").unwrap().secret);
        assert!(notes
            .contains(&"captured `sub` = system:serviceaccount:dev:build-robot (from `json.data.token | base64 | jwt | sub`)".to_string()));
        let bad = specs(&[("x".to_string(), "stdout | jwt | sub".to_string())].into(), "exec").unwrap();
        let (_, m) = Captures::default().record(1, &bad, &seen_process(0, "not a token\n", ""));
        assert_eq!(m[0].to_string(), "capture `x`: expected a JWT at `stdout`, got not a JWT: 1 dot-separated parts instead of 3");
    }
}
