//! A tutorial's blocks: the commands, manifests and expected outputs it prints, each with its article
//! line and the section (heading) it is under. Two shapes are read: Markdown with fenced blocks, and
//! plain text where the fences are lost (a copy-paste of a web page: code lines among the prose, YAML
//! without its indentation), where a line's shape says what it is.

use std::fmt;

/// What a block holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlockKind {
    /// Shell command lines (`\` continuations joined), run on a workstation or in a pod.
    Commands,
    /// Kubernetes YAML, one or more documents.
    Manifest,
    /// What the article says a command prints.
    Output,
}

impl fmt::Display for BlockKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BlockKind::Commands => "command",
            BlockKind::Manifest => "manifest",
            BlockKind::Output => "output",
        })
    }
}

/// One line of a block as the article prints it (a command with its continuations is one line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line of the article where it starts.
    pub line: usize,
    /// The text, `\` continuations joined with a space, a Markdown `$ ` prompt removed.
    pub text: String,
}

/// One block of the article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    /// The heading it is under ("Introduction" before the first one).
    pub section: String,
    pub lines: Vec<Line>,
    /// The last article line it takes (continuations and fences included).
    pub end: usize,
}

impl Block {
    /// The article line it starts on.
    pub fn line(&self) -> usize {
        self.lines.first().map_or(self.end, |l| l.line)
    }
}

/// The section of the paragraphs before the first heading.
pub const INTRODUCTION: &str = "Introduction";

/// Shell words that start a command line in plain text.
const COMMANDS: &[&str] =
    &["kubectl", "curl", "ls", "cat", "echo", "export", "grep", "helm", "kind", "docker", "jq", "openssl", "base64", "wget", "sh", "bash"];

/// A tutorial read into blocks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Article {
    pub blocks: Vec<Block>,
    /// Lines that announce an output ("Expected output:") with no output after them.
    pub missing_outputs: Vec<usize>,
    /// Each heading: (its article line, the section name); [`INTRODUCTION`] has none.
    pub sections: Vec<(usize, String)>,
}

impl Article {
    /// The section that article line `line` (1-based) is in.
    pub fn section_at(&self, line: usize) -> &str {
        self.sections.iter().rev().find(|(at, _)| *at <= line).map_or(INTRODUCTION, |(_, name)| name.as_str())
    }
}

/// The blocks of a tutorial: Markdown when it has fences, plain text otherwise.
pub fn read(text: &str) -> Article {
    if text.lines().any(|l| l.trim_start().starts_with("```")) {
        let (blocks, sections) = markdown(text);
        Article { blocks, missing_outputs: Vec::new(), sections }
    } else {
        plain(text)
    }
}

/// The blocks of a tutorial ([`read`] without the rest).
pub fn blocks(text: &str) -> Vec<Block> {
    read(text).blocks
}

/// A shell command line: a known command word first, or a variable assignment (`TOKEN=$(cat ...)`).
pub fn is_command(line: &str) -> bool {
    let t = line.trim();
    let first = t.split_whitespace().next().unwrap_or("");
    COMMANDS.contains(&first) || is_assignment(first)
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                && name.starts_with(|c: char| c.is_ascii_uppercase())
        }
        None => false,
    }
}

/// A line of YAML in a manifest whose indentation may be lost: `key: value`, `- item`, `---`.
fn is_yaml(line: &str) -> bool {
    let t = line.trim();
    if t == "---" || t.starts_with("- ") || t.starts_with('#') {
        return true;
    }
    let t = t.strip_prefix("- ").unwrap_or(t);
    match t.split_once(':') {
        Some((key, rest)) => {
            !key.is_empty()
                && key.chars().all(|c| c.is_ascii_alphanumeric() || "_.-/\"'".contains(c))
                && (rest.is_empty() || rest.starts_with(' '))
        }
        None => false,
    }
}

/// A sentence: it ends like one, or is too long to be code's output.
fn is_prose(line: &str) -> bool {
    let t = line.trim();
    let words = t.split_whitespace().count();
    (words >= 2 && t.ends_with(['.', ':', '!', '?'])) || words >= 10
}

/// A plain-text heading: a short capitalised line with no sentence punctuation and no code in it.
fn is_heading(line: &str) -> bool {
    let t = line.trim();
    let words = t.split_whitespace().count();
    (1..=10).contains(&words)
        && t.starts_with(|c: char| c.is_uppercase())
        && !t.ends_with(['.', ':', ';', ',', '!', '?'])
        && !t.contains(['=', '{', '}', '|', ':', '/', '"'])
        && !t.contains(". ")
        && t.chars().any(|c| c.is_lowercase())
        && !is_command(t)
}

