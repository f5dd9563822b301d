//! The one place subprocesses (kind, kubectl, docker) are spawned. A failure keeps argv, exit status,
//! stdout and stderr so the error explains itself, and every run has a timeout.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// What a finished process did.
#[derive(Debug, Clone)]
pub struct Output {
    pub argv: Vec<String>,
    /// Exit code; -1 if killed by a signal.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn success(&self) -> bool {
        self.code == 0
    }
}

/// A subprocess that could not run, timed out, or (for [`run_ok`]) exited non-zero.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("failed to start `{argv}` (is it installed and on PATH?)")]
    Spawn { argv: String, source: std::io::Error },
    #[error("`{argv}` did not finish within {secs}s and was killed")]
    Timeout { argv: String, secs: u64 },
    #[error("`{argv}` exited with code {code}\nstdout: {stdout}\nstderr: {stderr}")]
    Failed { argv: String, code: i32, stdout: String, stderr: String },
}

/// A command to run: program, arguments, optional working directory, stdin and extra environment.
#[derive(Debug, Clone, Default)]
pub struct Cmd {
    pub argv: Vec<String>,
    pub cwd: Option<std::path::PathBuf>,
    pub stdin: Option<String>,
    pub env: Vec<(String, String)>,
}

impl Cmd {
    pub fn new<I, S>(argv: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Cmd { argv: argv.into_iter().map(Into::into).collect(), ..Default::default() }
    }
    pub fn cwd(mut self, dir: &Path) -> Self {
        self.cwd = Some(dir.to_path_buf());
        self
    }
    pub fn stdin(mut self, text: Option<String>) -> Self {
        self.stdin = text;
        self
    }
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }
    pub fn display(&self) -> String {
        self.argv.join(" ")
    }
}

/// Runs to completion (or kills it at `timeout`); a non-zero exit is an [`Output`], not an error.
pub async fn run(cmd: &Cmd, timeout: Duration) -> Result<Output, ProcessError> {
    let display = cmd.display();
    let (program, args) = cmd.argv.split_first().ok_or_else(|| ProcessError::Spawn {
        argv: display.clone(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty command"),
    })?;
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(if cmd.stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(dir) = &cmd.cwd {
        command.current_dir(dir);
    }
    for (k, v) in &cmd.env {
        command.env(k, v);
    }
    let mut child = command.spawn().map_err(|source| ProcessError::Spawn { argv: display.clone(), source })?;
    if let (Some(text), Some(mut pipe)) = (&cmd.stdin, child.stdin.take()) {
        let _ = pipe.write_all(text.as_bytes()).await;
    }
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Err(_) => Err(ProcessError::Timeout { argv: display, secs: timeout.as_secs() }),
        Ok(Err(source)) => Err(ProcessError::Spawn { argv: display, source }),
        Ok(Ok(out)) => Ok(Output {
            argv: cmd.argv.clone(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }),
    }
}

/// Runs and requires exit code 0.
pub async fn run_ok(cmd: &Cmd, timeout: Duration) -> Result<Output, ProcessError> {
    let out = run(cmd, timeout).await?;
    if out.success() {
        Ok(out)
    } else {
        Err(ProcessError::Failed {
            argv: cmd.display(),
            code: out.code,
            stdout: out.stdout.trim_end().to_string(),
            stderr: out.stderr.trim_end().to_string(),
        })
    }
}
