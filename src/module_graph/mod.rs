//! The library's top-level modules import each other without cycles, so each layer can be read,
//! tested and changed from the bottom up (api below step, step below scenario, scenario below the
//! runner, ...). Read from the source: every `crate::NAME` path, and every `NAME` in a
//! `crate::{...}` group, outside comments, is an edge from the module whose file it is in.
//!
//! The same holds for the files inside each folder ([`files`]): within `check/`, `fields.rs` may
//! use `pipe.rs` or be used by it, not both, so a folder too reads from the bottom up.

mod files;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module -> the top-level modules it names.
pub type Graph = BTreeMap<String, BTreeSet<String>>;

/// The edges out of one file's text, with comment lines and trailing `//` comments removed.
pub fn references(text: &str) -> BTreeSet<String> {
    let code: String = text.lines().map(strip_comment).collect::<Vec<_>>().join("\n");
    let mut out = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        // `sa_conformance::crate::` does not exist; `xcrate::` would be another identifier.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = matching_brace(group);
            out.extend(group_heads(&group[..end]));
        } else {
            out.extend(ident(rest));
        }
    }
    out
}

/// A line without its comment: a `//` that is not inside a string literal ends the code.
fn strip_comment(line: &str) -> &str {
    let mut in_string = false;
    let mut escaped = false;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if in_string => escaped = true,
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
    }
    line
}

fn ident(text: &str) -> Option<String> {
    let end = text.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(text.len());
    (end > 0).then(|| text[..end].to_string())
}

/// The index of the `}` closing a group whose `{` came just before `text`.
fn matching_brace(text: &str) -> usize {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    text.len()
}

/// The first name of each top-level item of a `use` group: `a, b::{c, d}, e::f` -> a, b, e.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut start = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => start = true,
            c if start && depth == 0 && !c.is_whitespace() => {
                start = false;
                heads.extend(ident(&group[i..]).filter(|h| h != "self"));
            }
            _ => {}
        }
    }
    heads
}

/// The graph of the crate rooted at `src` (its `lib.rs` and `main.rs` are the edge, not modules).
pub fn graph(src: &Path) -> std::io::Result<Graph> {
    let mut graph = Graph::new();
    for entry in std::fs::read_dir(src)? {
        let path = entry?.path();
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        // This module is test code whose strings name other modules.
        if name == "lib" || name == "main" || name == "module_graph" || !(path.is_dir() || path.extension().is_some_and(|e| e == "rs")) {
            continue;
        }
        let mut edges = BTreeSet::new();
        for file in rust_files(&path)? {
            edges.extend(references(&std::fs::read_to_string(&file)?));
        }
        edges.remove(&name);
        graph.insert(name, edges);
    }
    // Names that are not modules (`crate::SomeType` re-exported at the root) are not edges.
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    graph.values_mut().for_each(|edges| edges.retain(|e| modules.contains(e)));
    Ok(graph)
}

fn rust_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path)? {
        files.extend(rust_files(&entry?.path())?);
    }
    Ok(files)
}

/// Every cycle found by a depth-first walk, each as the modules on it (first repeated at the end).
pub fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    fn walk(node: &str, graph: &Graph, path: &mut Vec<String>, done: &mut BTreeSet<String>, found: &mut Vec<Vec<String>>) {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            found.push(cycle);
            return;
        }
        if done.contains(node) {
            return;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            walk(next, graph, path, done, found);
        }
        path.pop();
        done.insert(node.to_string());
    }
    let mut found = Vec::new();
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        walk(node, graph, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crates_modules_import_each_other_without_cycles() {
        let graph = graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")).expect("src/ is readable");
        assert!(graph.len() >= 10, "found only {} top-level modules in src/", graph.len());
        assert!(graph["scenario"].contains("step"), "the reader lost the loader's edge to the step registry: {graph:?}");
        let found = cycles(&graph);
        let shown: Vec<String> = found.iter().map(|c| c.join(" -> ")).collect();
        assert!(found.is_empty(), "import cycles between top-level modules:\n  {}", shown.join("\n  "));
    }

    #[test]
    fn a_cycle_through_a_use_group_is_found() {
        let graph: Graph = [
            ("api".to_string(), references("use crate::{check::Mismatch, scenario};")),
            ("check".to_string(), BTreeSet::new()),
            ("scenario".to_string(), references("let x = crate::api::get_json(); // crate::check in a comment")),
        ]
        .into_iter()
        .collect();
        assert_eq!(graph["api"], BTreeSet::from(["check".to_string(), "scenario".to_string()]));
        assert_eq!(graph["scenario"], BTreeSet::from(["api".to_string()]));
        assert_eq!(cycles(&graph), vec![vec!["api".to_string(), "scenario".to_string(), "api".to_string()]]);
    }

    #[test]
    fn comments_and_strings_are_not_edges() {
        assert!(references("//! see `crate::runner`\n/// crate::api\nlet url = \"https://x\"; // crate::lint").is_empty());
        assert_eq!(references("let u = \"a//b\"; crate::lint::run()"), BTreeSet::from(["lint".to_string()]));
    }
}
