//! Manifests as Kubernetes reads them. kubectl and the API server turn YAML into JSON with
//! sigs.k8s.io/yaml (`YAMLToJSON`), which parses with its fork of go-yaml v2
//! (kubernetes/kubernetes `vendor/sigs.k8s.io/yaml/goyaml.v2/resolve.go`, `resolveMapList`): YAML 1.1
//! plain scalars, so `y Y yes Yes YES on On ON true True TRUE` are `true`, `n N no No NO off Off OFF
//! false False FALSE` are `false`, `~ null Null NULL` and the empty value are null, integers in
//! `strconv.ParseInt(s, 0, 64)` notation with `_` removed (`0x1F`, `0755` octal, `0b101`), floats
//! (`1.5`, `1e3`, `.inf`, `.nan`), and a timestamp-looking scalar stays a string. Quoted and block
//! scalars are always strings. So a label written `enabled: no` reaches the server as `false`, and
//! the server refuses it where a string is required; apply, delete, mutate and the lint all read it
//! this way.

use super::node::{Node, Value};
use super::Error;
use serde_json::{Map, Number, Value as Json};

/// The JSON value of a plain scalar the way go-yaml v2 resolves it; `None` for a string (or a
/// non-scalar).
pub fn resolve(node: &Node) -> Option<Json> {
    let Value::Scalar { text, plain, tag } = &node.value else { return None };
    if let Some(tag) = tag {
        // An explicit YAML type resolves whether quoted or not (`!!int "5"` is 5, `!!bool "true"` is
        // true); `!!str` and a local tag (`!foo 6`) leave a string. Checked with kubectl v1.34
        // (`kubectl label --local -f`), which reads manifests with sigs.k8s.io/yaml.
        let name = tag.strip_prefix("tag:yaml.org,2002:").or_else(|| tag.strip_prefix("!!"));
        return match name {
            Some("int" | "float" | "bool" | "null") => resolve_plain(text),
            _ => None,
        };
    }
    if !plain {
        return None;
    }
    resolve_plain(text)
}

/// A scalar read as a boolean the way Kubernetes reads manifests (YAML 1.1: `yes`, `no`, `on`, `off`,
/// `y`, `n` too). Here, not on [`Node`], so the tree stays below the Kubernetes rules that read it.
pub fn as_bool(node: &Node) -> Option<bool> {
    match resolve(node) {
        Some(Json::Bool(b)) => Some(b),
        _ => None,
    }
}

/// 2^63: the first float above i64's range (exactly representable).
const I64_END: f64 = 9_223_372_036_854_775_808.0;

fn resolve_plain(text: &str) -> Option<Json> {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => return Some(Json::Bool(true)),
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => return Some(Json::Bool(false)),
        "" | "~" | "null" | "Null" | "NULL" => return Some(Json::Null),
        _ => {}
    }
    if !text.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-' || c == '.') {
        return None;
    }
    let plain = text.replace('_', "");
    if let Some(n) = go_parse_int(&plain) {
        return Some(Json::Number(n));
    }
    // go-yaml's `yamlStyleFloat` is `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`: exactly the
    // numbers Rust's f64 parser reads. Rust also reads `inf`, `infinity` and `nan` (after a sign here),
    // which YAML leaves as text: JSON has no such number (`from_f64` is None), so they stay text too.
    // YAML's own `.inf`, `-.Inf`, `.nan` (which sigs.k8s.io/yaml cannot encode as JSON) are no Rust
    // float and stay text here.
    if let Ok(f) = plain.parse::<f64>() {
        // encoding/json writes a whole float64 without a fraction or exponent below 1e21 (`1e3` -> 1000,
        // `1e18` -> 1000000000000000000: checked with kubectl v1.34), so integer fields accept it. Within
        // i64's range (2^63 is exact as a float) it becomes that integer here too; beyond, a float.
        if f.fract() == 0.0 && (-I64_END..I64_END).contains(&f) {
            return Some(Json::Number(Number::from(f as i64)));
        }
        return Number::from_f64(f).map(Json::Number);
    }
    None
}

/// `strconv.ParseInt(s, 0, 64)` then `ParseUint`: an optional sign, then `0x`/`0o`/`0b`, a leading `0`
/// for octal, or decimal.
fn go_parse_int(s: &str) -> Option<Number> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let lower = body.to_ascii_lowercase();
    let (digits, radix) = if let Some(d) = lower.strip_prefix("0x") {
        (d, 16)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (d, 8)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (d, 2)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (&lower[1..], 8)
    } else {
        (lower.as_str(), 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok()?;
    if neg {
        i64::try_from(-(magnitude as i128)).ok().map(Number::from)
    } else {
        u64::try_from(magnitude).ok().map(Number::from)
    }
}

/// The node as the JSON Kubernetes would read from it. Keys that resolve to something other than a
/// string (`yes:`, `1:`) become that value's text, as sigs.k8s.io/yaml writes them.
pub fn to_json(node: &Node) -> Json {
    match &node.value {
        Value::Scalar { text, .. } => resolve(node).unwrap_or_else(|| Json::String(text.clone())),
        Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                map.insert(key_text(k), to_json(v));
            }
            Json::Object(map)
        }
    }
}

/// A mapping key as the JSON key Kubernetes gets (`on:` is the key "true").
pub fn key_text(key: &Node) -> String {
    match to_json(key) {
        Json::String(s) => s,
        Json::Null => "null".to_string(),
        other => other.to_string(),
    }
}

