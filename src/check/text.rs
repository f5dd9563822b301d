//! Expectations on text a process printed: exact, contains, regex, JSON fields, kubectl table rows and
//! columns, and `Key: value` lines of `kubectl describe`.

use super::{excerpt, parse_table, DocSchema, FieldCheck, Mismatch, OneOrMany};
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TextExpect {
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
        serde_json::from_str(text.trim_end_matches(['\n', '\r'])).ok()
    }

    /// Every expectation on `stream` (e.g. "stdout") that `text` does not meet; `json:` paths are
    /// checked against `schema`, the schema of the document's kind.
    pub fn check(&self, stream: &str, text: &str, schema: &DocSchema) -> Vec<Mismatch> {
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
}
