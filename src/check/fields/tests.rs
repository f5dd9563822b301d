//! The field checks' tests: paths, typed comparisons, schemas, and the messages a failed check prints.

use super::super::schema::{fixture, token_claims, KindSchema};
use super::*;
use rstest::rstest;
use serde_json::json;
use std::sync::Arc;

const MOUNT: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// A pod as the API server returns it with its token mounted (trimmed).
fn pod() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "probe", "labels": {"app": "curl"}, "annotations": {"kubernetes.io/psp": "x"}},
        "spec": {
            "serviceAccountName": "default",
            "terminationGracePeriodSeconds": 600.0,
            "containers": [{"name": "curl", "volumeMounts": [{"name": "kube-api-access-x", "mountPath": MOUNT}]}],
            "volumes": [{"name": "kube-api-access-x", "projected": {"sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}]}}]
        }
    })
}

/// The same pod with automount off: no token volume, no mount.
fn pod_without_token() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "spec": {"automountServiceAccountToken": false, "containers": [{"name": "nginx"}]}})
}

fn check(yaml: &str) -> FieldCheck {
    crate::yaml::from_str(yaml).unwrap()
}

fn messages(yaml: &str, doc: &Value, schema: &DocSchema) -> Vec<String> {
    check(yaml).check(doc, schema).iter().map(ToString::to_string).collect()
}

#[rstest]
#[case("{path: spec.serviceAccountName, equals: default}")]
#[case("{path: 'spec.containers[*].volumeMounts[*].mountPath', contains: /var/run/secrets/kubernetes.io/serviceaccount}")]
#[case("{path: 'spec.containers[0].name', matches: '^cu'}")]
#[case("{path: spec.automountServiceAccountToken, absent: true}")]
#[case("{path: 'spec.containers[*].name', equals: [curl]}")]
#[case("{path: 'spec.volumes[*].projected.sources[*].serviceAccountToken.expirationSeconds', contains: 3607}")]
#[case("{path: metadata.labels.app, equals: curl}")]
#[case("{path: 'metadata.annotations.kubernetes\\.io/psp', equals: x}")]
#[case("{path: metadata.labels.team, absent: true}")]
#[case("{path: spec.terminationGracePeriodSeconds, equals: 600}")]
fn holds_on_a_pod(#[case] yaml: &str) {
    assert_eq!(messages(yaml, &pod(), &fixture("Pod")), Vec::<String>::new());
}

#[rstest]
#[case("{path: 'spec.volumes[*].projected.sources[*].serviceAccountToken', absent: true}")]
#[case("{path: 'spec.containers[*].volumeMounts[*].mountPath', not-contains: /var/run/secrets/kubernetes.io/serviceaccount}")]
#[case("{path: spec.serviceAccountName, absent: true}")]
fn a_valid_path_to_a_missing_field_is_absent(#[case] yaml: &str) {
    assert_eq!(messages(yaml, &pod_without_token(), &fixture("Pod")), Vec::<String>::new());
}

#[rstest]
#[case("{path: spec.serviceAcountName, equals: default}",
       "field `spec.serviceAcountName`: expected a path of v1 Pod, got no field `serviceAcountName` in `spec` (did you mean `serviceAccountName`?)")]
#[case("{path: 'spec.containers[*].volumeMount[*].mountPath', contains: /var/run/secrets/kubernetes.io/serviceaccount}",
       "field `spec.containers[*].volumeMount[*].mountPath`: expected a path of v1 Pod, got no field `volumeMount` in `spec.containers[*]` (did you mean `volumeMounts`?)")]
#[case("{path: 'spec.containers[*].volumeMount[*].mountPath', not-contains: /var/run/secrets/kubernetes.io/serviceaccount}",
       "field `spec.containers[*].volumeMount[*].mountPath`: expected a path of v1 Pod, got no field `volumeMount` in `spec.containers[*]` (did you mean `volumeMounts`?)")]
