//! The loader: scenario file -> [`Scenario`]. Variables are substituted first (so lines stay true), the
//! file is read once into the positioned YAML tree ([`crate::yaml`]), the top level is parsed strictly,
//! then each step from its own node, so every broken step in a file is reported at once, each with its
//! file:line:column.

use super::error::{LoadError, LoadErrors};
use super::locate::{key_pos, StepSlice};
use super::mapped_manifest::Renames;
use super::mapping::Mapper;
use super::model::*;
use super::namespaces::{MapPlan, NamespaceMap};
use super::vars::substitute_keeping;
use crate::capture::Captures;
use crate::duration;
use crate::step::{self, Action, Invalid, LoadCx, Looking, Manifest, StepKind, STEP_KINDS};
use crate::yaml::{self, Node, Pos};
use regex::Regex;
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

/// What the caller may change about every scenario it loads.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--var key=value` overrides of the scenario's `vars`.
    pub overrides: BTreeMap<String, String>,
}

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How long can-i and http-from-pod ask again by default (capped at the step's timeout): an RBAC
/// change reaches the authorizer a moment after it is written.
pub const DEFAULT_WITHIN: Duration = Duration::from_secs(10);

#[derive(Deserialize)]
struct PreScan {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)] // read by the pre-scan; declared so deny_unknown_fields accepts it
    vars: BTreeMap<String, IgnoredAny>,
    #[serde(default, deserialize_with = "duration::deserialize_opt")]
    timeout: Option<Duration>,
    #[serde(default)]
    cleanup: Vec<ObjectRef>,
    /// Read from the tree one by one (see [`parse_steps`]); declared so it is required and a list.
    steps: Vec<IgnoredAny>,
    /// Default `within` for can-i, http-from-pod and assert steps.
    #[serde(default, deserialize_with = "duration::deserialize_opt")]
    within: Option<Duration>,
    #[serde(default)]
    mutants: MutantPolicy,
}

/// One step as written: the keys common to every step, then one optional key per step kind (from the
/// registry, `crate::step::for_each_step_kind!`), each in its kind's raw form.
macro_rules! raw_step {
    ($($module:ident :: $model:ident as $variant:ident = $key:tt),* $(,)?) => {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "kebab-case")]
        struct RawStep {
            #[serde(default)]
            name: Option<String>,
            #[serde(default)]
            doc: Option<DocRef>,
            #[serde(default, deserialize_with = "duration::deserialize_opt")]
            timeout: Option<Duration>,
            #[serde(default, deserialize_with = "duration::deserialize_opt")]
            within: Option<Duration>,
            #[serde(default, deserialize_with = "duration::deserialize_opt")]
            stable_for: Option<Duration>,
            #[serde(default)]
            prerequisite: bool,
            /// Why the step is the harness's own, not one the article tells the reader to do.
            #[serde(default)]
            verification: Option<String>,
            #[serde(default)]
            erratum: Option<super::erratum::Erratum>,
            #[serde(default)]
            when_version: Option<String>,
            #[serde(default)]
            when_var: BTreeMap<String, String>,
            /// `NAME: PATH` (or `NAME: { from: PATH, secret: true }`) values to save for later steps
            /// (see `crate::capture`).
            #[serde(default)]
            capture: BTreeMap<String, crate::capture::CaptureEntry>,
            $(
                #[serde(default, rename = $key)]
                $module: Option<<step::$module::$model as StepKind>::Raw>,
            )*
        }

        impl RawStep {
            /// Every step kind key the step has, each built (and validated) by its kind.
            fn actions(&mut self, cx: &dyn LoadCx) -> Vec<(&'static str, Result<Action, Invalid>)> {
                let mut kinds = Vec::new();
                $(
                    if let Some(raw) = self.$module.take() {
                        kinds.push(($key, <step::$module::$model as StepKind>::build(raw, cx).map(Action::$variant)));
                    }
                )*
                kinds
            }
        }
    };
}
step::for_each_step_kind!(raw_step);

static NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$").expect("static regex"));

