//! Mutant-killing tests for `check::decode` (cargo-mutants, issue 9): a file of their own, so they merge
//! with the work that adds `decode:` to scenarios (issue 11) without conflicts.

use crate::check::decode::{base64_text, Decode};
use serde_json::json;

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
