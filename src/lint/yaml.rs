//! A YAML tree that remembers where each node sits in its file. serde_yaml drops positions, and a
//! lint finding is only useful when it names the line to change, so manifests are read from the
//! parser's marked events into this small tree instead.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

/// One YAML node and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub line: usize,
    pub value: Value,
}

/// The shape of a node; mapping keys keep their own lines (the line of `key:`).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar's text; `plain` is false when it was quoted or a block scalar (so never a bool or null).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A YAML syntax error with the 1-based line it was found on.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub line: usize,
    pub message: String,
}

impl Node {
    /// The value under `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The line of `key:` when this node is a mapping that has it.
    pub fn key_line(&self, key: &str) -> Option<usize> {
        self.entry(key).map(|(k, _)| k.line)
    }

    /// Follows a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The text of a scalar that is not null.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, plain } if !(*plain && is_null(text)) => Some(text),
            _ => None,
        }
    }

    /// A plain scalar read as a boolean the way Kubernetes' YAML decoder reads it (YAML 1.1 words too).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar { text, plain: true } => match text.as_str() {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The items of a sequence; empty for anything else.
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// How many nodes this one holds, itself included.
    fn size(&self) -> usize {
        1 + match &self.value {
            Value::Scalar { .. } => 0,
            Value::Seq(items) => items.iter().map(Node::size).sum(),
            Value::Map(entries) => entries.iter().map(|(k, v)| k.size() + v.size()).sum(),
        }
    }

    /// Whether this node is a mapping.
    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// Parses every document of a multi-document YAML text; empty documents are kept as `None`.
/// Events are pulled one at a time (the parser's own `load` recurses once per nesting level), so
/// absurdly deep input is refused instead of overflowing the stack.
pub fn parse_documents(text: &str) -> Result<Vec<Option<Node>>, SyntaxError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, mark) =
            parser.next_token().map_err(|e| SyntaxError { line: e.marker().line().max(1), message: e.info().to_string() })?;
        if event == Event::StreamEnd {
            return Ok(builder.documents);
        }
        builder.push(event, mark.line().max(1))?;
    }
}

/// A collection being built: its line, anchor id and what it holds so far.
enum Frame {
    Seq { line: usize, anchor: usize, items: Vec<Node> },
    Map { line: usize, anchor: usize, entries: Vec<(Node, Node)>, key: Option<Node> },
}

/// Deeper nesting is refused rather than risking the stack (no manifest comes close).
const MAX_DEPTH: usize = 256;
/// Nodes that aliases may copy in one text, so a "billion laughs" file fails instead of eating memory.
const MAX_ALIASED_NODES: usize = 100_000;

#[derive(Default)]
struct Builder {
    documents: Vec<Option<Node>>,
    stack: Vec<Frame>,
    current: Option<Node>,
    /// Anchored nodes by anchor id, with their size in nodes.
    anchors: HashMap<usize, (Node, usize)>,
    aliased: usize,
}

impl Builder {
    fn push(&mut self, ev: Event, line: usize) -> Result<(), SyntaxError> {
        let opens = matches!(ev, Event::SequenceStart(..) | Event::MappingStart(..));
        if opens && self.stack.len() >= MAX_DEPTH {
            return Err(SyntaxError { line, message: format!("nested deeper than {MAX_DEPTH} levels") });
        }
        match ev {
            Event::DocumentStart => {
                self.current = None;
                self.anchors.clear();
            }
            Event::DocumentEnd => {
                // An empty document arrives as a null scalar.
                let doc = self.current.take().filter(|n| !matches!(&n.value, Value::Scalar { text, plain: true } if is_null(text)));
                self.documents.push(doc);
            }
            Event::Scalar(text, style, anchor, _) => {
                let plain = style == TScalarStyle::Plain;
                self.complete(Node { line, value: Value::Scalar { text, plain } }, anchor);
            }
            Event::Alias(id) => self.alias(id, line)?,
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq { line, anchor, items: Vec::new() }),
            Event::MappingStart(anchor, _) => self.stack.push(Frame::Map { line, anchor, entries: Vec::new(), key: None }),
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::Nothing | Event::StreamStart | Event::StreamEnd => {}
        }
        Ok(())
    }

    /// Copies the anchored node; an unknown anchor (which the parser rejects anyway) reads as null.
    fn alias(&mut self, id: usize, line: usize) -> Result<(), SyntaxError> {
        let null = (Node { line, value: Value::Scalar { text: String::new(), plain: true } }, 1);
        let (node, size) = self.anchors.get(&id).cloned().unwrap_or(null);
        self.aliased += size;
        if self.aliased > MAX_ALIASED_NODES {
            let message = format!("aliases expand to more than {MAX_ALIASED_NODES} nodes");
            return Err(SyntaxError { line, message });
        }
        self.complete(Node { line, ..node }, 0);
        Ok(())
    }

    fn close(&mut self) {
        let (node, anchor) = match self.stack.pop() {
            Some(Frame::Seq { line, anchor, items }) => (Node { line, value: Value::Seq(items) }, anchor),
            Some(Frame::Map { line, anchor, entries, .. }) => (Node { line, value: Value::Map(entries) }, anchor),
            None => return,
        };
        self.complete(node, anchor);
    }

    fn complete(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), node.size()));
        }
        match self.stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => *key = Some(node),
            },
            None => self.current = Some(node),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[test]
    fn keys_and_items_keep_their_lines() {
        let docs = parse_documents("a: 1\nb:\n  - x\n  - y\n---\n# c\nkind: Pod\n").unwrap();
        let first = docs[0].as_ref().unwrap();
        assert_eq!(first.line, 1);
        assert_eq!(first.key_line("b"), Some(2));
        let items: Vec<usize> = first.get("b").unwrap().items().iter().map(|n| n.line).collect();
        assert_eq!(items, vec![3, 4]);
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

    #[rstest]
    #[case("x: false", Some(false))]
    #[case("x: no", Some(false))]
    #[case("x: True", Some(true))]
    #[case("x: \"false\"", None)]
    #[case("x: 0", None)]
    fn booleans_read_like_kubernetes(#[case] text: &str, #[case] expected: Option<bool>) {
        let docs = parse_documents(text).unwrap();
        assert_eq!(docs[0].as_ref().unwrap().get("x").unwrap().as_bool(), expected);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = format!("{}x\n", "- ".repeat(100_000));
        let err = parse_documents(&text).unwrap_err();
        assert_eq!(err.line, 1);
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
        assert_eq!(err.line, line, "{err:?}");
    }
}
