//! The positioned tree: every node keeps the line and column it starts on, built from yaml-rust2's
//! marked parser events. Syntax errors, duplicate keys, absurd nesting and alias bombs are refused here,
//! each with its position.

use super::Error;
use std::collections::HashMap;
use std::fmt;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Where a node starts in its text: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

impl Pos {
    fn of(mark: &Marker) -> Pos {
        Pos { line: mark.line().max(1), col: mark.col() + 1 }
    }

    /// The same place in a text that starts `line - 1` lines further down its file.
    pub fn shifted(self, first_line: usize) -> Pos {
        Pos { line: self.line + first_line - 1, col: self.col }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// One YAML node and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

/// The shape of a node; mapping keys keep their own positions (the position of `key:`).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar's text as written. `plain` is false when it was quoted or a block scalar (so its type
    /// is always string); `tag` is a tag given in the text (`!condition`, `!!str`) as handle+suffix.
    Scalar {
        text: String,
        plain: bool,
        tag: Option<String>,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A null scalar at `pos` (an empty document, a key with no value).
    pub fn null(pos: Pos) -> Node {
        Node { pos, value: Value::Scalar { text: String::new(), plain: true, tag: None } }
    }

    /// The value under `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The position of `key:` when this node is a mapping that has it.
    pub fn key_pos(&self, key: &str) -> Option<Pos> {
        self.entry(key).map(|(k, _)| k.pos)
    }

    /// The line of `key:` when this node is a mapping that has it.
    pub fn key_line(&self, key: &str) -> Option<usize> {
        self.key_pos(key).map(|p| p.line)
    }

    /// The first `key:` anywhere inside this node, depth first in text order.
    pub fn find_key(&self, key: &str) -> Option<Pos> {
        match &self.value {
            Value::Scalar { .. } => None,
            Value::Seq(items) => items.iter().find_map(|i| i.find_key(key)),
            Value::Map(entries) => entries.iter().find_map(|(k, v)| if k.as_str() == Some(key) { Some(k.pos) } else { v.find_key(key) }),
        }
    }

    /// The value of the first `key:` anywhere inside this node, depth first in text order.
    pub fn find_value(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Scalar { .. } => None,
            Value::Seq(items) => items.iter().find_map(|i| i.find_value(key)),
            Value::Map(entries) => entries.iter().find_map(|(k, v)| if k.as_str() == Some(key) { Some(v) } else { v.find_value(key) }),
        }
    }

    /// Follows a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// Follows a path of mapping keys, for changing what is there (`mutate` edits the YAML of a step
    /// that is built again once captured values exist).
    pub fn path_mut(&mut self, keys: &[&str]) -> Option<&mut Node> {
        keys.iter().try_fold(self, |node, key| match &mut node.value {
            Value::Map(entries) => entries.iter_mut().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v),
            _ => None,
        })
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
            Value::Scalar { .. } if self.is_null() => None,
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A plain scalar with no text at all (`key:` with nothing after it).
    fn is_empty_plain(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true, tag: None } if text.is_empty())
    }

    /// Whether this is a plain null scalar (`~`, `null`, empty).
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true, tag: None } if is_null(text))
    }

    /// The items of a sequence; empty for anything else.
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// The entries of a mapping; empty for anything else.
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// Whether this node is a mapping.
    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// How many nodes this one holds, itself included.
    fn size(&self) -> usize {
        1 + match &self.value {
            Value::Scalar { .. } => 0,
            Value::Seq(items) => items.iter().map(Node::size).sum(),
            Value::Map(entries) => entries.iter().map(|(k, v)| k.size() + v.size()).sum(),
        }
    }
}

/// YAML's null words (the same in 1.1 and 1.2 core).
pub(super) fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// Parses every document of a multi-document YAML text; empty documents are kept as `None`.
/// Events are pulled one at a time (the parser's own `load` recurses once per nesting level), so
/// absurdly deep input is refused instead of overflowing the stack.
pub fn parse_documents(text: &str) -> Result<Vec<Option<Node>>, Error> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, mark) = parser.next_token().map_err(|e| Error::at(Pos::of(e.marker()), hint(e.info())))?;
        if event == Event::StreamEnd {
            return Ok(builder.documents);
        }
        builder.push(event, Pos::of(&mark))?;
    }
}

/// yaml-rust2 0.13 refuses a plain scalar with ` -` right before `,`, `]` or `}` inside a flow
/// collection (`{command: kubectl apply -f -, ...}`), which YAML 1.2 and go-yaml accept; say how to
/// write it instead.
fn hint(info: &str) -> String {
    if info.starts_with("plain scalar cannot start with '-'") {
        format!("{info} (this reader needs such a value quoted: 'kubectl apply -f -')")
    } else {
        info.to_string()
    }
}

