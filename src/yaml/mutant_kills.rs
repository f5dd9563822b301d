//! Unit tests that kill what cargo-mutants found the other tests of the YAML reader missing (issue 9,
//! docs/kill-matrix.md). Kept apart from each file's own tests so they merge without conflicts.

use super::{parse_documents, Pos};

/// An alias is a copy of its anchor's value placed where the alias is written, so an error about it
/// (`b: *v` where a string belongs) names the alias's line, not the anchor's.
#[test]
fn an_alias_has_the_position_of_the_alias_not_the_anchor() {
    let docs = parse_documents("a: &v [get, list]\nb: *v\n").unwrap();
    let doc = docs[0].as_ref().unwrap();
    assert_eq!(doc.get("a").unwrap().pos.line, 1);
    assert_eq!(doc.get("b").unwrap().pos, Pos { line: 2, col: 4 });
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
enum Kind {
    Unit,
    Any(serde_json::Value),
}

#[derive(serde::Deserialize, Debug, PartialEq)]
struct HasKind {
    k: Kind,
}

/// An enum is a word (`unit`), a one-key mapping (`any: 5`) or a local tag (`!any 5`); the tagged
/// value is read without its tag (else it would name a variant again); null and a mapping of two keys
/// are errors that say what they are.
#[test]
fn an_enum_is_a_word_a_one_key_mapping_or_a_tag() {
    let read = |text: &str| super::from_str::<HasKind>(text).map_err(|e| e.to_string());
    assert_eq!(read("k: unit\n"), Ok(HasKind { k: Kind::Unit }));
    assert_eq!(read("k: {any: 5}\n"), Ok(HasKind { k: Kind::Any(serde_json::json!(5)) }));
    assert_eq!(read("k: !any 5\n"), Ok(HasKind { k: Kind::Any(serde_json::json!(5)) }));
    let null = read("k: ~\n").unwrap_err();
    assert!(null.ends_with("k: invalid type: unit value, expected enum Kind"), "{null}");
    assert_eq!(read("k: {unit: ~}\n"), Ok(HasKind { k: Kind::Unit }));
    let valued = read("k: {unit: 5}\n").unwrap_err();
    assert!(valued.ends_with("unit: invalid type: string \"5\", expected a variant without a value"), "{valued}");
    let two = read("k: {any: 5, unit: ~}\n").unwrap_err();
    assert!(two.ends_with("k: invalid type: map, expected enum Kind"), "{two}");
}

/// `find_value` finds the first `key:` at any depth in text order (inside lists too), and nothing
/// when no mapping has it; `as_str` is the text of a scalar that is not null.
#[test]
fn find_value_searches_depth_first_and_as_str_skips_null() {
    let doc = super::parse_one("a: {b: 1}\nc:\n  - {d: 2}\n  - {manifest: first}\nmanifest: second\nn: ~\nq: '~'\n").unwrap();
    assert_eq!(doc.find_value("manifest").and_then(super::Node::as_str), Some("first"));
    assert_eq!(doc.find_value("d").map(|n| n.pos.line), Some(3));
    assert!(doc.find_value("missing").is_none());
    assert_eq!(doc.get("n").unwrap().as_str(), None);
    assert_eq!(doc.get("q").unwrap().as_str(), Some("~"));
}

/// The alias limit counts every node an alias copies (a list of 999 scalars is 1,000 nodes): 99
/// copies of it (99,000) are read, 101 copies (101,000) pass the limit of 100,000 and are refused,
/// quickly, before anything is built from them.
#[test]
fn the_alias_limit_counts_the_nodes_each_alias_copies() {
    let text = |copies: usize| format!("a0: &a0 [{}]\na1: [{}]\n", vec!["x"; 999].join(", "), vec!["*a0"; copies].join(", "));
    assert!(super::parse_documents(&text(99)).is_ok());
    assert!(super::parse_documents(&text(100)).is_ok(), "exactly the limit is allowed");
    let err = super::parse_documents(&text(101)).unwrap_err();
    assert!(err.message.contains("aliases expand to more than 100000 nodes"), "{err:?}");
    // A mapping counts its keys and its values: 1 + 499 x 2 = 999 nodes, so 101 copies are too many.
    let entries: Vec<String> = (0..499).map(|i| format!("k{i}: x")).collect();
    let map = format!("a0: &a0 {{{}}}\na1: [{}]\n", entries.join(", "), vec!["*a0"; 101].join(", "));
    assert!(super::parse_documents(&map).is_err(), "a copied mapping's keys count too");
}

/// `is_map` is true for a mapping only.
#[test]
fn only_a_mapping_is_a_map() {
    let doc = super::parse_one("m: {a: 1}\ns: [1]\nv: 1\n").unwrap();
    assert!(doc.is_map() && doc.get("m").unwrap().is_map());
    assert!(!doc.get("s").unwrap().is_map() && !doc.get("v").unwrap().is_map());
}
