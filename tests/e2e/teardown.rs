//! A teardown that fails is reported, not lost: the binary creates its own kind cluster, runs a
//! passing scenario, and then cannot delete the cluster (its `kind` refuses `delete`). The run must
//! end red (exit 1), say why, and still write both reports, each naming the teardown error. The
//! trial then deletes the cluster with the real kind.

use crate::cli;
use crate::shared::Shared;
use libtest_mimic::{Failed, Trial};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

const NAME: &str = "sa-conformance-teardown";
const REFUSAL: &str = "kind delete refused by the teardown trial";

/// A `kind` that does everything the real one does except delete.
fn kind_that_cannot_delete(dir: &Path) -> Result<String, String> {
    let real = std::env::var("KIND").unwrap_or_else(|_| "kind".into());
    let path = dir.join("kind");
    let script = format!("#!/bin/sh\nif [ \"$1\" = delete ]; then echo '{REFUSAL}' >&2; exit 1; fi\nexec '{real}' \"$@\"\n");
    std::fs::write(&path, script).map_err(|e| e.to_string())?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
    Ok(path.display().to_string())
}

pub fn trial(shared: &Arc<Shared>) -> Trial {
    let shared = Arc::clone(shared);
    let on_existing = std::env::var_os("SA_CONFORMANCE_CONTEXT").is_some();
    crate::shared::gated("teardown::a_cluster_that_cannot_be_deleted_turns_the_run_red_and_reports_still_say_why", None, move || {
        // The shared cluster first, so the two creations do not compete for the machine's cores.
        shared.target()?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let kind = kind_that_cannot_delete(dir.path())?;
        let (json, junit) = (dir.path().join("run.json"), dir.path().join("run.xml"));
        let (json_arg, junit_arg) = (json.display().to_string(), junit.display().to_string());
        let args = ["run", "--name", NAME, "--scenarios-dir", "tests/e2e/guard", "--json", &json_arg, "--junit", &junit_arg, "guard-probe"];
        // guard-probe needs no images, so none are loaded (the cluster is up sooner).
        let out = cli::command(&args)
            .env("KIND", &kind)
            .env("SA_CONFORMANCE_LOAD_IMAGES", "")
            .output()
            .map_err(|e| format!("cannot run sa-conformance: {e}"));
        // Whatever happened, the cluster goes (with the real kind).
        let down = cli::output(&["cluster", "down", "--name", NAME]);
        let out = out?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let said = format!("exit {:?}\nstdout: {stdout}\nstderr: {stderr}", out.status.code());
        if !stdout.contains("scenarios: 1 passed, 0 failed") {
            return Err(format!("the scenario itself should pass: {said}").into());
        }
        if out.status.code() != Some(1) {
            return Err(format!("a failed teardown must turn the run red (exit 1): {said}").into());
        }
        if !stderr.contains("error: teardown:") || !stderr.contains(REFUSAL) {
            return Err(format!("the run does not say the teardown failed and why: {said}").into());
        }
        check_reports(&json, &junit)?;
        match down {
            Ok(d) if d.status.success() => Ok(()),
            Ok(d) => Err(format!("could not delete `{NAME}` afterwards: {}", String::from_utf8_lossy(&d.stderr)).into()),
            Err(e) => Err(e.into()),
        }
    })
    .with_ignored_flag(on_existing)
}

fn check_reports(json: &Path, junit: &Path) -> Result<(), Failed> {
    let text = std::fs::read_to_string(json).map_err(|e| format!("no JSON report after a failed teardown: {e}"))?;
    let run: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("the JSON report does not parse: {e}\n{text}"))?;
    let errors = run["teardown_errors"].as_array().cloned().unwrap_or_default();
    if !errors.iter().any(|e| e.as_str().is_some_and(|e| e.contains(REFUSAL))) {
        return Err(format!("the JSON report does not name the teardown error: {:?}", run["teardown_errors"]).into());
    }
    let xml = std::fs::read_to_string(junit).map_err(|e| format!("no JUnit report after a failed teardown: {e}"))?;
    let seen = crate::reports::xml_text(&xml).map_err(|e| format!("the JUnit report is not XML: {e}\n{xml}"))?;
    if !xml.contains(r#"<testsuite name="teardown""#) || !seen.contains(REFUSAL) {
        return Err(format!("the JUnit report has no teardown error:\n{xml}").into());
    }
    Ok(())
}
