//! Namespaces belong to a run, not just to the harness. Two runs on one cluster use the same scenario
//! namespaces (the article's `dev`), and the owned label alone cannot tell a leftover from a namespace
//! another live run is using. So a run holds a `coordination.k8s.io/v1` Lease per namespace it claims
//! (`kube-system/sa-conformance-ns-<namespace>`), with its own run id as holder, renews it in the
//! background while it lives and deletes it when it is done. Another run waits for it (or refuses, with
//! `--no-wait`); a lease whose holder died (SIGKILL, lost machine) expires and is taken over, and only
//! then is a leftover namespace deleted.

use super::Target;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::api::{Api, DeleteParams, ObjectMeta, PostParams, Preconditions};
use std::sync::OnceLock;
use std::time::Duration;

/// Where the leases live: a namespace every cluster has.
pub const LEASE_NAMESPACE: &str = "kube-system";
/// Prefix of every lease name; the rest is the scenario namespace.
pub const LEASE_PREFIX: &str = "sa-conformance-ns-";
/// On the lease of a namespace no later run reuses (`run --isolate` names it after its run): when
/// its holder dies, no later run takes it over, so a later run sweeps it (`runner::leftovers`).
pub const NEVER_REUSED_LABEL: &str = "sa-conformance.dev/never-reused";

/// How long a lease lives without renewal, how often it is renewed, and whether to wait for one.
#[derive(Debug, Clone)]
pub struct LeaseOptions {
    pub duration: Duration,
    pub renew_every: Duration,
    /// Refuse at once instead of waiting when another run holds a namespace.
    pub no_wait: bool,
    /// How long to wait for another run before giving up.
    pub max_wait: Duration,
}

impl Default for LeaseOptions {
    fn default() -> Self {
        LeaseOptions {
            duration: Duration::from_secs(30),
            renew_every: Duration::from_secs(10),
            no_wait: false,
            max_wait: Duration::from_secs(3600),
        }
    }
}

impl LeaseOptions {
    /// These options with a lease of `duration`, renewed every third of it.
    pub fn lasting(self, duration: Duration) -> LeaseOptions {
        LeaseOptions { duration, renew_every: duration / 3, ..self }
    }
}

/// Why a namespace could not be claimed.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error("namespace `{namespace}` is in use by another sa-conformance run ({holder}, lease {LEASE_NAMESPACE}/{lease} renewed until {until}); not waiting (--no-wait)")]
    Held { namespace: String, lease: String, holder: String, until: String },
    #[error("namespace `{namespace}` is still in use by another sa-conformance run ({holder}) after waiting {secs}s")]
    WaitedTooLong { namespace: String, holder: String, secs: u64 },
    #[error("interrupted while waiting for namespace `{namespace}`")]
    Interrupted { namespace: String },
    #[error("cannot {action} lease {LEASE_NAMESPACE}/{lease}: {message}")]
    Api { action: &'static str, lease: String, message: String },
}

/// This process's run id: host, pid and start time, unique enough to tell two runs apart.
pub fn run_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "unknown-host".into());
        format!("{host}/pid-{}/{}", std::process::id(), Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S%.3fZ"))
    })
}

/// The lease that guards a namespace.
pub fn lease_name(namespace: &str) -> String {
    format!("{LEASE_PREFIX}{namespace}")
}

/// What a lease says, as far as claiming it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Holding {
    pub holder: Option<String>,
    pub renewed: Option<Timestamp>,
    pub duration_secs: Option<i32>,
}

impl Holding {
    fn of(lease: &Lease) -> Holding {
        let spec = lease.spec.as_ref();
        Holding {
            holder: spec.and_then(|s| s.holder_identity.clone()),
            renewed: spec.and_then(|s| s.renew_time.as_ref().or(s.acquire_time.as_ref())).map(|t| t.0),
            duration_secs: spec.and_then(|s| s.lease_duration_seconds),
        }
    }
}

