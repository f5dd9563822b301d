//! Command-line arguments (clap). Kept apart from `main` so the argument model can be unit-tested.

use crate::cluster::kind::DEFAULT_NAME;
use crate::cluster::{ClusterSpec, ExistingSpec, KindSpec};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(name = "sa-conformance", version, about = "Prove on a real cluster that the ServiceAccount/RBAC tutorial is true")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// More output (every step as it finishes)
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run scenarios (all, or the named ones) against a cluster
    Run(RunArgs),
    /// List scenarios and their steps, or the claims and the steps that verify them
    List(ListArgs),
    /// Create or delete the harness's kind cluster
    #[command(subcommand)]
    Cluster(ClusterCommand),
    /// Least-privilege audit: what an identity can do beyond what you declare it needs
    Audit(AuditArgs),
    /// Check manifests (files, directories, or scenarios) against the article's best practices
    Lint(LintArgs),
    /// Kill matrix: run generic mutants of scenarios (a wrong cluster or lab) and report survivors
    Mutate(MutateArgs),
    /// Check a lab someone made by following the article (their cluster, their namespaces), read-only:
    /// per article section, what holds and what to revisit
    Check(CheckArgs),
    /// Run the whole suite on several Kubernetes versions (a kind cluster each, one at a time) and
    /// write the claims x versions table
    Matrix(MatrixArgs),
    /// Map every block of a tutorial (commands, manifests, expected outputs) to the steps that run it,
    /// by content; a block not run or run differently fails
    Trace(TraceArgs),
}

impl Command {
    /// The cluster options of a verb that takes them (`run`, `audit`, `mutate`).
    pub fn target(&self) -> Option<&TargetArgs> {
        match self {
            Command::Run(a) => Some(&a.target),
            Command::Audit(a) => Some(&a.target),
            Command::Mutate(a) => Some(&a.target),
            _ => None,
        }
    }
}

#[derive(Args, Debug)]
pub struct TraceArgs {
    /// The tutorials: plain text (fences lost) or Markdown
    #[arg(required = true)]
    pub articles: Vec<PathBuf>,
    /// Blocks declared not runnable and commands run beyond the article, with reasons
    /// (default: trace.yaml in --scenarios-dir; the traced scenarios are those in its article/)
    #[arg(long)]
    pub declared: Option<PathBuf>,
    /// Also run the doc kill matrix: generic edits of the article, each of which must fail the trace
    #[arg(long)]
    pub kill_matrix: bool,
    /// Also find where the article states each claim of claims.yaml (in --scenarios-dir), by its quote;
    /// a quote the article does not print fails the trace
    #[arg(long)]
    pub claims: bool,
    /// Write the trace as JSON here (one article)
    #[arg(long)]
    pub json: Option<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Args, Debug)]
pub struct MutateArgs {
    /// Scenario names (default: all)
    pub scenarios: Vec<String>,
    /// Only these mutation operators (repeatable; default: all)
    #[arg(long = "operator", value_parser = parse_operator)]
    pub operators: Vec<crate::mutate::Operator>,
    /// Only the mutants with these ids, as --list prints them (repeatable; default: every mutant of the
    /// operators chosen), e.g. to run a survivor again
    #[arg(long = "mutant", value_name = "ID")]
    pub mutants: Vec<String>,
    /// Print the mutants and their changes without running anything
    #[arg(long)]
    pub list: bool,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub load: LoadArgs,
    /// Write the kill matrix as JUnit XML here
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write the kill matrix as JSON here
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Run each mutant (and each baseline) in namespaces of its own (dev -> dev-<scenario>-<run>), so
    /// that mutants run side by side (--jobs); a scenario that cannot be isolated runs as written, one
    /// mutant at a time, and the report says why (the default)
    #[arg(long, conflicts_with = "as_written")]
    pub isolate: bool,
    /// Run every mutant in the article's own namespaces, one at a time (the kill matrix before --isolate)
    #[arg(long)]
    pub as_written: bool,
    /// Run up to N mutants at once; only isolated ones whose footprints do not conflict run together
    #[arg(short, long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
}

