//! Each block of the article held against what the scenarios run, by content: a command line against
//! the command lines steps run, a manifest document against the documents steps apply, an output line
//! against the words the expectations of the steps that ran its command check. Then the other way:
//! what the scenarios run that the article does not print must say why.

use super::article::{Article, Block, BlockKind};
use super::declared::Declared;
use super::runs::Runs;
use super::tokens::{diff, kind_name, manifest_lines, normalise_command, word_distance, words};
use std::collections::{BTreeMap, BTreeSet};

/// What became of one line (a command, a manifest document, an output line) of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Run or checked as the article prints it, by these steps (indexes into [`Runs::steps`]).
    Verbatim { steps: Vec<usize> },
    /// Not run, for the reason the declarations file gives on `entry` (its line).
    Declared { reason: String, entry: usize },
    /// A step's copy differs from the article: the closest step and a small diff (`- ` the article,
    /// `+ ` the step's copy).
    Drift { step: usize, diff: Vec<String> },
    /// No step runs or checks it.
    NotRun { why: String },
}

impl Verdict {
    pub fn passes(&self) -> bool {
        matches!(self, Verdict::Verbatim { .. } | Verdict::Declared { .. })
    }
}

/// One line of a block with its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub line: usize,
    pub text: String,
    pub verdict: Verdict,
}

/// A block and the verdicts on its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traced {
    pub block: Block,
    pub units: Vec<Unit>,
}

/// How a block fared as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlockState {
    Verbatim,
    Declared,
    Drift,
    NotRun,
}

impl Traced {
    pub fn state(&self) -> BlockState {
        let v = |f: fn(&Verdict) -> bool| self.units.iter().any(|u| f(&u.verdict));
        if v(|x| matches!(x, Verdict::Drift { .. })) {
            BlockState::Drift
        } else if v(|x| matches!(x, Verdict::NotRun { .. })) {
            BlockState::NotRun
        } else if v(|x| matches!(x, Verdict::Declared { .. })) {
            BlockState::Declared
        } else {
            BlockState::Verbatim
        }
    }
}

/// Something the scenarios run that the article does not print, with the reason it is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extra {
    pub what: String,
    pub steps: Vec<usize>,
    pub reason: String,
}

/// A failure that is not one block's: a stale declaration, a step running something unexplained,
/// an announced output that is missing. `line` is the article line when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub message: String,
}

/// The whole trace of one article.
#[derive(Debug, Clone)]
pub struct Trace {
    pub blocks: Vec<Traced>,
    pub extras: Vec<Extra>,
    pub problems: Vec<Problem>,
}

impl Trace {
    /// Every block is run verbatim or declared, and nothing else is wrong.
    pub fn passed(&self) -> bool {
        self.problems.is_empty() && self.blocks.iter().all(|b| b.units.iter().all(|u| u.verdict.passes()))
    }

    /// (article line, message) of every failure, blocks' lines first.
    pub fn failures(&self) -> Vec<(Option<usize>, String)> {
        let units = self.blocks.iter().flat_map(|b| b.units.iter()).filter(|u| !u.verdict.passes());
        let mut out: Vec<(Option<usize>, String)> = units.map(|u| (Some(u.line), u.text.clone())).collect();
        out.extend(self.problems.iter().map(|p| (p.line, p.message.clone())));
        out
    }
}

/// Traces `article` against what the scenarios run (`runs`) and the declarations.
pub fn trace(article: &Article, runs: &Runs, declared: &Declared) -> Trace {
    let mut cx = Cx { runs, declared, used_not_run: BTreeSet::new(), drifted: BTreeSet::new() };
    let mut blocks: Vec<Traced> = Vec::new();
    for block in &article.blocks {
        let units = match block.kind {
            BlockKind::Commands => block.lines.iter().map(|l| cx.command(l.line, &l.text)).collect(),
            BlockKind::Manifest => cx.manifest(block),
            BlockKind::Output => {
                let candidates = candidates(block, &blocks, runs);
                block.lines.iter().filter(|l| !words(&l.text).is_empty()).map(|l| cx.output(l.line, &l.text, &candidates)).collect()
            }
        };
        blocks.push(Traced { block: block.clone(), units });
    }
    let mut problems: Vec<Problem> = article
        .missing_outputs
        .iter()
        .map(|&line| Problem { line: Some(line), message: format!("line {line} announces an output that the article does not print") })
        .collect();
    let (extras, unexplained) = cx.extras(article);
    problems.extend(unexplained);
    problems.extend(cx.stale());
    Trace { blocks, extras, problems }
}

