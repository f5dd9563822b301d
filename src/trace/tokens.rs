//! How a block and a scenario's copy of it are compared: commands with their whitespace normalised,
//! manifest lines trimmed (the article's YAML may have lost its indentation), output lines as words.

use std::collections::BTreeSet;

/// A command line with its runs of whitespace made one space.
pub fn normalise_command(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A manifest's lines as compared: trimmed, inner whitespace made one space, without blank lines,
/// comments and document separators.
pub fn manifest_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    lines.into_iter().map(normalise_command).filter(|l| !l.is_empty() && !l.starts_with('#') && l != "---").collect()
}

/// The words of a text: runs of letters and digits (`"pod-inspector 0 10s"` -> pod, inspector, 0, 10s).
pub fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// The words of a text in order, repeats kept (`"\"kind\": \"Status\","` -> kind, Status).
pub fn word_seq(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// Whether the words of `line` come in `entry` in the same order, other words allowed between them
/// (an output line `"kind": "Status"` is checked by `{ path: kind, equals: Status }`).
pub fn in_order(line: &[String], entry: &[String]) -> bool {
    let mut rest = entry.iter();
    !line.is_empty() && line.iter().all(|w| rest.any(|e| e == w))
}

/// A manifest document's `kind/name`, from its trimmed lines (the first `name:` after `metadata:`).
pub fn kind_name(lines: &[String]) -> Option<String> {
    let value = |l: &str, key: &str| l.strip_prefix(key).map(|v| v.trim().trim_matches(['"', '\'']).to_string());
    let kind = lines.iter().find_map(|l| value(l, "kind:"))?;
    let meta = lines.iter().position(|l| l == "metadata:")?;
    let name = lines[meta..].iter().find_map(|l| value(l, "name:"))?;
    Some(format!("{kind}/{name}"))
}

/// A small line diff of `a` (the article) against `b` (the scenario's copy): `- ` lines only in the
/// article, `+ ` lines only in the copy, in order (longest common subsequence).
pub fn diff(a: &[String], b: &[String]) -> Vec<String> {
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(format!("- {}", a[i]));
            i += 1;
        } else {
            out.push(format!("+ {}", b[j]));
            j += 1;
        }
    }
    out
}

/// How far apart two command lines are: the edits (a word replaced, added or removed) that turn one
/// into the other, then how different their lengths are (so a changed flag value is closer than a
/// dropped flag).
pub fn word_distance(a: &str, b: &str) -> (usize, usize) {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.split_whitespace().collect(), b.split_whitespace().collect());
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, wa) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, wb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = if wa == wb { prev } else { 1 + prev.min(row[j]).min(row[j + 1]) };
            prev = here;
        }
    }
    (row[b.len()], a.len().abs_diff(b.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[test]
    fn manifests_compare_without_indentation_or_comments() {
        let file = "# Verification only\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: x\n";
        let article = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\nname: x";
        assert_eq!(manifest_lines(file.lines()), manifest_lines(article.lines()));
        assert_eq!(kind_name(&manifest_lines(file.lines())).as_deref(), Some("ServiceAccount/x"));
    }

    #[rstest]
    #[case::same(&["a", "b"], &["a", "b"], &[])]
    #[case::changed(&["a", "b: 1", "c"], &["a", "b: 2", "c"], &["- b: 1", "+ b: 2"])]
    #[case::added(&["a"], &["a", "b"], &["+ b"])]
    fn a_diff_shows_only_what_differs(#[case] a: &[&str], #[case] b: &[&str], #[case] want: &[&str]) {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(diff(&v(a), &v(b)), v(want));
    }

    #[test]
    fn output_words_are_letters_and_digits() {
        let w: Vec<String> = words("\"reason\": \"Forbidden\", pod-inspector 0 10s").into_iter().collect();
        assert_eq!(w, ["0", "10s", "Forbidden", "inspector", "pod", "reason"]);
        let seq = |t: &str| word_seq(t);
        assert!(in_order(&seq("\"kind\": \"Status\","), &seq("path: kind, equals: Status")));
        assert!(!in_order(&seq("\"Status\": \"kind\","), &seq("path: kind, equals: Status")), "reordered words must not match");
        assert!(!in_order(&seq("NAME SECRETS AGE"), &seq("^NAME +AGE *\n not-contains: SECRETS")));
        assert!(!in_order(&seq("a a"), &seq("a")), "a word said twice is checked twice");
        let changed = word_distance("kubectl create token x --duration=20m", "kubectl create token x --duration=10m");
        let dropped = word_distance("kubectl create token x --duration=20m", "kubectl create token x");
        assert_eq!((changed, dropped), ((1, 0), (1, 1)));
        assert!(changed < dropped);
    }
}