/// One document of a manifest: its tree (for positions) and its JSON (for the API).
#[derive(Debug, Clone)]
pub struct Document {
    pub node: Node,
    pub json: Json,
}

/// Every non-empty document of a multi-document manifest text.
pub fn documents(text: &str) -> Result<Vec<Document>, Error> {
    Ok(super::parse_documents(text)?.into_iter().flatten().map(|node| Document { json: to_json(&node), node }).collect())
}

/// JSON documents back as one multi-document YAML text (strings that YAML 1.1 would read as something
/// else are quoted, so the text reads back as the same JSON).
pub fn render(docs: &[Json]) -> String {
    docs.iter().map(render_one).collect::<Vec<_>>().join("---\n")
}

fn render_one(doc: &Json) -> String {
    let mut out = String::new();
    let mut emitter = yaml_rust2::YamlEmitter::new(&mut out);
    // Emitting into a String cannot fail; an empty text on the impossible error is caught by the reader.
    let _ = emitter.dump(&to_yaml(doc));
    let body = out.strip_prefix("---\n").or_else(|| out.strip_prefix("---")).unwrap_or(&out).trim_start_matches(' ');
    format!("{body}\n")
}

fn to_yaml(v: &Json) -> yaml_rust2::Yaml {
    use yaml_rust2::Yaml;
    match v {
        Json::Null => Yaml::Null,
        Json::Bool(b) => Yaml::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Yaml::Integer(i),
            None => Yaml::Real(n.to_string()),
        },
        Json::String(s) => Yaml::String(s.clone()),
        Json::Array(items) => Yaml::Array(items.iter().map(to_yaml).collect()),
        Json::Object(map) => Yaml::Hash(map.iter().map(|(k, v)| (Yaml::String(k.clone()), to_yaml(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn value(text: &str) -> Json {
        documents(&format!("x: {text}\n")).unwrap()[0].json["x"].clone()
    }

    #[rstest]
    #[case("no", json!(false))]
    #[case("No", json!(false))]
    #[case("off", json!(false))]
    #[case("n", json!(false))]
    #[case("yes", json!(true))]
    #[case("ON", json!(true))]
    #[case("y", json!(true))]
    #[case("\"no\"", json!("no"))]
    #[case("'yes'", json!("yes"))]
    #[case("!!str no", json!("no"))]
    #[case::explicit_int_quoted("!!int \"5\"", json!(5))]
    #[case::explicit_int_plain("!!int 5", json!(5))]
    #[case::explicit_bool_quoted("!!bool \"true\"", json!(true))]
    #[case::explicit_str_plain("!!str 5", json!("5"))]
    #[case::local_tag_plain("!foo 6", json!("6"))]
    #[case::local_tag_quoted("!foo \"6\"", json!("6"))]
    #[case("~", json!(null))]
    #[case("", json!(null))]
    #[case("0755", json!(493))]
    #[case("0x1F", json!(31))]
    #[case("1_000", json!(1000))]
    #[case("-12", json!(-12))]
    #[case("1.5", json!(1.5))]
    #[case("1e3", json!(1000))]
    #[case::sign_plus("+5", json!(5))]
    #[case::dot_then_exponent("1.e3", json!(1000))]
    #[case::trailing_dot("1.", json!(1))]
    #[case::signed_fraction_exponent("-.5e-1", json!(-0.05))]
    #[case::rust_infinity_is_yaml_text("+inf", json!("+inf"))]
    #[case::yaml_infinity_has_no_json_number(".inf", json!(".inf"))]
    #[case::yaml_negative_infinity_has_no_json_number("-.Inf", json!("-.Inf"))]
    #[case::yaml_nan_has_no_json_number(".NaN", json!(".NaN"))]
    #[case::rust_nan_is_yaml_text("-nan", json!("-nan"))]
    #[case::rust_infinity_word_is_yaml_text("-infinity", json!("-infinity"))]
    #[case::a_sign_after_the_radix_is_text("0x+5", json!("0x+5"))]
    #[case::leading_dot(".5", json!(0.5))]
    #[case::whole_float_1e15("1e15", json!(1_000_000_000_000_000_i64))]
    #[case::whole_float_1e18("1e18", json!(1_000_000_000_000_000_000_i64))]
    #[case::negative_whole_float("-1e18", json!(-1_000_000_000_000_000_000_i64))]
    #[case::beyond_i64_stays_a_float("9223372036854775808.0", json!(9_223_372_036_854_775_808.0_f64))]
    #[case("2001-12-14", json!("2001-12-14"))]
    #[case("1.2.3", json!("1.2.3"))]
    #[case("0.0.0.0/0", json!("0.0.0.0/0"))]
    #[case("v1", json!("v1"))]
    #[case::not_octal_so_a_float("08", json!(8))]
    fn scalars_resolve_like_kubernetes(#[case] text: &str, #[case] want: Json) {
        assert_eq!(value(text), want, "x: {text}");
    }

    #[test]
    fn non_string_keys_become_their_text() {
        assert_eq!(documents("yes: 1\n2: b\n").unwrap()[0].json, json!({"true": 1, "2": "b"}));
    }

    #[test]
    fn rendered_documents_read_back_the_same() {
        let docs = vec![
            json!({"kind": "ConfigMap", "data": {"a": "no", "b": "0755", "c": "", "d": "x: y", "e": "line\nnext", "f": null, "g": [1, true, 1.5]}}),
            json!({"kind": "Pod"}),
        ];
        let text = render(&docs);
        let back: Vec<Json> = documents(&text).unwrap().into_iter().map(|d| d.json).collect();
        assert_eq!(back, docs, "{text}");
    }
}