/// What the steps whose command the output belongs to can check: the steps that ran the last command
/// block before it in its section, narrowed to those the scenarios file under the same section; when
/// that command is not run, the steps of the section.
fn candidates(block: &Block, before: &[Traced], runs: &Runs) -> Option<Vec<usize>> {
    let command = before.iter().rev().take_while(|t| t.block.section == block.section).find(|t| t.block.kind == BlockKind::Commands)?;
    let ran: BTreeSet<usize> = command
        .units
        .iter()
        .flat_map(|u| match &u.verdict {
            Verdict::Verbatim { steps } => steps.clone(),
            _ => Vec::new(),
        })
        .collect();
    let in_section = |s: &usize| runs.steps[*s].section.as_deref() == Some(block.section.as_str());
    let narrowed: Vec<usize> = ran.iter().copied().filter(in_section).collect();
    Some(match (ran.is_empty(), narrowed.is_empty()) {
        (true, _) => (0..runs.steps.len()).filter(in_section).collect(),
        (false, true) => ran.into_iter().collect(),
        (false, false) => narrowed,
    })
}

struct Cx<'a> {
    runs: &'a Runs,
    declared: &'a Declared,
    /// Indexes of `not-run` entries that matched a line.
    used_not_run: BTreeSet<usize>,
    /// (step, what it runs) named as the copy of a drifted line: not reported again as unexplained.
    drifted: BTreeSet<(usize, String)>,
}

