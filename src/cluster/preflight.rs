//! Before the kind provider does anything: is there a kind, a kubectl, a docker, and does the daemon
//! answer to us? Each answer that is "no" is an error naming the command that fixes it, so a new user
//! on a fresh machine gets one instruction instead of `No such file or directory`.

use crate::process::{run, Cmd};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The command that prepares a machine without a registry (host first: it starts dockerd).
pub const PREPARE_OFFLINE: &str = "sudo bash scripts/host-setup.sh && sudo bash scripts/build-offline.sh";

/// What installs the browser the page tests need: host preparation's job, never a test's (a test that
/// lacks it names this and fails).
pub const INSTALL_CHROMIUM: &str = "sudo apt-get install -y chromium (or: sudo bash scripts/host-setup.sh)";

/// A host that cannot run kind clusters yet, with the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    #[error(
        "{missing} not found on PATH and there is no offline build ({env_file} does not exist). Without a registry, prepare this machine with `{PREPARE_OFFLINE}` (Docker, then kind, kubectl and every image built from sources; the harness then finds them by itself). On a machine with a registry, install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation) and kubectl instead"
    )]
    NoToolchain { missing: String, env_file: PathBuf },
    #[error(
        "{missing} not found in the offline build's {bin} (read from {env_file}); rebuild it with `sudo bash scripts/build-offline.sh`"
    )]
    BrokenOfflineBuild { missing: String, bin: PathBuf, env_file: PathBuf },
    #[error("docker not found on PATH; kind runs its nodes as Docker containers. Install it with `sudo bash scripts/host-setup.sh` (docker.io from the distribution; it never replaces another Docker)")]
    NoDocker,
    #[error("the Docker daemon does not answer (`docker version`: {detail}); start it with `sudo bash scripts/host-setup.sh` (starts dockerd if none answers) or `sudo systemctl start docker`")]
    DaemonDown { detail: String },
    #[error("no permission to use the Docker socket (`docker version`: {detail}); add yourself to the docker group with `sudo usermod -aG docker $USER` and log in again, or run as root")]
    SocketPermission { detail: String },
}

/// What the host looks like.
#[derive(Debug, Clone)]
pub struct Facts {
    pub kind: bool,
    pub kubectl: bool,
    pub docker: bool,
    /// `docker version` (client and server): Ok, or its output.
    pub docker_info: Result<(), String>,
    pub env_file: PathBuf,
    /// The offline build's bin dir, if offline.env was found and used.
    pub offline_bin: Option<PathBuf>,
}

/// The first thing that stops kind from working, with its fix.
pub fn diagnose(f: &Facts) -> Result<(), HostError> {
    let missing: Vec<&str> = [("kind", f.kind), ("kubectl", f.kubectl)].iter().filter(|(_, ok)| !ok).map(|(n, _)| *n).collect();
    if !missing.is_empty() {
        let missing = missing.join(" and ");
        return Err(match &f.offline_bin {
            Some(bin) => HostError::BrokenOfflineBuild { missing, bin: bin.clone(), env_file: f.env_file.clone() },
            None => HostError::NoToolchain { missing, env_file: f.env_file.clone() },
        });
    }
    if !f.docker {
        return Err(HostError::NoDocker);
    }
    match &f.docker_info {
        Ok(()) => Ok(()),
        Err(stderr) => {
            // With --format, a stopped daemon also prints a template error; the connect line says more.
            let lines: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
            let telling = |l: &&&str| ["connect", "permission denied", "daemon"].iter().any(|w| l.to_lowercase().contains(w));
            let detail = lines.iter().find(telling).or(lines.first()).copied().unwrap_or("no output").to_string();
            if stderr.to_lowercase().contains("permission denied") {
                Err(HostError::SocketPermission { detail })
            } else {
                Err(HostError::DaemonDown { detail })
            }
        }
    }
}

/// Whether `program` (a name looked up on PATH, or a path) is an executable file.
pub fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if program.contains('/') {
        return executable(Path::new(program));
    }
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|d| executable(&d.join(program))))
}

