//! A mutant as an operator first makes it (before it gets its id and renumbered steps), and the
//! target slugs operators name what they changed by. Its own file, below the operators' catalogue
//! and their implementations (grants, identity), which all build drafts.

use super::manifests::{self, Site};
use super::operators::Operator;
use crate::scenario::{ObjectRef, Scenario, Step};
use serde_json::Value;

/// A mutant before it gets its id and its renumbered steps.
#[derive(Debug, Clone)]
pub struct Draft {
    pub operator: Operator,
    /// What was changed, as a slug (the id is `operator:target`).
    pub target: String,
    pub description: String,
    pub text: String,
    pub steps: Vec<Step>,
    /// Cluster-scoped objects the mutant may create: deleted after the run like the scenario's own.
    pub cleanup: Vec<ObjectRef>,
    /// Positions (0-based, in `steps`) of steps the mutant added.
    pub injected: Vec<usize>,
}

impl Draft {
    pub fn new(
        operator: Operator,
        target: impl Into<String>,
        description: impl Into<String>,
        text: impl Into<String>,
        steps: Vec<Step>,
    ) -> Draft {
        Draft {
            operator,
            target: target.into(),
            description: description.into(),
            text: text.into(),
            steps,
            cleanup: Vec::new(),
            injected: Vec::new(),
        }
    }

    /// The scenario's steps with the step of `site` applying `docs` (or skipped when `docs` is empty).
    pub fn site_steps(scenario: &Scenario, site: &Site, docs: &[serde_json::Value]) -> Vec<Step> {
        let mut steps = scenario.steps.clone();
        match manifests::with_docs(&scenario.steps[site.step], site, docs) {
            Some(s) => steps[site.step] = s,
            None => {
                steps.remove(site.step);
            }
        }
        steps
    }
}

/// `Kind/namespace/name` of a manifest document, as a target slug.
pub fn doc_target(doc: &serde_json::Value, step: &Step) -> String {
    let kind = manifests::kind(doc);
    let name = manifests::name(doc);
    match kind {
        "ClusterRole" | "ClusterRoleBinding" | "Namespace" => format!("{kind}/{name}"),
        _ => format!("{kind}/{}/{name}", manifests::namespace(doc, step)),
    }
}

/// One draft per manifest document that `change` alters: `change` edits its copy of the document (it
/// also gets the step that applies it) and says what it did, or `None` to leave it alone. The draft
/// applies the site's documents with that one changed; its target is the document's [`doc_target`]
/// and its description `TARGET in ORIGIN: WHAT`.
pub fn each_document(
    scenario: &Scenario,
    sites: &[Site],
    operator: Operator,
    mut change: impl FnMut(&mut Value, &Step) -> Option<String>,
) -> Vec<Draft> {
    let mut out = Vec::new();
    for site in sites {
        let step = &scenario.steps[site.step];
        for i in 0..site.docs.len() {
            let mut docs = site.docs.clone();
            let Some(what) = change(&mut docs[i], step) else { continue };
            let target = doc_target(&site.docs[i], step);
            let description = format!("{target} in {}: {what}", site.origin);
            out.push(Draft::new(operator, target, description, manifests::render(&docs[i..=i]), Draft::site_steps(scenario, site, &docs)));
        }
    }
    out
}
