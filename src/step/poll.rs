//! Polling to a deadline, keeping the last mismatch (chainsaw's assert semantics): a step that waits
//! reports what it saw last, not just "timed out".

use super::{Check, StepError, POLL_INTERVAL};
use std::future::Future;
use std::time::{Duration, Instant};

/// What one look found.
pub enum Look {
    /// Done: the check to report (pass or a fail-fast failure).
    Done(Check),
    /// Not yet; the check to report if the deadline passes now.
    NotYet(Check),
}

/// Calls `look` until it is done or `timeout` passes; then returns the last not-yet check.
pub async fn until<F, Fut>(timeout: Duration, mut look: F) -> Result<Check, StepError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Look, StepError>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        match look().await? {
            Look::Done(check) => return Ok(check),
            Look::NotYet(check) => {
                if Instant::now() + POLL_INTERVAL > deadline {
                    return Ok(check.note(format!("gave up after {}", crate::scenario::duration::format_duration(timeout))));
                }
            }
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// RBAC changes reach the authorizer's cache a moment after they are written, so answers that depend
/// on them are asked again for a short while before a mismatch counts.
pub const SETTLE: Duration = Duration::from_secs(10);

/// Runs `once` until it passes or `window` (at most the step timeout) passes; returns the last check.
pub async fn settle<F, Fut>(window: Duration, mut once: F) -> Result<Check, StepError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Check, StepError>>,
{
    until(window, || {
        let fut = once();
        async move {
            let check = fut.await?;
            Ok(if check.mismatches.is_empty() { Look::Done(check) } else { Look::NotYet(check) })
        }
    })
    .await
}
