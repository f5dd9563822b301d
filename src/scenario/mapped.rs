//! The mapped load's entry points ([`load_file_mapped`]) and what it hands back besides the
//! scenario: what was mapped (for reports) and whether the mapped scenario can run beside others
//! (`run --isolate`). A scenario is isolable when, mapped, everything it writes is in its own
//! namespaces or is a cluster-scoped object it renamed, it grants no named user or group across the
//! cluster, and it compares no listing across all namespaces in a way other runs' rows could change;
//! otherwise it runs as written (kept apart by its footprint), and the reason says why. The verdict is read from the mapped
//! scenario's footprint (what each step kind says it touches), so it follows the scenario's content,
//! not a list of scenario names.

use super::error::{LoadError, LoadErrors};
use super::load::LoadOptions;
use super::model::Scenario;
use super::namespaces::{MapPlan, NamespaceMap};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// Loads one scenario file with its namespaces mapped (see [`super::mapping`]): `check --namespace
/// dev=alice-dev` gives `MapPlan::Pairs`, `run --isolate` gives `MapPlan::Isolate`. What cannot be
/// mapped (a kustomization, a manifest from a URL) is a load error naming file:line.
pub fn load_file_mapped(path: &Path, opts: &LoadOptions, plan: &MapPlan) -> Result<Mapped, LoadErrors> {
    let source = std::fs::read_to_string(path).map_err(|e| LoadError::new(path, None, format!("cannot read scenario file: {e}")))?;
    load_str_mapped(path, &source, opts, plan)
}

/// [`load_file_mapped`] from text, as if read from `path`.
pub fn load_str_mapped(path: &Path, source: &str, opts: &LoadOptions, plan: &MapPlan) -> Result<Mapped, LoadErrors> {
    let (mut scenario, mapped) = super::load::load(path, source, opts, Some(plan))?;
    let (map, renames, notes) = mapped.unwrap_or_default();
    let used = |ns: &String| {
        scenario.namespaces.contains(&map.pairs()[ns]) || !super::mentions::find(source, &[(ns.clone(), String::new())].into()).is_empty()
    };
    let (namespaces, unused): (BTreeMap<String, String>, BTreeMap<String, String>) =
        map.pairs().clone().into_iter().partition(|(ns, _)| used(ns));
    let isolation = classify(&scenario, &map, &renames.objects);
    lint_callers(&mut scenario, &map);
    if matches!(plan, MapPlan::Isolate { .. }) {
        can_i_in_process(&mut scenario);
    }
    let report = MappingReport { namespaces, unused: unused.into_keys().collect(), renamed: renames.objects, notes, isolation };
    Ok(Mapped { scenario, report })
}

/// A `lint` step reads the article's files as written (it asks no cluster), so it keeps the article's
/// namespaces; the pods its rules count as API callers come from the other, mapped, steps, so each
/// is also given to it under its article namespace (`dev/alpine-curl` beside `alice-dev/alpine-curl`).
fn lint_callers(scenario: &mut Scenario, map: &NamespaceMap) {
    let article: BTreeMap<&str, &str> = map.pairs().iter().map(|(s, t)| (t.as_str(), s.as_str())).collect();
    let callers: Vec<String> =
        scenario.api_callers().into_iter().filter_map(|(ns, pod)| article.get(ns.as_str()).map(|src| format!("{src}/{pod}"))).collect();
    for step in &mut scenario.steps {
        if let super::model::Action::Lint(lint) = &mut step.action {
            lint.api_callers.extend(callers.iter().filter(|c| !lint.api_callers.contains(c)).cloned().collect::<Vec<_>>());
        }
    }
}

/// In an isolated run, a can-i step's kubectl question is asked in process (the SelfSubjectAccessReview
/// `kubectl auth can-i --as=USER` sends), not by a kubectl process: the step's own question, not a
/// command the article prints (a step with `command:` still runs it). A verbatim run keeps kubectl.
fn can_i_in_process(scenario: &mut Scenario) {
    for step in &mut scenario.steps {
        if let super::model::Action::CanI(c) = &mut step.action {
            c.in_process = true;
        }
    }
}