/// The holder of `lease` if it stopped renewing it (it expired at `now`), else None: free, ours, or
/// held by a live run.
pub fn expired_holder(lease: &Lease, now: Timestamp) -> Option<String> {
    match decide(Some(&Holding::of(lease)), run_id(), now) {
        Decision::Expired { holder } => Some(holder),
        _ => None,
    }
}

/// What to do about a namespace's lease.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// No lease, or one nobody holds: take it.
    Free,
    /// We hold it already.
    Ours,
    /// Its holder stopped renewing (died): take it over.
    Expired { holder: String },
    /// A live run holds it until `until`: wait or refuse.
    Held { holder: String, until: Timestamp },
}

/// Decides from the lease (None: there is none) whether `me` may take it at `now`.
pub fn decide(lease: Option<&Holding>, me: &str, now: Timestamp) -> Decision {
    let Some(lease) = lease else {
        return Decision::Free;
    };
    let holder = match lease.holder.as_deref() {
        None | Some("") => return Decision::Free,
        Some(h) if h == me => return Decision::Ours,
        Some(h) => h.to_string(),
    };
    // A lease without a renew time or duration cannot expire by itself; treat it as renewed at the
    // epoch with no duration, so it counts as expired rather than blocking every run forever.
    let renewed = lease.renewed.unwrap_or(Timestamp::UNIX_EPOCH);
    let until = renewed.saturating_add(SignedDuration::from_secs(lease.duration_secs.unwrap_or(0).max(0) as i64)).unwrap_or(renewed);
    if until < now {
        Decision::Expired { holder }
    } else {
        Decision::Held { holder, until }
    }
}

/// The leases a run holds, renewed in the background until [`Claim::release`].
pub struct Claim {
    target: Target,
    leases: Vec<String>,
    renewer: Option<tokio::task::JoinHandle<()>>,
}

/// Something the claim wants the user to know (printed by the reporter).
pub enum LeaseEvent<'a> {
    Waiting {
        namespace: &'a str,
        holder: &'a str,
        until: Timestamp,
    },
    TookOver {
        namespace: &'a str,
        holder: &'a str,
    },
    Acquired {
        namespace: &'a str,
        waited: Duration,
    },
    /// Still waiting (about once a second).
    StillWaiting {
        namespace: &'a str,
        holder: &'a str,
        waited: Duration,
    },
}

/// Takes the lease of every namespace in order (sorted, so two runs never wait for each other in a
/// cycle), waiting for live holders unless `opts.no_wait`; `interrupted` ends a wait.
pub async fn claim<I>(
    target: &Target,
    namespaces: &[String],
    never_reused: &std::collections::BTreeSet<String>,
    opts: &LeaseOptions,
    interrupted: I,
    on_event: &mut dyn FnMut(LeaseEvent),
) -> Result<Claim, LeaseError>
where
    I: std::future::Future<Output = ()>,
{
    let mut sorted: Vec<&String> = namespaces.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut claim = Claim { target: target.clone(), leases: Vec::new(), renewer: None };
    tokio::pin!(interrupted);
    for ns in sorted {
        let taken = tokio::select! {
            r = take(target, ns, never_reused.contains(ns), opts, on_event) => r,
            _ = &mut interrupted => Err(LeaseError::Interrupted { namespace: ns.clone() }),
        };
        if let Err(e) = taken {
            claim.release().await;
            return Err(e);
        }
        claim.leases.push(lease_name(ns));
    }
    let (client, leases, every, duration) = (target.client.clone(), claim.leases.clone(), opts.renew_every, opts.duration);
    claim.renewer = Some(tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            for name in &leases {
                if let Err(e) = renew(&client, name, duration).await {
                    tracing::warn!("renewing lease {LEASE_NAMESPACE}/{name}: {e}");
                }
            }
        }
    }));
    Ok(claim)
}

fn api(target: &Target) -> Api<Lease> {
    Api::namespaced(target.client.clone(), LEASE_NAMESPACE)
}

