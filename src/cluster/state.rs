//! What the harness remembers about clusters it created: one JSON record per kind cluster in the state
//! directory. The guard trusts a context only if a record matches it and the cluster still carries the
//! marker this harness wrote when it created it.

use super::ClusterError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// ConfigMap the harness writes into kube-system of every cluster it creates.
pub const MARKER_NAMESPACE: &str = "kube-system";
pub const MARKER_NAME: &str = "sa-conformance-cluster";

/// A cluster this harness created.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Record {
    pub name: String,
    pub context: String,
    pub server: String,
    pub kubeconfig: PathBuf,
    /// UID of the marker ConfigMap.
    pub marker_uid: String,
    /// The node containers kind made for it (ids), so that ownership can be proven while they are
    /// stopped and the API cannot answer. Empty in records written before ids were kept.
    #[serde(default)]
    pub nodes: Vec<super::kind_nodes::Node>,
}

/// `$SA_CONFORMANCE_STATE_DIR`, else `$XDG_STATE_HOME/sa-conformance`, else `~/.local/state/sa-conformance`.
pub fn state_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("SA_CONFORMANCE_STATE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_STATE_HOME") {
        return PathBuf::from(d).join("sa-conformance");
    }
    home().join(".local/state/sa-conformance")
}

fn record_path(dir: &Path, name: &str) -> PathBuf {
    dir.join("clusters").join(format!("{name}.json"))
}

/// The kubeconfig file the harness keeps for a kind cluster (never the user's own kubeconfig).
pub fn kubeconfig_path(name: &str) -> PathBuf {
    state_dir().join("clusters").join(format!("{name}.kubeconfig"))
}

pub fn save(record: &Record) -> Result<(), ClusterError> {
    let path = record_path(&state_dir(), &record.name);
    let err = |source: std::io::Error| ClusterError::State { path: path.clone(), source };
    let text = serde_json::to_string_pretty(record).map_err(|e| err(std::io::Error::other(e)))?;
    crate::private_file::write(&path, text.as_bytes()).map_err(err)
}

pub fn load(name: &str) -> Option<Record> {
    let text = std::fs::read_to_string(record_path(&state_dir(), name)).ok()?;
    serde_json::from_str(&text).ok()
}

pub fn remove(name: &str) {
    let _ = std::fs::remove_file(record_path(&state_dir(), name));
    let _ = std::fs::remove_file(kubeconfig_path(name));
}

/// Every record, for the guard.
pub fn all() -> Vec<Record> {
    let dir = state_dir().join("clusters");
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter_map(|t| serde_json::from_str(&t).ok())
        .collect()
}

pub(crate) fn home() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"))
}