/// Every `*.scenario.yaml` below `dir`, sorted; an empty result is the caller's error to report.
pub fn discover(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| LoadError::new(&d, None, format!("cannot read scenario directory: {e}")))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(".scenario.yaml") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The whole file is not a scenario (empty, a list, a lone value): said in the file's own terms, before
/// any field is read, so no internal type name reaches the user.
fn not_a_scenario(root: &Node) -> Option<String> {
    const WANT: &str = "expected a mapping with `name:` and `steps:` (docs/scenario-format.md)";
    match &root.value {
        _ if root.is_null() => Some(format!("empty scenario file: {WANT}")),
        yaml::Value::Map(_) => None,
        yaml::Value::Seq(_) => Some(format!("the scenario file is a list: {WANT}")),
        yaml::Value::Scalar { text, .. } => {
            Some(format!("the scenario file is the single value `{}`: {WANT}", text.chars().take(40).collect::<String>()))
        }
    }
}

/// Loads one scenario file.
pub fn load_file(path: &Path, opts: &LoadOptions) -> Result<Scenario, LoadErrors> {
    let source = std::fs::read_to_string(path).map_err(|e| LoadError::new(path, None, format!("cannot read scenario file: {e}")))?;
    load_str(path, &source, opts)
}

/// Loads a scenario from text, as if read from `path` (manifests resolve relative to it).
pub fn load_str(path: &Path, source: &str, opts: &LoadOptions) -> Result<Scenario, LoadErrors> {
    load(path, source, opts, None).map(|(scenario, _)| scenario)
}

/// What a mapped load keeps for its report: the map, what it replaced, and where it rewrote commands.
pub(super) type MapState = (NamespaceMap, Renames, Vec<String>);

pub(super) fn load(
    path: &Path,
    source: &str,
    opts: &LoadOptions,
    plan: Option<&MapPlan>,
) -> Result<(Scenario, Option<MapState>), LoadErrors> {
    let err = |e: yaml::Error| LoadErrors::from(LoadError::yaml(path, 1, &e));
    // `${x}` inside a flow mapping is not YAML until substituted, so the pre-scan sees placeholders.
    let placeholder = super::vars::neutralise(source);
    let pre_root = yaml::parse_one(&placeholder).map_err(err)?;
    if let Some(problem) = not_a_scenario(&pre_root) {
        return Err(LoadError::at(path, Some(pre_root.pos), problem).into());
    }
    let pre: PreScan = yaml::from_node(&pre_root).map_err(err)?;
    let declared = pre_root.get("vars").map(Node::entries).unwrap_or_default();
    let mut vars: BTreeMap<String, String> = declared.iter().filter_map(|(k, v)| Some((k.as_str()?.to_string(), scalar_text(v)))).collect();
    vars.extend(opts.overrides.clone());
    if let Some(name) = &pre.name {
        vars.entry("scenario".into()).or_insert_with(|| name.clone());
    }
    let captured = captured_names(pre_root.get("steps").map(Node::items).unwrap_or_default());
    let mut errors = Vec::new();
    if let Some((name, _)) = captured.iter().find(|(name, _)| vars.contains_key(*name)) {
        errors.push(LoadError::at(path, pre_root.key_pos("vars"), format!("`{name}` is both a variable and a captured value; rename one")));
    }
    let keep = captured.keys().cloned().collect();
    let text = substitute_keeping(source, &vars, &keep).map_err(|unknown| {
        LoadErrors(unknown.into_iter().map(|u| LoadError::new(path, Some(u.line), unknown_var_message(&u.name, &vars))).collect())
    })?;
    let mut root = yaml::parse_one(&text).map_err(err)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mapped = match plan {
        Some(plan) => Some(map_tree(&mut root, plan, path, dir)?),
        None => None,
    };
    let raw: RawScenario = yaml::from_node(&root).map_err(err)?;
    if !NAME.is_match(&raw.name) {
        errors.push(LoadError::at(
            path,
            root.key_pos("name"),
            format!("scenario name `{}` must be lower-case letters, digits and '-'", raw.name),
        ));
    }
    for ns in &raw.namespaces {
        if !NAME.is_match(ns) || ns.len() > 63 {
            errors.push(LoadError::at(path, root.key_pos("namespaces"), format!("`{ns}` is not a valid namespace name")));
        }
    }
    if raw.steps.is_empty() {
        errors.push(LoadError::at(path, root.key_pos("steps"), "scenario has no steps"));
    }
    let default_timeout = raw.timeout.unwrap_or(DEFAULT_TIMEOUT);
    if let Some(within) = raw.within.filter(|w| *w > default_timeout) {
        errors.push(LoadError::at(
            path,
            root.key_pos("within"),
            format!(
                "within {} is longer than the scenario's timeout {}",
                duration::format_duration(within),
                duration::format_duration(default_timeout)
            ),
        ));
    }
    let ctx = StepContext {
        path,
        dir,
        source: &text,
        vars: &vars,
        default_timeout,
        default_within: raw.within,
        captured: &captured,
        captures: None,
        manifest_refs: Default::default(),
        renames: mapped.as_ref().map(|(_, renames, _)| renames).filter(|r| !r.is_empty()),
    };
    let mut steps = Vec::new();
    let step_nodes = root.get("steps").map(Node::items).unwrap_or_default();
    for (i, parsed) in parse_steps(step_nodes).into_iter().enumerate() {
        let index = i + 1;
        match parsed.and_then(|(slice, rs)| ctx.build(index, &slice, rs)) {
            Ok(step) => steps.push(step),
            Err(mut errs) => {
                errs.iter_mut().for_each(|e| {
                    e.step = Some(index);
                    e.file = path.to_path_buf();
                });
                errors.extend(errs);
            }
        }
    }
    if !errors.is_empty() {
        return Err(LoadErrors(errors));
    }
    let scenario = Scenario {
        name: raw.name,
        description: raw.description,
        file: path.to_path_buf(),
        namespaces: raw.namespaces,
        vars,
        cleanup: raw.cleanup,
        steps,
        mutants: raw.mutants,
    };
    Ok((scenario, mapped))
}

