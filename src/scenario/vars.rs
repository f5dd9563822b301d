//! `${name}` substitution in scenario and manifest text, before parsing, so line numbers stay true and
//! one scenario can run under other names. Upper-case `${TOKEN}` is the shell's and is left alone.

use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

static VAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}").expect("static regex"));

/// An unknown variable, with its 1-based line in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownVar {
    pub line: usize,
    pub name: String,
}

/// Replaces `${lower_case}` with its value; `$${x}` becomes a literal `${x}`. Returns every unknown
/// variable rather than stopping at the first.
#[cfg(test)]
pub fn substitute(text: &str, vars: &BTreeMap<String, String>) -> Result<String, Vec<UnknownVar>> {
    substitute_keeping(text, vars, &BTreeSet::new())
}

/// Like [`substitute`], but a name in `captured` (a value some step captures at run time) becomes its
/// [`crate::capture::placeholder`], a plain YAML word, until the value exists.
pub fn substitute_keeping(text: &str, vars: &BTreeMap<String, String>, captured: &BTreeSet<String>) -> Result<String, Vec<UnknownVar>> {
    let mut unknown = Vec::new();
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let replaced = VAR.replace_all(line, |caps: &regex::Captures<'_>| {
            let name = &caps[2];
            if !caps[1].is_empty() {
                return format!("${{{name}}}");
            }
            if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
                return caps[0].to_string();
            }
            if captured.contains(name) {
                return crate::capture::placeholder(name);
            }
            match vars.get(name) {
                Some(value) => value.clone(),
                None => {
                    unknown.push(UnknownVar { line: i + 1, name: name.to_string() });
                    caps[0].to_string()
                }
            }
        });
        out.push_str(&replaced);
    }
    if unknown.is_empty() {
        Ok(out)
    } else {
        Err(unknown)
    }
}

/// The text with every `${name}` turned into a plain word, so it parses as YAML before substitution.
pub fn neutralise(text: &str) -> String {
    VAR.replace_all(text, "var_$2").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, String> {
        [("namespace".to_string(), "dev".to_string())].into()
    }

    #[test]
    fn replaces_lower_case_and_keeps_shell_variables() {
        let text = "ns: ${namespace}\nscript: curl ${APISERVER} -H \"Bearer ${TOKEN}\"\nlit: $${namespace}\n";
        let out = substitute(text, &vars()).unwrap();
        assert_eq!(out, "ns: dev\nscript: curl ${APISERVER} -H \"Bearer ${TOKEN}\"\nlit: ${namespace}\n");
    }

    #[test]
    fn reports_every_unknown_variable_with_its_line() {
        let err = substitute("a: ${nope}\nb: ok\nc: ${also_missing}\n", &vars()).unwrap_err();
        assert_eq!(err, vec![UnknownVar { line: 1, name: "nope".into() }, UnknownVar { line: 3, name: "also_missing".into() }]);
    }
}
