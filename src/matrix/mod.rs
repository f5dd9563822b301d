//! The version matrix: the whole suite on several Kubernetes versions, one kind cluster at a time, and
//! the article's claims x versions table built from the runs' JSON reports. [`plan`] says which versions
//! and images, [`run`] drives one cluster per version, this module aggregates, and the renderers
//! ([`to_console`], [`to_markdown`], [`to_html`]) read the [`Matrix`] only.

mod html;
pub mod input;
pub mod plan;
mod render;
pub mod run;

pub use html::{escape, to_html, COLOURS};
pub use render::{to_console, to_markdown};

use crate::report::redact;
use crate::scenario::{Claim, Erratum};
use input::{RunReport, StepReport, StepVerdict};
use serde::{Deserialize, Serialize};

/// A claim's verdict on one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mark {
    /// Every step verifying the claim ran and passed, none measured an erratum on it.
    Holds,
    /// Every step verifying it ran and passed, and one measured the erratum declared on it.
    Erratum,
    /// A step verifying it failed.
    Failed,
    /// No step verifying it ran to the end (not run, not applicable, none, or the cluster did not come up).
    NotVerified,
}

impl Mark {
    pub const ALL: [Mark; 4] = [Mark::Holds, Mark::Erratum, Mark::Failed, Mark::NotVerified];

    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Holds => "holds",
            Mark::Erratum => "erratum",
            Mark::Failed => "failed",
            Mark::NotVerified => "not verified",
        }
    }

    /// A sign that reads without colour.
    pub fn sign(self) -> &'static str {
        match self {
            Mark::Holds => "✓",
            Mark::Erratum => "!",
            Mark::Failed => "✗",
            Mark::NotVerified => "?",
        }
    }
}

/// One version's column: where it ran and how it went.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VersionColumn {
    /// The Kubernetes version asked for (`v1.35.4`).
    pub version: String,
    #[serde(default)]
    pub node_image: Option<String>,
    /// The kind cluster it ran on.
    #[serde(default)]
    pub cluster: String,
    /// The cluster could not be made or the run could not report (then every claim is not verified).
    #[serde(default)]
    pub error: Option<String>,
    /// Seconds from `kind create cluster` to the deleted cluster (creation, suite, deletion).
    #[serde(default)]
    pub seconds: Option<u64>,
    #[serde(default)]
    pub scenarios_passed: usize,
    #[serde(default)]
    pub scenarios_failed: usize,
    /// Scenario-level problems (setup or cleanup errors, interrupts), redacted.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// A claim's row: the article's words and a cell per version (same order as [`Matrix::versions`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClaimRow {
    pub id: String,
    pub section: String,
    pub text: String,
    pub cells: Vec<Cell>,
    /// The article line that states it ([`Matrix::link`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cell {
    pub mark: Mark,
    /// The erratum measured, for [`Mark::Erratum`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erratum: Option<Erratum>,
    /// Every step that verifies the claim, with what it saw.
    pub steps: Vec<Evidence>,
}

/// What one step saw, redacted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evidence {
    pub scenario: String,
    pub index: usize,
    pub name: String,
    pub location: String,
    pub verdict: String,
    #[serde(default)]
    pub mismatches: Vec<Difference>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub notes: Vec<String>,
    /// The article lines of the blocks the step runs or checks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub article: Vec<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Difference {
    pub what: String,
    pub expected: String,
    pub actual: String,
}

/// Claims x versions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Matrix {
    pub versions: Vec<VersionColumn>,
    pub claims: Vec<ClaimRow>,
    /// The article lines the claims and steps link to, carried in the page itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<Excerpt>,
}

/// Lines of the article, each with its number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excerpt {
    /// The article's file name.
    pub name: String,
    pub lines: Vec<(usize, String)>,
}

/// One version's result: its column and its report (None when the run produced none).
#[derive(Debug, Clone)]
pub struct VersionRun {
    pub column: VersionColumn,
    pub report: Option<RunReport>,
}

impl Matrix {
    /// The table for `claims` (in catalogue order) over the runs (in the order given).
    pub fn build(claims: &[Claim], runs: Vec<VersionRun>) -> Matrix {
        let rows = claims
            .iter()
            .map(|c| ClaimRow {
                id: c.id.clone(),
                section: c.section.clone(),
                text: c.text.clone(),
                cells: runs.iter().map(|r| r.report.as_ref().map(|rep| cell(rep, &c.id)).unwrap_or_else(no_run)).collect(),
                article: None,
            })
            .collect();
        let versions = runs.into_iter().map(|r| summarise(r.column, r.report.as_ref())).collect();
        Matrix { versions, claims: rows, article: None }
    }

    /// Links each claim to the article line that states it and each step of the evidence to the lines
    /// it runs or checks, and keeps those lines (and only those) for the page to show.
    pub fn link(&mut self, links: &crate::trace::ArticleLinks) {
        let mut cited = std::collections::BTreeSet::new();
        for c in &mut self.claims {
            c.article = links.claims.get(&c.id).map(|l| l.line);
            cited.extend(c.article);
            for e in c.cells.iter_mut().flat_map(|x| &mut x.steps) {
                e.article = links.steps.get(&(e.scenario.clone(), e.index)).cloned().unwrap_or_default();
                cited.extend(e.article.iter().copied());
            }
        }
        let lines = cited.into_iter().filter_map(|n| Some((n, links.text(n)?.to_string()))).collect();
        self.article = Some(Excerpt { name: links.name.clone(), lines });
    }

