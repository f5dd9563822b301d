//! The other way round: what the article's scenarios run that the article does not print, or prints
//! only in another section than the one a step is filed under (`doc.section`). Each is allowed with a
//! reason: a `verification` entry of the declarations file, or, for a manifest file the article does
//! not print at all, "Verification only" in its header comment. Entries that explain nothing are stale.

use super::article::{Article, BlockKind};
use super::matching::{dedup, Extra, Matcher, Problem};
use super::tokens::{kind_name, manifest_lines, normalise_command};
use std::collections::{BTreeMap, BTreeSet};

impl Matcher<'_> {
    /// What the scenarios run that the article does not print, or prints only in another section than
    /// the one the step is filed under: allowed with a reason (a `verification` entry, or for a manifest
    /// file the article does not print at all, "Verification only" in its header).
    pub(super) fn extras(&mut self, article: &Article) -> (Vec<Extra>, Vec<Problem>) {
        let printed = Printed::of(article);
        let mut extras = Extras::default();
        for c in &self.runs.commands {
            if !self.drifted.contains(&c.text) {
                extras.add(&c.text, printed.commands.get(&c.text), self.runs.steps[c.step].section.as_deref(), c.step);
            }
        }
        let mut headed: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        let mut wrongly_headed: BTreeSet<&str> = BTreeSet::new();
        for m in &self.runs.manifests {
            if self.drifted.contains(&m.origin) {
                continue;
            }
            let sections = printed.docs.iter().filter(|(d, _)| *d == m.lines).map(|(_, s)| *s).collect::<BTreeSet<&str>>();
            let filed = self.runs.steps[m.step].section.as_deref();
            if !sections.is_empty() && m.verification {
                wrongly_headed.insert(&m.origin);
            } else if !sections.is_empty() {
                extras.add(&m.origin, Some(&sections), filed, m.step);
            } else if m.verification {
                headed.entry(&m.origin).or_default().push(m.step);
            } else {
                extras.add(&m.origin, None, filed, m.step);
            }
        }
        let mut out: Vec<Extra> = headed
            .into_iter()
            .map(|(origin, steps)| Extra { what: shown(origin), steps: dedup(steps), reason: "its header says: Verification only".into() })
            .collect();
        let mut problems: Vec<Problem> = wrongly_headed
            .into_iter()
            .map(|origin| Problem { line: None, message: format!("{} says `Verification only`, but the article prints it", shown(origin)) })
            .collect();
        for ((what, section), steps) in extras.0 {
            let steps = dedup(steps);
            match self.own_reason(&steps).or_else(|| self.verification_entry(what, section)) {
                Some(reason) => out.push(Extra { what: shown(what), steps, reason }),
                None => problems.push(Problem { line: None, message: self.unexplained(what, section, &steps) }),
            }
        }
        problems.extend(self.stale_verification(&printed));
        (out, problems)
    }

    /// The reason the steps give themselves (their `verification:` key), when every one of them does.
    fn own_reason(&self, steps: &[usize]) -> Option<String> {
        let reasons: Option<BTreeSet<&str>> = steps.iter().map(|&i| self.runs.steps[i].verification.as_deref()).collect();
        reasons.filter(|r| !r.is_empty()).map(|r| format!("the step says: {}", r.into_iter().collect::<Vec<_>>().join("; ")))
    }

    /// The reason a `verification` entry gives for `what` (a command, or a manifest file's path) run by
    /// steps filed under `section` (`None`: the article does not print it at all).
    fn verification_entry(&self, what: &str, section: Option<&str>) -> Option<String> {
        let e = self.declared.verification.iter().find(|e| self.entry_names(&e.entry, what) && e.entry.section.as_deref() == section)?;
        Some(e.entry.reason.clone())
    }

    fn entry_names(&self, e: &super::declared::Verification, what: &str) -> bool {
        match (&e.command, &e.manifest) {
            (Some(c), _) => normalise_command(c) == what,
            (None, Some(m)) => self.declared.dir().join(m) == std::path::Path::new(what),
            (None, None) => false,
        }
    }

    fn unexplained(&self, what: &str, section: Option<&str>, steps: &[usize]) -> String {
        let file = self.declarations();
        let (applied, is) = if self.runs.commands.iter().any(|c| c.text == what) {
            ("run", format!("`{what}`"))
        } else {
            let objects: BTreeSet<String> =
                self.runs.manifests.iter().filter(|m| m.origin == what).filter_map(|m| kind_name(&m.lines)).collect();
            ("applied", format!("{} ({})", shown(what), objects.into_iter().collect::<Vec<_>>().join(", ")))
        };
        match section {
            None if applied == "applied" => {
                format!(
                    "{is} is applied by {}, but the article does not print it and its header does not say `Verification only`",
                    self.names(steps)
                )
            }
            None => format!("{is} is {applied} by {}, but the article does not print it and {file} gives no reason", self.names(steps)),
            Some(s) => format!(
                "{is} is {applied} by {}, filed under `{s}`, but the article prints it only in other sections and {file} gives no reason",
                self.names(steps)
            ),
        }
    }

    /// `verification` entries that explain nothing: the article prints what they name (in their
    /// section), or no step (filed under their section) runs it.
    fn stale_verification(&self, printed: &Printed) -> Vec<Problem> {
        let mut out = Vec::new();
        for e in &self.declared.verification {
            let section = e.entry.section.as_deref();
            let steps: Vec<usize> = match (&e.entry.command, &e.entry.manifest) {
                (Some(c), _) => self.runs.running(&normalise_command(c)),
                _ => self.runs.manifests.iter().filter(|m| self.entry_names(&e.entry, &m.origin)).map(|m| m.step).collect(),
            };
            let filed = |i: &usize| section.is_none() || self.runs.steps[*i].section.as_deref() == section;
            let in_article = match &e.entry.command {
                Some(c) => printed.commands.get(&normalise_command(c)).is_some_and(|s| section.is_none_or(|x| s.contains(x))),
                None => false,
            };
            let filed: Vec<usize> = steps.into_iter().filter(filed).collect();
            let why = if in_article {
                Some("the article prints it there")
            } else if filed.is_empty() {
                Some("no step runs it")
            } else if self.own_reason(&filed).is_some() {
                Some("its steps say why themselves (`verification:`)")
            } else {
                None
            };
            if let Some(why) = why {
                let what = e.entry.command.as_deref().or(e.entry.manifest.as_deref()).unwrap_or_default();
                out.push(Problem {
                    line: None,
                    message: format!("{}:{}: stale `verification` entry `{what}`: {why}", self.declarations(), e.line),
                });
            }
        }
        out
    }
}

