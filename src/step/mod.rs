//! Step kinds, one module each: a kind's model, its raw (YAML) form, its validation and its executor
//! live together in `step/<kind>.rs` and are registered once, in [`for_each_step_kind!`]. The loader
//! (`crate::scenario`) reads and builds a step through the registry; the runner runs it through the
//! generated [`Action`]. An executor's `Err` means the harness or the cluster broke, not that an
//! expectation failed (that is a [`Check`] with mismatches).
//!
//! Adding a step kind: write `step/<kind>.rs` with a model type implementing [`StepKind`], and add its
//! line to [`for_each_step_kind!`]. Nothing else lists step kinds.

pub use crate::check::Check;
pub use crate::poll::{Change, Window};

use crate::api::{ApiError, Applied, DiscoveryCache};
use crate::cluster::Target;
use crate::footprint::Footprint;
use crate::process::ProcessError;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// The registry: one line per step kind, `module::ModelType as Variant = "key"`, in the order the
/// documentation lists them. `$callback!` receives the list; [`Action`] and the loader's raw step are
/// generated from it.
macro_rules! for_each_step_kind {
    ($callback:ident) => {
        $callback! {
            apply::Apply as Apply = "apply",
            delete::Delete as Delete = "delete",
            wait::Wait as Wait = "wait",
            exec::Exec as Exec = "exec",
            http_from_pod::HttpFromPod as HttpFromPod = "http-from-pod",
            can_i::CanI as CanI = "can-i",
            kubectl::Kubectl as Kubectl = "kubectl",
            token::TokenStep as Token = "token",
            assert::AssertStep as Assert = "assert",
            audit::AuditStep as Audit = "audit",
            lint::LintStep as Lint = "lint",
        }
    };
}
pub(crate) use for_each_step_kind;

/// A problem with one key of a step: (the key, for its line; the message).
pub type Invalid = (String, String);

/// `Err((key, message))`, for a kind's [`StepKind::build`].
pub fn invalid<T>(key: &str, message: impl Into<String>) -> Result<T, Invalid> {
    Err((key.to_string(), message.into()))
}

/// What the loader gives a kind while building it: the scenario's directory and its manifests, read
/// with the scenario's variables substituted and each document checked.
pub trait LoadCx {
    /// The scenario file's directory; manifest, lint and `kubectl -f` paths are relative to it.
    fn dir(&self) -> &Path;
    /// Reads `files` (relative to [`LoadCx::dir`]) and an inline manifest (`inline`, from the step's
    /// `manifest:` key). The error names the key (`file` or `manifest`) the problem is at.
    fn manifests(&self, files: Vec<String>, inline: Option<String>) -> Result<Vec<Manifest>, Invalid>;
}

/// How `within:` and `stable-for:` apply to a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Looking {
    /// It changes the cluster or waits for its own change: `within` and `stable-for` do not apply.
    No,
    /// It looks, once unless the step gives its own `within` (it may have side effects, so it is not
    /// repeated on a scenario-wide default).
    Once,
    /// It looks again within the step's `within`, else the scenario's, else a short default.
    Again,
    /// Like `Again`, with the step's whole timeout as the default.
    UntilTimeout,
}

/// The limits a step runs within, from its common keys.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub timeout: Duration,
    pub window: Window,
}

impl Limits {
    pub fn new(timeout: Duration, within: Duration, stable_for: Option<Duration>) -> Self {
        Limits { timeout, window: Window::new(within, stable_for) }
    }
}

