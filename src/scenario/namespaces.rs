//! Which namespace of the article becomes which namespace of this run: pairs a user gives
//! (`dev=alice-dev`, for `check --namespace`) or names made per scenario for isolation (`dev` ->
//! `dev-<scenario>-<run>`, for `run --isolate`). The loader applies a map in one place
//! ([`super::mapping`]); this module only says what the map is and refuses maps that cannot work.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// The longest namespace name Kubernetes accepts (a DNS label).
pub const MAX_NAMESPACE: usize = 63;

/// Namespaces that cannot be a source: `default` is also the name of every namespace's ServiceAccount
/// (`system:serviceaccount:dev:default`) and of the API server's Service (`kubernetes.default.svc`),
/// so its mentions cannot be told apart; the `kube-*` namespaces belong to the cluster.
const RESERVED: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

/// Why a map cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error("`{0}` is not a namespace pair; write SOURCE=TARGET, e.g. dev=alice-dev")]
    NotAPair(String),
    #[error("`{name}` in `{pair}` is not a namespace name (lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit)")]
    NotALabel { pair: String, name: String },
    #[error("`{source_ns}` is mapped twice (to `{first}` and to `{second}`)")]
    SameSource { source_ns: String, first: String, second: String },
    #[error("`{first}` and `{second}` are both mapped to `{target}`; each namespace needs its own")]
    SameTarget { target: String, first: String, second: String },
    #[error("`{0}` in `{1}` is only digits: YAML would read it as a number where manifests name it")]
    Digits(String, String),
    #[error("`{0}={0}` maps a namespace to itself; leave it out")]
    ToItself(String),
    #[error("`{0}` cannot be mapped: {reason}", reason = reserved_reason(.0))]
    Reserved(String),
    #[error("run id `{0}` must be 1 to 12 lower-case letters or digits")]
    RunId(String),
}

fn reserved_reason(ns: &str) -> &'static str {
    if ns == "default" {
        "`default` is also every namespace's ServiceAccount and the API server's Service name, so its mentions cannot be told apart"
    } else {
        "it belongs to the cluster, not to the scenario"
    }
}

/// Article namespace -> namespace of this run; with isolation, also the suffix given to the
/// cluster-scoped RBAC objects a scenario creates, so two runs never share one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NamespaceMap {
    pairs: BTreeMap<String, String>,
    /// `-<scenario>-<run>`: appended to the names of ClusterRoles and ClusterRoleBindings the
    /// scenario creates (isolation only; `None` keeps them as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster_suffix: Option<String>,
}

fn is_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_NAMESPACE
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

impl NamespaceMap {
    /// Reads the command-line form, one `SOURCE=TARGET` per item (`--namespace dev=alice-dev`,
    /// repeatable); every problem is an error, the first one found is returned.
    ///
    /// ```
    /// let map = sa_conformance::scenario::NamespaceMap::parse(["dev=alice-dev", "prod=alice-prod"]).unwrap();
    /// assert_eq!(map.get("dev"), Some("alice-dev"));
    /// ```
    pub fn parse<I: IntoIterator<Item = S>, S: AsRef<str>>(items: I) -> Result<NamespaceMap, MapError> {
        let mut map = NamespaceMap::default();
        for item in items {
            let item = item.as_ref();
            let (source, target) = item.split_once('=').ok_or_else(|| MapError::NotAPair(item.to_string()))?;
            map.insert(source.trim(), target.trim(), item)?;
        }
        Ok(map)
    }

    fn insert(&mut self, source: &str, target: &str, pair: &str) -> Result<(), MapError> {
        for name in [source, target] {
            if !is_label(name) {
                return Err(MapError::NotALabel { pair: pair.to_string(), name: name.to_string() });
            }
        }
        if target.bytes().all(|c| c.is_ascii_digit()) {
            return Err(MapError::Digits(target.to_string(), pair.to_string()));
        }
        if RESERVED.contains(&source) {
            return Err(MapError::Reserved(source.to_string()));
        }
        if source == target {
            return Err(MapError::ToItself(source.to_string()));
        }
        if let Some(first) = self.pairs.get(source) {
            return Err(MapError::SameSource { source_ns: source.into(), first: first.clone(), second: target.into() });
        }
        if let Some((first, _)) = self.pairs.iter().find(|(_, t)| *t == target) {
            return Err(MapError::SameTarget { target: target.into(), first: first.clone(), second: source.into() });
        }
        self.pairs.insert(source.to_string(), target.to_string());
        Ok(())
    }

