//! The doc kill matrix: generic edits of the article, generated from its own blocks (a flag's value
//! changed, a manifest field changed, an expected output line changed, a block dropped, a block added),
//! each of which must turn the trace red and name the edited block. An edit that leaves the trace
//! green is a survivor: a part of the article the scenarios do not hold to.

use super::article::{self, Block, BlockKind};
use super::declared::Declared;
use super::matching::Trace;
use super::runs::Runs;
use super::tokens::{kind_name, manifest_lines, normalise_command};
use serde::{Deserialize, Serialize};
use std::ops::RangeInclusive;

/// The kinds of edit, in the order the matrix reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EditKind {
    FlagValue,
    ManifestField,
    OutputLine,
    /// An expected output line with two of its words swapped: the same words, out of order.
    OutputOrder,
    DropBlock,
    AddBlock,
}

impl EditKind {
    pub const ALL: [EditKind; 6] = [
        EditKind::FlagValue,
        EditKind::ManifestField,
        EditKind::OutputLine,
        EditKind::OutputOrder,
        EditKind::DropBlock,
        EditKind::AddBlock,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EditKind::FlagValue => "change a flag's value",
            EditKind::ManifestField => "change a manifest field",
            EditKind::OutputLine => "change an expected output line",
            EditKind::OutputOrder => "reorder an output line's words",
            EditKind::DropBlock => "drop a block",
            EditKind::AddBlock => "add a block",
        }
    }
}

/// One edit of the article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub kind: EditKind,
    /// The article line of the block it edits.
    pub block: usize,
    /// What it changes, for the report: `line 220: --duration=10m -> --duration=11m`.
    pub what: String,
    /// The edited article.
    pub text: String,
    /// Lines of the edited article a failure may name to name the edit.
    pub lines: RangeInclusive<usize>,
    /// Texts a failure's message may hold to name the edit (a dropped block's command or object).
    pub names: Vec<String>,
}

impl Edit {
    /// The trace of the edited article is red and one of its failures names the edit.
    pub fn killed_by(&self, trace: &Trace) -> bool {
        !trace.passed()
            && trace.failures().iter().any(|(line, message)| {
                line.is_some_and(|l| self.lines.contains(&l)) || self.names.iter().any(|n| message.contains(n.as_str()))
            })
    }
}

/// A word changed so that it means something else: a number counted up (`10m` -> `11m`, `403` ->
/// `404`), yes/no and true/false swapped, any other word marked.
pub fn mutate(word: &str) -> String {
    match word {
        "yes" => return "no".into(),
        "no" => return "yes".into(),
        "true" => return "false".into(),
        "false" => return "true".into(),
        _ => {}
    }
    let digits: String = word.chars().take_while(char::is_ascii_digit).collect();
    match digits.parse::<u64>().ok().and_then(|n| n.checked_add(1)) {
        Some(n) => format!("{n}{}", &word[digits.len()..]),
        None => format!("{word}x"),
    }
}

/// `line` with its last word (a run of letters and digits) mutated; `None` when it has none.
fn mutate_last_word(line: &str) -> Option<String> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let last = chars.iter().rposition(|(_, c)| c.is_alphanumeric())?;
    let mut first = last;
    while first > 0 && chars[first - 1].1.is_alphanumeric() {
        first -= 1;
    }
    let (start, end) = (chars[first].0, chars[last].0 + chars[last].1.len_utf8());
    Some(format!("{}{}{}", &line[..start], mutate(&line[start..end]), &line[end..]))
}

/// `line` with its first two different words (runs of letters and digits) swapped; `None` when it has
/// fewer than two different words.
fn swap_words(line: &str) -> Option<String> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices().chain(std::iter::once((line.len(), ' '))) {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    let word = |(s, e): (usize, usize)| &line[s..e];
    let first = *spans.first()?;
    let second = *spans.iter().find(|&&s| word(s) != word(first))?;
    Some(format!("{}{}{}{}{}", &line[..first.0], word(second), &line[first.1..second.0], word(first), &line[second.1..]))
}

/// Every edit of the matrix, generated from the article's blocks.
pub fn edits(text: &str) -> Vec<Edit> {
    let lines: Vec<&str> = text.lines().collect();
    let markdown = lines.iter().any(|l| l.trim_start().starts_with("```"));
    let mut out = Vec::new();
    for block in article::blocks(text) {
        let last = last_line(&lines, &block);
        for n in block.line()..=last {
            let Some(line) = lines.get(n - 1) else { continue };
            let edited: Vec<(EditKind, String)> = match block.kind {
                BlockKind::Commands => flag_edits(line).into_iter().map(|e| (EditKind::FlagValue, e)).collect(),
                BlockKind::Manifest => field_edit(line).into_iter().map(|e| (EditKind::ManifestField, e)).collect(),
                BlockKind::Output => {
                    let changed = mutate_last_word(line).map(|e| (EditKind::OutputLine, e));
                    changed.into_iter().chain(swap_words(line).map(|e| (EditKind::OutputOrder, e))).collect()
                }
            };
            for (kind, new) in edited {
                let what = format!("line {n}: `{}` -> `{}`", line.trim(), new.trim());
                out.push(Edit {
                    kind,
                    block: block.line(),
                    what,
                    text: replace(&lines, n..=n, &[new]),
                    lines: block.line()..=last,
                    names: Vec::new(),
                });
            }
        }
        out.push(drop_edit(&lines, &block, last));
        if let Some(add) = add_edit(&lines, &block, last, markdown) {
            out.push(add);
        }
    }
    out
}

