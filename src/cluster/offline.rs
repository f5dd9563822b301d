//! The offline build, found without a `source`: scripts/build-offline.sh writes `$SA_CACHE/offline.env`
//! (SA_CACHE defaults to /var/cache/sa-conformance). When the user configured no node image and no
//! images to load, the harness reads that file (parsed strictly, never executed), puts its bin dir
//! first on PATH (so kind and kubectl are the built ones) and uses its node image and load images.

use std::path::{Path, PathBuf};

/// Where build-offline.sh caches everything unless SA_CACHE says otherwise.
pub const DEFAULT_CACHE: &str = "/var/cache/sa-conformance";
pub const NODE_IMAGE_VAR: &str = "SA_CONFORMANCE_NODE_IMAGE";
pub const LOAD_IMAGES_VAR: &str = "SA_CONFORMANCE_LOAD_IMAGES";

/// What the offline build provides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineBuild {
    /// Holds kind, kubectl and the other Kubernetes binaries.
    pub bin: PathBuf,
    pub node_image: String,
    /// `HOST=AS` pairs, as `SA_CONFORMANCE_LOAD_IMAGES` holds them.
    pub load_images: String,
}

/// The cache directory: `$SA_CACHE`, or the default.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("SA_CACHE").filter(|v| !v.is_empty()).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(DEFAULT_CACHE))
}

/// The file build-offline.sh writes.
pub fn env_file() -> PathBuf {
    cache_dir().join("offline.env")
}

/// Parses offline.env: comments, blank lines and `export NAME="VALUE"` lines only; PATH must be
/// `"DIR:$PATH"`; no other expansion, command substitution or unknown name is accepted.
pub fn parse(text: &str, file: &Path) -> Result<OfflineBuild, String> {
    let (mut bin, mut node_image, mut load_images) = (None, None, None);
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = || format!("{}:{}", file.display(), i + 1);
        let assignment = line.strip_prefix("export ").unwrap_or(line);
        let (name, quoted) = assignment.split_once('=').ok_or_else(|| format!("{}: `{line}` is not NAME=\"VALUE\"", at()))?;
        let value = quoted
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .filter(|v| !v.contains('"'))
            .ok_or_else(|| format!("{}: the value of {name} must be one double-quoted string", at()))?;
        if name == "PATH" {
            let dir = value.strip_suffix(":$PATH").ok_or_else(|| format!("{}: PATH must be \"DIR:$PATH\", got \"{value}\"", at()))?;
            if !dir.starts_with('/') || dir.contains(['$', '`', ':', '\\']) {
                return Err(format!("{}: PATH must add one absolute directory, got \"{dir}\"", at()));
            }
            bin = Some(PathBuf::from(dir));
            continue;
        }
        if value.contains(['$', '`', '\\']) {
            return Err(format!("{}: {name} holds a shell expansion (`$`, backquote or backslash); offline.env is read, not run", at()));
        }
        match name {
            NODE_IMAGE_VAR => node_image = Some(value.to_string()),
            LOAD_IMAGES_VAR => load_images = Some(value.to_string()),
            // Written by build-offline.sh for scripts; the harness uses the kind-config.yaml it is given.
            "SA_CONFORMANCE_KIND_CONFIG" => {}
            other => return Err(format!("{}: unknown variable {other}", at())),
        }
    }
    let missing = |what: &str| format!("{} has no {what}; rebuild it with `sudo bash scripts/build-offline.sh`", file.display());
    Ok(OfflineBuild {
        bin: bin.ok_or_else(|| missing("PATH line"))?,
        node_image: node_image.filter(|s| !s.is_empty()).ok_or_else(|| missing(NODE_IMAGE_VAR))?,
        load_images: load_images.ok_or_else(|| missing(LOAD_IMAGES_VAR))?,
    })
}

/// Reads the offline build, if there is one (Ok(None): no offline.env).
pub fn discover() -> Result<Option<OfflineBuild>, String> {
    let file = env_file();
    match std::fs::read_to_string(&file) {
        Ok(text) => parse(&text, &file).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", file.display())),
    }
}

/// Whether the user chose a node image or images to load (a registry path): then the offline build
/// stays out of the way. `SA_CONFORMANCE_OFFLINE=0` also turns it off.
pub fn user_configured() -> bool {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    set(NODE_IMAGE_VAR) || set(LOAD_IMAGES_VAR) || std::env::var("SA_CONFORMANCE_OFFLINE").is_ok_and(|v| v == "0")
}

