//! Paths that decode on the way: `data.token | base64 | jwt | sub` reads a Secret's `data.token`,
//! decodes it from base64, reads the text as a JWT and takes the `sub` claim. Every place a field path
//! stands (field checks, `json:` on stdout, `fields:` of a response, `capture:`, arithmetic terms) takes
//! the same stages, so a scenario never needs `cut | tr | base64 | sed` in a pod. A value that does not
//! decode is a mismatch saying what it is not; a value decoded from a Secret's `data` is a credential.

use super::decode::Decode;
use super::path::{parse_path, Segment};
use super::schema::{token_claims, DocSchema, KindSchema};
use serde_json::Value;
use std::sync::{Arc, OnceLock};

/// One stage of a path: a field path, or a decoder applied to every value found so far.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Stage {
    Path(Vec<Segment>),
    Decode(Decode),
}

/// Why a lookup found no answer: the path is malformed, or a value on the way does not decode.
#[derive(Debug, Clone, PartialEq)]
pub enum LookupError {
    Path(String),
    /// `at` (the path up to the decoder) holds a value that is not what `decode` reads.
    Decode {
        at: String,
        decode: Decode,
        why: String,
    },
}

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupError::Path(e) => f.write_str(e),
            LookupError::Decode { at, decode, why } => write!(f, "`{at}` is not {}: {why}", decode.expected()),
        }
    }
}

impl From<LookupError> for String {
    fn from(e: LookupError) -> String {
        e.to_string()
    }
}

impl Decode {
    /// What a value must be for this decoder, in messages ("expected a JWT at `data.token | base64`").
    pub fn expected(self) -> &'static str {
        match self {
            Decode::Jwt => "a JWT",
            Decode::Base64 => "base64 of UTF-8 text",
            Decode::Pem => "PEM",
        }
    }

    fn named(word: &str) -> Option<Decode> {
        [Decode::Jwt, Decode::Base64, Decode::Pem].into_iter().find(|d| d.as_str() == word)
    }
}

/// The stages of `path`: a field path first, then ` | DECODER` stages, each optionally followed by
/// ` | PATH` into what it decoded to.
pub(super) fn parse(path: &str) -> Result<Vec<Stage>, String> {
    if !path.contains('|') {
        return Ok(vec![Stage::Path(parse_path(path)?)]);
    }
    let mut stages = Vec::new();
    for (i, part) in path.split('|').map(str::trim).enumerate() {
        if part.is_empty() {
            return Err(format!("empty stage in `{path}` (write `PATH | jwt | PATH`)"));
        }
        match (i, Decode::named(part), stages.last()) {
            (0, _, _) => stages.push(Stage::Path(parse_path(part)?)),
            (_, Some(d), _) => stages.push(Stage::Decode(d)),
            (_, None, Some(Stage::Decode(_))) => stages.push(Stage::Path(parse_path(part)?)),
            (_, None, _) => {
                return Err(format!("`{part}` in `{path}` is not a decoder (jwt, base64, pem); a path follows a decoder"));
            }
        }
    }
    Ok(stages)
}

/// Whether the path can find several values (`[*]` anywhere).
pub(super) fn is_multi(stages: &[Stage]) -> bool {
    stages.iter().any(|s| matches!(s, Stage::Path(p) if p.contains(&Segment::All)))
}