/// Maps the scenario's tree in place, before anything is read from it: the one place namespaces
/// are mapped (manifest files follow in [`StepContext::manifests`]).
fn map_tree(root: &mut Node, plan: &MapPlan, path: &Path, dir: &Path) -> Result<MapState, LoadErrors> {
    let name = root.get("name").and_then(Node::as_str).unwrap_or_default().to_string();
    let namespaces: Vec<String> =
        root.get("namespaces").map(Node::items).unwrap_or_default().iter().filter_map(|n| n.as_str().map(String::from)).collect();
    let map = plan.for_scenario(&name, &namespaces).map_err(|e| LoadError::at(path, root.key_pos("namespaces"), e.to_string()))?;
    // `dev=prod` where the scenario also owns a `prod` it keeps would merge two namespaces into one.
    if let Some((source, target)) = map.pairs().iter().find(|(_, t)| namespaces.contains(t) && map.get(t).is_none()) {
        let message =
            format!("`{source}={target}`: the scenario also owns `{target}`, which is not mapped; map it too or choose another target");
        return Err(LoadError::at(path, root.key_pos("namespaces"), message).into());
    }
    let mut mapper = Mapper::new(&map, root, dir, path);
    mapper.scenario(root);
    if !mapper.errors.is_empty() {
        return Err(LoadErrors(mapper.errors));
    }
    Ok((map, mapper.renames, mapper.notes))
}

type Parsed = Result<(StepSlice, RawStep), Vec<LoadError>>;

/// A problem with one key of a step: (the key, for its line; the message).
type FieldError = (String, String);

/// Parses each step from its own node of the tree, so one broken step does not hide the others.
fn parse_steps(nodes: &[Node]) -> Vec<Parsed> {
    nodes
        .iter()
        .map(|node| {
            let slice = StepSlice::new(node);
            yaml::from_node::<RawStep>(node).map(|rs| (slice, rs)).map_err(|e| vec![LoadError::yaml(Path::new(""), 1, &e)])
        })
        .collect()
}

struct StepContext<'a> {
    path: &'a Path,
    dir: &'a Path,
    /// The scenario's text after substitution, to place errors inside an inline manifest.
    source: &'a str,
    vars: &'a BTreeMap<String, String>,
    default_timeout: Duration,
    /// The scenario's top-level `within`, if it has one.
    default_within: Option<Duration>,
    /// Every captured name, with the (1-based) step that captures it.
    captured: &'a BTreeMap<String, usize>,
    /// At run time, the values captured so far (manifest files get them); at load time none.
    captures: Option<&'a Captures>,
    /// Captured names the manifest files of the step being built refer to.
    manifest_refs: RefCell<Vec<String>>,
    /// A mapped load: what manifest files get replaced (inline manifests are mapped in the tree).
    renames: Option<&'a Renames>,
}

