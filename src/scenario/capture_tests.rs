//! Loading and rebuilding steps that use captured values (`crate::capture`): kept with the loader,
//! so `capture` does not depend on `scenario`.

use crate::capture::{seen_process, Captures};

fn load(text: &str) -> Result<super::Scenario, String> {
    super::load_str(std::path::Path::new("/tmp/capture-test.scenario.yaml"), text, &Default::default()).map_err(|e| e.to_string())
}

#[test]
fn a_value_used_before_the_step_that_captures_it_is_a_load_error_with_its_line() {
    let e = load(
        "name: t\nsteps:\n  - kubectl: { command: \"kubectl get ns ${uid}\" }\n  - kubectl: { command: kubectl get ns default -o json }\n    capture: { uid: json.metadata.uid }\n",
    )
    .unwrap_err();
    assert!(
        e.contains("capture-test.scenario.yaml:3")
            && e.contains("`${uid}` is captured by step 2; a step can use only what an earlier step captured"),
        "{e}"
    );
}

#[test]
fn a_captured_name_that_is_also_a_variable_is_a_load_error() {
    let e = load("name: t\nvars: { uid: x }\nsteps:\n  - kubectl: { command: kubectl get ns default -o json }\n    capture: { uid: json.metadata.uid }\n")
        .unwrap_err();
    assert!(e.contains("`uid` is both a variable and a captured value"), "{e}");
}

#[test]
fn a_step_using_a_value_is_built_again_with_it_and_one_without_is_not_deferred() {
    let s = load(
        "name: t\nsteps:\n  - kubectl: { command: kubectl get ns default -o json }\n    capture: { uid: json.metadata.uid }\n  - kubectl: { command: \"kubectl get ns ${uid}\" }\n",
    )
    .unwrap();
    assert!(s.steps[0].deferred.is_none() && s.steps[1].deferred.is_some());
    let mut c = Captures::default();
    c.record(1, &s.steps[0].capture, &seen_process(0, "{\"metadata\":{\"uid\":\"u-9\"}}", ""));
    let built = super::rebuild(&s, &s.steps[1], &c).unwrap();
    let crate::step::Action::Kubectl(k) = &built.action else { panic!("not kubectl") };
    assert_eq!(k.args, ["get", "ns", "u-9"]);
    let e = super::rebuild(&s, &s.steps[1], &Captures::default()).unwrap_err();
    assert_eq!(e, "`${uid}` has no value: the step that captures it failed or did not run");
}

#[test]
fn a_value_with_spaces_stays_one_argument_of_a_command_line() {
    let s = load(
        "name: t\nsteps:\n  - kubectl: { command: kubectl get cm x -o json }\n    capture: { text: json.data.text }\n  - kubectl: { command: \"kubectl create cm y --from-literal=t=${text} '--from-literal=u=${text}'\" }\n",
    )
    .unwrap();
    let mut c = Captures::default();
    c.record(1, &s.steps[0].capture, &seen_process(0, r#"{"data":{"text":"hello, 'big' world"}}"#, ""));
    let built = super::rebuild(&s, &s.steps[1], &c).unwrap();
    let crate::step::Action::Kubectl(k) = &built.action else { panic!("not kubectl") };
    assert_eq!(k.args, ["create", "cm", "y", "--from-literal=t=hello, 'big' world", "--from-literal=u=hello, 'big' world"]);
}

#[test]
fn a_capture_marked_secret_loads_as_secret_and_secret_false_is_refused_at_its_line() {
    let s = load(
        "name: t\nsteps:\n  - kubectl: { command: kubectl get cm x -o json }\n    capture:\n      pw: { from: json.data.pw, secret: true }\n      uid: json.metadata.uid\n",
    )
    .unwrap();
    let specs: Vec<(&str, bool)> = s.steps[0].capture.iter().map(|c| (c.name.as_str(), c.secret)).collect();
    assert_eq!(specs, [("pw", true), ("uid", false)]);
    let e = load(
        "name: t\nsteps:\n  - kubectl: { command: kubectl get cm x -o json }\n    capture: { pw: { from: json.data.pw, secret: false } }\n",
    )
    .unwrap_err();
    assert!(e.contains("capture-test.scenario.yaml:4") && e.contains("`secret: false` says nothing; write `pw: json.data.pw`"), "{e}");
}
