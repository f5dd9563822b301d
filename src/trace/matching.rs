//! Each block of the article held against what the scenarios run, by content: a command line against
//! the command lines steps run, a manifest document against the documents steps apply, an output line
//! against the words the expectations of the steps that ran its command check. The other way round
//! (what the scenarios run beyond the article) is `beyond.rs`.

use super::article::{Article, Block, BlockKind};
use super::declared::Declared;
use super::runs::Runs;
use super::tokens::{diff, in_order, kind_name, manifest_lines, normalise_command, word_distance, word_seq, words};
use std::collections::BTreeSet;

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

    /// Each step that runs or checks a block verbatim (by index into [`Runs::steps`]) with the article
    /// lines it does: the first line of each such block that it runs, in article order.
    pub fn step_lines(&self) -> std::collections::BTreeMap<usize, Vec<usize>> {
        let mut out: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
        for b in &self.blocks {
            let mut seen = BTreeSet::new();
            for u in &b.units {
                if let Verdict::Verbatim { steps } = &u.verdict {
                    steps.iter().filter(|&&s| seen.insert(s)).for_each(|&s| out.entry(s).or_default().push(u.line));
                }
            }
        }
        out
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
    let mut cx = Matcher { runs, declared, used_not_run: BTreeSet::new(), drifted: BTreeSet::new() };
    let mut blocks: Vec<Traced> = Vec::new();
    for block in &article.blocks {
        let units = match block.kind {
            BlockKind::Commands => block.lines.iter().map(|l| cx.command(l.line, &l.text, &block.section)).collect(),
            BlockKind::Manifest => cx.manifest(block),
            BlockKind::Output => {
                let candidates = candidates(block, &blocks, runs);
                block
                    .lines
                    .iter()
                    .filter(|l| !words(&l.text).is_empty())
                    .map(|l| cx.output(l.line, &l.text, &block.section, &candidates))
                    .collect()
            }
        };
        blocks.push(Traced { block: block.clone(), units });
    }
    let mut problems: Vec<Problem> = Vec::new();
    if article.blocks.is_empty() {
        problems
            .push(Problem { line: None, message: "the article has no blocks (no command, manifest or expected output was found)".into() });
    }
    problems.extend(
        article
            .missing_outputs
            .iter()
            .map(|&line| Problem { line: Some(line), message: format!("line {line} announces an output that the article does not print") }),
    );
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

/// The state of one trace: what it holds the article against, and what it has used so far.
pub(super) struct Matcher<'a> {
    pub(super) runs: &'a Runs,
    pub(super) declared: &'a Declared,
    /// Indexes of `not-run` entries that matched a line.
    used_not_run: BTreeSet<usize>,
    /// What steps run (a command, a manifest file) that was named as the copy of a drifted line: not
    /// reported again as run beyond the article.
    pub(super) drifted: BTreeSet<String>,
}

