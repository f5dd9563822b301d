//! A Secret's `data`/`stringData` values inside one string (a response body excerpt, `kubectl get
//! secret -o yaml|json` output): the keys stay, so a reader still sees what the Secret holds, the values
//! go. Text that names only other kinds (a ConfigMap) is left alone; text that names no kind (an excerpt
//! cut short before `kind:`, as kubectl's alphabetical output is) counts as a Secret.

use regex::Regex;
use std::sync::LazyLock;

use super::REDACTED;

static KIND: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?m)(?:"kind"\s*:\s*"|^[ \t-]*kind:[ \t]*)([A-Za-z]+)"#).expect("static regex"));
static FLOW_MAP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?:"(?:data|stringData)"|\b(?:data|stringData))[ \t]*:[ \t]*\{"#).expect("static regex"));
static BLOCK_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([ \t]*(?:-[ \t]+)?)(?:data|stringData):[ \t]*$").expect("static regex"));

/// `text` with the values of every `data`/`stringData` map replaced, or `None` if there is none.
pub fn redact(text: &str) -> Option<String> {
    if !text.contains("data") && !text.contains("stringData") {
        return None;
    }
    let mut kinds = KIND.captures_iter(text).map(|c| c[1].to_string()).peekable();
    if kinds.peek().is_some() && !kinds.any(|k| k.contains("Secret") || k == "List") {
        return None;
    }
    let flow = flow_maps(text);
    let text = flow.as_deref().unwrap_or(text);
    let block = block_maps(text);
    match (flow.is_some(), block) {
        (_, Some(b)) => Some(b),
        (true, None) => Some(text.to_string()),
        (false, None) => None,
    }
}

/// `data: {k: v, ...}` and `"data":{"k":"v",...}`, also when the excerpt ends inside the map.
fn flow_maps(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut at = 0;
    for m in FLOW_MAP.find_iter(text) {
        if m.start() < at {
            continue;
        }
        out.push_str(&text[at..m.end()]);
        at = m.end() + redact_flow_map(&text[m.end()..], &mut out);
    }
    if at == 0 {
        return None;
    }
    out.push_str(&text[at..]);
    Some(out)
}

/// Copies a flow map's body (after `{`) to `out` with its values redacted; returns the bytes read.
fn redact_flow_map(body: &str, out: &mut String) -> usize {
    let b = body.as_bytes();
    let mut i = 0;
    let copy_ws = |i: &mut usize, out: &mut String| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            *i += 1;
        }
        out.push_str(&body[start..*i]);
    };
    loop {
        copy_ws(&mut i, out);
        if i >= b.len() {
            return i;
        }
        if b[i] == b'}' {
            out.push('}');
            return i + 1;
        }
        // The key, copied as it is.
        let start = i;
        i = if b[i] == b'"' { end_of_quoted(b, i) } else { scan_until(b, i, b":,}") };
        out.push_str(&body[start..i]);
        copy_ws(&mut i, out);
        if i < b.len() && b[i] == b':' {
            out.push(':');
            i += 1;
            copy_ws(&mut i, out);
            if i < b.len() && b[i] == b'"' {
                let end = end_of_quoted(b, i);
                let closed = end - i >= 2 && b[end - 1] == b'"';
                out.push_str(&format!("\"{REDACTED}{}", if closed { "\"" } else { "" }));
                i = end;
            } else if i < b.len() && (b[i] == b'{' || b[i] == b'[') {
                // A nested object or list: hidden whole, up to its own closing bracket.
                out.push_str(REDACTED);
                i = end_of_nested(b, i);
            } else {
                let end = scan_until(b, i, b",}");
                if body[i..end].trim().is_empty() {
                    out.push_str(&body[i..end]);
                } else {
                    out.push_str(REDACTED);
                }
                i = end;
            }
        }
        copy_ws(&mut i, out);
        // Anything but `,` or `}` here (`"a":"x" junk, ...`) is read as the next key: the rest of a
        // Secret's map is never copied unread (every step of the loop moves past at least one byte).
        if i < b.len() && b[i] == b',' {
            out.push(',');
            i += 1;
        }
    }
}

/// The index after a quoted string starting at `start` (or the end of the text if it is cut short).
fn end_of_quoted(b: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// The index after the bracket that closes the one at `start` (quoted text skipped), or the end of
/// the text if it is cut short.
fn end_of_nested(b: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = end_of_quoted(b, i);
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    b.len()
}

fn scan_until(b: &[u8], start: usize, stops: &[u8]) -> usize {
    (start..b.len()).find(|&i| stops.contains(&b[i])).unwrap_or(b.len())
}

/// YAML block maps: every line indented under `data:` or `stringData:` loses its value; block scalars
/// (`tls.key: |`) lose every continuation line.
fn block_maps(text: &str) -> Option<String> {
    let mut changed = false;
    let mut out = Vec::new();
    // (indent of the `data:` key, indent of its entries once seen)
    let mut block: Option<(usize, Option<usize>)> = None;
    for line in text.split('\n') {
        let indent = line.len() - line.trim_start().len();
        if let Some((key_indent, entry_indent)) = block.as_mut() {
            if line.trim().is_empty() {
                out.push(line.to_string());
                continue;
            }
            if indent > *key_indent {
                let entry = *entry_indent.get_or_insert(indent);
                out.push(redact_block_line(line, indent, entry));
                changed = true;
                continue;
            }
            block = None;
        }
        if let Some(c) = BLOCK_KEY.captures(line) {
            block = Some((c[1].len(), None));
        }
        out.push(line.to_string());
    }
    changed.then(|| out.join("\n"))
}

fn redact_block_line(line: &str, indent: usize, entry_indent: usize) -> String {
    let (lead, rest) = line.split_at(indent);
    if indent == entry_indent {
        let colon = rest.find(": ").or_else(|| rest.ends_with(':').then(|| rest.len() - 1));
        if let Some(c) = colon {
            let value = rest[c + 1..].trim();
            if value.is_empty() || value.starts_with(['|', '>']) {
                return line.to_string();
            }
            return format!("{lead}{}: {REDACTED}", &rest[..c]);
        }
    }
    format!("{lead}{REDACTED}")
}
