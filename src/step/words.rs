//! Splits a documented command line into words the way a POSIX shell would for the simple commands the
//! article uses (quotes, backslash escapes, `\` line continuations), so `kubectl` steps can be written
//! exactly as the documentation prints them.

/// Splits `text` into words; an unterminated quote is an error.
pub fn split(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(next) => {
                    current.push(next);
                    in_word = true;
                }
                None => return Err("command ends with a lone backslash".into()),
            },
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => current.push(ch),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '$' | '`')) => current.push(ch),
                            Some('\n') => {}
                            Some(ch) => {
                                current.push('\\');
                                current.push(ch);
                            }
                            None => return Err("unterminated double quote".into()),
                        },
                        Some(ch) => current.push(ch),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            c => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::split;
    use rstest::rstest;

    #[rstest]
    #[case("kubectl get sa -n dev", &["kubectl", "get", "sa", "-n", "dev"])]
    #[case("kubectl auth can-i list pods \\\n  --as=system:serviceaccount:dev:pod-inspector \\\n  -n dev",
           &["kubectl", "auth", "can-i", "list", "pods", "--as=system:serviceaccount:dev:pod-inspector", "-n", "dev"])]
    #[case("echo 'a b' \"c \\\"d\\\"\"", &["echo", "a b", "c \"d\""])]
    #[case("  ", &[])]
    fn splits_like_a_shell(#[case] text: &str, #[case] want: &[&str]) {
        assert_eq!(split(text).unwrap(), want);
    }

    #[rstest]
    #[case("echo 'open", "single quote")]
    #[case("echo \"open", "double quote")]
    #[case("echo \\", "lone backslash")]
    fn rejects_broken_quoting(#[case] text: &str, #[case] fragment: &str) {
        assert!(split(text).unwrap_err().contains(fragment));
    }
}
