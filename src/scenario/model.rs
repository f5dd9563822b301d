//! The scenario data model: what a scenario file says, after variables are substituted and manifests are
//! read. Step kinds are a closed set; each has its own small executor in `crate::step`.

use crate::check::{FieldCheck, TextExpect};
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
    /// The directory manifests and `kubectl -f` paths are relative to.
    pub fn dir(&self) -> PathBuf {
        self.file.parent().map(PathBuf::from).unwrap_or_default()
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
}

impl Step {
    /// Whether a failure of this step stops the scenario: a step that changes the cluster, a wait (what
    /// follows depends on it), or one marked `prerequisite`. A failed look is recorded and the
    /// scenario goes on, so one wrong table does not hide the rest of a walkthrough.
    pub fn stops_on_failure(&self) -> bool {
        self.prerequisite || !self.action.only_looks()
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

/// The closed set of step kinds.
#[derive(Debug, Clone)]
pub enum Action {
    Apply(Apply),
    Delete(Delete),
    Wait(Wait),
    Exec(Exec),
    HttpFromPod(HttpFromPod),
    CanI(CanI),
    Kubectl(Kubectl),
    Token(TokenStep),
    Assert(AssertStep),
    Audit(AuditStep),
    Lint(LintStep),
}

impl Action {
    /// The key this kind has in a scenario file.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Apply(_) => "apply",
            Action::Delete(_) => "delete",
            Action::Wait(_) => "wait",
            Action::Exec(_) => "exec",
            Action::HttpFromPod(_) => "http-from-pod",
            Action::CanI(_) => "can-i",
            Action::Kubectl(_) => "kubectl",
            Action::Token(_) => "token",
            Action::Assert(_) => "assert",
            Action::Audit(_) => "audit",
            Action::Lint(_) => "lint",
        }
    }

    /// Whether the step looks at the cluster and compares an answer (so `within:` and `stable-for:`
    /// apply to it), rather than changing it or waiting for its own change.
    pub fn looks(&self) -> bool {
        matches!(
            self,
            Action::CanI(_) | Action::HttpFromPod(_) | Action::Assert(_) | Action::Exec(_) | Action::Kubectl(_) | Action::Token(_)
        )
    }

    /// Whether this step kind (as configured) only reads the cluster. Apply, delete and wait are never
    /// looks; exec is a change unless marked `read-only: true`; kubectl is a look when its verb is.
    pub fn only_looks(&self) -> bool {
        match self {
            Action::Apply(_) | Action::Delete(_) | Action::Wait(_) => false,
            Action::Exec(e) => e.read_only,
            Action::Kubectl(k) => k.only_looks(),
            Action::HttpFromPod(_) | Action::CanI(_) | Action::Token(_) | Action::Assert(_) | Action::Audit(_) | Action::Lint(_) => true,
        }
    }
}

/// Every step kind key, in the order the documentation lists them.
pub const STEP_KINDS: &[&str] =
    &["apply", "delete", "wait", "exec", "http-from-pod", "can-i", "kubectl", "token", "assert", "audit", "lint"];

/// A manifest source, read at load time.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Where it came from: a file path, or `<inline in FILE:LINE>`.
    pub origin: String,
    /// The YAML documents, variables substituted.
    pub text: String,
}

