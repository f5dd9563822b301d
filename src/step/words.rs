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

/// `word` written so that [`split`] reads it back as one word: as it is when it holds nothing a shell
/// treats specially, else in single quotes (a `'` inside as `'\''`).
pub fn quote(word: &str) -> String {
    let plain = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_=.,:/@%+{}[]~^".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// A command line whose words are `words`: `split(&join(w)) == w`.
pub fn join(words: &[String]) -> String {
    words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
}

/// Fills the words of a command line (placeholders of captured values, see `crate::capture`) after
/// splitting it, so a value with spaces or quotes stays inside the one word it stands in; the result
/// is a command line that splits into the filled words.
pub fn fill(text: &str, mut fill_word: impl FnMut(&str) -> Result<String, String>) -> Result<String, String> {
    let words = split(text)?.iter().map(|w| fill_word(w)).collect::<Result<Vec<_>, _>>()?;
    Ok(join(&words))
}

#[cfg(test)]
mod tests {
    use super::{fill, join, quote, split};
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

    #[rstest]
    #[case(&["kubectl", "get", "cm", "-o", "jsonpath={.data.x}"])]
    #[case(&["--from-literal=text=hello, 'big' world", "a\\b", "\"q\"", "$HOME", "", "tab\there", "line\nbreak"])]
    fn joined_words_split_back_into_the_same_words(#[case] words: &[&str]) {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        assert_eq!(split(&join(&words)).unwrap(), words);
    }

    #[test]
    fn a_plain_word_is_left_as_it_is_and_others_are_quoted() {
        assert_eq!(quote("--as=system:serviceaccount:dev:x"), "--as=system:serviceaccount:dev:x");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), "'it'\\''s'");
    }

    #[test]
    fn a_value_filled_in_stays_in_its_word_in_every_quoting() {
        let value = "hello, 'big' world";
        let line = fill("kubectl create cm x --from-literal=a=VALUE \"--from-literal=b=VALUE\" '--from-literal=c=VALUE'", |w| {
            Ok(w.replace("VALUE", value))
        })
        .unwrap();
        let words = split(&line).unwrap();
        assert_eq!(words.len(), 7, "{words:?}");
        for (i, key) in [(4, "a"), (5, "b"), (6, "c")] {
            assert_eq!(words[i], format!("--from-literal={key}={value}"));
        }
        assert_eq!(fill("echo 'open", |w| Ok(w.into())).unwrap_err(), "unterminated single quote");
        assert_eq!(fill("echo X", |_| Err("no value".into())).unwrap_err(), "no value");
    }
}
