//! Numbers and time in field checks: `lt`, `le`, `gt`, `ge` and `between: [LOW, HIGH]` (inclusive), and
//! simple arithmetic on fields of the same document, so `exp - iat` and "not yet expired" (`exp`
//! `gt: now`) are data instead of shell. An expression is terms joined by ` + ` or ` - ` (spaces
//! around the operator, so `kubernetes.io` and `a-b` stay paths); a term is a number, `now` (Unix
//! seconds when the check runs) or a field path.

use super::pipe::lookup;
use super::Mismatch;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Term {
    Number(f64),
    Now,
    Path(String),
}

/// Terms with their signs.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    terms: Vec<(f64, Term)>,
}

/// Whether a field check's `path` is arithmetic (`exp - iat`, `now`) rather than one path.
pub fn is_expression(path: &str) -> bool {
    path.contains(" - ") || path.contains(" + ") || path.trim() == "now"
}

impl Expr {
    pub fn parse(text: &str) -> Result<Expr, String> {
        // A term may decode on the way (`data.t | base64 | jwt | exp`): its stages stay one word.
        let joined = text.split('|').map(str::trim).collect::<Vec<_>>().join("|");
        let mut terms = Vec::new();
        let mut sign = 1.0;
        let mut expect_term = true;
        for word in joined.split_whitespace() {
            match (expect_term, word) {
                (false, "+") => sign = 1.0,
                (false, "-") => sign = -1.0,
                (true, "+" | "-") => return Err(format!("`{text}`: an operator where a number, `now` or a path belongs")),
                (false, w) => return Err(format!("`{text}`: expected ` + ` or ` - ` before `{w}`")),
                (true, w) => {
                    let term = match w.parse::<f64>() {
                        Ok(n) => Term::Number(n),
                        Err(_) if w == "now" => Term::Now,
                        Err(_) => {
                            lookup(&Value::Null, w).map_err(|e| format!("`{text}`: {e}"))?;
                            Term::Path(w.to_string())
                        }
                    };
                    terms.push((sign, term));
                }
            }
            expect_term = !expect_term;
        }
        if terms.is_empty() || expect_term {
            return Err(format!("`{text}` is not an expression (terms joined by ` + ` or ` - `)"));
        }
        Ok(Expr { terms })
    }

    /// A comparison's operand: a number, or an expression in a string (`now`, `iat + 3600`).
    pub fn operand(v: &Value) -> Result<Expr, String> {
        match v {
            Value::Number(n) => Ok(Expr { terms: vec![(1.0, Term::Number(n.as_f64().unwrap_or(f64::NAN)))] }),
            Value::String(s) => Expr::parse(s),
            other => Err(format!("expected a number or an expression such as `now` or `iat + 3600`, got {other}")),
        }
    }

    /// The paths the expression reads (to check against the document's schema).
    pub fn paths(&self) -> Vec<&str> {
        self.terms.iter().filter_map(|(_, t)| if let Term::Path(p) = t { Some(p.as_str()) } else { None }).collect()
    }

    /// The value in `doc` at the time `now` (Unix seconds); a path that holds no single number is an error.
    pub fn eval(&self, doc: &Value, now: f64) -> Result<f64, String> {
        let mut total = 0.0;
        for (sign, term) in &self.terms {
            let v = match term {
                Term::Number(n) => *n,
                Term::Now => now,
                Term::Path(p) => match lookup(doc, p)? {
                    (found, false) if found.len() == 1 => {
                        found[0].as_f64().ok_or_else(|| format!("`{p}` holds {}, not a number", found[0]))?
                    }
                    (found, _) if found.is_empty() => return Err(format!("nothing at `{p}`")),
                    (found, _) => return Err(format!("`{p}` holds {} values, not one number", found.len())),
                },
            };
            total += sign * v;
        }
        Ok(total)
    }
}

/// The numeric conditions of one field check.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct Bounds {
    #[serde(default)]
    pub lt: Option<Value>,
    #[serde(default)]
    pub le: Option<Value>,
    #[serde(default)]
    pub gt: Option<Value>,
    #[serde(default)]
    pub ge: Option<Value>,
    #[serde(default)]
    pub between: Option<[Value; 2]>,
}