fn lease_body(name: &str, resource_version: Option<String>, duration: Duration, never_reused: bool) -> Lease {
    let now = MicroTime(Timestamp::now());
    let mut labels: std::collections::BTreeMap<String, String> =
        [("app.kubernetes.io/managed-by".to_string(), "sa-conformance".to_string())].into();
    if never_reused {
        labels.insert(NEVER_REUSED_LABEL.into(), "true".into());
    }
    Lease {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(LEASE_NAMESPACE.into()),
            resource_version,
            labels: Some(labels),
            ..Default::default()
        },
        spec: Some(LeaseSpec {
            holder_identity: Some(run_id().to_string()),
            lease_duration_seconds: Some(duration.as_secs() as i32),
            acquire_time: Some(now.clone()),
            renew_time: Some(now),
            ..Default::default()
        }),
    }
}

/// Takes one namespace's lease: create it, or replace a free or expired one (the resourceVersion makes
/// two runs racing for it one winner and one conflict), or wait while a live run holds it.
async fn take(
    target: &Target,
    namespace: &str,
    never_reused: bool,
    opts: &LeaseOptions,
    on_event: &mut dyn FnMut(LeaseEvent),
) -> Result<(), LeaseError> {
    let name = lease_name(namespace);
    let api = api(target);
    let err = |action, e: kube::Error| LeaseError::Api { action, lease: name.clone(), message: crate::error::describe(&e) };
    let started = std::time::Instant::now();
    let mut told: Option<String> = None;
    loop {
        let existing = api.get_opt(&name).await.map_err(|e| err("read", e))?;
        let decision = decide(existing.as_ref().map(Holding::of).as_ref(), run_id(), Timestamp::now());
        let result = match (&decision, existing) {
            (Decision::Ours, _) => return Ok(()),
            (Decision::Held { holder, until }, _) => {
                if opts.no_wait {
                    return Err(LeaseError::Held {
                        namespace: namespace.into(),
                        lease: name.clone(),
                        holder: holder.clone(),
                        until: until.to_string(),
                    });
                }
                if started.elapsed() > opts.max_wait {
                    return Err(LeaseError::WaitedTooLong {
                        namespace: namespace.into(),
                        holder: holder.clone(),
                        secs: opts.max_wait.as_secs(),
                    });
                }
                if told.as_deref() != Some(holder.as_str()) {
                    on_event(LeaseEvent::Waiting { namespace, holder, until: *until });
                    told = Some(holder.clone());
                } else {
                    on_event(LeaseEvent::StillWaiting { namespace, holder, waited: started.elapsed() });
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            (_, None) => api.create(&PostParams::default(), &lease_body(&name, None, opts.duration, never_reused)).await,
            (_, Some(old)) => {
                api.replace(&name, &PostParams::default(), &lease_body(&name, old.metadata.resource_version, opts.duration, never_reused))
                    .await
            }
        };
        match result {
            Ok(_) => {
                if let Decision::Expired { holder } = &decision {
                    on_event(LeaseEvent::TookOver { namespace, holder });
                }
                if told.is_some() {
                    on_event(LeaseEvent::Acquired { namespace, waited: started.elapsed() });
                }
                return Ok(());
            }
            // Another run was quicker (409 on create or replace): look again.
            Err(kube::Error::Api(s)) if s.code == 409 => continue,
            Err(e) => return Err(err("write", e)),
        }
    }
}

async fn renew(client: &kube::Client, name: &str, duration: Duration) -> Result<(), String> {
    let api: Api<Lease> = Api::namespaced(client.clone(), LEASE_NAMESPACE);
    let Some(mut lease) = api.get_opt(name).await.map_err(|e| crate::error::describe(&e))? else {
        return Err("it is gone".into());
    };
    let spec = lease.spec.get_or_insert_with(Default::default);
    if spec.holder_identity.as_deref() != Some(run_id()) {
        return Err(format!("it is now held by {}", spec.holder_identity.as_deref().unwrap_or("nobody")));
    }
    spec.renew_time = Some(MicroTime(Timestamp::now()));
    spec.lease_duration_seconds = Some(duration.as_secs() as i32);
    api.replace(name, &PostParams::default(), &lease).await.map(|_| ()).map_err(|e| crate::error::describe(&e))
}

impl Claim {
    /// Stops renewing and deletes the leases this run still holds (a lease another run took over after
    /// ours expired is left alone: the delete is conditional on its resourceVersion).
    pub async fn release(mut self) {
        if let Some(r) = self.renewer.take() {
            r.abort();
        }
        let api = api(&self.target);
        for name in &self.leases {
            let Ok(Some(lease)) = api.get_opt(name).await else {
                continue;
            };
            if Holding::of(&lease).holder.as_deref() != Some(run_id()) {
                continue;
            }
            let dp = DeleteParams {
                preconditions: Some(Preconditions { resource_version: lease.metadata.resource_version.clone(), uid: None }),
                ..Default::default()
            };
            if let Err(e) = api.delete(name, &dp).await {
                tracing::warn!("releasing lease {LEASE_NAMESPACE}/{name}: {}", crate::error::describe(&e));
            }
        }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let Some(r) = self.renewer.take() {
            r.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "host-a/pid-1/2026-01-01T00:00:00.000Z";
    const OTHER: &str = "host-b/pid-2/2026-01-01T00:00:00.000Z";

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    fn held(holder: &str, renewed: i64, duration: i32) -> Holding {
        Holding { holder: Some(holder.into()), renewed: Some(at(renewed)), duration_secs: Some(duration) }
    }

    #[test]
    fn no_lease_or_no_holder_is_free() {
        assert_eq!(decide(None, ME, at(0)), Decision::Free);
        assert_eq!(decide(Some(&Holding { holder: None, renewed: Some(at(0)), duration_secs: Some(30) }), ME, at(1)), Decision::Free);
        assert_eq!(decide(Some(&Holding { holder: Some(String::new()), renewed: None, duration_secs: None }), ME, at(1)), Decision::Free);
        // ... and a lease someone holds is not free.
        assert_ne!(decide(Some(&held(OTHER, 0, 30)), ME, at(1)), Decision::Free);
    }

    #[test]
    fn a_live_holder_blocks_until_renew_time_plus_duration() {
        assert_eq!(decide(Some(&held(OTHER, 0, 30)), ME, at(10)), Decision::Held { holder: OTHER.into(), until: at(30) });
        assert_eq!(decide(Some(&held(OTHER, 0, 30)), ME, at(30)), Decision::Held { holder: OTHER.into(), until: at(30) });
        // One second later the holder is dead.
        assert_eq!(decide(Some(&held(OTHER, 0, 30)), ME, at(31)), Decision::Expired { holder: OTHER.into() });
    }

    #[test]
    fn a_renewal_keeps_the_holder_alive() {
        assert!(matches!(decide(Some(&held(OTHER, 0, 30)), ME, at(35)), Decision::Expired { .. }));
        assert!(matches!(decide(Some(&held(OTHER, 20, 30)), ME, at(35)), Decision::Held { .. }));
    }

    #[test]
    fn our_own_lease_is_ours_even_when_expired() {
        assert_eq!(decide(Some(&held(ME, 0, 30)), ME, at(5)), Decision::Ours);
        assert_eq!(decide(Some(&held(ME, 0, 30)), ME, at(500)), Decision::Ours);
        // ... and another run's identity is never ours.
        assert_ne!(decide(Some(&held(OTHER, 0, 30)), ME, at(5)), Decision::Ours);
    }

    #[test]
    fn a_lease_without_times_expires_instead_of_blocking_forever() {
        let h = Holding { holder: Some(OTHER.into()), renewed: None, duration_secs: None };
        assert_eq!(decide(Some(&h), ME, at(0)), Decision::Expired { holder: OTHER.into() });
    }

    #[test]
    fn run_ids_name_host_pid_and_start() {
        let id = run_id();
        assert!(id.contains(&format!("/pid-{}/", std::process::id())), "{id}");
        assert_eq!(id, run_id(), "one id per process");
        assert_eq!(lease_name("dev"), "sa-conformance-ns-dev");
    }
}
