//! Cycles between the files of one folder: within `check/`, `fields.rs` may use `pipe.rs` or be
//! used by it, not both, so a folder reads from the bottom up as the crate's top-level modules do.
//! A folder's root (`mod.rs`) is its index, like `lib.rs` for the crate: it may name its children.

use super::{cycles, group_heads, matching_brace, rust_files, strip_comment, Graph};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Cycles between the files of each folder under `src` ([`folder_graph`]), each as
/// `folder: a -> b -> a`.
pub fn file_cycles(src: &Path) -> std::io::Result<Vec<String>> {
    let files = module_files(src)?;
    let folders: BTreeSet<Vec<String>> = files.iter().filter(|(m, _)| m.len() > 1).map(|(m, _)| m[..m.len() - 1].to_vec()).collect();
    let mut found = Vec::new();
    for folder in folders.iter().filter(|f| !f.is_empty()) {
        for cycle in cycles(&folder_graph(folder, &files)) {
            found.push(format!("{}: {}", folder.join("/"), cycle.join(" -> ")));
        }
    }
    Ok(found)
}

/// Every file under `src` but test files (`tests.rs`), with its module path (`check/fields.rs` ->
/// `[check, fields]`, `check/mod.rs` -> `[check]`) and its text.
fn module_files(src: &Path) -> std::io::Result<Vec<(Vec<String>, String)>> {
    let mut out = Vec::new();
    for file in rust_files(src)? {
        let rel = file.strip_prefix(src).unwrap_or(&file).with_extension("");
        let mut module: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
        if module.last().is_some_and(|m| m == "mod") {
            module.pop();
        }
        if module.last().is_some_and(|m| m == "tests") {
            continue;
        }
        out.push((module, std::fs::read_to_string(&file)?));
    }
    Ok(out)
}

/// The graph of one folder's children (`x.rs` and `x/` are one node `x`, with everything below it):
/// an edge for every path that leads into a sibling, whether written `super::x`, `crate::folder::x`
/// or through a name the folder's root re-exports (`super::Name` with `pub use x::Name` in `mod.rs`
/// is an edge to `x`). An item of the root itself is the node `mod`. The root's own paths are not
/// edges: it declares, re-exports and dispatches to its children, as `lib.rs` does for the crate.
/// `#[cfg(test)]` modules are left out: nothing imports them, so they close no cycle.
pub fn folder_graph(folder: &[String], files: &[(Vec<String>, String)]) -> Graph {
    let depth = folder.len();
    let below: Vec<&(Vec<String>, String)> = files.iter().filter(|(m, _)| m.len() > depth && m[..depth] == *folder).collect();
    let children: BTreeSet<String> = below.iter().map(|(m, _)| m[depth].clone()).collect();
    let root = files.iter().find(|(m, _)| m == folder).map(|(_, text)| text.as_str()).unwrap_or_default();
    let exported = re_exports(root);
    let mut graph: Graph = children.iter().map(|c| (c.clone(), BTreeSet::new())).collect();
    graph.insert("mod".into(), BTreeSet::new());
    for (module, text) in below {
        let node = &module[depth];
        for path in code_paths(module, text) {
            if path.len() <= depth || path[..depth] != *folder {
                continue;
            }
            let name = &path[depth];
            let target = if children.contains(name) { name.clone() } else { exported.get(name).cloned().unwrap_or_else(|| "mod".into()) };
            if target != *node {
                graph.entry(node.clone()).or_default().insert(target);
            }
        }
    }
    graph
}

/// `pub use child::{A, B as C};` in a folder's root: exported name -> the child it comes from.
fn re_exports(root: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in root.lines().map(strip_comment) {
        let Some(rest) = line.trim().strip_prefix("pub use ").or_else(|| line.trim().strip_prefix("pub(crate) use ")) else { continue };
        let Some((child, names)) = rest.trim_end_matches(';').split_once("::") else { continue };
        for name in names.trim_matches(|c| c == '{' || c == '}').split(',') {
            let exported = name.rsplit(" as ").next().unwrap_or(name).trim();
            if !exported.is_empty() && exported != "self" {
                out.insert(exported.to_string(), child.trim().to_string());
            }
        }
    }
    out
}

/// The module paths a file's code names, made absolute (`super::pipe::resolve` in `check/fields.rs`
/// -> `[check, pipe, resolve]`): `crate::`, `super::` and `self::` paths, and paths through a module
/// the file declares. Comments, strings and `#[cfg(test)]` inline modules are skipped.
fn code_paths(module: &[String], text: &str) -> Vec<Vec<String>> {
    let declared: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.trim().trim_start_matches("pub ").strip_prefix("mod ")?.strip_suffix(';').map(str::to_string))
        .collect();
    let mut out = Vec::new();
    let mut inline: Vec<String> = Vec::new();
    let mut in_test = false;
    let mut previous = String::new();
    for line in text.lines() {
        let code = blank_strings(strip_comment(line));
        if let Some(name) = code.trim().trim_start_matches("pub ").strip_prefix("mod ").and_then(|r| r.strip_suffix('{')) {
            // Inline modules run to the end of their file here (test modules, last in a file).
            inline = vec![name.trim().to_string()];
            in_test = previous.trim() == "#[cfg(test)]";
            continue;
        }
        if !code.trim().is_empty() {
            previous = code.clone();
        }
        if in_test {
            continue;
        }
        let here: Vec<String> = module.iter().chain(&inline).cloned().collect();
        for segments in written_paths(&code) {
            let absolute = match segments[0].as_str() {
                "crate" => Some(segments[1..].to_vec()),
                "super" | "self" => {
                    let ups = segments.iter().take_while(|s| *s == "super").count();
                    let skip = if ups == 0 { 1 } else { ups };
                    (ups <= here.len()).then(|| here[..here.len() - ups].iter().chain(&segments[skip..]).cloned().collect())
                }
                first if inline.is_empty() && declared.contains(first) => Some(module.iter().chain(&segments).cloned().collect()),
                _ => None,
            };
            out.extend(absolute);
        }
    }
    out
}