/// The last article line of a block's content (a command's continuations included, a closing fence not).
fn last_line(lines: &[&str], block: &Block) -> usize {
    let mut n = block.lines.last().map_or(block.line(), |l| l.line);
    while lines.get(n - 1).is_some_and(|l| l.trim_end().ends_with('\\')) && n < lines.len() {
        n += 1;
    }
    n
}

/// The article with `range` (1-based lines) replaced by `new`.
fn replace(lines: &[&str], range: RangeInclusive<usize>, new: &[String]) -> String {
    let mut out: Vec<String> = lines[..range.start() - 1].iter().map(|s| s.to_string()).collect();
    out.extend(new.iter().cloned());
    out.extend(lines[*range.end()..].iter().map(|s| s.to_string()));
    out.join("\n") + "\n"
}

/// One edit per flag value on a command line: `--flag=value`, or `-f value` / `--flag value`.
fn flag_edits(line: &str) -> Vec<String> {
    let indent = &line[..line.len() - line.trim_start().len()];
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let changed = if let Some((flag, value)) = w.split_once('=').filter(|(f, v)| f.starts_with('-') && !v.is_empty()) {
            Some((i, format!("{flag}={}", mutate_last_word(value).unwrap_or_else(|| mutate(value)))))
        } else if w.starts_with('-') && w.len() > 1 && !w.contains('=') {
            words
                .get(i + 1)
                .filter(|v| !v.starts_with('-') && **v != "\\")
                .map(|v| (i + 1, mutate_last_word(v).unwrap_or_else(|| mutate(v))))
        } else {
            None
        };
        if let Some((at, new)) = changed {
            let mut edited: Vec<String> = words.iter().map(|s| s.to_string()).collect();
            edited[at] = new;
            out.push(format!("{indent}{}", edited.join(" ")));
        }
    }
    out
}

/// A manifest line `key: value` with the value's last word changed.
fn field_edit(line: &str) -> Option<String> {
    let (key, value) = line.split_once(": ")?;
    (!value.trim().is_empty()).then(|| mutate_last_word(value).map(|v| format!("{key}: {v}")))?
}

fn drop_edit(lines: &[&str], block: &Block, last: usize) -> Edit {
    let first = &block.lines[0].text;
    let mut names = vec![normalise_command(first)];
    if block.kind == BlockKind::Manifest {
        names.extend(kind_name(&manifest_lines(block.lines.iter().map(|l| l.text.as_str()))));
    }
    Edit {
        kind: EditKind::DropBlock,
        block: block.line(),
        what: format!("lines {}-{last} dropped ({} `{}`)", block.line(), block.kind, first.trim()),
        text: replace(lines, block.line()..=last, &[]),
        // the line before it, and what now follows in its place (an output that lost its command)
        lines: block.line().saturating_sub(1)..=block.line() + 3,
        names,
    }
}

/// A new block after this one: a copy of its first line (a command, a manifest) with a word changed.
fn add_edit(lines: &[&str], block: &Block, last: usize, markdown: bool) -> Option<Edit> {
    let copy: Vec<String> = match block.kind {
        BlockKind::Commands => vec![mutate_last_word(&block.lines[0].text)?],
        BlockKind::Manifest => {
            let mut c: Vec<String> = block.lines.iter().map(|l| l.text.clone()).collect();
            let name = c.iter().position(|l| l.trim_start().starts_with("name:"))?;
            c[name] = mutate_last_word(&c[name])?;
            c
        }
        BlockKind::Output => return None,
    };
    let mut new = vec![lines[last - 1].to_string()];
    match (markdown, block.kind) {
        (true, BlockKind::Manifest) => new.push("\n```yaml".into()),
        (true, _) => new.push("\n```bash".into()),
        (false, _) => new.push("Then run this one as well.".into()),
    }
    let start = last + 2;
    new.extend(copy.iter().cloned());
    if markdown {
        new.push("```".into());
    }
    let end = start + copy.len() - 1;
    Some(Edit {
        kind: EditKind::AddBlock,
        block: block.line(),
        what: format!("after line {last}: a new {} `{}`", block.kind, copy[0].trim()),
        text: replace(lines, last..=last, &new),
        lines: start..=end + 1,
        names: Vec::new(),
    })
}

/// How one kind of edit fared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindTally {
    pub kind: EditKind,
    pub edits: usize,
    pub killed: usize,
}