/// Every name a `capture:` key of a step declares, with the step's 1-based index (the first wins).
fn captured_names(steps: &[Node]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (i, step) in steps.iter().enumerate() {
        if let Some(map) = step.get("capture").filter(|c| c.is_map()) {
            for name in map.entries().iter().filter_map(|(k, _)| k.as_str()) {
                out.entry(name.to_string()).or_insert(i + 1);
            }
        }
    }
    out
}

/// The captured names a step's node refers to (through placeholders in its keys and scalars).
fn referenced_in(node: &Node) -> Vec<String> {
    fn texts<'a>(node: &'a Node, out: &mut Vec<&'a str>) {
        match &node.value {
            yaml::Value::Scalar { text, .. } => out.push(text),
            yaml::Value::Seq(items) => items.iter().for_each(|i| texts(i, out)),
            yaml::Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                texts(k, out);
                texts(v, out);
            }),
        }
    }
    let mut all = Vec::new();
    texts(node, &mut all);
    crate::capture::referenced(&all.join("\n"))
}

/// Builds a step that uses captured values again, now that they exist: the values go into its parsed
/// YAML (never into YAML text) and its manifest files, and the kind builds and validates it as at load.
pub fn rebuild(scenario: &Scenario, step: &Step, captures: &Captures) -> Result<Step, String> {
    let Some(deferred) = &step.deferred else { return Ok(step.clone()) };
    let mut node = deferred.node.clone();
    fill_command_lines(&mut node, captures)?;
    captures.interpolate(&mut node)?;
    let path = scenario.file.as_path();
    let rs: RawStep = yaml::from_node(&node).map_err(|e| LoadError::yaml(path, 1, &e).in_step(step.index).to_string())?;
    let ctx = StepContext {
        source: "",
        path,
        dir: path.parent().unwrap_or(Path::new(".")),
        vars: &scenario.vars,
        default_timeout: deferred.default_timeout,
        default_within: deferred.default_within,
        captured: &deferred.captured,
        captures: Some(captures),
        manifest_refs: Default::default(),
        renames: deferred.renames.as_ref(),
    };
    let slice = StepSlice::new(&node);
    // Filled in, a value may break what the loader checks (a path that must start with `/`): said
    // with the file:line the value stands at, like a load error.
    let mut built = ctx
        .build(step.index, &slice, rs)
        .map_err(|errs| errs.into_iter().map(|e| e.in_step(step.index).to_string()).collect::<Vec<_>>().join("; "))?;
    built.deferred = None;
    Ok(built)
}

/// Fills captured values into the documented command lines of a step (`kubectl`, `can-i` and
/// `token` `command:`) word by word, after splitting them as a shell would, so a value with spaces
/// or quotes stays the one argument it stands in.
fn fill_command_lines(node: &mut Node, captures: &Captures) -> Result<(), String> {
    let yaml::Value::Map(entries) = &mut node.value else { return Ok(()) };
    for (key, kind) in entries.iter_mut() {
        let is_command_kind =
            matches!(&key.value, yaml::Value::Scalar { text, .. } if matches!(text.as_str(), "kubectl" | "can-i" | "token"));
        let yaml::Value::Map(fields) = &mut kind.value else { continue };
        for (field, value) in fields.iter_mut().filter(|_| is_command_kind) {
            let is_command = matches!(&field.value, yaml::Value::Scalar { text, .. } if text == "command");
            if let (true, yaml::Value::Scalar { text, plain, .. }) = (is_command, &mut value.value) {
                if !crate::capture::referenced(text).is_empty() {
                    *text = crate::command_line::fill(text, |word| captures.fill(word))?;
                    *plain = false;
                }
            }
        }
    }
    Ok(())
}

