//! Images loaded into a kind cluster after creation. Offline stand-ins live on the host under the
//! harness's own names (`sa-conformance/stand-in/curlimages/curl:8.10.1`) so no other project on the
//! host gets a stand-in when it asks for the real image; the documented name exists only inside the
//! kind node, where the loaded image is tagged with it. `HOST=AS` in the load list says so; a plain
//! name (a machine with a registry) is loaded as it is.

/// One image to load: its name in the host's Docker, and the name pods use inside the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadImage {
    pub host: String,
    pub inside: String,
}

impl LoadImage {
    /// `HOST=AS` or `NAME`.
    pub fn parse(spec: &str) -> Result<LoadImage, String> {
        let (host, inside) = spec.split_once('=').unwrap_or((spec, spec));
        if host.is_empty() || inside.is_empty() || inside.contains('=') {
            return Err(format!("`{spec}` is not an image to load (IMAGE, or HOST-IMAGE=NAME-IN-CLUSTER)"));
        }
        Ok(LoadImage { host: host.to_string(), inside: inside.to_string() })
    }

    /// Whether the image needs a second name inside the node.
    pub fn aliased(&self) -> bool {
        normalise(&self.host) != normalise(&self.inside)
    }
}

/// The fully qualified reference containerd stores (`nginx:1.27` -> `docker.io/library/nginx:1.27`).
pub fn normalise(reference: &str) -> String {
    let first = reference.split('/').next().unwrap_or_default();
    let has_domain = reference.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let qualified = if has_domain {
        reference.to_string()
    } else if reference.contains('/') {
        format!("docker.io/{reference}")
    } else {
        format!("docker.io/library/{reference}")
    };
    let last = qualified.rsplit('/').next().unwrap_or_default();
    if last.contains(':') || last.contains('@') {
        qualified
    } else {
        format!("{qualified}:latest")
    }
}

/// The host name of the image known inside the cluster as `inside` (the stand-in, or itself).
pub fn host_name_of(specs: &[String], inside: &str) -> String {
    specs
        .iter()
        .filter_map(|s| LoadImage::parse(s).ok())
        .find(|l| normalise(&l.inside) == normalise(inside))
        .map(|l| l.host)
        .unwrap_or_else(|| inside.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("nginx:1.27", "docker.io/library/nginx:1.27")]
    #[case("curlimages/curl:8.10.1", "docker.io/curlimages/curl:8.10.1")]
    #[case("registry.k8s.io/pause:3.10.1", "registry.k8s.io/pause:3.10.1")]
    #[case("sa-conformance/stand-in/curlimages/curl:8.10.1", "docker.io/sa-conformance/stand-in/curlimages/curl:8.10.1")]
    #[case("localhost:5000/x", "localhost:5000/x:latest")]
    #[case("busybox", "docker.io/library/busybox:latest")]
    fn names_are_qualified_as_containerd_stores_them(#[case] name: &str, #[case] want: &str) {
        assert_eq!(normalise(name), want);
    }

    #[test]
    fn a_stand_in_is_aliased_and_a_plain_name_is_not() {
        let l = LoadImage::parse("sa-conformance/stand-in/nginx:1.27=nginx:1.27").unwrap();
        assert_eq!(l.host, "sa-conformance/stand-in/nginx:1.27");
        assert!(l.aliased());
        let plain = LoadImage::parse("curlimages/curl:8.10.1").unwrap();
        assert_eq!(plain.host, plain.inside);
        assert!(!plain.aliased());
    }

    #[rstest]
    #[case("=nginx:1.27")]
    #[case("a=")]
    #[case("a=b=c")]
    fn malformed_specs_say_what_is_expected(#[case] spec: &str) {
        assert!(LoadImage::parse(spec).unwrap_err().contains("HOST-IMAGE=NAME-IN-CLUSTER"));
    }

    #[test]
    fn the_host_name_of_a_documented_image_is_its_stand_in() {
        let specs = vec!["sa-conformance/stand-in/curlimages/curl:8.10.1=curlimages/curl:8.10.1".to_string()];
        assert_eq!(host_name_of(&specs, "curlimages/curl:8.10.1"), "sa-conformance/stand-in/curlimages/curl:8.10.1");
        assert_eq!(host_name_of(&[], "curlimages/curl:8.10.1"), "curlimages/curl:8.10.1");
    }
}