#[derive(Args, Debug)]
pub struct MatrixArgs {
    /// Kubernetes versions, e.g. v1.34.4,v1.35.4 (default: MATRIX_K8S_VERSIONS in --versions-env)
    #[arg(long = "k8s-version", value_delimiter = ',')]
    pub versions: Vec<String>,
    /// Node image for a version, VERSION=IMAGE (e.g. v1.35.4=kindest/node:v1.35.4); without it the
    /// version's offline build (its offline.env under --cache) is used
    #[arg(long = "image", value_parser = parse_version_image::<String>)]
    pub images: Vec<(String, String)>,
    /// Take a version's column from a `run --json` report made earlier, VERSION=PATH, instead of
    /// running it (e.g. a version run on its own; its time is then unknown)
    #[arg(long = "report", value_parser = parse_version_image::<PathBuf>)]
    pub reports: Vec<(String, PathBuf)>,
    /// Images to `kind load` into clusters made from --image node images (repeatable)
    #[arg(long = "load-image")]
    pub load_images: Vec<String>,
    /// kind cluster config for every version (1.35+ on cgroup v1 hosts need `failCgroupV1: false`)
    #[arg(long, default_value = "kind-config.yaml")]
    pub config: PathBuf,
    /// Where MATRIX_K8S_VERSIONS and KIND_VERSION are pinned
    #[arg(long, default_value = "scripts/versions.env")]
    pub versions_env: PathBuf,
    /// The offline build cache (each version's offline.env)
    #[arg(long, env = "SA_CACHE", default_value = "/var/cache/sa-conformance")]
    pub cache: PathBuf,
    /// Each version's run report and log go here
    #[arg(long, default_value = "target/sa-conformance-matrix")]
    pub work_dir: PathBuf,
    /// How long one version (create, suite, delete) may take
    #[arg(long, default_value = "40m", value_parser = parse_duration)]
    pub version_timeout: Duration,
    /// Each version's kind cluster is named PREFIX-v1-NN (one machine, several people: give yours a prefix of your own)
    #[arg(long, default_value = "sa-conformance-matrix")]
    pub cluster_prefix: String,
    /// Render a matrix saved with --json instead of running anything
    #[arg(long, conflicts_with_all = ["versions", "images"])]
    pub from_json: Option<PathBuf>,
    /// Write the matrix as JSON here
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write the matrix as Markdown here
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// Write the matrix as a self-contained HTML page here
    #[arg(long)]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq)]
pub enum LintFormat {
    Console,
    Json,
    Sarif,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    /// Manifest files, directories, or *.scenario.yaml files (a scenario lints the manifests it applies,
    /// knowing which pods it calls the API from)
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "console")]
    pub format: LintFormat,
    /// Write the report here instead of stdout
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// The identity: a user name or system:serviceaccount:NAMESPACE:NAME
    #[arg(long = "as")]
    pub user: String,
    /// Namespaces to examine (cluster-wide grants are always examined)
    #[arg(short = 'n', long = "namespace", required = true)]
    pub namespaces: Vec<String>,
    /// Declared permissions, VERBS:RESOURCES[:NAMESPACE], e.g. get,list,watch:pods:dev (repeatable)
    #[arg(long = "allow", value_parser = parse_allow)]
    pub allow: Vec<crate::audit::Allow>,
    /// Print the resources-by-verbs matrix
    #[arg(long)]
    pub matrix: bool,
    /// Ask every question as a SubjectAccessReview, even when the SelfSubjectRulesReviews are
    /// complete and could screen out those no rule allows
    #[arg(long)]
    pub sweep: bool,
    /// Write the audit as JSON here
    #[arg(long)]
    pub json: Option<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Scenario names (default: all)
    pub scenarios: Vec<String>,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub load: LoadArgs,
    /// Write a JUnit XML report here
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write a JSON report here
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write this run as the matrix page with one column (the server's version): the article's
    /// claims, each verdict as a badge, every step's evidence one click away; self-contained HTML
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Refuse at once (exit 2) when another run holds a scenario's namespace, instead of waiting
    #[arg(long)]
    pub no_wait: bool,
    /// How long this run's claim on a namespace outlives the run if it is killed (SIGKILL, a lost
    /// machine): the next run takes the namespace over, or sweeps it, once the lease has expired. It is
    /// renewed every third of it. From 3s to 1h
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_lease)]
    pub lease: Duration,
    /// Run up to N scenarios at once; only scenarios whose footprints do not conflict run together.
    /// Above 1 it implies --isolate, unless --as-written or --namespace is given
    #[arg(short, long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Run the article's namespace SOURCE as TARGET, every mention mapped (manifests, commands,
    /// expected output, identities): --namespace dev=alice-dev (repeatable; docs/namespace-mapping.md)
    #[arg(long = "namespace", value_name = "SOURCE=TARGET", conflicts_with_all = ["isolate", "as_written"])]
    pub namespaces: Vec<String>,
    /// Every scenario in namespaces of its own (dev -> dev-<scenario>-<run>), so that scenarios can run
    /// at once (--jobs); a scenario that cannot be isolated runs as written, and the run says why
    /// (the default with --jobs above 1)
    #[arg(long, conflicts_with = "as_written")]
    pub isolate: bool,
    /// Every scenario in the article's own namespaces, also with --jobs above 1 (those sharing `dev`
    /// then run one after another, in order): the record of the article as written (the default with --jobs 1)
    #[arg(long)]
    pub as_written: bool,
}

