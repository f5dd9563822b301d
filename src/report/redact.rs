//! The one place secrets are removed from output. Redaction works on values, never on serialised
//! text: each string an outcome carries (a note, a mismatch, a diagnostic, an error) is redacted on
//! its own before any reporter formats it, so no pattern can eat a JSON quote or an XML attribute.
//!
//! It hides what credentials look like: JWTs, `Bearer` credentials, the credential fields of a
//! kubeconfig (`client-key-data`, `client-certificate-data`, `token:`, `password:`), bootstrap
//! tokens, PEM private keys, and the values of a Secret's `data`/`stringData` (also `kubectl create secret
//! --from-literal=key=value`). Prose stays: in "SelfSubjectReview with the token:
//! system:serviceaccount:dev:pod-inspector" the word `token:` introduces an identity, not a secret,
//! so a `token:` field counts only where a key stands (start of a YAML line, a JSON key).

mod secret_data;

use crate::outcome::{RunOutcome, ScenarioOutcome, StepOutcome};
use regex::{Captures, Regex};
use serde_json::Value;
use std::borrow::Cow;
use std::sync::LazyLock;

pub use crate::secrets::{register_secret, REDACTED};

/// Keys whose value is a credential wherever they stand as a key (kubeconfig YAML, JSON).
const CREDENTIAL_KEYS: &str = "token|password|id-token|refresh-token|client-key-data|client-certificate-data";

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex")
}

