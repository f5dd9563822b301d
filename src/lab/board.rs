//! The instructor's board as a page: a row per participant, a column per article section, each cell a
//! coloured badge that also carries a sign and a word (✓ holds, ✗ fails, · not checked), and each
//! participant's first failure with the section to revisit. One static, self-contained HTML file (no
//! script, font, stylesheet or image from elsewhere), written by `check --html FILE`, so it can be
//! opened from disk or served as is; `--watch` rewrites it every round.

use super::LabOutcome;
use crate::matrix::escape;
use std::fmt::Write;

/// A participant's results, one per scenario.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BoardRow {
    pub participant: String,
    pub labs: Vec<LabOutcome>,
}

/// Badge colours (white text on each): holds, fails, not checked. The browser test looks for these
/// exact pixels.
pub const BOARD_COLOURS: [(&str, &str); 3] = [("holds", "#1f883d"), ("fails", "#cf222e"), ("not-checked", "#57606a")];

/// Every section of the rows, in the order they first appear.
pub fn sections(rows: &[BoardRow]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in rows.iter().flat_map(|r| r.labs.iter().flat_map(|l| l.stages.iter())) {
        if !out.contains(&s.section) {
            out.push(s.section.clone());
        }
    }
    out
}

/// The mark of one participant's section: (class, sign, word).
pub fn mark(row: &BoardRow, section: &str) -> (&'static str, &'static str, &'static str) {
    match row.labs.iter().flat_map(|l| l.stages.iter()).find(|s| s.section == section) {
        Some(s) if s.not_checked.is_some() => ("not-checked", "·", "not checked"),
        Some(s) if s.passed() => ("holds", "✓", "holds"),
        Some(_) => ("fails", "✗", "fails"),
        None => ("not-checked", "·", "not checked"),
    }
}

/// The page; `when` is printed under the title (the time of the round).
pub fn to_html(rows: &[BoardRow], when: &str) -> String {
    let sections = sections(rows);
    let mut css = String::from(
        "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#1f2328}\
         table{border-collapse:collapse}th,td{border:1px solid #d0d7de;padding:.35em .6em;text-align:left;vertical-align:top}\
         .mark{display:inline-block;color:#fff;font-weight:600;padding:.25em .7em;border-radius:.3em;white-space:nowrap}\
         .hint{font-size:.9em;color:#424a53}",
    );
    for (class, colour) in BOARD_COLOURS {
        let _ = write!(css, ".mark-{class}{{background:{colour}}}");
    }
    let done = rows.iter().filter(|r| r.labs.iter().all(LabOutcome::passed)).count();
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>sa-conformance check: the board</title><style>{css}</style></head><body>\
         <h1>The board</h1><p>{} &middot; {done} of {} participants hold every section</p><table><tr><th>participant</th>",
        escape(when),
        rows.len()
    );
    for s in &sections {
        let _ = write!(html, "<th>{}</th>", escape(s));
    }
    html.push_str("<th>first thing to fix</th></tr>");
    for row in rows {
        let _ = write!(html, "<tr><td>{}</td>", escape(&row.participant));
        for s in &sections {
            let (class, sign, word) = mark(row, s);
            let _ = write!(html, "<td><span class=\"mark mark-{class}\">{sign} {word}</span></td>");
        }
        match row.labs.iter().find_map(LabOutcome::first_failure) {
            Some((stage, f)) => {
                let _ = write!(
                    html,
                    "<td class=\"hint\">{}: {}<br>{}</td></tr>",
                    escape(&stage.section),
                    escape(&f.problem),
                    escape(&f.hint())
                );
            }
            None => html.push_str("<td></td></tr>"),
        }
    }
    html.push_str("</table></body></html>\n");
    html
}
