//! A full disk under the state folder (the laptop's home filled by a download): `cluster up` on the
//! kept cluster cannot write its kubeconfig again, and must say so in one line naming the file and the
//! space left, exit with an error (not a panic), and leave no half-written file. The full disk is a
//! 64 KiB tmpfs mounted for the trial (as root, or through passwordless sudo), never the real disk.

use crate::shared::Shared;
use libtest_mimic::{Failed, Trial};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

/// Unmounts and removes the tmpfs when dropped.
pub struct Tmpfs(pub PathBuf);

impl Tmpfs {
    pub fn mount(size: &str) -> Result<Tmpfs, Failed> {
        // one folder per mount: two trials of one process (disk_full and cache_full) may run at once,
        // and a second tmpfs mounted over the first hid its files (CI, stop 31)
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("sa-conformance-full-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        // owned by whoever runs the trial (a CI user with passwordless sudo mounts it through sudo)
        let (uid, gid) = std::fs::metadata(&dir).map(|m| (m.uid(), m.gid())).map_err(|e| e.to_string())?;
        let options = format!("size={size},mode=0700,uid={uid},gid={gid}");
        let out = privileged("mount")
            .args(["-t", "tmpfs", "-o", &options, "tmpfs"])
            .arg(&dir)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            let _ = std::fs::remove_dir(&dir);
            return Err(format!(
                "this trial mounts a small tmpfs as the full disk, as root or through passwordless sudo: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )
            .into());
        }
        Ok(Tmpfs(dir))
    }
}

/// `program` as root: itself when the trial runs as root, else through `sudo -n`.
pub fn privileged(program: &str) -> Command {
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if root {
        Command::new(program)
    } else {
        let mut sudo = Command::new("sudo");
        sudo.args(["-n", program]);
        sudo
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = privileged("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Writes to `path` until the filesystem refuses.
fn fill(path: &Path) -> Result<(), Failed> {
    use std::io::Write;
    let mut f = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let block = [0u8; 4096];
    loop {
        if let Err(e) = f.write_all(&block).and_then(|()| f.sync_all()) {
            return if e.raw_os_error() == Some(28) { Ok(()) } else { Err(format!("filling {}: {e}", path.display()).into()) };
        }
    }
}

pub fn trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    crate::shared::gated("disk_full::a_full_state_folder_is_named_with_the_space_left_on_it", Some(Default::default()), move || {
        shared.target()?;
        let name = crate::shared::cluster_name();
        let disk = Tmpfs::mount("64k")?;
        let clusters = disk.0.join("clusters");
        std::fs::create_dir(&clusters).map_err(|e| e.to_string())?;
        // the kept cluster's record, so `cluster up` re-uses it and has only the kubeconfig to write
        let record = sa_conformance::cluster::state::state_dir().join("clusters").join(format!("{name}.json"));
        std::fs::copy(&record, clusters.join(format!("{name}.json"))).map_err(|e| format!("{}: {e}", record.display()))?;
        fill(&disk.0.join("download.iso"))?;
        let out = crate::cli::command(&["cluster", "up", "--name", &name])
            .env("SA_CONFORMANCE_STATE_DIR", &disk.0)
            .output()
            .map_err(|e| format!("cannot run sa-conformance: {e}"))?;
        let code = out.status.code().unwrap_or(-1);
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let kubeconfig = clusters.join(format!("{name}.kubeconfig"));
        let said = [
            format!("cannot write harness state in {}", kubeconfig.display()),
            "No space left on device".to_string(),
            format!("free on the filesystem of {}", clusters.display()),
        ];
        if code == 0 || code == 101 || said.iter().any(|s| !text.contains(s.as_str())) {
            return Err(format!("a full state folder must be an error (not a panic) saying {said:?}; exit {code}:\n{text}").into());
        }
        let left: Vec<String> = std::fs::read_dir(&clusters)
            .map_err(|e| e.to_string())?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|f| f.ends_with(".tmp") || f.ends_with(".kubeconfig"))
            .collect();
        if !left.is_empty() {
            return Err(format!("half-written files left in {}: {left:?}", clusters.display()).into());
        }
        eprintln!("e2e: disk_full: exit {code}: {}", text.lines().find(|l| l.contains("No space")).unwrap_or_default().trim());
        Ok(())
    })
    .with_ignored_flag(on_existing)
}