/// The matrix: per kind, how many edits were made and killed; the survivors described.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matrix {
    pub kinds: Vec<KindTally>,
    pub survivors: Vec<String>,
}

impl Matrix {
    pub fn edits(&self) -> usize {
        self.kinds.iter().map(|k| k.edits).sum()
    }

    pub fn killed(&self) -> usize {
        self.kinds.iter().map(|k| k.killed).sum()
    }
}

impl std::fmt::Display for Matrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for k in &self.kinds {
            writeln!(f, "  {:<32} {:>4} edits, {:>4} killed", k.kind.name(), k.edits, k.killed)?;
        }
        for s in &self.survivors {
            writeln!(f, "  SURVIVED: {s}")?;
        }
        write!(f, "doc kill matrix: {} of {} edits killed", self.killed(), self.edits())
    }
}

/// Runs every edit of `text` through the trace.
pub fn matrix(text: &str, runs: &Runs, declared: &Declared) -> Matrix {
    let mut kinds: Vec<KindTally> = EditKind::ALL.iter().map(|&kind| KindTally { kind, edits: 0, killed: 0 }).collect();
    let mut survivors = Vec::new();
    for edit in edits(text) {
        let tally = kinds.iter_mut().find(|k| k.kind == edit.kind).expect("every kind is tallied");
        tally.edits += 1;
        if edit.killed_by(&super::trace_text(&edit.text, runs, declared)) {
            tally.killed += 1;
        } else {
            survivors.push(format!("{}: {}", edit.kind.name(), edit.what));
        }
    }
    Matrix { kinds, survivors }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::number("10m", "11m")]
    #[case::answer("yes", "no")]
    #[case::word("dev", "devx")]
    #[case::too_big_to_count_up("18446744073709551615", "18446744073709551615x")]
    fn a_word_is_changed_to_mean_something_else(#[case] word: &str, #[case] want: &str) {
        assert_eq!(mutate(word), want);
    }

    #[test]
    fn flags_and_fields_are_edited_in_place() {
        assert_eq!(
            flag_edits("kubectl create token x -n dev --duration=10m"),
            ["kubectl create token x -n devx --duration=10m", "kubectl create token x -n dev --duration=11m"]
        );
        assert_eq!(field_edit("verbs: [\"get\", \"list\", \"watch\"]").as_deref(), Some("verbs: [\"get\", \"list\", \"watchx\"]"));
        assert_eq!(mutate_last_word("\"code\": 403").as_deref(), Some("\"code\": 404"));
        assert_eq!(mutate_last_word("{"), None);
        assert_eq!(swap_words("\"kind\": \"Status\",").as_deref(), Some("\"Status\": \"kind\","));
        assert_eq!(swap_words("NAME SECRETS AGE").as_deref(), Some("SECRETS NAME AGE"));
        assert_eq!(swap_words("yes"), None);
        assert_eq!(swap_words("a a"), None);
    }

    #[test]
    fn every_kind_of_edit_is_generated_from_a_small_article() {
        let text = "Setup\nRun:\nkubectl create token x -n dev\nExpected output:\nyes\nThe manifest.\napiVersion: v1\nkind: ServiceAccount\nmetadata:\nname: x\nThat is all.\n";
        let kinds: std::collections::BTreeSet<EditKind> = edits(text).iter().map(|e| e.kind).collect();
        assert_eq!(kinds.len(), 5, "{kinds:?}");

        let add = edits(text).into_iter().find(|e| e.kind == EditKind::AddBlock).unwrap();
        assert!(add.text.contains("Then run this one as well.\nkubectl create token x -n devx\n"), "{}", add.text);
        let two_words = text.replace("Expected output:\nyes", "Expected output:\nyes no");
        let kinds: std::collections::BTreeSet<EditKind> = edits(&two_words).iter().map(|e| e.kind).collect();
        assert_eq!(kinds.len(), 6, "{kinds:?}");
    }
}

#[cfg(test)]
mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// Lines made of the pieces the readers look for, in any order.
    fn tutorial() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "kubectl get pods -n dev",
            "curl --cacert x \\",
            "TOKEN=$(cat t)",
            "apiVersion: v1",
            "kind: Pod",
            "name: é",
            "---",
            "Expected output:",
            "{",
            "}",
            "\"a\": [1, {\"b\": \"}\"}]",
            "NAME AGE",
            "yes",
            "```",
            "```yaml",
            "$ kubectl get sa \\",
            "# Heading",
            "Some prose that ends here.",
            "",
            "18446744073709551615",
        ]);
        prop::collection::vec(piece, 0..40).prop_map(|v| v.join("\n"))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn reading_editing_and_tracing_any_tutorial_never_panics(text in tutorial()) {
            let article = article::read(&text);
            for b in &article.blocks {
                prop_assert!(!b.lines.is_empty());
            }
            let runs = Runs::default();
            let m = matrix(&text, &runs, &Declared::default());
            prop_assert_eq!(m.edits(), edits(&text).len());
        }
    }
}
