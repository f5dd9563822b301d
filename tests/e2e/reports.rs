//! The reports a real run writes: `run --json X --junit Y` on a scenario whose notes carry prose
//! about tokens and whose failed step printed a live JWT, and one whose failed step printed a Secret's
//! YAML. Both files must parse (JSON with serde_json, JUnit as XML), keep the whoami note word for
//! word, and contain no JWT and neither the Secret's value nor its base64.

use crate::cli;
use crate::shared::{cluster_name, Shared};
use libtest_mimic::{Failed, Trial};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

const WHOAMI: &str = "SelfSubjectReview with the token: system:serviceaccount:sa-reports-probe:probe";
const REDACTED_JWT: &str = "<redacted-jwt>";
/// The probe Secret's password, as created and as `data` holds it.
const PASSWORD: [&str; 2] = ["s3cr3t-hunter2-0451", "czNjcjN0LWh1bnRlcjItMDQ1MQ=="];
const REDACTED_DATA: &str = "password: <redacted>";

pub fn trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    crate::shared::gated(
        "reports::json_and_junit_parse_keep_prose_and_hide_a_live_jwt",
        crate::shared::footprint_of_all(&[
            "tests/e2e/reports/reports-probe.scenario.yaml",
            "tests/e2e/reports/reports-secret-probe.scenario.yaml",
        ]),
        move || {
            let target = shared.target()?;
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let (json_path, junit_path) = (dir.path().join("run.json"), dir.path().join("run.xml"));
            let (json_arg, junit_arg) = (json_path.display().to_string(), junit_path.display().to_string());
            let html_path = dir.path().join("run.html");
            let html_arg = html_path.display().to_string();
            let kubeconfig = target.kubeconfig.display().to_string();
            let allow = std::env::var("SA_CONFORMANCE_ALLOW_CONTEXT").unwrap_or_default();
            let name = cluster_name();
            let mut args = match std::env::var("SA_CONFORMANCE_CONTEXT") {
                Ok(_) => vec!["run", "--cluster", "existing", "--kubeconfig", &kubeconfig, "--context", &target.context],
                Err(_) => vec!["run", "--reuse", "--keep", "--name", &name],
            };
            for context in allow.split([' ', ',']).filter(|s| !s.is_empty()) {
                args.extend(["--allow-context", context]);
            }
            args.extend([
                "--scenarios-dir",
                "tests/e2e/reports",
                "--json",
                &json_arg,
                "--junit",
                &junit_arg,
                "--html",
                &html_arg,
                "reports-probe",
                "reports-secret-probe",
            ]);
            let out = cli::output(&args)?;
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            if out.status.code() != Some(1) || !stdout.contains("scenarios: 0 passed, 2 failed") {
                return Err(format!(
                    "expected both probes to fail their last step (exit 1), got {:?}\nstdout: {stdout}\nstderr: {stderr}",
                    out.status.code()
                )
                .into());
            }
            check_json(&json_path)?;
            check_junit(&junit_path)?;
            check_page(&html_path)?;
            if stderr.contains("eyJ") || PASSWORD.iter().any(|p| stderr.contains(p)) {
                return Err(format!("a secret is on the console:\n{stderr}").into());
            }
            if !stderr.contains(REDACTED_DATA) {
                return Err(format!("the console does not show the Secret's key with its value redacted:\n{stderr}").into());
            }
            Ok(())
        },
    )
}

fn read(path: &Path) -> Result<String, Failed> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("the run wrote no report {}: {e}", path.display()))?;
    if text.contains("eyJ") {
        return Err(format!("a JWT (eyJ...) is in {}:\n{text}", path.display()).into());
    }
    if let Some(p) = PASSWORD.iter().find(|p| text.contains(*p)) {
        return Err(format!("the probe Secret's password ({p}) is in {}:\n{text}", path.display()).into());
    }
    Ok(text)
}

/// `run --html`: the one-column page, titled with the server's version, says both probes failed and
/// holds no secret (`read` looks).
fn check_page(path: &Path) -> Result<(), Failed> {
    let page = read(path)?;
    let column = page.split("<tr><td>v1.").nth(1).and_then(|rest| rest.split('<').next()).unwrap_or_default();
    if column.is_empty() || !page.contains("<td>0 / 2") {
        return Err(format!(
            "the page of this run must title its column with the server's version (v1.*) and say 0 / 2 scenarios passed:\n{page}"
        )
        .into());
    }
    Ok(())
}

fn check_json(path: &Path) -> Result<(), Failed> {
    let text = read(path)?;
    let run: Value = serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}\n{text}", path.display()))?;
    let steps = run["scenarios"][0]["steps"].as_array().ok_or_else(|| format!("no steps in {}:\n{text}", path.display()))?;
    let notes = |i: usize| steps.get(i).and_then(|s| s["notes"].as_array()).cloned().unwrap_or_default();
    if !notes(2).iter().any(|n| n == WHOAMI) {
        return Err(format!("the whoami note is not intact in the JSON report: {:?}", notes(2)).into());
    }
    let actual = steps.get(3).and_then(|s| s["mismatches"][0]["actual"].as_str()).unwrap_or_default();
    if !actual.contains(REDACTED_JWT) {
        return Err(format!("the failed step's stdout should show the token as {REDACTED_JWT}, got {actual:?}").into());
    }
    let secret = run["scenarios"][1]["steps"][2]["mismatches"][0]["actual"].as_str().unwrap_or_default();
    if !secret.contains(REDACTED_DATA) || !secret.contains("kind: Secret") {
        return Err(format!("the Secret's YAML should keep its shape and lose its value, got {secret:?}").into());
    }
    Ok(())
}

fn check_junit(path: &Path) -> Result<(), Failed> {
    let text = read(path)?;
    let seen = xml_text(&text).map_err(|e| format!("{} is not XML: {e}\n{text}", path.display()))?;
    for want in [WHOAMI, REDACTED_JWT, REDACTED_DATA] {
        if !seen.contains(want) {
            return Err(format!("the JUnit report lacks {want:?}:\n{text}").into());
        }
    }
    Ok(())
}

/// Every text and attribute value of a well-formed XML document, or why it is not one.
pub fn xml_text(xml: &str) -> Result<String, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut depth, mut roots, mut seen) = (0usize, 0usize, String::new());
    loop {
        let event = reader.read_event().map_err(|e| format!("at byte {}: {e}", reader.buffer_position()))?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                roots += usize::from(depth == 0);
                depth += usize::from(matches!(event, Event::Start(_)));
                for a in e.attributes() {
                    seen.push_str(
                        &a.map_err(|e| e.to_string())?.normalized_value(quick_xml::XmlVersion::Explicit1_0).map_err(|e| e.to_string())?,
                    );
                    seen.push('\n');
                }
            }
            Event::End(_) => depth = depth.checked_sub(1).ok_or("an end tag without a start")?,
            Event::Text(t) => seen.push_str(&t.decode().map_err(|e| e.to_string())?),
            Event::CData(t) => seen.push_str(&t.decode().map_err(|e| e.to_string())?),
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| e.to_string())?;
                seen.push_str(&quick_xml::escape::unescape(&format!("&{name};")).map_err(|e| e.to_string())?);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if depth != 0 || roots != 1 {
        return Err(format!("{depth} element(s) left open, {roots} root element(s)"));
    }
    Ok(seen)
}
