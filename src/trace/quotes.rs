//! Where the article states each claim: the claims (scenarios/claims.yaml) quote the article, and the
//! quote is found again in the article's text, in the claim's own section, by content. A quote the
//! article no longer prints is an error naming the claim, so an edit of the article's prose turns red
//! as an edit of its blocks does.
//!
//! What a claim quotes is read from its `text` by the catalogue's own conventions: the words before
//! `Checked as:` (what follows says what a step observes instead); `...` and ` -- ` join pieces
//! quoted from different places; a parenthesis that opens after a space is the writer's note
//! (`(`namespace/dev created`)`, `(403)`), not a quote; a piece the article does not print as a whole
//! is the writer's sentence around quotes, and then each of its `backtick` spans must be found.
//! A claim that says `(Implicit ...)` states no sentence of the article: it is placed at its
//! section's heading, and said to be implicit.
//!
//! Texts are compared by their letters and digits in order: the plain-text article lost the spaces
//! around its inline code (`defaultservice account`) and uses typographic apostrophes, the claims
//! put them back.

use super::article::Article;
use crate::scenario::Claim;
use std::fmt;

/// Where a claim is stated.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClaimLine {
    pub id: String,
    /// The article line of the first piece it quotes (its section's heading when implicit).
    pub line: usize,
    /// The article lines of every piece it quotes, in the claim's order.
    pub lines: Vec<usize>,
    /// The claim says it is implicit: `line` is its section's heading, not a quote.
    pub implicit: bool,
}

/// A quote the article does not print (any more) in the claim's section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteError {
    pub claim: String,
    pub section: String,
    pub quote: String,
}

impl fmt::Display for QuoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "claim `{}`: the article does not print `{}` in section \"{}\"", self.claim, self.quote, self.section)
    }
}

/// The article as the sequence of its letters and digits, each with its line.
struct Squashed {
    chars: Vec<char>,
    lines: Vec<usize>,
}

fn squash(text: &str) -> Vec<char> {
    text.chars().filter(|c| c.is_alphanumeric()).collect()
}

impl Squashed {
    fn new(text: &str) -> Squashed {
        let (mut chars, mut lines) = (Vec::new(), Vec::new());
        for (n, l) in text.lines().enumerate() {
            for c in l.chars().filter(|c| c.is_alphanumeric()) {
                chars.push(c);
                lines.push(n + 1);
            }
        }
        Squashed { chars, lines }
    }

    /// Where `quote` starts (indexes into `chars`), every place in `section` (by `article`'s headings).
    fn find_all(&self, quote: &str, section: &str, article: &Article) -> Vec<usize> {
        let q = squash(quote);
        if q.is_empty() || q.len() > self.chars.len() {
            return Vec::new();
        }
        (0..=self.chars.len() - q.len())
            .filter(|&i| self.chars[i] == q[0] && self.chars[i..i + q.len()] == q[..])
            .filter(|&i| article.section_at(self.lines[i]) == section)
            .collect()
    }
}

/// The lines of the needles' places, one place each: of the ways to find them in order, the one that
/// spans the fewest characters (a short piece, `| ServiceAccount |`, is found in the heading too);
/// where they cannot be found in order (a claim may quote a later sentence first), each one's first.
fn placed(needles: &[(Vec<usize>, usize)], squashed: &Squashed) -> Vec<usize> {
    let Some((first, _)) = needles.first() else { return Vec::new() };
    let in_order = first
        .iter()
        .filter_map(|&start| {
            let mut at = vec![start];
            let mut end = start + needles[0].1;
            for (places, len) in &needles[1..] {
                let next = *places.iter().find(|&&p| p >= end)?;
                at.push(next);
                end = next + len;
            }
            Some((end - start, at))
        })
        .min_by_key(|(span, _)| *span)
        .map(|(_, at)| at);
    let at = in_order.unwrap_or_else(|| needles.iter().map(|(places, _)| places[0]).collect());
    at.into_iter().map(|i| squashed.lines[i]).collect()
}