impl RunArgs {
    /// Whether the run maps every scenario into namespaces of its own: asked for, or implied by
    /// `--jobs` above 1 unless the run is as written or mapped to given namespaces.
    pub fn isolates(&self) -> bool {
        self.isolate || self.jobs > 1 && !self.as_written && self.namespaces.is_empty()
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq)]
pub enum CheckFormat {
    /// A line per article section, ✓ or ✗, and what to revisit
    Console,
    /// The same as JSON
    Json,
    /// For a lab platform's check script (Instruqt, Killercoda): nothing on success, one `FAIL: ...` line otherwise
    Lab,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Scenarios to check the lab against (default: article-walkthrough)
    pub scenarios: Vec<String>,
    /// kubeconfig of the lab's cluster (default: $KUBECONFIG, else ~/.kube/config)
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// Context of the lab's cluster (default: the current context)
    #[arg(long)]
    pub context: Option<String>,
    /// The participant's namespace for the article's: --namespace dev=alice-dev; give the same
    /// SOURCE again for another participant (--namespace dev=alice-dev --namespace dev=bob-dev: a board)
    #[arg(long = "namespace", value_name = "SOURCE=TARGET")]
    pub namespaces: Vec<String>,
    /// Every namespace with this label is a participant's `dev` (e.g. workshop=sa-rbac): a board
    #[arg(long, value_name = "LABEL_SELECTOR", conflicts_with = "namespaces")]
    pub namespaces_from: Option<String>,
    /// Check every section up to and including this one (a checkpoint of the article)
    #[arg(long, conflicts_with = "section")]
    pub until: Option<String>,
    /// Check this one section (what it depends on is checked too)
    #[arg(long)]
    pub section: Option<String>,
    #[arg(long, value_enum, default_value = "console")]
    pub format: CheckFormat,
    /// Check again every DURATION (e.g. 5s), redrawing in place on a terminal, until Ctrl-C (the
    /// instructor's board during a workshop)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub watch: Option<Duration>,
    /// Also write the board as a self-contained HTML page here (rewritten every round with --watch)
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Show the claims catalogue with the steps that verify each claim
    #[arg(long)]
    pub claims: bool,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Args, Debug, Clone)]
pub struct LoadArgs {
    /// Directory holding *.scenario.yaml files and claims.yaml
    #[arg(long, default_value = "scenarios", env = "SA_CONFORMANCE_SCENARIOS")]
    pub scenarios_dir: PathBuf,
    /// Override a scenario variable: --var namespace=dev2
    #[arg(long = "var", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
}

impl LoadArgs {
    pub fn overrides(&self) -> BTreeMap<String, String> {
        self.vars.iter().cloned().collect()
    }
}

#[derive(Subcommand, Debug)]
pub enum ClusterCommand {
    /// Create the kind cluster (kept until `cluster down`)
    Up(KindArgs),
    /// Delete the kind cluster
    Down {
        #[arg(long, default_value = DEFAULT_NAME)]
        name: String,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq)]
pub enum ClusterKind {
    /// A kind cluster the harness creates (or re-uses with --reuse)
    Kind,
    /// An existing cluster from kubeconfig/--context (needs --allow-context unless the harness made it)
    Existing,
}

#[derive(Args, Debug, Clone)]
pub struct KindArgs {
    /// kind cluster name (must start with `sa-conformance`)
    #[arg(long, default_value = DEFAULT_NAME)]
    pub name: String,
    /// kind cluster config
    #[arg(long, default_value = "kind-config.yaml")]
    pub config: PathBuf,
    /// Node image (default: kind's own); the offline build exports SA_CONFORMANCE_NODE_IMAGE
    #[arg(long, env = "SA_CONFORMANCE_NODE_IMAGE")]
    pub image: Option<String>,
    /// Host images to `kind load docker-image` after creation (repeatable, or space-separated in the env var)
    #[arg(long = "load-image", env = "SA_CONFORMANCE_LOAD_IMAGES", value_delimiter = ' ')]
    pub load_images: Vec<String>,
    /// How long `kind create cluster` may take
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub create_timeout: Duration,
}

