//! SARIF 2.1.0 output, so code-scanning tools (GitHub, IDEs) can show lint findings on the lines
//! they concern. Every rule is described in the driver, whether it fired or not.

use super::rules::{Finding, Severity, RULES};
use serde_json::{json, Value};
use std::path::Path;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// One SARIF run of tool `sa-conformance` with a result per finding.
pub fn to_sarif(findings: &[Finding]) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": { "text": r.description },
                "fullDescription": { "text": format!("{} (article: \"{}\")", r.description, r.practice) },
                "help": { "text": r.practice },
                "defaultConfiguration": { "level": level(r.severity) },
            })
        })
        .collect();
    let results: Vec<Value> = findings.iter().map(result).collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "sa-conformance",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

fn result(f: &Finding) -> Value {
    let mut value = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": { "text": format!("{}: {} (fix: {})", f.object, f.message, f.fix) },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": artifact_uri(&f.file) },
                "region": { "startLine": f.line },
            },
            "logicalLocations": [{ "fullyQualifiedName": f.object, "kind": "object" }],
        }],
        "properties": { "object": f.object, "fix": f.fix },
    });
    if let Some(index) = RULES.iter().position(|r| r.id == f.rule) {
        value["ruleIndex"] = json!(index);
    }
    value
}

/// SARIF's names for severities (`info` is a `note`).
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative path stays relative (resolved against the run's root); an absolute one becomes file://.
fn artifact_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let encoded: String = text
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    if path.is_absolute() {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("manifests/pod.yaml", "manifests/pod.yaml")]
    #[case("my dir/pod.yaml", "my%20dir/pod.yaml")]
    #[case("/abs/pod.yaml", "file:///abs/pod.yaml")]
    fn paths_become_uris(#[case] path: &str, #[case] uri: &str) {
        assert_eq!(artifact_uri(Path::new(path)), uri);
    }
}