#[case(
    "{path: 'spec.containers[0].nmae', matches: '^cu'}",
    "field `spec.containers[0].nmae`: expected a path of v1 Pod, got no field `nmae` in `spec.containers[0]` (did you mean `name`?)"
)]
#[case("{path: 'spec.volumes[*].projected.sources[*].serviceAcountToken', absent: true}",
       "field `spec.volumes[*].projected.sources[*].serviceAcountToken`: expected a path of v1 Pod, got no field `serviceAcountToken` in `spec.volumes[*].projected.sources[*]` (did you mean `serviceAccountToken`?)")]
#[case("{path: automountServiceAccountToken, absent: true}",
       "field `automountServiceAccountToken`: expected a path of v1 Pod, got no field `automountServiceAccountToken` at the top (fields there: apiVersion, kind, metadata, spec, status)")]
#[case(
    "{path: spec.containers.name, equals: curl}",
    "field `spec.containers.name`: expected a path of v1 Pod, got `spec.containers` is a list, it has no field `name`"
)]
#[case("{path: 'spec.serviceAccountName[0]', absent: true}",
       "field `spec.serviceAccountName[0]`: expected a path of v1 Pod, got `spec.serviceAccountName` is a string, not a list (no `[...]` after it)")]
fn a_misspelled_path_fails_naming_the_field_and_the_real_one(#[case] yaml: &str, #[case] message: &str) {
    // On both pods: a negative check must not pass where the field is really missing either.
    for doc in [pod(), pod_without_token()] {
        assert_eq!(messages(yaml, &doc, &fixture("Pod")), vec![message.to_string()]);
    }
}

#[rstest]
#[case(
    "{path: spec.serviceAccountName, equals: pod-inspector}",
    "field `spec.serviceAccountName`: expected == \"pod-inspector\", got \"default\""
)]
#[case("{path: 'spec.containers[*].volumeMounts[*].mountPath', not-contains: /var/run/secrets/kubernetes.io/serviceaccount}",
       "field `spec.containers[*].volumeMounts[*].mountPath`: expected not to contain \"/var/run/secrets/kubernetes.io/serviceaccount\", got [\"/var/run/secrets/kubernetes.io/serviceaccount\"]")]
#[case("{path: 'spec.volumes[*].projected.sources[*].serviceAccountToken', absent: true}",
       "field `spec.volumes[*].projected.sources[*].serviceAccountToken`: expected absent, got [{\"expirationSeconds\":3607,\"path\":\"token\"}]")]
#[case("{path: spec.nodeName, absent: false}", "field `spec.nodeName`: expected present, got nothing")]
fn fails_with_expected_and_actual(#[case] yaml: &str, #[case] message: &str) {
    assert_eq!(messages(yaml, &pod(), &fixture("Pod")), vec![message.to_string()]);
}

#[rstest]
#[case("{path: code, equals: '403'}", "field `code`: expected == \"403\" (a string, but the field holds a number), got 403")]
#[case("{path: code, contains: '403'}", "field `code`: expected to contain \"403\" (a string, but the field holds a number), got 403")]
#[case(
    "{path: details.retryAfterSeconds, equals: '0'}",
    "field `details.retryAfterSeconds`: expected == \"0\" (a string, but the field holds a number), got 0"
)]
#[case("{path: code, equals: 403.5}", "field `code`: expected == 403.5, got 403")]
fn a_string_never_equals_a_number(#[case] yaml: &str, #[case] message: &str) {
    let status = json!({"apiVersion": "v1", "kind": "Status", "code": 403, "details": {"retryAfterSeconds": 0}});
    assert_eq!(messages(yaml, &status, &fixture("Status")), vec![message.to_string()]);
}