impl StepContext<'_> {
    fn build(&self, index: usize, slice: &StepSlice, mut rs: RawStep) -> Result<Step, Vec<LoadError>> {
        let line = Some(slice.pos());
        let at = |key: &str| Some(key_pos(slice, key));
        let mut errors = Vec::new();
        let mut kinds = rs.actions(&StepLoadCx { ctx: self, slice });
        let action = match kinds.len() {
            0 => {
                errors.push(LoadError::at(self.path, line, format!("step has no step kind; expected one of: {}", STEP_KINDS.join(", "))));
                None
            }
            1 => match kinds.pop().map(|(_, a)| a) {
                Some(Ok(action)) => Some(action),
                Some(Err((key, msg))) => {
                    errors.push(LoadError::at(self.path, at(&key), msg));
                    None
                }
                None => None,
            },
            _ => {
                let names: Vec<&str> = kinds.iter().map(|(k, _)| *k).collect();
                errors.push(LoadError::at(
                    self.path,
                    line,
                    format!("step has several step kinds ({}); a step does exactly one thing", names.join(", ")),
                ));
                None
            }
        };
        let capture = match &action {
            Some(action) => crate::capture::specs(&rs.capture, action.kind()).unwrap_or_else(|msg| {
                errors.push(LoadError::at(self.path, at("capture"), msg));
                Vec::new()
            }),
            None => Vec::new(),
        };
        let mut refs = referenced_in(&slice.node);
        refs.extend(self.manifest_refs.take());
        for name in &refs {
            match self.captured.get(name) {
                Some(&by) if by >= index => errors.push(LoadError::at(
                    self.path,
                    line,
                    format!("`${{{name}}}` is captured by step {by}; a step can use only what an earlier step captured"),
                )),
                _ => {}
            }
        }
        let timeout = rs.timeout.unwrap_or(self.default_timeout);
        let within = match &action {
            Some(action) => match self.within(action.looking(), action.kind(), timeout, rs.within, rs.stable_for, rs.timeout.is_some()) {
                Ok(w) => w,
                Err((key, msg)) => {
                    errors.push(LoadError::at(self.path, if key.is_empty() { line } else { at(&key) }, msg));
                    Duration::ZERO
                }
            },
            None => Duration::ZERO,
        };
        let (erratum, when_version) = match resolve_erratum(rs.doc.as_ref(), rs.erratum, rs.when_version) {
            Ok(found) => found,
            Err((key, msg)) => {
                errors.push(LoadError::at(self.path, at(&key), msg));
                (None, None)
            }
        };
        let mut inapplicable = None;
        for (key, want) in &rs.when_var {
            match self.vars.get(key) {
                None => errors.push(LoadError::at(self.path, at("when-var"), unknown_var_message(key, self.vars))),
                Some(have) if have != want && inapplicable.is_none() => {
                    inapplicable = Some(format!("the step is for {key}={want}, this run has {key}={have}"));
                }
                Some(_) => {}
            }
        }
        if rs.verification.as_deref().is_some_and(|r| r.trim().is_empty()) {
            errors.push(LoadError::at(self.path, at("verification"), "`verification:` needs the reason the step is not the article's"));
        }
        match action {
            Some(action) if errors.is_empty() => Ok(Step {
                index,
                name: rs.name.unwrap_or_else(|| format!("{} #{index}", action.kind())),
                doc: rs.doc,
                timeout,
                within,
                stable_for: rs.stable_for,
                line: slice.line,
                action,
                prerequisite: rs.prerequisite,
                verification: rs.verification,
                erratum,
                when_version,
                when_var: rs.when_var,
                inapplicable,
                capture,
                deferred: (!refs.is_empty()).then(|| Deferred {
                    node: slice.node.clone(),
                    default_timeout: self.default_timeout,
                    default_within: self.default_within,
                    captured: self.captured.clone(),
                    renames: self.renames.cloned(),
                }),
                article: Vec::new(),
            }),
            _ => Err(errors),
        }
    }

    /// The step's effective `within`, checked against its timeout. Steps that look take the step's
    /// own value; can-i, http-from-pod and assert otherwise the scenario's (can-i and http-from-pod
    /// then 10s, assert its timeout); exec, kubectl and token ask once unless the step says otherwise
    /// (they may have side effects, so they are not repeated on a scenario-wide default).
    fn within(
        &self,
        looking: Looking,
        kind: &str,
        timeout: Duration,
        own: Option<Duration>,
        stable_for: Option<Duration>,
        own_timeout: bool,
    ) -> Result<Duration, FieldError> {
        let fmt = duration::format_duration;
        if looking == Looking::No {
            for (key, given) in [("within", own.is_some()), ("stable-for", stable_for.is_some())] {
                if given {
                    return Err((
                        key.into(),
                        format!(
                            "`{key}` applies only to steps that look ({}); a {kind} step waits for its own effect within its `timeout`",
                            step::looking_kinds().join(", ")
                        ),
                    ));
                }
            }
            return Ok(Duration::ZERO);
        }
        let within = match (own, looking) {
            (Some(w), _) => {
                if w > timeout {
                    return Err(("within".into(), format!("within {} is longer than the step's timeout {}", fmt(w), fmt(timeout))));
                }
                w
            }
            (None, Looking::Again | Looking::UntilTimeout) => match self.default_within {
                Some(w) if w > timeout => {
                    let key = if own_timeout { "timeout" } else { "" };
                    return Err((
                        key.into(),
                        format!(
                            "the scenario's within {} is longer than this step's timeout {}; give the step its own `within`",
                            fmt(w),
                            fmt(timeout)
                        ),
                    ));
                }
                Some(w) => w,
                None if looking == Looking::UntilTimeout => timeout,
                None => timeout.min(DEFAULT_WITHIN),
            },
            (None, _) => Duration::ZERO,
        };
        if let Some(stable) = stable_for {
            if within.saturating_add(stable) > timeout {
                return Err((
                    "stable-for".into(),
                    format!("within {} plus stable-for {} is longer than the step's timeout {}", fmt(within), fmt(stable), fmt(timeout)),
                ));
            }
        }
        Ok(within)
    }

    fn manifests(&self, paths: Vec<String>, inline: Option<String>, slice: &StepSlice) -> Result<Vec<Manifest>, Invalid> {
        let mut out = Vec::new();
        for rel in paths {
            let full = self.dir.join(&rel);
            let text = std::fs::read_to_string(&full)
                .map_err(|e| ("file".to_string(), format!("manifest `{rel}` cannot be read ({}): {e}", full.display())))?;
            let keep = self.captured.keys().cloned().collect();
            let text = substitute_keeping(&text, self.vars, &keep).map_err(|unknown| {
                let u = &unknown[0];
                ("file".to_string(), format!("{}:{}: {}", full.display(), u.line, unknown_var_message(&u.name, self.vars)))
            })?;
            // Mapped before captured values go in: those come from the mapped cluster already.
            let text = match self.renames {
                Some(renames) => renames.manifest(&text).unwrap_or_else(|_| renames.text(&text)),
                None => text,
            };
            let text = match self.captures {
                Some(captures) => captures.fill(&text).map_err(|m| ("file".to_string(), format!("{}: {m}", full.display())))?,
                None => {
                    self.manifest_refs.borrow_mut().extend(crate::capture::referenced(&text));
                    text
                }
            };
            validate_documents(&text).map_err(|(at, m)| ("file".to_string(), format!("{}:{at}: {m}", full.display())))?;

            out.push(Manifest { origin: full.display().to_string(), text });
        }
        if let Some(text) = inline {
            let origin = format!("<inline manifest in {}:{}>", self.path.display(), key_pos(slice, "manifest").line);
            validate_documents(&text).map_err(|(at, m)| {
                let place = match literal_block_pos(self.source, slice, at) {
                    Some(p) => format!("at {}:{p}", self.path.display()),
                    None => format!("(line {} column {} of it)", at.line, at.col),
                };
                ("manifest".to_string(), format!("inline manifest {place}: {m}"))
            })?;
            out.push(Manifest { origin, text });
        }
        Ok(out)
    }
}

