//! The positioned tree's tests: lines and columns of keys, items and aliases, syntax errors, and the
//! limits on aliases and nesting.

use super::*;
use rstest::rstest;

#[test]
fn keys_and_items_keep_their_lines_and_columns() {
    let docs = parse_documents("a: 1\nb:\n  - x\n  - y\n---\n# c\nkind: Pod\n").unwrap();
    let first = docs[0].as_ref().unwrap();
    assert_eq!(first.pos, Pos { line: 1, col: 1 });
    assert_eq!(first.key_pos("b"), Some(Pos { line: 2, col: 1 }));
    let items: Vec<Pos> = first.get("b").unwrap().items().iter().map(|n| n.pos).collect();
    assert_eq!(items, vec![Pos { line: 3, col: 5 }, Pos { line: 4, col: 5 }]);
    let second = docs[1].as_ref().unwrap();
    assert_eq!(second.key_line("kind"), Some(7));
    assert_eq!(second.get("kind").and_then(Node::as_str), Some("Pod"));
}

#[test]
fn empty_documents_are_none() {
    let docs = parse_documents("---\n---\na: 1\n").unwrap();
    assert_eq!(docs.len(), 2);
    assert!(docs[0].is_none());
}

#[test]
fn aliases_resolve_to_their_anchor() {
    let docs = parse_documents("a: &v [get, list]\nb: *v\n").unwrap();
    let doc = docs[0].as_ref().unwrap();
    assert_eq!(doc.get("b").unwrap().items().len(), 2);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let text = format!("{}x\n", "- ".repeat(100_000));
    let err = parse_documents(&text).unwrap_err();
    assert_eq!(err.pos.map(|p| p.line), Some(1));
    assert!(err.message.contains("nested deeper"), "{err:?}");
}

#[test]
fn alias_bombs_are_an_error() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let err = parse_documents(&text).unwrap_err();
    assert!(err.message.contains("aliases expand"), "{err:?}");
}

#[rstest]
#[case("a: [1, 2\n", 2)]
#[case("a: 1\nb: 2\n  c: 3\n", 3)]
#[case::unterminated_quote_names_where_it_opened("ok: 1\n---\nkey: \"unterminated\nmore: 1\n", 3)]
fn syntax_errors_name_a_line(#[case] text: &str, #[case] line: usize) {
    let err = parse_documents(text).unwrap_err();
    assert_eq!(err.pos.map(|p| p.line), Some(line), "{err:?}");
}

#[rstest]
#[case::block("a: 1\nb: 2\na: 3\n", "3:1: duplicate key `a` (first at line 1)")]
#[case::nested("x:\n  k: 1\n  k: 2\n", "3:3: duplicate key `k` (first at line 2)")]
#[case::flow("m: {k: 1, k: 2}\n", "1:11: duplicate key `k` (first at line 1)")]
fn duplicate_keys_are_refused_where_they_repeat(#[case] text: &str, #[case] want: &str) {
    assert_eq!(parse_documents(text).unwrap_err().to_string(), want);
}

#[test]
fn a_tab_indented_line_is_an_error_with_its_position() {
    let err = parse_documents("a:\n\tb: 1\n").unwrap_err();
    assert_eq!(err.pos.map(|p| p.line), Some(2), "{err}");
    assert!(err.message.contains("tab"), "{err}");
}

/// An alias is a copy of its anchor's value placed where the alias is written, so an error about it
/// (`b: *v` where a string belongs) names the alias's line, not the anchor's.
#[test]
fn an_alias_has_the_position_of_the_alias_not_the_anchor() {
    let docs = parse_documents("a: &v [get, list]\nb: *v\n").unwrap();
    let doc = docs[0].as_ref().unwrap();
    assert_eq!(doc.get("a").unwrap().pos.line, 1);
    assert_eq!(doc.get("b").unwrap().pos, Pos { line: 2, col: 4 });
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
