//! The harness's kubeconfig for its kind cluster lost between `cluster up` and `run --reuse`: deleted
//! (a clean-up of ~/.local/state, a new laptop user profile), or its context renamed (an editor, a
//! `kubectl config rename-context`), or naming a port Docker no longer publishes (a restart). The next
//! `run --reuse` writes it again from kind and passes; the file it writes is private again.

use crate::shared::Shared;
use libtest_mimic::{Failed, Trial};
use sa_conformance::cluster::state;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

fn run_reuse(name: &str) -> Result<(i32, String), Failed> {
    let out = crate::cli::output(&["run", "--name", name, "--reuse", "--scenarios-dir", "tests/e2e/guard", "guard-probe"])?;
    Ok((out.status.code().unwrap_or(-1), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))))
}

pub fn trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    crate::shared::gated("kubeconfig::a_deleted_or_renamed_kubeconfig_is_written_again_by_run_reuse", None, move || {
        shared.target()?;
        let name = crate::shared::cluster_name();
        let path = state::kubeconfig_path(&name);
        let context = format!("kind-{name}");
        let read = || std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()));
        let original = read()?;
        // deleted
        std::fs::remove_file(&path).map_err(|e| e.to_string())?;
        let (code, text) = run_reuse(&name)?;
        if code != 0 || !read().is_ok_and(|k| k.contains(&format!("name: {context}"))) {
            return Err(format!("after deleting {}, run --reuse must write it again and pass; exit {code}:\n{text}", path.display()).into());
        }
        // its context renamed
        std::fs::write(&path, original.replace(&context, "renamed-by-someone")).map_err(|e| e.to_string())?;
        let (code, text) = run_reuse(&name)?;
        let now = read()?;
        if code != 0 || !now.contains(&format!("name: {context}")) {
            return Err(format!("after renaming its context, run --reuse must write it again and pass; exit {code}:\n{text}").into());
        }
        // its server's port stale (as after a restart that moved the published port; the harness keeps
        // the file while Docker publishes the port it names, so this one must be written again)
        let server = now.lines().find_map(|l| l.trim().strip_prefix("server: ")).ok_or("the kubeconfig names no server")?.to_string();
        let port = server.rsplit(':').next().and_then(|p| p.parse::<u16>().ok()).ok_or_else(|| format!("no port in {server}"))?;
        let stale = server.replace(&format!(":{port}"), &format!(":{}", if port == 1 { 2 } else { port - 1 }));
        std::fs::write(&path, now.replace(&server, &stale)).map_err(|e| e.to_string())?;
        let (code, text) = run_reuse(&name)?;
        if code != 0 || !read()?.contains(&format!("server: {server}")) {
            return Err(format!(
                "after moving its server to {stale}, run --reuse must write {server} again and pass; exit {code}:\n{text}"
            )
            .into());
        }
        let mode = std::fs::metadata(&path).map_err(|e| e.to_string())?.permissions().mode() & 0o777;
        if mode != 0o600 {
            return Err(format!("the kubeconfig written again is {mode:o}, not 600").into());
        }
        Ok(())
    })
    .with_ignored_flag(on_existing)
}
