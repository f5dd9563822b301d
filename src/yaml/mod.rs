//! The one YAML reader: scenarios, claims files, manifests (apply, delete, mutate) and the lint all read
//! YAML here, into a tree that keeps each node's line and column ([`Node`]), so every error names
//! line:column from the node it concerns, never from another library's message text.
//!
//! - [`parse_documents`] / [`parse_one`]: text -> positioned [`Node`]s (yaml-rust2's marked parser
//!   events; duplicate keys, tabs, deep nesting and alias bombs refused with their position).
//! - [`from_str`] / [`from_node`]: serde into the scenario model; errors carry position and key path.
//! - [`k8s`]: manifests the way Kubernetes reads them (YAML 1.1 scalars: `no` is `false`), as JSON.
//!
//! Why yaml-rust2: it is maintained, safe Rust (no libyaml translation), was already the lint's parser,
//! and marks every event with line and column. serde_yaml 0.9 is deprecated upstream and sits on
//! unsafe-libyaml (RUSTSEC-2024-0449, unmaintained); serde_yml is unsound and unmaintained
//! (RUSTSEC-2025-0068); serde_norway keeps serde_yaml's design (no positions on values, only an error
//! location); marked-yaml's serde layer reads scalars by YAML 1.2, so the Kubernetes rules would need a
//! second conversion anyway. Known gap: yaml-rust2 0.13 refuses `{a: x -, b: y}` (a ` -` just before a
//! flow indicator), which YAML 1.2 allows; the error says to quote the value.

mod de;
pub mod k8s;
mod node;

pub use de::{from_node, from_str};
pub use node::{parse_documents, parse_one, Node, Pos, Value};
use std::fmt;

/// A YAML problem at a place in the text: a syntax error, or a value the target type refuses.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct Error {
    /// Where (1-based line and column, relative to the parsed text); `None` only for an error no node
    /// could be blamed for.
    pub pos: Option<Pos>,
    /// The dotted key path to the value (`can-i.expect`), empty at the top or for syntax errors.
    pub path: String,
    pub message: String,
}

impl Error {
    pub fn at(pos: Pos, message: impl Into<String>) -> Error {
        Error { pos: Some(pos), path: String::new(), message: message.into() }
    }

    /// Blames `node` (at `path`) unless a deeper node was already blamed.
    fn locate(mut self, node: &Node, path: &str) -> Error {
        if self.pos.is_none() {
            self.pos = Some(node.pos);
            self.path = path.to_string();
        }
        self
    }

    /// The message with its key path in front (`can-i.expect: invalid answer ...`), without the position.
    pub fn describe(&self) -> String {
        if self.path.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.path, self.message)
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(pos) = self.pos {
            write!(f, "{pos}: ")?;
        }
        f.write_str(&self.describe())
    }
}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error { pos: None, path: String::new(), message: msg.to_string() }
    }
}
