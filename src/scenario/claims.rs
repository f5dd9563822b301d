//! The claims catalogue (`scenarios/claims.yaml`): every behaviour the article states, and which steps
//! verify it. Loading scenarios together with their claims checks that every claim id a step names
//! exists, so coverage can be counted honestly.

use super::error::{LoadError, LoadErrors};
use super::load::{discover, load_file, LoadOptions};
use super::model::Scenario;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One behaviour the documentation states.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    pub id: String,
    pub section: String,
    pub text: String,
    /// For a best practice: the lint rules and audit that check it. Each must be run by a step that
    /// names this claim, or the catalogue does not load.
    #[serde(default, rename = "checked-by", skip_serializing_if = "Option::is_none")]
    pub checked_by: Option<CheckedBy>,
}

/// The static and live checks a best-practice claim is verified with.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CheckedBy {
    /// Lint rule ids (`SA001` ...): a `lint` step naming the claim must run each of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lint: Vec<String>,
    /// `true`: an `audit` step (least-privilege audit on the cluster) must name the claim.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub audit: bool,
}

impl CheckedBy {
    /// `lint SA001 (default-service-account), audit`
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .lint
            .iter()
            .map(|id| match crate::lint::rule(id) {
                Some(r) => format!("lint {id} ({})", r.name),
                None => format!("lint {id}"),
            })
            .collect();
        if self.audit {
            parts.push("audit".into());
        }
        parts.join(", ")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimsFile {
    claims: Vec<Claim>,
}

/// All scenarios of a directory and the claims they verify.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub scenarios: Vec<Scenario>,
    pub claims: Vec<Claim>,
    pub claims_file: Option<PathBuf>,
}

/// A step that verifies a claim: (scenario, step index, step name).
pub type StepRef = (String, usize, String);

impl Catalog {
    /// Loads every scenario below `dir` and `dir/claims.yaml` if present. Every problem in every file
    /// is reported; finding no scenario at all is an error.
    pub fn load(dir: &Path, opts: &LoadOptions) -> Result<Catalog, LoadErrors> {
        let files = discover(dir)?;
        if files.is_empty() {
            return Err(LoadError::new(dir, None, "no scenarios found (files named *.scenario.yaml)").into());
        }
        Self::load_files(dir, &files, opts)
    }

    /// Loads the given scenario files, with the claims of `dir`.
    pub fn load_files(dir: &Path, files: &[PathBuf], opts: &LoadOptions) -> Result<Catalog, LoadErrors> {
        let mut errors = Vec::new();
        let mut scenarios = Vec::new();
        for f in files {
            match load_file(f, opts) {
                Ok(s) => scenarios.push(s),
                Err(e) => errors.extend(e.0),
            }
        }
        let claims_path = dir.join("claims.yaml");
        let claims = if claims_path.exists() {
            match load_claims(&claims_path) {
                Ok(c) => c,
                Err(e) => {
                    errors.extend(e.0);
                    Vec::new()
                }
            }
        } else {
            Vec::new()
        };
        let known: BTreeSet<&str> = claims.iter().map(|c| c.id.as_str()).collect();
        let mut names = BTreeSet::new();
        for s in &scenarios {
            if !names.insert(s.name.clone()) {
                errors.push(LoadError::new(&s.file, None, format!("scenario name `{}` is used by another file too", s.name)));
            }
            for step in &s.steps {
                for id in step.doc.iter().flat_map(|d| &d.claims) {
                    if !claims.is_empty() && !known.contains(id.as_str()) {
                        errors.push(
                            LoadError::new(&s.file, Some(step.line), format!("unknown claim id `{id}` (not in {})", claims_path.display()))
                                .in_step(step.index),
                        );
                    }
                }
            }
        }
        if errors.is_empty() {
            errors.extend(unchecked_practices(&claims_path, &claims, &scenarios));
        }
        if errors.is_empty() {
            Ok(Catalog { scenarios, claims, claims_file: claims_path.exists().then_some(claims_path) })
        } else {
            Err(LoadErrors(errors))
        }
    }