    /// Namespaces of a scenario's own for one run: each of `namespaces` becomes
    /// `<namespace>-<scenario>-<run_id>`, shortened to a DNS label when longer (cut, with a hash of the
    /// namespace and scenario to keep it unique); the same inputs always give the same names. The
    /// cluster-scoped RBAC objects the scenario creates get the same `-<scenario>-<run_id>` suffix.
    pub fn isolating(scenario: &str, namespaces: &[String], run_id: &str) -> Result<NamespaceMap, MapError> {
        if run_id.is_empty() || run_id.len() > 12 || !run_id.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
            return Err(MapError::RunId(run_id.to_string()));
        }
        let suffix = format!("-{scenario}-{run_id}");
        let mut map = NamespaceMap { cluster_suffix: Some(suffix.clone()), ..Default::default() };
        for ns in namespaces {
            let mut target = format!("{ns}{suffix}");
            if target.len() > MAX_NAMESPACE {
                // Cut to fit, and keep it unique with a hash of what was cut; the run id stays whole.
                let hash = format!("{:08x}", fnv1a(format!("{ns}/{scenario}").as_bytes()));
                let keep = MAX_NAMESPACE - hash.len() - run_id.len() - 2;
                target = format!("{}-{hash}-{run_id}", target[..keep].trim_end_matches('-'));
            }
            map.insert(ns, &target, &format!("{ns}={target}"))?;
        }
        Ok(map)
    }

    /// The target of `source`, if it is mapped.
    pub fn get(&self, source: &str) -> Option<&str> {
        self.pairs.get(source).map(String::as_str)
    }

    /// Every pair, by source.
    pub fn pairs(&self) -> &BTreeMap<String, String> {
        &self.pairs
    }

    /// Whether the map changes nothing.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty() && self.cluster_suffix.is_none()
    }

    /// The suffix cluster-scoped RBAC objects get (isolation only).
    pub fn cluster_suffix(&self) -> Option<&str> {
        self.cluster_suffix.as_deref()
    }

    /// Whether `ns` is a namespace this map sends a scenario to.
    pub fn is_target(&self, ns: &str) -> bool {
        self.pairs.values().any(|t| t == ns)
    }
}

impl fmt::Display for NamespaceMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pairs: Vec<String> = self.pairs.iter().map(|(s, t)| format!("{s}={t}")).collect();
        write!(f, "{}", if pairs.is_empty() { "no namespaces mapped".into() } else { pairs.join(", ") })
    }
}

/// How the loader maps each scenario: the same pairs for all (`check --namespace dev=alice-dev`), or
/// namespaces of each scenario's own for one run (`run --isolate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MapPlan {
    Pairs(NamespaceMap),
    Isolate { run_id: String },
}

impl MapPlan {
    /// The map for one scenario, from its name and its `namespaces:`.
    pub fn for_scenario(&self, scenario: &str, namespaces: &[String]) -> Result<NamespaceMap, MapError> {
        match self {
            MapPlan::Pairs(map) => Ok(map.clone()),
            MapPlan::Isolate { run_id } => NamespaceMap::isolating(scenario, namespaces, run_id),
        }
    }
}

