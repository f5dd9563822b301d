//! The serde reader's tests: YAML's core schema for scalars, enums, and the position and key path
//! every error names.

use super::*;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Step {
    name: String,
    #[serde(default)]
    wait: Option<bool>,
    #[serde(default)]
    count: Option<u32>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    kind: Option<Kind>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case")]
enum Kind {
    Ready,
    Condition(String),
}

#[test]
fn a_struct_reads_with_its_types() {
    let s: Step = from_str("name: a\nwait: false\ncount: 0x10\ntags: [x, 'y']\nkind: {condition: Ready}\n").unwrap();
    assert_eq!(
        s,
        Step {
            name: "a".into(),
            wait: Some(false),
            count: Some(16),
            tags: vec!["x".into(), "y".into()],
            kind: Some(Kind::Condition("Ready".into()))
        }
    );
    let s: Step = from_str("name: a\nkind: ready\n").unwrap();
    assert_eq!(s.kind, Some(Kind::Ready));
    let s: Step = from_str("name: a\nkind: !condition Ready\n").unwrap();
    assert_eq!(s.kind, Some(Kind::Condition("Ready".into())));
}

#[test]
fn an_unknown_field_is_placed_at_its_key() {
    let err = from_str::<Step>("name: a\n  \nsteps:\n").unwrap_err();
    assert_eq!(err.to_string(), "3:1: unknown field `steps`, expected one of `name`, `wait`, `count`, `tags`, `kind`");
    let err = from_str::<Vec<Step>>("- name: a\n- {name: b, nmae: c}\n").unwrap_err();
    assert_eq!(err.pos.map(|p| p.to_string()).as_deref(), Some("2:13"), "{err}");
}

#[test]
fn a_bad_value_is_placed_at_the_value_with_its_path() {
    let err = from_str::<Step>("name: a\ncount:   many\n").unwrap_err();
    assert_eq!(err.to_string(), "2:10: count: invalid type: string \"many\", expected u32");
    let err = from_str::<BTreeMap<String, Step>>("x:\n  name: a\n  wait: sometimes\n").unwrap_err();
    assert_eq!(err.to_string(), "3:9: x.wait: invalid type: string \"sometimes\", expected a boolean");
}

#[test]
fn a_missing_field_is_placed_at_its_mapping() {
    let err = from_str::<Vec<Step>>("- name: a\n- wait: true\n").unwrap_err();
    assert_eq!(err.to_string(), "2:3: missing field `name`");
}

#[test]
fn untyped_values_follow_yaml_1_2_core_like_serde_yaml() {
    let v: serde_json::Value = from_str("a: no\nb: true\nc: 010\nd: 1.5\ne: ~\nf: '1'\n").unwrap();
    assert_eq!(v, serde_json::json!({"a": "no", "b": true, "c": 10, "d": 1.5, "e": null, "f": "1"}));
}

/// A null where a string belongs is an error that says "unit value" (what serde calls null), for each
/// spelling of null; the same key with text is read as that text.
#[test]
fn a_null_is_not_a_string_and_is_named_as_null() {
    #[derive(serde::Deserialize, Debug)]
    struct S {
        #[allow(dead_code)]
        name: String,
    }
    for text in ["name: ~\n", "name: null\n", "name:\n"] {
        let err = super::from_str::<S>(text).unwrap_err().to_string();
        assert!(err.starts_with("1:") && err.ends_with(": name: invalid type: unit value, expected a string"), "{text}: {err}");
    }
    assert_eq!(super::from_str::<S>("name: '~'\n").unwrap().name, "~");
}

/// YAML's core schema reads one sign and then digits as an integer; `+-5` and `++5` are text.
#[test]
fn an_integer_has_one_sign_at_most() {
    let doc: serde_json::Value = super::from_str("a: +-5\nb: ++5\nc: -5\nd: +5\n").unwrap();
    assert_eq!(doc, serde_json::json!({"a": "+-5", "b": "++5", "c": -5, "d": 5}));
}

/// A tag with two `!` (`!!str`) is YAML's own, not a local tag naming an enum variant: the value reads
/// as the text it tags, where a local tag (`!x`) is read as a variant and `!` alone is no tag at all.
#[test]
fn only_a_local_tag_names_a_variant() {
    let doc: serde_json::Value = super::from_str("a: !!str 5\nb: ! 6\n").unwrap();
    assert_eq!(doc, serde_json::json!({"a": "5", "b": "6"}));
}

/// YAML's infinities (`.inf`, `-.Inf`, `+.INF`) are numbers where a float belongs.
#[test]
fn yaml_infinities_are_floats() {
    #[derive(serde::Deserialize)]
    struct F {
        a: f64,
        b: f64,
        c: f64,
    }
    let f: F = super::from_str("a: .inf\nb: -.Inf\nc: +.INF\n").unwrap();
    assert_eq!((f.a, f.b, f.c), (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY));
}

/// YAML's not-a-number (`.nan`) is a float; `inf` and `NaN` without the dot are text in YAML's core
/// schema (Rust's own float parser would take them); a float may start with its dot (`.5`).
#[test]
fn yaml_floats_follow_the_core_schema_not_rusts_parser() {
    #[derive(serde::Deserialize)]
    struct F {
        a: f64,
        b: f64,
    }
    let f: F = super::from_str("a: .nan\nb: .5\n").unwrap();
    assert!(f.a.is_nan());
    assert_eq!(f.b, 0.5);
    for text in ["a: inf\nb: 1\n", "a: NaN\nb: 1\n", "a: infinity\nb: 1\n"] {
        let err = super::from_str::<F>(text).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.ends_with("a: invalid type: string \"inf\", expected f64") || err.contains("expected f64"), "{text}: {err:?}");
    }
    let doc: serde_json::Value = super::from_str("a: inf\nb: NaN\n").unwrap();
    assert_eq!(doc, serde_json::json!({"a": "inf", "b": "NaN"}));
}

#[derive(serde::Deserialize, Debug, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Choice {
    Unit,
    Any(serde_json::Value),
}

#[derive(serde::Deserialize, Debug, PartialEq)]
struct HasChoice {
    k: Choice,
}

/// An enum is a word (`unit`), a one-key mapping (`any: 5`) or a local tag (`!any 5`); the tagged
/// value is read without its tag (else it would name a variant again); null and a mapping of two keys
/// are errors that say what they are.
#[test]
fn an_enum_is_a_word_a_one_key_mapping_or_a_tag() {
    let read = |text: &str| super::from_str::<HasChoice>(text).map_err(|e| e.to_string());
    assert_eq!(read("k: unit\n"), Ok(HasChoice { k: Choice::Unit }));
    assert_eq!(read("k: {any: 5}\n"), Ok(HasChoice { k: Choice::Any(serde_json::json!(5)) }));
    assert_eq!(read("k: !any 5\n"), Ok(HasChoice { k: Choice::Any(serde_json::json!(5)) }));
    let null = read("k: ~\n").unwrap_err();
    assert!(null.ends_with("k: invalid type: unit value, expected enum Choice"), "{null}");
    assert_eq!(read("k: {unit: ~}\n"), Ok(HasChoice { k: Choice::Unit }));
    let valued = read("k: {unit: 5}\n").unwrap_err();
    assert!(valued.ends_with("unit: invalid type: string \"5\", expected a variant without a value"), "{valued}");
    let two = read("k: {any: 5, unit: ~}\n").unwrap_err();
    assert!(two.ends_with("k: invalid type: map, expected enum Choice"), "{two}");
}
