//! Files that hold a credential (a kind cluster's admin kubeconfig, a token kubeconfig, the state
//! records that name them): created 0600 inside 0700 folders, with no moment at which another user of
//! the machine could read them. kind writes its own kubeconfig 0600; the harness keeps the same rule
//! for every copy it writes.

use std::io::Write;
use std::path::Path;

/// Creates `dir` (and missing parents) as 0700; an existing `dir` is tightened to 0700 (only call it
/// for folders the harness owns).
pub fn ensure_dir(dir: &Path) -> std::io::Result<()> {
    imp::ensure_dir(dir)
}

/// Writes `bytes` to `path` readable by its owner only. The bytes go to a new 0600 file beside it,
/// which then replaces `path` (a file that was there with a looser mode is replaced, not reused), so
/// neither a reader nor a crash ever sees a half-written or world-readable credential.
///
/// A full filesystem is named with the space left on it, so the user knows what to free or move.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_replacing(path, bytes).map_err(|e| when_full(path, e))
}

fn write_replacing(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        ensure_dir(parent)?;
    }
    let name = path.file_name().ok_or_else(|| std::io::Error::other(format!("{} names no file", path.display())))?;
    let tmp = path.with_file_name(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let _ = std::fs::remove_file(&tmp); // a leftover of a killed run with the same pid
    let written = imp::create_private(&tmp).and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()));
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}

/// Creates a new file `path` that only its owner can read or write (fails if it exists).
pub fn create_new(path: &Path) -> std::io::Result<std::fs::File> {
    imp::create_private(path)
}

/// A "no space left" (or quota) error becomes one that says how much space is left where; any other
/// error is returned as it is.
pub fn when_full(path: &Path, e: std::io::Error) -> std::io::Error {
    const ENOSPC: i32 = 28;
    const EDQUOT: i32 = 122;
    let full = e.kind() == std::io::ErrorKind::StorageFull
        || e.kind() == std::io::ErrorKind::QuotaExceeded
        || matches!(e.raw_os_error(), Some(ENOSPC | EDQUOT));
    if !full {
        return e;
    }
    let on = path.ancestors().find(|p| p.exists()).unwrap_or(path);
    let free = imp::free_space(on).map_or_else(|| "unknown space".to_string(), size);
    std::io::Error::new(e.kind(), format!("{e}: {free} free on the filesystem of {}", on.display()))
}

/// `2.5 MiB`, `12 KiB`, `0 B`: what `df -h` users read.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{} KiB", b >> 10),
        b => format!("{b} B"),
    }
}

#[cfg(unix)]
mod imp {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    use std::path::Path;

    pub fn ensure_dir(dir: &Path) -> std::io::Result<()> {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode != 0o700 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }

    pub fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)
    }

    /// Bytes an unprivileged writer may still use on the filesystem holding `path`.
    pub fn free_space(path: &Path) -> Option<u64> {
        let st = rustix::fs::statvfs(path).ok()?;
        Some(st.f_bavail.saturating_mul(st.f_frsize))
    }
}

#[cfg(not(unix))]
mod imp {
    use std::path::Path;

    pub fn ensure_dir(dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)
    }

    pub fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
        std::fs::OpenOptions::new().write(true).create_new(true).open(path)
    }

    pub fn free_space(_path: &Path) -> Option<u64> {
        None
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_credential_is_written_0600_in_new_0700_folders() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("state/clusters/c.kubeconfig");
        write(&path, b"client-key-data: x").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"client-key-data: x");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&root.path().join("state/clusters")), 0o700);
        assert_eq!(mode(&root.path().join("state")), 0o700);
    }

    #[test]
    fn a_world_readable_file_and_folder_left_by_an_older_version_are_made_private() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("clusters");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.join("c.kubeconfig");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write(&path, b"new").unwrap();
        assert_eq!((mode(&dir), mode(&path)), (0o700, 0o600));
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        // nothing else is left beside it
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    }

    #[test]
    fn the_new_file_is_private_from_its_first_byte() {
        // the temporary file that becomes the credential is created 0600, whatever the umask allows
        let root = tempfile::tempdir().unwrap();
        let f = create_new(&root.path().join("t")).unwrap();
        assert_eq!(f.metadata().unwrap().permissions().mode() & 0o777, 0o600);
        assert!(create_new(&root.path().join("t")).is_err(), "an existing file is never reused");
    }

    #[test]
    fn a_full_filesystem_is_named_with_the_space_left_on_it() {
        let root = tempfile::tempdir().unwrap();
        let full = std::io::Error::from_raw_os_error(28);
        let said = when_full(&root.path().join("clusters/c.kubeconfig"), full).to_string();
        assert!(said.starts_with("No space left on device (os error 28): "), "{said}");
        assert!(said.ends_with(&format!(" free on the filesystem of {}", root.path().display())), "{said}");
        assert!(!said.contains("unknown space"), "statvfs answers for a real folder: {said}");
        let other = when_full(root.path(), std::io::Error::from_raw_os_error(13)).to_string();
        assert_eq!(other, "Permission denied (os error 13)");
    }

    #[rstest::rstest]
    #[case(0, "0 B")]
    #[case(12 * 1024 + 5, "12 KiB")]
    #[case(5 << 19, "2.5 MiB")]
    #[case(3 << 30, "3.0 GiB")]
    fn sizes_read_as_df_h_prints_them(#[case] bytes: u64, #[case] said: &str) {
        assert_eq!(size(bytes), said);
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file_and_says_why() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("d");
        std::fs::create_dir(&dir).unwrap();
        // the target is a folder: the rename fails, the temporary file goes
        let target = dir.join("taken");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("x"), "").unwrap();
        assert!(write(&target, b"secret").is_err());
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from("taken")]);
    }
}
