//! Whether other runs' rows can change a verdict. A listing across all namespaces
//! (`kubectl get serviceaccounts --all-namespaces`) also shows what other scenarios made: more rows,
//! and wider columns (kubectl pads every column to its longest value). An expectation that only asks
//! for something to be there, in a way neither more rows nor wider padding can undo, gives the same
//! verdict whatever else runs; the scheduler and `--isolate` may then run the step beside other
//! scenarios. Anything else keeps the step apart, and the reason names the expectation.
//!
//! Unaffected: `table:` rows (read by column, any row), `lines:`, `contains:` without whitespace, the
//! exit code, `json:` checks that are only `contains` on a path with no list index, and a `regex:`
//! that stays on one line, is not anchored at the end of the text, and matches spaces only through a
//! repetition with no upper bound (`NAME +AGE`, `.*`). Affected: `equals`, `not-contains`, `column:`
//! (every value), a decoded text, any other `json:` check, any other regex.

use super::{FieldCheck, TextExpect};
use regex_syntax::hir::{Class, Hir, HirKind, Look};

impl TextExpect {
    /// Ok when more rows, and columns padded wider, cannot change this expectation's verdict; else
    /// the reason, naming the expectation (`stdout` is the stream's name for the message).
    pub fn unaffected_by_other_rows(&self, stream: &str) -> Result<(), String> {
        let why = |what: String| Err(format!("its {stream} {what}"));
        if let Some(d) = self.decode {
            return why(format!("is decoded ({}) before it is compared", d.as_str()));
        }
        if self.equals.is_some() {
            return why("must equal a whole text".into());
        }
        if let Some(u) = self.not_contains.0.first() {
            return why(format!("must not contain {u:?}"));
        }
        if let Some(h) = self.column.keys().next() {
            return why(format!("column {h} must hold exactly the values listed"));
        }
        if let Some(c) = self.contains.0.iter().find(|c| c.contains(char::is_whitespace)) {
            return why(format!("must contain {c:?}, whose spaces wider columns would change"));
        }
        if let Some(c) = self.json.iter().find(|c| !only_contains(c)) {
            return why(format!("has a json check on {} other than `contains` on every item", c.path));
        }
        if let Some(p) = &self.regex {
            on_one_line(p).map_err(|m| format!("its {stream} regex /{p}/ {m}"))?;
        }
        Ok(())
    }
}

/// A `json:` check that only asks for values to be among what is found, on a path that names no
/// list position (`items[*].metadata.namespace`, not `items[0]...`).
fn only_contains(c: &FieldCheck) -> bool {
    let bare = FieldCheck {
        path: c.path.clone(),
        contains: c.contains.clone(),
        unchecked_path: c.unchecked_path,
        equals: None,
        not_contains: None,
        matches: None,
        absent: None,
        set_equals: None,
        lt: None,
        le: None,
        gt: None,
        ge: None,
        between: None,
    };
    c.contains.is_some() && *c == bare && !c.path.split('[').skip(1).any(|i| i.starts_with(|ch: char| ch.is_ascii_digit() || ch == '-'))
}

/// Ok when every match of `pattern` lies within one line and survives wider padding.
fn on_one_line(pattern: &str) -> Result<(), String> {
    let hir = regex_syntax::Parser::new().parse(pattern).map_err(|e| format!("does not parse: {e}"))?;
    walk(&hir)
}

