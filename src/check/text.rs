//! Expectations on text a process printed: exact, contains, regex, JSON fields, kubectl table rows and
//! columns, and `Key: value` lines of `kubectl describe`.

use super::decode::Decode;
use super::{excerpt, parse_table, DocSchema, FieldCheck, Mismatch, OneOrMany};
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TextExpect {
    /// Decode the whole text first (a file that is a JWT, base64 or PEM); the other keys apply to
    /// what it decodes to: text for base64, a document for `json:` for jwt and pem.
    #[serde(default)]
    pub decode: Option<Decode>,
    #[serde(default)]
    pub equals: Option<String>,
    #[serde(default)]
    pub contains: OneOrMany,
    #[serde(default)]
    pub not_contains: OneOrMany,
    #[serde(default)]
    pub regex: Option<String>,
    #[serde(default)]
    pub json: Vec<FieldCheck>,
    #[serde(default)]
    pub table: Vec<BTreeMap<String, String>>,
    #[serde(default)]
    pub column: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub lines: BTreeMap<String, String>,
}

const EXCERPT: usize = 600;

impl TextExpect {
    /// The JSON document in `text` when there are `json:` checks on it (to look up its schema).
    pub fn json_document(&self, text: &str) -> Option<serde_json::Value> {
        if self.json.is_empty() {
            return None;
        }
        match self.decode {
            // Claims and PEM blocks have their own schema (see `check`), not a cluster's kind.
            Some(Decode::Jwt | Decode::Pem) => None,
            Some(Decode::Base64) => {
                super::decode::base64_text(text).and_then(|t| serde_json::from_str(t.trim_end_matches(['\n', '\r'])).ok())
            }
            None => serde_json::from_str(text.trim_end_matches(['\n', '\r'])).ok(),
        }
    }

