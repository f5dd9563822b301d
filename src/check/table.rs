//! Parses kubectl's human tables (`NAME  SECRETS  AGE`) into rows keyed by header, so a scenario can
//! say "pod-inspector has SECRETS 0" the way the article shows it.

use std::collections::BTreeMap;

/// Rows of a kubectl table: the first non-empty line is the header; columns start where the header's
/// words start (kubectl aligns every row to them).
pub fn parse_table(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else { return Vec::new() };
    let starts = column_starts(header);
    let names: Vec<String> =
        starts.iter().enumerate().map(|(i, &s)| slice(header, s, starts.get(i + 1).copied()).trim().to_string()).collect();
    lines
        .map(|line| {
            names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let cell = slice(line, starts[i], starts.get(i + 1).copied());
                    (name.clone(), cell.trim().to_string())
                })
                .collect()
        })
        .collect()
}

fn column_starts(header: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut prev_space = true;
    for (i, c) in header.char_indices() {
        if !c.is_whitespace() && prev_space {
            starts.push(i);
        }
        prev_space = c.is_whitespace();
    }
    starts
}

fn slice(line: &str, start: usize, end: Option<usize>) -> &str {
    let len = line.len();
    let s = start.min(len);
    let e = end.unwrap_or(len).min(len);
    line.get(s..e).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_columns_by_header() {
        let out = "NAME            SECRETS   AGE\ndefault         0         10m\npod-inspector   0         10s\n";
        let rows = parse_table(out);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1]["NAME"], "pod-inspector");
        assert_eq!(rows[1]["SECRETS"], "0");
        assert_eq!(rows[0]["AGE"], "10m");
    }

    #[test]
    fn all_namespaces_table_keeps_namespace_column() {
        let out = "NAMESPACE     NAME      SECRETS   AGE\nkube-system   default   0         5m\n";
        assert_eq!(parse_table(out)[0]["NAMESPACE"], "kube-system");
    }

    #[test]
    fn empty_output_has_no_rows() {
        assert!(parse_table("").is_empty());
    }
}