/// One step kind: its model is `Self`, read from its key as [`StepKind::Raw`].
pub trait StepKind: Sized {
    /// The form serde reads from the step's key (`deny_unknown_fields`).
    type Raw: serde::de::DeserializeOwned;
    /// How `within:` and `stable-for:` apply.
    const LOOKING: Looking;
    /// Validates the raw form and builds the model; the error names the key the problem is at.
    fn build(raw: Self::Raw, cx: &dyn LoadCx) -> Result<Self, Invalid>;
    /// Whether this step (as configured) only reads the cluster, so a failure does not stop the scenario.
    fn only_looks(&self) -> bool;
    /// (namespace, pod) when this step calls the API from inside a pod with the pod's own token (a
    /// `lint` step then knows the pod uses its token).
    fn api_caller(&self) -> Option<(String, String)> {
        None
    }
    /// Adds what the step touches on the cluster (namespaces read or written, cluster-scoped objects,
    /// a reason to run alone) to its scenario's footprint; `at` names the step, `dir` is the scenario's
    /// directory. Default: nothing (a kind that neither reads nor writes the cluster, like `lint`).
    fn footprint(&self, _f: &mut Footprint, _at: &str, _dir: &Path) {}
    /// For a look: the objects its answer depends on, so `check` knows which later writes would
    /// change it. Default (None): everything in the namespaces its footprint reads, and every
    /// cluster-scoped write (right for any answer of the authorizer).
    fn reads(&self) -> Option<Vec<crate::footprint::Read>> {
        None
    }
    /// Whether the step may create, change or delete RBAC objects (the RBAC sentinel then runs after
    /// it, see `runner::sentinel`); `dir` is the scenario's directory. Default: no.
    fn may_write_rbac(&self, _dir: &Path) -> bool {
        false
    }
    /// Why RBAC may change after the sentinel proved the authorizer fresh (a controller writing
    /// later), so a can-i answer is not final; `None` when the step changes nothing late. Default: none.
    fn changes_rbac_late(&self, _dir: &Path) -> Option<String> {
        None
    }
    /// Runs the step once on the cluster.
    fn run(&self, ctx: &StepCtx<'_>, limits: Limits) -> impl Future<Output = Result<Check, StepError>> + Send;
}

macro_rules! define_actions {
    ($($module:ident :: $model:ident as $variant:ident = $key:tt),* $(,)?) => {
        $(pub mod $module;)*

        /// The closed set of step kinds: one arm per kind in [`for_each_step_kind!`].
        #[derive(Debug, Clone)]
        pub enum Action {
            $($variant($module::$model),)*
        }

        /// Every step kind key, in the order the documentation lists them.
        pub const STEP_KINDS: &[&str] = &[$($key),*];

        impl Action {
            /// The key this kind has in a scenario file.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Action::$variant(_) => $key,)*
                }
            }

            /// How `within:` and `stable-for:` apply to this step.
            pub fn looking(&self) -> Looking {
                match self {
                    $(Action::$variant(_) => <$module::$model as StepKind>::LOOKING,)*
                }
            }

            /// Whether this step kind (as configured) only reads the cluster.
            pub fn only_looks(&self) -> bool {
                match self {
                    $(Action::$variant(a) => a.only_looks(),)*
                }
            }

            /// (namespace, pod) when this step calls the API from inside a pod with the pod's own token.
            pub fn api_caller(&self) -> Option<(String, String)> {
                match self {
                    $(Action::$variant(a) => a.api_caller(),)*
                }
            }

            /// Adds what the step touches to a scenario's footprint ([`StepKind::footprint`]).
            pub fn footprint(&self, f: &mut Footprint, at: &str, dir: &Path) {
                match self {
                    $(Action::$variant(a) => a.footprint(f, at, dir),)*
                }
            }

            /// What a look's answer depends on ([`StepKind::reads`]).
            pub fn reads(&self) -> Option<Vec<crate::footprint::Read>> {
                match self {
                    $(Action::$variant(a) => a.reads(),)*
                }
            }

            /// Whether the step may write RBAC ([`StepKind::may_write_rbac`]).
            pub fn may_write_rbac(&self, dir: &Path) -> bool {
                match self {
                    $(Action::$variant(a) => a.may_write_rbac(dir),)*
                }
            }

            /// Why the step may change RBAC late ([`StepKind::changes_rbac_late`]).
            pub fn changes_rbac_late(&self, dir: &Path) -> Option<String> {
                match self {
                    $(Action::$variant(a) => a.changes_rbac_late(dir),)*
                }
            }

            /// Runs the step.
            pub async fn run(&self, ctx: &StepCtx<'_>, limits: Limits) -> Result<Check, StepError> {
                match self {
                    $(Action::$variant(a) => a.run(ctx, limits).await,)*
                }
            }
        }

        /// The keys of the kinds that look (`within:` and `stable-for:` apply to them).
        pub fn looking_kinds() -> Vec<&'static str> {
            let mut keys = Vec::new();
            $(if <$module::$model as StepKind>::LOOKING != Looking::No { keys.push($key); })*
            keys
        }
    };
}
for_each_step_kind!(define_actions);

