//! The path language of field checks: `spec.containers[0].volumeMounts[*].mountPath`, with `\.` for
//! a literal dot in a key. Its own file, below the field checks, the schemas that validate paths and
//! the decoding pipeline that walks them, which all read paths.

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Segment {
    Key(String),
    Index(usize),
    All,
}

pub(super) fn parse_path(path: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut key = String::new();
    let mut chars = path.chars().peekable();
    let flush = |key: &mut String, segments: &mut Vec<Segment>| {
        if !key.is_empty() {
            segments.push(Segment::Key(std::mem::take(key)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'.') => {
                chars.next();
                key.push('.');
            }
            '.' => flush(&mut key, &mut segments),
            '[' => {
                flush(&mut key, &mut segments);
                let mut inner = String::new();
                loop {
                    match chars.next() {
                        Some(']') => break,
                        Some(ch) => inner.push(ch),
                        None => return Err(format!("unclosed `[` in path `{path}`")),
                    }
                }
                if inner == "*" {
                    segments.push(Segment::All);
                } else {
                    let index = inner.parse().map_err(|_| format!("invalid index `[{inner}]` in path `{path}`"))?;
                    segments.push(Segment::Index(index));
                }
            }
            c => key.push(c),
        }
    }
    flush(&mut key, &mut segments);
    if segments.is_empty() {
        return Err("empty path".into());
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `\.` is a literal dot in a key; a backslash before anything else is kept as it is (a
    /// parser that took any escaped character would eat the next one and put a dot in its place).
    #[test]
    fn a_backslash_escapes_only_a_dot() {
        let key = |k: &str| Segment::Key(k.to_string());
        assert_eq!(parse_path(r"kubernetes\.io.namespace"), Ok(vec![key("kubernetes.io"), key("namespace")]));
        assert_eq!(parse_path(r"a\b.c"), Ok(vec![key(r"a\b"), key("c")]));
        assert_eq!(parse_path(r"a\"), Ok(vec![key(r"a\")]));
    }
}
