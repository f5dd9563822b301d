//! Keys kept private: after the harness has created (or reused) its kind cluster, every file it keeps
//! for it (the admin kubeconfig with its client key, the state record naming it) is 0600 and the
//! folder holding them 0700, so another user of a laptop or CI box cannot take the cluster.

use crate::shared::Shared;
use libtest_mimic::Trial;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

pub fn trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    crate::shared::gated("credentials::every_file_kept_for_the_cluster_is_private", Some(Default::default()), move || {
        shared.target()?;
        let dir = sa_conformance::cluster::state::kubeconfig_path(&crate::shared::cluster_name())
            .parent()
            .map(std::path::Path::to_path_buf)
            .ok_or("the kubeconfig path has no folder")?;
        let mode = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777);
        let mut wrong = Vec::new();
        let dir_mode = mode(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if dir_mode != 0o700 {
            wrong.push(format!("{} is {dir_mode:o}, not 700", dir.display()));
        }
        let mut files = 0;
        for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?.flatten() {
            let m = mode(&entry.path()).map_err(|e| e.to_string())?;
            files += 1;
            if m != 0o600 {
                wrong.push(format!("{} is {m:o}, not 600", entry.path().display()));
            }
        }
        if files < 2 {
            return Err(format!("expected the cluster's record and kubeconfig in {}, found {files} file(s)", dir.display()).into());
        }
        if !wrong.is_empty() {
            return Err(format!("credential files readable by others: {}", wrong.join("; ")).into());
        }
        Ok(())
    })
    .with_ignored_flag(on_existing)
}
