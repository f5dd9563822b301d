//! `kubectl`: a documented command run as written, pointed at the run's cluster only (explicit
//! --kubeconfig and --context), from the scenario's directory so relative `-f` paths work.

use super::poll::{look, Asked, Window};
use super::{Check, StepCtx, StepError};
use crate::check::{DocSchema, Mismatch};
use crate::process::{self, Cmd, Output};
use crate::scenario::{Kubectl, ProcessExpect};
use std::time::Duration;

/// Runs kubectl with `args` against the target.
pub(super) async fn kubectl(ctx: &StepCtx<'_>, args: &[String], stdin: Option<String>, timeout: Duration) -> Result<Output, StepError> {
    let mut argv = vec![ctx.kubectl.to_string()];
    argv.extend(ctx.target.kubectl_flags());
    argv.extend(args.iter().cloned());
    // The environment names only the harness's kubeconfig, whatever the user's shell exported.
    let kubeconfig = ctx.target.kubeconfig.display().to_string();
    let cmd = Cmd::new(argv).cwd(&ctx.scenario.dir()).stdin(stdin).env("KUBECONFIG", &kubeconfig);
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

pub async fn run(ctx: &StepCtx<'_>, k: &Kubectl, window: Window, timeout: Duration) -> Result<Check, StepError> {
    look(window, &expected_process(&k.expect), || async {
        let out = kubectl(ctx, &k.args, k.stdin.clone(), timeout).await?;
        let schemas = stream_schemas(ctx, &k.expect, &out.stdout, &out.stderr).await?;
        let check = Check::with(check_process(&k.expect, out.code, &out.stdout, &out.stderr, &schemas))
            .note(format!("ran `{}` (exit {})", k.display, out.code));
        Ok(Asked { said: said_process(&check, out.code), check })
    })
    .await
}
