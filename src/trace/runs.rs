//! What the scenarios run and check, read from the loaded catalogue: each step's command lines (a
//! `kubectl`, `can-i` or `token` command as documented, an `exec` command or script), the manifest
//! documents it applies (`apply`, `kubectl apply|create -f`), and the words its expectation checks.
//! This is the side of the scenarios that `trace` holds the article's blocks against.

use super::article::logical_lines;
use super::tokens::{manifest_lines, normalise_command, word_seq};
use crate::scenario::{Action, Catalog, Scenario, Step};
use std::fmt;
use std::path::{Path, PathBuf};

/// One step of one scenario, as `trace` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepInfo {
    pub scenario: String,
    pub file: PathBuf,
    /// Its 1-based position in the scenario, as reports number it.
    pub index: usize,
    pub line: usize,
    pub name: String,
    /// The article section its `doc:` names.
    pub section: Option<String>,
    /// What its `expect:` checks, one entry per check (a scalar, or a map of scalars such as
    /// `{ path: kind, equals: Status }`), each the words of the keys above it and of its own keys and
    /// values, in the order written.
    pub checks: Vec<Vec<String>>,
    /// Its `verification:` reason: it is the harness's own proof, not something the article prints.
    pub verification: Option<String>,
}

impl fmt::Display for StepInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", shown(&self.file).display(), self.line)
    }
}

/// A path as the user reads it: relative to the working directory where it is below it.
pub fn shown(path: &Path) -> PathBuf {
    std::env::current_dir().ok().and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf)).unwrap_or_else(|| path.to_path_buf())
}

/// A command line a step runs, whitespace normalised; `step` indexes [`Runs::steps`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCommand {
    pub text: String,
    pub step: usize,
}

/// One manifest document a step applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedDoc {
    /// Its lines, trimmed, comments and blank lines left out ([`manifest_lines`]).
    pub lines: Vec<String>,
    /// The file (or inline manifest) it is in, and the line the document starts on.
    pub origin: String,
    pub line: usize,
    /// Its file says it is not the article's ("Verification only" in its header comment).
    pub verification: bool,
    pub step: usize,
}

/// Everything the scenarios run, in catalogue order.
#[derive(Debug, Clone, Default)]
pub struct Runs {
    pub steps: Vec<StepInfo>,
    pub commands: Vec<RunCommand>,
    pub manifests: Vec<AppliedDoc>,
}

/// The words of a header comment that mark a manifest as the harness's own, not the article's.
pub const VERIFICATION_MARK: &str = "verification only";

impl Runs {
    /// Reads the catalogue's scenarios that are below `dir` (the article's, [`super::ARTICLE_DIR`]),
    /// all of them when `dir` is `None`. A scenario file that no longer parses (it
    /// loaded a moment ago) only loses its `checks`.
    pub fn of(catalog: &Catalog, dir: Option<&Path>) -> Runs {
        let mut runs = Runs::default();
        for scenario in catalog.scenarios.iter().filter(|s| dir.is_none_or(|d| s.file.starts_with(d))) {
            let tree = std::fs::read_to_string(&scenario.file).ok().and_then(|t| crate::yaml::parse_one(&t).ok());
            for step in &scenario.steps {
                let checks = tree.as_ref().map(|t| expect_checks(t, step)).unwrap_or_default();
                let index = runs.steps.len();
                runs.steps.push(StepInfo {
                    scenario: scenario.name.clone(),
                    file: scenario.file.clone(),
                    index: step.index,
                    line: step.line,
                    name: step.name.clone(),
                    section: step.doc.as_ref().map(|d| d.section.clone()),
                    checks,
                    verification: step.verification.clone(),
                });
                for text in command_lines(&step.action) {
                    runs.commands.push(RunCommand { text: normalise_command(&text), step: index });
                }
                for (origin, text) in applied(scenario, &step.action) {
                    runs.manifests.extend(documents(&origin, &text, index));
                }
            }
        }
        runs
    }

    /// "file:line, file:line (+N more)" for the first `max` of `steps`.
    pub fn list(&self, steps: &[usize], max: usize) -> String {
        let mut s: Vec<String> = steps.iter().take(max).map(|&i| self.steps[i].to_string()).collect();
        if steps.len() > max {
            s.push(format!("(+{} more)", steps.len() - max));
        }
        s.join(", ")
    }

    /// The steps that run `command` (normalised) as written.
    pub fn running(&self, command: &str) -> Vec<usize> {
        self.commands.iter().filter(|c| c.text == command).map(|c| c.step).collect()
    }
}

