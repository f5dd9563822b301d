//! Running the `sa-conformance` binary as a user would, for the trials that need a separate process
//! (the guard refusing, an interrupt arriving).

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sa-conformance"));
    cmd.args(args).current_dir(crate::shared::root()).stdin(Stdio::null());
    cmd
}

/// The words of `sa-conformance VERB` on the shared cluster `target` (named, and allowed, by its
/// kubeconfig and context), with the scenarios of `dir`; the trial adds its options and scenarios.
pub fn on_cluster(verb: &str, target: &sa_conformance::cluster::Target, dir: &str) -> Vec<String> {
    let kubeconfig = target.kubeconfig.display().to_string();
    [verb, "--cluster", "existing", "--kubeconfig", &kubeconfig, "--context", &target.context]
        .into_iter()
        .chain(["--allow-context", &target.context, "--scenarios-dir", dir])
        .map(String::from)
        .collect()
}

pub fn output(args: &[&str]) -> Result<Output, String> {
    command(args).output().map_err(|e| format!("cannot run sa-conformance: {e}"))
}

pub fn spawn(args: &[&str], log: &Path) -> Result<Child, String> {
    let file = std::fs::File::create(log).map_err(|e| e.to_string())?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    command(args).stdout(file).stderr(err).spawn().map_err(|e| format!("cannot start sa-conformance: {e}"))
}

pub fn interrupt(child: &Child) -> Result<(), String> {
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err("kill -INT failed".into())
    }
}

/// Waits for the child to exit; kills it and fails after `limit`.
pub fn wait(child: &mut Child, limit: Duration) -> Result<i32, String> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Ok(status.code().unwrap_or(-1));
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            return Err(format!("sa-conformance did not exit within {}s", limit.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Polls `cond` every second until true or `limit`.
pub fn eventually(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    false
}