/// What [`use_offline_build`] did, for the console.
pub enum Applied {
    /// The user configured images; nothing changed.
    UserConfigured,
    /// No offline build on this machine.
    NoneFound,
    Used(OfflineBuild),
}

/// Makes the offline build this process's toolchain: its bin dir first on PATH and its images in the
/// environment, so kind, kubectl, the CLI's flags and child processes all see the same thing. Call it
/// at the very start of `main`, before any thread is started (it sets environment variables).
pub fn use_offline_build() -> Result<Applied, String> {
    if user_configured() {
        return Ok(Applied::UserConfigured);
    }
    let Some(build) = discover()? else {
        return Ok(Applied::NoneFound);
    };
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = vec![build.bin.clone()];
    dirs.extend(std::env::split_paths(&path).filter(|d| d != &build.bin));
    let joined = std::env::join_paths(dirs).map_err(|e| format!("cannot put {} on PATH: {e}", build.bin.display()))?;
    std::env::set_var("PATH", joined);
    std::env::set_var(NODE_IMAGE_VAR, &build.node_image);
    std::env::set_var(LOAD_IMAGES_VAR, &build.load_images);
    Ok(Applied::Used(build))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const WRITTEN: &str = r#"# written by scripts/build-offline.sh; source it before running the harness
export PATH="/var/cache/sa-conformance/bin:$PATH"
export SA_CONFORMANCE_NODE_IMAGE="sa-conformance/node:v1.34.4-39992d2e20ca"
export SA_CONFORMANCE_LOAD_IMAGES="sa-conformance/stand-in/curlimages/curl:8.10.1=curlimages/curl:8.10.1 sa-conformance/stand-in/nginx:1.27=nginx:1.27"
export SA_CONFORMANCE_KIND_CONFIG="/work/main/kind-config.yaml"
"#;

    fn file() -> PathBuf {
        PathBuf::from("/c/offline.env")
    }

    #[test]
    fn the_file_build_offline_writes_parses() {
        let b = parse(WRITTEN, &file()).unwrap();
        assert_eq!(b.bin, PathBuf::from("/var/cache/sa-conformance/bin"));
        assert_eq!(b.node_image, "sa-conformance/node:v1.34.4-39992d2e20ca");
        assert!(b.load_images.starts_with("sa-conformance/stand-in/curlimages/curl:8.10.1=curlimages/curl:8.10.1 "));
    }

    #[rstest]
    #[case::command_substitution("export SA_CONFORMANCE_NODE_IMAGE=\"$(rm -rf /)\"", "shell expansion")]
    #[case::backquote("export SA_CONFORMANCE_NODE_IMAGE=\"`id`\"", "shell expansion")]
    #[case::unquoted("export SA_CONFORMANCE_NODE_IMAGE=x", "one double-quoted string")]
    #[case::path_replaced("export PATH=\"/tmp/evil\"", "PATH must be \"DIR:$PATH\"")]
    #[case::path_relative("export PATH=\"bin:$PATH\"", "one absolute directory")]
    #[case::path_two_dirs("export PATH=\"/a:/b:$PATH\"", "one absolute directory")]
    #[case::unknown("export LD_PRELOAD=\"/x.so\"", "unknown variable LD_PRELOAD")]
    #[case::not_assignment("source /etc/profile", "is not NAME=\"VALUE\"")]
    fn anything_but_plain_assignments_is_refused_with_its_line(#[case] bad: &str, #[case] says: &str) {
        let text = format!("{WRITTEN}{bad}\n");
        let e = parse(&text, &file()).unwrap_err();
        assert!(e.contains(says), "{e}");
        assert!(e.starts_with("/c/offline.env:6:"), "{e}");
    }

    #[rstest]
    #[case("export PATH=\"/var/cache/sa-conformance/bin:$PATH\"\n", "no SA_CONFORMANCE_NODE_IMAGE")]
    #[case("export SA_CONFORMANCE_NODE_IMAGE=\"n\"\nexport SA_CONFORMANCE_LOAD_IMAGES=\"\"\n", "no PATH line")]
    fn an_incomplete_file_names_what_is_missing_and_the_rebuild(#[case] text: &str, #[case] says: &str) {
        let e = parse(text, &file()).unwrap_err();
        assert!(e.contains(says) && e.contains("sudo bash scripts/build-offline.sh"), "{e}");
    }
}