/// The path as written back, up to (not including) stage `end`.
fn prefix(stages: &[Stage], end: usize) -> String {
    stages[..end]
        .iter()
        .map(|s| match s {
            Stage::Path(p) => render(p),
            Stage::Decode(d) => d.as_str().to_string(),
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn render(path: &[Segment]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Segment::Key(k) if out.is_empty() => out.push_str(&k.replace('.', "\\.")),
            Segment::Key(k) => out.push_str(&format!(".{}", k.replace('.', "\\."))),
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
            Segment::All => out.push_str("[*]"),
        }
    }
    out
}

/// A value on the way, and whether it came from a Secret's `data`/`stringData` (then what it decodes
/// to is a credential).
struct Found {
    value: Value,
    /// An item of a SecretList (API list items carry no `kind`).
    secret_kind: bool,
    secret_data: bool,
    /// The `data` map of a service-account-token Secret: its `namespace` and `ca.crt` are the public
    /// files every pod gets mounted, not credentials.
    token_secret_data: bool,
}

impl Found {
    fn child(&self, value: &Value, key: Option<&str>) -> Found {
        let kind = self.value.get("kind").and_then(Value::as_str);
        let is_secret = self.secret_kind || kind == Some("Secret");
        let entering_data = is_secret && matches!(key, Some("data" | "stringData"));
        let public = self.token_secret_data && matches!(key, Some("namespace" | "ca.crt"));
        Found {
            value: value.clone(),
            secret_kind: kind == Some("SecretList") && key == Some("items") || (key.is_none() && self.secret_kind),
            secret_data: entering_data || (self.secret_data && !public),
            token_secret_data: entering_data
                && self.value.get("type").and_then(Value::as_str) == Some("kubernetes.io/service-account-token"),
        }
    }
}

fn walk(found: Vec<Found>, path: &[Segment]) -> Vec<Found> {
    let mut current = found;
    for seg in path {
        let mut next = Vec::new();
        for f in current {
            match (seg, &f.value) {
                (Segment::Key(k), Value::Object(map)) => next.extend(map.get(k).map(|v| f.child(v, Some(k)))),
                (Segment::Index(i), Value::Array(items)) => next.extend(items.get(*i).map(|v| f.child(v, None))),
                (Segment::All, Value::Array(items)) => next.extend(items.iter().map(|v| f.child(v, None))),
                _ => {}
            }
        }
        current = next;
    }
    current
}

/// Every value at `path` in `doc` (several when the path has `[*]`), decoded by its stages; nulls
/// are skipped. A decoded Secret value is registered as a credential, so no output shows it.
pub fn resolve(doc: &Value, path: &str) -> Result<(Vec<Value>, bool), LookupError> {
    let stages = parse(path).map_err(LookupError::Path)?;
    let mut current = vec![Found { value: doc.clone(), secret_kind: false, secret_data: false, token_secret_data: false }];
    for (i, stage) in stages.iter().enumerate() {
        current = match stage {
            Stage::Path(p) => walk(current, p).into_iter().filter(|f| !f.value.is_null()).collect(),
            Stage::Decode(d) => {
                let at = || prefix(&stages, i);
                let mut next = Vec::new();
                for f in current {
                    let Value::String(text) = &f.value else {
                        return Err(LookupError::Decode { at: at(), decode: *d, why: format!("it holds {}, not text", f.value) });
                    };
                    let value = d.apply(text).map_err(|why| {
                        // A Secret's value (or what it decoded to) is not quoted in the message.
                        let why = if f.secret_data { hide_input(&why, text) } else { why };
                        LookupError::Decode { at: at(), decode: *d, why }
                    })?;
                    if f.secret_data {
                        if let Value::String(plain) = &value {
                            crate::secrets::register_secret(plain);
                        }
                    }
                    next.push(Found { value, secret_kind: false, secret_data: f.secret_data, token_secret_data: false });
                }
                next
            }
        };
    }
    Ok((current.into_iter().map(|f| f.value).collect(), is_multi(&stages)))
}

/// A decoder's message with the excerpt of its input it quotes (see [`Decode::apply`]) replaced.
fn hide_input(why: &str, text: &str) -> String {
    why.replace(&format!("{:?}", super::excerpt(text.trim(), 60)), crate::secrets::REDACTED)
}

/// What a decoder's output looks like, for the path after it: JWT claims (the ServiceAccount token
/// claims), PEM blocks, or text (no path may follow).
pub(super) fn decoded_schema(decode: Decode) -> Result<Arc<KindSchema>, String> {
    match decode {
        Decode::Jwt => Ok(token_claims()),
        Decode::Pem => Ok(pem_blocks()),
        Decode::Base64 => {
            Err("`base64` decodes to text, which has no fields: decode it further (`| jwt`, `| pem`) or end the path there".into())
        }
    }
}

fn pem_blocks() -> Arc<KindSchema> {
    static PEM: OnceLock<Arc<KindSchema>> = OnceLock::new();
    PEM.get_or_init(|| {
        let root = serde_json::json!({"type": "array", "items": {"type": "object", "properties": {
            "type": {"type": "string"}, "bytes": {"type": "integer"}}}});
        Arc::new(KindSchema::new("PEM blocks", root, Arc::default()))
    })
    .clone()
}

/// The schema each path stage of `stages` is read against: the document's for the first, then the
/// decoded form's.
pub(super) fn stage_schemas(stages: &[Stage], schema: &DocSchema) -> Result<Vec<(Vec<Segment>, DocSchema)>, String> {
    let mut out = Vec::new();
    for (i, stage) in stages.iter().enumerate() {
        let Stage::Path(p) = stage else { continue };
        let here = match i.checked_sub(1).map(|j| &stages[j]) {
            Some(Stage::Decode(d)) => DocSchema::Known(decoded_schema(*d)?),
            _ => schema.clone(),
        };
        out.push((p.clone(), here));
    }
    Ok(out)
}

/// Load-time check of the stages after each decoder (their schema is known without a cluster): a
/// path after `| base64`, or a misspelled claim after `| jwt`, is an error.
pub fn check_decoded(path: &str) -> Result<(), String> {
    let stages = parse(path)?;
    for (segments, schema) in stage_schemas(&stages, &DocSchema::Unknown(String::new()))? {
        if let DocSchema::Known(kind) = schema {
            kind.check_path(&segments).map_err(|problem| problem.to_string())?;
        }
    }
    Ok(())
}

/// Every value at `path` in `doc` (several when the path has `[*]`), decoded by its ` | DECODER`
/// stages (see [`resolve`]); nulls are skipped.
pub fn lookup(doc: &Value, path: &str) -> Result<(Vec<Value>, bool), LookupError> {
    resolve(doc, path)
}

#[cfg(test)]
mod tests {
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
}
