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
