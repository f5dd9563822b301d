//! `kubectl`: a documented command run as written, pointed at the run's cluster only (explicit
//! --kubeconfig and --context), from the scenario's directory so relative `-f` paths work.

use crate::footprint::Footprint;
use std::path::Path;
use crate::poll::{look, Asked, Window};
use crate::command_line;
use super::{invalid, Check, Invalid, Limits, LoadCx, Looking, StepCtx, StepError, StepKind};
use crate::check::{DocSchema, Mismatch, TextExpect};
use crate::api::token_kubeconfig::TokenKubeconfig;
use crate::process::{self, Cmd, Output};
use crate::credential::{self, Resolved, TokenSource};
use crate::api::client_certificate::{self, Subject};
use serde::Deserialize;
use std::time::Duration;

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

/// Each stream expectation is well formed.
pub(super) fn validate_process(p: &ProcessExpect) -> Result<(), Invalid> {
    for t in [&p.stdout, &p.stderr].into_iter().flatten() {
        t.validate().map_err(|m| ("expect".to_string(), m))?;
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Kubectl {
    /// The words after `kubectl`.
    pub args: Vec<String>,
    /// The command as written in the scenario, for messages.
    pub display: String,
    pub stdin: Option<String>,
    pub expect: ProcessExpect,
    /// Run as this token's identity (a kubeconfig of the cluster's CA and the token) instead of the
    /// harness's own credentials.
    pub token: Option<TokenSource>,
    /// Run as a human user: a client certificate issued through the CSR API for this step (a
    /// kubeconfig of the cluster's CA, that certificate and its key).
    pub client_certificate: Option<Subject>,
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
    pub fn reads_only(&self) -> bool {
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


/// `kubectl:` as written: a documented command line, or its words.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKubectl {
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    args: Option<Vec<String>>,
    #[serde(default)]
    stdin: Option<String>,
    #[serde(default)]
    expect: ProcessExpect,
    #[serde(default)]
    token: Option<TokenSource>,
    #[serde(default, rename = "client-certificate")]
    client_certificate: Option<Subject>,
}

impl StepKind for Kubectl {
    type Raw = RawKubectl;
    const LOOKING: Looking = Looking::Once;

    /// By its verb, resource type and `-f` files.
    fn may_write_rbac(&self, dir: &Path) -> bool {
        crate::footprint::rbac::kubectl_writes_rbac(&self.args, self.stdin.as_deref(), dir)
    }

    /// A namespace it deletes, an aggregated ClusterRole it creates, a late change in its `-f` files.
    fn changes_rbac_late(&self, dir: &Path) -> Option<String> {
        if self.reads_only() {
            return None;
        }
        crate::footprint::rbac::kubectl_changes_late(&self.args, self.stdin.as_deref(), dir).map(|why| format!("`{}`: {why}", self.display))
    }

    /// Reads or writes by the command line's verb, namespace and `-f` files.
    fn footprint(&self, f: &mut Footprint, at: &str, dir: &Path) {
        let e = &self.expect;
        let compared = [("stdout", &e.stdout), ("stderr", &e.stderr)]
            .into_iter()
            .filter_map(|(stream, t)| t.as_ref().map(|t| t.unaffected_by_other_rows(stream)))
            .collect::<Result<(), String>>();
        f.kubectl(&self.args, self.stdin.as_deref(), dir, at, compared);
        if let Some(s) = &self.client_certificate {
            f.read_identity(&s.user);
            s.groups.iter().for_each(|g| f.read_group(g));
            f.write_ref(&crate::api::ObjectRef {
                api_version: "certificates.k8s.io/v1".into(),
                kind: "CertificateSigningRequest".into(),
                name: Some(s.csr.clone()),
                namespace: None,
                list: false,
            });
        }
    }

    /// `get`/`describe` of a kind the harness knows: those objects; anything else: the default.
    fn reads(&self) -> Option<Vec<crate::footprint::Read>> {
        // As another identity, the answer is the authorizer's: the default.
        (self.token.is_none() && self.client_certificate.is_none()).then(|| Footprint::kubectl_reads(&self.args)).flatten().map(|r| vec![r])
    }

    fn build(k: RawKubectl, _: &dyn LoadCx) -> Result<Self, Invalid> {
        validate_process(&k.expect)?;
        let (args, display) = match (k.command, k.args) {
            (Some(cmd), None) => {
                let w = command_line::split(&cmd).map_err(|m| ("command".to_string(), m))?;
                if w.first().map(String::as_str) != Some("kubectl") {
                    return invalid("command", format!("command must start with `kubectl`: `{cmd}`"));
                }
                (w[1..].to_vec(), cmd.split_whitespace().collect::<Vec<_>>().join(" ").replace("\\ ", ""))
            }
            (None, Some(args)) => {
                let display = format!("kubectl {}", args.join(" "));
                (args, display)
            }
            _ => return invalid("kubectl", "kubectl needs exactly one of `command` or `args`"),
        };
        crate::command_line::retarget::check_kubectl_args(&args).map_err(|m| ("kubectl".to_string(), m))?;
        match &k.token {
            Some(t) if t.in_pod() || *t == TokenSource::None => {
                return invalid("token", "a kubectl step runs outside any pod: its token is `{ secret: NAME, namespace: NS }` or `{ value: TOKEN }`")
            }
            Some(TokenSource::Secret { namespace: None, .. }) => {
                return invalid("token", "a kubectl step's token Secret needs its `namespace`")
            }
            _ => {}
        }
        if let Some(s) = &k.client_certificate {
            if k.token.is_some() {
                return invalid("client-certificate", "a kubectl step runs as a `token` or as a `client-certificate`, not both");
            }
            if s.user.trim().is_empty() || s.csr.trim().is_empty() {
                return invalid("client-certificate", "a client certificate needs its `user` and the `csr` object's name");
            }
        }
        Ok(Kubectl { args, display, stdin: k.stdin, expect: k.expect, token: k.token, client_certificate: k.client_certificate })
    }

    /// A look when its verb (or `auth` subcommand) only reads.
    fn only_looks(&self) -> bool {
        self.reads_only()
    }

    async fn run(&self, ctx: &StepCtx<'_>, limits: Limits) -> Result<Check, StepError> {
        run(ctx, self, limits.window, limits.timeout).await
    }
}

/// Runs kubectl with `args` against the target.
pub(super) async fn kubectl(ctx: &StepCtx<'_>, args: &[String], stdin: Option<String>, timeout: Duration) -> Result<Output, StepError> {
    let mut argv = vec![ctx.kubectl.to_string()];
    argv.extend(ctx.target.kubectl_flags());
    argv.extend(args.iter().cloned());
    // The environment names only the harness's kubeconfig, whatever the user's shell exported.
    let kubeconfig = ctx.target.kubeconfig.display().to_string();
    let cmd = Cmd::new(argv).cwd(&ctx.dir).stdin(stdin).env("KUBECONFIG", &kubeconfig);
    Ok(process::run(&cmd, timeout).await?)
}

/// The schema of the JSON document stdout and stderr printed, for a stream with `json:` checks.
pub(super) async fn stream_schemas(
    ctx: &StepCtx<'_>,
    expect: &ProcessExpect,
    stdout: &str,
    stderr: &str,
) -> Result<[DocSchema; 2], StepError> {
    let mut schemas = [(); 2].map(|_| DocSchema::Unknown("no JSON document".into()));
    for (slot, (t, text)) in schemas.iter_mut().zip([(&expect.stdout, stdout), (&expect.stderr, stderr)]) {
        if let Some(doc) = t.as_ref().and_then(|t| t.json_document(text)) {
            *slot = ctx.discovery.schemas.document_schema(&ctx.target.client, &doc).await?;
        }
    }
    Ok(schemas)
}

/// Checks exit code, stdout and stderr against a process expectation (`schemas`: see [`stream_schemas`]).
pub(super) fn check_process(expect: &ProcessExpect, code: i32, stdout: &str, stderr: &str, schemas: &[DocSchema; 2]) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if code != expect.exit_code() {
        let mut actual = format!("{code}");
        if !stderr.trim().is_empty() {
            actual.push_str(&format!(" (stderr: {:?})", crate::check::excerpt(stderr.trim(), 300)));
        }
        out.push(Mismatch::new("exit code", expect.exit_code().to_string(), actual));
    }
    if let Some(t) = &expect.stdout {
        out.extend(t.check("stdout", stdout, &schemas[0]));
    }
    if let Some(t) = &expect.stderr {
        out.extend(t.check("stderr", stderr, &schemas[1]));
    }
    out
}

/// A process expectation in a few words ("exit 0", "exit 1 and the output given").
pub(super) fn expected_process(expect: &ProcessExpect) -> String {
    let output = expect.stdout.is_some() || expect.stderr.is_some();
    format!("exit {}{}", expect.exit_code(), if output { " and the output given" } else { "" })
}

/// A process's answer in a few words: its exit code, and whether its output matched.
pub(super) fn said_process(check: &Check, code: i32) -> String {
    let output_differs = check.mismatches.iter().any(|m| m.what != "exit code");
    format!("exit {code}{}", if output_differs { " (output differs)" } else { "" })
}

async fn run(ctx: &StepCtx<'_>, k: &Kubectl, window: Window, timeout: Duration) -> Result<Check, StepError> {
    // As a token's identity: a kubeconfig of the cluster's CA and that token, in a private temporary
    // directory, removed when this function returns.
    let identity = match (&k.token, &k.client_certificate) {
        (None, Some(subject)) => {
            let issued = client_certificate::issue(&ctx.target.client, subject, timeout).await?;
            let who = format!(
                "user {} (groups {}) with a client certificate from certificatesigningrequest {} ({}, approved)",
                subject.user,
                if subject.groups.is_empty() { "none".into() } else { subject.groups.join(", ") },
                subject.csr,
                client_certificate::SIGNER
            );
            Some((TokenKubeconfig::write_certificate(ctx.target, &issued.cert_pem, &issued.key_pem)?, who))
        }
        (None, None) => None,
        (Some(source), _) => {
            let Resolved::Token(token) = credential::resolve(&ctx.target.client, source, "").await? else {
                return Err(StepError::Other("a kubectl step's token must be a Secret or a value".into()));
            };
            Some((TokenKubeconfig::write(ctx.target, &token)?, source.describe("")))
        }
    };
    let mut check = look(window, &expected_process(&k.expect), || async {
        let out = match &identity {
            None => kubectl(ctx, &k.args, k.stdin.clone(), timeout).await?,
            Some((config, _)) => kubectl_with(ctx, config.path(), &k.args, k.stdin.clone(), timeout).await?,
        };
        let schemas = stream_schemas(ctx, &k.expect, &out.stdout, &out.stderr).await?;
        let check = Check::with(check_process(&k.expect, out.code, &out.stdout, &out.stderr, &schemas))
            .note(format!("ran `{}` (exit {})", k.display, out.code))
            .saw(crate::capture::seen_process(out.code, &out.stdout, &out.stderr));
        Ok::<_, StepError>(Asked { said: said_process(&check, out.code), check })
    })
    .await?;
    if let Some((_, who)) = &identity {
        let credential = if k.client_certificate.is_some() { "that certificate and its key" } else { "that token" };
        check.notes.insert(0, format!("as {who}: a kubeconfig of the cluster's CA and {credential}, deleted after the step"));
    }
    Ok(check)
}

/// Runs kubectl with a kubeconfig of its own (a token's identity) instead of the harness's.
async fn kubectl_with(ctx: &StepCtx<'_>, config: &std::path::Path, args: &[String], stdin: Option<String>, timeout: Duration) -> Result<Output, StepError> {
    let config = config.display().to_string();
    let mut argv = vec![ctx.kubectl.to_string(), format!("--kubeconfig={config}")];
    argv.extend(args.iter().cloned());
    let cmd = Cmd::new(argv).cwd(&ctx.dir).stdin(stdin).env("KUBECONFIG", &config);
    Ok(process::run(&cmd, timeout).await?)
}