/// A prose line that says an output follows ("Expected output:", "You should see:", "... like this:").
fn announces_output(line: &str) -> bool {
    let t = line.trim().to_lowercase();
    t.ends_with(':')
        && ["expected output", "should see", "output will", "like this", "the output", "prints", "returns"].iter().any(|p| t.contains(p))
}

/// A value printed on a line of its own, as code: one word with a `/` or `:` in it (a path, an
/// identity such as `system:serviceaccount:dev:pod-inspector`), not a heading or a sentence's end.
fn is_literal(line: &str) -> bool {
    let t = line.trim();
    !t.contains(char::is_whitespace) && t.contains(['/', ':']) && !t.ends_with(['.', ':', ',']) && t.len() > 1
}

/// A kubectl table's header: two or more upper-case words.
fn is_table_header(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    words.len() >= 2 && words.iter().all(|w| w.chars().all(|c| c.is_ascii_uppercase() || c == '-' || c == '_'))
}

/// A script's command lines: `\` continuations joined, blank lines and comments left out.
pub fn logical_lines(script: &str) -> Vec<String> {
    let lines: Vec<&str> = script.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim();
        if t.is_empty() || t.starts_with('#') {
            i += 1;
            continue;
        }
        let (cmd, next) = command_at(&lines, i);
        out.push(cmd);
        i = next;
    }
    out
}

/// Joins a command's `\` continuations, from `lines[i]`; returns the command and the index after it.
fn command_at(lines: &[&str], mut i: usize) -> (String, usize) {
    let mut text = String::new();
    loop {
        let l = lines[i].trim();
        let (part, more) = match l.strip_suffix('\\') {
            Some(p) => (p.trim_end(), true),
            None => (l, false),
        };
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(part);
        i += 1;
        if !more || i >= lines.len() {
            return (text, i);
        }
    }
}

/// Blocks of a text whose fences are lost: each line's shape says what it is.
fn plain(text: &str) -> Article {
    let lines: Vec<&str> = text.lines().collect();
    let mut article = Article::default();
    let mut section = INTRODUCTION.to_string();
    // the line (1-based) that announced an output, until the next line that is not blank
    let mut announced: Option<usize> = None;
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i].trim();
        if l.is_empty() {
            i += 1;
            continue;
        }
        let kind = kind_of(l, announced.is_some());
        let taken = kind.map(|k| take(&lines, i, k)).filter(|(out, _)| !out.is_empty());
        if let Some(at) = announced.filter(|_| taken.is_none() || kind != Some(BlockKind::Output)) {
            article.missing_outputs.push(at);
        }
        announced = None;
        match (kind, taken) {
            (Some(kind), Some((out, next))) => {
                article.blocks.push(Block { kind, section: section.clone(), lines: out, end: next });
                i = next;
            }
            _ => {
                if is_heading(l) {
                    section = l.to_string();
                    article.sections.push((i + 1, section.clone()));
                }
                announced = announces_output(l).then_some(i + 1);
                i += 1;
            }
        }
    }
    article.missing_outputs.extend(announced);
    article
}

/// What a line starts, if anything: printed JSON, a command, a manifest, an (announced) output.
fn kind_of(l: &str, announced: bool) -> Option<BlockKind> {
    if l == "{" || l == "[" {
        Some(BlockKind::Output)
    } else if is_command(l) {
        Some(BlockKind::Commands)
    } else if l.starts_with("apiVersion:") {
        Some(BlockKind::Manifest)
    } else if (announced && !is_prose(l)) || is_table_header(l) || is_literal(l) {
        Some(BlockKind::Output)
    } else {
        None
    }
}