impl Bounds {
    pub fn is_empty(&self) -> bool {
        *self == Bounds::default()
    }

    fn conditions(&self) -> Vec<(&'static str, &Value)> {
        let mut out: Vec<(&str, &Value)> = [("lt", &self.lt), ("le", &self.le), ("gt", &self.gt), ("ge", &self.ge)]
            .into_iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
            .collect();
        if let Some([low, high]) = &self.between {
            out.push(("ge", low));
            out.push(("le", high));
        }
        out
    }

    /// Load-time validation: every operand is a number or an expression.
    pub fn validate(&self) -> Result<(), String> {
        self.conditions().into_iter().try_for_each(|(k, v)| Expr::operand(v).map(|_| ()).map_err(|e| format!("`{k}`: {e}")))
    }

    /// The paths the operands read.
    pub fn paths(&self) -> Vec<String> {
        self.conditions()
            .into_iter()
            .filter_map(|(_, v)| Expr::operand(v).ok())
            .flat_map(|e| e.paths().into_iter().map(String::from).collect::<Vec<_>>())
            .collect()
    }

    /// Every condition that `got` does not meet; `got` is None when no number was found.
    pub fn check(&self, what: &str, got: Result<f64, String>, doc: &Value, now: f64) -> Vec<Mismatch> {
        let mut out = Vec::new();
        for (op, operand) in self.conditions() {
            let shown = operand.as_str().map(String::from).unwrap_or_else(|| operand.to_string());
            let bound = match Expr::operand(operand).and_then(|e| e.eval(doc, now)) {
                Ok(b) => b,
                Err(e) => {
                    out.push(Mismatch::new(what, format!("{op} {shown}"), format!("no bound: {e}")));
                    continue;
                }
            };
            let symbol = match op {
                "lt" => "<",
                "le" => "<=",
                "gt" => ">",
                _ => ">=",
            };
            let expected = if operand.is_number() { format!("{symbol} {shown}") } else { format!("{symbol} {shown} (= {})", fmt(bound)) };
            match &got {
                Err(e) => out.push(Mismatch::new(what, expected, e.clone())),
                Ok(g) => {
                    let holds = match op {
                        "lt" => *g < bound,
                        "le" => *g <= bound,
                        "gt" => *g > bound,
                        _ => *g >= bound,
                    };
                    if !holds {
                        out.push(Mismatch::new(what, expected, fmt(*g)));
                    }
                }
            }
        }
        out
    }
}

