//! Following one object by watch instead of asking every second: read it once (its state and the
//! resourceVersion of that read), then watch from that version, so a wait ends when the event that
//! satisfies it arrives. A watch that closes or expires (410 Gone) is re-read and re-opened.

use super::ObjectRef;
use super::{ApiError, DiscoveryCache};
use futures::{StreamExt, TryStreamExt};
use kube::api::{Api, ApiResource, DynamicObject, ListParams, WatchEvent, WatchParams};
use kube::Client;
use serde_json::Value;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

/// How a follow ended: `look` said done, or the deadline passed with this last not-yet answer.
#[derive(Debug)]
pub enum Followed<T> {
    Done(T),
    TimedOut(T),
}

/// The dynamic API of the object a reference names, and its name.
pub async fn api_of(client: &Client, cache: &DiscoveryCache, r: &ObjectRef) -> Result<Api<DynamicObject>, ApiError> {
    let (ar, namespaced) = super::resolve(client, cache, &r.api_version, &r.kind).await?;
    Ok(scoped(client, &ar, namespaced, r.namespace.as_deref()))
}

fn scoped(client: &Client, ar: &ApiResource, namespaced: bool, namespace: Option<&str>) -> Api<DynamicObject> {
    match (namespaced, namespace) {
        (true, Some(ns)) => Api::namespaced_with(client.clone(), ns, ar),
        (true, None) => Api::default_namespaced_with(client.clone(), ar),
        (false, _) => Api::all_with(client.clone(), ar),
    }
}

/// The API of namespaces, without discovery.
pub fn namespaces(client: &Client) -> Api<DynamicObject> {
    let ar = ApiResource::erase::<k8s_openapi::api::core::v1::Namespace>(&());
    Api::all_with(client.clone(), &ar)
}

/// Calls `look` with the object's state (None: it does not exist) now and after every change, until
/// it breaks or `deadline` passes; then returns the last value it continued with.
pub async fn follow<T>(
    api: &Api<DynamicObject>,
    name: &str,
    deadline: Instant,
    mut look: impl FnMut(Option<&Value>) -> ControlFlow<T, T>,
) -> Result<Followed<T>, ApiError> {
    let fields = format!("metadata.name={name}");
    let what = || format!("watch {} {name}", api.resource_url());
    loop {
        let list = read(api, &fields, deadline, &what).await?;
        let version = list.metadata.resource_version.clone().unwrap_or_default();
        let obj = list.items.into_iter().next().map(to_json).transpose().map_err(|e| ApiError::other(what(), e))?;
        let mut last = match look(obj.as_ref()) {
            ControlFlow::Break(done) => return Ok(Followed::Done(done)),
            ControlFlow::Continue(not_yet) => not_yet,
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(Followed::TimedOut(last));
        }
        // The server ends the watch at its timeout (at most 290 s is accepted everywhere); we re-read then.
        let secs = u32::try_from(left.as_secs() + 1).unwrap_or(290).min(290);
        let params = WatchParams::default().fields(&fields).timeout(secs);
        let stream = match api.watch(&params, &version).await {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!("{}: {e}; reading again", what());
                tokio::time::sleep(Duration::from_millis(200).min(left)).await;
                continue;
            }
        };
        let mut stream = stream.boxed();
        loop {
            let event = tokio::select! {
                e = stream.try_next() => e,
                _ = tokio::time::sleep_until(deadline.into()) => return Ok(Followed::TimedOut(last)),
            };
            let state = match event {
                Ok(Some(WatchEvent::Added(o) | WatchEvent::Modified(o))) => Some(to_json(o).map_err(|e| ApiError::other(what(), e))?),
                Ok(Some(WatchEvent::Deleted(_))) => None,
                Ok(Some(WatchEvent::Bookmark(_))) => continue,
                // 410 Gone (the version expired), a closed stream or a broken connection: read again.
                Ok(Some(WatchEvent::Error(_)) | None) | Err(_) => break,
            };
            last = match look(state.as_ref()) {
                ControlFlow::Break(done) => return Ok(Followed::Done(done)),
                ControlFlow::Continue(not_yet) => not_yet,
            };
        }
        if Instant::now() >= deadline {
            return Ok(Followed::TimedOut(last));
        }
    }
}

