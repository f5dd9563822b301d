//! Exec in a container through the API's exec subresource (websocket), collecting stdout, stderr and
//! the exit code the way `kubectl exec` reports them.

use super::ApiError;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, AttachParams};
use kube::Client;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// What a command in a container did.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecOutput {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// Runs `argv` in `namespace/pod` (container optional) and waits up to `timeout`.
pub async fn exec(
    client: &Client,
    namespace: &str,
    pod: &str,
    container: Option<&str>,
    argv: &[String],
    timeout: Duration,
) -> Result<ExecOutput, ApiError> {
    let what = format!("exec in pod {namespace}/{pod}");
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let mut params = AttachParams::default().stdin(false).stdout(true).stderr(true);
    if let Some(c) = container {
        params = params.container(c);
    }
    let run = async {
        let mut attached = api.exec(pod, argv.to_vec(), &params).await.map_err(ApiError::kube(what.clone()))?;
        let mut stdout_r = attached.stdout().ok_or_else(|| ApiError::other(&what, "no stdout stream"))?;
        let mut stderr_r = attached.stderr().ok_or_else(|| ApiError::other(&what, "no stderr stream"))?;
        let status = attached.take_status().ok_or_else(|| ApiError::other(&what, "no status stream"))?;
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let (r1, r2) = tokio::join!(stdout_r.read_to_end(&mut stdout), stderr_r.read_to_end(&mut stderr));
        r1.and(r2).map_err(|e| ApiError::other(&what, format!("reading output: {e}")))?;
        let status = status.await;
        let _ = attached.join().await;
        Ok::<_, ApiError>(ExecOutput {
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            code: exit_code(status.as_ref()),
        })
    };
    tokio::time::timeout(timeout, run).await.map_err(|_| ApiError::other(&what, format!("no result within {}s", timeout.as_secs())))?
}

/// The exit code in an exec Status: Success = 0; NonZeroExitCode carries it in details.causes.
fn exit_code(status: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Status>) -> i32 {
    let Some(s) = status else { return -1 };
    if s.status.as_deref() == Some("Success") {
        return 0;
    }
    s.details
        .as_ref()
        .and_then(|d| d.causes.as_ref())
        .and_then(|causes| causes.iter().find(|c| c.reason.as_deref() == Some("ExitCode")))
        .and_then(|c| c.message.as_deref())
        .and_then(|m| m.parse().ok())
        .unwrap_or(-1)
}
