//! The offline build's cache filling up mid-build (a laptop's disk, a CI runner's small volume):
//! `scripts/build-offline.sh` into a 24 MiB tmpfs as `SA_CACHE`, building only kind (10 MB) and crictl
//! (28 MB) (`SA_BUILD_ONLY`, so the trial takes seconds, not the half hour of a whole build). kind fits,
//! crictl cannot. The build must fail saying in one line that the cache is full, how much is free and
//! what to do; leave kind whole with its stamp and nothing of crictl (no binary, no stamp, no partial
//! file); and, once there is room, the next build must find kind cached and build only crictl.
//! The tmpfs is mounted as root or through passwordless sudo, never the real disk. No cluster is used.

use crate::disk_full::{privileged, Tmpfs};
use libtest_mimic::{Failed, Trial};
use std::path::Path;
use std::process::Output;

/// The build of `parts` into `cache`, as root (the script requires it), with Go's caches as they are.
fn build(cache: &Path, parts: &str) -> Result<(i32, String), Failed> {
    let script = crate::shared::root().join("scripts/build-offline.sh");
    let out: Output = privileged("env")
        .arg(format!("SA_CACHE={}", cache.display()))
        .arg(format!("SA_BUILD_ONLY={parts}"))
        .arg("bash")
        .arg(&script)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    Ok((out.status.code().unwrap_or(-1), text))
}

/// Every file under `dir` whose name says it is unfinished.
fn partial_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.contains("partial") {
                found.push(e.path().display().to_string());
            }
            if e.path().is_dir() {
                stack.push(e.path());
            }
        }
    }
    found
}

pub fn trial() -> Trial {
    crate::shared::gated(
        "cache_full::a_full_cache_mid_build_says_so_keeps_what_finished_and_the_next_build_resumes",
        Some(Default::default()),
        || {
            let disk = Tmpfs::mount("24m")?;
            let cache = disk.0.join("cache");
            let (bin, stamps) = (cache.join("bin"), cache.join("stamps"));
            let (code, text) = build(&cache, "kind crictl")?;
            let said = format!("ERROR: the offline build cache {} is full: ", cache.display());
            if code == 0 || !text.contains(&said) || !text.contains("MiB free on its filesystem") || !text.contains("run the build again") {
                return Err(format!(
                    "a full cache must fail the build saying {said:?} with the space left and what to do; exit {code}:\n{text}"
                )
                .into());
            }
            if !bin.join("kind").is_file() || !stamps.join("kind").is_file() {
                return Err(format!("kind was built before the disk filled: it must be kept with its stamp; exit {code}:\n{text}").into());
            }
            let crictl_left = [bin.join("crictl"), stamps.join("crictl")].into_iter().filter(|p| p.exists()).collect::<Vec<_>>();
            let partial = partial_files(&cache);
            if !crictl_left.is_empty() || !partial.is_empty() {
                return Err(format!("the failed part left files behind: {crictl_left:?} {partial:?}\n{text}").into());
            }
            let line = text.lines().find(|l| l.contains(&said)).unwrap_or_default().to_string();
            // room again: the next build resumes
            let grown = privileged("mount").args(["-o", "remount,size=96m"]).arg(&disk.0).output().map_err(|e| e.to_string())?;
            if !grown.status.success() {
                return Err(format!("cannot grow the tmpfs: {}", String::from_utf8_lossy(&grown.stderr)).into());
            }
            let (code, again) = build(&cache, "kind crictl")?;
            if code != 0 || !again.contains("kind: cached") || !again.contains("go install sigs.k8s.io/cri-tools/cmd/crictl") {
                return Err(format!("with room again the build must find kind cached and build crictl; exit {code}:\n{again}").into());
            }
            if !bin.join("crictl").is_file() || !stamps.join("crictl").is_file() || !partial_files(&cache).is_empty() {
                return Err(format!("crictl not whole after the second build:\n{again}").into());
            }
            eprintln!("e2e: cache_full: {}", line.trim());
            Ok(())
        },
    )
}
