//! The JSON report: the run's outcomes as data, redacted.

use super::redact::redact;
use crate::outcome::RunOutcome;

/// Pretty JSON of the whole run, with secrets redacted.
pub fn to_json(run: &RunOutcome) -> String {
    let text = serde_json::to_string_pretty(run).unwrap_or_else(|e| format!("{{\"error\": \"cannot serialise outcomes: {e}\"}}"));
    redact(&text).into_owned()
}