impl Matcher<'_> {
    /// Whether `step` is filed under another section than `section` (so a step of the block's own
    /// section is preferred as the copy of a drifted block).
    fn elsewhere(&self, step: usize, section: &str) -> bool {
        self.runs.steps[step].section.as_deref() != Some(section)
    }

    fn declared(&mut self, line: usize, text: &str, section: &str) -> Option<Unit> {
        let n = normalise_command(text);
        let i = self
            .declared
            .not_run
            .iter()
            .position(|e| normalise_command(&e.entry.text) == n && e.entry.section.as_deref().is_none_or(|s| s == section))?;
        self.used_not_run.insert(i);
        let e = &self.declared.not_run[i];
        Some(Unit { line, text: text.to_string(), verdict: Verdict::Declared { reason: e.entry.reason.clone(), entry: e.line } })
    }

    fn command(&mut self, line: usize, text: &str, section: &str) -> Unit {
        let n = normalise_command(text);
        let steps = self.runs.running(&n);
        if !steps.is_empty() {
            return Unit { line, text: n, verdict: Verdict::Verbatim { steps: dedup(steps) } };
        }
        if let Some(u) = self.declared(line, &n, section) {
            return u;
        }
        // the closest command a step runs: the same program and verb, the fewest words apart
        let head = |s: &str| s.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        let closest = self
            .runs
            .commands
            .iter()
            .filter(|c| head(&c.text) == head(&n))
            .min_by_key(|c| (word_distance(&n, &c.text), self.elsewhere(c.step, section)));
        let verdict = match closest {
            Some(c) if word_distance(&n, &c.text).0 <= n.split_whitespace().count() / 2 + 1 => {
                self.drifted.insert(c.text.clone());
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
        docs.into_iter()
            .filter(|(_, d)| !manifest_lines(d.iter().copied()).is_empty())
            .map(|(line, d)| self.document(line, &manifest_lines(d), &block.section))
            .collect()
    }

    fn document(&mut self, line: usize, lines: &[String], section: &str) -> Unit {
        let text = kind_name(lines).unwrap_or_else(|| lines.first().cloned().unwrap_or_default());
        let same: Vec<usize> = self.runs.manifests.iter().filter(|m| m.lines == lines).map(|m| m.step).collect();
        if !same.is_empty() {
            return Unit { line, text, verdict: Verdict::Verbatim { steps: dedup(same) } };
        }
        let named = kind_name(lines);
        let closest = self
            .runs
            .manifests
            .iter()
            .filter(|m| named.is_some() && kind_name(&m.lines) == named)
            .min_by_key(|m| (diff(lines, &m.lines).len(), self.elsewhere(m.step, section)));
        let verdict = match closest {
            Some(m) => {
                self.drifted.insert(m.origin.clone());
                Verdict::Drift { step: m.step, diff: diff(lines, &m.lines) }
            }
            None => Verdict::NotRun { why: "no step applies it".into() },
        };
        Unit { line, text, verdict }
    }

    fn output(&mut self, line: usize, text: &str, section: &str, candidates: &Option<Vec<usize>>) -> Unit {
        let text = normalise_command(text);
        if let Some(u) = self.declared(line, &text, section) {
            return u;
        }
        let Some(candidates) = candidates.as_ref().filter(|c| !c.is_empty()) else {
            let why = if candidates.is_some() { "no step checks it" } else { "no command before it in its section" };
            return Unit { line, text, verdict: Verdict::NotRun { why: why.into() } };
        };
        // a step checks the line when one of its checks has the line's words in the line's order
        let want = word_seq(&text);
        let checks = |s: &usize| &self.runs.steps[*s].checks;
        let whole: Vec<usize> = candidates.iter().copied().filter(|s| checks(s).iter().any(|c| in_order(&want, c))).collect();
        let verdict = if !whole.is_empty() {
            Verdict::Verbatim { steps: whole }
        } else {
            let has = |s: &usize, w: &String| checks(s).iter().any(|c| c.contains(w));
            let best = *candidates.iter().max_by_key(|s| want.iter().filter(|w| has(s, w)).count()).unwrap_or(&candidates[0]);
            let mut missing: Vec<&str> = want.iter().filter(|w| !candidates.iter().any(|s| has(s, w))).map(String::as_str).collect();
            missing.dedup();
            let said = if missing.is_empty() {
                "+ (no check of a step has these words in this order)".to_string()
            } else {
                format!("+ (the step checks no `{}`)", missing.join("`, `"))
            };
            Verdict::Drift { step: best, diff: vec![format!("- {text}"), said] }
        };
        Unit { line, text, verdict }
    }

    /// The declarations file as the user reads its name.
    pub(super) fn declarations(&self) -> String {
        self.declared.file.as_ref().map_or("the declarations file".to_string(), |f| super::runs::shown(f).display().to_string())
    }

    /// `not-run` entries that matched no line of the article.
    fn stale(&self) -> Vec<Problem> {
        let file = self.declarations();
        let unused = self.declared.not_run.iter().enumerate().filter(|(i, _)| !self.used_not_run.contains(i));
        unused
            .map(|(_, e)| Problem {
                line: None,
                message: format!(
                    "{file}:{}: stale `not-run` entry: the article does not print `{}`",
                    e.line,
                    normalise_command(&e.entry.text)
                ),
            })
            .collect()
    }

    /// The steps' file:line, the first three.
    pub(super) fn names(&self, steps: &[usize]) -> String {
        self.runs.list(steps, 3)
    }
}

pub(super) fn dedup(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::super::declared::{Entry, NotRun, Verification};
    use super::super::runs::{AppliedDoc, RunCommand, StepInfo};
    use super::*;
    use rstest::rstest;

    fn step(line: usize, section: &str, checks: &[&str]) -> StepInfo {
        StepInfo {
            scenario: "s".into(),
            file: "s.scenario.yaml".into(),
            index: line,
            line,
            name: format!("step {line}"),
            section: Some(section.into()),
            checks: checks.iter().map(|c| super::super::tokens::word_seq(c)).collect(),
            verification: None,
        }
    }

    /// Two steps in `Tokens`: one runs `kubectl create token x -n dev --duration=10m` and checks
    /// `600s`, the other applies a ServiceAccount x.
    fn runs() -> Runs {
        Runs {
            steps: vec![step(10, "Tokens", &["lifetime", "600s"]), step(20, "Tokens", &[])],
            commands: vec![RunCommand { text: "kubectl create token x -n dev --duration=10m".into(), step: 0 }],
            manifests: vec![AppliedDoc {
                lines: manifest_lines("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: x".lines()),
                origin: "sa.yaml".into(),
                line: 1,
                verification: false,
                step: 1,
            }],
        }
    }

    fn article(command: &str, output: &str, name: &str) -> String {
        format!("Tokens\nRun it:\n{command}\nExpected output:\n{output}\nThe manifest.\napiVersion: v1\nkind: ServiceAccount\nmetadata:\nname: {name}\nThat is all.\n")
    }

    fn verdicts(text: &str, declared: &Declared) -> Vec<(usize, &'static str)> {
        let t = trace(&super::super::article::read(text), &runs(), declared);
        let name = |v: &Verdict| match v {
            Verdict::Verbatim { .. } => "verbatim",
            Verdict::Declared { .. } => "declared",
            Verdict::Drift { .. } => "drift",
            Verdict::NotRun { .. } => "not-run",
        };
        t.blocks.iter().flat_map(|b| b.units.iter().map(|u| (u.line, name(&u.verdict)))).collect()
    }

    #[rstest]
    #[case::as_printed("kubectl create token x -n dev --duration=10m", "600s", "x", [(3, "verbatim"), (5, "verbatim"), (7, "verbatim")])]
    #[case::flag_changed("kubectl create token x -n dev --duration=20m", "600s", "x", [(3, "drift"), (5, "verbatim"), (7, "verbatim")])]
    #[case::output_changed("kubectl create token x -n dev --duration=10m", "601s", "x", [(3, "verbatim"), (5, "drift"), (7, "verbatim")])]
    #[case::field_changed("kubectl create token x -n dev --duration=10m", "600s", "y", [(3, "verbatim"), (5, "verbatim"), (7, "not-run")])]
    fn each_line_is_held_against_the_steps_by_content(
        #[case] command: &str,
        #[case] output: &str,
        #[case] name: &str,
        #[case] want: [(usize, &str); 3],
    ) {
        assert_eq!(verdicts(&article(command, output, name), &Declared::default()), want);
    }

    #[test]
    fn a_changed_field_of_an_applied_document_of_the_same_name_is_drift_with_a_line_diff() {
        let text = article("kubectl create token x -n dev --duration=10m", "600s", "x")
            .replace("kind: ServiceAccount\nmetadata:\nname: x", "kind: ServiceAccount\nmetadata:\nname: x\nnamespace: dev");
        let t = trace(&super::super::article::read(&text), &runs(), &Declared::default());
        let unit = t.blocks.iter().flat_map(|b| &b.units).find(|u| u.line == 7).unwrap();
        assert_eq!(unit.verdict, Verdict::Drift { step: 1, diff: vec!["- namespace: dev".into()] });
    }

    #[test]
    fn a_declared_line_passes_and_a_declaration_that_matches_nothing_fails() {
        let entry = |text: &str| Entry { line: 3, entry: NotRun { text: text.into(), section: None, reason: "why".into() } };
        let declared =
            Declared { file: Some("trace.yaml".into()), not_run: vec![entry("601s"), entry("kubectl gone")], verification: Vec::new() };
        let text = article("kubectl create token x -n dev --duration=10m", "601s", "x");
        assert_eq!(verdicts(&text, &declared), [(3, "verbatim"), (5, "declared"), (7, "verbatim")]);
        let t = trace(&super::super::article::read(&text), &runs(), &declared);
        assert!(!t.passed());
        assert_eq!(
            t.problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>(),
            ["trace.yaml:3: stale `not-run` entry: the article does not print `kubectl gone`"]
        );
    }

    #[test]
    fn a_manifest_marked_verification_only_that_the_article_prints_is_a_problem() {
        let mut runs = runs();
        runs.manifests[0].verification = true;
        let text = article("kubectl create token x -n dev --duration=10m", "600s", "x");
        let t = trace(&super::super::article::read(&text), &runs, &Declared::default());
        let messages: Vec<&str> = t.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages, ["sa.yaml says `Verification only`, but the article prints it"]);
    }

    #[test]
    fn what_a_step_runs_beyond_the_article_needs_a_reason() {
        let text = "Tokens\nThe manifest.\napiVersion: v1\nkind: ServiceAccount\nmetadata:\nname: x\nThat is all.\n";
        let t = trace(&super::super::article::read(text), &runs(), &Declared::default());
        assert_eq!(t.problems.len(), 1, "{:#?}", t.problems);
        assert!(t.problems[0]
            .message
            .starts_with("`kubectl create token x -n dev --duration=10m` is run by s.scenario.yaml:10, but the article does not print it"));
        let reason = Verification {
            command: Some("kubectl create token x -n dev --duration=10m".into()),
            manifest: None,
            section: None,
            reason: "r".into(),
        };
        let declared = Declared { file: None, not_run: Vec::new(), verification: vec![Entry { line: 1, entry: reason }] };
        let t = trace(&super::super::article::read(text), &runs(), &declared);
        assert!(t.passed(), "{:#?}", t.problems);
        assert_eq!(t.extras[0].reason, "r");
        // a step that says why itself (`verification:`) needs no entry, and makes the entry stale
        let mut own = runs();
        own.steps[0].verification = Some("the harness's own proof".into());
        let t = trace(&super::super::article::read(text), &own, &Declared::default());
        assert!(t.passed(), "{:#?}", t.problems);
        assert_eq!(t.extras[0].reason, "the step says: the harness's own proof");
        let t = trace(&super::super::article::read(text), &own, &declared);
        let messages: Vec<&str> = t.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages, ["the declarations file:1: stale `verification` entry `kubectl create token x -n dev --duration=10m`: its steps say why themselves (`verification:`)"]);
    }
}