/// The quoted part of a claim's text: before `Checked as:`, the writer's parenthesised notes left out.
fn quoted(text: &str) -> String {
    let before = text.split("Checked as:").next().unwrap_or_default();
    let (mut out, mut depth, mut code, mut prev) = (String::new(), 0usize, false, ' ');
    for c in before.chars() {
        match c {
            '`' if depth == 0 => code = !code,
            '(' if !code && (depth > 0 || prev.is_whitespace()) => depth += 1,
            ')' if !code && depth > 0 => {
                depth -= 1;
                prev = c;
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            out.push(c);
        }
        prev = c;
    }
    out
}

/// The `backtick` spans of a piece.
fn code_spans(piece: &str) -> Vec<&str> {
    piece.split('`').skip(1).step_by(2).collect()
}

/// Where each claim is stated in `text` (read as `article`), and the quotes that are not found.
pub fn locate(text: &str, article: &Article, claims: &[Claim]) -> (Vec<ClaimLine>, Vec<QuoteError>) {
    let squashed = Squashed::new(text);
    let (mut found, mut errors) = (Vec::new(), Vec::new());
    for claim in claims {
        let error = |quote: &str| QuoteError { claim: claim.id.clone(), section: claim.section.clone(), quote: quote.trim().to_string() };
        if claim.text.trim_start().starts_with("(Implicit") {
            match article.sections.iter().find(|(_, name)| *name == claim.section) {
                Some(&(line, _)) => found.push(ClaimLine { id: claim.id.clone(), line, lines: vec![line], implicit: true }),
                None if claim.section == super::article::INTRODUCTION => {
                    found.push(ClaimLine { id: claim.id.clone(), line: 1, lines: vec![1], implicit: true })
                }
                None => errors.push(QuoteError { quote: format!("the heading \"{}\"", claim.section), ..error("") }),
            }
            continue;
        }
        let quote = quoted(&claim.text);
        // each needle: the places it is found, and its length
        let mut needles: Vec<(Vec<usize>, usize)> = Vec::new();
        let mut missing = Vec::new();
        // found: its places kept as a needle
        let mut seek = |text: &str| {
            let places = squashed.find_all(text, &claim.section, article);
            let found = !places.is_empty();
            if found {
                needles.push((places, squash(text).len()));
            }
            found
        };
        for piece in quote.split("...").flat_map(|p| p.split(" -- ")).filter(|p| !squash(p).is_empty()) {
            if seek(piece) {
                continue;
            }
            let spans = code_spans(piece);
            if spans.is_empty() {
                missing.push(error(piece));
            }
            for span in spans.into_iter().filter(|s| !squash(s).is_empty()) {
                if !seek(span) {
                    missing.push(error(span));
                }
            }
        }
        let lines = placed(&needles, &squashed);
        match (lines.first(), missing.is_empty()) {
            (Some(&line), true) => found.push(ClaimLine { id: claim.id.clone(), line, lines, implicit: false }),
            (None, true) => errors.push(error(&claim.text)),
            (_, false) => errors.extend(missing),
        }
    }
    (found, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const ARTICLE: &str = "Intro line.\nTokens\nYou can also request a custom duration:\nkubectl create token pod-inspector -n dev --duration=10m\nExpected output:\nyes\nUse these practices:\n- Avoid using the namespace\ndefaultservice account for real applications.\nLater\nThe pod’s namespace is dev.\n";

    fn claim(section: &str, text: &str) -> Claim {
        Claim { id: "c".into(), section: section.into(), text: text.into(), checked_by: None }
    }

    fn one(section: &str, text: &str) -> Result<ClaimLine, Vec<String>> {
        let (found, errors) = locate(ARTICLE, &super::super::article::read(ARTICLE), &[claim(section, text)]);
        if errors.is_empty() {
            Ok(found.into_iter().next().expect("a claim is found or an error"))
        } else {
            Err(errors.iter().map(ToString::to_string).collect())
        }
    }

    #[rstest]
    #[case::a_sentence("Tokens", "You can also request a custom duration. Checked as: exp - iat is 600.", vec![3])]
    #[case::command_and_output(
        "Tokens",
        "`kubectl create token pod-inspector -n dev --duration=10m` -- Expected output: yes (the writer's note)",
        vec![4, 5]
    )]
    #[case::prose_around_a_command("Tokens", "Ask for `kubectl create token pod-inspector -n dev --duration=10m` and see", vec![4])]
    #[case::words_the_article_glued("Tokens", "Avoid using the namespace default service account for real applications.", vec![8])]
    #[case::a_straight_apostrophe("Later", "The pod's namespace is dev.", vec![11])]
    fn a_quote_is_found_by_its_letters_in_order_in_its_section(#[case] section: &str, #[case] text: &str, #[case] lines: Vec<usize>) {
        assert_eq!(one(section, text).map(|c| c.lines), Ok(lines));
    }

    #[test]
    fn an_implicit_claim_is_placed_at_its_sections_heading() {
        let c = one("Later", "(Implicit) A token carries the identity and nothing more.").unwrap();
        assert_eq!((c.line, c.implicit), (10, true));
    }

    #[rstest]
    #[case::an_edited_quote("Tokens", "You can also request a longer duration.", "`You can also request a longer duration.`")]
    #[case::reordered_words("Tokens", "You can request also a custom duration.", "`You can request also a custom duration.`")]
    #[case::an_edited_command("Tokens", "Ask for `kubectl create token pod-inspector -n dev --duration=20m`", "`kubectl create token")]
    #[case::in_another_section("Later", "You can also request a custom duration.", "in section \"Later\"")]
    #[case::an_implicit_claim_of_a_section_the_article_lacks("Gone", "(Implicit) it holds", "the heading \"Gone\"")]
    fn a_quote_the_article_does_not_print_is_an_error_naming_the_claim(#[case] section: &str, #[case] text: &str, #[case] said: &str) {
        let errors = one(section, text).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("claim `c`: the article does not print ") && errors[0].contains(said), "{errors:?}");
    }
}