/// A run id for [`MapPlan::Isolate`] from any number (a clock, a process id): 1 to 12 base-36 digits.
pub fn run_id(seed: u64) -> String {
    let mut n = seed % 36u64.pow(8);
    let mut out = Vec::new();
    loop {
        out.push(b"0123456789abcdefghijklmnopqrstuvwxyz"[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// FNV-1a, 32 bits: a stable hash (the same on every platform and release) for shortened names.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(*b)).wrapping_mul(0x0100_0193))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::no_equals("dev", "`dev` is not a namespace pair; write SOURCE=TARGET, e.g. dev=alice-dev")]
    #[case::upper("dev=Alice", "`Alice` in `dev=Alice` is not a namespace name (lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit)")]
    #[case::empty_target(
        "dev=",
        "`` in `dev=` is not a namespace name (lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit)"
    )]
    #[case::dot("dev=alice.dev", "`alice.dev` in `dev=alice.dev` is not a namespace name (lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit)")]
    #[case::digits("dev=2024", "`2024` in `dev=2024` is only digits: YAML would read it as a number where manifests name it")]
    #[case::itself("dev=dev", "`dev=dev` maps a namespace to itself; leave it out")]
    #[case::default("default=alice", "`default` cannot be mapped: `default` is also every namespace's ServiceAccount and the API server's Service name, so its mentions cannot be told apart")]
    #[case::kube_system("kube-system=x", "`kube-system` cannot be mapped: it belongs to the cluster, not to the scenario")]
    fn refuses_a_pair_that_cannot_work(#[case] pair: &str, #[case] message: &str) {
        assert_eq!(NamespaceMap::parse([pair]).unwrap_err().to_string(), message);
    }

    #[test]
    fn refuses_a_source_twice_and_a_target_twice() {
        let twice = NamespaceMap::parse(["dev=a", "dev=b"]).unwrap_err();
        assert_eq!(twice.to_string(), "`dev` is mapped twice (to `a` and to `b`)");
        let merged = NamespaceMap::parse(["dev=a", "prod=a"]).unwrap_err();
        assert_eq!(merged.to_string(), "`dev` and `prod` are both mapped to `a`; each namespace needs its own");
    }

    #[test]
    fn reads_several_pairs_and_a_swap() {
        let map = NamespaceMap::parse(["dev=prod", "prod=dev"]).unwrap();
        assert_eq!(map.to_string(), "dev=prod, prod=dev");
    }

    #[rstest]
    #[case::short("article-walkthrough", "dev", "dev-article-walkthrough-k3x9")]
    #[case::long_name(
        "a-scenario-name-so-long-that-the-namespace-would-not-fit-at-all",
        "dev",
        "dev-a-scenario-name-so-long-that-the-namespace-wo-c54d3ca9-k3x9"
    )]
    #[case::long_namespace(
        "x",
        "a-namespace-name-of-fifty-eight-characters-long-aaaaaaaaa",
        "a-namespace-name-of-fifty-eight-characters-long-a-eb9cf848-k3x9"
    )]
    fn isolating_names_are_dns_labels_made_the_same_way_every_time(#[case] scenario: &str, #[case] ns: &str, #[case] want: &str) {
        let map = NamespaceMap::isolating(scenario, &[ns.to_string()], "k3x9").unwrap();
        assert_eq!(map.get(ns), Some(want));
        assert!(want.len() <= MAX_NAMESPACE && is_label(want), "{want}");
        assert_eq!(NamespaceMap::isolating(scenario, &[ns.to_string()], "k3x9").unwrap(), map);
    }

    #[test]
    fn isolating_two_runs_gives_different_names_and_a_bad_run_id_is_refused() {
        let ns = ["dev".to_string(), "prod".to_string()];
        let a = NamespaceMap::isolating("s", &ns, "a1").unwrap();
        let b = NamespaceMap::isolating("s", &ns, "b2").unwrap();
        assert_ne!(a.get("dev"), b.get("dev"));
        assert_eq!(a.cluster_suffix(), Some("-s-a1"));
        assert_eq!(NamespaceMap::isolating("s", &ns, "A!").unwrap_err(), MapError::RunId("A!".into()));
    }

    #[test]
    fn run_ids_are_short_base36() {
        assert_eq!(run_id(0), "0");
        assert_eq!(run_id(36), "10");
        assert!(run_id(u64::MAX).len() <= 8);
    }
}