    /// How many claims have `mark` on the version at `column`.
    pub fn count(&self, column: usize, mark: Mark) -> usize {
        self.claims.iter().filter(|c| c.cells.get(column).is_some_and(|x| x.mark == mark)).count()
    }

    /// Every claim verified (holds or erratum) on every version and every version ran cleanly.
    pub fn passed(&self) -> bool {
        self.versions.iter().all(|v| v.error.is_none() && v.scenarios_failed == 0 && v.problems.is_empty())
            && self.claims.iter().all(|c| c.cells.iter().all(|x| matches!(x.mark, Mark::Holds | Mark::Erratum)))
    }
}

/// The matrix's files: JSON (read back by `--from-json`), Markdown and HTML, each from the redacted
/// matrix (a matrix read from a file may carry what the runs that made it did not redact).
impl crate::report::Document for Matrix {
    fn redacted(&self) -> Result<Self, crate::report::RenderError> {
        crate::report::redacted_by_value(self)
    }

    fn render(&self, format: crate::report::Format) -> Result<crate::report::Rendered, crate::report::RenderError> {
        use crate::report::{Format, RenderError, Rendered};
        match format {
            Format::Json => crate::report::pretty_json(self).map(Rendered::Text),
            Format::Markdown => Ok(Rendered::Text(to_markdown(self))),
            Format::Html => Ok(Rendered::Text(to_html(self))),
            other => Err(RenderError::Unsupported(other)),
        }
    }
}

fn no_run() -> Cell {
    Cell { mark: Mark::NotVerified, erratum: None, steps: Vec::new() }
}

fn summarise(mut column: VersionColumn, report: Option<&RunReport>) -> VersionColumn {
    let Some(report) = report else { return column };
    column.scenarios_passed = report.scenarios.iter().filter(|s| s.passed()).count();
    column.scenarios_failed = report.scenarios.len() - column.scenarios_passed;
    for s in &report.scenarios {
        column.problems.extend(s.setup_error.iter().map(|e| format!("{}: setup: {}", s.name, redact(e))));
        column.problems.extend(s.cleanup_errors.iter().map(|e| format!("{}: cleanup: {}", s.name, redact(e))));
        if s.interrupted {
            column.problems.push(format!("{}: interrupted", s.name));
        }
    }
    if report.interrupted && !column.problems.iter().any(|p| p.ends_with("interrupted")) {
        column.problems.push("run interrupted".into());
    }
    column
}

/// A claim's cell on one version: failed if a step verifying it failed; not verified unless every
/// verifying step ran (holds or erratum) and at least one did; erratum if one measured the erratum
/// declared on this claim; holds otherwise.
pub fn cell(report: &RunReport, claim: &str) -> Cell {
    let steps: Vec<&StepReport> = report.scenarios.iter().flat_map(|s| &s.steps).filter(|s| s.verifies(claim)).collect();
    let verdict_of = |s: &StepReport| match s.verdict {
        // a step's erratum on another of its claims counts as a pass for this one
        StepVerdict::Erratum if s.erratum_on(claim).is_none() => StepVerdict::Holds,
        v => v,
    };
    let verdicts: Vec<StepVerdict> = steps.iter().map(|s| verdict_of(s)).collect();
    let ran = |v: &StepVerdict| matches!(v, StepVerdict::Holds | StepVerdict::Erratum);
    let erratum = steps.iter().zip(&verdicts).find(|(_, v)| **v == StepVerdict::Erratum).and_then(|(s, _)| s.erratum_on(claim).cloned());
    let mark = if verdicts.contains(&StepVerdict::Failed) {
        Mark::Failed
    } else if !verdicts.iter().any(ran) || verdicts.contains(&StepVerdict::NotRun) {
        Mark::NotVerified
    } else if erratum.is_some() {
        Mark::Erratum
    } else {
        Mark::Holds
    };
    let evidence = report
        .scenarios
        .iter()
        .flat_map(|sc| sc.steps.iter().filter(|s| s.verifies(claim)).map(move |s| evidence(&sc.name, s, verdict_of(s))))
        .collect();
    Cell { mark, erratum: erratum.filter(|_| mark == Mark::Erratum), steps: evidence }
}

fn evidence(scenario: &str, s: &StepReport, verdict: StepVerdict) -> Evidence {
    let r = |t: &str| redact(t).into_owned();
    Evidence {
        scenario: scenario.to_string(),
        index: s.index,
        name: r(&s.name),
        location: s.location.clone(),
        verdict: verdict.as_str().to_string(),
        mismatches: s.mismatches.iter().map(|m| Difference { what: r(&m.what), expected: r(&m.expected), actual: r(&m.actual) }).collect(),
        error: s.error.as_deref().map(r),
        notes: s.notes.iter().map(|n| r(n)).collect(),
        article: s.article.iter().filter_map(|a| crate::trace::links::line_of(a)).collect(),
    }
}

#[cfg(test)]
mod tests;
