//! scripts/versions.env pins every version the project uses; the shell scripts source it and this is
//! its one reader on the Rust side (the matrix's default versions and kind version, the offline
//! build's message), so a pin is never hard-coded or parsed twice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the pins live, relative to the repository root.
pub const FILE: &str = "scripts/versions.env";

/// The `NAME=value` assignments of a versions.env file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pins(BTreeMap<String, String>);

/// Why the pins could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the version pins {path}")]
pub struct PinsError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl Pins {
    /// `NAME=value` and `NAME="a b"` lines (upper-case names); comments and other lines are skipped.
    pub fn parse(text: &str) -> Pins {
        Pins(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.starts_with('#'))
                .filter_map(|l| l.split_once('='))
                .filter(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
                .map(|(k, v)| (k.to_string(), v.trim().trim_matches('"').to_string()))
                .collect(),
        )
    }

    /// Reads the pins from `path`.
    pub fn read(path: &Path) -> Result<Pins, PinsError> {
        std::fs::read_to_string(path).map(|t| Pins::parse(&t)).map_err(|source| PinsError { path: path.to_path_buf(), source })
    }

    /// Reads the pins from `path`, or none when there is no such file (callers that have flags for
    /// everything it pins); any other failure is an error.
    pub fn read_optional(path: &Path) -> Result<Pins, PinsError> {
        match Pins::read(path) {
            Err(e) if e.source.kind() == std::io::ErrorKind::NotFound => Ok(Pins::default()),
            other => other,
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// `KIND_VERSION`: the kind the offline build installs (it names the build's cache directory).
    pub fn kind_version(&self) -> Option<&str> {
        self.get("KIND_VERSION")
    }

    /// `MATRIX_K8S_VERSIONS`: the Kubernetes versions `matrix` runs when no `--k8s-version` is given.
    pub fn matrix_versions(&self) -> Vec<String> {
        self.get("MATRIX_K8S_VERSIONS").map(|v| v.split_whitespace().map(String::from).collect()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_are_read_with_quotes_removed_and_lower_case_names_skipped() {
        let pins = Pins::parse("# c\nK8S_VERSION=v1.34.4\nMATRIX_K8S_VERSIONS=\"v1.34.4 v1.35.4\"\nlower=x\n  # KIND_VERSION=v0.1\n");
        assert_eq!(pins.get("K8S_VERSION"), Some("v1.34.4"));
        assert_eq!(pins.matrix_versions(), ["v1.34.4", "v1.35.4"]);
        assert_eq!(pins.get("lower"), None);
        assert_eq!(pins.kind_version(), None, "a commented-out pin is no pin");
    }

    #[test]
    fn the_shipped_file_pins_kubernetes_kind_and_the_matrix() {
        let pins = Pins::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join(FILE)).expect("scripts/versions.env is readable");
        assert!(pins.get("K8S_VERSION").is_some_and(|v| v.starts_with("v1.")), "{pins:?}");
        assert!(pins.kind_version().is_some_and(|v| v.starts_with("v0.")), "{pins:?}");
        assert!(!pins.matrix_versions().is_empty(), "{pins:?}");
    }

    #[test]
    fn a_missing_file_is_no_pins_only_when_asked_for_optionally() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("versions.env");
        assert_eq!(Pins::read_optional(&missing).unwrap(), Pins::default());
        let err = Pins::read(&missing).unwrap_err();
        assert_eq!(err.to_string(), format!("cannot read the version pins {}", missing.display()));
        // a directory is not a missing file: that is an error either way
        assert!(Pins::read_optional(dir.path()).is_err());
    }
}