/// What the article prints, and in which sections.
struct Printed<'a> {
    commands: BTreeMap<String, BTreeSet<&'a str>>,
    docs: Vec<(Vec<String>, &'a str)>,
}

impl<'a> Printed<'a> {
    fn of(article: &'a Article) -> Printed<'a> {
        let mut commands: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
        let mut docs = Vec::new();
        for b in &article.blocks {
            let text: Vec<&str> = b.lines.iter().map(|l| l.text.as_str()).collect();
            match b.kind {
                BlockKind::Commands => text.iter().for_each(|t| {
                    commands.entry(normalise_command(t)).or_default().insert(&b.section);
                }),
                BlockKind::Manifest => docs.extend(
                    crate::scenario::split_documents(&text.join("\n"))
                        .into_iter()
                        .map(|(_, d)| (manifest_lines(d.lines()), b.section.as_str())),
                ),
                BlockKind::Output => {}
            }
        }
        Printed { commands, docs }
    }
}

/// What steps run beyond the article, keyed by (what, the section its steps are filed under when the
/// article prints it only in others; `None` when it does not print it at all).
#[derive(Default)]
struct Extras<'a>(BTreeMap<(&'a str, Option<&'a str>), Vec<usize>>);

impl<'a> Extras<'a> {
    /// Records `what`, printed in `sections` (`None`: not at all), run by `step` filed under `filed`.
    fn add(&mut self, what: &'a str, sections: Option<&BTreeSet<&str>>, filed: Option<&'a str>, step: usize) {
        match (sections, filed) {
            (None, _) => self.0.entry((what, None)).or_default().push(step),
            (Some(s), Some(f)) if !s.contains(f) => self.0.entry((what, Some(f))).or_default().push(step),
            _ => {}
        }
    }
}

/// A path (or any text) as the user reads it.
fn shown(what: &str) -> String {
    super::runs::shown(std::path::Path::new(what)).display().to_string()
}
