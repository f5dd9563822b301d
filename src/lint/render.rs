//! Findings for people (one console line each, then a summary) and for programs (JSON).

use super::rules::{rule, Finding, Severity};
use serde_json::{json, Value};

/// One line per finding, `file:line: severity[rule] object: message (fix: ...)`, then a summary line.
pub fn render_console(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!(
            "{}:{}: {}[{}] {}: {} (fix: {})\n",
            f.file.display(),
            f.line,
            f.severity,
            f.rule,
            f.object,
            f.message,
            f.fix
        ));
    }
    out.push_str(&summary_line(findings));
    out.push('\n');
    out
}

fn count(findings: &[Finding], severity: Severity) -> usize {
    findings.iter().filter(|f| f.severity == severity).count()
}

fn summary_line(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "no findings".to_string();
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}: {}, {}, {} info",
        plural(findings.len(), "finding"),
        plural(count(findings, Severity::Error), "error"),
        plural(count(findings, Severity::Warning), "warning"),
        count(findings, Severity::Info)
    )
}

/// `{"findings": [...], "summary": {"total", "error", "warning", "info"}}`.
pub fn to_json(findings: &[Finding]) -> Value {
    let items: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "rule": f.rule,
                "name": rule(f.rule).map(|r| r.name),
                "severity": f.severity.as_str(),
                "file": f.file.display().to_string(),
                "line": f.line,
                "object": f.object,
                "message": f.message,
                "fix": f.fix,
            })
        })
        .collect();
    json!({
        "findings": items,
        "summary": {
            "total": findings.len(),
            "error": count(findings, Severity::Error),
            "warning": count(findings, Severity::Warning),
            "info": count(findings, Severity::Info),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn sample() -> Vec<Finding> {
        vec![
            Finding {
                rule: "SA001",
                severity: Severity::Warning,
                file: PathBuf::from("m/pod.yaml"),
                line: 7,
                object: "Pod/dev/nginx".into(),
                message: "runs as the default ServiceAccount".into(),
                fix: "set spec.serviceAccountName".into(),
            },
            Finding {
                rule: "SA009",
                severity: Severity::Info,
                file: PathBuf::from("m/pod.yaml"),
                line: 7,
                object: "Pod/dev/nginx".into(),
                message: "mounts a token".into(),
                fix: "set spec.automountServiceAccountToken: false".into(),
            },
        ]
    }

    #[test]
    fn console_lines_read_file_line_severity_rule() {
        let text = render_console(&sample());
        let expected =
            "m/pod.yaml:7: warning[SA001] Pod/dev/nginx: runs as the default ServiceAccount (fix: set spec.serviceAccountName)\n\
                        m/pod.yaml:7: info[SA009] Pod/dev/nginx: mounts a token (fix: set spec.automountServiceAccountToken: false)\n\
                        2 findings: 0 errors, 1 warning, 1 info\n";
        assert_eq!(text, expected);
        assert_eq!(render_console(&[]), "no findings\n");
    }

    #[test]
    fn json_keeps_every_field_and_counts() {
        let value = to_json(&sample());
        assert_eq!(value["findings"][0]["rule"], "SA001");
        assert_eq!(value["findings"][0]["name"], "default-service-account");
        assert_eq!(value["findings"][0]["file"], "m/pod.yaml");
        assert_eq!(value["findings"][0]["line"], 7);
        assert_eq!(value["findings"][1]["severity"], "info");
        assert_eq!(value["summary"], json!({"total": 2, "error": 0, "warning": 1, "info": 1}));
    }
}