/// base64url of a JSON object (`{"` -> `eyJ`): a JWT, or what is left of one cut short by an excerpt.
static JWT: LazyLock<Regex> = LazyLock::new(|| re(r"eyJ[A-Za-z0-9_-]{10,}(?:\.[A-Za-z0-9_-]*){0,2}"));
static BEARER: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b(bearer\s+)([A-Za-z0-9._~+/=-]+)"));
/// `token: x` as a YAML key: at the start of a line (or of a list item).
static YAML_FIELD: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"(?m)^([ \t]*(?:-[ \t]+)?(?:{CREDENTIAL_KEYS})[ \t]*:[ \t]*)([^\s|>][^\r\n]*)$")));
/// `"token": "x"` as a JSON key, also when the excerpt ends inside the value.
static JSON_FIELD: LazyLock<Regex> = LazyLock::new(|| re(&format!(r#"("(?:{CREDENTIAL_KEYS})"\s*:\s*")((?:[^"\\]|\\.)*)("?)"#)));
/// The kubeconfig's certificate and key fields are never prose, wherever they stand.
static KEY_DATA: LazyLock<Regex> = LazyLock::new(|| re(r#"\b((?:client-key-data|client-certificate-data)"?\s*:\s*"?)([A-Za-z0-9+/=]+)"#));
/// `--token=x`, `--password x`.
static FLAG: LazyLock<Regex> = LazyLock::new(|| re(r#"(--(?:token|password)(=|\s+))([^\s"']+)"#));
/// `kubectl create secret ... --from-literal=key=value`: the value is the Secret's data.
static CREATE_SECRET: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bcreate\s+secret\b"));
static FROM_LITERAL: LazyLock<Regex> = LazyLock::new(|| re(r#"(--(?:from-literal[= ][^=\s]+=|docker-password[= ]))([^\s"'`]+)"#));
/// A PEM private key (PKCS#8, PKCS#1, SEC1): its body, also cut short by an excerpt.
static PEM_KEY: LazyLock<Regex> =
    LazyLock::new(|| re(r"(-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----)(?:\\n|\s|[A-Za-z0-9+/=])+(-----END (?:[A-Z]+ )?PRIVATE KEY-----)?"));
/// A bootstrap token: `[a-z0-9]{6}.[a-z0-9]{16}`.
static BOOTSTRAP: LazyLock<Regex> = LazyLock::new(|| re(r"\b[a-z0-9]{6}\.[a-z0-9]{16}\b"));

/// A pattern and what a match becomes.
type Rule = (&'static Regex, fn(&Captures) -> String);

/// An opaque credential rather than a word: long enough, and with a digit or very long.
fn looks_like_a_credential(s: &str) -> bool {
    !s.starts_with('<') && s.len() >= 8 && (s.bytes().any(|b| b.is_ascii_digit()) || s.len() >= 24)
}

/// One string with every secret in it replaced by a `<redacted…>` marker; prose is left as it is.
/// A string that quotes output the way `{:?}` does (a mismatch's `actual: "apiVersion: v1\ndata:..."`)
/// is also read with its escapes undone, so a Secret's YAML or a kubeconfig keeps its lines there too.
pub fn redact(text: &str) -> Cow<'_, str> {
    let out = redact_lines(text);
    let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).filter(|t| t.contains("\\n") || t.contains("\\\"")) else {
        return out;
    };
    let inner = out.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(inner);
    match redact_lines(&unescape(inner)) {
        Cow::Owned(plain) => Cow::Owned(format!("{:?}", plain)),
        Cow::Borrowed(_) => out,
    }
}

/// Undoes the escapes `{:?}` writes for line breaks, tabs, quotes and backslashes.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(e @ ('"' | '\\' | '\'')) => out.push(e),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// The rules, on text whose line breaks are real.
fn redact_lines(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    if let Ok(learned) = crate::secrets::LEARNED.read() {
        for secret in learned.iter() {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
            }
        }
    }
    if let Some(t) = secret_data::redact(&out) {
        out = Cow::Owned(t);
    }
    if CREATE_SECRET.is_match(&out) && FROM_LITERAL.is_match(&out) {
        out = Cow::Owned(FROM_LITERAL.replace_all(&out, format!("${{1}}{REDACTED}")).into_owned());
    }
    let rules: [Rule; 8] = [
        (&*PEM_KEY, |c| format!("{}\n{REDACTED}\n{}", &c[1], c.get(2).map_or("", |m| m.as_str()))),
        (&*JWT, |_| "<redacted-jwt>".to_string()),
        (&*YAML_FIELD, |c| if c[2].starts_with('<') { c[0].to_string() } else { format!("{}{REDACTED}", &c[1]) }),
        (
            &*JSON_FIELD,
            |c| if c[2].is_empty() || c[2].starts_with('<') { c[0].to_string() } else { format!("{}{REDACTED}{}", &c[1], &c[3]) },
        ),
        (&*KEY_DATA, |c| format!("{}{REDACTED}", &c[1])),
        (&*BEARER, |c| if looks_like_a_credential(&c[2]) { format!("{}{REDACTED}", &c[1]) } else { c[0].to_string() }),
        (&*FLAG, |c| if &c[2] == "=" || looks_like_a_credential(&c[3]) { format!("{}{REDACTED}", &c[1]) } else { c[0].to_string() }),
        (&*BOOTSTRAP, |_| REDACTED.to_string()),
    ];
    for (re, replace) in rules {
        if re.is_match(&out) {
            let replaced = re.replace_all(&out, |c: &Captures| replace(c)).into_owned();
            if replaced != *out {
                out = Cow::Owned(replaced);
            }
        }
    }
    out
}

fn redact_in_place(s: &mut String) {
    if let Cow::Owned(r) = redact(s) {
        *s = r;
    }
}

/// Redacts every string of a JSON value; a credential key's value and a Secret's `data` and
/// `stringData` values are replaced whatever they look like.
pub fn redact_value(v: &mut Value) {
    match v {
        Value::String(s) => redact_in_place(s),
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        Value::Object(map) => {
            let secret = map.get("kind").and_then(Value::as_str) == Some("Secret");
            for (key, value) in map.iter_mut() {
                let credential = CREDENTIAL_KEYS.split('|').any(|k| k == key);
                match value {
                    Value::String(s) if credential && !s.is_empty() => *s = REDACTED.to_string(),
                    Value::Object(data) if secret && (key == "data" || key == "stringData") => {
                        data.values_mut().for_each(|d| *d = Value::String(REDACTED.to_string()));
                    }
                    _ => redact_value(value),
                }
            }
        }
        _ => {}
    }
}

/// The run with every text it observed redacted, for the reporters that format fields one by one
/// (console, JUnit). The JSON report walks the serialised value instead ([`redact_value`]), so a field
/// added to the outcome is redacted there without being listed here.
pub fn run(r: &RunOutcome) -> RunOutcome {
    let mut r = r.clone();
    r.scenarios = r.scenarios.iter().map(scenario).collect();
    r.teardown_errors.iter_mut().for_each(redact_in_place);
    r
}

/// One scenario's outcome, redacted (see [`run`]).
pub fn scenario(o: &ScenarioOutcome) -> ScenarioOutcome {
    let mut o = o.clone();
    o.steps.iter_mut().for_each(step);
    o.cleanup_errors.iter_mut().for_each(redact_in_place);
    o.setup_error.iter_mut().for_each(redact_in_place);
    o
}

fn step(s: &mut StepOutcome) {
    for m in &mut s.mismatches {
        redact_in_place(&mut m.what);
        redact_in_place(&mut m.expected);
        redact_in_place(&mut m.actual);
    }
    s.error.iter_mut().for_each(redact_in_place);
    s.notes.iter_mut().for_each(redact_in_place);
    s.diagnostics.iter_mut().for_each(redact_in_place);
    if let Some(e) = &mut s.erratum {
        redact_in_place(&mut e.article);
        redact_in_place(&mut e.actual);
        e.when.iter_mut().for_each(redact_in_place);
    }
}

#[cfg(test)]
mod tests;