/// Looks at this host and says what is missing (see [`diagnose`]).
pub async fn check(offline_bin: Option<PathBuf>) -> Result<(), HostError> {
    let kind = std::env::var("KIND").unwrap_or_else(|_| "kind".into());
    let kubectl = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
    let docker = on_path("docker");
    let docker_info = if docker {
        match run(&Cmd::new(["docker", "version", "--format", "{{.Server.Version}}"]), Duration::from_secs(30)).await {
            Ok(o) if o.success() => Ok(()),
            Ok(o) => Err(format!("{}{}", o.stderr, o.stdout)),
            Err(e) => Err(e.to_string()),
        }
    } else {
        Err("docker not found".into())
    };
    let facts =
        Facts { kind: on_path(&kind), kubectl: on_path(&kubectl), docker, docker_info, env_file: super::offline::env_file(), offline_bin };
    diagnose(&facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready() -> Facts {
        Facts {
            kind: true,
            kubectl: true,
            docker: true,
            docker_info: Ok(()),
            env_file: "/var/cache/sa-conformance/offline.env".into(),
            offline_bin: None,
        }
    }

    #[test]
    fn a_ready_host_passes_and_each_missing_piece_fails() {
        assert_eq!(diagnose(&ready()), Ok(()));
        assert!(diagnose(&Facts { kind: false, ..ready() }).is_err());
        assert!(diagnose(&Facts { kubectl: false, ..ready() }).is_err());
        assert!(diagnose(&Facts { docker: false, ..ready() }).is_err());
        assert!(diagnose(&Facts { docker_info: Err("x".into()), ..ready() }).is_err());
    }

    #[test]
    fn no_kind_and_no_offline_build_names_both_preparation_commands() {
        let e =
            diagnose(&Facts { kind: false, kubectl: false, docker_info: Err("Cannot connect".into()), ..ready() }).unwrap_err().to_string();
        assert!(
            e.starts_with(
                "kind and kubectl not found on PATH and there is no offline build (/var/cache/sa-conformance/offline.env does not exist)"
            ),
            "{e}"
        );
        assert!(e.contains("`sudo bash scripts/host-setup.sh && sudo bash scripts/build-offline.sh`"), "{e}");
        assert!(e.contains("install kind"), "{e}");
    }

    #[test]
    fn an_offline_build_without_kind_asks_for_a_rebuild() {
        let e = diagnose(&Facts { kubectl: false, offline_bin: Some("/c/bin".into()), ..ready() }).unwrap_err().to_string();
        assert_eq!(e, "kubectl not found in the offline build's /c/bin (read from /var/cache/sa-conformance/offline.env); rebuild it with `sudo bash scripts/build-offline.sh`");
    }

    #[test]
    fn missing_docker_names_host_setup() {
        let e = diagnose(&Facts { docker: false, docker_info: Err("docker not found".into()), ..ready() }).unwrap_err();
        assert_eq!(e, HostError::NoDocker);
        assert!(e.to_string().contains("`sudo bash scripts/host-setup.sh`"));
    }

    #[test]
    fn a_stopped_daemon_and_a_closed_socket_are_told_apart() {
        let down = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n";
        let e = diagnose(&Facts { docker_info: Err(down.into()), ..ready() }).unwrap_err();
        assert!(matches!(e, HostError::DaemonDown { .. }), "{e:?}");
        assert!(e.to_string().contains("Is the docker daemon running?") && e.to_string().contains("sudo systemctl start docker"), "{e}");
        let denied = "\npermission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.47/info\": dial unix /var/run/docker.sock: connect: permission denied\n";
        let e = diagnose(&Facts { docker_info: Err(denied.into()), ..ready() }).unwrap_err();
        assert!(matches!(e, HostError::SocketPermission { .. }), "{e:?}");
        assert!(e.to_string().contains("sudo usermod -aG docker $USER"), "{e}");
        assert!(e.to_string().contains("(`docker version`: permission denied while trying"), "the first non-empty line: {e}");
        let templated = "template: :1:2: executing \"\" at <.ServerVersion>: nil pointer\nCannot connect to the Docker daemon at unix:///tmp/x.sock. Is the docker daemon running?";
        let e = diagnose(&Facts { docker_info: Err(templated.into()), ..ready() }).unwrap_err().to_string();
        assert!(
            e.contains("(`docker version`: Cannot connect to the Docker daemon at unix:///tmp/x.sock"),
            "the telling line, not the template error: {e}"
        );
    }

    #[test]
    fn on_path_finds_executables_only() {
        assert!(on_path("sh"));
        assert!(!on_path("sa-conformance-no-such-program"));
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("kind");
        std::fs::write(&plain, "#!/bin/sh\n").unwrap();
        assert!(!on_path(plain.to_str().unwrap()), "a file that is not executable");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(on_path(plain.to_str().unwrap()));
    }
}
