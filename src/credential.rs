//! Where a step's token comes from: the pod's mounted path (as the article's curl reads it), any file
//! in the pod, a Secret's key, or a value (usually a captured `${token}`: from a `token` step, which
//! covers TokenRequest and `kubectl create token`). `http-from-pod` and `kubectl` take the same
//! `token:` key. A token the harness reads itself is registered with the redactor before anything
//! could print it.

use crate::api::ApiError;
use base64::Engine;
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use serde::Deserialize;

/// The `token:` key: `mounted` | `none` | `{ file: PATH }` | `{ secret: NAME, key: KEY, namespace: NS }`
/// | `{ value: TEXT }`.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum TokenSource {
    /// `/var/run/secrets/kubernetes.io/serviceaccount/token` in the pod, read as the article does.
    #[default]
    Mounted,
    /// No `Authorization` header.
    None,
    /// A file in the pod (a projected token at its own path).
    File(String),
    /// A key of a Secret (`token` by default; the step's namespace by default).
    Secret { name: String, key: String, namespace: Option<String> },
    /// The token itself, usually a captured `${name}`.
    Value(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    value: Option<String>,
}

const EXPECTED: &str = "`mounted`, `none`, `{ file: PATH }`, `{ secret: NAME }` or `{ value: TOKEN }`";

impl<'de> Deserialize<'de> for TokenSource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, MapAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TokenSource;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<TokenSource, E> {
                match v {
                    "mounted" => Ok(TokenSource::Mounted),
                    "none" => Ok(TokenSource::None),
                    other => Err(E::custom(format!("unknown token source `{other}`, expected {EXPECTED}"))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TokenSource, A::Error> {
                let raw = RawSource::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                match raw {
                    RawSource { file: Some(f), secret: None, key: None, namespace: None, value: None } => {
                        if !f.starts_with('/') {
                            return Err(A::Error::custom(format!("token file `{f}` must be an absolute path in the pod")));
                        }
                        Ok(TokenSource::File(f))
                    }
                    RawSource { file: None, secret: Some(name), key, namespace, value: None } => {
                        Ok(TokenSource::Secret { name, key: key.unwrap_or_else(|| "token".into()), namespace })
                    }
                    RawSource { file: None, secret: None, key: None, namespace: None, value: Some(v) } => Ok(TokenSource::Value(v)),
                    _ => Err(A::Error::custom(format!(
                        "a token source is exactly one of {EXPECTED} (`key` and `namespace` go with `secret`)"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl TokenSource {
    /// Whether the token is read inside the pod (so a `kubectl` step cannot use it).
    pub fn in_pod(&self) -> bool {
        matches!(self, TokenSource::Mounted | TokenSource::File(_))
    }

    /// In a few words, for notes ("the Secret dev/sa-token key token").
    pub fn describe(&self, namespace: &str) -> String {
        match self {
            TokenSource::Mounted => "the mounted token".into(),
            TokenSource::None => "no token".into(),
            TokenSource::File(f) => format!("the token in {f}"),
            TokenSource::Secret { name, key, namespace: ns } => {
                format!("the Secret {}/{name} key {key}", ns.as_deref().unwrap_or(namespace))
            }
            TokenSource::Value(_) => "the token given".into(),
        }
    }
}

/// A token that could not be had: the API refused, or what it gave is no token.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A Secret without the key, a key that is not text, an empty token.
    #[error("{0}")]
    Unusable(String),
}

/// A token source made concrete: what the pod reads itself, or the token text.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Mounted,
    None,
    File(String),
    Token(String),
}

/// Reads a Secret or takes a value; registers the token with the redactor.
pub async fn resolve(client: &kube::Client, source: &TokenSource, namespace: &str) -> Result<Resolved, CredentialError> {
    let token = match source {
        TokenSource::Mounted => return Ok(Resolved::Mounted),
        TokenSource::None => return Ok(Resolved::None),
        TokenSource::File(f) => return Ok(Resolved::File(f.clone())),
        TokenSource::Value(v) => v.trim().to_string(),
        TokenSource::Secret { name, key, namespace: ns } => {
            let ns = ns.as_deref().unwrap_or(namespace);
            let secrets: Api<Secret> = Api::namespaced(client.clone(), ns);
            let secret = secrets.get(name).await.map_err(ApiError::kube(format!("get secret {ns}/{name}")))?;
            let bytes = secret.data.as_ref().and_then(|d| d.get(key)).map(|b| b.0.clone());
            let bytes = match bytes {
                Some(b) => b,
                None => {
                    let keys: Vec<String> = secret.data.iter().flat_map(|d| d.keys().cloned()).collect();
                    return Err(CredentialError::Unusable(format!(
                        "secret {ns}/{name} has no key `{key}` (keys: {}); a token Secret is filled in by the token controller a moment after it is created",
                        if keys.is_empty() { "none".into() } else { keys.join(", ") }
                    )));
                }
            };
            String::from_utf8(bytes)
                .map_err(|_| CredentialError::Unusable(format!("secret {ns}/{name} key `{key}` is not text")))?
                .trim()
                .to_string()
        }
    };
    if token.is_empty() {
        return Err(CredentialError::Unusable(format!("{} is empty", source.describe(namespace))));
    }
    crate::secrets::register_secret(&token);
    crate::secrets::register_secret(&base64::engine::general_purpose::STANDARD.encode(&token));
    Ok(Resolved::Token(token))
}

/// The shell that sets `TOKEN` in the pod for each source (none for `none`).
pub fn token_line(resolved: &Resolved) -> Option<String> {
    match resolved {
        Resolved::Mounted => Some("TOKEN=$(cat ${SERVICEACCOUNT}/token)".into()),
        Resolved::None => None,
        Resolved::File(f) => Some(format!("TOKEN=$(cat {})", shell_words::quote(f))),
        Resolved::Token(t) => Some(format!("TOKEN={}", shell_words::quote(t))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(yaml: &str) -> Result<TokenSource, String> {
        crate::yaml::from_str(yaml).map_err(|e| e.describe())
    }

    #[test]
    fn every_form_reads_and_a_mixture_is_refused() {
        assert_eq!(source("mounted"), Ok(TokenSource::Mounted));
        assert_eq!(source("none"), Ok(TokenSource::None));
        assert_eq!(
            source("{ file: /var/run/secrets/tokens/vault-token }"),
            Ok(TokenSource::File("/var/run/secrets/tokens/vault-token".into()))
        );
        assert_eq!(
            source("{ secret: build-robot-secret }"),
            Ok(TokenSource::Secret { name: "build-robot-secret".into(), key: "token".into(), namespace: None })
        );
        assert_eq!(source("{ value: abc }"), Ok(TokenSource::Value("abc".into())));
        assert!(source("{ file: /a, value: b }").unwrap_err().contains("exactly one of"));
        assert!(source("{ file: relative }").unwrap_err().contains("absolute path"));
        assert!(source("projected").unwrap_err().contains("unknown token source `projected`"));
        assert!(source("{ path: /a }").unwrap_err().contains("unknown field `path`"));
    }

    #[test]
    fn the_pod_reads_files_itself_and_gets_values_quoted() {
        assert_eq!(token_line(&Resolved::Mounted).unwrap(), "TOKEN=$(cat ${SERVICEACCOUNT}/token)");
        assert_eq!(token_line(&Resolved::File("/var/run/secrets/tokens/t".into())).unwrap(), "TOKEN=$(cat /var/run/secrets/tokens/t)");
        assert_eq!(token_line(&Resolved::Token("a'b".into())).unwrap(), "TOKEN='a'\\''b'");
        assert_eq!(token_line(&Resolved::None), None);
    }
}
