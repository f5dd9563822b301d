//! Namespace mapping, in one place: the loader hands the scenario's tree (variables substituted,
//! before any step is built) to [`Mapper::scenario`], and every manifest it reads to
//! [`Renames::manifest`], so the runner, the steps and the reports only ever see the mapped scenario.
//!
//! Fields are mapped by what they are: prose about the article (`name`, `description`, `doc`,
//! `erratum`, `mutants`), `capture` paths and `when-var` (compared with the variables as given) are
//! left as written; object names (`name`, `pod`, `serviceaccount`, `secret`, ...) are left unless they
//! name a Namespace; every other scalar is free text, mapped by [`super::mentions`]. A `kubectl`
//! step's `-f FILE` is read by kubectl itself, so when the mapped file differs the command reads the
//! mapped text from stdin instead (`-f -`); nothing is written to disk.

use super::error::LoadError;
use super::mapped_manifest::Renames;
use super::namespaces::NamespaceMap;
use crate::yaml::{Node, Pos, Value};
use std::path::Path;

/// Step keys that are about the article or the run's inputs, not about the cluster.
const STEP_PROSE: &[&str] =
    &["name", "doc", "erratum", "capture", "when-var", "when-version", "timeout", "within", "stable-for", "prerequisite", "verification"];
/// Keys whose scalar values name an object, a file, a kind or a verb: never a namespace.
const NAME_KEYS: &[&str] = &[
    "name",
    "pod",
    "container",
    "serviceaccount",
    "secret",
    "key",
    "kind",
    "apiVersion",
    "api-version",
    "file",
    "files",
    "verb",
    "via",
    "for",
];
/// Field-check keys that hold expected values (left alone when the field is an object's name).
const EXPECTED: &[&str] = &["equals", "contains", "not-contains", "matches", "set-equals"];

/// Maps one scenario's tree; collects what it rewrote and what it could not map.
pub(super) struct Mapper<'a> {
    pub renames: Renames,
    dir: &'a Path,
    file: &'a Path,
    /// What the report shows: `-f` files read from stdin.
    pub notes: Vec<String>,
    pub errors: Vec<LoadError>,
}

