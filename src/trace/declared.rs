//! The article's declarations, a data file next to the claims (`scenarios/trace.yaml`):
//! lines of the article no step runs, each with the reason (a prose example, a placeholder, an
//! interactive shell, a value no run reproduces), and commands the scenarios run that the article does
//! not print, each with why. An entry is matched by its text, so an edited article makes it stale, and
//! a stale entry is a failure like a block not run.

use crate::yaml::{from_node, parse_one, Node};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// An article line no step runs, and why.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotRun {
    /// The line as the article prints it (whitespace is normalised before comparing).
    pub text: String,
    /// Only in this section (when the article prints the line in several, each is declared on its own).
    #[serde(default)]
    pub section: Option<String>,
    pub reason: String,
}

/// A command or a manifest the scenarios run that the article does not print (or prints only in
/// other sections than `section`), and why.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// A command line, as the step runs it.
    #[serde(default)]
    pub command: Option<String>,
    /// Or a manifest file, relative to the declarations file's directory.
    #[serde(default)]
    pub manifest: Option<String>,
    /// Only the steps filed under this section (`doc.section`): the article prints the command, but
    /// in another section.
    #[serde(default)]
    pub section: Option<String>,
    pub reason: String,
}

/// One entry and the line of the file it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<T> {
    pub line: usize,
    pub entry: T,
}

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declared {
    pub file: Option<PathBuf>,
    pub not_run: Vec<Entry<NotRun>>,
    pub verification: Vec<Entry<Verification>>,
}

/// The file could not be read or says something it may not; every problem is listed.
#[derive(Debug, thiserror::Error)]
pub enum DeclaredError {
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", problems.join("\n"))]
    Invalid { problems: Vec<String> },
}

const KEYS: &[&str] = &["not-run", "verification"];

impl Declared {
    /// The directory `manifest` entries are relative to: the file's.
    pub fn dir(&self) -> PathBuf {
        self.file.as_ref().and_then(|f| f.parent()).map(Path::to_path_buf).unwrap_or_default()
    }

    /// Reads `path`; a file that does not exist declares nothing.
    pub fn load(path: &Path) -> Result<Declared, DeclaredError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Declared::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Declared::default()),
            Err(source) => Err(DeclaredError::Read { path: path.to_path_buf(), source }),
        }
    }

    /// Parses the file's text; `path` names it in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Declared, DeclaredError> {
        let at = |line: usize, m: &str| format!("{}:{line}: {m}", super::runs::shown(path).display());
        let root =
            parse_one(text).map_err(|e| DeclaredError::Invalid { problems: vec![at(e.pos.map_or(1, |p| p.line), &e.describe())] })?;
        let mut problems = Vec::new();
        let mut declared = Declared { file: Some(path.to_path_buf()), ..Declared::default() };
        if !root.is_null() && !root.is_map() {
            problems.push(at(root.pos.line, "expected a mapping with `not-run` and `verification` lists"));
        }
        for (key, value) in root.entries() {
            let name = key.as_str().unwrap_or_default();
            match name {
                "not-run" => declared.not_run = entries(value, &at, &mut problems),
                "verification" => declared.verification = entries(value, &at, &mut problems),
                other => problems.push(at(key.pos.line, &format!("unknown key `{other}` (known: {})", KEYS.join(", ")))),
            }
        }
        let mut seen = std::collections::BTreeMap::new();
        for e in &declared.not_run {
            if e.entry.reason.trim().is_empty() {
                problems.push(at(e.line, "an entry needs a `reason`"));
            }
            if let Some(first) = seen.insert((super::tokens::normalise_command(&e.entry.text), e.entry.section.clone()), e.line) {
                problems.push(at(e.line, &format!("the same text is declared on line {first}")));
            }
        }
        for e in &declared.verification {
            if e.entry.reason.trim().is_empty() {
                problems.push(at(e.line, "an entry needs a `reason`"));
            }
            if e.entry.command.is_some() == e.entry.manifest.is_some() {
                problems.push(at(e.line, "a `verification` entry names exactly one of `command` or `manifest`"));
            }
        }
        if problems.is_empty() {
            Ok(declared)
        } else {
            Err(DeclaredError::Invalid { problems })
        }
    }
}

/// The items of a list key, each deserialised on its own so every bad entry is reported.
fn entries<T: serde::de::DeserializeOwned>(list: &Node, at: &dyn Fn(usize, &str) -> String, problems: &mut Vec<String>) -> Vec<Entry<T>> {
    if !list.is_null() && list.items().is_empty() && !matches!(list.value, crate::yaml::Value::Seq(_)) {
        problems.push(at(list.pos.line, "expected a list of entries"));
    }
    let mut out = Vec::new();
    for item in list.items() {
        match from_node::<T>(item) {
            Ok(entry) => out.push(Entry { line: item.pos.line, entry }),
            Err(e) => problems.push(at(e.pos.map_or(item.pos.line, |p| p.line), &e.describe())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_keep_their_lines() {
        let text = "not-run:\n  - text: kubectl exec -it x -- sh\n    reason: interactive\nverification:\n  - command: kubectl api-versions\n    reason: RBAC is on\n";
        let d = Declared::parse(text, Path::new("trace.yaml")).unwrap();
        assert_eq!((d.not_run[0].line, d.verification[0].line), (2, 5));
    }

    #[test]
    fn unknown_keys_and_missing_reasons_are_all_reported() {
        let text = "not-run:\n  - text: a\n    reason: ''\n  - text: b\n    why: x\nextra: []\n";
        let Err(DeclaredError::Invalid { problems }) = Declared::parse(text, Path::new("trace.yaml")) else { panic!("accepted") };
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems.iter().any(|p| p.starts_with("trace.yaml:6: unknown key `extra`")), "{problems:#?}");
        assert!(problems.iter().any(|p| p.contains("unknown field `why`")), "{problems:#?}");
    }

    #[test]
    fn no_file_declares_nothing() {
        assert_eq!(Declared::load(Path::new("/no/such/trace.yaml")).unwrap(), Declared::default());
    }
}
