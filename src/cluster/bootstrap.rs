//! The newcomer's first command does the set-up, because a first run must not stop at a missing tool: when this host runs Docker but has no kind
//! or kubectl, no offline build, and no registry answers, `run` (and `cluster up`, and the e2e trials)
//! run scripts/build-offline.sh themselves, passing on its progress lines, instead of asking the user
//! to. What needs root and changes the host (installing Docker, starting dockerd) is still asked for by
//! name: [`decide`] only builds when Docker already answers. Runs before the async runtime starts,
//! because a finished build is applied by setting environment variables (`offline::use_offline_build`).

use super::offline;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Registries a stock kind cluster pulls from; one answering means the registry path is open.
pub const REGISTRIES: &[&str] = &["registry-1.docker.io:443", "registry.k8s.io:443"];
/// Other `HOST:PORT`s to probe instead (space-separated): a mirror, or an address that never
/// answers to test the registry-less path on a networked machine.
pub const REGISTRIES_VAR: &str = "SA_CONFORMANCE_REGISTRIES";
/// Set to `0` to never build by itself (a CI runner that prepares the host in a step of its own).
pub const AUTO_BUILD_VAR: &str = "SA_CONFORMANCE_AUTO_BUILD";

/// What the host looks like, as far as building the offline toolchain goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// kind and kubectl are both there (on PATH, or from an offline build).
    pub toolchain: bool,
    /// offline.env exists and reads.
    pub offline_build: bool,
    /// `docker version` answers (client and daemon).
    pub docker_ready: bool,
    /// A registry answered, or why none did.
    pub registry: Result<String, String>,
    /// Running as root, or `sudo -n` works.
    pub root: Root,
    /// scripts/build-offline.sh of this checkout, if there is one.
    pub script: Option<PathBuf>,
    /// The user turned building off (`SA_CONFORMANCE_AUTO_BUILD=0`).
    pub opted_out: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    Yes,
    Sudo,
    No,
}

/// What to do before the cluster is made.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Nothing to build: go on (the usual preflight reports anything else that is missing).
    Proceed,
    /// Run the offline build (with `sudo -n` unless already root).
    Build { script: PathBuf, sudo: bool, why: String },
    /// The build needs root, which this process cannot get: the user must run it (named).
    AskRoot { command: String, why: String },
}

/// The pure decision (unit-tested): build only when Docker answers, no toolchain is there, and no
/// registry answers; a missing Docker or a stopped daemon is left to the preflight's named host step.
pub fn decide(f: &Facts) -> Decision {
    // kind and kubectl are there (an offline build, or installed by the user): nothing to build; a
    // missing or stopped Docker is a root host step the preflight names; the user may opt out.
    if f.toolchain || f.opted_out || !f.docker_ready {
        return Decision::Proceed;
    }
    let Err(no_registry) = &f.registry else { return Decision::Proceed };
    let Some(script) = &f.script else { return Decision::Proceed };
    let build = if f.offline_build { "the offline build lacks kind or kubectl" } else { "there is no offline build" };
    let why = format!("kind is not installed, {build}, and no registry answers ({no_registry})");
    match f.root {
        Root::Yes => Decision::Build { script: script.clone(), sudo: false, why },
        Root::Sudo => Decision::Build { script: script.clone(), sudo: true, why },
        Root::No => Decision::AskRoot {
            command: format!("sudo bash {}", script.display()),
            why: format!("{why}; the offline build needs root (debootstrap and docker image builds)"),
        },
    }
}

/// Whether any registry answers a TCP connection within `timeout`: Ok(which), or Err(why not).
pub fn probe_registry(timeout: Duration) -> Result<String, String> {
    use std::net::{TcpStream, ToSocketAddrs};
    let mut why = Vec::new();
    let chosen = std::env::var(REGISTRIES_VAR).ok().filter(|v| !v.trim().is_empty());
    let hosts: Vec<String> = match &chosen {
        Some(list) => list.split_whitespace().map(String::from).collect(),
        None => REGISTRIES.iter().map(|h| h.to_string()).collect(),
    };
    for host in &hosts {
        let host = host.as_str();
        match host.to_socket_addrs().map(|a| a.collect::<Vec<_>>()) {
            Ok(addrs) if addrs.is_empty() => why.push(format!("{host}: no address")),
            Ok(addrs) => match addrs.iter().find_map(|a| TcpStream::connect_timeout(a, timeout).err().map(Err).or(Some(Ok(())))) {
                Some(Ok(())) => return Ok(host.to_string()),
                Some(Err(e)) => why.push(format!("{host}: {e}")),
                None => why.push(format!("{host}: no address")),
            },
            Err(e) => why.push(format!("{host}: {e}")),
        }
    }
    Err(why.join("; "))
}