#[derive(Args, Debug, Clone)]
pub struct TargetArgs {
    /// kind: a cluster the harness creates (or re-uses with --reuse); existing: the cluster of a
    /// kubeconfig's context. Default: existing when --kubeconfig or --context is given, else kind
    #[arg(long, value_enum)]
    pub cluster: Option<ClusterKind>,
    #[command(flatten)]
    pub kind: KindArgs,
    /// Run on the kind cluster if it exists (only if sa-conformance created it)
    #[arg(long)]
    pub reuse: bool,
    /// Keep the kind cluster this run creates
    #[arg(long)]
    pub keep: bool,
    /// kubeconfig of the existing cluster (implies --cluster existing)
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// Context of the existing cluster (default: current; implies --cluster existing)
    #[arg(long)]
    pub context: Option<String>,
    /// Allow writing to this context although sa-conformance did not create it (repeatable)
    #[arg(long = "allow-context")]
    pub allow_context: Vec<String>,
}

impl KindArgs {
    pub fn spec(&self, reuse: bool, keep: bool) -> KindSpec {
        KindSpec {
            name: self.name.clone(),
            config: self.config.clone(),
            image: self.image.clone().filter(|s| !s.is_empty()),
            load_images: self.load_images.iter().filter(|s| !s.is_empty()).cloned().collect(),
            reuse,
            keep,
            create_timeout: self.create_timeout,
        }
    }
}

impl TargetArgs {
    /// The cluster asked for: `--cluster`, else existing when a kubeconfig or context names one.
    pub fn kind_of_cluster(&self) -> ClusterKind {
        self.cluster.unwrap_or(if self.kubeconfig.is_some() || self.context.is_some() { ClusterKind::Existing } else { ClusterKind::Kind })
    }

    /// A kubeconfig or context given with `--cluster kind` would be ignored, and a kind cluster made
    /// instead of using the cluster the user named: refused, before anything is touched.
    pub fn check(&self) -> Result<(), String> {
        let named = [("--kubeconfig", self.kubeconfig.is_some()), ("--context", self.context.is_some())];
        match (self.cluster, named.iter().find(|(_, given)| *given)) {
            (Some(ClusterKind::Kind), Some((flag, _))) => Err(format!(
                "{flag} names an existing cluster, and --cluster kind makes a new one: drop --cluster kind (or give --cluster existing) to use that cluster, or drop {flag} to make a kind cluster"
            )),
            _ => Ok(()),
        }
    }

    pub fn spec(&self) -> ClusterSpec {
        match self.kind_of_cluster() {
            ClusterKind::Kind => ClusterSpec::Kind(self.kind.spec(self.reuse, self.keep)),
            ClusterKind::Existing => {
                ClusterSpec::Existing(ExistingSpec { kubeconfig: self.kubeconfig.clone(), context: self.context.clone() })
            }
        }
    }
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or_else(|| format!("`{s}` is not KEY=VALUE"))?;
    if k.is_empty() || !k.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(format!("variable name `{k}` must start with a lower-case letter"));
    }
    Ok((k.to_string(), v.to_string()))
}

fn parse_allow(s: &str) -> Result<crate::audit::Allow, String> {
    let parts: Vec<&str> = s.split(':').collect();
    let split = |p: &str| p.split(',').filter(|x| !x.is_empty()).map(String::from).collect::<Vec<_>>();
    match parts.as_slice() {
        [verbs, resources] => Ok(crate::audit::Allow { verbs: split(verbs), resources: split(resources), namespace: None }),
        [verbs, resources, ns] => {
            Ok(crate::audit::Allow { verbs: split(verbs), resources: split(resources), namespace: Some(ns.to_string()) })
        }
        _ => Err(format!("`{s}` is not VERBS:RESOURCES[:NAMESPACE] (e.g. get,list,watch:pods:dev)")),
    }
}

fn parse_operator(s: &str) -> Result<crate::mutate::Operator, String> {
    crate::mutate::Operator::from_name(s).ok_or_else(|| {
        let known: Vec<&str> = crate::mutate::OPERATORS.iter().map(|o| o.name()).collect();
        format!("unknown operator `{s}` (known: {})", known.join(", "))
    })
}

fn parse_version_image<T: From<String>>(s: &str) -> Result<(String, T), String> {
    match s.split_once('=') {
        Some((v, image)) if v.starts_with('v') && crate::scenario::erratum::minor_version(v).is_some() && !image.is_empty() => {
            Ok((v.to_string(), T::from(image.to_string())))
        }
        _ => Err(format!("`{s}` is not VERSION=VALUE (e.g. v1.35.4=kindest/node:v1.35.4)")),
    }
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    crate::duration::parse_duration(s)
}