fn walk(hir: &Hir) -> Result<(), String> {
    match hir.kind() {
        HirKind::Empty => Ok(()),
        HirKind::Literal(lit) => match lit.0.iter().find(|b| b" \t\n\r".contains(b)) {
            Some(b'\n') | Some(b'\r') => Err("can match across lines".into()),
            Some(_) => Err("matches a fixed run of spaces, which wider columns change (write ` +`)".into()),
            None => Ok(()),
        },
        HirKind::Class(c) if class_has(c, '\n') => Err("can match across lines".into()),
        HirKind::Class(c) if class_has(c, ' ') => Err("matches one space, which wider columns change (write ` +`)".into()),
        HirKind::Class(_) => Ok(()),
        HirKind::Look(Look::End | Look::EndLF | Look::EndCRLF) => {
            Err("is anchored at the end of the text, where other rows may come".into())
        }
        HirKind::Look(_) => Ok(()),
        HirKind::Repetition(r) => match r.sub.kind() {
            // One character, as often as it likes: it takes in however many spaces the padding adds.
            HirKind::Class(c) if r.max.is_none() && !class_has(c, '\n') => Ok(()),
            HirKind::Literal(l) if r.max.is_none() && l.0.len() == 1 && !b"\n\r".contains(&l.0[0]) => Ok(()),
            _ => walk(&r.sub),
        },
        HirKind::Capture(c) => walk(&c.sub),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs.iter().try_for_each(walk),
    }
}

fn class_has(c: &Class, ch: char) -> bool {
    match c {
        Class::Unicode(u) => u.ranges().iter().any(|r| r.start() <= ch && ch <= r.end()),
        Class::Bytes(b) => b.ranges().iter().any(|r| r.start() <= ch as u8 && ch as u8 <= r.end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn expect(yaml: &str) -> TextExpect {
        crate::yaml::from_str(yaml).unwrap()
    }

    #[rstest]
    #[case::header_regex("{regex: '^NAMESPACE +NAME +(SECRETS +)?AGE'}")]
    #[case::rows("{table: [{NAMESPACE: default, NAME: default}, {NAMESPACE: dev, NAME: default}]}")]
    #[case::json_contains("{json: [{path: 'items[*].metadata.namespace', contains: [default, dev]}]}")]
    #[case::word("{contains: pod-inspector}")]
    #[case::lines("{lines: {Namespace: dev}}")]
    #[case::row_regex("{regex: '(?m)^dev +default +'}")]
    #[case::dot_star("{regex: 'NAMESPACE.*AGE'}")]
    #[case::nothing("{}")]
    fn presence_that_more_rows_cannot_undo(#[case] yaml: &str) {
        assert_eq!(expect(yaml).unaffected_by_other_rows("stdout"), Ok(()));
    }

    #[rstest]
    #[case::equals("{equals: 'x'}", "its stdout must equal a whole text")]
    #[case::not_contains("{not-contains: prod}", "its stdout must not contain \"prod\"")]
    #[case::column("{column: {NAMESPACE: [default]}}", "its stdout column NAMESPACE must hold exactly the values listed")]
    #[case::spaced("{contains: 'dev   default'}", "whose spaces wider columns would change")]
    #[case::json_equals("{json: [{path: 'items[*].metadata.name', equals: [default]}]}", "json check on items[*].metadata.name")]
    #[case::json_index("{json: [{path: 'items[0].metadata.name', contains: default}]}", "json check on items[0].metadata.name")]
    #[case::two_spaces("{regex: 'NAME  AGE'}", "fixed run of spaces")]
    #[case::bounded("{regex: 'NAME {2,3}AGE'}", "fixed run of spaces")]
    #[case::one_space_class("{regex: 'NAME[ ]AGE'}", "space")]
    #[case::space_or_x("{regex: 'NAME[ x]AGE'}", "matches one space")]
    #[case::newline("{regex: 'default\\ndev'}", "across lines")]
    #[case::whitespace_class("{regex: 'default\\s+dev'}", "across lines")]
    #[case::end("{regex: 'dev +default +\\S+$'}", "anchored at the end")]
    #[case::dotall("{regex: '(?s)default.*dev'}", "across lines")]
    fn a_check_that_more_rows_or_wider_columns_can_change_says_which(#[case] yaml: &str, #[case] why: &str) {
        let got = expect(yaml).unaffected_by_other_rows("stdout").expect_err("affected");
        assert!(got.contains(why), "{got}");
    }
}