/// A reference to one API object.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    /// `list: true` asserts on the list of objects of this kind instead of one object.
    #[serde(default)]
    pub list: bool,
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = self.name.as_deref().unwrap_or("*");
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, name),
            None => write!(f, "{} {}", self.kind, name),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Apply {
    pub manifests: Vec<Manifest>,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Delete {
    pub targets: DeleteTargets,
    pub wait: bool,
}

#[derive(Debug, Clone)]
pub enum DeleteTargets {
    Object(ObjectRef),
    Manifests(Vec<Manifest>),
}

/// What a `wait` waits for: `ready`, `exists`, `deleted`, or `{ condition: TYPE }` (the documented
/// form; YAML's `!condition TYPE` tag is read too).
#[derive(Debug, Clone, PartialEq)]
pub enum WaitFor {
    Ready,
    Exists,
    Deleted,
    Condition(String),
}

impl<'de> Deserialize<'de> for WaitFor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, MapAccess, Visitor};
        const EXPECTED: &str = "`ready`, `exists`, `deleted` or `{ condition: TYPE }`";
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WaitFor;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<WaitFor, E> {
                match v {
                    "ready" => Ok(WaitFor::Ready),
                    "exists" => Ok(WaitFor::Exists),
                    "deleted" => Ok(WaitFor::Deleted),
                    other => Err(E::custom(format!("unknown wait `{other}`, expected {EXPECTED}"))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WaitFor, A::Error> {
                let key: String = map.next_key()?.ok_or_else(|| A::Error::custom(format!("empty map, expected {EXPECTED}")))?;
                if key != "condition" {
                    return Err(A::Error::custom(format!("unknown wait `{key}`, expected {EXPECTED}")));
                }
                let value: String = map.next_value()?;
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(A::Error::custom(format!("unexpected `{extra}` next to `condition`")));
                }
                Ok(WaitFor::Condition(value))
            }
            fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<WaitFor, A::Error> {
                use serde::de::VariantAccess;
                let (tag, variant): (String, _) = data.variant()?;
                match tag.as_str() {
                    "condition" => Ok(WaitFor::Condition(variant.newtype_variant()?)),
                    other => Err(A::Error::custom(format!("unknown wait `!{other}`, expected {EXPECTED}"))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wait {
    pub resource: ObjectRef,
    #[serde(rename = "for")]
    pub wait_for: WaitFor,
}

/// Expected result of a process (in a pod or on the host).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessExpect {
    #[serde(default)]
    pub exit: Option<i32>,
    #[serde(default)]
    pub stdout: Option<TextExpect>,
    #[serde(default)]
    pub stderr: Option<TextExpect>,
}

impl ProcessExpect {
    /// The exit code expected (0 unless the scenario says otherwise).
    pub fn exit_code(&self) -> i32 {
        self.exit.unwrap_or(0)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exec {
    pub pod: String,
    pub namespace: String,
    #[serde(default)]
    pub container: Option<String>,
    #[serde(default)]
    pub command: Option<Vec<String>>,
    #[serde(default)]
    pub script: Option<String>,
    #[serde(default)]
    pub expect: ProcessExpect,
    /// The command only reads (cat, ls, a GET with curl): its failure does not stop the scenario.
    #[serde(default, rename = "read-only")]
    pub read_only: bool,
}

impl Exec {
    /// The argv run in the container.
    pub fn argv(&self) -> Vec<String> {
        match (&self.command, &self.script) {
            (Some(cmd), _) => cmd.clone(),
            (None, Some(script)) => vec!["sh".into(), "-c".into(), script.clone()],
            (None, None) => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case")]
pub enum TokenSource {
    #[default]
    Mounted,
    None,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HttpFromPod {
    pub pod: String,
    pub namespace: String,
    #[serde(default)]
    pub container: Option<String>,
    pub path: String,
    #[serde(default)]
    pub token: TokenSource,
    pub expect: HttpExpect,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HttpExpect {
    pub status: u16,
    #[serde(default)]
    pub status_body: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    pub list: Option<ListExpect>,
    #[serde(default)]
    pub fields: Vec<FieldCheck>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ListExpect {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub contains: Vec<String>,
    #[serde(default)]
    pub not_contains: Vec<String>,
}

/// `yes` or `no`, as `kubectl auth can-i` prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Answer {
    Yes,
    No,
}

impl Answer {
    pub fn from_allowed(allowed: bool) -> Self {
        if allowed {
            Answer::Yes
        } else {
            Answer::No
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
        }
    }
}

impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bool(bool),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Bool(b) => Ok(Answer::from_allowed(b)),
            Raw::Text(t) => match t.as_str() {
                "yes" => Ok(Answer::Yes),
                "no" => Ok(Answer::No),
                other => Err(serde::de::Error::custom(format!("invalid answer `{other}`, expected \"yes\" or \"no\""))),
            },
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CanI {
    #[serde(rename = "as")]
    pub user: String,
    pub verb: String,
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub non_resource_url: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    pub expect: Answer,
    #[serde(default = "default_true")]
    pub kubectl: bool,
    #[serde(default)]
    pub command: Option<String>,
}

impl CanI {
    /// The kubectl command checked alongside the SubjectAccessReview: as documented, or built.
    pub fn kubectl_words(&self) -> Vec<String> {
        if let Some(cmd) = &self.command {
            return crate::scenario::words::split(cmd).unwrap_or_default();
        }
        let mut words = vec!["kubectl".to_string(), "auth".into(), "can-i".into(), self.verb.clone()];
        // kubectl reads `pods/exec` as TYPE/NAME, so a subresource goes in --subresource.
        match (&self.resource, &self.non_resource_url) {
            (Some(r), _) => match r.split_once('/') {
                Some((res, sub)) => words.extend([res.to_string(), format!("--subresource={sub}")]),
                None => words.push(r.clone()),
            },
            (None, Some(url)) => words.push(url.clone()),
            (None, None) => {}
        }
        words.push(format!("--as={}", self.user));
        if let Some(ns) = &self.namespace {
            words.push("-n".into());
            words.push(ns.clone());
        }
        words
    }
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone)]
pub struct Kubectl {
    /// The words after `kubectl`.
    pub args: Vec<String>,
    /// The command as written in the scenario, for messages.
    pub display: String,
    pub stdin: Option<String>,
    pub expect: ProcessExpect,
}

/// kubectl verbs (and `auth` subcommands) that only read the cluster.
const KUBECTL_LOOKS: &[&str] =
    &["get", "describe", "explain", "logs", "top", "version", "api-resources", "api-versions", "cluster-info", "diff", "events"];
const KUBECTL_AUTH_LOOKS: &[&str] = &["can-i", "whoami"];
/// Global flags that take their value as the next word.
const KUBECTL_VALUE_FLAGS: &[&str] =
    &["-n", "--namespace", "--context", "--kubeconfig", "--cluster", "--user", "-s", "--server", "--as", "--as-group"];

impl Kubectl {
    /// The verb (and, for `auth`, its subcommand) is one that only reads.
    pub fn only_looks(&self) -> bool {
        let mut words = Vec::new();
        let mut it = self.args.iter();
        while let Some(w) = it.next() {
            if KUBECTL_VALUE_FLAGS.contains(&w.as_str()) {
                it.next();
            } else if !w.starts_with('-') {
                words.push(w.as_str());
                if words.len() == 2 {
                    break;
                }
            }
        }
        match words.as_slice() {
            ["auth", sub, ..] => KUBECTL_AUTH_LOOKS.contains(sub),
            [verb, ..] => KUBECTL_LOOKS.contains(verb),
            [] => false,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case")]
pub enum TokenVia {
    #[default]
    Api,
    Kubectl,
    Pod,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TokenStep {
    pub serviceaccount: String,
    pub namespace: String,
    #[serde(default)]
    pub via: TokenVia,
    #[serde(default)]
    pub command: Option<String>,
    #[serde(default, deserialize_with = "crate::scenario::duration::deserialize_opt")]
    pub duration: Option<Duration>,
    #[serde(default)]
    pub audiences: Vec<String>,
    #[serde(default)]
    pub pod: Option<String>,
    #[serde(default)]
    pub expect: TokenExpect,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TokenExpect {
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default, deserialize_with = "crate::scenario::duration::deserialize_opt")]
    pub lifetime: Option<Duration>,
    /// `kubernetes.io.warnafter - iat`: when a client should refresh a token the API server extended.
    #[serde(default, deserialize_with = "crate::scenario::duration::deserialize_opt")]
    pub warn_after: Option<Duration>,
    /// The token's `kubernetes.io.pod` name and uid are those of the live pod (`pod:`).
    #[serde(default)]
    pub bound_to_pod: bool,
    #[serde(default)]
    pub audiences: Vec<String>,
    #[serde(default)]
    pub claims: Vec<FieldCheck>,
    #[serde(default)]
    pub whoami: Option<String>,
    #[serde(default)]
    pub request: Option<TokenRequestExpect>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequestExpect {
    pub path: String,
    pub status: u16,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssertStep {
    pub resource: ObjectRef,
    #[serde(default)]
    pub fields: Vec<FieldCheck>,
    /// `in-every-namespace: true`: the object `resource.name` of this namespaced kind must exist in
    /// every Active namespace of the cluster's live namespace list (each passing `fields`), not in a
    /// list the scenario wrote down; Terminating namespaces are skipped with a note.
    #[serde(default, rename = "in-every-namespace")]
    pub in_every_namespace: bool,
}

/// A least-privilege audit of one identity against the permissions the scenario declares it needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditStep {
    #[serde(rename = "as")]
    pub user: String,
    /// Namespaces examined (cluster-wide grants are always examined).
    pub namespaces: Vec<String>,
    #[serde(default)]
    pub allow: Vec<crate::audit::Allow>,
    /// Also print the resources-by-verbs matrix in the step's notes.
    #[serde(default)]
    pub matrix: bool,
}

/// Static best-practice checks over manifests (see `crate::lint`): findings of warning or error
/// severity fail the step unless their rule id is allowed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintStep {
    /// Manifest files or directories, relative to the scenario file.
    pub files: Vec<String>,
    /// Rule ids accepted in these manifests (e.g. SA001 for a pod the article leaves on `default`).
    #[serde(default)]
    pub allow: Vec<String>,
    /// Pods (`namespace/name`) that call the API besides those this scenario calls it from.
    #[serde(default, rename = "api-callers")]
    pub api_callers: Vec<String>,
    /// Only these rules run (every rule when empty), so a step can verify the one practice its claim
    /// states and the rule that checks it.
    #[serde(default)]
    pub rules: Vec<String>,
}

impl LintStep {
    /// Whether this step runs rule `id`.
    pub fn runs(&self, id: &str) -> bool {
        self.rules.is_empty() || self.rules.iter().any(|r| r == id)
    }
}
