//! The kind provider: create a cluster from kind-config.yaml (optionally with a local node image), load
//! images into it, mark it as ours, re-use it only if we made it, and delete it.

use super::images::{normalise, LoadImage};
use super::provider::{Creating, Provider};
use super::state::{self, Record, MARKER_NAME, MARKER_NAMESPACE};
use super::{connect, ClusterError, Owned, Target};
use crate::process::{run, run_ok, Cmd};
use futures::future::BoxFuture;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, PostParams};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What kind cluster to use and how.
#[derive(Debug, Clone)]
pub struct KindSpec {
    pub name: String,
    pub config: PathBuf,
    /// Node image (`--image`); kind's default when None.
    pub image: Option<String>,
    /// Host docker images to `kind load docker-image` after creation: `IMAGE`, or `HOST=AS` for a
    /// stand-in that pods know by the documented name `AS` (see `cluster::images`).
    pub load_images: Vec<String>,
    /// Run on the cluster if it exists (only if this harness created it).
    pub reuse: bool,
    /// Do not delete a cluster this run created.
    pub keep: bool,
    pub create_timeout: Duration,
}

impl KindSpec {
    /// A spec that only names a cluster, to find or delete it (`cluster down`, a matrix's leftover):
    /// re-used if there, never kept, with kind's own node image.
    pub fn named(name: &str, config: &Path) -> KindSpec {
        KindSpec {
            name: name.to_string(),
            config: config.to_path_buf(),
            image: None,
            load_images: Vec::new(),
            reuse: true,
            keep: false,
            create_timeout: Duration::from_secs(600),
        }
    }
}

/// The default cluster name.
pub const DEFAULT_NAME: &str = "sa-conformance";

/// A kind cluster by name, with the binary to drive it.
#[derive(Debug, Clone)]
pub struct KindCluster {
    pub spec: KindSpec,
    kind: String,
}

const SHORT: Duration = Duration::from_secs(60);

impl KindCluster {
    pub fn new(spec: KindSpec) -> Result<Self, ClusterError> {
        if !spec.name.starts_with(DEFAULT_NAME) {
            return Err(ClusterError::Kind {
                name: spec.name.clone(),
                problem: format!("name must start with `{DEFAULT_NAME}` so it is recognisable as the harness's"),
            });
        }
        if let Some(problem) = spec.load_images.iter().find_map(|s| LoadImage::parse(s).err()) {
            return Err(ClusterError::Kind { name: spec.name.clone(), problem: format!("cannot load images: {problem}") });
        }
        let kind = std::env::var("KIND").unwrap_or_else(|_| "kind".into());
        Ok(KindCluster { spec, kind })
    }

    fn fail(&self, problem: impl Into<String>) -> ClusterError {
        ClusterError::Kind { name: self.spec.name.clone(), problem: problem.into() }
    }

    /// Whether kind knows a cluster of this name: a container carries its cluster label, which is
    /// what `kind get clusters` lists (asked of Docker directly: one process instead of kind's three).
    pub async fn exists(&self) -> Result<bool, ClusterError> {
        Ok(!super::kind_nodes::list(self.name()).await?.is_empty())
    }

    /// Creates the cluster, or checks that an existing one may be re-used. Returns true if created.
    /// Holds the name's lock throughout (`super::name_lock`): a second `cluster up` of this name waits.
    pub async fn ensure(&self) -> Result<bool, ClusterError> {
        let _one_at_a_time = super::name_lock::acquire(self.name(), self.spec.create_timeout).await?;
        // one listing says both whether it exists and which nodes are stopped; whether the kept
        // kubeconfig is current is asked beside it (used only if every node was running)
        let (nodes, current) = tokio::join!(super::kind_nodes::list(self.name()), self.kubeconfig_current());
        let nodes = nodes?;
        if !nodes.is_empty() {
            if !self.spec.reuse {
                return Err(self.fail(format!(
                    "already exists; pass --reuse to run on it (only if sa-conformance created it), or delete it with `sa-conformance cluster down --name {}`",
                    self.name()
                )));
            }
            if state::load(self.name()).is_none() {
                return Err(self.fail(format!(
                    "exists but sa-conformance did not create it (no record in {}); refusing to re-use it. Run on a cluster of another name with `--name {}-2`, or, if that cluster is yours to lose, delete it with `kind delete cluster --name {}`",
                    state::state_dir().display(),
                    self.name(),
                    self.name()
                )));
            }
            let running = nodes.iter().all(|n| n.running());
            self.start_if_stopped(nodes).await?;
            // `kind get kubeconfig` costs 0.3-1.2 s (a node exec and several docker calls); the file
            // kept from last time is what it would write unless the API server's host port moved.
            if !(running && current) {
                self.write_kubeconfig().await?;
            }
            return Ok(false);
        }
        self.create().await?;
        Ok(true)
    }

