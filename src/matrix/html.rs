//! The matrix as one static, self-contained HTML page: the article's claims section by section (quoted
//! from scenarios/claims.yaml), each claim's mark per version as a coloured badge that also carries a
//! sign and a word, and the evidence of every step one click away (`<details>`). Each claim and each
//! step links to its article line, and the lines cited are on the page itself (`#article-L125`), so
//! the links lead nowhere outside it. No script, no external font, stylesheet or image: the page works
//! offline and from a file.

use super::{Cell, Evidence, Excerpt, Mark, Matrix};
use std::fmt::Write;

/// Badge background colours (white text on each); the browser test looks for these exact pixels.
pub const COLOURS: [(Mark, &str); 4] =
    [(Mark::Holds, "#1f883d"), (Mark::Erratum, "#9a6700"), (Mark::Failed, "#cf222e"), (Mark::NotVerified, "#57606a")];

fn class(mark: Mark) -> &'static str {
    match mark {
        Mark::Holds => "holds",
        Mark::Erratum => "erratum",
        Mark::Failed => "failed",
        Mark::NotVerified => "not-verified",
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn style() -> String {
    let mut css = String::from(
        "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#1f2328;line-height:1.45}\
         h1{font-size:1.6em}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:2em}\
         table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #d0d7de;padding:.3em .6em;text-align:left;vertical-align:top}\
         blockquote{margin:.3em 0;padding:.2em .8em;border-left:4px solid #d0d7de;color:#424a53}\
         .claim{margin:1.2em 0}.id{font-family:ui-monospace,monospace;font-size:.85em;color:#57606a}\
         .mark{display:inline-block;color:#fff;font-weight:600;padding:.25em .7em;border-radius:.3em;white-space:nowrap}\
         details{margin-top:.3em;font-size:.9em}summary{cursor:pointer}pre{white-space:pre-wrap;background:#f6f8fa;padding:.4em;margin:.2em 0}\
         .problem{color:#cf222e}a{color:#0969da}\
         .article-line{font-family:ui-monospace,monospace;font-size:.85em;white-space:pre-wrap;padding:.1em .4em}\
         .article-line .n{display:inline-block;min-width:3em;color:#57606a}.article-line:target{background:#fff8c5}",
    );
    for (mark, c) in COLOURS {
        let _ = write!(css, ".mark-{}{{background:{c}}}", class(mark));
    }
    css
}

fn badge(mark: Mark) -> String {
    format!("<span class=\"mark mark-{}\">{} {}</span>", class(mark), mark.sign(), mark.as_str())
}

/// The page.
pub fn to_html(m: &Matrix) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>ServiceAccounts and RBAC: the article's claims by Kubernetes version</title>\n");
    let _ = writeln!(out, "<style>{}</style>\n</head>\n<body>", style());
    out.push_str("<h1>ServiceAccounts and RBAC: the article's claims by Kubernetes version</h1>\n");
    out.push_str(
        "<p>Each claim quotes the article; each version's mark is what sa-conformance measured on a kind cluster of that version. ",
    );
    out.push_str("Open <em>evidence</em> under a mark for what each step expected and saw (secrets redacted).</p>\n<p class=\"legend\">");
    for mark in Mark::ALL {
        let _ = write!(out, "{} ", badge(mark));
    }
    out.push_str("</p>\n");
    versions_table(&mut out, m);
    let mut section: Option<&str> = None;
    for c in &m.claims {
        if section != Some(c.section.as_str()) {
            if section.is_some() {
                out.push_str("</section>\n");
            }
            section = Some(&c.section);
            let _ = writeln!(out, "<section>\n<h2>{}</h2>", escape(&c.section));
        }
        let _ = writeln!(
            out,
            "<div class=\"claim\" id=\"claim-{}\">\n<blockquote>{}</blockquote>\n<div class=\"id\">{}{}</div>",
            escape(&c.id),
            escape(&c.text),
            escape(&c.id),
            c.article.map(|n| format!(" · {}", line_link(m, n))).unwrap_or_default()
        );
        out.push_str("<table><tr>");
        for v in &m.versions {
            let _ = write!(out, "<th>{}</th>", escape(&v.version));
        }
        out.push_str("</tr><tr>");
        for cell in &c.cells {
            let _ = write!(out, "<td>{}</td>", cell_html(m, cell));
        }
        out.push_str("</tr></table>\n</div>\n");
    }
    if section.is_some() {
        out.push_str("</section>\n");
    }
    if let Some(article) = &m.article {
        article_html(&mut out, article);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn versions_table(out: &mut String, m: &Matrix) {
    out.push_str("<table class=\"versions\"><tr><th>version</th><th>node image</th><th>scenarios passed / failed</th>");
    for mark in Mark::ALL {
        let _ = write!(out, "<th>{}</th>", mark.as_str());
    }
    out.push_str("<th>seconds</th></tr>\n");
    for (i, v) in m.versions.iter().enumerate() {
        let _ = write!(out, "<tr><td>{}</td><td>{}</td><td>", escape(&v.version), escape(v.node_image.as_deref().unwrap_or("-")));
        match &v.error {
            Some(e) => {
                let _ = write!(out, "<span class=\"problem\">did not run: {}</span>", escape(e));
            }
            None => {
                let _ = write!(out, "{} / {}", v.scenarios_passed, v.scenarios_failed);
            }
        }
        for p in &v.problems {
            let _ = write!(out, "<div class=\"problem\">{}</div>", escape(p));
        }
        out.push_str("</td>");
        for mark in Mark::ALL {
            let _ = write!(out, "<td>{}</td>", m.count(i, mark));
        }
        let _ = writeln!(out, "<td>{}</td></tr>", v.seconds.map(|s| s.to_string()).unwrap_or_else(|| "-".into()));
    }
    out.push_str("</table>\n");
}

/// The anchor of article line `n` on the page.
pub fn line_id(n: usize) -> String {
    format!("article-L{n}")
}

/// `article line 125`, a link to the line on the page when the page carries it.
fn line_link(m: &Matrix, n: usize) -> String {
    if m.article.as_ref().is_some_and(|a| a.lines.iter().any(|(l, _)| *l == n)) {
        format!("<a href=\"#{}\">article line {n}</a>", line_id(n))
    } else {
        format!("article line {n}")
    }
}

/// The article's lines the page cites, each with its anchor.
fn article_html(out: &mut String, article: &Excerpt) {
    let _ = writeln!(
        out,
        "<section id=\"article\">\n<h2>The article's lines cited above</h2>\n<p>From {}: each claim links to the line that states it, each step to the lines it runs or checks.</p>",
        escape(&article.name)
    );
    for (n, text) in &article.lines {
        let _ = writeln!(out, "<div class=\"article-line\" id=\"{}\"><span class=\"n\">{n}</span>{}</div>", line_id(*n), escape(text));
    }
    out.push_str("</section>\n");
}

fn cell_html(m: &Matrix, cell: &Cell) -> String {
    let mut out = badge(cell.mark);
    if let Some(e) = &cell.erratum {
        let _ = write!(
            out,
            "<div><strong>article:</strong> {}<br><strong>true instead:</strong> {}</div>",
            escape(&e.article),
            escape(&e.actual)
        );
    }
    if cell.steps.is_empty() {
        out.push_str("<div>no step verified it on this version</div>");
        return out;
    }
    let _ = write!(out, "<details><summary>evidence: {} step(s)</summary>", cell.steps.len());
    for s in &cell.steps {
        out.push_str(&evidence_html(m, s));
    }
    out.push_str("</details>");
    out
}

fn evidence_html(m: &Matrix, s: &Evidence) -> String {
    let mut out = format!(
        "<div><strong>{}</strong> — {} step {} <code>{}</code> ({})",
        escape(&s.verdict),
        escape(&s.scenario),
        s.index,
        escape(&s.name),
        escape(&s.location)
    );
    if !s.article.is_empty() {
        let links: Vec<String> = s.article.iter().map(|&n| line_link(m, n)).collect();
        let _ = write!(out, " · {}", links.join(", "));
    }
    for d in &s.mismatches {
        let _ = write!(out, "<pre>{}\nexpected: {}\nactual:   {}</pre>", escape(&d.what), escape(&d.expected), escape(&d.actual));
    }
    if let Some(e) = &s.error {
        let _ = write!(out, "<pre>error: {}</pre>", escape(e));
    }
    if !s.notes.is_empty() {
        let _ = write!(out, "<pre>{}</pre>", escape(&s.notes.join("\n")));
    }
    out.push_str("</div>");
    out
}
