//! `exec`: a command in a pod's container through the API (websocket), checked like a process.

use crate::footprint::Footprint;
use std::path::Path;
use super::kubectl::{check_process, expected_process, said_process, stream_schemas};
use crate::poll::{look, Asked, Window};
use super::kubectl::{validate_process, ProcessExpect};
use super::{invalid, Check, Invalid, Limits, LoadCx, Looking, StepCtx, StepError, StepKind};
use crate::api;
use serde::Deserialize;
use std::time::Duration;

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

impl StepKind for Exec {
    type Raw = Self;
    const LOOKING: Looking = Looking::Once;

    /// Writes the pod's namespace, unless the step says it only reads.
    fn footprint(&self, f: &mut Footprint, _: &str, _: &Path) {
        if self.read_only {
            f.read(&self.namespace)
        } else {
            f.write(&self.namespace)
        }
    }

    /// A command that calls nothing outside the container (no curl, wget, kubectl or URL) depends on
    /// its pod alone; one that calls the API depends on what authorizes it (the default).
    fn reads(&self) -> Option<Vec<crate::footprint::Read>> {
        let text = self.argv().join(" ");
        let calls_out = ["curl", "wget", "kubectl", "https://", "http://", "nc "].iter().any(|w| text.contains(w));
        (!calls_out).then(|| vec![crate::footprint::Read::object("Pod", Some(&self.namespace), Some(&self.pod))])
    }

    fn build(e: Self, _: &dyn LoadCx) -> Result<Self, Invalid> {
        match (&e.command, &e.script) {
            (Some(c), None) if !c.is_empty() => {}
            (None, Some(_)) => {}
            _ => return invalid("exec", "exec needs exactly one of `command` (a non-empty list) or `script`"),
        }
        validate_process(&e.expect)?;
        Ok(e)
    }

    /// A change unless marked `read-only: true`.
    fn only_looks(&self) -> bool {
        self.read_only
    }

    async fn run(&self, ctx: &StepCtx<'_>, limits: Limits) -> Result<Check, StepError> {
        exec(ctx, self, limits.window, limits.timeout).await
    }
}

async fn exec(ctx: &StepCtx<'_>, e: &Exec, window: Window, timeout: Duration) -> Result<Check, StepError> {
    let argv = e.argv();
    look(window, &expected_process(&e.expect), || async {
        let out = api::exec(&ctx.target.client, &e.namespace, &e.pod, e.container.as_deref(), &argv, timeout).await?;
        let schemas = stream_schemas(ctx, &e.expect, &out.stdout, &out.stderr).await?;
        let check = Check::with(check_process(&e.expect, out.code, &out.stdout, &out.stderr, &schemas))
            .note(format!("exec in {}/{}: {:?} exited {}", e.namespace, e.pod, argv, out.code))
            .saw(crate::capture::seen_process(out.code, &out.stdout, &out.stderr));
        Ok(Asked { said: said_process(&check, out.code), check })
    })
    .await
}