    /// A cluster of ours whose nodes were stopped (a host restart, `docker stop`, a restarted dockerd)
    /// is started again and waited for (API, every node Ready, CoreDNS), with one line saying so; if it
    /// does not come back, the error says how to delete it.
    async fn start_if_stopped(&self, nodes: Vec<super::kind_nodes::Node>) -> Result<(), ClusterError> {
        let t0 = std::time::Instant::now();
        let nodes = super::kind_nodes::start_stopped(self.name(), nodes).await?;
        if nodes.is_empty() {
            return Ok(());
        }
        let started: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
        // a paused node is a suspended machine or `docker pause`, not a reboot: say which it was
        let (was, why, verb) = if nodes.iter().all(|n| n.state == "paused") {
            ("paused", "a suspended machine or `docker pause`?", "unpaused")
        } else {
            ("stopped", "a host restart or `docker stop`?", "started")
        };
        let back = async {
            self.write_kubeconfig().await?;
            let target = self.target().await?;
            super::kind_ready::nodes_ready(&target).await.map_err(|e| self.fail(e))?;
            super::kind_ready::dns_available(&target).await.map_err(|e| self.fail(e))
        };
        match tokio::time::timeout(Duration::from_secs(300), back).await {
            Ok(Ok(())) => {
                // like the offline build's lines: the user should know why this run took longer
                eprintln!(
                    "sa-conformance: kind cluster `{}` was {was} ({why}): {verb} {} and it was Ready after {}s",
                    self.name(),
                    started.join(", "),
                    t0.elapsed().as_secs()
                );
                Ok(())
            }
            Ok(Err(e)) => Err(self.fail(format!(
                "was {was}; {verb} {} but it did not come back ({}); delete it with `sa-conformance cluster down --name {}`",
                started.join(", "),
                crate::error::chain(&e),
                self.name()
            ))),
            Err(_) => Err(self.fail(format!(
                "was {was}; {verb} {} but it was not Ready within 300s; delete it with `sa-conformance cluster down --name {}`",
                started.join(", "),
                self.name()
            ))),
        }
    }

    async fn create(&self) -> Result<(), ClusterError> {
        let kubeconfig = state::kubeconfig_path(self.name());
        if let Some(dir) = kubeconfig.parent() {
            crate::private_file::ensure_dir(dir).map_err(|source| ClusterError::State { path: dir.to_path_buf(), source })?;
        }
        let mut argv = vec![
            self.kind.clone(),
            "create".into(),
            "cluster".into(),
            format!("--name={}", self.name()),
            format!("--config={}", self.spec.config.display()),
            format!("--kubeconfig={}", kubeconfig.display()),
            "--wait=3m".into(),
        ];
        if let Some(image) = &self.spec.image {
            argv.push(format!("--image={image}"));
        }
        tracing::info!(cluster = self.name(), "creating kind cluster");
        let created = run_ok(&Cmd::new(argv), self.spec.create_timeout).await;
        if let Err(source) = created {
            let _ = self.delete(&Owned::created_here(self.name())).await;
            return Err(ClusterError::Process { action: format!("creating kind cluster `{}`", self.name()), source });
        }
        let finished = self.finish_creation(kubeconfig).await;
        if finished.is_err() {
            let _ = self.delete(&Owned::created_here(self.name())).await;
        }
        finished
    }

    /// Marks the new cluster as ours, records it, loads images.
    async fn finish_creation(&self, kubeconfig: PathBuf) -> Result<(), ClusterError> {
        let context = format!("kind-{}", self.name());
        let target = connect(&kubeconfig, Some(&context), Some(self.name())).await?;
        let marker_uid = write_marker(&target)
            .await
            .map_err(|e| self.fail(format!("could not write its marker ConfigMap: {}", crate::error::describe(&e))))?;
        let nodes = super::kind_nodes::list(self.name()).await?;
        state::save(&Record { name: self.name().into(), context, server: target.server.clone(), kubeconfig, marker_uid, nodes })?;
        super::kind_ready::dns_available(&target).await.map_err(|e| self.fail(e))?;
        self.load_images().await
    }

