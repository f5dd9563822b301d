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

/// An http-from-pod step whose path and status are captured values, after the exec that captures them.
const PATH_AND_STATUS: &str = "name: t\nsteps:\n  - exec: { pod: p, namespace: dev, command: [cat, /answer] }\n    capture: { where: json.path, code: json.code }\n  - http-from-pod:\n      pod: p\n      namespace: dev\n      path: ${where}\n      expect: { status: ${code} }\n";

fn rebuilt_with(answer: &str) -> Result<crate::step::http_from_pod::HttpFromPod, String> {
    let s = load(PATH_AND_STATUS).unwrap();
    let mut c = Captures::default();
    let (_, m) = c.record(1, &s.steps[0].capture, &seen_process(0, answer, ""));
    assert!(m.is_empty(), "{m:?}");
    let built = super::rebuild(&s, &s.steps[1], &c)?;
    let crate::step::Action::HttpFromPod(h) = built.action else { panic!("not http-from-pod") };
    Ok(h)
}

#[test]
fn a_path_and_a_status_from_captured_values_are_checked_when_the_step_is_built_with_them() {
    let h = rebuilt_with(r#"{"path": "/api/v1/namespaces/dev/pods", "code": 403}"#).unwrap();
    assert_eq!((h.path.as_str(), h.expect.status), ("/api/v1/namespaces/dev/pods", 403));
    assert_eq!(
        rebuilt_with(r#"{"path": "api/v1/namespaces", "code": 403}"#).unwrap_err(),
        "/tmp/capture-test.scenario.yaml:8:7: step 2: path `api/v1/namespaces` must start with `/` (it is appended to https://kubernetes.default.svc)"
    );
    let e = rebuilt_with(r#"{"path": "/api", "code": "403"}"#).unwrap_err();
    assert!(
        e.starts_with("/tmp/capture-test.scenario.yaml:9:")
            && e.contains("step 2: ")
            && e.contains(r#"expected an HTTP status code (a number from 100 to 599), got the text "403""#),
        "{e}"
    );
    let e = rebuilt_with(r#"{"path": "/api", "code": 42}"#).unwrap_err();
    assert!(e.contains("expected an HTTP status code (a number from 100 to 599), got 42"), "{e}");
}

#[test]
fn a_literal_path_and_status_are_still_checked_at_load() {
    let e = load("name: t\nsteps:\n  - http-from-pod: { pod: p, namespace: dev, path: api, expect: { status: \"403\" } }\n").unwrap_err();
    assert!(e.contains(r#"got the text "403""#), "{e}");
    let e = load("name: t\nsteps:\n  - http-from-pod: { pod: p, namespace: dev, path: api, expect: { status: 403 } }\n").unwrap_err();
    assert!(e.contains("path `api` must start with `/`"), "{e}");
    let e = load("name: t\nsteps:\n  - http-from-pod: { pod: p, namespace: dev, path: /api, expect: { status: 0 } }\n").unwrap_err();
    assert!(e.contains("got 0"), "{e}");
}
