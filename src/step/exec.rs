//! `exec`: a command in a pod's container through the API (websocket), checked like a process.

use super::kubectl::{check_process, expected_process, said_process, stream_schemas};
use super::poll::{look, Asked, Window};
use super::{Check, StepCtx, StepError};
use crate::api;
use crate::scenario::Exec;
use std::time::Duration;

pub async fn exec(ctx: &StepCtx<'_>, e: &Exec, window: Window, timeout: Duration) -> Result<Check, StepError> {
    let argv = e.argv();
    look(window, &expected_process(&e.expect), || async {
        let out = api::exec(&ctx.target.client, &e.namespace, &e.pod, e.container.as_deref(), &argv, timeout).await?;
        let schemas = stream_schemas(ctx, &e.expect, &out.stdout, &out.stderr).await?;
        let check = Check::with(check_process(&e.expect, out.code, &out.stdout, &out.stderr, &schemas))
            .note(format!("exec in {}/{}: {:?} exited {}", e.namespace, e.pod, argv, out.code));
        Ok(Asked { said: said_process(&check, out.code), check })
    })
    .await
}