/// The object's list, asked again while the API server cannot be reached (a node container restarting,
/// a restarted dockerd, a suspended machine waking up) until `deadline`: a refused connection says
/// nothing about the object, so it neither ends the wait nor fails the step while there is time. An
/// answer from the server (an HTTP error too: 403, an unknown resource) ends it at once.
async fn read(
    api: &Api<DynamicObject>,
    fields: &str,
    deadline: Instant,
    what: &(dyn Fn() -> String + Sync),
) -> Result<kube::core::ObjectList<DynamicObject>, ApiError> {
    // a read that hangs (a paused node accepts the connection and says nothing) is cut at the deadline,
    // with a little time for the last read
    const LAST_READ: Duration = Duration::from_secs(2);
    let mut refused = 0usize;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let error = match tokio::time::timeout(left.max(LAST_READ), api.list(&ListParams::default().fields(fields))).await {
            Ok(Ok(list)) => {
                if refused > 0 {
                    tracing::info!("{}: the API server answers again after {refused} refused read(s)", what());
                }
                return Ok(list);
            }
            Ok(Err(e)) => e,
            Err(_) => {
                return Err(ApiError::other(
                    what(),
                    format!(
                        "the API server did not answer before the step's deadline (the last read waited {}s)",
                        left.max(LAST_READ).as_secs()
                    ),
                ))
            }
        };
        let again = !left.is_zero()
            && match &error {
                // a server that is starting (after a restart) answers before its authorizer has loaded
                // RBAC: a 403 then is not an answer either, so ask whether it is ready
                kube::Error::Api(_) => !ready(api).await,
                // a server that cannot be reached may come back, unless it was a kind cluster whose node
                // containers were deleted: that one never answers again, so say so at once
                _ => !crate::cluster::liveness::kind_cluster_gone().await,
            };
        if !again {
            return Err(ApiError::kube(what())(error));
        }
        refused += 1;
        tracing::debug!("{}: {error}; the API server is not ready or cannot be reached, reading again", what());
        tokio::time::sleep(Duration::from_millis(500).min(left)).await;
    }
}

/// Whether the API server says it is ready (`GET /readyz` answers `ok` within 2 s).
async fn ready(api: &Api<DynamicObject>) -> bool {
    let client = api.clone().into_client();
    let Ok(request) = http::Request::get("/readyz").body(Vec::new()) else { return false };
    matches!(tokio::time::timeout(Duration::from_secs(2), client.request_text(request)).await, Ok(Ok(text)) if text.trim() == "ok")
}

fn to_json(o: DynamicObject) -> Result<Value, String> {
    serde_json::to_value(o).map_err(|e| e.to_string())
}

/// Why a wait that gave up may have seen nothing new: the API server does not answer now (a paused
/// or stopped node, a suspended machine), asked once with a short deadline when the wait gives up.
/// None when it answers: then the last state the watch reported is the state that was there.
pub async fn silent_server(client: &kube::Client) -> Option<String> {
    const ASK: Duration = Duration::from_secs(3);
    match tokio::time::timeout(ASK, client.apiserver_version()).await {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => Some(format!(
            "the API server did not answer when the step gave up (GET /version: {}): the state above is the last one it sent, not necessarily the state now",
            crate::error::chain(&e)
        )),
        Err(_) => Some(format!(
            "the API server did not answer when the step gave up (GET /version: no answer in {}s; a paused or stopped node, a suspended machine?): the state above is the last one it sent, not necessarily the state now",
            ASK.as_secs()
        )),
    }
}
