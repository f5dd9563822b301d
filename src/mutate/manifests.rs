//! Where a scenario's manifests are: `apply:` steps, and documented `kubectl apply|create -f FILE`
//! commands (read from the scenario's directory). A mutated manifest goes back into the same step: an
//! `apply:` step gets the new text, a kubectl step reads it from stdin (`-f -`), so its documented
//! output is still checked.

use crate::scenario::{Action, Scenario, Step};
use serde_json::Value;

/// The manifest documents one step applies.
#[derive(Debug, Clone)]
pub struct Site {
    /// Position of the step in `scenario.steps` (0-based).
    pub step: usize,
    /// Which manifest of an `apply:` step (0 for kubectl).
    pub source: usize,
    /// The file or inline origin.
    pub origin: String,
    pub docs: Vec<Value>,
}

/// Every manifest a scenario applies, in step order. Unreadable or unparsable files are left out:
/// the loader and the run report those.
pub fn sites(scenario: &Scenario) -> Vec<Site> {
    let mut out = Vec::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        match &step.action {
            Action::Apply(a) => {
                for (j, m) in a.manifests.iter().enumerate() {
                    if let Ok(docs) = crate::api::parse_manifest(&m.text) {
                        out.push(Site { step: i, source: j, origin: m.origin.clone(), docs });
                    }
                }
            }
            Action::Kubectl(k) => {
                if let Some((_, path)) = kubectl_file(&k.args) {
                    // A namespace-mapped load reads the documented file from stdin (`-f -`): the
                    // same site, under the file's name.
                    let (text, origin) = match (path.as_str(), &k.stdin) {
                        ("-", Some(stdin)) => (Some(stdin.clone()), documented_file(&k.display).unwrap_or(path)),
                        ("-", None) | (_, Some(_)) => (None, path),
                        (_, None) => (std::fs::read_to_string(scenario.dir().join(&path)).ok(), path),
                    };
                    if let Some(docs) = text.and_then(|t| crate::api::parse_manifest(&t).ok()) {
                        out.push(Site { step: i, source: 0, origin, docs });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// For `apply -f FILE` or `create -f FILE`: the position of the file word and the file.
fn kubectl_file(args: &[String]) -> Option<(usize, String)> {
    if !matches!(args.first().map(String::as_str), Some("apply" | "create")) {
        return None;
    }
    let at = args.iter().position(|a| a == "-f" || a == "--filename")?;
    let path = args.get(at + 1)?;
    (!path.ends_with('/')).then(|| (at + 1, path.clone()))
}

/// The `-f FILE` of a command as the scenario writes it (`kubectl apply -f pod.yaml`).
fn documented_file(display: &str) -> Option<String> {
    let words: Vec<&str> = display.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "-f" || *w == "--filename")?;
    words.get(at + 1).filter(|w| **w != "-").map(|w| w.to_string())
}

/// The documents as one multi-document YAML text.
pub fn render(docs: &[Value]) -> String {
    crate::yaml::k8s::render(docs)
}

/// The step of `site` applying `docs` instead; `None` when the step has nothing left to apply.
pub fn with_docs(step: &Step, site: &Site, docs: &[Value]) -> Option<Step> {
    if docs.is_empty() {
        // One manifest of several in an `apply:` step: only that manifest goes.
        let mut s = step.clone();
        return match &mut s.action {
            Action::Apply(a) if a.manifests.len() > 1 && site.source < a.manifests.len() => {
                a.manifests.remove(site.source);
                Some(s)
            }
            _ => None,
        };
    }
    let text = render(docs);
    let mut s = step.clone();
    match &mut s.action {
        Action::Apply(a) => {
            let m = a.manifests.get_mut(site.source)?;
            m.origin = format!("{} (mutated)", m.origin);
            m.text = text;
        }
        Action::Kubectl(k) => {
            let (at, _) = kubectl_file(&k.args)?;
            k.args[at] = "-".into();
            k.stdin = Some(text);
            k.display = format!("{} (mutated {} on stdin)", k.display, site.origin);
        }
        _ => return None,
    }
    Some(s)
}

/// A new step applying `docs`, placed where `like` is (same timeout and line), with no documentation.
pub fn apply_step(like: &Step, name: String, docs: &[Value]) -> Step {
    let mut s = like.clone();
    s.name = name;
    s.doc = None;
    // It keeps only the neighbour's place and timeout: never rebuilt from the neighbour's YAML, and
    // none of its captures, erratum, version or variable conditions, or look window.
    s.deferred = None;
    s.article = Vec::new();
    s.capture = Vec::new();
    s.erratum = None;
    s.when_version = None;
    s.when_var = Default::default();
    s.inapplicable = None;
    s.prerequisite = false;
    s.within = std::time::Duration::ZERO;
    s.stable_for = None;
    s.action = Action::Apply(crate::step::apply::Apply {
        manifests: vec![crate::step::Manifest { origin: "<added by sa-conformance mutate>".into(), text: render(docs) }],
        namespace: None,
    });
    s
}

pub fn kind(doc: &Value) -> &str {
    doc["kind"].as_str().unwrap_or_default()
}

pub fn name(doc: &Value) -> &str {
    doc["metadata"]["name"].as_str().unwrap_or_default()
}

/// The object's namespace, or the step's default (`apply: namespace:`, `kubectl -n`), or `default`.
pub fn namespace(doc: &Value, step: &Step) -> String {
    if let Some(ns) = doc["metadata"]["namespace"].as_str() {
        return ns.to_string();
    }
    let step_ns = match &step.action {
        Action::Apply(a) => a.namespace.clone(),
        Action::Kubectl(k) => k.args.iter().position(|a| a == "-n" || a == "--namespace").and_then(|i| k.args.get(i + 1).cloned()),
        _ => None,
    };
    step_ns.unwrap_or_else(|| "default".into())
}

/// The pod spec of a Pod or of a workload's pod template.
pub fn pod_spec_mut(doc: &mut Value) -> Option<&mut Value> {
    let path: &[&str] = match kind(doc) {
        "Pod" => &["spec"],
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" | "ReplicationController" => &["spec", "template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    };
    let mut v = doc;
    for key in path {
        v = v.get_mut(*key)?;
    }
    v.is_object().then_some(v)
}

pub fn is_binding(doc: &Value) -> bool {
    matches!(kind(doc), "RoleBinding" | "ClusterRoleBinding")
}

pub fn is_rbac(doc: &Value) -> bool {
    matches!(kind(doc), "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding")
}