/// Parses a text that holds one document (a scenario, a claims file); an empty text is a null node,
/// a second document is an error.
pub fn parse_one(text: &str) -> Result<Node, Error> {
    let mut docs = parse_documents(text)?.into_iter();
    let first = docs.next().flatten().unwrap_or(Node::null(Pos { line: 1, col: 1 }));
    match docs.next() {
        None => Ok(first),
        Some(second) => {
            let pos = second.map(|n| n.pos).unwrap_or_default();
            Err(Error::at(pos, "a second YAML document (`---`) where one was expected"))
        }
    }
}

/// A collection being built: its position, anchor id and what it holds so far.
enum Frame {
    Seq { pos: Pos, anchor: usize, items: Vec<Node> },
    Map { pos: Pos, anchor: usize, entries: Vec<(Node, Node)>, key: Option<Node> },
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
    fn push(&mut self, ev: Event, pos: Pos) -> Result<(), Error> {
        let opens = matches!(ev, Event::SequenceStart(..) | Event::MappingStart(..));
        if opens && self.stack.len() >= MAX_DEPTH {
            return Err(Error::at(pos, format!("nested deeper than {MAX_DEPTH} levels")));
        }
        match ev {
            Event::DocumentStart => {
                self.current = None;
                self.anchors.clear();
            }
            Event::DocumentEnd => {
                // An empty document arrives as a null scalar.
                let doc = self.current.take().filter(|n| !n.is_null());
                self.documents.push(doc);
            }
            Event::Scalar(text, style, anchor, tag) => {
                let plain = style == TScalarStyle::Plain;
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                self.complete(Node { pos, value: Value::Scalar { text, plain, tag } }, anchor)?;
            }
            Event::Alias(id) => self.alias(id, pos)?,
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq { pos, anchor, items: Vec::new() }),
            Event::MappingStart(anchor, _) => self.stack.push(Frame::Map { pos, anchor, entries: Vec::new(), key: None }),
            Event::SequenceEnd | Event::MappingEnd => self.close()?,
            Event::Nothing | Event::StreamStart | Event::StreamEnd => {}
        }
        Ok(())
    }

    /// Copies the anchored node; an unknown anchor (which the parser rejects anyway) reads as null.
    fn alias(&mut self, id: usize, pos: Pos) -> Result<(), Error> {
        let (node, size) = self.anchors.get(&id).cloned().unwrap_or((Node::null(pos), 1));
        self.aliased += size;
        if self.aliased > MAX_ALIASED_NODES {
            return Err(Error::at(pos, format!("aliases expand to more than {MAX_ALIASED_NODES} nodes")));
        }
        self.complete(Node { pos, ..node }, 0)
    }

    fn close(&mut self) -> Result<(), Error> {
        let (node, anchor) = match self.stack.pop() {
            Some(Frame::Seq { pos, anchor, items }) => (Node { pos, value: Value::Seq(items) }, anchor),
            Some(Frame::Map { pos, anchor, entries, .. }) => {
                // A block mapping's start event is marked at its first `:`; the mapping starts at its first key.
                let pos = entries.first().map_or(pos, |(k, _)| k.pos.min(pos));
                (Node { pos, value: Value::Map(entries) }, anchor)
            }
            None => return Ok(()),
        };
        self.complete(node, anchor)
    }

    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), Error> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), node.size()));
        }
        match self.stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                // `name:` with nothing after it: the parser marks the empty value where the next token
                // starts (often the next line); an error about a missing value is placed at its key.
                Some(k) if node.is_empty_plain() => {
                    let pos = k.pos;
                    entries.push((k, Node { pos, ..node }))
                }
                Some(k) => entries.push((k, node)),
                None => {
                    // YAML requires unique keys. kubectl v1.34 does not enforce it for manifests (a
                    // repeated `data.a` is applied last-one-wins, client- and server-side, checked on
                    // the kind cluster); this reader refuses it everywhere, as serde_yaml refused it in
                    // scenarios, because the value it hides is almost always a mistake in the text.
                    if let Some((first, _)) = entries.iter().find(|(k, _)| same_key(k, &node)) {
                        let name = node.as_str().unwrap_or("~");
                        return Err(Error::at(node.pos, format!("duplicate key `{name}` (first at line {})", first.pos.line)));
                    }
                    *key = Some(node)
                }
            },
            None => self.current = Some(node),
        }
        Ok(())
    }
}

fn same_key(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Scalar { text: x, .. }, Value::Scalar { text: y, .. }) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests;
