//! Turns the paths given to the lint into manifest files: directories are searched for *.yaml and
//! *.yml, leaving out the harness's own files (`*.scenario.yaml`, `claims.yaml`), which are not
//! Kubernetes manifests.

use super::LintError;
use std::fs;
use std::path::{Path, PathBuf};

/// The files to lint, in a stable order: files as given, directories searched recursively.
pub(super) fn manifest_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LintError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = fs::metadata(path).map_err(|source| LintError::Read { file: path.clone(), source })?;
        if !meta.is_dir() {
            files.push(path.clone());
            continue;
        }
        let before = files.len();
        walk(path, &mut files)?;
        if files.len() == before {
            return Err(LintError::NoManifests { path: path.clone() });
        }
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.clone()));
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LintError> {
    let walk_err = |source| LintError::Walk { dir: dir.to_path_buf(), source };
    let mut entries = fs::read_dir(dir).map_err(walk_err)?.map(|e| e.map(|e| e.path())).collect::<Result<Vec<_>, _>>().map_err(walk_err)?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out)?;
        } else if is_manifest(&path) {
            out.push(path);
        }
    }
    Ok(())
}

/// Whether a file found in a directory is a manifest to lint.
fn is_manifest(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
    let harness = name == "claims.yaml" || name.ends_with(".scenario.yaml") || name.ends_with(".scenario.yml");
    yaml && !harness
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("pod.yaml", true)]
    #[case("role.yml", true)]
    #[case("basics.scenario.yaml", false)]
    #[case("claims.yaml", false)]
    #[case("README.md", false)]
    #[case("yaml", false)]
    fn harness_files_are_not_manifests(#[case] name: &str, #[case] expected: bool) {
        assert_eq!(is_manifest(Path::new("dir").join(name).as_path()), expected);
    }

    #[test]
    fn directories_are_searched_recursively_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("b/nested")).unwrap();
        for f in ["b/nested/z.yml", "a.yaml", "claims.yaml", "s.scenario.yaml", "notes.txt"] {
            fs::write(root.join(f), "").unwrap();
        }
        let files = manifest_files(&[root.to_path_buf(), root.join("a.yaml")]).unwrap();
        let rel: Vec<_> = files.iter().map(|f| f.strip_prefix(root).unwrap().to_path_buf()).collect();
        assert_eq!(rel, vec![PathBuf::from("a.yaml"), PathBuf::from("b/nested/z.yml")]);
    }

    #[test]
    fn a_directory_without_manifests_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("claims.yaml"), "").unwrap();
        let err = manifest_files(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(matches!(err, LintError::NoManifests { .. }), "{err}");
    }

    #[test]
    fn a_missing_path_is_a_read_error_naming_it() {
        let err = manifest_files(&[PathBuf::from("/nonexistent/x.yaml")]).unwrap_err();
        assert_eq!(err.to_string(), "failed to read /nonexistent/x.yaml");
    }
}
