//! `decode:` for a field, a file's text or a captured value: a JWT to its claims, base64 (a Secret's
//! `data`) to its text, PEM to its blocks. Scenarios used to do this in the pod with
//! `cut | tr | base64 | sed`; here it is one word, and a value that does not decode says why.

use base64::Engine;
use serde::Deserialize;
use serde_json::Value;

/// What to decode a value as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decode {
    /// A JWT: its payload (the claims) as JSON; the signature is not verified.
    Jwt,
    /// Standard base64 (padding optional) of UTF-8 text: the text.
    Base64,
    /// PEM: a list of `{ type, bytes }`, one per block (`type` is the word after BEGIN).
    Pem,
}

impl Decode {
    pub fn as_str(self) -> &'static str {
        match self {
            Decode::Jwt => "jwt",
            Decode::Base64 => "base64",
            Decode::Pem => "pem",
        }
    }

    /// Decodes `text` (surrounding whitespace ignored); the error says what it is not.
    pub fn apply(self, text: &str) -> Result<Value, String> {
        let text = text.trim();
        match self {
            Decode::Jwt => jwt_claims(text),
            // The message reads "expected base64 of UTF-8 text, got \"...\"": the text says what it is not.
            Decode::Base64 => base64_text(text).map(Value::String).ok_or_else(|| format!("{:?}", short(text))),
            Decode::Pem => pem_blocks(text),
        }
    }
}

fn short(text: &str) -> String {
    crate::check::excerpt(text, 60)
}

/// The claims of a JWT (its second part, base64url JSON).
pub fn jwt_claims(token: &str) -> Result<Value, String> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    if parts.len() != 3 {
        return Err(format!("not a JWT: {} dot-separated parts instead of 3", parts.len()));
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[1].trim_end_matches('='))
        .map_err(|e| format!("JWT payload is not base64url: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("JWT payload is not JSON: {e}"))
}

/// Standard base64 of UTF-8 text, with or without padding; `None` if it is not.
pub fn base64_text(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=') {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD.decode(t.trim_end_matches('=')).ok()?;
    String::from_utf8(bytes).ok()
}

/// The PEM blocks of a text: `[{ "type": "CERTIFICATE", "bytes": 1107 }]`; none is an error.
pub fn pem_blocks(text: &str) -> Result<Value, String> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines().map(str::trim) {
        if let Some(kind) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) {
            current = Some((kind.to_string(), String::new()));
        } else if let Some(kind) = line.strip_prefix("-----END ").and_then(|l| l.strip_suffix("-----")) {
            let (begun, body) = current.take().ok_or_else(|| format!("PEM: END {kind} without BEGIN"))?;
            if begun != kind {
                return Err(format!("PEM: BEGIN {begun} ended by END {kind}"));
            }
            let der = base64::engine::general_purpose::STANDARD.decode(&body).map_err(|e| format!("PEM block {kind}: not base64: {e}"))?;
            blocks.push(serde_json::json!({ "type": kind, "bytes": der.len() }));
        } else if let Some((_, body)) = &mut current {
            body.push_str(line);
        }
    }
    if let Some((kind, _)) = current {
        return Err(format!("PEM: BEGIN {kind} without END"));
    }
    if blocks.is_empty() {
        return Err(format!("no PEM block in {:?}", short(text)));
    }
    Ok(Value::Array(blocks))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_jwt_decodes_to_its_claims() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"sub":"system:serviceaccount:dev:x","exp":10}"#);
        let claims = Decode::Jwt.apply(&format!("eyJhbGciOiJSUzI1NiJ9.{payload}.sig\n")).unwrap();
        assert_eq!(claims, json!({"sub": "system:serviceaccount:dev:x", "exp": 10}));
        assert_eq!(Decode::Jwt.apply("abc").unwrap_err(), "not a JWT: 1 dot-separated parts instead of 3");
    }

    #[test]
    fn base64_of_a_secrets_data_decodes_to_text_and_other_text_does_not() {
        assert_eq!(Decode::Base64.apply("ZGV2").unwrap(), json!("dev"));
        assert_eq!(Decode::Base64.apply("ZGV2Cg==").unwrap(), json!("dev\n"));
        assert_eq!(Decode::Base64.apply("not base64!").unwrap_err(), "\"not base64!\"");
    }

    #[test]
    fn pem_blocks_are_listed_and_broken_ones_named() {
        let pem = "-----BEGIN CERTIFICATE-----\nAAEC\nAw==\n-----END CERTIFICATE-----\n";
        assert_eq!(Decode::Pem.apply(pem).unwrap(), json!([{"type": "CERTIFICATE", "bytes": 4}]));
        assert_eq!(Decode::Pem.apply("-----BEGIN CERTIFICATE-----\nAAEC\n").unwrap_err(), "PEM: BEGIN CERTIFICATE without END");
        assert!(Decode::Pem.apply("hello").unwrap_err().starts_with("no PEM block"));
    }

    /// Each decoder's name is the word a scenario writes (`decode: jwt`), so messages can quote it back.
    #[test]
    fn each_decoder_is_named_by_the_word_that_selects_it() {
        for d in [Decode::Jwt, Decode::Base64, Decode::Pem] {
            let parsed: Decode = crate::yaml::from_str(d.as_str()).unwrap();
            assert_eq!(parsed, d);
        }
        assert_eq!([Decode::Jwt.as_str(), Decode::Base64.as_str(), Decode::Pem.as_str()], ["jwt", "base64", "pem"]);
    }

    /// base64 with `+` and `/` (the two non-alphanumeric letters of the standard alphabet) decodes;
    /// nothing at all is not base64 of anything.
    #[test]
    fn base64_with_plus_and_slash_decodes_and_empty_text_does_not() {
        assert_eq!(base64_text("YWI+"), Some("ab>".to_string()));
        assert_eq!(base64_text("YWI/"), Some("ab?".to_string()));
        assert_eq!(base64_text("YWI+Pz8/"), Some("ab>???".to_string()));
        assert_eq!(base64_text(""), None);
        assert_eq!(base64_text("  \n"), None);
        // The message is the value alone; the caller says what was expected (`expected base64 of UTF-8 text, got ""`).
        assert_eq!(Decode::Base64.apply("").unwrap_err(), "\"\"");
    }

    /// A PEM block must end with the word it began with.
    #[test]
    fn a_pem_block_ended_by_another_kind_is_named() {
        let pem = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END PRIVATE KEY-----\n";
        assert_eq!(Decode::Pem.apply(pem).unwrap_err(), "PEM: BEGIN CERTIFICATE ended by END PRIVATE KEY");
        let two =
            "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
        assert_eq!(Decode::Pem.apply(two).unwrap(), json!([{"type": "CERTIFICATE", "bytes": 3}, {"type": "CERTIFICATE", "bytes": 1}]));
    }
}
