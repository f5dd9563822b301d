//! Mutant-killing tests for `check::number` (cargo-mutants, issue 9): a file of their own, so they merge
//! with the work on numeric checks (issue 11) without conflicts.

use crate::check::number::{fmt, Bounds, Expr};
use serde_json::json;

fn bounds(yaml: &str) -> Bounds {
    crate::yaml::from_str(yaml).unwrap()
}

fn messages(b: &Bounds, got: f64) -> Vec<String> {
    b.check("field `x`", Ok(got), &json!({}), 0.0).iter().map(ToString::to_string).collect()
}

/// Each comparison, away from its boundary: it holds on one side and fails on the other (the
/// boundary itself is `number::tests::each_comparison_fails_both_ways`).
#[test]
fn each_comparison_holds_on_one_side_and_fails_on_the_other() {
    assert!(messages(&bounds("{lt: 10}"), 9.0).is_empty());
    assert_eq!(messages(&bounds("{lt: 10}"), 11.0), ["field `x`: expected < 10, got 11"]);
    assert!(messages(&bounds("{le: 10}"), 9.0).is_empty());
    assert_eq!(messages(&bounds("{le: 10}"), 11.0), ["field `x`: expected <= 10, got 11"]);
    assert!(messages(&bounds("{gt: 10}"), 11.0).is_empty());
    assert_eq!(messages(&bounds("{gt: 10}"), 9.0), ["field `x`: expected > 10, got 9"]);
    assert!(messages(&bounds("{ge: 10}"), 11.0).is_empty());
    assert_eq!(messages(&bounds("{ge: 10}"), 9.0), ["field `x`: expected >= 10, got 9"]);
    assert_eq!(messages(&bounds("{between: [1, 2]}"), 0.5), ["field `x`: expected >= 1, got 0.5"]);
}

/// Numbers in messages: whole ones as integers, fractions kept, big whole ones not clamped to i64.
#[test]
fn numbers_are_printed_as_written() {
    assert_eq!(fmt(600.0), "600");
    assert_eq!(fmt(0.5), "0.5");
    assert_eq!(fmt(-2.25), "-2.25");
    assert_eq!(fmt(1e20), "100000000000000000000");
    // A document's `-0.0` is printed as 0 (f64's Display would write `-0`).
    assert_eq!(fmt(-0.0), "0");
    // At the cut-over both ways print the same digits (so `<` vs `<=` there is equivalent).
    assert_eq!(fmt(1e15), "1000000000000000");
}

/// A `[*]` path in arithmetic that finds several values is "N values", not "nothing".
#[test]
fn arithmetic_on_a_list_path_says_how_many_values_it_found() {
    let doc = json!({"items": [1, 2], "iat": 0});
    assert_eq!(Expr::parse("items[*] - iat").unwrap().eval(&doc, 0.0), Err("`items[*]` holds 2 values, not one number".into()));
    assert_eq!(Expr::parse("items[0] + items[1]").unwrap().eval(&doc, 0.0), Ok(3.0));
}

/// A check with only a comparison has a condition (it is not "no condition").
#[test]
fn a_comparison_alone_is_a_condition() {
    assert!(!bounds("{lt: 1}").is_empty());
    assert!(bounds("{}").is_empty());
    let check: crate::check::FieldCheck = crate::yaml::from_str("{path: exp - iat, lt: 3600}").unwrap();
    assert_eq!(check.validate(), Ok(()));
}

/// `now` in a field check is the clock's now: a token that expired in 1970 is not `gt: now`.
#[test]
fn now_is_the_clock() {
    let none = crate::check::DocSchema::Unknown("no schema in this test".into());
    let doc = json!({"exp": 1000});
    let check = |yaml: &str| -> Vec<String> {
        let c: crate::check::FieldCheck = crate::yaml::from_str(yaml).unwrap();
        c.check(&doc, &none).iter().map(ToString::to_string).collect()
    };
    let expired = check("{path: exp, gt: now, unchecked-path: true}");
    assert_eq!(expired.len(), 1, "{expired:?}");
    assert!(expired[0].starts_with("field `exp`: expected > now (= 17"), "{expired:?}");
    assert_eq!(check("{path: exp, lt: now, unchecked-path: true}"), Vec::<String>::new());
    assert!(crate::check::number::now() > 1.7e9);
}

/// An operand whose value does not decode says where and what it is not (the lookup's own error,
/// carried into the arithmetic's message).
#[test]
fn an_operand_that_does_not_decode_says_what_it_is_not() {
    let doc = json!({"s": "not base64!", "iat": 0});
    let got = Expr::parse("s | base64 - iat").unwrap().eval(&doc, 0.0).unwrap_err();
    assert!(got.starts_with("`s` is not "), "{got}");
}
