//! Splits a documented command line into words the way a POSIX shell would for the simple commands the
//! article uses (quotes, backslash escapes, `\` line continuations), so `kubectl` steps can be written
//! exactly as the documentation prints them; and refuses the words that would point such a command at
//! another cluster ([`retarget`]).

pub mod retarget;

/// Splits `text` into words as `sh` would (the `shell-words` crate: quotes, backslash escapes, `\`
/// line continuations, and a word that starts with `#` begins a comment); an unterminated quote is an
/// error that says which quote. A trailing lone backslash is kept as a `\` word, as sh keeps it.
pub fn split(text: &str) -> Result<Vec<String>, String> {
    shell_words::split(text).map_err(|_| {
        // Which quote is open: the one whose closing makes the line split.
        let open = if shell_words::split(&format!("{text}'")).is_ok() { "single" } else { "double" };
        format!("unterminated {open} quote")
    })
}

/// `word` written so that [`split`] reads it back as one word: as it is when it holds nothing a shell
/// treats specially, else in single quotes (a `'` inside as `'\''`). Not `shell_words::quote`: that
/// quotes every word with a `=` or `%` (`'--as=system:serviceaccount:dev:x'`), and these command lines
/// are shown to the reader as the article writes them.
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
    #[case("kubectl get sa # the default one", &["kubectl", "get", "sa"])]
    #[case("echo a#b '#c'", &["echo", "a#b", "#c"])]
    // sh keeps a backslash that ends the line (`sh -c 'echo \'` prints `\`).
    #[case("echo \\", &["echo", "\\"])]
    fn splits_like_a_shell(#[case] text: &str, #[case] want: &[&str]) {
        assert_eq!(split(text).unwrap(), want);
    }

    #[rstest]
    #[case("echo 'open", "single quote")]
    #[case("echo \"open", "double quote")]
    #[case("echo \"open \\", "double quote")]
    #[case("echo 'open \\", "single quote")]
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