fn answers(argv: &[&str]) -> bool {
    Command::new(argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Looks at this host (the registry probe takes up to a few seconds, and only when it matters).
pub fn facts(repo: &Path) -> Facts {
    let kind = std::env::var("KIND").unwrap_or_else(|_| "kind".into());
    let kubectl = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
    let offline = offline::discover().ok().flatten();
    let toolchain = match &offline {
        Some(b) => b.bin.join("kind").exists() && b.bin.join("kubectl").exists(),
        None => super::preflight::on_path(&kind) && super::preflight::on_path(&kubectl),
    };
    let docker_ready = super::preflight::on_path("docker") && answers(&["docker", "version", "--format", "{{.Server.Version}}"]);
    let needs_probe = docker_ready && !(toolchain && offline.is_some());
    let registry = if needs_probe { probe_registry(Duration::from_secs(3)) } else { Err("not probed".into()) };
    let root = if nix_uid_is_root() {
        Root::Yes
    } else if answers(&["sudo", "-n", "true"]) {
        Root::Sudo
    } else {
        Root::No
    };
    let script = Some(repo.join("scripts/build-offline.sh")).filter(|p| p.is_file());
    let opted_out = std::env::var(AUTO_BUILD_VAR).is_ok_and(|v| v == "0");
    Facts { toolchain, offline_build: offline.is_some(), docker_ready, registry, root, script, opted_out }
}

fn nix_uid_is_root() -> bool {
    // /proc/self/status: "Uid:\treal\teffective\t..."
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).and_then(|l| l.split_whitespace().nth(2)).map(|uid| uid == "0"))
        .unwrap_or(false)
}

/// The Kubernetes and kind versions scripts/versions.env pins, for the message ("?" for one it does not).
fn pins(repo: &Path) -> String {
    let pins = crate::versions::Pins::read(&repo.join(crate::versions::FILE)).unwrap_or_default();
    let pin = |name: &str| pins.get(name).unwrap_or("?").to_string();
    format!("Kubernetes {}, kind {}", pin("K8S_VERSION"), pin("KIND_VERSION"))
}

