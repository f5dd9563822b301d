//! The scenario data model: what a scenario file says, after variables are substituted and manifests are
//! read. Only what is common to every step lives here; each step kind's model is in its own module of
//! `crate::step`, reached through [`Action`].

pub use crate::api::ObjectRef;
pub use crate::step::Action;
use crate::step::Limits;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// One scenario file, loaded and validated.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// The file it came from; manifests are relative to its directory.
    pub file: PathBuf,
    pub namespaces: Vec<String>,
    pub vars: BTreeMap<String, String>,
    pub cleanup: Vec<ObjectRef>,
    pub steps: Vec<Step>,
    /// What `sa-conformance mutate` may skip or accept for this scenario, each with a written reason.
    pub mutants: MutantPolicy,
}

/// The `mutants:` key: operators this scenario excludes and surviving mutants it accepts, with reasons.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MutantPolicy {
    #[serde(default)]
    pub skip: Vec<SkipOperator>,
    #[serde(default)]
    pub accept: Vec<AcceptSurvivor>,
}

/// An operator that does not apply to a scenario, and why.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SkipOperator {
    pub operator: String,
    pub reason: String,
}

/// A survivor accepted as equivalent: one mutant by `id`, or every mutant of an `operator`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AcceptSurvivor {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub operator: Option<String>,
    pub reason: String,
}

impl Scenario {
    /// A guess at how long the scenario takes, from its content alone, for the scheduler to start the
    /// longest first: every `stable-for` it must wait out, and half a second a step.
    pub fn expected_duration(&self) -> std::time::Duration {
        self.steps.iter().map(|s| s.stable_for.unwrap_or_default() + std::time::Duration::from_millis(500)).sum()
    }

    /// The directory manifests and `kubectl -f` paths are relative to.
    pub fn dir(&self) -> PathBuf {
        self.file.parent().map(PathBuf::from).unwrap_or_default()
    }

    /// Each step's action, in order.
    pub fn actions(&self) -> impl Iterator<Item = &Action> {
        self.steps.iter().map(|s| &s.action)
    }

    /// What the scenario touches on the cluster: its namespaces, its cleanup list, and what each step
    /// says it touches ([`crate::step::StepKind::footprint`]). Read by `--jobs` and by the isolation
    /// classification, so both see the same thing.
    pub fn footprint(&self) -> crate::footprint::Footprint {
        let mut f = crate::footprint::Footprint::default();
        f.writes.extend(self.namespaces.iter().cloned());
        for r in &self.cleanup {
            f.write_ref(r);
        }
        let dir = self.dir();
        for step in &self.steps {
            step.action.footprint(&mut f, &format!("step {} `{}`", step.index, step.name), &dir);
        }
        f
    }

    /// (namespace, pod) of every pod this scenario calls the API from.
    pub fn api_callers(&self) -> std::collections::BTreeSet<(String, String)> {
        crate::step::api_callers(self.actions())
    }

    /// The manifest files this scenario applies (inline manifests have no file to lint).
    pub fn applied_files(&self) -> Vec<PathBuf> {
        crate::step::applied_files(self.actions())
    }
}

/// One step: common keys plus exactly one action.
#[derive(Debug, Clone)]
pub struct Step {
    /// 1-based position in the scenario.
    pub index: usize,
    pub name: String,
    pub doc: Option<DocRef>,
    pub timeout: Duration,
    /// How long the cluster may take to reach the expected answer: a look step (can-i, http-from-pod,
    /// assert, exec, kubectl, token) asks again until it holds or this passes. Zero asks once; always
    /// zero for steps that do not look.
    pub within: Duration,
    /// The expected answer must keep holding for this long (asked again and again) before the step passes.
    pub stable_for: Option<Duration>,
    /// Where the step starts in its file (1-based), for messages.
    pub line: usize,
    pub action: Action,
    /// `prerequisite: true`: a failure of this step stops the scenario even if the step only looks.
    pub prerequisite: bool,
    /// `verification: REASON`: the step is the harness's own proof, not something the article tells
    /// its reader to do (`check` never expects a participant's lab to have done it).
    pub verification: Option<String>,
    /// Where the article is wrong and this step measures what is true instead.
    pub erratum: Option<super::erratum::Erratum>,
    /// Server versions this step runs on (its own `when-version`, or its erratum's); others skip it
    /// as not applicable.
    pub when_version: Option<super::erratum::VersionReq>,
    /// `when-var`: the variable values this step is for (empty: every run), kept for listings.
    pub when_var: std::collections::BTreeMap<String, String>,
    /// Why the step does not apply to this run, decided at load time from `when-var` (e.g. a
    /// cluster profile the user names with `--var`); such a step is reported not applicable.
    pub inapplicable: Option<String>,
    /// `capture:`: values this step saves for later steps (`${name}`).
    pub capture: Vec<crate::capture::CaptureSpec>,
    /// The step as written, when it uses a captured value: built again once the values exist.
    pub deferred: Option<Deferred>,
    /// The article lines (`service-accounts-article.txt:125`) of the blocks this step runs or checks
    /// verbatim: not written in the scenario, set by `trace`'s matching before a run
    /// ([`crate::trace::ArticleLinks::stamp`]); empty without an article.
    pub article: Vec<String>,
}

/// A step that uses captured values, as written (variables substituted, each captured reference a
/// [`crate::capture::placeholder`]), with what the loader needs to build it again at run time.
#[derive(Debug, Clone)]
pub struct Deferred {
    pub node: crate::yaml::Node,
    pub default_timeout: Duration,
    pub default_within: Option<Duration>,
    /// Every captured name of the scenario, with the step that captures it.
    pub captured: BTreeMap<String, usize>,
    /// In a mapped load, what its manifest files get replaced when they are read again.
    pub renames: Option<super::mapped_manifest::Renames>,
}

impl Step {
    /// Whether a failure of this step stops the scenario: a step that changes the cluster, a wait (what
    /// follows depends on it), or one marked `prerequisite`. A failed look is recorded and the
    /// scenario goes on, so one wrong table does not hide the rest of a walkthrough.
    pub fn stops_on_failure(&self) -> bool {
        self.prerequisite || !self.action.only_looks()
    }

    /// The step's timeout, `within` and `stable-for`, as its executor takes them.
    pub fn limits(&self) -> Limits {
        Limits::new(self.timeout, self.within, self.stable_for)
    }
}

/// The part of the documentation a step verifies.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DocRef {
    pub section: String,
    #[serde(default)]
    pub claims: Vec<String>,
}
