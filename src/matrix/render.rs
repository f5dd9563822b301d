//! The matrix as text: a console table and a Markdown page (docs/matrix.md is one). Both read the
//! [`Matrix`] only; every mark is a word (and a sign), never a colour alone.

use super::{Mark, Matrix};
use crate::report::{Paint, Tone};
use std::fmt::Write;

impl Mark {
    /// The colour of its word on a terminal.
    pub fn tone(self) -> Tone {
        match self {
            Mark::Holds => Tone::Good,
            Mark::Erratum => Tone::Erratum,
            Mark::Failed => Tone::Bad,
            Mark::NotVerified => Tone::Quiet,
        }
    }
}

/// Claims x versions for a terminal, then a line per version; marks in colour when `paint` says so
/// (the word and its sign are there either way).
pub fn to_console(m: &Matrix, paint: Paint) -> String {
    let width = m.claims.iter().map(|c| c.id.len()).max().unwrap_or(5).max(5);
    let mut out = format!("{:width$}", "claim");
    for v in &m.versions {
        let _ = write!(out, "  {:14}", v.version);
    }
    out.push('\n');
    for c in &m.claims {
        let _ = write!(out, "{:width$}", c.id);
        for cell in &c.cells {
            let word = format!("{:14}", format!("{} {}", cell.mark.sign(), cell.mark.as_str()));
            let _ = write!(out, "  {}", paint.tone(cell.mark.tone(), &word));
        }
        out.push('\n');
    }
    for (i, v) in m.versions.iter().enumerate() {
        let _ = writeln!(out, "{}: {}", v.version, summary_line(m, i));
        if let Some(e) = &v.error {
            let _ = writeln!(out, "  error: {e}");
        }
        for p in &v.problems {
            let _ = writeln!(out, "  problem: {p}");
        }
    }
    out
}

fn summary_line(m: &Matrix, i: usize) -> String {
    let v = &m.versions[i];
    let counts: Vec<String> = Mark::ALL.iter().map(|mark| format!("{} {}", m.count(i, *mark), mark.as_str())).collect();
    let took = v.seconds.map(|s| format!(", {s} s")).unwrap_or_default();
    format!("{} (scenarios: {} passed, {} failed{took})", counts.join(", "), v.scenarios_passed, v.scenarios_failed)
}

fn md_escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', "\\n")
}

/// Markdown: the versions, the claims x versions table (grouped by article section), then each
/// erratum and each failure with what was expected and seen.
pub fn to_markdown(m: &Matrix) -> String {
    let mut out = String::from(
        "| version | node image | cluster | scenarios passed / failed | holds | erratum | failed | not verified | seconds |\n",
    );
    out.push_str("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (i, v) in m.versions.iter().enumerate() {
        let cluster = match &v.error {
            Some(e) => format!("did not run: {}", md_escape(e)),
            None => format!("`{}`", v.cluster),
        };
        let counts: Vec<String> = Mark::ALL.iter().map(|mark| m.count(i, *mark).to_string()).collect();
        let _ = writeln!(
            out,
            "| {} | `{}` | {cluster} | {} / {} | {} | {} |",
            v.version,
            v.node_image.as_deref().unwrap_or("-"),
            v.scenarios_passed,
            v.scenarios_failed,
            counts.join(" | "),
            v.seconds.map(|s| s.to_string()).unwrap_or_else(|| "-".into())
        );
    }
    out.push_str("\nMarks: ✓ holds, ! erratum (the article is wrong there; measured), ✗ failed, ? not verified.\n");
    let mut header = String::from("\n| claim |");
    let mut rule = String::from("| --- |");
    for v in &m.versions {
        let _ = write!(header, " {} |", v.version);
        rule.push_str(" --- |");
    }
    let mut section = "";
    for c in &m.claims {
        if c.section != section {
            section = &c.section;
            let _ = write!(out, "\n### {section}\n{header}\n{rule}\n");
        }
        let _ = write!(out, "| `{}` |", c.id);
        for cell in &c.cells {
            let _ = write!(out, " {} {} |", cell.mark.sign(), cell.mark.as_str());
        }
        out.push('\n');
    }
    let notable = notable(m);
    if !notable.is_empty() {
        out.push_str("\n### Errata and failures\n\n");
        out.push_str(&notable);
    }
    out
}

/// One bullet per erratum or failed cell, with the evidence that decided it.
fn notable(m: &Matrix) -> String {
    let mut out = String::new();
    for c in &m.claims {
        for (cell, v) in c.cells.iter().zip(&m.versions) {
            match cell.mark {
                Mark::Erratum => {
                    if let Some(e) = &cell.erratum {
                        let _ = writeln!(
                            out,
                            "- `{}` on {}: **erratum**: the article says \"{}\"; true instead: {}",
                            c.id,
                            v.version,
                            md_escape(&e.article),
                            md_escape(&e.actual)
                        );
                    }
                }
                Mark::Failed => {
                    for s in cell.steps.iter().filter(|s| s.verdict == "failed") {
                        let _ = writeln!(
                            out,
                            "- `{}` on {}: **failed** at {} step {} `{}` ({})",
                            c.id,
                            v.version,
                            s.scenario,
                            s.index,
                            md_escape(&s.name),
                            s.location
                        );
                        for d in &s.mismatches {
                            let _ = writeln!(
                                out,
                                "  - {}: expected {}, got {}",
                                md_escape(&d.what),
                                md_escape(&d.expected),
                                md_escape(&d.actual)
                            );
                        }
                        if let Some(e) = &s.error {
                            let _ = writeln!(out, "  - error: {}", md_escape(e));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}