    /// Every expectation on `stream` (e.g. "stdout") that `text` does not meet; `json:` paths are
    /// checked against `schema`, the schema of the document's kind.
    pub fn check(&self, stream: &str, text: &str, schema: &DocSchema) -> Vec<Mismatch> {
        let decoded;
        let text = match self.decode.map(|d| (d, d.apply(text))) {
            None => text,
            Some((d, Err(why))) => return vec![Mismatch::new(stream, d.expected(), why)],
            Some((_, Ok(serde_json::Value::String(plain)))) => {
                decoded = plain;
                decoded.as_str()
            }
            Some((d, Ok(doc))) => {
                let schema = super::pipe::decoded_schema(d).map(DocSchema::Known).unwrap_or_else(DocSchema::Unknown);
                return self.json.iter().flat_map(|c| c.check(&doc, &schema)).collect();
            }
        };
        let text = text.trim_end_matches(['\n', '\r']);
        let shown = || format!("{:?}", excerpt(text, EXCERPT));
        let mut out = Vec::new();
        if let Some(want) = &self.equals {
            if want.trim_end_matches('\n') != text {
                out.push(Mismatch::new(stream, format!("{want:?}"), shown()));
            }
        }
        for want in &self.contains.0 {
            if !text.contains(want.as_str()) {
                out.push(Mismatch::new(stream, format!("to contain {want:?}"), shown()));
            }
        }
        for unwanted in &self.not_contains.0 {
            if text.contains(unwanted.as_str()) {
                out.push(Mismatch::new(stream, format!("not to contain {unwanted:?}"), shown()));
            }
        }
        if let Some(pattern) = &self.regex {
            match Regex::new(pattern) {
                Ok(re) if re.is_match(text) => {}
                Ok(_) => out.push(Mismatch::new(stream, format!("to match /{pattern}/"), shown())),
                Err(e) => out.push(Mismatch::new(stream, "a valid regex", e.to_string())),
            }
        }
        if !self.json.is_empty() {
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(doc) => out.extend(self.json.iter().flat_map(|c| c.check(&doc, schema))),
                Err(e) => out.push(Mismatch::new(stream, "JSON", format!("{e}: {}", shown()))),
            }
        }
        out.extend(self.check_table(stream, text));
        out.extend(self.check_lines(stream, text));
        out
    }

    fn check_table(&self, stream: &str, text: &str) -> Vec<Mismatch> {
        if self.table.is_empty() && self.column.is_empty() {
            return Vec::new();
        }
        let rows = parse_table(text);
        let mut out = Vec::new();
        for want in &self.table {
            let found = rows.iter().any(|row| want.iter().all(|(k, v)| row.get(k) == Some(v)));
            if !found {
                let want_s = want.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
                out.push(Mismatch::new(format!("{stream} table"), format!("a row with {want_s}"), format!("{:?}", excerpt(text, EXCERPT))));
            }
        }
        for (header, want) in &self.column {
            let mut got: Vec<String> = rows.iter().filter_map(|r| r.get(header).cloned()).collect();
            let mut want_sorted = want.clone();
            got.sort();
            want_sorted.sort();
            if got != want_sorted {
                out.push(Mismatch::new(format!("{stream} column {header}"), format!("{want_sorted:?}"), format!("{got:?}")));
            }
        }
        out
    }

    fn check_lines(&self, stream: &str, text: &str) -> Vec<Mismatch> {
        let mut out = Vec::new();
        for (key, want) in &self.lines {
            let values: Vec<&str> = text
                .lines()
                .filter_map(|l| l.trim_start().strip_prefix(key.as_str()))
                .filter_map(|rest| rest.strip_prefix(':'))
                .map(str::trim)
                .collect();
            if !values.iter().any(|v| v == want) {
                let got = if values.is_empty() { "no such line".to_string() } else { format!("{values:?}") };
                out.push(Mismatch::new(format!("{stream} line `{key}:`"), format!("{want:?}"), got));
            }
        }
        out
    }

    /// Load-time validation of regexes and field paths.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(d @ (Decode::Jwt | Decode::Pem)) = self.decode {
            let plain = TextExpect { decode: None, json: Vec::new(), ..self.clone() };
            if plain != TextExpect::default() {
                return Err(format!("`decode: {}` gives a document: check it with `json:` only", d.as_str()));
            }
            if self.json.is_empty() {
                return Err(format!("`decode: {}` needs `json:` checks on what it decodes to", d.as_str()));
            }
            let schema = DocSchema::Known(super::pipe::decoded_schema(d)?);
            return self.json.iter().try_for_each(|c| c.validate_against(&schema));
        }
        if let Some(p) = &self.regex {
            Regex::new(p).map_err(|e| format!("invalid regex: {e}"))?;
        }
        self.json.iter().try_for_each(FieldCheck::validate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn expect(yaml: &str) -> TextExpect {
        crate::yaml::from_str(yaml).unwrap()
    }

    const DESCRIBE: &str = "Name:             alpine-curl\nNamespace:        dev\nService Account:  pod-inspector\n";
    const TABLE: &str = "NAME            SECRETS   AGE\ndefault         0         1m\npod-inspector   0         5s\n";

    #[rstest]
    #[case("{equals: dev}", "dev\n")]
    #[case("{contains: [token, ca.crt, namespace]}", "ca.crt\nnamespace\ntoken\n")]
    #[case("{not-contains: token}", "")]
    #[case("{regex: '(?m)^yes$'}", "yes\n")]
    #[case("{json: [{path: kind, equals: PodList}]}", "{\"kind\":\"PodList\"}")]
    #[case("{lines: {Service Account: pod-inspector}}", DESCRIBE)]
    #[case("{table: [{NAME: pod-inspector, SECRETS: '0'}]}", TABLE)]
    #[case("{column: {NAME: [pod-inspector, default]}}", TABLE)]
    fn passes_when_the_text_matches(#[case] yaml: &str, #[case] text: &str) {
        assert_eq!(expect(yaml).check("stdout", text, &DocSchema::Unknown("no schema in this test".into())), vec![]);
    }

    #[rstest]
    #[case("{equals: prod}", "dev\n", "stdout: expected \"prod\", got \"dev\"")]
    #[case("{contains: token}", "ca.crt", "stdout: expected to contain \"token\", got \"ca.crt\"")]
    #[case(
        "{lines: {Service Account: default}}",
        DESCRIBE,
        "stdout line `Service Account:`: expected \"default\", got [\"pod-inspector\"]"
    )]
    #[case("{table: [{NAME: pod-inspector, SECRETS: '1'}]}", TABLE,
           "stdout table: expected a row with NAME=pod-inspector SECRETS=1, got \"NAME            SECRETS   AGE\\ndefault         0         1m\\npod-inspector   0         5s\"")]
    #[case("{column: {NAME: [default]}}", TABLE, "stdout column NAME: expected [\"default\"], got [\"default\", \"pod-inspector\"]")]
    #[case(
        "{json: [{path: kind, equals: PodList}]}",
        "not json",
        "stdout: expected JSON, got expected ident at line 1 column 2: \"not json\""
    )]
    fn fails_with_expected_and_actual(#[case] yaml: &str, #[case] text: &str, #[case] message: &str) {
        let got = expect(yaml).check("stdout", text, &DocSchema::Unknown("no schema in this test".into()));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].to_string(), message);
    }

    fn jwt_file() -> String {
        use base64::Engine;
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"aud":["vault"],"exp":4600,"iat":1000}"#);
        format!("eyJhbGciOiJSUzI1NiJ9.{claims}.c2ln\n")
    }

    #[rstest]
    #[case("{decode: jwt, json: [{path: aud, set-equals: [vault]}, {path: exp - iat, equals: 3600}]}", None)]
    #[case(
        "{decode: jwt, json: [{path: aud, set-equals: [api]}]}",
        Some("field `aud`: expected the set [\"api\"] (any order), got [\"vault\"]; missing [\"api\"]; extra [\"vault\"]")
    )]
    #[case(
        "{decode: jwt, json: [{path: aud, not-contains: vault}]}",
        Some("field `aud`: expected not to contain \"vault\", got [\"vault\"]")
    )]
    #[case("{decode: base64, json: [{path: aud, absent: true}]}",
           Some("stdout: expected base64 of UTF-8 text, got \"eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOlsidmF1bHQiXSwiZXhwIjo0NjAwLCJ… (78 bytes in all)\""))]
    fn a_file_that_is_a_jwt_is_decoded_before_its_checks(#[case] yaml: &str, #[case] message: Option<&str>) {
        expect(yaml).validate().unwrap();
        let got: Vec<String> =
            expect(yaml).check("stdout", &jwt_file(), &DocSchema::Unknown("unused".into())).iter().map(ToString::to_string).collect();
        assert_eq!(got, message.into_iter().map(String::from).collect::<Vec<_>>());
    }

    #[rstest]
    #[case("{decode: base64, equals: dev}", "ZGV2\n", None)]
    #[case("{decode: base64, equals: prod}", "ZGV2\n", Some("stdout: expected \"prod\", got \"dev\""))]
    #[case(
        "{decode: jwt, json: [{path: sub, absent: true}]}",
        "dev",
        Some("stdout: expected a JWT, got not a JWT: 1 dot-separated parts instead of 3")
    )]
    #[case(
        "{decode: pem, json: [{path: '[*].type', equals: [CERTIFICATE]}]}",
        "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n",
        None
    )]
    #[case(
        "{decode: pem, json: [{path: '[*].type', equals: [CERTIFICATE]}]}",
        "hello",
        Some("stdout: expected PEM, got no PEM block in \"hello\"")
    )]
    fn base64_and_pem_text_decode_or_fail_saying_what_it_is_not(#[case] yaml: &str, #[case] text: &str, #[case] message: Option<&str>) {
        let got: Vec<String> =
            expect(yaml).check("stdout", text, &DocSchema::Unknown("unused".into())).iter().map(ToString::to_string).collect();
        assert_eq!(got, message.into_iter().map(String::from).collect::<Vec<_>>());
    }

    #[rstest]
    #[case("{decode: jwt, equals: x, json: [{path: sub, absent: true}]}", "`decode: jwt` gives a document: check it with `json:` only")]
    #[case("{decode: pem}", "`decode: pem` needs `json:` checks on what it decodes to")]
    #[case("{decode: jwt, json: [{path: subb, absent: true}]}", "field `subb`: no field `subb` at the top (did you mean `sub`?)")]
    fn a_decoded_document_is_checked_with_json_on_known_paths(#[case] yaml: &str, #[case] message: &str) {
        assert_eq!(expect(yaml).validate().unwrap_err(), message);
    }

    /// `json_document` hands the step the document its `json:` paths are checked in (to fetch that
    /// kind's schema); returning None there would leave every JSON check of printed output unvalidated.
    #[test]
    fn json_document_is_the_printed_json_when_there_are_json_checks() {
        let e = expect("{json: [{path: kind, equals: PodList}]}");
        assert_eq!(e.json_document("{\"kind\":\"PodList\"}\n"), Some(json!({"kind": "PodList"})));
        assert_eq!(e.json_document("not json"), None);
        assert_eq!(expect("{contains: PodList}").json_document("{\"kind\":\"PodList\"}"), None, "no json checks, no document");
    }

    /// A `regex:` that does not match is a mismatch (the shipped tests only had regexes that matched).
    #[test]
    fn regex_that_does_not_match_fails_with_the_pattern() {
        let got = expect("{regex: '(?m)^yes$'}").check("stdout", "no\n", &DocSchema::Unknown("no schema in this test".into()));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].to_string(), "stdout: expected to match /(?m)^yes$/, got \"no\"");
    }

    /// Load-time validation of printed-output expectations: a broken regex, or a `json:` check with no
    /// condition, is a load error (file:line), not a surprise at run time.
    #[test]
    fn validate_rejects_a_broken_regex_and_a_json_check_without_condition() {
        let err = expect("{regex: '(unclosed'}").validate().unwrap_err();
        assert!(err.starts_with("invalid regex: "), "{err}");
        let err = expect("{json: [{path: kind}]}").validate().unwrap_err();
        assert!(err.contains("has no condition"), "{err}");
        assert_eq!(expect("{regex: '^ok$', json: [{path: kind, equals: PodList}]}").validate(), Ok(()));
    }
}
