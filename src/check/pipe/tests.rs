//! The decoding pipeline's tests: paths through `| base64 | jwt | pem`, what each decoder gives and
//! how it is checked, and that a secret value never shows up in a message.

use super::*;
use base64::Engine;
use serde_json::json;

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn jwt(claims: &str) -> String {
    format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims))
}

fn secret() -> Value {
    json!({"apiVersion": "v1", "kind": "Secret", "data": {
        "token": b64(&jwt(r#"{"sub":"system:serviceaccount:dev:build-robot","exp":20,"iat":10}"#)),
        "namespace": b64("dev"), "broken": "not base64!"}})
}

#[test]
fn a_secret_token_decodes_from_base64_then_as_a_jwt() {
    let (found, multi) = resolve(&secret(), "data.token | base64 | jwt | sub").unwrap();
    assert_eq!((found, multi), (vec![json!("system:serviceaccount:dev:build-robot")], false));
    assert_eq!(resolve(&secret(), "data.namespace|base64").unwrap().0, vec![json!("dev")]);
    assert_eq!(resolve(&secret(), "data.missing | base64").unwrap().0, Vec::<Value>::new());
}

#[test]
fn a_value_that_does_not_decode_says_what_it_is_not() {
    let e = resolve(&secret(), "data.broken | base64 | jwt | sub").unwrap_err();
    assert_eq!(e.to_string(), "`data.broken` is not base64 of UTF-8 text: <redacted>");
    let e = resolve(&secret(), "data.namespace | base64 | jwt").unwrap_err();
    assert_eq!(e.to_string(), "`data.namespace | base64` is not a JWT: not a JWT: 1 dot-separated parts instead of 3");
    let e = resolve(&json!({"n": 3}), "n | base64").unwrap_err();
    assert_eq!(e.to_string(), "`n` is not base64 of UTF-8 text: it holds 3, not text");
    let e = resolve(&json!({"n": "x"}), "n | pem").unwrap_err();
    assert!(e.to_string().starts_with("`n` is not PEM: no PEM block"), "{e}");
}

#[test]
fn stages_are_a_path_then_decoders_each_maybe_followed_by_a_path() {
    assert!(parse("data.token | base64 | jwt | kubernetes\\.io.pod.name").is_ok());
    assert_eq!(parse("a | jwt | b | pem").unwrap().len(), 4);
    assert_eq!(parse("a | b").unwrap_err(), "`b` in `a | b` is not a decoder (jwt, base64, pem); a path follows a decoder");
    assert!(parse("a | jwt | b | c").unwrap_err().contains("`c` in"));
    assert!(parse("| jwt").unwrap_err().starts_with("empty stage"));
    assert!(parse("a | jwt |").unwrap_err().starts_with("empty stage"));
}

#[test]
fn every_item_is_decoded_and_the_path_stays_multi() {
    let list = json!({"kind": "SecretList", "items": [{"data": {"n": b64("dev")}}, {"data": {"n": b64("prod")}}]});
    assert_eq!(resolve(&list, "items[*].data.n | base64").unwrap(), (vec![json!("dev"), json!("prod")], true));
}

#[test]
fn a_value_decoded_from_a_secret_is_registered_and_one_from_a_config_map_is_not() {
    let secret = json!({"kind": "Secret", "data": {"password": b64("hunter2-decoded-secret")}});
    resolve(&secret, "data.password | base64").unwrap();
    let config = json!({"kind": "ConfigMap", "binaryData": {"x": b64("a-public-decoded-value")}});
    resolve(&config, "binaryData.x | base64").unwrap();
    let token_secret = json!({"kind": "Secret", "type": "kubernetes.io/service-account-token",
        "data": {"namespace": b64("a-public-namespace"), "ca.crt": b64("a-public-ca-bundle"), "token": b64("a-token-decoded-value")}});
    for path in ["data.namespace | base64", "data.ca\\.crt | base64", "data.token | base64"] {
        resolve(&token_secret, path).unwrap();
    }
    let list = json!({"kind": "SecretList", "items": [{"data": {"p": b64("a-listed-decoded-secret")}}]});
    resolve(&list, "items[*].data.p | base64").unwrap();
    let learned = crate::secrets::LEARNED.read().unwrap();
    for secret in ["hunter2-decoded-secret", "a-token-decoded-value", "a-listed-decoded-secret"] {
        assert!(learned.iter().any(|l| l == secret), "{secret} is not registered");
    }
    for public in ["a-public-decoded-value", "a-public-namespace", "a-public-ca-bundle"] {
        assert!(!learned.iter().any(|l| l == public), "{public} is registered");
    }
}

/// Only a Secret's data is a credential: a ConfigMapList's items are not Secrets, and an Opaque
/// Secret's `namespace` or `ca.crt` keys are secret (only a service-account-token Secret's are
/// the public files every pod gets).
#[test]
fn lists_of_other_kinds_and_opaque_secrets_are_told_apart() {
    let configs = json!({"kind": "ConfigMapList", "items": [{"data": {"x": b64("a-config-list-public-value")}}]});
    resolve(&configs, "items[*].data.x | base64").unwrap();
    let opaque = json!({"kind": "Secret", "type": "Opaque", "data": {"namespace": b64("an-opaque-namespace-secret")}});
    resolve(&opaque, "data.namespace | base64").unwrap();
    let learned = crate::secrets::LEARNED.read().unwrap();
    assert!(!learned.iter().any(|l| l == "a-config-list-public-value"), "a ConfigMapList's value was registered");
    assert!(learned.iter().any(|l| l == "an-opaque-namespace-secret"), "an Opaque Secret's namespace key was not registered");
}

#[test]
fn pem_decodes_to_blocks_with_a_schema() {
    let pem = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";
    assert_eq!(resolve(&json!({"c": pem}), "c | pem | [0].type").unwrap().0, vec![json!("CERTIFICATE")]);
    assert!(pem_blocks().check_path(&parse_path("[0].bytes").unwrap()).is_ok());
    assert!(pem_blocks().check_path(&parse_path("[0].byte").unwrap()).is_err());
}

fn messages(check: &str, doc: &Value) -> Vec<String> {
    let check: super::super::FieldCheck = crate::yaml::from_str(check).unwrap();
    check.check(doc, &super::super::schema::fixture("Secret")).iter().map(ToString::to_string).collect()
}

#[rstest::rstest]
#[case("{path: 'data.token | base64 | jwt | sub', equals: 'system:serviceaccount:dev:build-robot'}", None)]
#[case("{path: 'data.token | base64 | jwt | sub', equals: 'system:serviceaccount:dev:other'}",
       Some("field `data.token | base64 | jwt | sub`: expected == \"system:serviceaccount:dev:other\", got \"system:serviceaccount:dev:build-robot\""))]
