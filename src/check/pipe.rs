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
mod tests;
