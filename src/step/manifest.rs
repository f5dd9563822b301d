//! A manifest source of an `apply` or `delete` step, read at load time.

use std::path::PathBuf;

/// One manifest: YAML documents, variables substituted.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Where it came from: a file path, or `<inline manifest in FILE:LINE>`.
    pub origin: String,
    /// The YAML documents, variables substituted.
    pub text: String,
}

impl Manifest {
    /// The file it was read from; `None` for an inline manifest.
    pub fn file(&self) -> Option<PathBuf> {
        (!self.origin.starts_with('<')).then(|| PathBuf::from(&self.origin))
    }
}
