//! Finds where things are in a scenario file's text (the line each step starts on, the line of a key
//! inside a step) so every load error can name file:line, and so each step can be parsed on its own
//! and all of a file's problems reported at once.

/// One step item of the top-level `steps:` list, as a slice of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct StepSlice {
    /// 1-based line of the step's `- `.
    pub line: usize,
    /// The step's YAML, dedented so it parses as a mapping; line k of it is file line `line + k`.
    pub text: String,
}

/// The step items of a block-style top-level `steps:` list; `None` if the list is not block style.
pub fn step_slices(source: &str) -> Option<Vec<StepSlice>> {
    let lines: Vec<&str> = source.lines().collect();
    let start = lines.iter().position(|l| l.trim_end() == "steps:")?;
    let mut items: Vec<(usize, usize)> = Vec::new(); // (line index, indent)
    let mut item_indent = None;
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate().skip(start + 1) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let is_item = trimmed == "-" || trimmed.starts_with("- ");
        match item_indent {
            None if is_item => {
                item_indent = Some(indent);
                items.push((i, indent));
            }
            None => return None,
            Some(ind) if is_item && indent == ind => items.push((i, indent)),
            Some(ind) if indent < ind || (indent == ind && !is_item) => {
                if indent == 0 {
                    end = i;
                    break;
                }
                return None;
            }
            Some(_) => {}
        }
    }
    let slices = items
        .iter()
        .enumerate()
        .map(|(n, &(first, indent))| {
            let last = items.get(n + 1).map(|&(l, _)| l).unwrap_or(end);
            let body: Vec<String> = lines[first..last].iter().enumerate().map(|(k, l)| dedent(l, indent, k == 0)).collect();
            StepSlice { line: first + 1, text: body.join("\n") + "\n" }
        })
        .collect();
    Some(slices)
}

fn dedent(line: &str, indent: usize, first: bool) -> String {
    let cut = indent + 2;
    if first {
        let rest = line.get(indent..).unwrap_or("");
        let rest = rest.strip_prefix('-').unwrap_or(rest);
        return rest.get(1..).unwrap_or("").to_string();
    }
    let lead = line.len() - line.trim_start().len();
    line.get(lead.min(cut)..).unwrap_or("").to_string()
}

/// The 1-based file line of the first `key:` inside a step slice, or the step's own line.
pub fn key_line(slice: &StepSlice, key: &str) -> usize {
    let needle = format!("{key}:");
    slice
        .text
        .lines()
        .position(|l| {
            let t = l.trim_start().trim_start_matches("- ");
            t.starts_with(&needle) || t.starts_with(&format!("{{{needle}")) || l.contains(&format!(" {needle}"))
        })
        .map(|k| slice.line + k)
        .unwrap_or(slice.line)
}

/// The 1-based line of a top-level `key:`, if present.
pub fn top_key_line(source: &str, key: &str) -> Option<usize> {
    let needle = format!("{key}:");
    source.lines().position(|l| l.starts_with(&needle)).map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "name: x\nsteps:\n  - name: one\n    apply:\n      file: a.yaml\n\n  # comment\n  - kubectl:\n      command: kubectl get sa\ncleanup: []\n";

    #[test]
    fn slices_each_step_with_its_line() {
        let slices = step_slices(SRC).unwrap();
        assert_eq!(slices.len(), 2);
        assert_eq!(slices[0].line, 3);
        assert_eq!(slices[0].text, "name: one\napply:\n  file: a.yaml\n\n# comment\n");
        assert_eq!(slices[1].line, 8);
        assert_eq!(slices[1].text, "kubectl:\n  command: kubectl get sa\n");
        assert_eq!(key_line(&slices[0], "file"), 5);
    }

    #[test]
    fn column_zero_items_work() {
        let slices = step_slices("steps:\n- apply:\n    file: a.yaml\n- wait: {}\n").unwrap();
        assert_eq!(slices.iter().map(|s| s.line).collect::<Vec<_>>(), vec![2, 4]);
    }

    #[test]
    fn flow_style_lists_are_not_sliced() {
        assert_eq!(step_slices("steps: [ {apply: {file: a}} ]\n"), None);
        assert_eq!(step_slices("steps:\n  foo: bar\n"), None);
    }
}