/// Runs the offline build, printing its lines with the elapsed time (and a line every 30 s of
/// silence), to stderr. Returns why it failed, if it did.
pub fn build(repo: &Path, script: &Path, sudo: bool, why: &str) -> Result<(), String> {
    let cache = offline::cache_dir();
    let started = Instant::now();
    eprintln!("sa-conformance: {why}.");
    eprintln!(
        "sa-conformance: building the offline toolchain and images ({}) with {} into {} (cached by the pinned versions in scripts/versions.env: a cold build takes 12-35 min on 2 cores, a warm one only verifies). Set {AUTO_BUILD_VAR}=0 to do it yourself.",
        pins(repo),
        script.display(),
        cache.display()
    );
    let mut cmd = if sudo {
        let mut c = Command::new("sudo");
        c.args(["-n", "--preserve-env=SA_CACHE", "bash"]).arg(script);
        c
    } else {
        let mut c = Command::new("bash");
        c.arg(script);
        c
    };
    cmd.current_dir(repo).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot start {}: {e}", script.display()))?;
    let (tx, rx) = mpsc::channel::<String>();
    let readers: Vec<_> =
        [child.stdout.take().map(|o| Box::new(o) as Box<dyn std::io::Read + Send>), child.stderr.take().map(|e| Box::new(e) as _)]
            .into_iter()
            .flatten()
            .map(|stream| {
                let tx = tx.clone();
                std::thread::spawn(move || BufReader::new(stream).lines().map_while(Result::ok).for_each(|l| drop(tx.send(l))))
            })
            .collect();
    drop(tx);
    let elapsed = |t: Instant| {
        let s = t.elapsed().as_secs();
        format!("{}m{:02}s", s / 60, s % 60)
    };
    let mut last = String::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => {
                eprintln!("sa-conformance: offline build [{}] {line}", elapsed(started));
                last = line;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                eprintln!("sa-conformance: offline build [{}] still going (last: {last})", elapsed(started))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    readers.into_iter().for_each(|r| drop(r.join()));
    let status = child.wait().map_err(|e| format!("waiting for {}: {e}", script.display()))?;
    if !status.success() {
        return Err(format!(
            "the offline build failed after {} ({status}; last line: {last}); its logs are in {}/logs. Fix what it says and run `cargo run -- run` again (what was built is cached)",
            elapsed(started),
            cache.display()
        ));
    }
    eprintln!("sa-conformance: offline build done in {}", elapsed(started));
    Ok(())
}

/// The checkout whose scripts/ the build runs: the working directory when it is one (`cargo run`),
/// else the one this binary was compiled from.
pub fn repo_root() -> PathBuf {
    let has_script = |d: &Path| d.join("scripts/build-offline.sh").is_file();
    std::env::current_dir().ok().filter(|d| has_script(d)).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// Decides and, if needed, builds. Err is a message for the user (with the command to run).
pub fn ensure(repo: &Path) -> Result<(), String> {
    match decide(&facts(repo)) {
        Decision::Proceed => Ok(()),
        Decision::Build { script, sudo, why } => build(repo, &script, sudo, &why),
        Decision::AskRoot { command, why } => Err(format!("{why}: run `{command}` once, then this command again")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The newcomer's host: Docker answers, nothing else is there, no registry, root.
    fn newcomer() -> Facts {
        Facts {
            toolchain: false,
            offline_build: false,
            docker_ready: true,
            registry: Err("registry-1.docker.io:443: Name or service not known".into()),
            root: Root::Yes,
            script: Some("/repo/scripts/build-offline.sh".into()),
            opted_out: false,
        }
    }

    #[test]
    fn a_prepared_host_without_toolchain_or_registry_builds_by_itself() {
        let Decision::Build { script, sudo, why } = decide(&newcomer()) else { panic!("{:?}", decide(&newcomer())) };
        assert_eq!((script, sudo), (PathBuf::from("/repo/scripts/build-offline.sh"), false));
        assert_eq!(
            why,
            "kind is not installed, there is no offline build, and no registry answers (registry-1.docker.io:443: Name or service not known)"
        );
        assert!(matches!(decide(&Facts { root: Root::Sudo, ..newcomer() }), Decision::Build { sudo: true, .. }));
        // An offline.env whose bin dir lost kind: rebuilt (cached steps only verify).
        let broken = decide(&Facts { offline_build: true, ..newcomer() });
        assert!(matches!(&broken, Decision::Build { why, .. } if why.contains("the offline build lacks kind or kubectl")), "{broken:?}");
    }

    #[test]
    fn nothing_is_built_when_it_is_not_needed_or_not_wanted() {
        for (what, f) in [
            ("an offline build is there", Facts { toolchain: true, offline_build: true, ..newcomer() }),
            ("kind installed and a registry answers", Facts { toolchain: true, registry: Ok("registry.k8s.io:443".into()), ..newcomer() }),
            ("kind installed by the user, no registry", Facts { toolchain: true, ..newcomer() }),
            ("a registry answers (the registry path)", Facts { registry: Ok("registry.k8s.io:443".into()), ..newcomer() }),
            ("the user opted out", Facts { opted_out: true, ..newcomer() }),
            (
                "an offline build, even without a registry",
                Facts { toolchain: true, offline_build: true, registry: Err("x".into()), ..newcomer() },
            ),
            ("not in a checkout", Facts { script: None, ..newcomer() }),
        ] {
            assert_eq!(decide(&f), Decision::Proceed, "{what}");
        }
    }

    #[test]
    fn a_host_step_is_never_taken_the_daemon_is_left_to_the_preflight() {
        // Docker missing or stopped: installing or starting it needs root and changes the host, so the
        // harness does not build (the preflight names `scripts/host-setup.sh`).
        assert_eq!(decide(&Facts { docker_ready: false, ..newcomer() }), Decision::Proceed);
    }

    #[test]
    fn without_root_the_build_is_asked_for_by_name() {
        let d = decide(&Facts { root: Root::No, ..newcomer() });
        let Decision::AskRoot { command, why } = &d else { panic!("{d:?}") };
        assert_eq!(command, "sudo bash /repo/scripts/build-offline.sh");
        assert!(why.ends_with("the offline build needs root (debootstrap and docker image builds)"), "{why}");
    }

    #[test]
    fn pins_are_read_from_versions_env() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let p = pins(repo);
        assert!(p.starts_with("Kubernetes v1.") && p.contains(", kind v0."), "{p}");
    }
}