/// The command lines a step runs, as written in the scenario.
fn command_lines(action: &Action) -> Vec<String> {
    match action {
        Action::Kubectl(k) => vec![k.display.clone()],
        Action::CanI(c) => c.command.iter().flat_map(|c| logical_lines(c)).collect(),
        Action::Token(t) => t.command.iter().flat_map(|c| logical_lines(c)).collect(),
        Action::Exec(e) => match (&e.command, &e.script) {
            (Some(argv), _) => vec![shell_words::join(argv)],
            (None, Some(script)) => logical_lines(script),
            (None, None) => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// (origin, text) of every manifest the step applies: an `apply` step's manifests, and the files of a
/// `kubectl apply|create -f FILE` (relative to the scenario's directory).
fn applied(scenario: &Scenario, action: &Action) -> Vec<(String, String)> {
    match action {
        Action::Apply(a) => a.manifests.iter().map(|m| (m.origin.clone(), m.text.clone())).collect(),
        Action::Kubectl(k) if matches!(k.args.first().map(String::as_str), Some("apply" | "create")) => {
            let files = k.args.windows(2).filter(|w| w[0] == "-f" || w[0] == "--filename").map(|w| scenario.dir().join(&w[1]));
            files.filter(|f| f.is_file()).filter_map(|f| Some((f.display().to_string(), std::fs::read_to_string(&f).ok()?))).collect()
        }
        _ => Vec::new(),
    }
}

/// The documents of one manifest text; all of them are marked verification-only when its header
/// comment (the comment lines it starts with) says so.
fn documents(origin: &str, text: &str, step: usize) -> Vec<AppliedDoc> {
    let header: String = text.lines().take_while(|l| l.trim_start().starts_with('#') || l.trim().is_empty()).collect::<Vec<_>>().join(" ");
    let verification = header.to_lowercase().contains(VERIFICATION_MARK);
    crate::scenario::split_documents(text)
        .into_iter()
        .map(|(line, doc)| AppliedDoc { lines: manifest_lines(doc.lines()), origin: origin.to_string(), line, verification, step })
        .filter(|d| !d.lines.is_empty())
        .collect()
}

/// The checks of the step's `expect:`, read from the scenario's YAML tree.
fn expect_checks(tree: &crate::yaml::Node, step: &Step) -> Vec<Vec<String>> {
    let node =
        tree.get("steps").and_then(|s| s.items().get(step.index - 1)).and_then(|s| s.get(step.action.kind())).and_then(|a| a.get("expect"));
    let mut out = Vec::new();
    if let Some(n) = node {
        collect_checks(n, &mut Vec::new(), &mut out);
    }
    out
}

/// The words of a scalar node (none for a collection).
fn scalar_words(node: &crate::yaml::Node) -> Option<Vec<String>> {
    match &node.value {
        crate::yaml::Value::Scalar { text, .. } => Some(word_seq(text)),
        _ => None,
    }
}

/// One check per scalar, or per map whose values are all scalars, each after the words of the keys
/// above it (`above`).
fn collect_checks(node: &crate::yaml::Node, above: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    use crate::yaml::Value;
    let with = |above: &[String], own: Vec<String>| above.iter().cloned().chain(own).collect::<Vec<_>>();
    match &node.value {
        Value::Scalar { .. } => out.push(with(above, scalar_words(node).unwrap_or_default())),
        Value::Seq(items) => items.iter().for_each(|i| collect_checks(i, above, out)),
        Value::Map(entries) => {
            let leaf: Option<Vec<Vec<String>>> =
                entries.iter().map(|(k, v)| Some(scalar_words(k)?.into_iter().chain(scalar_words(v)?).collect())).collect();
            match leaf {
                Some(pairs) => out.push(with(above, pairs.concat())),
                None => {
                    for (k, v) in entries {
                        let key = scalar_words(k).unwrap_or_default();
                        let n = above.len();
                        above.extend(key);
                        collect_checks(v, above, out);
                        above.truncate(n);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::marked("# Verification only: not in the article\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: x\n", true)]
    #[case::marked_below_a_blank("\n# Verification only (not in the article)\napiVersion: v1\nkind: ServiceAccount\n", true)]
    #[case::the_articles("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: x\n", false)]
    #[case::said_later_is_not_a_header("apiVersion: v1\n# Verification only\nkind: ServiceAccount\n", false)]
    fn a_manifest_is_verification_only_when_its_header_says_so(#[case] text: &str, #[case] marked: bool) {
        let docs = documents("m.yaml", text, 0);
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].verification, marked);
    }

    #[test]
    fn a_multi_document_file_gives_each_document_with_its_line() {
        let docs = documents("m.yaml", "apiVersion: v1\nkind: Namespace\n---\napiVersion: v1\nkind: ServiceAccount\n", 3);
        assert_eq!(docs.iter().map(|d| (d.line, d.step, d.lines.len())).collect::<Vec<_>>(), [(1, 3, 2), (4, 3, 2)]);
    }
}
