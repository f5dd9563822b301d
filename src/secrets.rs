//! Secrets a run learns while it goes (a token a step created or captured), and what every secret is
//! replaced with. The bottom of the module graph: steps and captures register here, and the one
//! redaction pass (`report::redact`) reads it, so no step depends on the reporters.

use std::sync::LazyLock;

/// What a secret is replaced with (a JWT becomes `<redacted-jwt>`).
pub const REDACTED: &str = "<redacted>";

/// Credentials a run learned (a token a step captured): they are replaced wherever they appear,
/// whatever they look like. Values shorter than 8 characters are not registered (they would eat words).
pub(crate) static LEARNED: LazyLock<std::sync::RwLock<Vec<String>>> = LazyLock::new(Default::default);

/// Registers a credential learned at run time, so every later output hides it as `<redacted>`.
pub fn register_secret(value: &str) {
    let value = value.trim();
    if value.len() < 8 {
        return;
    }
    if let Ok(mut learned) = LEARNED.write() {
        if !learned.iter().any(|l| l == value) {
            learned.push(value.to_string());
            // Longest first, so a value that contains another is replaced whole.
            learned.sort_by_key(|l| std::cmp::Reverse(l.len()));
        }
    }
}