/// A number as a scenario writes it: `600`, not `600.0`.
pub fn fmt(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// Now, in whole Unix seconds (as JWT times are).
pub fn now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as f64).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims() -> Value {
        json!({"iat": 1000, "exp": 4600, "kubernetes.io": {"warnafter": 1600}, "aud": ["a"]})
    }

    fn bounds(yaml: &str) -> Bounds {
        crate::yaml::from_str(yaml).unwrap()
    }

    fn messages(b: &Bounds, got: Result<f64, String>) -> Vec<String> {
        b.check("field `exp - iat`", got, &claims(), 2000.0).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn arithmetic_reads_paths_numbers_and_now() {
        assert_eq!(Expr::parse("exp - iat").unwrap().eval(&claims(), 0.0), Ok(3600.0));
        assert_eq!(
            Expr::parse(r"kubernetes\.io.warnafter - iat + 7").unwrap().eval(&json!({"kubernetes.io": {"warnafter": 5}, "iat": 1}), 0.0),
            Ok(11.0)
        );
        assert_eq!(Expr::parse("exp - now").unwrap().eval(&claims(), 2000.0), Ok(2600.0));
        assert_eq!(Expr::parse("aud - iat").unwrap().eval(&claims(), 0.0), Err("`aud` holds [\"a\"], not a number".into()));
        assert_eq!(Expr::parse("nbf - iat").unwrap().eval(&claims(), 0.0), Err("nothing at `nbf`".into()));
        assert!(Expr::parse("exp -").is_err() && Expr::parse("exp iat").is_err() && Expr::parse("- exp").is_err());
        assert!(is_expression("exp - iat") && is_expression("now") && !is_expression("metadata.kube-root"));
    }

    #[test]
    fn each_comparison_fails_both_ways() {
        // 3600 between [600, 3600] holds; between [600, 3599] does not.
        assert!(messages(&bounds("{ between: [600, 3600] }"), Ok(3600.0)).is_empty());
        assert_eq!(messages(&bounds("{ between: [600, 3599] }"), Ok(3600.0)), ["field `exp - iat`: expected <= 3599, got 3600"]);
        assert_eq!(messages(&bounds("{ lt: 3600 }"), Ok(3600.0)), ["field `exp - iat`: expected < 3600, got 3600"]);
        assert!(messages(&bounds("{ le: 3600 }"), Ok(3600.0)).is_empty());
        assert_eq!(messages(&bounds("{ gt: 3600 }"), Ok(3600.0)), ["field `exp - iat`: expected > 3600, got 3600"]);
        assert!(messages(&bounds("{ ge: 3600 }"), Ok(3600.0)).is_empty());
    }

    #[test]
    fn not_yet_expired_is_exp_greater_than_now() {
        let b = bounds("{ gt: now }");
        assert!(b.check("field `exp`", Ok(4600.0), &claims(), 2000.0).is_empty());
        assert_eq!(b.check("field `exp`", Ok(4600.0), &claims(), 5000.0)[0].to_string(), "field `exp`: expected > now (= 5000), got 4600");
        let from_iat = bounds("{ le: iat + 3600 }");
        assert!(from_iat.check("field `exp`", Ok(4600.0), &claims(), 0.0).is_empty());
        assert_eq!(from_iat.paths(), ["iat"]);
    }

    #[test]
    fn no_number_is_a_failure_not_a_pass() {
        assert_eq!(
            messages(&bounds("{ ge: 0 }"), Err("nothing at `nbf`".into())),
            ["field `exp - iat`: expected >= 0, got nothing at `nbf`"]
        );
        assert!(bounds("{ lt: [1] }").validate().unwrap_err().starts_with("`lt`: expected a number or an expression"));
    }

    /// The messages of `bounds` checked on `got` at a field `x` of an empty document.
    fn messages_at_x(bounds_yaml: &str, got: f64) -> Vec<String> {
        bounds(bounds_yaml).check("field `x`", Ok(got), &json!({}), 0.0).iter().map(ToString::to_string).collect()
    }

    /// Each comparison, away from its boundary: it holds on one side and fails on the other (the
    /// boundary itself is `number::tests::each_comparison_fails_both_ways`).
    #[test]
    fn each_comparison_holds_on_one_side_and_fails_on_the_other() {
        assert!(messages_at_x("{lt: 10}", 9.0).is_empty());
        assert_eq!(messages_at_x("{lt: 10}", 11.0), ["field `x`: expected < 10, got 11"]);
        assert!(messages_at_x("{le: 10}", 9.0).is_empty());
        assert_eq!(messages_at_x("{le: 10}", 11.0), ["field `x`: expected <= 10, got 11"]);
        assert!(messages_at_x("{gt: 10}", 11.0).is_empty());
        assert_eq!(messages_at_x("{gt: 10}", 9.0), ["field `x`: expected > 10, got 9"]);
        assert!(messages_at_x("{ge: 10}", 11.0).is_empty());
        assert_eq!(messages_at_x("{ge: 10}", 9.0), ["field `x`: expected >= 10, got 9"]);
        assert_eq!(messages_at_x("{between: [1, 2]}", 0.5), ["field `x`: expected >= 1, got 0.5"]);
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

    /// An operand whose value does not decode says where and what it is not (the lookup's own error,
    /// carried into the arithmetic's message).
    #[test]
    fn an_operand_that_does_not_decode_says_what_it_is_not() {
        let doc = json!({"s": "not base64!", "iat": 0});
        let got = Expr::parse("s | base64 - iat").unwrap().eval(&doc, 0.0).unwrap_err();
        assert!(got.starts_with("`s` is not "), "{got}");
    }
}
