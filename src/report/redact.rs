//! The one place secrets are removed from output: JWTs (service-account tokens), Bearer headers,
//! kubeconfig credentials and `token` fields. Every reporter renders through [`redact`].

use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // A JWT: three base64url parts, the first a JSON header (`{"` -> eyJ).
        (r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}", "<redacted-jwt>"),
        (r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}", "${1}<redacted>"),
        (r"((?:client-key-data|client-certificate-data|token|password)\s*:\s*)[^\s<][^\s]*", "${1}<redacted>"),
        (r#"("(?:token|password|client-key-data)"\s*:\s*")[^"<][^"]*(")"#, "${1}<redacted>${2}"),
    ]
    .into_iter()
    .map(|(p, r)| (Regex::new(p).expect("static regex"), r))
    .collect()
});

/// `text` with every secret replaced by a `<redacted…>` marker.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (re, replacement) in PATTERNS.iter() {
        if re.is_match(&out) {
            out = Cow::Owned(re.replace_all(&out, *replacement).into_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact;
    use rstest::rstest;

    const JWT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6IkFCQyJ9.eyJhdWQiOlsiaHR0cHM6Ly9rdWJlcm5ldGVzIl0sInN1YiI6InN5c3RlbTpzZXJ2aWNlYWNjb3VudDpkZXY6cG9kLWluc3BlY3RvciJ9.c2lnbmF0dXJlLWJ5dGVzLWhlcmU";

    #[rstest]
    #[case(format!("token: {JWT}"), "token: <redacted-jwt>")]
    #[case(format!("stdout: \"{JWT}\\n\""), "stdout: \"<redacted-jwt>\\n\"")]
    #[case("Authorization: Bearer abcdefghijklmnop".to_string(), "Authorization: Bearer <redacted>")]
    #[case("client-key-data: LS0tLS1CRUdJTi".to_string(), "client-key-data: <redacted>")]
    #[case(r#"{"token":"s3cr3t-value"}"#.to_string(), r#"{"token":"<redacted>"}"#)]
    fn secrets_never_survive(#[case] input: String, #[case] want: &str) {
        assert_eq!(redact(&input), want);
        assert!(!redact(&input).contains("s3cr3t"));
    }

    #[rstest]
    #[case("pods is forbidden: User \"system:serviceaccount:dev:pod-inspector\" cannot list resource \"pods\"")]
    #[case("NAME            SECRETS   AGE")]
    #[case("serviceAccountName: default")]
    fn ordinary_text_is_untouched(#[case] input: &str) {
        assert_eq!(redact(input), input);
    }
}
