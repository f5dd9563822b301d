//! The JSON report: the run's outcomes as data. Redaction walks the value (every string on its own,
//! whatever field it is in), never the serialised text, so the file always parses.

use super::redact::redact_value;
use crate::outcome::RunOutcome;

/// Pretty JSON of the whole run, with secrets redacted.
pub fn to_json(run: &RunOutcome) -> String {
    let mut value = match serde_json::to_value(run) {
        Ok(v) => v,
        Err(e) => serde_json::json!({ "error": format!("cannot serialise outcomes: {e}") }),
    };
    redact_value(&mut value);
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}
