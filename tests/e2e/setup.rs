//! A fresh machine, as the CLI meets it (issue 12): with no kind/kubectl and no offline build the run
//! stops at once naming the preparation command; with a Docker daemon that does not answer it names
//! the command that starts one. Both run the binary with an empty environment (no cluster is touched).

use libtest_mimic::Trial;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A PATH holding only links to the named programs (those that exist on this machine's PATH).
fn path_with(dir: &Path, programs: &[&str]) -> Result<String, String> {
    for p in programs {
        let found = std::env::var_os("PATH").and_then(|path| std::env::split_paths(&path).map(|d| d.join(p)).find(|f| f.is_file()));
        let Some(found) = found else {
            return Err(format!("`{p}` is not on PATH; this trial needs it"));
        };
        std::os::unix::fs::symlink(&found, dir.join(p)).map_err(|e| e.to_string())?;
    }
    Ok(dir.display().to_string())
}

fn run_bare(path: &str, extra: &[(&str, &str)]) -> Result<(i32, String, Duration), String> {
    let started = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sa-conformance"));
    cmd.env_clear().env("PATH", path).env("HOME", std::env::var("HOME").unwrap_or_default()).env("SA_CACHE", "/nonexistent-sa-cache");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd
        .args(["run", "--name", "sa-conformance-never-created"])
        .current_dir(crate::shared::root())
        .output()
        .map_err(|e| e.to_string())?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    Ok((out.status.code().unwrap_or(-1), text, started.elapsed()))
}

pub fn no_toolchain_trial() -> Trial {
    crate::shared::gated("setup::no_kind_and_no_offline_build_names_the_preparation_command", Some(Default::default()), || {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = path_with(dir.path(), &["docker"])?;
        let (code, text, took) = run_bare(&path, &[])?;
        let want = "`sudo bash scripts/host-setup.sh && sudo bash scripts/build-offline.sh`";
        if code != 1 || !text.contains("kind and kubectl not found on PATH and there is no offline build") || !text.contains(want) {
            return Err(format!("expected exit 1 naming {want}; got exit {code}:\n{text}").into());
        }
        if took > Duration::from_secs(10) {
            return Err(format!("the error must come at once, took {:.1}s", took.as_secs_f64()).into());
        }
        Ok(())
    })
}

pub fn daemon_down_trial() -> Trial {
    crate::shared::gated("setup::a_docker_daemon_that_does_not_answer_is_named_with_its_fix", Some(Default::default()), || {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = path_with(dir.path(), &["docker", "kind", "kubectl"])?;
        let (code, text, _) = run_bare(&path, &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")])?;
        if code != 1
            || !text.contains("the Docker daemon does not answer")
            || !text.contains("`sudo bash scripts/host-setup.sh`")
            || !text.contains("nonexistent/docker.sock")
        {
            return Err(format!("expected exit 1 saying the daemon does not answer and how to start it; got exit {code}:\n{text}").into());
        }
        Ok(())
    })
}