    /// `kind load docker-image` of the host images, then the documented name for each stand-in, set
    /// inside every node (the host's Docker never carries it).
    async fn load_images(&self) -> Result<(), ClusterError> {
        let images: Vec<LoadImage> = self.spec.load_images.iter().filter_map(|s| LoadImage::parse(s).ok()).collect();
        if images.is_empty() {
            return Ok(());
        }
        let action = || format!("loading images into `{}`", self.name());
        let mut argv = vec![self.kind.clone(), "load".into(), "docker-image".into()];
        argv.extend(images.iter().map(|i| i.host.clone()));
        argv.push(format!("--name={}", self.name()));
        run_ok(&Cmd::new(argv), Duration::from_secs(600)).await.map_err(|source| ClusterError::Process { action: action(), source })?;
        let aliased: Vec<&LoadImage> = images.iter().filter(|i| i.aliased()).collect();
        if aliased.is_empty() {
            return Ok(());
        }
        for node in &self.nodes().await? {
            for image in &aliased {
                let (from, to) = (normalise(&image.host), normalise(&image.inside));
                let argv = ["docker", "exec", node, "ctr", "--namespace=k8s.io", "images", "tag", "--force", &from, &to];
                run_ok(&Cmd::new(argv), SHORT)
                    .await
                    .map_err(|source| ClusterError::Process { action: format!("naming {from} as {to} inside node {node}"), source })?;
            }
        }
        Ok(())
    }

    pub(super) async fn write_kubeconfig(&self) -> Result<(), ClusterError> {
        let out = run_ok(&Cmd::new([self.kind.as_str(), "get", "kubeconfig", &format!("--name={}", self.name())]), SHORT)
            .await
            .map_err(|source| ClusterError::Process { action: "reading the kind kubeconfig".into(), source })?;
        let path = state::kubeconfig_path(self.name());
        crate::private_file::write(&path, out.stdout.as_bytes()).map_err(|source| ClusterError::State { path, source })
    }

    /// Whether the kept kubeconfig names the address Docker publishes the control plane's API port
    /// on now (the one thing a restart changes; kind writes the rest from the node's admin.conf, which
    /// a restart keeps). Anything it cannot read or tell counts as not current.
    async fn kubeconfig_current(&self) -> bool {
        let Ok(kc) = kube::config::Kubeconfig::read_from(state::kubeconfig_path(self.name())) else { return false };
        let context = format!("kind-{}", self.name());
        let cluster = kc.contexts.iter().find(|c| c.name == context).and_then(|c| c.context.as_ref()).map(|c| c.cluster.clone());
        let server = kc.clusters.iter().find(|c| Some(&c.name) == cluster.as_ref()).and_then(|c| c.cluster.as_ref()?.server.clone());
        let Some(server) = server else { return false };
        let node = format!("{}-control-plane", self.name());
        let argv = ["docker", "inspect", "--format", "{{json .NetworkSettings.Ports}}", node.as_str()];
        let Ok(out) = run_ok(&Cmd::new(argv), SHORT).await else { return false };
        published_api(&out.stdout).is_some_and(|a| server.trim_end_matches('/') == format!("https://{a}"))
    }

    /// The connected target (after [`ensure`](Self::ensure)).
    pub async fn target(&self) -> Result<Target, ClusterError> {
        super::liveness::on_kind(self.name());
        connect(&state::kubeconfig_path(self.name()), Some(&format!("kind-{}", self.name())), Some(self.name())).await
    }

    /// Deletes a cluster whose creation was cut short (an interrupt) until kind lists no node of it:
    /// a `docker run` that the killed `kind create` had started can still add a node after the first
    /// delete, so the delete is repeated (up to 5 times, 2 s apart) until none is left.
    pub async fn delete_half_made(&self, owned: &Owned) -> Result<(), ClusterError> {
        let mut left = Vec::new();
        for _ in 0..5 {
            self.delete(owned).await?;
            tokio::time::sleep(Duration::from_secs(2)).await;
            // kind lists a cluster by its nodes' label: no node left is no cluster left.
            left = self.nodes().await?;
            if left.is_empty() {
                // the interrupted creation held the name's lock and left its file: nothing of the
                // cluster stays (unless another process holds the lock now: then it is theirs)
                if let Some(lock) = super::name_lock::try_acquire(self.name()) {
                    lock.remove();
                }
                return Ok(());
            }
        }
        Err(self.fail(format!("still has nodes after 5 deletes: {}", left.join(", "))))
    }