    /// The steps that verify `claim_id`.
    pub fn verifiers(&self, claim_id: &str) -> Vec<StepRef> {
        self.scenarios
            .iter()
            .flat_map(|s| {
                s.steps
                    .iter()
                    .filter(|st| st.doc.as_ref().is_some_and(|d| d.claims.iter().any(|c| c == claim_id)))
                    .map(|st| (s.name.clone(), st.index, st.name.clone()))
            })
            .collect()
    }

    /// Keeps only the scenarios whose names are given (all when `names` is empty); unknown names are an error.
    pub fn select(&mut self, names: &[String]) -> Result<(), String> {
        if names.is_empty() {
            return Ok(());
        }
        let unknown: Vec<&String> = names.iter().filter(|n| !self.scenarios.iter().any(|s| &s.name == *n)).collect();
        if !unknown.is_empty() {
            let known: Vec<&str> = self.scenarios.iter().map(|s| s.name.as_str()).collect();
            return Err(format!("unknown scenario(s) {:?}; known: {}", unknown, known.join(", ")));
        }
        self.scenarios.retain(|s| names.contains(&s.name));
        Ok(())
    }
}

/// The line of claim `id` in the claims file, for messages.
fn claim_line(path: &Path, id: &str) -> Option<usize> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().position(|l| l.trim_start().trim_start_matches("- ").trim() == format!("id: {id}")).map(|i| i + 1)
}

/// A claim whose `checked-by` names a lint rule no `lint` step of that claim runs, or an audit no
/// `audit` step of that claim makes: the practice would be declared checked without being checked.
fn unchecked_practices(path: &Path, claims: &[Claim], scenarios: &[Scenario]) -> Vec<LoadError> {
    use super::model::Action;
    let mut errors = Vec::new();
    for c in claims {
        let Some(by) = &c.checked_by else { continue };
        let steps: Vec<&Action> = scenarios
            .iter()
            .flat_map(|s| &s.steps)
            .filter(|st| st.doc.as_ref().is_some_and(|d| d.claims.contains(&c.id)))
            .map(|st| &st.action)
            .collect();
        let at = || claim_line(path, &c.id);
        if by.lint.is_empty() && !by.audit {
            errors.push(LoadError::new(path, at(), format!("claim `{}`: checked-by names no lint rule and no audit", c.id)));
        }
        for id in &by.lint {
            if crate::lint::rule(id).is_none() {
                let ids: Vec<&str> = crate::lint::RULES.iter().map(|r| r.id).collect();
                errors.push(LoadError::new(path, at(), format!("claim `{}`: unknown lint rule `{id}` (rules: {})", c.id, ids.join(", "))));
            } else if !steps.iter().any(|a| matches!(a, Action::Lint(l) if l.runs(id))) {
                errors.push(LoadError::new(
                    path,
                    at(),
                    format!("claim `{}` is checked by lint rule {id}, but no lint step naming the claim runs it", c.id),
                ));
            }
        }
        if by.audit && !steps.iter().any(|a| matches!(a, Action::Audit(_))) {
            errors.push(LoadError::new(path, at(), format!("claim `{}` is checked by an audit, but no audit step names the claim", c.id)));
        }
    }
    errors
}

fn load_claims(path: &Path) -> Result<Vec<Claim>, LoadErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| LoadError::new(path, None, format!("cannot read: {e}")))?;
    let root = crate::yaml::parse_one(&text).map_err(|e| LoadError::yaml(path, 1, &e))?;
    let file: ClaimsFile = crate::yaml::from_node(&root).map_err(|e| LoadError::yaml(path, 1, &e))?;
    let ids: Vec<&crate::yaml::Node> =
        root.get("claims").map(|c| c.items().iter().filter_map(|i| i.get("id")).collect()).unwrap_or_default();
    let mut seen = BTreeSet::new();
    let mut errors = Vec::new();
    for (i, c) in file.claims.iter().enumerate() {
        if !seen.insert(c.id.clone()) {
            errors.push(LoadError::at(path, ids.get(i).map(|n| n.pos), format!("claim id `{}` appears twice", c.id)));
        }
    }
    if errors.is_empty() {
        Ok(file.claims)
    } else {
        Err(LoadErrors(errors))
    }
}
