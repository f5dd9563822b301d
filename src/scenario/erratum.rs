//! Errata: where the article is wrong, said in the scenario on the step that measures it. The step's
//! expectation is written as what is true; when it holds the step is reported as ERRATUM, not as a
//! plain pass, and when the cluster stops behaving that way the step fails like any other. A version
//! range (`when-version`) limits a step, or an erratum, to the server versions it applies to.

use serde::{Deserialize, Serialize};

/// What the article says, what is true instead, and under which settings.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Erratum {
    /// The claim the step measures that the article gets wrong; may be left out when the step lists
    /// exactly one claim in `doc.claims`.
    #[serde(default)]
    pub claim: Option<String>,
    /// What the article says.
    pub article: String,
    /// What is true instead (what the step's expectation checks).
    pub actual: String,
    /// The settings under which `actual` is true (e.g. "default kube-apiserver settings").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// Server versions the erratum applies to (e.g. ">=1.35"); on others the step does not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_version: Option<String>,
}

/// A range of Kubernetes minor versions: comparisons joined by `,` (all must hold), e.g. `>=1.35`,
/// `<1.35`, `>=1.33,<1.35`, `=1.34`. Patch versions are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionReq {
    text: String,
    parts: Vec<(Op, (u32, u32))>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
}

impl VersionReq {
    pub fn parse(text: &str) -> Result<VersionReq, String> {
        let mut parts = Vec::new();
        for part in text.split(',').map(str::trim) {
            let (op, rest) = [(">=", Op::Ge), ("<=", Op::Le), (">", Op::Gt), ("<", Op::Lt), ("=", Op::Eq)]
                .into_iter()
                .find_map(|(p, op)| part.strip_prefix(p).map(|r| (op, r)))
                .ok_or_else(|| format!("version range `{text}`: `{part}` must start with >=, >, <=, < or ="))?;
            let version = minor_version(rest.trim())
                .ok_or_else(|| format!("version range `{text}`: `{}` is not MAJOR.MINOR (e.g. 1.35)", rest.trim()))?;
            parts.push((op, version));
        }
        Ok(VersionReq { text: text.to_string(), parts })
    }

    /// Whether a server version (`v1.34.4`, `1.35`) is in the range.
    pub fn matches(&self, version: (u32, u32)) -> bool {
        self.parts.iter().all(|(op, v)| match op {
            Op::Ge => version >= *v,
            Op::Gt => version > *v,
            Op::Le => version <= *v,
            Op::Lt => version < *v,
            Op::Eq => version == *v,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// MAJOR.MINOR of a version string such as `v1.34.4`, `1.35` or `1.35.0-rc.1`.
pub fn minor_version(text: &str) -> Option<(u32, u32)> {
    let mut it = text.trim_start_matches('v').split(['.', '-', '+']);
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(">=1.35", "v1.35.4", true)]
    #[case(">=1.35", "v1.34.4", false)]
    #[case("<1.35", "v1.34.4", true)]
    #[case("<1.35", "v1.35.0", false)]
    #[case(">=1.33,<1.35", "v1.34.4", true)]
    #[case(">=1.33,<1.35", "v1.35.4", false)]
    #[case("=1.34", "v1.34.4", true)]
    #[case("=1.34", "v1.35.4", false)]
    #[case(">1.9", "v1.10.0", true)]
    #[case(">1.34", "v1.34.4", false)]
    #[case("<=1.34", "v1.34.4", true)]
    #[case("<=1.34", "v1.35.0", false)]
    fn a_version_range_matches_minor_versions(#[case] range: &str, #[case] version: &str, #[case] want: bool) {
        let req = VersionReq::parse(range).expect("valid range");
        assert_eq!(req.matches(minor_version(version).expect("valid version")), want, "{range} vs {version}");
    }

    /// A range is shown as it was written (reports and `--list` print it).
    #[test]
    fn a_range_is_shown_as_written() {
        assert_eq!(VersionReq::parse(">=1.33, <1.35").expect("valid range").as_str(), ">=1.33, <1.35");
    }

    #[rstest]
    #[case("1.35", "must start with")]
    #[case(">=one", "is not MAJOR.MINOR")]
    #[case(">=1.35,", "must start with")]
    fn a_bad_version_range_says_why(#[case] range: &str, #[case] want: &str) {
        let err = VersionReq::parse(range).expect_err("invalid range");
        assert!(err.contains(want), "{err}");
    }
}
