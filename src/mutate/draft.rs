//! A mutant as an operator first makes it (before it gets its id and renumbered steps), and the
//! target slugs operators name what they changed by. Its own file, below the operators' catalogue
//! and their implementations (grants, identity), which all build drafts.

use super::manifests::{self, Site};
use super::operators::Operator;
use crate::scenario::{ObjectRef, Scenario, Step};

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