impl Cx<'_> {
    fn declared(&mut self, line: usize, text: &str) -> Option<Unit> {
        let n = normalise_command(text);
        let i = self.declared.not_run.iter().position(|e| normalise_command(&e.entry.text) == n)?;
        self.used_not_run.insert(i);
        let e = &self.declared.not_run[i];
        Some(Unit { line, text: text.to_string(), verdict: Verdict::Declared { reason: e.entry.reason.clone(), entry: e.line } })
    }

    fn command(&mut self, line: usize, text: &str) -> Unit {
        let n = normalise_command(text);
        let steps = self.runs.running(&n);
        if !steps.is_empty() {
            return Unit { line, text: n, verdict: Verdict::Verbatim { steps: dedup(steps) } };
        }
        if let Some(u) = self.declared(line, &n) {
            return u;
        }
        // the closest command a step runs: the same program and verb, the fewest words apart
        let head = |s: &str| s.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        let closest = self.runs.commands.iter().filter(|c| head(&c.text) == head(&n)).min_by_key(|c| word_distance(&n, &c.text));
        let verdict = match closest {
            Some(c) if word_distance(&n, &c.text) <= n.split_whitespace().count() => {
                self.drifted.insert((c.step, c.text.clone()));
                let (a, b): (Vec<String>, Vec<String>) =
                    (n.split_whitespace().map(String::from).collect(), c.text.split_whitespace().map(String::from).collect());
                Verdict::Drift { step: c.step, diff: diff(&a, &b) }
            }
            _ => Verdict::NotRun { why: "no step runs it".into() },
        };
        Unit { line, text: n, verdict }
    }

    fn manifest(&mut self, block: &Block) -> Vec<Unit> {
        let mut docs: Vec<(usize, Vec<&str>)> = Vec::new();
        for l in &block.lines {
            if l.text.trim() == "---" || docs.is_empty() {
                docs.push((l.line, Vec::new()));
            }
            if let Some((start, lines)) = docs.last_mut() {
                if lines.is_empty() && l.text.trim() == "---" {
                    *start = l.line + 1;
                } else {
                    lines.push(&l.text);
                }
            }
        }
        docs.into_iter().filter(|(_, d)| !manifest_lines(d.iter().copied()).is_empty()).map(|(line, d)| self.document(line, &manifest_lines(d))).collect()
    }

    fn document(&mut self, line: usize, lines: &[String]) -> Unit {
        let text = kind_name(lines).unwrap_or_else(|| lines.first().cloned().unwrap_or_default());
        let same: Vec<usize> = self.runs.manifests.iter().filter(|m| m.lines == lines).map(|m| m.step).collect();
        if !same.is_empty() {
            return Unit { line, text, verdict: Verdict::Verbatim { steps: dedup(same) } };
        }
        let named = kind_name(lines);
        let closest = self.runs.manifests.iter().filter(|m| named.is_some() && kind_name(&m.lines) == named).min_by_key(|m| diff(lines, &m.lines).len());
        let verdict = match closest {
            Some(m) => {
                self.drifted.insert((m.step, m.origin.clone()));
                Verdict::Drift { step: m.step, diff: diff(lines, &m.lines) }
            }
            None => Verdict::NotRun { why: "no step applies it".into() },
        };
        Unit { line, text, verdict }
    }

    fn output(&mut self, line: usize, text: &str, candidates: &Option<Vec<usize>>) -> Unit {
        let text = normalise_command(text);
        if let Some(u) = self.declared(line, &text) {
            return u;
        }
        let Some(candidates) = candidates.as_ref().filter(|c| !c.is_empty()) else {
            let why = if candidates.is_some() { "no step checks it" } else { "no command before it in its section" };
            return Unit { line, text, verdict: Verdict::NotRun { why: why.into() } };
        };
        let want = words(&text);
        let checks = |s: &usize| &self.runs.steps[*s].checks;
        let whole: Vec<usize> = candidates.iter().copied().filter(|s| want.is_subset(checks(s))).collect();
        let union: BTreeSet<&String> = candidates.iter().flat_map(checks).collect();
        let verdict = if !whole.is_empty() {
            Verdict::Verbatim { steps: whole }
        } else if want.iter().all(|w| union.contains(w)) {
            Verdict::Verbatim { steps: candidates.clone() }
        } else {
            let best = *candidates.iter().max_by_key(|s| want.intersection(checks(s)).count()).unwrap_or(&candidates[0]);
            let missing: Vec<&str> = want.iter().filter(|w| !union.contains(w)).map(String::as_str).collect();
            Verdict::Drift { step: best, diff: vec![format!("- {text}"), format!("+ (the step checks no `{}`)", missing.join("`, `"))] }
        };
        Unit { line, text, verdict }
    }

    /// What the scenarios run that the article does not print: allowed with a reason (a
    /// `verification` entry for a command, the "Verification only" header for a manifest).
    fn extras(&mut self, article: &Article) -> (Vec<Extra>, Vec<Problem>) {
        let printed: BTreeSet<String> = article
            .blocks
            .iter()
            .filter(|b| b.kind == BlockKind::Commands)
            .flat_map(|b| b.lines.iter().map(|l| normalise_command(&l.text)))
            .collect();
        let printed_docs: Vec<Vec<String>> = article.blocks.iter().filter(|b| b.kind == BlockKind::Manifest).flat_map(|b| {
            let text: Vec<&str> = b.lines.iter().map(|l| l.text.as_str()).collect();
            crate::scenario::split_documents(&text.join("\n")).into_iter().map(|(_, d)| manifest_lines(d.lines())).collect::<Vec<_>>()
        }).collect();
        let mut by_command: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for c in &self.runs.commands {
            if !printed.contains(&c.text) && !self.drifted.contains(&(c.step, c.text.clone())) {
                by_command.entry(&c.text).or_default().push(c.step);
            }
        }
        let (mut extras, mut problems) = (Vec::new(), Vec::new());
        let file = self.declared.file.as_ref().map_or("the declarations file".to_string(), |f| super::runs::shown(f).display().to_string());
        for (command, steps) in by_command {
            let steps = dedup(steps);
            match self.declared.verification.iter().find(|e| normalise_command(&e.entry.command) == command) {
                Some(e) => extras.push(Extra { what: command.to_string(), steps, reason: e.entry.reason.clone() }),
                None => problems.push(Problem {
                    line: None,
                    message: format!("`{command}` is run by {}, but the article does not print it and {file} gives no reason", self.names(&steps)),
                }),
            }
        }
        let mut by_file: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for m in &self.runs.manifests {
            if !printed_docs.contains(&m.lines) && !self.drifted.contains(&(m.step, m.origin.clone())) {
                if m.verification {
                    by_file.entry(&m.origin).or_default().push(m.step);
                } else {
                    let at = format!("{}:{}", super::runs::shown(std::path::Path::new(&m.origin)).display(), m.line);
                    problems.push(Problem {
                        line: None,
                        message: format!("{at} ({}) is applied by {}, but the article does not print it and its header does not say `Verification only`", kind_name(&m.lines).unwrap_or_default(), self.names(&[m.step])),
                    });
                }
            }
        }
        for (origin, steps) in by_file {
            let what = super::runs::shown(std::path::Path::new(origin)).display().to_string();
            extras.push(Extra { what, steps: dedup(steps), reason: "its header says: Verification only".into() });
        }
        for e in &self.declared.verification {
            let n = normalise_command(&e.entry.command);
            let why = if printed.contains(&n) {
                Some("the article prints it")
            } else if self.runs.running(&n).is_empty() {
                Some("no step runs it")
            } else {
                None
            };
            if let Some(why) = why {
                problems.push(Problem { line: None, message: format!("{file}:{}: stale `verification` entry `{n}`: {why}", e.line) });
            }
        }
        (extras, problems)
    }

    /// `not-run` entries that matched no line of the article.
    fn stale(&self) -> Vec<Problem> {
        let file = self.declared.file.as_ref().map_or("the declarations file".to_string(), |f| super::runs::shown(f).display().to_string());
        let unused = self.declared.not_run.iter().enumerate().filter(|(i, _)| !self.used_not_run.contains(i));
        unused
            .map(|(_, e)| Problem {
                line: None,
                message: format!("{file}:{}: stale `not-run` entry: the article does not print `{}`", e.line, normalise_command(&e.entry.text)),
            })
            .collect()
    }

    fn names(&self, steps: &[usize]) -> String {
        super::report::steps_list(self.runs, steps, 3)
    }
}

fn dedup(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v.dedup();
    v
}