#[case("{path: 'data.token | base64 | jwt | kubernetes\\.io.pod', absent: true}", None)]
#[case(
    "{path: 'data.token | base64 | jwt | sub', absent: true}",
    Some("field `data.token | base64 | jwt | sub`: expected absent, got \"system:serviceaccount:dev:build-robot\"")
)]
#[case("{path: 'data.token | base64 | jwt | exp - data.token | base64 | jwt | iat', equals: 10}", None)]
#[case("{path: 'data.namespace | base64', equals: dev}", None)]
#[case(
    "{path: 'data.namespace | base64', not-contains: dev}",
    Some("field `data.namespace | base64`: expected not to contain \"dev\", got \"dev\"")
)]
#[case(
    "{path: 'data.broken | base64 | jwt | sub', absent: true}",
    Some("field `data.broken | base64 | jwt | sub`: expected base64 of UTF-8 text at `data.broken`, got <redacted>")
)]
#[case("{path: 'data.namespace | base64 | jwt | sub', absent: true}",
       Some("field `data.namespace | base64 | jwt | sub`: expected a JWT at `data.namespace | base64`, got not a JWT: 1 dot-separated parts instead of 3"))]
#[case("{path: 'data.token | base64 | jwt | subb', absent: true}",
       Some("field `data.token | base64 | jwt | subb`: expected a path of ServiceAccount token claims, got no field `subb` at the top (did you mean `sub`?)"))]
