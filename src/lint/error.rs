//! Why a lint could not run at all (an unreadable file, broken YAML, nothing to lint). Problems in
//! the manifests themselves are findings, not errors.

use std::path::PathBuf;

/// A lint that could not run; every variant names the file (and line, where one is known).
#[derive(Debug, thiserror::Error)]
pub enum LintError {
    #[error("failed to read {}", file.display())]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to list {}", dir.display())]
    Walk {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: invalid YAML: {message}", file.display())]
    Yaml { file: PathBuf, line: usize, column: usize, message: String },
    #[error("no manifests (*.yaml, *.yml) found in {}", path.display())]
    NoManifests { path: PathBuf },
}
