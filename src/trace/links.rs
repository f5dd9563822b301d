//! Links from the reports to the article: each step to the article lines of the blocks it runs or
//! checks verbatim (the trace's own matching, [`super::matching`]), each claim to the line that states
//! it ([`super::quotes`]). `run` stamps them on the steps before they run (so every report, the
//! console's `-v` lines included, carries them) and on the claims' verdicts; `matrix` puts them, and
//! the lines themselves, on its page.
//!
//! The article is found as the trace test finds it: `SA_CONFORMANCE_ARTICLE`, else the published
//! `../shared/docs/service-accounts-article.txt` next to the repository, else the repository's copy
//! in `docs/article/`. Without one a run has no links, and says so once; it never fails for it.

use super::declared::Declared;
use super::quotes::{self, ClaimLine, QuoteError};
use super::runs::Runs;
use crate::outcome::ClaimVerdict;
use crate::scenario::{Catalog, LoadOptions, Scenario};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The environment variable that names the article to trace and link to.
pub const ARTICLE_VAR: &str = "SA_CONFORMANCE_ARTICLE";

/// The article's file name, published and copied.
pub const ARTICLE_FILE: &str = "service-accounts-article.txt";

/// The published article next to the repository whose scenarios are in `scenarios_dir`.
pub fn published(scenarios_dir: &Path) -> PathBuf {
    scenarios_dir.join("../../shared/docs").join(ARTICLE_FILE)
}

/// The repository's copy of the article, for checkouts without `../shared`.
pub fn copy(scenarios_dir: &Path) -> PathBuf {
    scenarios_dir.join("../docs/article").join(ARTICLE_FILE)
}

/// The article: `SA_CONFORMANCE_ARTICLE` (whether or not it exists: a name given on purpose is not
/// replaced), else the published one, else the copy; `None` when neither file exists.
pub fn article_path(scenarios_dir: &Path) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(ARTICLE_VAR).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    [published(scenarios_dir), copy(scenarios_dir)].into_iter().find(|p| p.is_file())
}

/// What links the reports to one article.
#[derive(Debug, Clone, Default)]
pub struct ArticleLinks {
    /// The article as reports name it (its file name: `service-accounts-article.txt`).
    pub name: String,
    pub path: PathBuf,
    /// The article's text, a line each.
    pub lines: Vec<String>,
    /// (scenario, step index) -> the article lines it runs or checks verbatim, one per block.
    pub steps: BTreeMap<(String, usize), Vec<usize>>,
    pub claims: BTreeMap<String, ClaimLine>,
    /// Claims whose quote the article does not print.
    pub errors: Vec<QuoteError>,
}

impl ArticleLinks {
    /// The links of `text` (read from `path`) to the catalogue's article scenarios and its claims.
    pub fn build(path: &Path, text: &str, catalog: &Catalog, scenarios_dir: &Path, declared: &Declared) -> ArticleLinks {
        let article = super::article::read(text);
        let runs = Runs::of(catalog, Some(&scenarios_dir.join(super::ARTICLE_DIR)));
        let traced = super::trace(&article, &runs, declared);
        let steps =
            traced.step_lines().into_iter().map(|(i, lines)| ((runs.steps[i].scenario.clone(), runs.steps[i].index), lines)).collect();
        let (found, errors) = quotes::locate(text, &article, &catalog.claims);
        ArticleLinks {
            name: path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned()),
            path: path.to_path_buf(),
            lines: text.lines().map(String::from).collect(),
            steps,
            claims: found.into_iter().map(|c| (c.id.clone(), c)).collect(),
            errors,
        }
    }

    /// The links for the scenarios of `scenarios_dir`, loaded as written (a run's namespace mapping
    /// changes the commands, not which step runs which block), or why there are none.
    pub fn resolve(scenarios_dir: &Path, opts: &LoadOptions) -> Result<ArticleLinks, String> {
        let path = article_path(scenarios_dir).ok_or_else(|| {
            format!(
                "no article found ({ARTICLE_VAR} unset, neither {} nor {} exists)",
                published(scenarios_dir).display(),
                copy(scenarios_dir).display()
            )
        })?;
        let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read the article {}: {e}", path.display()))?;
        let catalog = Catalog::load(scenarios_dir, opts).map_err(|e| e.to_string().trim_end().to_string())?;
        let declared = Declared::load(&scenarios_dir.join(super::DECLARED_FILE)).map_err(|e| e.to_string())?;
        Ok(ArticleLinks::build(&path, &text, &catalog, scenarios_dir, &declared))
    }

    /// `service-accounts-article.txt:125`
    pub fn at(&self, line: usize) -> String {
        format!("{}:{line}", self.name)
    }

    /// The article lines step `index` of `scenario` runs or checks, as `file:line`.
    pub fn of_step(&self, scenario: &str, index: usize) -> Vec<String> {
        self.steps.get(&(scenario.to_string(), index)).map(|l| l.iter().map(|&n| self.at(n)).collect()).unwrap_or_default()
    }

    /// The line that states claim `id`, as `file:line`.
    pub fn of_claim(&self, id: &str) -> Option<String> {
        self.claims.get(id).map(|c| self.at(c.line))
    }

    /// Sets every step's `article` lines (before the run, so every report carries them).
    pub fn stamp(&self, scenarios: &mut [Scenario]) {
        for s in scenarios {
            for step in &mut s.steps {
                step.article = self.of_step(&s.name, step.index);
            }
        }
    }

    /// Sets each claim verdict's `article` line.
    pub fn annotate(&self, claims: &mut [ClaimVerdict]) {
        for c in claims {
            c.article = self.of_claim(&c.id);
        }
    }

    /// The text of article line `line` (1-based), if it has one.
    pub fn text(&self, line: usize) -> Option<&str> {
        line.checked_sub(1).and_then(|i| self.lines.get(i)).map(String::as_str)
    }

    /// How many steps and claims are linked, for the line a run prints once.
    pub fn summary(&self) -> String {
        let implicit = self.claims.values().filter(|c| c.implicit).count();
        format!(
            "article {}: {} steps linked to its lines, {} claims to the lines that state them ({} implicit, at their heading)",
            self.path.display(),
            self.steps.len(),
            self.claims.len(),
            implicit
        )
    }
}

