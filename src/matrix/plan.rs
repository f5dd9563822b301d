//! Which versions the matrix runs and, for each, the node image, the images to load and the binaries
//! (kind, kubectl) to use: `--image VERSION=IMAGE` for stock kindest/node images on a machine with a
//! registry, otherwise the `offline.env` that `K8S_VERSION=VERSION scripts/build-offline.sh` wrote
//! under the cache directory.

use std::path::{Path, PathBuf};

/// One version to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionPlan {
    pub version: String,
    pub node_image: String,
    /// `HOST=AS` or plain image names to `kind load` (see `cluster::images`).
    pub load_images: Vec<String>,
    /// Put first on PATH for this version's run (its kubectl and kind), from its offline.env.
    pub bin_dir: Option<PathBuf>,
    /// Where the plan came from, for the console (`--image`, or the offline.env path).
    pub source: String,
}

/// The prefix of the matrix's cluster names unless `--cluster-prefix` gives another.
pub const CLUSTER_PREFIX: &str = "sa-conformance-matrix";

/// The kind cluster name for a version: `sa-conformance-matrix-v1-35` (prefix `sa-conformance-matrix`).
pub fn cluster_name(prefix: &str, version: &str) -> String {
    let minor: Vec<&str> = version.trim_start_matches('v').split(['.', '-']).take(2).collect();
    format!("{prefix}-v{}", minor.join("-"))
}

/// Where build-offline.sh puts a version's build: the default cache for the pinned version, its own
/// directory otherwise (`versions/k8s-VERSION-kind-KIND`). The pinned kind's directory comes first,
/// then that version's builds with any other kind (`KIND_VERSION=v0.33.0 build-offline.sh`), newest
/// kind first, then the default build's.
pub fn offline_env_candidates(cache: &Path, version: &str, kind_version: Option<&str>) -> Vec<PathBuf> {
    let versions = cache.join("versions");
    let prefix = format!("k8s-{version}-kind-");
    let mut other_kinds: Vec<String> = std::fs::read_dir(&versions)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().into_string().ok()?.strip_prefix(&prefix).map(String::from))
        .filter(|kind| Some(kind.as_str()) != kind_version)
        .collect();
    other_kinds.sort_by_key(|kind| std::cmp::Reverse(version_key(kind)));
    kind_version
        .into_iter()
        .map(String::from)
        .chain(other_kinds)
        .map(|kind| versions.join(format!("{prefix}{kind}")).join("offline.env"))
        .chain([cache.join("offline.env")])
        .collect()
}

/// `v0.33.0` -> [0, 33, 0], for ordering kind versions (a part that is not a number counts as 0).
fn version_key(v: &str) -> Vec<u64> {
    v.trim_start_matches('v').split(['.', '-']).map(|p| p.parse().unwrap_or(0)).collect()
}