    /// The names of the cluster's nodes (containers kind labels as its nodes).
    async fn nodes(&self) -> Result<Vec<String>, ClusterError> {
        let out = run_ok(&Cmd::new([self.kind.as_str(), "get", "nodes", &format!("--name={}", self.name())]), SHORT)
            .await
            .map_err(|source| ClusterError::Process { action: format!("listing the nodes of kind cluster `{}`", self.name()), source })?;
        Ok(out.stdout.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect())
    }

    /// Deletes the cluster and its record (idempotent), given the proof that it is ours
    /// (`super::ownership`).
    pub async fn delete(&self, owned: &Owned) -> Result<(), ClusterError> {
        if owned.name != self.name() {
            return Err(ClusterError::NotOurs {
                name: self.name().into(),
                reason: format!("the proof of ownership is for `{}`", owned.name),
            });
        }
        tracing::info!(cluster = self.name(), proof = ?owned.why, "deleting kind cluster");
        let kubeconfig = state::kubeconfig_path(self.name());
        let out = run(
            &Cmd::new([
                self.kind.clone(),
                "delete".into(),
                "cluster".into(),
                format!("--name={}", self.name()),
                format!("--kubeconfig={}", kubeconfig.display()),
            ]),
            Duration::from_secs(180),
        )
        .await
        .map_err(|source| ClusterError::Process { action: format!("deleting kind cluster `{}`", self.name()), source })?;
        if !out.success() {
            return Err(self.fail(format!("could not be deleted: {}", out.stderr.trim())));
        }
        state::remove(self.name());
        Ok(())
    }
}

impl Provider for KindCluster {
    fn name(&self) -> &str {
        &self.spec.name
    }

    fn kubeconfig(&self) -> PathBuf {
        state::kubeconfig_path(self.name())
    }

    fn keeps(&self) -> bool {
        self.spec.keep
    }

    /// kind, kubectl and Docker are there (the offline build's kind and kubectl count).
    fn preflight(&self) -> BoxFuture<'_, Result<(), ClusterError>> {
        Box::pin(async {
            let offline_bin = super::offline::discover().ok().flatten().map(|b| b.bin);
            Ok(super::preflight::check(offline_bin).await?)
        })
    }

    fn exists(&self) -> BoxFuture<'_, Result<bool, ClusterError>> {
        Box::pin(KindCluster::exists(self))
    }

    fn creating(&self) -> Creating {
        let image = self.spec.image.as_deref().map(|i| format!(" from node image {i}")).unwrap_or_default();
        Creating {
            started: format!("creating kind cluster `{}`{image} (config {})", self.name(), self.spec.config.display()),
            task: format!("creating kind cluster `{}` (nodes, then CoreDNS, then loading images)", self.name()),
        }
    }

    fn create_or_reuse(&self) -> BoxFuture<'_, Result<bool, ClusterError>> {
        Box::pin(self.ensure())
    }

    fn connect(&self) -> BoxFuture<'_, Result<Target, ClusterError>> {
        Box::pin(self.target())
    }

    fn refresh_connection(&self) -> BoxFuture<'_, Result<bool, ClusterError>> {
        Box::pin(async {
            let before = std::fs::read(state::kubeconfig_path(self.name())).ok();
            self.write_kubeconfig().await?;
            Ok(std::fs::read(state::kubeconfig_path(self.name())).ok() != before)
        })
    }

    fn prove_ours(&self) -> BoxFuture<'_, Result<Owned, ClusterError>> {
        Box::pin(super::ownership::verify(self.name(), self.write_kubeconfig()))
    }

    fn delete<'a>(&'a self, owned: &'a Owned) -> BoxFuture<'a, Result<(), ClusterError>> {
        Box::pin(KindCluster::delete(self, owned))
    }

    fn delete_half_made<'a>(&'a self, owned: &'a Owned) -> BoxFuture<'a, Result<(), ClusterError>> {
        Box::pin(KindCluster::delete_half_made(self, owned))
    }

    fn hold(&self) -> BoxFuture<'_, Result<Option<super::name_lock::NameLock>, ClusterError>> {
        Box::pin(async { super::name_lock::acquire(self.name(), self.spec.create_timeout).await.map(Some) })
    }

    fn forget(&self) -> bool {
        if state::load(self.name()).is_none() && !state::kubeconfig_path(self.name()).exists() {
            return false;
        }
        state::remove(self.name());
        eprintln!(
            "sa-conformance: kind cluster `{}` was deleted outside sa-conformance: removed its record and kubeconfig from {}",
            self.name(),
            state::state_dir().join("clusters").display()
        );
        true
    }

    /// A cluster of ours (it has a record) whose API does not answer and whose node containers are
    /// no longer running went away under the run. A run fails within a second of a `kind delete`,
    /// while the node is still on its way out, so its state is read for up to 10 s.
    fn vanished(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(async {
            state::load(self.name())?;
            if let Ok(target) = self.target().await {
                if super::reachable(&target).await.is_ok() {
                    return None;
                }
            }
            let mut nodes = super::kind_nodes::list(self.name()).await.ok()?;
            for _ in 0..10 {
                if !nodes.iter().any(super::kind_nodes::Node::running) {
                    break;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                nodes = super::kind_nodes::list(self.name()).await.ok()?;
            }
            if nodes.iter().any(super::kind_nodes::Node::running) {
                return None;
            }
            let now = if nodes.is_empty() {
                " are gone".to_string()
            } else {
                format!(": {}", nodes.iter().map(|n| format!("{} {}", n.name, n.state)).collect::<Vec<_>>().join(", "))
            };
            Some(format!(
                "kind cluster `{name}` went away during the run: its node containers{now} (`kind delete cluster`, `docker rm`, `docker stop` or `docker pause`?); `sa-conformance cluster up --name {name}` starts or creates it again, `sa-conformance cluster down --name {name}` deletes what is left",
                name = self.name()
            ))
        })
    }
}