/// A scenario loaded through a namespace map.
#[derive(Debug, Clone)]
pub struct Mapped {
    pub scenario: Scenario,
    pub report: MappingReport,
}

/// What the loader mapped, in a form reports can show (`Display` for a console line, `Serialize` for
/// JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MappingReport {
    /// Article namespace -> namespace of this run, for the namespaces the scenario mentions.
    pub namespaces: BTreeMap<String, String>,
    /// Sources of the map the scenario never mentions (a notice: one map serves many scenarios).
    pub unused: Vec<String>,
    /// Cluster-scoped objects it owns, renamed (isolation only), `name -> new name`.
    pub renamed: BTreeMap<String, String>,
    /// Where a command was rewritten (`-f FILE` read from stdin), each with its file:line.
    pub notes: Vec<String>,
    pub isolation: Isolation,
}

/// Whether a mapped scenario may run beside other mapped scenarios.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", content = "reason", rename_all = "kebab-case")]
pub enum Isolation {
    Isolable,
    /// It touches something outside what the map gives it, so it runs as written (its own `dev`),
    /// kept apart by its footprint (alone, when that cannot be bounded); the reason names the step.
    AsWritten(String),
}

impl Isolation {
    pub fn is_isolable(&self) -> bool {
        matches!(self, Isolation::Isolable)
    }
}

impl fmt::Display for Isolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Isolation::Isolable => write!(f, "isolable"),
            Isolation::AsWritten(why) => write!(f, "not isolable ({why})"),
        }
    }
}

impl fmt::Display for MappingReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pairs: Vec<String> = self.namespaces.iter().map(|(s, t)| format!("{s} -> {t}")).collect();
        write!(f, "namespaces: {}", if pairs.is_empty() { "none mapped".into() } else { pairs.join(", ") })?;
        if !self.renamed.is_empty() {
            let objects: Vec<String> = self.renamed.iter().map(|(s, t)| format!("{s} -> {t}")).collect();
            write!(f, "; cluster objects: {}", objects.join(", "))?;
        }
        if !self.unused.is_empty() {
            write!(f, "; not used by this scenario: {}", self.unused.join(", "))?;
        }
        write!(f, "; {}", self.isolation)
    }
}

/// Isolable, or not and why: read from the mapped scenario, the map it was given and the
/// cluster-scoped objects it renamed.
pub fn classify(mapped: &Scenario, map: &NamespaceMap, renamed: &BTreeMap<String, String>) -> Isolation {
    let f = mapped.footprint();
    if let Some(why) = f.alone.or_else(|| f.everyone.into_values().next()) {
        return Isolation::AsWritten(why);
    }
    // A grant to the service accounts of one of its own namespaces is its copy's own: each copy's
    // group names that copy's namespace.
    let own = |who: &String| who.strip_prefix("Group system:serviceaccounts:").is_some_and(|ns| map.is_target(ns));
    if let Some(who) = f.grants.iter().find(|who| !own(who)) {
        return Isolation::AsWritten(format!("a ClusterRoleBinding grants to {who} across the cluster, which its copies would share"));
    }
    if let Some(why) = f.reads_everywhere {
        return Isolation::AsWritten(format!("{why}: other scenarios' objects would show up in what it compares"));
    }
    let foreign: Vec<&str> = f.writes.iter().map(String::as_str).filter(|ns| !map.is_target(ns)).collect();
    if !foreign.is_empty() {
        return Isolation::AsWritten(format!("it writes in namespaces that are not its own: {}", foreign.join(", ")));
    }
    let fixed: Vec<&str> = f
        .objects
        .iter()
        .map(String::as_str)
        .filter(|o| !renamed.values().any(|n| o.rsplit_once('/').is_some_and(|(_, name)| name == n)))
        .collect();
    if !fixed.is_empty() {
        return Isolation::AsWritten(format!("it writes cluster-scoped objects whose names it cannot change: {}", fixed.join(", ")));
    }
    Isolation::Isolable
}