/// A lease's duration: long enough to be renewed (every third) between two API calls, short enough
/// that a killed run does not hold a namespace for more than an hour.
fn parse_lease(text: &str) -> Result<Duration, String> {
    let d = parse_duration(text)?;
    if d < Duration::from_secs(3) || d > Duration::from_secs(3600) {
        return Err(format!("{text}: a lease lasts from 3s to 1h"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target_of(argv: &[&str]) -> TargetArgs {
        match Cli::try_parse_from([&["sa-conformance", "run"], argv].concat()).expect("parses").command {
            Command::Run(a) => a.target,
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_kubeconfig_or_context_means_that_cluster_and_never_a_new_kind_one() {
        assert_eq!(target_of(&[]).kind_of_cluster(), ClusterKind::Kind);
        for argv in [&["--context", "kind-other"][..], &["--kubeconfig", "/tmp/k"], &["--cluster", "existing"]] {
            let t = target_of(argv);
            assert_eq!(t.kind_of_cluster(), ClusterKind::Existing, "{argv:?}");
            assert!(matches!(t.spec(), ClusterSpec::Existing(_)), "{argv:?}");
            assert_eq!(t.check(), Ok(()));
        }
        let refused = target_of(&["--cluster", "kind", "--context", "kind-other"]).check().unwrap_err();
        assert!(refused.contains("--context names an existing cluster, and --cluster kind makes a new one"), "{refused}");
        assert!(target_of(&["--cluster", "kind", "--kubeconfig", "/tmp/k"]).check().is_err());
        assert_eq!(target_of(&["--cluster", "kind", "--name", "sa-conformance-x"]).check(), Ok(()));
    }

    #[test]
    fn a_lease_lasts_from_3s_to_an_hour() {
        assert_eq!(parse_lease("6s"), Ok(Duration::from_secs(6)));
        assert_eq!(parse_lease("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_lease("2s").unwrap_err().contains("from 3s to 1h"));
        assert!(parse_lease("2h").is_err());
        assert!(parse_lease("soon").is_err());
    }

    #[test]
    fn run_defaults_to_a_kind_cluster_named_sa_conformance() {
        let cli = Cli::try_parse_from(["sa-conformance", "run"]).unwrap();
        let Command::Run(args) = cli.command else { panic!("not run") };
        match args.target.spec() {
            ClusterSpec::Kind(k) => {
                assert_eq!(k.name, "sa-conformance");
                assert!(!k.reuse && !k.keep);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn audit_allow_rules_parse() {
        let cli = Cli::try_parse_from([
            "sa-conformance",
            "audit",
            "--as",
            "system:serviceaccount:dev:pod-inspector",
            "-n",
            "dev",
            "--allow",
            "get,list,watch:pods:dev",
        ])
        .unwrap();
        let Command::Audit(a) = cli.command else { panic!("not audit") };
        assert_eq!(a.allow[0].verbs, ["get", "list", "watch"]);
        assert_eq!(a.allow[0].namespace.as_deref(), Some("dev"));
        assert!(Cli::try_parse_from(["sa-conformance", "audit", "--as", "u", "-n", "dev", "--allow", "get"]).is_err());
    }

    #[test]
    fn matrix_images_are_version_equals_image() {
        let cli = Cli::try_parse_from([
            "sa-conformance",
            "matrix",
            "--image",
            "v1.35.4=kindest/node:v1.35.4",
            "--k8s-version",
            "v1.34.4,v1.35.4",
        ])
        .unwrap();
        let Command::Matrix(m) = cli.command else { panic!("not matrix") };
        assert_eq!(m.images, [("v1.35.4".to_string(), "kindest/node:v1.35.4".to_string())]);
        assert_eq!(m.versions, ["v1.34.4", "v1.35.4"]);
        for bad in ["kindest/node:v1.35.4", "1.35=x", "v1.35.4="] {
            assert!(Cli::try_parse_from(["sa-conformance", "matrix", "--image", bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn vars_must_be_key_value() {
        assert!(Cli::try_parse_from(["sa-conformance", "run", "--var", "nokey"]).is_err());
        let cli = Cli::try_parse_from(["sa-conformance", "list", "--var", "namespace=dev2"]).unwrap();
        let Command::List(args) = cli.command else { panic!("not list") };
        assert_eq!(args.load.overrides().get("namespace").map(String::as_str), Some("dev2"));
    }
}
