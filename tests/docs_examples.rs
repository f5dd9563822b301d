//! Every YAML example in docs/scenario-format.md loads, so the reference cannot drift from the loader:
//! a whole scenario loads as it is; a list of steps loads inside a scenario placed next to the article's
//! manifests (so `file:` paths resolve); a list of field checks loads inside an `assert`. An example of
//! no known shape fails the test, and so does finding no examples at all. Needs no cluster.

use sa_conformance::scenario::{load_str, LoadOptions};
use std::path::Path;

fn examples() -> Vec<(usize, String)> {
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario-format.md");
    let text = std::fs::read_to_string(&doc).expect("docs/scenario-format.md is readable");
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        match (&mut current, line.trim_end()) {
            (None, "```yaml") => current = Some((i + 2, String::new())),
            (Some(_), "```") => out.extend(current.take()),
            (Some((_, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, _) => {}
        }
    }
    out
}

fn indent(text: &str, by: usize) -> String {
    text.lines().map(|l| format!("{}{l}\n", " ".repeat(by))).collect()
}

#[test]
fn every_yaml_example_in_the_format_reference_loads() {
    let examples = examples();
    assert!(examples.len() >= 10, "found only {} YAML examples in docs/scenario-format.md", examples.len());
    // Placed next to the article's manifests so `file: service-account/pod-inspector.yaml` resolves.
    let at = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/article/doc-example.scenario.yaml");
    let mut failures = Vec::new();
    for (line, body) in &examples {
        let first = body.trim_start();
        let scenario = if first.starts_with("name:") {
            body.clone()
        } else if first.starts_with("claims:") {
            // The claims catalogue format, not a scenario: it must at least be YAML with ids.
            if !body.contains("- id:") {
                failures.push(format!("docs/scenario-format.md:{line}: claims example without `- id:`"));
            }
            continue;
        } else if first.starts_with("mutants:") {
            format!("name: doc-example\n{body}steps:\n  - kubectl: {{ command: kubectl version }}\n")
        } else if first.starts_with("- path:") {
            let resource = "{ apiVersion: v1, kind: Pod, name: alpine-curl, namespace: dev }";
            format!("name: doc-example\nsteps:\n  - assert:\n      resource: {resource}\n      fields:\n{}", indent(body, 8))
        } else if first.starts_with("- ") {
            format!("name: doc-example\nnamespaces: [dev]\nsteps:\n{}", indent(body, 2))
        } else {
            failures.push(format!("docs/scenario-format.md:{line}: an example of no known shape (scenario, steps, field checks, claims)"));
            continue;
        };
        if let Err(e) = load_str(&at, &scenario, &LoadOptions::default()) {
            failures.push(format!("docs/scenario-format.md:{line}: {e}"));
        }
    }
    assert!(failures.is_empty(), "examples that do not load:\n{}", failures.join("\n"));
}

#[test]
fn the_documented_condition_form_of_wait_loads() {
    let at = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/article/doc-example.scenario.yaml");
    for form in ["{ condition: Ready }", "!condition Ready"] {
        let text = format!(
            "name: x\nsteps:\n  - wait:\n      resource: {{ apiVersion: v1, kind: Pod, name: p, namespace: dev }}\n      for: {form}\n"
        );
        load_str(&at, &text, &LoadOptions::default()).unwrap_or_else(|e| panic!("`for: {form}` does not load: {e}"));
    }
    let text = "name: x\nsteps:\n  - wait:\n      resource: { apiVersion: v1, kind: Pod, name: p, namespace: dev }\n      for: { condtion: Ready }\n";
    let err = load_str(&at, text, &LoadOptions::default()).expect_err("a misspelled wait must not load").to_string();
    assert!(err.contains("unknown wait `condtion`"), "{err}");
}
