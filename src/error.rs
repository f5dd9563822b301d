//! Errors keep their causes: each layer's `thiserror` enum says what it was doing and returns what went
//! wrong below it from `source()`, never both; the edge (`main`, the runner recording a step's error
//! for the reporters) prints the whole chain once, with [`chain`]. Errors of libraries that already
//! print their direct cause (kube, its kubeconfig reader) enter through [`Foreign`] and [`KubeError`],
//! which skip that printed level, so no text appears twice and no Rust debug dump reaches a user.

use std::error::Error;
use std::fmt;

/// An error and all its causes on one line: `what was attempted: why: why that`.
pub fn chain(e: &dyn Error) -> String {
    chain_from(e.to_string(), e.source())
}

fn chain_from(mut text: String, mut source: Option<&(dyn Error + 'static)>) -> String {
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// An error from a library whose message already includes its direct cause (a `thiserror` variant
/// written `"...: {0}"` with `#[source]`): the message is kept, and the chain goes on below that cause.
#[derive(Debug)]
pub struct Foreign(pub Box<dyn Error + Send + Sync>);

impl Foreign {
    pub fn new(e: impl Error + Send + Sync + 'static) -> Self {
        Foreign(Box::new(e))
    }
}

impl fmt::Display for Foreign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Error for Foreign {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source().and_then(|printed| printed.source())
    }
}

/// A kube error in words: an API answer as `MESSAGE (REASON, HTTP CODE)` (kube's own text for it
/// carries a Rust debug dump of the Status), anything else as kube says it, with the causes below.
#[derive(Debug)]
pub struct KubeError(pub kube::Error);

impl fmt::Display for KubeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&kube_words(&self.0))
    }
}

impl Error for KubeError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        kube_cause(&self.0)
    }
}

impl From<kube::Error> for KubeError {
    fn from(e: kube::Error) -> Self {
        KubeError(e)
    }
}

/// A kube error and its causes in words, for a message that is itself the end of a chain.
pub fn describe(e: &kube::Error) -> String {
    chain_from(kube_words(e), kube_cause(e))
}

fn kube_words(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => {
            let reason = if s.reason.is_empty() { String::new() } else { format!("{}, ", s.reason) };
            let message = if s.message.is_empty() { "the API server refused the request" } else { s.message.as_str() };
            format!("{message} ({reason}HTTP {})", s.code)
        }
        other => other.to_string(),
    }
}

/// What kube did not print already: an API answer has no cause; other variants print their direct one.
fn kube_cause(e: &kube::Error) -> Option<&(dyn Error + 'static)> {
    match e {
        kube::Error::Api(_) => None,
        other => other.source().and_then(|printed| printed.source()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("reading the answer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn each_cause_is_printed_once() {
        let e = Outer(std::io::Error::other("connection reset"));
        assert_eq!(chain(&e), "reading the answer: connection reset");
    }

    #[test]
    fn an_api_answer_reads_as_words_not_a_debug_dump() {
        let status: kube::core::Status = serde_json::from_value(serde_json::json!({
            "status": "Failure", "code": 404, "reason": "NotFound",
            "message": "pods \"alpine-curl\" not found", "metadata": {}
        }))
        .expect("a Status");
        let text = describe(&kube::Error::Api(Box::new(status)));
        assert_eq!(text, "pods \"alpine-curl\" not found (NotFound, HTTP 404)");
    }

    #[test]
    fn a_library_error_that_prints_its_cause_is_not_printed_twice() {
        #[derive(Debug, thiserror::Error)]
        #[error("failed to read kubeconfig: {0}")]
        struct Lib(#[source] std::io::Error);
        let e = Foreign::new(Lib(std::io::Error::other("no such file")));
        assert_eq!(chain(&e), "failed to read kubeconfig: no such file");
    }
}
