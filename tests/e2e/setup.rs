//! A fresh machine, as the CLI meets it, because a newcomer's first command must either set the host up
//! or name exactly what to run: with no kind/kubectl, no offline build and no Docker daemon the run
//! stops at once naming the root preparation commands; with a Docker daemon that does not answer it
//! names the command that starts one; on a prepared host (Docker answers) without kind, offline build
//! or registry it starts the offline build itself (as root, or through `sudo -n` for a user with
//! passwordless sudo, as on a hosted CI runner), into an empty SA_CACHE, and is stopped after its first
//! stage (no cluster is touched, the shared cache is not); a user without root or sudo is asked to run
//! the build by name.

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
        // Docker not answering: a host step comes first, so the harness does not build by itself.
        let (code, text, took) = run_bare(&path, &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")])?;
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

/// This process's PATH without the directories that hold a `kind` (the newcomer has none).
fn path_without_kind() -> String {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<std::path::PathBuf> = std::env::split_paths(&path).filter(|d| !d.join("kind").exists()).collect();
    std::env::join_paths(dirs).map(|p| p.to_string_lossy().into_owned()).unwrap_or_default()
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).and_then(|l| l.split_whitespace().nth(2)).map(|u| u == "0"))
        .unwrap_or(false)
}

/// Passwordless sudo works (a hosted runner's user): the harness then builds through `sudo -n`.
fn has_sudo() -> bool {
    Command::new("sudo")
        .args(["-n", "true"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Docker answers, no kind, an empty cache, and a registry list that never answers (loopback port 9, where nothing listens: no traffic leaves the machine):
/// `run` says what it is doing and starts scripts/build-offline.sh into that cache; the trial stops it
/// (its whole process group) once the build's first stage line arrives. As root or with passwordless
/// sudo the build starts; with neither it must ask for `sudo bash .../build-offline.sh` by name.
pub fn builds_offline_trial() -> Trial {
    crate::shared::gated("setup::a_prepared_host_without_kind_or_registry_starts_the_offline_build", Some(Default::default()), || {
        use std::io::{BufRead, BufReader};
        use std::os::unix::process::CommandExt;
        let cache = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sa-conformance"));
        cmd.env_clear()
            .env("PATH", path_without_kind())
            .env("HOME", std::env::var("HOME").unwrap_or_default())
            .env("SA_CACHE", cache.path())
            .env("SA_CONFORMANCE_REGISTRIES", "127.0.0.1:9")
            .args(["run", "--name", "sa-conformance-never-created"])
            .current_dir(crate::shared::root())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .process_group(0);
        let mut child = cmd.spawn().map_err(|e| e.to_string())?;
        let pgid = child.id();
        // The whole group: the harness, bash, and the build's children (go, background debootstrap).
        let signal = |sig: &str| {
            let _ = Command::new("kill").args(["-s", sig, "--", &format!("-{pgid}")]).status();
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().ok_or("no stderr")?;
        std::thread::spawn(move || BufReader::new(stderr).lines().map_while(Result::ok).for_each(|l| drop(tx.send(l))));
        let first_stage = format!("==> sa-conformance offline build into {}", cache.path().display());
        let started = Instant::now();
        let mut seen = Vec::new();
        while started.elapsed() < Duration::from_secs(120) {
            match rx.recv_timeout(Duration::from_secs(5)) {
                Ok(line) => {
                    let done = line.contains(&first_stage) || line.starts_with("error:");
                    seen.push(line);
                    if done {
                        break;
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(_) => break,
            }
        }
        signal("TERM");
        let mut code = None;
        for _ in 0..50 {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                code = status.code();
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        if code.is_none() {
            signal("KILL");
            let _ = child.wait();
        }
        let text = seen.join("\n");
        let root = is_root();
        let sudo = !root && has_sudo();
        if sudo {
            // the build ran as root (sudo relays the TERM to it): what it wrote into the user's
            // temporary cache is root's, so root removes it
            let _ = Command::new("sudo").args(["-n", "rm", "-rf", "--"]).arg(cache.path()).status();
        }
        if !root && !sudo {
            let ask = "the offline build needs root (debootstrap and docker image builds): run `sudo bash ";
            return if text.contains(ask) {
                Ok(())
            } else {
                Err(format!("without root, expected `{ask}...`; got {code:?}:\n{text}").into())
            };
        }
        let wanted = [
            "sa-conformance: kind is not installed, there is no offline build, and no registry answers (127.0.0.1:9: ",
            "sa-conformance: building the offline toolchain and images (Kubernetes v1.",
            "a cold build takes 12-35 min on 2 cores",
            &first_stage,
        ];
        let missing: Vec<&&str> = wanted.iter().filter(|w| !text.contains(**w)).collect();
        if !missing.is_empty() {
            return Err(format!("the run did not start the offline build as expected; missing {missing:?} in:\n{text}").into());
        }
        if !text.lines().any(|l| l.starts_with("sa-conformance: offline build [0m")) {
            return Err(format!("the build's lines must carry the elapsed time:\n{text}").into());
        }
        Ok(())
    })
}