/// Reads `file:line` back into the line, for a report that carries only the text.
pub fn line_of(at: &str) -> Option<usize> {
    at.rsplit_once(':').and_then(|(_, n)| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::super::runs::{RunCommand, StepInfo};
    use super::*;
    use crate::scenario::Claim;

    fn runs() -> Runs {
        let step = |index: usize, line: usize, checks: &[&str]| StepInfo {
            scenario: "s".into(),
            file: "s.scenario.yaml".into(),
            index,
            line,
            name: format!("step {index}"),
            section: Some("Tokens".into()),
            checks: checks.iter().map(|c| super::super::tokens::word_seq(c)).collect(),
            verification: None,
        };
        Runs {
            steps: vec![step(1, 10, &["yes"]), step(2, 20, &[])],
            commands: vec![
                RunCommand { text: "kubectl auth can-i list pods -n dev".into(), step: 0 },
                RunCommand { text: "kubectl get pods -n dev".into(), step: 1 },
            ],
            manifests: Vec::new(),
        }
    }

    const TEXT: &str =
        "Tokens\nCheck it:\nkubectl auth can-i list pods -n dev\nExpected output:\nyes\nThen list them:\nkubectl get pods -n dev\n";

    #[test]
    fn each_step_links_to_the_first_line_of_each_block_it_runs_or_checks() {
        let t = super::super::trace_text(TEXT, &runs(), &Declared::default());
        let lines = t.step_lines();
        assert_eq!(lines.get(&0), Some(&vec![3, 5]), "{lines:?}");
        assert_eq!(lines.get(&1), Some(&vec![7]));
        // the same article with the can-i command changed: step 1 no longer runs line 3 (it still
        // checks the `yes` of line 5)
        let edited = TEXT.replace("can-i list pods", "can-i delete pods");
        let t = super::super::trace_text(&edited, &runs(), &Declared::default());
        assert_eq!(t.step_lines().get(&0), Some(&vec![5]), "{:?}", t.step_lines());
    }

    #[test]
    fn a_claim_links_to_its_quote_and_an_edited_quote_is_an_error_naming_the_claim() {
        let claim = Claim {
            id: "can-i-yes".into(),
            section: "Tokens".into(),
            text: "Check it: `kubectl auth can-i list pods -n dev` -- Expected output: yes".into(),
            checked_by: None,
        };
        let catalog = Catalog { scenarios: Vec::new(), claims: vec![claim], claims_file: None };
        let links = ArticleLinks::build(Path::new("/a/article.txt"), TEXT, &catalog, Path::new("/nowhere"), &Declared::default());
        assert_eq!(links.of_claim("can-i-yes").as_deref(), Some("article.txt:2"));
        assert!(links.errors.is_empty());
        let edited = TEXT.replace("can-i list pods", "can-i delete pods");
        let links = ArticleLinks::build(Path::new("/a/article.txt"), &edited, &catalog, Path::new("/nowhere"), &Declared::default());
        assert_eq!(links.of_claim("can-i-yes"), None);
        assert_eq!(
            links.errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["claim `can-i-yes`: the article does not print `kubectl auth can-i list pods -n dev` in section \"Tokens\""]
        );
        assert_eq!(line_of("article.txt:125"), Some(125));
    }
}