impl Action {
    /// Whether the step looks at the cluster and compares an answer (so `within:` and `stable-for:`
    /// apply to it), rather than changing it or waiting for its own change.
    pub fn looks(&self) -> bool {
        self.looking() != Looking::No
    }
}

/// Everything a step may use while it runs.
pub struct StepCtx<'a> {
    pub target: &'a Target,
    pub discovery: &'a DiscoveryCache,
    /// The scenario file's directory (`kubectl -f` and lint paths are relative to it).
    pub dir: PathBuf,
    /// Every step of the scenario, in order (a lint step reads which pods call the API).
    pub actions: Vec<&'a Action>,
    /// The kubectl binary.
    pub kubectl: &'a str,
    /// Objects applied so far (for cleanup).
    pub applied: &'a Mutex<Vec<Applied>>,
}

/// A manifest source of an `apply` or `delete` step, read at load time: YAML documents, variables
/// substituted.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Where it came from: a file path, or `<inline manifest in FILE:LINE>`.
    pub origin: String,
    /// The YAML documents, variables substituted.
    pub text: String,
}

impl Manifest {
    /// The file it was read from; `None` for an inline manifest.
    pub fn file(&self) -> Option<PathBuf> {
        (!self.origin.starts_with('<')).then(|| PathBuf::from(&self.origin))
    }

    /// Adds the objects it writes to `f` (in `default_ns` where they name none); `at` names the step.
    pub fn write_to(&self, f: &mut Footprint, default_ns: Option<&str>, at: &str) {
        f.write_manifest_text(&self.text, default_ns, &format!("{at} ({})", self.origin));
    }
}

/// The harness or the cluster broke while running a step.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error(transparent)]
    Lint(#[from] crate::lint::LintError),
    #[error(transparent)]
    Credential(#[from] crate::credential::CredentialError),
    #[error("{0}")]
    Other(String),
}

/// (namespace, pod) of every pod these steps call the API from.
pub fn api_callers<'a>(actions: impl IntoIterator<Item = &'a Action>) -> std::collections::BTreeSet<(String, String)> {
    actions.into_iter().filter_map(Action::api_caller).collect()
}

/// The manifest files these steps apply (inline manifests have no file to lint).
pub fn applied_files<'a>(actions: impl IntoIterator<Item = &'a Action>) -> Vec<PathBuf> {
    actions
        .into_iter()
        .filter_map(|a| match a {
            Action::Apply(a) => Some(a.manifests.iter().filter_map(Manifest::file).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    //! What each kind adds to a footprint, on the kinds whose model reads straight from YAML;
    //! `parallel`'s tests read whole scenarios through the loader (which `step` may not import).
    use super::{Footprint, StepKind};
    use std::path::Path;

    fn print<K: StepKind + serde::de::DeserializeOwned>(yaml: &str) -> Footprint {
        let kind: K = crate::yaml::from_node(&crate::yaml::parse_one(yaml).expect("YAML")).expect("a step");
        let mut f = Footprint::default();
        kind.footprint(&mut f, "step 1 `x`", Path::new("/nonexistent"));
        f
    }

    #[test]
    fn an_exec_writes_its_namespace_unless_it_only_reads() {
        let writes = print::<super::exec::Exec>("{ pod: p, namespace: dev, command: [touch, /x] }");
        assert_eq!((writes.writes.len(), writes.reads.len()), (1, 0));
        let reads = print::<super::exec::Exec>("{ pod: p, namespace: dev, command: [cat, /x], read-only: true }");
        assert_eq!(reads, Footprint { reads: ["dev".to_string()].into(), ..Default::default() });
    }

    #[test]
    fn an_http_list_outside_a_namespace_reads_everywhere_and_one_inside_does_not() {
        let h = |path: &str| {
            print::<super::http_from_pod::HttpFromPod>(&format!(
                "{{ pod: p, namespace: dev, path: {path}, expect: {{ status: 200, list: {{ contains: [x] }} }} }}"
            ))
        };
        assert_eq!(h("/api/v1/pods").reads_everywhere.as_deref(), Some("step 1 `x` compares the list /api/v1/pods across all namespaces"));
        assert_eq!(h("/api/v1/namespaces/dev/pods").reads_everywhere, None);
    }

    #[test]
    fn a_lint_touches_nothing_by_the_default() {
        let lint = print::<super::lint::LintStep>("{ files: [x.yaml] }");
        assert_eq!(lint, Footprint::default());
    }
}