/// The plan for each version: an `--image` given for it wins; else the first offline.env whose node
/// image is built for that version (its tag starts with the version).
pub fn resolve(
    versions: &[String],
    images: &[(String, String)],
    extra_load: &[String],
    cache: &Path,
    kind_version: Option<&str>,
) -> Result<Vec<VersionPlan>, String> {
    let mut plans = Vec::new();
    let mut missing = Vec::new();
    for v in versions {
        if let Some((_, image)) = images.iter().find(|(iv, _)| iv == v) {
            plans.push(VersionPlan {
                version: v.clone(),
                node_image: image.clone(),
                load_images: extra_load.to_vec(),
                bin_dir: None,
                source: "--image".into(),
            });
            continue;
        }
        let found = offline_env_candidates(cache, v, kind_version).into_iter().find_map(|p| {
            // The same strict reader the harness uses for the default build (`cluster::offline`).
            let env = crate::cluster::offline::parse(&std::fs::read_to_string(&p).ok()?, &p).ok()?;
            let tag_ok = env.node_image.rsplit(':').next().is_some_and(|tag| tag == v || tag.starts_with(&format!("{v}-")));
            if !tag_ok {
                return None;
            }
            Some(VersionPlan {
                version: v.clone(),
                node_image: env.node_image,
                load_images: env.load_images.split_whitespace().map(String::from).collect(),
                bin_dir: Some(env.bin),
                source: p.display().to_string(),
            })
        });
        match found {
            Some(p) => plans.push(p),
            None => missing.push(format!(
                "{v}: no node image (looked in {}); build it with `K8S_VERSION={v} bash scripts/build-offline.sh`, or pass --image {v}=kindest/node:{v}",
                offline_env_candidates(cache, v, kind_version).iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
            )),
        }
    }
    if missing.is_empty() {
        Ok(plans)
    } else {
        Err(missing.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFLINE_ENV: &str = r#"# written by scripts/build-offline.sh; source it before running the harness
export PATH="/var/cache/sa-conformance/versions/k8s-v1.35.4-kind-v0.30.0/bin:$PATH"
export SA_CONFORMANCE_NODE_IMAGE="sa-conformance/node:v1.35.4-efa112277319"
export SA_CONFORMANCE_LOAD_IMAGES="sa-conformance/stand-in/curlimages/curl:8.10.1=curlimages/curl:8.10.1 sa-conformance/stand-in/nginx:1.27=nginx:1.27"
export SA_CONFORMANCE_KIND_CONFIG="/work/main/kind-config.yaml"
"#;

    #[test]
    fn an_offline_env_gives_bin_dir_node_image_and_load_images() {
        let env = crate::cluster::offline::parse(OFFLINE_ENV, Path::new("offline.env")).expect("a written offline.env");
        assert_eq!(env.bin, Path::new("/var/cache/sa-conformance/versions/k8s-v1.35.4-kind-v0.30.0/bin"));
        assert_eq!(env.node_image, "sa-conformance/node:v1.35.4-efa112277319");
        let loads: Vec<&str> = env.load_images.split_whitespace().collect();
        assert_eq!(
            loads,
            ["sa-conformance/stand-in/curlimages/curl:8.10.1=curlimages/curl:8.10.1", "sa-conformance/stand-in/nginx:1.27=nginx:1.27"]
        );
    }

    #[test]
    fn cluster_names_carry_the_minor_version() {
        assert_eq!(cluster_name(CLUSTER_PREFIX, "v1.35.4"), "sa-conformance-matrix-v1-35");
        assert_eq!(cluster_name(CLUSTER_PREFIX, "v1.33.13"), "sa-conformance-matrix-v1-33");
        assert_eq!(cluster_name("sa-conformance-version", "v1.36.3"), "sa-conformance-version-v1-36");
    }

    #[test]
    fn a_version_resolves_from_its_own_offline_env_and_never_from_another_versions() {
        let dir = tempfile::tempdir().unwrap();
        let own = dir.path().join("versions/k8s-v1.35.4-kind-v0.30.0");
        std::fs::create_dir_all(&own).unwrap();
        std::fs::write(own.join("offline.env"), OFFLINE_ENV).unwrap();
        // the default offline.env is for v1.34.4: it must not serve v1.36.3
        std::fs::write(dir.path().join("offline.env"), OFFLINE_ENV.replace("v1.35.4", "v1.34.4")).unwrap();
        let plans = resolve(&["v1.35.4".into(), "v1.34.4".into()], &[], &[], dir.path(), Some("v0.30.0")).unwrap();
        assert_eq!(plans[0].node_image, "sa-conformance/node:v1.35.4-efa112277319");
        assert_eq!(plans[1].node_image, "sa-conformance/node:v1.34.4-efa112277319");
        let err = resolve(&["v1.36.3".into()], &[], &[], dir.path(), Some("v0.30.0")).unwrap_err();
        assert!(err.contains("K8S_VERSION=v1.36.3 bash scripts/build-offline.sh"), "{err}");
        let stock =
            resolve(&["v1.36.3".into()], &[("v1.36.3".into(), "kindest/node:v1.36.3".into())], &[], dir.path(), Some("v0.30.0")).unwrap();
        assert_eq!((stock[0].node_image.as_str(), stock[0].bin_dir.is_none()), ("kindest/node:v1.36.3", true));
    }

    #[test]
    fn a_version_built_with_another_kind_is_found_after_the_pinned_kinds_build() {
        let dir = tempfile::tempdir().unwrap();
        let env_for = |kind: &str, tag: &str| {
            OFFLINE_ENV.replace("v1.35.4-kind-v0.30.0", &format!("v1.37.2-kind-{kind}")).replace("v1.35.4-efa112277319", tag)
        };
        for (kind, tag) in [("v0.9.0", "v1.37.2-old"), ("v0.33.0", "v1.37.2-new")] {
            let d = dir.path().join(format!("versions/k8s-v1.37.2-kind-{kind}"));
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("offline.env"), env_for(kind, tag)).unwrap();
        }
        let candidates = offline_env_candidates(dir.path(), "v1.37.2", Some("v0.30.0"));
        let names: Vec<String> = candidates.iter().map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string()).collect();
        assert_eq!(
            names,
            [
                "versions/k8s-v1.37.2-kind-v0.30.0/offline.env",
                "versions/k8s-v1.37.2-kind-v0.33.0/offline.env",
                "versions/k8s-v1.37.2-kind-v0.9.0/offline.env",
                "offline.env"
            ]
        );
        // no build with the pinned kind: the newest other kind's serves, with its own bin/ (its kind)
        let plans = resolve(&["v1.37.2".into()], &[], &[], dir.path(), Some("v0.30.0")).unwrap();
        assert_eq!(plans[0].node_image, "sa-conformance/node:v1.37.2-new");
        assert_eq!(plans[0].bin_dir.as_deref(), Some(Path::new("/var/cache/sa-conformance/versions/k8s-v1.37.2-kind-v0.33.0/bin")));
        // a build with the pinned kind wins over the others
        let pinned = dir.path().join("versions/k8s-v1.37.2-kind-v0.30.0");
        std::fs::create_dir_all(&pinned).unwrap();
        std::fs::write(pinned.join("offline.env"), env_for("v0.30.0", "v1.37.2-pinned")).unwrap();
        let plans = resolve(&["v1.37.2".into()], &[], &[], dir.path(), Some("v0.30.0")).unwrap();
        assert_eq!(plans[0].node_image, "sa-conformance/node:v1.37.2-pinned");
    }
}