#[case("{path: 'data.token | base64 | sub', absent: true}",
       Some("field `data.token | base64 | sub`: expected a path into what the decoder gives, got `base64` decodes to text, which has no fields: decode it further (`| jwt`, `| pem`) or end the path there"))]
#[case(
    "{path: 'dat.token | base64', absent: true}",
    Some("field `dat.token | base64`: expected a path of v1 Secret, got no field `dat` at the top (did you mean `data`?)")
)]
fn a_decoding_field_check_holds_or_fails_naming_the_stage(#[case] check: &str, #[case] message: Option<&str>) {
    assert_eq!(messages(check, &secret()), message.into_iter().map(String::from).collect::<Vec<_>>());
}

#[rstest::rstest]
#[case(
    "{path: 'data.token | base64 | jwt | subb', absent: true}",
    "field `data.token | base64 | jwt | subb`: no field `subb` at the top (did you mean `sub`?)"
)]
#[case("{path: 'data.token | base64 | sub', equals: x}", "field `data.token | base64 | sub`: `base64` decodes to text, which has no fields: decode it further (`| jwt`, `| pem`) or end the path there")]
#[case(
    "{path: 'data.t | base64 | jwt | exp - data.t | base64 | jwt | iatt', equals: 1}",
    "field `data.t | base64 | jwt | exp - data.t | base64 | jwt | iatt`: no field `iatt` at the top (did you mean `iat`?)"
)]
#[case("{path: 'data.t | b', absent: true}", "`b` in `data.t | b` is not a decoder (jwt, base64, pem); a path follows a decoder")]
fn what_a_decoder_gives_is_checked_when_the_scenario_loads(#[case] check: &str, #[case] message: &str) {
    let check: super::super::FieldCheck = crate::yaml::from_str(check).unwrap();
    assert_eq!(check.validate().unwrap_err(), message);
}

#[test]
fn a_secret_value_that_does_not_decode_is_not_quoted() {
    let binary = base64::engine::general_purpose::STANDARD.encode([0xff_u8, 0xfe, 0x00, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46]);
    let secret = json!({"kind": "Secret", "data": {"bin": binary, "text": b64("a password that is no PEM at all")}});
    let e = resolve(&secret, "data.bin | base64").unwrap_err();
    assert_eq!(e.to_string(), "`data.bin` is not base64 of UTF-8 text: <redacted>");
    let e = resolve(&secret, "data.text | base64 | pem").unwrap_err();
    assert_eq!(e.to_string(), "`data.text | base64` is not PEM: no PEM block in <redacted>");
    let config = json!({"kind": "ConfigMap", "data": {"text": "hello"}});
    assert_eq!(resolve(&config, "data.text | pem").unwrap_err().to_string(), "`data.text` is not PEM: no PEM block in \"hello\"");
}

#[test]
fn odd_paths_and_values_are_errors_or_nothing_never_a_panic() {
    let doc = json!({"a": ["x.y.z", "e30.e30.e30", "-----BEGIN X-----\n-----END Y-----", 3, null, {"b": "=="}], "c": ""});
    for path in [
        "|",
        "a||jwt",
        " | jwt",
        "a[*] | jwt | [9]",
        "a[*] | pem | [0].type",
        "a[*].b | base64",
        "c | base64",
        "c | jwt",
        "c | pem",
        "a[2] | pem",
        "a[1] | jwt | x | jwt",
        "a[0] | jwt",
        "a[ | jwt",
        "a | base64 | base64 | base64",
    ] {
        let _ = resolve(&doc, path);
        let _ = check_decoded(path);
    }
    assert_eq!(resolve(&doc, "a[1] | jwt").unwrap().0, vec![json!({})]);
    assert!(resolve(&doc, "a[2] | pem").unwrap_err().to_string().contains("BEGIN X ended by END Y"));
}