#[rstest]
#[case(json!(600), json!(600.0), true)]
#[case(json!(600.0), json!(600), true)]
#[case(json!(403), json!(403), true)]
#[case(json!("403"), json!(403), false)]
#[case(json!(403), json!("403"), false)]
#[case(json!("true"), json!(true), false)]
#[case(json!(false), json!("false"), false)]
#[case(json!([[""]]), json!([[""]]), true)]
#[case(json!(["600"]), json!([600]), false)]
#[case(json!({"a": 1}), json!({"a": 1.0}), true)]
#[case(json!({"a": "1"}), json!({"a": 1}), false)]
#[case(json!(null), json!(null), true)]
fn comparisons_are_typed(#[case] want: Value, #[case] got: Value, #[case] equal: bool) {
    assert_eq!(same_value(&want, &got), equal, "{want} vs {got}");
}

#[test]
fn a_boolean_string_is_not_a_boolean() {
    let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "automountServiceAccountToken": false});
    assert_eq!(
        messages("{path: automountServiceAccountToken, equals: 'false'}", &sa, &fixture("ServiceAccount")),
        vec!["field `automountServiceAccountToken`: expected == \"false\" (a string, but the field holds a boolean), got false"]
    );
    assert_eq!(messages("{path: automountServiceAccountToken, equals: false}", &sa, &fixture("ServiceAccount")), Vec::<String>::new());
}

#[test]
fn list_items_and_map_fields_are_checked_through() {
    let list = json!({"items": [{"type": "kubernetes.io/service-account-token", "data": {"token": "x"}}]});
    let secrets = fixture("SecretList");
    assert_eq!(messages("{path: 'items[*].type', contains: kubernetes.io/service-account-token}", &list, &secrets), Vec::<String>::new());
    assert_eq!(messages("{path: 'items[*].data.token', absent: false}", &list, &secrets), Vec::<String>::new());
    assert_eq!(
        messages("{path: 'items[*].typ', not-contains: kubernetes.io/service-account-token}", &list, &secrets),
        vec!["field `items[*].typ`: expected a path of v1 SecretList, got no field `typ` in `items[*]` (did you mean `type`?)"]
    );
}

#[test]
fn below_preserve_unknown_fields_anything_goes() {
    let root = json!({"type": "object", "properties": {
        "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
        "status": {"type": "object", "properties": {"phase": {"type": "string"}}}}});
    let schema = DocSchema::Known(Arc::new(KindSchema::new("example.com/v1 Widget", root, Arc::default())));
    let doc = json!({"spec": {"deep": {"er": [1]}}});
    assert_eq!(messages("{path: 'spec.deep.er[*]', contains: 1}", &doc, &schema), Vec::<String>::new());
    assert_eq!(messages("{path: spec.anything, absent: true}", &doc, &schema), Vec::<String>::new());
    assert_eq!(
        messages("{path: status.phse, absent: true}", &doc, &schema),
        vec!["field `status.phse`: expected a path of example.com/v1 Widget, got no field `phse` in `status` (did you mean `phase`?)"]
    );
}

#[rstest]
#[case("{path: 'kubernetes\\.io.namespace', equals: dev}", None)]
#[case("{path: 'kubernetes\\.io.pod.name', equals: probe}", None)]
#[case("{path: exp, absent: false}", None)]
#[case("{path: 'kubernetes\\.io.secret', absent: true}", None)]
#[case("{path: 'kubernetes\\.io.serviceacount.name', equals: default}",
       Some("field `kubernetes\\.io.serviceacount.name`: expected a path of ServiceAccount token claims, got no field `serviceacount` in `kubernetes\\.io` (did you mean `serviceaccount`?)"))]
#[case("{path: 'kubernetes\\.io.node.nme', absent: true}",
       Some("field `kubernetes\\.io.node.nme`: expected a path of ServiceAccount token claims, got no field `nme` in `kubernetes\\.io.node` (did you mean `name`?)"))]
fn token_claims_have_a_built_in_schema(#[case] yaml: &str, #[case] message: Option<&str>) {
    let claims = json!({"sub": "system:serviceaccount:dev:default", "exp": 1, "iat": 0,
        "kubernetes.io": {"namespace": "dev", "pod": {"name": "probe", "uid": "u"}, "serviceaccount": {"name": "default", "uid": "v"}}});
    let schema = DocSchema::Known(token_claims());
    assert_eq!(messages(yaml, &claims, &schema), message.into_iter().map(String::from).collect::<Vec<_>>());
    assert_eq!(check(yaml).validate_against(&schema).is_err(), message.is_some());
}