impl<'a> Mapper<'a> {
    /// A mapper for `map`, whose owned cluster-scoped objects are found in `root` (see
    /// [`super::owned::cluster_objects`]).
    pub fn new(map: &NamespaceMap, root: &Node, dir: &'a Path, file: &'a Path) -> Mapper<'a> {
        let objects = match map.cluster_suffix() {
            Some(suffix) => super::owned::cluster_objects(root, dir).into_iter().map(|n| (n.clone(), format!("{n}{suffix}"))).collect(),
            None => Default::default(),
        };
        Mapper { renames: Renames { namespaces: map.pairs().clone(), objects }, dir, file, notes: Vec::new(), errors: Vec::new() }
    }

    /// Maps the top level: `namespaces`, `cleanup` and each step.
    pub fn scenario(&mut self, root: &mut Node) {
        let Value::Map(entries) = &mut root.value else { return };
        for (k, v) in entries.iter_mut() {
            match k.as_str().unwrap_or_default() {
                "namespaces" | "cleanup" => self.value(v, Field::default()),
                "steps" => {
                    if let Value::Seq(steps) = &mut v.value {
                        steps.iter_mut().for_each(|s| self.step(s));
                    }
                }
                _ => {}
            }
        }
    }

    fn step(&mut self, step: &mut Node) {
        let Value::Map(entries) = &mut step.value else { return };
        for (k, v) in entries.iter_mut() {
            match k.as_str().unwrap_or_default() {
                // A lint judges the article's files as written, with no cluster: see `mapped::lint_callers`.
                key if STEP_PROSE.contains(&key) || key == "lint" => {}
                "kubectl" => self.kubectl(v),
                _ => {
                    let namespace_object = v.path(&["resource", "kind"]).and_then(Node::as_str) == Some("Namespace");
                    self.value(v, Field { namespace_object, ..Field::default() });
                }
            }
        }
    }

    /// Any value inside a step kind, by the key it stands under.
    fn value(&mut self, node: &mut Node, field: Field) {
        match &mut node.value {
            Value::Scalar { text, plain, .. } => {
                let mapped = if field.object_name { self.renames.name(text) } else { self.renames.text(text) };
                if mapped != *text {
                    // Written as a string whatever the new text looks like.
                    (*text, *plain) = (mapped, false);
                }
            }
            Value::Seq(items) => items.iter_mut().for_each(|i| self.value(i, field)),
            Value::Map(_) => {
                let kind_namespace = node.get("kind").and_then(Node::as_str) == Some("Namespace") || field.namespace_object;
                // A check of an object's name (`metadata.name`, `subjects[*].name`), not of `username`.
                let names_path = node.get("path").and_then(Node::as_str).is_some_and(|p| p == "name" || p.ends_with(".name"));
                let Value::Map(entries) = &mut node.value else { return };
                for (k, v) in entries.iter_mut() {
                    let key = k.as_str().unwrap_or_default();
                    let object_name = match key {
                        "name" => !kind_namespace,
                        "manifest" | "stdin" => {
                            self.manifest_scalar(v);
                            continue;
                        }
                        key if EXPECTED.contains(&key) => names_path && !field.namespace_object,
                        key => NAME_KEYS.contains(&key),
                    };
                    self.value(v, Field { object_name, namespace_object: field.namespace_object });
                }
            }
        }
    }

    /// An inline manifest (or a kubectl `stdin:`): mapped by its structure when it reads as YAML.
    fn manifest_scalar(&mut self, node: &mut Node) {
        let pos = node.pos;
        if let Value::Scalar { text, .. } = &mut node.value {
            match self.renames.manifest(text) {
                Ok(mapped) => *text = mapped,
                Err(_) => *text = self.renames.text(text),
            }
        } else {
            self.unmappable(pos, "an inline manifest must be text to be mapped".into());
        }
    }

    /// `kubectl:`: its words mapped one by one, its `-f` files read, mapped and passed on stdin.
    fn kubectl(&mut self, body: &mut Node) {
        let (command_pos, words, from_args) = match (body.get("command"), body.get("args")) {
            (Some(c), _) => match c.as_str().map(crate::command_line::split) {
                Some(Ok(w)) => (c.pos, w, false),
                _ => return, // the step's own build says what is wrong with it
            },
            (None, Some(a)) => (a.pos, a.items().iter().filter_map(|i| i.as_str().map(String::from)).collect(), true),
            (None, None) => return,
        };
        let has_stdin = body.get("stdin").is_some();
        let Some((mapped, stdin)) = self.kubectl_words(&words, has_stdin, command_pos) else { return };
        let Value::Map(entries) = &mut body.value else { return };
        for (k, v) in entries.iter_mut() {
            match (k.as_str().unwrap_or_default(), &mut v.value) {
                ("command", Value::Scalar { text, plain, .. }) if mapped != words => {
                    *text = crate::command_line::join(&mapped);
                    *plain = false;
                }
                ("args", Value::Seq(items)) if from_args => {
                    for (item, word) in items.iter_mut().zip(&mapped) {
                        if let Value::Scalar { text, .. } = &mut item.value {
                            *text = word.clone();
                        }
                    }
                    items.truncate(mapped.len());
                }
                ("command" | "args", _) => {}
                ("stdin", _) => self.manifest_scalar(v),
                _ => self.value(v, Field::default()),
            }
        }
        if let Some(text) = stdin {
            let key = Node { pos: command_pos, value: Value::Scalar { text: "stdin".into(), plain: true, tag: None } };
            entries.push((key, Node { pos: command_pos, value: Value::Scalar { text, plain: false, tag: None } }));
        }
    }

    /// The mapped words, and the mapped text of the `-f` files when they now come from stdin.
    fn kubectl_words(&mut self, words: &[String], has_stdin: bool, pos: Pos) -> Option<(Vec<String>, Option<String>)> {
        let mut out = Vec::new();
        let mut files: Vec<(usize, String)> = Vec::new();
        let mut it = words.iter().peekable();
        while let Some(word) = it.next() {
            let (flag, inline) = match word.split_once('=') {
                Some((f, v)) if f.starts_with('-') => (f, Some(v.to_string())),
                // `-fpod.yaml`: the value attached to the short flag.
                _ if word.starts_with("-f") && word.len() > 2 && !word.starts_with("--") => ("-f", Some(word[2..].to_string())),
                _ => (word.as_str(), None),
            };
            match flag {
                "-f" | "--filename" => {
                    let value = inline.or_else(|| it.next().cloned()).unwrap_or_default();
                    files.push((out.len(), value.clone()));
                    out.push("-f".into());
                    out.push(value);
                }
                "-k" | "--kustomize" => {
                    self.unmappable(pos, format!("`{word}`: a kustomization is built by kubectl and cannot be mapped"));
                    return None;
                }
                _ => out.push(self.renames.text(word)),
            }
        }
        let mut texts = Vec::new();
        let mut changed = false;
        for (_, file) in &files {
            if file == "-" {
                return Some((out, None)); // stdin is a key of the step, mapped with it
            }
            if file.contains("://") {
                self.unmappable(pos, format!("`-f {file}`: a manifest from a URL cannot be mapped"));
                return None;
            }
            let text = match crate::footprint::read_tree(&self.dir.join(file)) {
                Ok(t) => t,
                Err(e) => {
                    self.unmappable(pos, format!("`-f {file}` cannot be read to be mapped: {e}"));
                    return None;
                }
            };
            let mapped = self.renames.manifest(&text).unwrap_or_else(|_| self.renames.text(&text));
            changed |= mapped != text;
            texts.push(mapped);
        }
        if !changed {
            return Some((out, None));
        }
        if has_stdin {
            self.unmappable(pos, "the command reads `-f` files that mention a mapped namespace and also has `stdin`".into());
            return None;
        }
        // The first `-f FILE` becomes `-f -`, the others go: their mapped texts follow on stdin, in order.
        let first = files[0].0;
        let drop: Vec<usize> = files.iter().skip(1).flat_map(|(i, _)| [*i, *i + 1]).collect();
        let words: Vec<String> = out
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !drop.contains(i))
            .map(|(i, w)| if i == first + 1 { "-".to_string() } else { w })
            .collect();
        let names: Vec<&str> = files.iter().map(|(_, f)| f.as_str()).collect();
        self.notes.push(format!(
            "{}:{}: `-f {}` mapped in memory and read from stdin (`-f -`)",
            self.file.display(),
            pos.line,
            names.join(" -f ")
        ));
        Some((words, Some(texts.join("\n---\n"))))
    }

    fn unmappable(&mut self, pos: Pos, message: String) {
        self.errors.push(LoadError::at(self.file, Some(pos), format!("cannot map namespaces: {message}")));
    }
}

/// What the key a value stands under says about it.
#[derive(Debug, Clone, Copy, Default)]
struct Field {
    /// An object's name: only owned cluster-scoped objects are renamed.
    object_name: bool,
    /// The step's resource is a Namespace (its `name` and name checks are namespaces).
    namespace_object: bool,
}
