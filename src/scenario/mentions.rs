//! What counts as a mention of a name in free text (a command line, an expected output, a field value,
//! a manifest line), so namespace mapping replaces every mention and nothing else. A mention of `dev`
//! is the whole word `dev`, bounded on both sides by characters that cannot continue a name:
//!
//! - not a name character on either side (`a-z A-Z 0-9 - _`), nor `$`/`{` before (`$dev`, `${dev}`);
//! - a `.` before only in a service DNS name (`web.dev.svc`), a `.` after only at the end of a
//!   sentence (`... in dev.`), never in a file or host name (`dev.yaml`, `x.dev`);
//! - a `/` before only when the word before it is relative (`namespace/dev`, `RoleBinding
//!   "pod-reader/dev"`) or the `/` follows `namespaces/` (`/api/v1/namespaces/dev/pods`): a mention is
//!   never a segment of an absolute path (`/dev/null`, `/var/run/dev`).
//!
//! So `-n dev`, `--namespace=dev`, `system:serviceaccount:dev:pod-inspector`, `"dev"` and
//! `dev/pod-inspector` are mentions; `device`, `dev-tools`, `alice-dev`, `/dev/null` are not.

use std::collections::BTreeMap;
use std::ops::Range;

/// Characters that may continue a name (or an identifier) on either side of a mention.
fn continues_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Whether `text[at..at + len]` is a mention, judged by the characters around it.
fn is_mention(text: &str, at: usize, len: usize) -> bool {
    let before = &text[..at];
    let after = &text[at + len..];
    let prev = before.chars().next_back();
    let next = after.chars().next();
    let before_ok = match prev {
        None => true,
        Some('.') => after.starts_with(".svc"),
        Some('/') => before.ends_with("namespaces/") || !absolute_path(&before[..before.len() - 1]),
        Some(c) => !(continues_name(c) || c == '$' || c == '{'),
    };
    let after_ok = match next {
        None => true,
        Some('.') => after.starts_with(".svc") || after[1..].chars().next().is_none_or(|c| c.is_whitespace() || "\"'`)]}".contains(c)),
        Some(c) => !continues_name(c),
    };
    before_ok && after_ok
}

/// Whether the path-like word that ends `before` (the text up to a `/`) starts at the root: `/dev`
/// and `/var/run/dev` are file paths, `namespace/dev` and `pod-reader/dev` are not.
fn absolute_path(before: &str) -> bool {
    let word_start = before.rfind(|c: char| c.is_whitespace() || "\"'`=,:;([{<>|".contains(c)).map_or(0, |i| i + 1);
    let word = &before[word_start..];
    word.is_empty()
        || matches!(word, "." | ".." | "~")
        || word.starts_with('/')
        || word.starts_with("./")
        || word.starts_with("~/")
        || word.starts_with("../")
}

/// Every mention in `text` of a key of `table`, in order, without overlaps (a longer name wins where
/// two start at the same place).
pub fn find(text: &str, table: &BTreeMap<String, String>) -> Vec<(Range<usize>, String)> {
    let mut found: Vec<(Range<usize>, String)> = Vec::new();
    for source in table.keys() {
        for (at, _) in text.match_indices(source.as_str()) {
            if is_mention(text, at, source.len()) {
                found.push((at..at + source.len(), source.clone()));
            }
        }
    }
    found.sort_by(|a, b| a.0.start.cmp(&b.0.start).then(b.0.end.cmp(&a.0.end)));
    let mut out: Vec<(Range<usize>, String)> = Vec::new();
    for m in found {
        if out.last().is_none_or(|last| m.0.start >= last.0.end) {
            out.push(m);
        }
    }
    out
}

/// `text` with every mention of a key of `table` replaced by its value, all at once (so `dev=prod,
/// prod=dev` swaps).
pub fn replace(text: &str, table: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (range, source) in find(text, table) {
        out.push_str(&text[last..range.start]);
        out.push_str(&table[&source]);
        last = range.end;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn dev() -> BTreeMap<String, String> {
        [("dev".to_string(), "alice-dev".to_string())].into()
    }

    #[rstest]
    #[case::short_flag("kubectl get pods -n dev", "kubectl get pods -n alice-dev")]
    #[case::long_flag("kubectl get pods --namespace dev", "kubectl get pods --namespace alice-dev")]
    #[case::long_flag_inline("kubectl get pods --namespace=dev", "kubectl get pods --namespace=alice-dev")]
    #[case::create("kubectl create namespace dev", "kubectl create namespace alice-dev")]
    #[case::created("namespace/dev created", "namespace/alice-dev created")]
    #[case::identity("--as=system:serviceaccount:dev:pod-inspector", "--as=system:serviceaccount:alice-dev:pod-inspector")]
    #[case::group("system:serviceaccounts:dev", "system:serviceaccounts:alice-dev")]
    #[case::quoted("in the namespace \"dev\"", "in the namespace \"alice-dev\"")]
    #[case::whole("dev", "alice-dev")]
    #[case::api_path("/api/v1/namespaces/dev/pods", "/api/v1/namespaces/alice-dev/pods")]
    #[case::url(
        "https://kubernetes.default.svc/api/v1/namespaces/dev/pods/x",
        "https://kubernetes.default.svc/api/v1/namespaces/alice-dev/pods/x"
    )]
    #[case::ns_slash_name("error looking up service account dev/missing-sa", "error looking up service account alice-dev/missing-sa")]
    #[case::name_slash_ns("RoleBinding \"pod-reader/dev\"", "RoleBinding \"pod-reader/alice-dev\"")]
    #[case::service_dns("web.dev.svc.cluster.local", "web.alice-dev.svc.cluster.local")]
    #[case::sentence_end("pods in dev.", "pods in alice-dev.")]
    #[case::regex("^dev$", "^alice-dev$")]
    #[case::env("NAMESPACE=dev", "NAMESPACE=alice-dev")]
    #[case::serviceaccount_flag("--serviceaccount=dev:temp-sa", "--serviceaccount=alice-dev:temp-sa")]
    #[case::table_cell("default      dev    5s", "default      alice-dev    5s")]
    fn maps_every_mention(#[case] text: &str, #[case] want: &str) {
        assert_eq!(replace(text, &dev()), want);
    }

    #[rstest]
    #[case::device_file("--output /dev/null")]
    #[case::device_dir("cat /var/run/dev/x")]
    #[case::relative_root("./dev/x")]
    #[case::longer_word("device")]
    #[case::prefix("dev-tools")]
    #[case::suffix("alice-dev")]
    #[case::underscore("dev_mode")]
    #[case::shell_var("$dev ${dev}")]
    #[case::capture_placeholder("__sa_capture_dev__")]
    #[case::file_name("dev.yaml")]
    #[case::host_name("registry.dev")]
    #[case::upper_case("DEV Dev devs")]
    fn leaves_what_is_not_a_mention(#[case] text: &str) {
        assert_eq!(replace(text, &dev()), text);
    }

    #[test]
    fn pairs_are_replaced_at_once_so_a_swap_swaps() {
        let swap: BTreeMap<String, String> = [("dev".into(), "prod".into()), ("prod".into(), "dev".into())].into();
        assert_eq!(replace("-n dev then -n prod", &swap), "-n prod then -n dev");
    }
}