#[rstest]
#[case("{path: 'items[*].metadata.nme', not-contains: x}", true)]
#[case("{path: metadata.nme, absent: true}", true)]
#[case("{path: metadata.nme, equals: null}", true)]
#[case("{path: metadata.nme, absent: true, unchecked-path: true}", false)]
#[case("{path: 'items[*].metadata.name', contains: x}", false)]
#[case("{path: metadata.name, absent: false}", false)]
#[case("{path: status.expirationTimestmp, lt: 5}", false)]
#[case("{path: status.expirationTimestmp, between: [1, 5]}", false)]
#[case("{path: status.expirationTimestmp, lt: 5, absent: true}", false)]
fn without_a_schema_only_checks_that_pass_on_nothing_are_refused(#[case] yaml: &str, #[case] refused: bool) {
    let why = DocSchema::Unknown("an empty v1 List has no item kind to find a schema by".into());
    let problem = check(yaml).path_problem(&why);
    assert_eq!(problem.is_some(), refused, "{problem:?}");
    if let Some(m) = problem {
        assert_eq!(
            m.to_string(),
            format!("field `{}`: expected a path that can be validated (this check passes when nothing is found), got an empty v1 List has no item kind to find a schema by; set `unchecked-path: true` to vouch for the spelling", check(yaml).path)
        );
    }
}

/// The other direction of the rule above: a comparison accepted on a schema-less document still
/// fails when the path finds nothing (a misspelling) and holds only on a number that satisfies it.
#[test]
fn a_comparison_without_a_schema_fails_on_a_misspelled_path() {
    let unknown = DocSchema::Unknown("no schema in this test".into());
    let doc = json!({"status": {"expirationSeconds": 3}});
    assert_eq!(messages("{path: status.expirationSeconds, lt: 5}", &doc, &unknown), Vec::<String>::new());
    assert_eq!(
        messages("{path: status.expirationSeconds, gt: 5}", &doc, &unknown),
        ["field `status.expirationSeconds`: expected > 5, got 3"]
    );
    assert_eq!(
        messages("{path: status.expirationSecnds, lt: 5}", &doc, &unknown),
        ["field `status.expirationSecnds`: expected < 5, got nothing"]
    );
}

#[rstest]
#[case("{path: spec}", "has no condition")]
#[case("{path: 'a[x]', absent: true}", "invalid index")]
#[case("{path: 'a[0', absent: true}", "unclosed")]
#[case("{path: a, matches: '('}", "invalid regex")]
fn validation_names_the_problem(#[case] yaml: &str, #[case] fragment: &str) {
    let err = check(yaml).validate().unwrap_err();
    assert!(err.contains(fragment), "{err}");
}