/// The text with the inside of its string literals blanked, so a path in a message is no edge.
fn blank_strings(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in line.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            _ => {}
        }
        out.push(if in_string && c != '"' { ' ' } else { c });
    }
    out
}

/// Every `a::b::c` path in a line of code, each `{...}` group item as its own path
/// (`super::{x, y::z}` -> `super::x`, `super::y`).
fn written_paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < bytes.len() {
        let starts = is_ident(bytes[i]) && (i == 0 || !(is_ident(bytes[i - 1]) || bytes[i - 1] == b'$' || bytes[i - 1] == b':'));
        if !starts {
            i += 1;
            continue;
        }
        let mut segments = Vec::new();
        loop {
            let end = (i..bytes.len()).find(|&j| !is_ident(bytes[j])).unwrap_or(bytes.len());
            segments.push(code[i..end].to_string());
            i = end;
            if !code[i..].starts_with("::") {
                break;
            }
            i += 2;
            if code[i..].starts_with('{') {
                let end = i + 1 + matching_brace(&code[i + 1..]);
                for head in group_heads(&code[i + 1..end.min(code.len())]) {
                    out.push(segments.iter().cloned().chain([head]).collect());
                }
                if group_heads(&code[i + 1..end.min(code.len())]).is_empty() || code[i + 1..end.min(code.len())].contains("self") {
                    out.push(segments.clone());
                }
                segments.clear();
                i = end;
                break;
            }
            if !bytes.get(i).is_some_and(|&c| is_ident(c)) {
                break;
            }
        }
        if segments.len() > 1 {
            out.push(segments);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cycles known and left for another change to remove, each with its reason.
    const KNOWN_FILE_CYCLES: &[(&str, &str)] = &[];

    #[test]
    fn the_files_of_each_folder_import_each_other_without_cycles() {
        let found = file_cycles(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")).expect("src/ is readable");
        let known: Vec<&str> = KNOWN_FILE_CYCLES.iter().map(|(c, _)| *c).collect();
        let new: Vec<&String> = found.iter().filter(|c| !known.contains(&c.as_str())).collect();
        assert!(
            new.is_empty(),
            "import cycles between the files of a folder:\n  {}",
            new.iter().map(|c| c.as_str()).collect::<Vec<_>>().join("\n  ")
        );
        let gone: Vec<&&str> = known.iter().filter(|k| !found.iter().any(|c| c == *k)).collect();
        assert!(gone.is_empty(), "a known cycle is gone; remove it from KNOWN_FILE_CYCLES: {gone:?}");
    }

    /// The graph of folder `f` in a made-up tree of (module path, text).
    fn graph_of_f(tree: &[(&str, &str)]) -> Graph {
        let files: Vec<(Vec<String>, String)> =
            tree.iter().map(|(m, text)| (m.split('/').map(str::to_string).collect(), text.to_string())).collect();
        folder_graph(&["f".to_string()], &files)
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn a_cycle_through_a_name_the_root_re_exports_is_found() {
        let graph = graph_of_f(&[
            ("f", "mod a;\nmod b;\npub use a::Thing;\n"),
            ("f/a", "use super::b::helper;\npub struct Thing;\n"),
            ("f/b", "pub fn helper(_: &super::Thing) {}\n"),
        ]);
        assert_eq!(graph["a"], set(&["b"]));
        assert_eq!(graph["b"], set(&["a"]));
        assert_eq!(cycles(&graph), vec![vec!["a".to_string(), "b".to_string(), "a".to_string()]]);
    }

    #[test]
    fn crate_paths_groups_and_items_of_the_root_are_edges() {
        let graph = graph_of_f(&[
            ("f", "mod a;\nmod b;\nmod c;\npub struct Shared;\nfn f() { a::x(); }\n"),
            ("f/a", "use crate::f::{b::y, c};\nuse super::Shared;\n"),
            ("f/b", "fn y() {}\n"),
            ("f/c", "fn z() { super::super::other::w(); }\n"),
        ]);
        assert_eq!(graph["a"], set(&["b", "c", "mod"]));
        assert!(graph["mod"].is_empty(), "the root's own paths are not edges: {graph:?}");
        assert!(graph["c"].is_empty(), "a path out of the folder is not an edge here: {graph:?}");
    }

    #[test]
    fn test_modules_comments_and_strings_are_not_file_edges() {
        let graph = graph_of_f(&[
            ("f", "mod a;\nmod b;\n"),
            ("f/a", "use super::b::y;\n"),
            ("f/b", "// super::a::x\nlet s = \"super::a::x\";\n#[cfg(test)]\nmod tests {\n    use super::super::a::x;\n}\n"),
        ]);
        assert!(graph["b"].is_empty(), "{graph:?}");
        assert!(cycles(&graph).is_empty());
    }
}