/// What one step's kind may ask of the loader while it is built.
struct StepLoadCx<'a> {
    ctx: &'a StepContext<'a>,
    slice: &'a StepSlice,
}

impl LoadCx for StepLoadCx<'_> {
    fn dir(&self) -> &Path {
        self.ctx.dir
    }

    fn manifests(&self, files: Vec<String>, inline: Option<String>) -> Result<Vec<Manifest>, Invalid> {
        self.ctx.manifests(files, inline, self.slice)
    }
}

/// Where `at` (line:column of an inline manifest's own text) is in the scenario file, when the manifest
/// is a literal block (`manifest: |`): its lines are the file's lines less their indentation, and the
/// reader places the block at its first character.
fn literal_block_pos(source: &str, slice: &StepSlice, at: Pos) -> Option<Pos> {
    let value = slice.node.find_value("manifest")?;
    let header = source.lines().nth(value.pos.line.checked_sub(2)?)?.trim_end();
    if !["|", "|-", "|+"].iter().any(|h| header.ends_with(h)) {
        return None;
    }
    Some(Pos { line: value.pos.line + at.line - 1, col: value.pos.col - 1 + at.col })
}

/// Each YAML document must be an object with apiVersion, kind and metadata.name, read the way Kubernetes
/// reads it ([`yaml::k8s`]); a label or annotation value that Kubernetes reads as something other than a
/// string (`enabled: no` is `false`) is refused here with the server's own words.
fn validate_documents(text: &str) -> Result<(), (Pos, String)> {
    let docs = yaml::k8s::documents(text).map_err(|e| (e.pos.unwrap_or_default(), e.describe()))?;
    for (i, doc) in docs.iter().enumerate() {
        for key in ["apiVersion", "kind"] {
            if doc.json[key].as_str().is_none() {
                return Err((doc.node.pos, format!("document {} has no `{key}`", i + 1)));
            }
        }
        if doc.json["metadata"]["name"].as_str().is_none() {
            return Err((doc.node.pos, format!("document {} has no `metadata.name`", i + 1)));
        }
        for field in ["labels", "annotations"] {
            let entries = doc.node.path(&["metadata", field]).map(Node::entries).unwrap_or_default();
            if let Some((k, v, other)) = entries.iter().find_map(|(k, v)| Some((k, v, yaml::k8s::resolve(v).filter(|j| !j.is_null())?))) {
                let (key, written) = (k.as_str().unwrap_or_default(), v.as_str().unwrap_or_default());
                let json_key = yaml::k8s::key_text(k);
                return Err((
                    v.pos,
                    format!(
                        "`{key}: {written}` is read by Kubernetes (YAML 1.1) as {other}, not the string \"{written}\"; the API server \
                         refuses it: \".metadata.{field}.{json_key}: expected string, got &value.valueUnstructured{{Value:{other}}}\"; \
                         quote it: `{key}: \"{written}\"`"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// An erratum names one claim of its step (the step's only claim when it names none); `when-version` is
/// given once, on the step or on its erratum.
fn resolve_erratum(
    doc: Option<&DocRef>,
    erratum: Option<super::erratum::Erratum>,
    when_version: Option<String>,
) -> Result<(Option<super::erratum::Erratum>, Option<super::erratum::VersionReq>), FieldError> {
    let range = match (&erratum, &when_version) {
        (Some(e), Some(_)) if e.when_version.is_some() => {
            return Err(("when-version".into(), "give `when-version` once: on the step or on its erratum".into()))
        }
        (Some(e), None) => e.when_version.clone(),
        (_, step) => step.clone(),
    };
    let req = range.as_deref().map(super::erratum::VersionReq::parse).transpose().map_err(|m| ("when-version".to_string(), m))?;
    let Some(mut e) = erratum else { return Ok((None, req)) };
    let claims = doc.map(|d| d.claims.as_slice()).unwrap_or_default();
    match (&e.claim, claims) {
        (Some(c), _) if !claims.contains(c) => {
            return Err(("erratum".into(), format!("the erratum's claim `{c}` is not among the step's doc.claims ({})", claims.join(", "))))
        }
        (Some(_), _) => {}
        (None, [only]) => e.claim = Some(only.clone()),
        (None, []) => return Err(("erratum".into(), "an erratum needs the claim it corrects: list it in the step's doc.claims".into())),
        (None, _) => {
            return Err((
                "erratum".into(),
                format!("the step verifies several claims ({}); say which one the erratum corrects with `claim:`", claims.join(", ")),
            ))
        }
    }
    if e.article.trim().is_empty() || e.actual.trim().is_empty() {
        return Err(("erratum".into(), "an erratum says what the article says (`article`) and what is true instead (`actual`)".into()));
    }
    Ok((Some(e), req))
}

fn unknown_var_message(name: &str, vars: &BTreeMap<String, String>) -> String {
    let known: Vec<&str> = vars.keys().map(String::as_str).collect();
    format!(
        "unknown variable `${{{name}}}` (defined: {}); write `$${{{name}}}` for a literal",
        if known.is_empty() { "none".into() } else { known.join(", ") }
    )
}

/// A variable's value as text: a scalar as written, anything else as JSON (so an empty one is `null`).
fn scalar_text(v: &Node) -> String {
    match v.as_str() {
        Some(text) => text.to_string(),
        None => yaml::k8s::to_json(v).to_string(),
    }
}