/// The lines of a `kind` block starting at `lines[i]`, and the index after it.
fn take(lines: &[&str], mut i: usize, kind: BlockKind) -> (Vec<Line>, usize) {
    let mut out = Vec::new();
    let mut push = |i: &mut usize| {
        out.push(Line { line: *i + 1, text: lines[*i].to_string() });
        *i += 1;
    };
    match kind {
        BlockKind::Commands => {
            let mut cmds = Vec::new();
            while i < lines.len() && is_command(lines[i]) {
                let (cmd, next) = command_at(lines, i);
                cmds.push(Line { line: i + 1, text: cmd });
                i = next;
            }
            return (cmds, i);
        }
        BlockKind::Manifest => {
            while i < lines.len() && is_yaml(lines[i]) && !is_prose(lines[i]) {
                push(&mut i);
            }
        }
        BlockKind::Output if matches!(lines[i].trim(), "{" | "[") => {
            let mut depth = 0i64;
            while i < lines.len() {
                depth += bracket_depth(lines[i]);
                push(&mut i);
                if depth <= 0 {
                    break;
                }
            }
        }
        BlockKind::Output => {
            // the first line is output whatever it looks like (it was announced, or is a table header)
            push(&mut i);
            while i < lines.len() && continues_output(lines[i]) {
                push(&mut i);
            }
        }
    }
    (out, i)
}

/// A line that may still be part of an output printed without fences: not blank, not a sentence, a
/// command, a heading or the start of a manifest.
fn continues_output(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !is_prose(t) && !is_command(t) && !is_heading(t) && !t.starts_with("apiVersion:")
}

/// How much deeper in `{`/`[` a JSON line leaves us (brackets inside strings are not counted).
fn bracket_depth(line: &str) -> i64 {
    let mut depth = 0;
    let mut in_string = false;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' | '[' if !in_string => depth += 1,
            '}' | ']' if !in_string => depth -= 1,
            _ => {}
        }
    }
    depth
}

/// Blocks of Markdown: fenced blocks, typed by their info string and content; `$ ` prompts mark the
/// commands of a console block, whose other lines are their output.
fn markdown(text: &str) -> (Vec<Block>, Vec<(usize, String)>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut sections = Vec::new();
    let mut section = INTRODUCTION.to_string();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i].trim_start();
        if let Some(h) = l.strip_prefix('#') {
            section = h.trim_start_matches('#').trim().to_string();
            sections.push((i + 1, section.clone()));
            i += 1;
            continue;
        }
        let Some(info) = l.strip_prefix("```") else {
            i += 1;
            continue;
        };
        let lang = info.trim().to_lowercase();
        let first = i + 1;
        let mut end = first;
        while end < lines.len() && !lines[end].trim_start().starts_with("```") {
            end += 1;
        }
        let body: Vec<(usize, &str)> = (first..end).map(|n| (n + 1, lines[n])).collect();
        blocks.extend(fenced(&lang, &body, &section, end + 1).into_iter().filter(|b| !b.lines.is_empty()));
        i = end + 1;
    }
    (blocks, sections)
}

/// The blocks of one fence: `body` is (article line, text); `end` the closing fence's line.
fn fenced(lang: &str, body: &[(usize, &str)], section: &str, end: usize) -> Vec<Block> {
    let block = |kind, lines: Vec<Line>| Block { kind, section: section.to_string(), end, lines };
    let raw =
        |b: &[(usize, &str)]| b.iter().filter(|(_, t)| !t.trim().is_empty()).map(|(n, t)| Line { line: *n, text: t.to_string() }).collect();
    let first = body.iter().map(|(_, t)| t.trim()).find(|t| !t.is_empty()).unwrap_or("");
    if matches!(lang, "yaml" | "yml") || first.starts_with("apiVersion:") {
        return vec![block(BlockKind::Manifest, raw(body))];
    }
    let prompted = body.iter().any(|(_, t)| t.trim_start().starts_with("$ "));
    let shell = matches!(lang, "bash" | "sh" | "shell" | "console" | "shell-session" | "zsh");
    if !(prompted || shell || is_command(first)) {
        return vec![block(BlockKind::Output, raw(body))];
    }
    let texts: Vec<&str> = body.iter().map(|(_, t)| *t).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let t = texts[i].trim();
        let (is_cmd, stripped) = match t.strip_prefix("$ ") {
            Some(rest) => (true, rest),
            None => (!prompted && !t.is_empty() && !t.starts_with('#'), t),
        };
        if is_cmd {
            let mut own: Vec<&str> = texts.to_vec();
            own[i] = stripped;
            let (cmd, next) = command_at(&own, i);
            push_line(&mut out, BlockKind::Commands, Line { line: body[i].0, text: cmd });
            i = next;
        } else {
            if prompted && !t.is_empty() {
                push_line(&mut out, BlockKind::Output, Line { line: body[i].0, text: texts[i].to_string() });
            }
            i += 1;
        }
    }
    out.into_iter().map(|(kind, lines)| block(kind, lines)).collect()
}

