//! Console colours: a verdict's word in its colour on a terminal, plain text everywhere else (a pipe,
//! a file, CI logs) and whenever `NO_COLOR` is set to anything but the empty string
//! (<https://no-color.org>). The word is always there: colour only repeats what it says.

use std::ffi::OsString;
use std::io::IsTerminal;

/// What a word says, which picks its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// passed, holds (green)
    Good,
    /// failed (red)
    Bad,
    /// erratum: the article is wrong there, measured; not a failure (yellow)
    Erratum,
    /// not verified, not applicable, skipped (dim)
    Quiet,
}

impl Tone {
    fn code(self) -> &'static str {
        match self {
            Tone::Good => "32",
            Tone::Bad => "1;31",
            Tone::Erratum => "33",
            Tone::Quiet => "2",
        }
    }
}

/// Whether words get colours, decided once per stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Paint {
    on: bool,
}

impl Paint {
    /// No colours (reports, tests, anything not shown on a terminal).
    pub const PLAIN: Paint = Paint { on: false };

    /// Colours for what goes to stdout.
    pub fn stdout() -> Paint {
        Paint::decide(std::io::stdout().is_terminal(), std::env::var_os("NO_COLOR"))
    }

    /// Colours for what goes to stderr.
    pub fn stderr() -> Paint {
        Paint::decide(std::io::stderr().is_terminal(), std::env::var_os("NO_COLOR"))
    }

    /// On a terminal, unless `NO_COLOR` is set and not empty.
    pub fn decide(terminal: bool, no_color: Option<OsString>) -> Paint {
        Paint { on: terminal && no_color.is_none_or(|v| v.is_empty()) }
    }

    pub fn is_on(self) -> bool {
        self.on
    }

    /// `text` in the colour of `tone`, or as it is.
    pub fn tone(self, tone: Tone, text: &str) -> String {
        if self.on {
            format!("\x1b[{}m{text}\x1b[0m", tone.code())
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::a_terminal(true, None, true)]
    #[case::a_pipe(false, None, false)]
    #[case::no_color_set(true, Some("1"), false)]
    #[case::no_color_any_value(true, Some("false"), false)]
    #[case::no_color_empty_is_unset(true, Some(""), true)]
    #[case::a_pipe_with_no_color(false, Some("1"), false)]
    fn colours_only_on_a_terminal_without_no_color(#[case] terminal: bool, #[case] no_color: Option<&str>, #[case] on: bool) {
        assert_eq!(Paint::decide(terminal, no_color.map(OsString::from)).is_on(), on);
    }

    #[test]
    fn a_coloured_word_keeps_its_word_and_a_plain_one_has_no_code() {
        let on = Paint::decide(true, None);
        assert_eq!(on.tone(Tone::Bad, "FAILED"), "\x1b[1;31mFAILED\x1b[0m");
        assert_eq!(on.tone(Tone::Erratum, "ERRATUM"), "\x1b[33mERRATUM\x1b[0m");
        assert_eq!(Paint::PLAIN.tone(Tone::Good, "ok"), "ok");
    }
}
