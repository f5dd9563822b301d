//! Unit tests that kill what cargo-mutants found, or would find, the other redaction tests missing
//! (issue 9, docs/kill-matrix.md). Kept apart from `tests.rs` so they merge without conflicts.

use super::{redact, redact_value, register_secret, REDACTED};
use serde_json::json;

/// `Bearer X` hides X when it looks like a credential: 8 characters or more and a digit, or 24 or more;
/// a short word (`Bearer v1`) or a long one without a digit under 24 (`Bearer placeholder`) is prose.
#[test]
fn bearer_hides_what_looks_like_a_credential_and_keeps_words() {
    assert_eq!(redact("the API took a Bearer v1 header"), "the API took a Bearer v1 header");
    assert_eq!(redact("Authorization: Bearer placeholder"), "Authorization: Bearer placeholder");
    assert_eq!(redact("Authorization: Bearer abcdefghijklmnopqrstuvwxyz"), "Authorization: Bearer <redacted>");
    assert_eq!(redact("Authorization: Bearer abcdefg1"), "Authorization: Bearer <redacted>");
}

/// A learned secret of exactly 8 characters is registered (shorter ones are not), and every value
/// registered is hidden, not only the first.
#[test]
fn learned_secrets_from_eight_characters_on_are_all_hidden() {
    register_secret("k8Qw3zPx");
    register_secret("second-learned-s3cret");
    assert_eq!(redact("a k8Qw3zPx b"), format!("a {REDACTED} b"));
    assert_eq!(redact("c second-learned-s3cret d"), format!("c {REDACTED} d"));
    register_secret("k7Qw3zP");
    assert_eq!(redact("e k7Qw3zP f"), "e k7Qw3zP f");
}

/// A Secret's `stringData` is hidden by key like its `data`; its other objects are read like any text.
#[test]
fn a_secret_value_loses_its_string_data_but_keeps_its_metadata() {
    let mut v = json!({"kind": "Secret", "metadata": {"name": "db", "labels": {"app": "web"}}, "stringData": {"password": "hunter2"}});
    redact_value(&mut v);
    assert_eq!(v, json!({"kind": "Secret", "metadata": {"name": "db", "labels": {"app": "web"}}, "stringData": {"password": REDACTED}}));
}

/// A Secret's `data` and `stringData` values are hidden by their place alone: keys that name no
/// credential and values that look like prose are hidden too; the same keys in a ConfigMap stay.
#[test]
fn a_secret_hides_data_and_string_data_by_place_not_by_look() {
    let mut secret = json!({"kind": "Secret", "data": {"note": "aGk="}, "stringData": {"greeting": "plain words"}});
    redact_value(&mut secret);
    assert_eq!(secret, json!({"kind": "Secret", "data": {"note": REDACTED}, "stringData": {"greeting": REDACTED}}));
    let mut config = json!({"kind": "ConfigMap", "data": {"note": "aGk=", "greeting": "plain words"}});
    redact_value(&mut config);
    assert_eq!(config, json!({"kind": "ConfigMap", "data": {"note": "aGk=", "greeting": "plain words"}}));
}

/// A flow map cut short anywhere (after a key, after its colon, after a lone opening quote) is
/// redacted without panicking and without inventing a closing quote; text between entries that is
/// not `,` does not stop the scan, so a later value is hidden too.
#[test]
fn flow_maps_cut_short_or_odd_are_redacted_to_their_end() {
    assert_eq!(redact("data: {password"), "data: {password");
    assert_eq!(redact("data: {password:"), "data: {password:");
    assert_eq!(redact(r#""data":{"password":""#), format!(r#""data":{{"password":"{REDACTED}"#));
    let odd = redact(r#""data":{"a":"x" junk, "b":"hunter2"}"#);
    assert!(!odd.contains("hunter2"), "{odd}");
    assert_eq!(redact("data: {a: {b: c}}"), format!("data: {{a: {REDACTED}}}"));
}

/// A quoted value with an escaped quote inside is one value: none of it survives.
#[test]
fn an_escaped_quote_does_not_end_a_secret_value() {
    let got = redact(r#""data":{"password":"hun\"ter2 and more","user":"x"}"#);
    assert_eq!(got, format!(r#""data":{{"password":"{REDACTED}","user":"{REDACTED}"}}"#));
    // The escape late in a long value: the scan goes on right after it, not somewhere past the map.
    let late = redact(r#""data":{"password":"a long secret value of many words\"x","user":"y"}"#);
    assert_eq!(late, format!(r#""data":{{"password":"{REDACTED}","user":"{REDACTED}"}}"#));
}

/// In a Secret's block `data:`, an entry with nothing after its colon keeps its line (what follows
/// under it is hidden line by line), and an entry with a value loses the value.
#[test]
fn a_block_entry_with_an_empty_value_keeps_its_key() {
    let got = redact("kind: Secret\ndata:\n  password:\n    hunter2-continued\n  user: admin\n");
    assert_eq!(got, format!("kind: Secret\ndata:\n  password:\n    {REDACTED}\n  user: {REDACTED}\n"));
}

/// A value that is itself an object or a list is hidden whole, and the scan goes on after it: a
/// later value of the same map is hidden too (the inner `}` is not the map's end).
#[test]
fn a_nested_value_is_hidden_whole_and_the_map_goes_on() {
    let got = redact(r#""data":{"a":{"b":"c","e":["f","}"]},"d":"plain words here"}"#);
    assert_eq!(got, format!(r#""data":{{"a":{REDACTED},"d":"{REDACTED}"}}"#));
    let yaml = redact("data: {a: [x, y], d: plain words}");
    assert_eq!(yaml, format!("data: {{a: {REDACTED}, d: {REDACTED}}}"));
}