/// Appends a line to the last run of its kind, or starts a new run.
fn push_line(runs: &mut Vec<(BlockKind, Vec<Line>)>, kind: BlockKind, line: Line) {
    match runs.last_mut() {
        Some((k, lines)) if *k == kind => lines.push(line),
        _ => runs.push((kind, vec![line])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn summary(text: &str) -> Vec<(BlockKind, usize, usize, String)> {
        blocks(text).iter().map(|b| (b.kind, b.line(), b.lines.len(), b.section.clone())).collect()
    }

    #[test]
    fn plain_text_blocks_are_found_by_their_shape() {
        let text = "Intro line of prose that explains things.\nCreating It\nFirst run:\nkubectl create namespace dev\nkubectl auth can-i list pods \\\n--as=system:serviceaccount:dev:x \\\n-n dev\nExpected output:\nyes\nNow the manifest.\napiVersion: v1\nkind: ServiceAccount\nmetadata:\nname: x\nSave it and apply it:\n";
        assert_eq!(
            summary(text),
            [
                (BlockKind::Commands, 4, 2, "Creating It".to_string()),
                (BlockKind::Output, 9, 1, "Creating It".to_string()),
                (BlockKind::Manifest, 11, 4, "Creating It".to_string()),
            ]
        );
        let b = &blocks(text)[0];
        assert_eq!(b.lines[1].text, "kubectl auth can-i list pods --as=system:serviceaccount:dev:x -n dev");
        assert_eq!(b.end, 7);
    }

    #[rstest]
    #[case::followed_by_prose("Expected output:\nThat was it.\n", vec![1])]
    #[case::followed_by_a_command("Expected output:\n\nkubectl get pods\n", vec![1])]
    #[case::at_the_end("Text.\nYou should see:\n", vec![2])]
    #[case::present("Expected output:\nyes\n", vec![])]
    fn an_announced_output_that_is_missing_is_found(#[case] text: &str, #[case] want: Vec<usize>) {
        assert_eq!(read(text).missing_outputs, want);
    }

    #[test]
    fn printed_json_is_one_output_block_to_its_closing_brace() {
        let text = "It will look like this:\n{\n\"kind\": \"Status\",\n\"metadata\": {},\n\"message\": \"a { b\"\n}\nThis is expected.\n";
        assert_eq!(summary(text), [(BlockKind::Output, 2, 5, INTRODUCTION.to_string())]);
    }

    #[test]
    fn a_value_printed_on_its_own_line_is_an_output_block() {
        let text = "These two identities differ:\nsystem:serviceaccount:dev:x\nsystem:serviceaccount:prod:x\nThey are not the same.\nThe path is:\n/var/run/secrets/\nIn it, files.\n";
        assert_eq!(
            summary(text),
            [(BlockKind::Output, 2, 2, INTRODUCTION.to_string()), (BlockKind::Output, 6, 1, INTRODUCTION.to_string())]
        );
    }

    #[rstest]
    #[case::heading("Complete Example", true)]
    #[case::sentence("Pods are different.", false)]
    #[case::lead_in("Modern Kubernetes supports:", false)]
    #[case::output_line("Service Account: pod-inspector", false)]
    #[case::table_header("NAME SECRETS AGE", false)]
    #[case::command("kubectl get pods", false)]
    fn headings_are_short_capitalised_lines_without_code(#[case] line: &str, #[case] heading: bool) {
        assert_eq!(is_heading(line), heading);
    }

    #[test]
    fn markdown_fences_prompts_and_indented_yaml() {
        let text = "# Setup\n\n```console\n$ kubectl get sa -n dev\nNAME AGE\ndefault 1m\n```\n\n## Role\n\n```yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: x\n```\n\nExpected output:\n\n```\nyes\n```\n";
        assert_eq!(
            summary(text),
            [
                (BlockKind::Commands, 4, 1, "Setup".to_string()),
                (BlockKind::Output, 5, 2, "Setup".to_string()),
                (BlockKind::Manifest, 12, 4, "Role".to_string()),
                (BlockKind::Output, 21, 1, "Role".to_string()),
            ]
        );
        assert_eq!(blocks(text)[0].lines[0].text, "kubectl get sa -n dev");
        assert!(blocks("```\n```\n```yaml\n\n```\n```").is_empty(), "an empty fence is no block");
    }
}
