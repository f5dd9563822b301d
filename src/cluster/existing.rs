//! An existing cluster, named by kubeconfig and context, as kubectl would find it.

use std::path::PathBuf;

/// `--kubeconfig` (else $KUBECONFIG's first entry, else ~/.kube/config) and `--context` (else current).
#[derive(Debug, Clone, Default)]
pub struct ExistingSpec {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
}

impl ExistingSpec {
    pub fn kubeconfig_path(&self) -> PathBuf {
        if let Some(p) = &self.kubeconfig {
            return p.clone();
        }
        if let Some(first) = std::env::var_os("KUBECONFIG").and_then(|v| std::env::split_paths(&v).next()) {
            return first;
        }
        home().join(".kube").join("config")
    }
}

pub(crate) fn home() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"))
}