#[test]
fn set_equality_ignores_order_and_fails_on_a_missing_or_an_extra_item() {
    let doc = json!({"groups": ["system:serviceaccounts", "system:serviceaccounts:dev", "system:authenticated"]});
    let unknown = DocSchema::Unknown("test".into());
    let same = "{path: 'groups', set-equals: [system:authenticated, system:serviceaccounts:dev, system:serviceaccounts]}";
    assert_eq!(messages(same, &doc, &unknown), Vec::<String>::new());
    let missing = messages(
        "{path: 'groups', set-equals: [system:authenticated, system:serviceaccounts:prod, system:serviceaccounts]}",
        &doc,
        &unknown,
    );
    assert_eq!(missing.len(), 1);
    assert!(missing[0].ends_with(r#"missing ["system:serviceaccounts:prod"]; extra ["system:serviceaccounts:dev"]"#), "{missing:?}");
    let fewer = messages("{path: 'groups', set-equals: [system:authenticated]}", &doc, &unknown);
    assert!(fewer[0].contains("extra ["), "{fewer:?}");
}

#[test]
fn arithmetic_on_claims_is_checked_against_the_claims_schema() {
    let claims = DocSchema::Known(token_claims());
    let doc = json!({"iat": 1000, "exp": 1600});
    assert_eq!(messages("{path: exp - iat, equals: 600}", &doc, &claims), Vec::<String>::new());
    assert_eq!(messages("{path: exp - iat, between: [600, 600]}", &doc, &claims), Vec::<String>::new());
    assert_eq!(messages("{path: exp - iat, equals: 3600}", &doc, &claims), ["field `exp - iat`: expected == 3600, got 600"]);
    assert_eq!(messages("{path: exp - iat, gt: 600}", &doc, &claims), ["field `exp - iat`: expected > 600, got 600"]);
    let misspelled = messages("{path: exp - iatt, equals: 600}", &doc, &claims);
    assert!(misspelled[0].contains("no field `iatt`"), "{misspelled:?}");
    assert!(check("{path: exp - iat}").validate().unwrap_err().contains("has no condition"));
}

/// `matches:` fails on a value that does not match and on a path that finds nothing (the shipped
/// field tests only had a `matches` that held). Written ahead of the fields.rs run, which did not
/// finish before the deadline; it reaches branches no other unit test did.
#[test]
fn matches_fails_on_a_value_that_does_not_match_and_on_nothing() {
    let none = DocSchema::Unknown("no schema in this test".into());
    let doc = json!({"spec": {"serviceAccountName": "default"}});
    let got: Vec<String> =
        check("{path: spec.serviceAccountName, matches: '^pod-'}").check(&doc, &none).iter().map(ToString::to_string).collect();
    assert_eq!(got, ["field `spec.serviceAccountName`: expected to match /^pod-/, got \"default\""]);
    let got: Vec<String> = check("{path: spec.nodeName, matches: '.*'}").check(&doc, &none).iter().map(ToString::to_string).collect();
    assert_eq!(got, ["field `spec.nodeName`: expected to match /.*/, got nothing"]);
    assert!(check("{path: spec.serviceAccountName, matches: '^def'}").check(&doc, &none).is_empty());
}

/// A `token` step's claim checks are validated at load time against the built-in JWT claims schema.
#[test]
fn claim_paths_are_validated_against_the_token_claims_schema() {
    let claims = DocSchema::Known(token_claims());
    assert_eq!(check("{path: 'kubernetes\\.io.namespace', equals: dev}").validate_against(&claims), Ok(()));
    let err = check("{path: 'kubernetes\\.io.namespce', equals: dev}").validate_against(&claims).unwrap_err();
    assert!(err.contains("namespce"), "{err}");
    let err = check("{path: 'kubernetes\\.io.namespace'}").validate_against(&claims).unwrap_err();
    assert!(err.contains("has no condition"), "{err}");
}

/// A numeric comparison on a plain path needs exactly one number there: a `[*]` path is a list even
/// when it finds one value, and a string or nothing is not a number (the shipped tests compared only
/// arithmetic paths, `exp - iat`).
#[test]
fn a_comparison_on_a_path_needs_one_number_there() {
    // No schema here, so each check vouches for its path (`unchecked-path`).
    let none = DocSchema::Unknown("no schema in this test".into());
    let doc = json!({"exp": 1000, "name": "x", "items": [1]});
    let msgs = |yaml: &str| -> Vec<String> { check(yaml).check(&doc, &none).iter().map(ToString::to_string).collect() };
    assert_eq!(msgs("{path: exp, lt: 2000, unchecked-path: true}"), Vec::<String>::new());
    assert_eq!(msgs("{path: exp, gt: 2000, unchecked-path: true}"), ["field `exp`: expected > 2000, got 1000"]);
    assert_eq!(msgs("{path: 'items[*]', lt: 5, unchecked-path: true}"), ["field `items[*]`: expected < 5, got 1 values, not one number"]);
    assert_eq!(msgs("{path: name, lt: 5, unchecked-path: true}"), ["field `name`: expected < 5, got \"x\", not a number"]);
    assert_eq!(msgs("{path: nbf, lt: 5, unchecked-path: true}"), ["field `nbf`: expected < 5, got nothing"]);
}

/// Arithmetic keeps fractions: `exp - iat` of 1.5 and 1 is 0.5, not 0 (whole numbers are shown as
/// integers, `600` not `600.0`, and that must not truncate the others).
#[test]
fn arithmetic_keeps_a_fraction() {
    let none = DocSchema::Unknown("no schema in this test".into());
    let doc = json!({"exp": 1.5, "iat": 1});
    let msgs = |yaml: &str| -> Vec<String> { check(yaml).check(&doc, &none).iter().map(ToString::to_string).collect() };
    assert_eq!(msgs("{path: exp - iat, equals: 0.5}"), Vec::<String>::new());
    assert_eq!(msgs("{path: exp - iat, equals: 0}"), ["field `exp - iat`: expected == 0, got 0.5"]);
    assert_eq!(msgs("{path: exp - iat + 0.5, equals: 1}"), Vec::<String>::new());
}

/// Typed equality looks inside lists (YAML `[600]` equals JSON `[600.0]`, as `600` equals `600.0`),
/// and integers compare exactly, even past 2^53 where two of them round to the same float.
#[test]
fn typed_equality_reaches_into_lists_and_keeps_big_integers_exact() {
    assert!(same_value(&json!([600]), &json!([600.0])));
    assert!(!same_value(&json!([600]), &json!([600, 1])));
    assert!(!same_value(&json!(9_007_199_254_740_993_i64), &json!(9_007_199_254_740_992_i64)));
    assert!(same_value(&json!(9_007_199_254_740_993_i64), &json!(9_007_199_254_740_993_i64)));
}

/// The "(a string, but the field holds a number)" hint is for two scalars only: the string `"null"`
/// against nothing found reads the same as text but gets no hint about a type nothing has.
#[test]
fn the_type_hint_is_only_for_two_scalars() {
    let none = DocSchema::Unknown("no schema in this test".into());
    let doc = json!({"x": null, "code": 403});
    let msgs = |yaml: &str| -> Vec<String> { check(yaml).check(&doc, &none).iter().map(ToString::to_string).collect() };
    assert_eq!(msgs("{path: x, equals: 'null'}"), ["field `x`: expected == \"null\", got nothing"]);
    assert_eq!(
        msgs("{path: code, equals: '403'}"),
        ["field `code`: expected == \"403\" (a string, but the field holds a number), got 403"]
    );
}

/// A check with only a comparison has a condition (it is not "no condition").
#[test]
fn a_comparison_alone_is_a_condition() {
    let bounds = |yaml: &str| -> Bounds { crate::yaml::from_str(yaml).unwrap() };
    assert!(!bounds("{lt: 1}").is_empty());
    assert!(bounds("{}").is_empty());
    let check: FieldCheck = crate::yaml::from_str("{path: exp - iat, lt: 3600}").unwrap();
    assert_eq!(check.validate(), Ok(()));
}

/// `now` in a field check is the clock's now: a token that expired in 1970 is not `gt: now`.
#[test]
fn now_is_the_clock() {
    let none = DocSchema::Unknown("no schema in this test".into());
    let doc = json!({"exp": 1000});
    let check = |yaml: &str| -> Vec<String> {
        let c: FieldCheck = crate::yaml::from_str(yaml).unwrap();
        c.check(&doc, &none).iter().map(ToString::to_string).collect()
    };
    let expired = check("{path: exp, gt: now, unchecked-path: true}");
    assert_eq!(expired.len(), 1, "{expired:?}");
    assert!(expired[0].starts_with("field `exp`: expected > now (= 17"), "{expired:?}");
    assert_eq!(check("{path: exp, lt: now, unchecked-path: true}"), Vec::<String>::new());
    assert!(super::super::number::now() > 1.7e9);
}
