//! One `cluster up` or `cluster down` per kind cluster name at a time. Two `cluster up` at once (two
//! terminals, a test run started beside a `cluster up`) raced: the second saw the first's node
//! before its record and refused the cluster as not the harness's (measured), or ran a second
//! `kind create`; a `cluster down` beside a `cluster up` refused the half-made cluster as not the
//! harness's (measured too) and left it running. A lock
//! file beside the cluster's record, held from the existence check until the record is saved (or
//! the nodes are started, or the cluster deleted), makes the second wait and say so, then find the
//! cluster whole. The lock is an advisory file lock, so it goes with the process that held it,
//! however that process ended; `cluster down` deletes the file with the cluster.

use super::{state, ClusterError};
use std::fs::{File, TryLockError};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Held while one process creates or starts the cluster; dropping it lets the next one in.
#[derive(Debug)]
pub struct NameLock {
    _file: File,
    path: PathBuf,
}

impl NameLock {
    /// Deletes the lock file while still holding it (`cluster down`: nothing of the cluster stays).
    /// A process that waited on this file finds, once it holds it, that the path no longer names
    /// it, and locks the path anew (see [`acquire`]), so two holders never meet.
    pub fn remove(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The lock file of kind cluster `name` (empty; `cluster down` deletes it).
pub fn path(name: &str) -> PathBuf {
    state::state_dir().join("clusters").join(format!("{name}.lock"))
}

/// Takes the lock of cluster `name`, waiting up to `limit` for another process that holds it; says
/// once, on stderr, that it waits and for what.
pub async fn acquire(name: &str, limit: Duration) -> Result<NameLock, ClusterError> {
    let path = path(name);
    let state_err = |source: std::io::Error| ClusterError::State { path: path.clone(), source };
    if let Some(dir) = path.parent() {
        crate::private_file::ensure_dir(dir).map_err(|source| ClusterError::State { path: dir.to_path_buf(), source })?;
    }
    let mut file = open(&path).map_err(state_err)?;
    let started = Instant::now();
    let mut said = false;
    loop {
        match file.try_lock() {
            Ok(()) if !names(&path, &file) => {
                // the holder deleted it (`cluster down`) while this process waited: lock the path anew
                file = open(&path).map_err(state_err)?;
                continue;
            }
            Ok(()) => {
                if said {
                    eprintln!(
                        "sa-conformance: the other process is done with kind cluster `{name}` after {}s",
                        started.elapsed().as_secs()
                    );
                }
                return Ok(NameLock { _file: file, path });
            }
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(state_err(e)),
        }
        if !said {
            eprintln!(
                "sa-conformance: another sa-conformance is creating, starting or deleting kind cluster `{name}` (it holds {}); waiting for it, up to {}s",
                path.display(),
                limit.as_secs()
            );
            said = true;
        }
        if started.elapsed() >= limit {
            return Err(ClusterError::Kind {
                name: name.into(),
                problem: format!(
                    "is still being created, started or deleted by another sa-conformance after {}s (it holds {}); wait for it or stop it",
                    limit.as_secs(),
                    path.display()
                ),
            });
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The lock of cluster `name` if no other process holds it now, without waiting or saying anything
/// (after an interrupt, to delete the file with the half-made cluster; a holder keeps it).
pub fn try_acquire(name: &str) -> Option<NameLock> {
    try_lock(path(name))
}

fn try_lock(path: PathBuf) -> Option<NameLock> {
    let file = File::options().write(true).open(&path).ok()?;
    match file.try_lock() {
        Ok(()) if names(&path, &file) => Some(NameLock { _file: file, path }),
        _ => None,
    }
}

/// Whether `path` still names the open `file` (it was not deleted or replaced since it was opened).
#[cfg(unix)]
fn names(path: &std::path::Path, file: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(path), file.metadata()) {
        (Ok(p), Ok(f)) => (p.dev(), p.ino()) == (f.dev(), f.ino()),
        _ => false,
    }
}

#[cfg(not(unix))]
fn names(path: &std::path::Path, _file: &File) -> bool {
    path.exists()
}

/// Opens (or creates, owner-only like everything in the state folder) the lock file.
fn open(path: &std::path::Path) -> std::io::Result<File> {
    match crate::private_file::create_new(path) {
        Ok(f) => Ok(f),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => File::options().write(true).open(path),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_held_lock_keeps_a_second_taker_out_until_it_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.lock");
        let first = open(&path).unwrap();
        first.lock().unwrap();
        let second = open(&path).unwrap();
        assert!(matches!(second.try_lock(), Err(TryLockError::WouldBlock)), "a second open of the file must not get the lock");
        drop(first);
        assert!(second.try_lock().is_ok(), "the lock goes with the file that held it");
    }

    #[test]
    fn after_an_interrupt_the_file_is_taken_only_when_nobody_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.lock");
        assert!(try_lock(path.clone()).is_none(), "no file, nothing to take");
        let holder = open(&path).unwrap();
        holder.lock().unwrap();
        assert!(try_lock(path.clone()).is_none(), "another process holds it: it is theirs");
        drop(holder);
        try_lock(path.clone()).expect("nobody holds it").remove();
        assert!(!path.exists(), "the interrupted creation's lock file is gone");
    }

    #[test]
    fn a_waiter_on_a_deleted_lock_file_sees_that_the_path_names_it_no_more() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.lock");
        let holder = open(&path).unwrap();
        holder.lock().unwrap();
        let waiter = open(&path).unwrap();
        assert!(names(&path, &waiter));
        // `cluster down` deletes the file while it holds it, then lets go
        NameLock { _file: holder, path: path.clone() }.remove();
        assert!(waiter.try_lock().is_ok(), "the waiter gets the old file's lock");
        assert!(!names(&path, &waiter), "and must see that it locks a deleted file");
        let fresh = open(&path).unwrap();
        assert!(names(&path, &fresh) && fresh.try_lock().is_ok(), "the path is locked anew");
    }
}
