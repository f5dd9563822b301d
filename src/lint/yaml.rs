//! A YAML tree that remembers where each node sits in its file. serde_yaml drops positions, and a
//! lint finding is only useful when it names the line to change, so manifests are read from the
//! parser's marked events into this small tree instead.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

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
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, v)| (k, v)),
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
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
                    Some(false)
                }
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

    /// Whether this node is a mapping.
    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// Parses every document of a multi-document YAML text; empty documents are kept as `None`.
pub fn parse_documents(text: &str) -> Result<Vec<Option<Node>>, SyntaxError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, true).map_err(|e| SyntaxError {
        line: e.marker().line().max(1),
        message: e.info().to_string(),
    })?;
    Ok(builder.documents)
}

/// A collection being built: its line, anchor id and what it holds so far.
enum Frame {
    Seq {
        line: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        line: usize,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

#[derive(Default)]
struct Builder {
    documents: Vec<Option<Node>>,
    stack: Vec<Frame>,
    current: Option<Node>,
    anchors: HashMap<usize, Node>,
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let line = mark.line().max(1);
        match ev {
            Event::DocumentStart => {
                self.current = None;
                self.anchors.clear();
            }
            Event::DocumentEnd => {
                // An empty document arrives as a null scalar.
                let doc = self.current.take().filter(
                    |n| !matches!(&n.value, Value::Scalar { text, plain: true } if is_null(text)),
                );
                self.documents.push(doc);
            }
            Event::Scalar(text, style, anchor, _) => {
                let plain = style == TScalarStyle::Plain;
                self.complete(
                    Node {
                        line,
                        value: Value::Scalar { text, plain },
                    },
                    anchor,
                );
            }
            Event::Alias(id) => {
                // An alias to an unknown anchor is rejected by the parser; null keeps this total.
                let null = Node {
                    line,
                    value: Value::Scalar {
                        text: String::new(),
                        plain: true,
                    },
                };
                let node = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .map_or(null, |n| Node { line, ..n });
                self.complete(node, 0);
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq {
                line,
                anchor,
                items: Vec::new(),
            }),
            Event::MappingStart(anchor, _) => self.stack.push(Frame::Map {
                line,
                anchor,
                entries: Vec::new(),
                key: None,
            }),
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::Nothing | Event::StreamStart | Event::StreamEnd => {}
        }
    }
}

impl Builder {
    fn close(&mut self) {
        let (node, anchor) = match self.stack.pop() {
            Some(Frame::Seq {
                line,
                anchor,
                items,
            }) => (
                Node {
                    line,
                    value: Value::Seq(items),
                },
                anchor,
            ),
            Some(Frame::Map {
                line,
                anchor,
                entries,
                ..
            }) => (
                Node {
                    line,
                    value: Value::Map(entries),
                },
                anchor,
            ),
            None => return,
        };
        self.complete(node, anchor);
    }

    fn complete(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
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
        let items: Vec<usize> = first
            .get("b")
            .unwrap()
            .items()
            .iter()
            .map(|n| n.line)
            .collect();
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
        assert_eq!(
            docs[0].as_ref().unwrap().get("x").unwrap().as_bool(),
            expected
        );
    }

    #[rstest]
    #[case("a: [1, 2\n", 2)]
    #[case("a: 1\nb: 2\n  c: 3\n", 3)]
    #[case::unterminated_quote_names_where_it_opened(
        "ok: 1\n---\nkey: \"unterminated\nmore: 1\n",
        3
    )]
    fn syntax_errors_name_a_line(#[case] text: &str, #[case] line: usize) {
        let err = parse_documents(text).unwrap_err();
        assert_eq!(err.line, line, "{err:?}");
    }
}