/// `HOST:PORT` of the API server's port (6443/tcp) in `docker inspect`'s `.NetworkSettings.Ports`.
fn published_api(ports_json: &str) -> Option<String> {
    let ports: serde_json::Value = serde_json::from_str(ports_json.trim()).ok()?;
    let first = ports.get("6443/tcp")?.get(0)?;
    let (ip, port) = (first["HostIp"].as_str()?, first["HostPort"].as_str()?);
    if ip.is_empty() || port.is_empty() {
        return None;
    }
    Some(if ip.contains(':') { format!("[{ip}]:{port}") } else { format!("{ip}:{port}") })
}

async fn write_marker(target: &Target) -> Result<String, kube::Error> {
    let api: Api<ConfigMap> = Api::namespaced(target.client.clone(), MARKER_NAMESPACE);
    let cm: ConfigMap = serde_json::from_value(serde_json::json!({
        "metadata": { "name": MARKER_NAME, "labels": { "app.kubernetes.io/managed-by": "sa-conformance" } },
        "data": { "purpose": "this cluster was created by sa-conformance and may be written to and deleted by it" }
    }))
    .map_err(kube::Error::SerdeError)?;
    let mut last = None;
    for _ in 0..10 {
        match api.create(&PostParams::default(), &cm).await {
            Ok(created) => return Ok(created.metadata.uid.unwrap_or_default()),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    Err(last.expect("at least one attempt"))
}

#[cfg(test)]
mod published_api_tests {
    use super::published_api;

    #[test]
    fn the_api_port_is_read_from_docker_inspect() {
        let ports = r#"{"6443/tcp":[{"HostIp":"127.0.0.1","HostPort":"39617"}]}"#;
        assert_eq!(published_api(ports).as_deref(), Some("127.0.0.1:39617"));
        let v6 = r#"{"6443/tcp":[{"HostIp":"::1","HostPort":"40000"}]}"#;
        assert_eq!(published_api(v6).as_deref(), Some("[::1]:40000"));
    }

    #[test]
    fn no_published_port_is_not_current() {
        for ports in ["{}", "null", r#"{"6443/tcp":null}"#, r#"{"6443/tcp":[{"HostIp":"","HostPort":""}]}"#, "not json"] {
            assert_eq!(published_api(ports), None, "{ports}");
        }
    }
}
