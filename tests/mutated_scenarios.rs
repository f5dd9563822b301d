//! The loader against mutated copies of the shipped scenarios: a bounded, seeded fuzz budget in
//! `cargo test`. Each input is a real scenario file with a few line-level edits a hand or a merge
//! makes (a line dropped, doubled, swapped, re-indented, cut short, a character replaced by YAML
//! punctuation or a variable). The loader must never panic, and every error it gives must name the
//! file and a line, so a user can go to it. Needs no cluster.
//!
//! The budget and the seed are fixed, so a run is repeatable and its figures (inputs tried, how many
//! loaded, how many were refused) are the ones docs/faults.md records. `SA_CONFORMANCE_FUZZ_CASES`
//! raises the budget for a longer run (the nightly).

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use sa_conformance::scenario::{discover, load_str, LoadOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Inputs tried in `cargo test`; 2 to 3 s in a debug build.
const CASES: u32 = 2_000;
const SEED: u64 = 28;

/// What a mutation puts in place of a character.
const PIECES: &[&str] = &[
    ":",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "'",
    "\"",
    "#",
    "\t",
    "&a ",
    "*a",
    "!!binary ",
    "${",
    "${scenario}",
    "${nope}",
    "$${x}",
    "---\n",
    "~",
    "é",
    "\u{0}",
    "\\",
    "|",
    ">",
    "? ",
    "%YAML 1.2\n",
    "<<: *a\n",
];

#[derive(Debug, Clone)]
enum Edit {
    Drop(usize),
    Double(usize),
    Swap(usize),
    Indent(usize),
    Dedent(usize),
    CutAt(usize),
    Replace(usize, usize),
    Insert(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::Drop),
        any::<usize>().prop_map(Edit::Double),
        any::<usize>().prop_map(Edit::Swap),
        any::<usize>().prop_map(Edit::Indent),
        any::<usize>().prop_map(Edit::Dedent),
        any::<usize>().prop_map(Edit::CutAt),
        (any::<usize>(), 0..PIECES.len()).prop_map(|(at, p)| Edit::Replace(at, p)),
        (any::<usize>(), 0..PIECES.len()).prop_map(|(at, p)| Edit::Insert(at, p)),
    ]
}

/// Applies one edit; positions wrap around the text, so every edit lands somewhere.
fn apply(text: &str, edit: &Edit) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    if lines.is_empty() {
        return text.to_string();
    }
    let line = |i: &usize| i % lines.len();
    // a character boundary of the whole text, for the edits that work on characters
    let boundary = |i: &usize| text.char_indices().map(|(b, _)| b).nth(i % text.chars().count().max(1)).unwrap_or(0);
    match edit {
        Edit::Drop(i) => {
            lines.remove(line(i));
        }
        Edit::Double(i) => {
            let l = line(i);
            lines.insert(l, lines[l].clone());
        }
        Edit::Swap(i) => {
            let l = line(i);
            let next = (l + 1) % lines.len();
            lines.swap(l, next);
        }
        Edit::Indent(i) => {
            let l = line(i);
            lines[l].insert_str(0, "  ");
        }
        Edit::Dedent(i) => {
            let l = line(i);
            let cut = lines[l].len() - lines[l].trim_start().len();
            lines[l].drain(..cut.min(2));
        }
        Edit::CutAt(i) => return text[..boundary(i)].to_string(),
        Edit::Replace(i, p) => {
            let at = boundary(i);
            let width = text[at..].chars().next().map_or(0, char::len_utf8);
            return format!("{}{}{}", &text[..at], PIECES[*p], &text[at + width..]);
        }
        Edit::Insert(i, p) => {
            let at = boundary(i);
            return format!("{}{}{}", &text[..at], PIECES[*p], &text[at..]);
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

fn shipped() -> Vec<(PathBuf, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let files = discover(&dir).expect("the shipped scenarios are found");
    assert!(!files.is_empty(), "no scenario files in {}", dir.display());
    files.into_iter().map(|f| (f.clone(), std::fs::read_to_string(&f).expect("a shipped scenario reads"))).collect()
}

fn budget() -> u32 {
    std::env::var("SA_CONFORMANCE_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(CASES)
}

/// Every mutated scenario loads or is refused with errors that each name the file and a line; none
/// panics. Both outcomes must occur, or the mutations are not reaching the loader.
#[test]
fn a_mutated_scenario_loads_or_names_file_and_line_and_never_panics() {
    let files = shipped();
    let (loaded, refused) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let cases = budget();
    let config = Config { cases, rng_seed: RngSeed::Fixed(SEED), failure_persistence: None, ..Config::default() };
    let started = std::time::Instant::now();
    let input = (0..files.len(), proptest::collection::vec(edit(), 1..4));
    let result = TestRunner::new(config).run(&input, |(file, edits)| {
        let (path, text) = &files[file];
        let text = edits.iter().fold(text.clone(), |t, e| apply(&t, e));
        match load_str(path, &text, &LoadOptions::default()) {
            Ok(_) => {
                loaded.fetch_add(1, Ordering::Relaxed);
            }
            Err(errors) => {
                refused.fetch_add(1, Ordering::Relaxed);
                for e in &errors.0 {
                    if e.file != *path || e.line.is_none() {
                        return Err(TestCaseError::fail(format!("an error without {}:LINE: {e}\n--- input ---\n{text}", path.display())));
                    }
                }
            }
        }
        Ok(())
    });
    let (loaded, refused) = (loaded.into_inner(), refused.into_inner());
    let verdict = if result.is_ok() { "0 panics" } else { "then a failure (below)" };
    eprintln!(
        "mutated scenarios: {cases} inputs (seed {SEED}) in {:.1}s: {loaded} loaded, {refused} refused with file:line, {verdict}",
        started.elapsed().as_secs_f64()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(loaded > 0 && refused > 0, "the mutations must give both outcomes: {loaded} loaded, {refused} refused");
}

/// The fuzz's own check can fail: a panic inside the loader's call is caught and reported, not lost.
#[test]
fn a_panic_under_the_runner_is_a_failure() {
    let config = Config { cases: 1, rng_seed: RngSeed::Fixed(SEED), failure_persistence: None, ..Config::default() };
    let result = TestRunner::new(config).run(&(0..1usize), |_| -> Result<(), TestCaseError> { panic!("boom") });
    assert!(result.is_err_and(|e| e.to_string().contains("boom")));
}

#[test]
fn edits_land_where_they_say() {
    let text = "a: 1\nb: 2\nc: 3\n";
    assert_eq!(apply(text, &Edit::Drop(1)), "a: 1\nc: 3\n");
    assert_eq!(apply(text, &Edit::Double(3)), "a: 1\na: 1\nb: 2\nc: 3\n");
    assert_eq!(apply(text, &Edit::Swap(2)), "c: 3\nb: 2\na: 1\n");
    assert_eq!(apply(text, &Edit::Indent(0)), "  a: 1\nb: 2\nc: 3\n");
    assert_eq!(apply("  a: 1\n", &Edit::Dedent(0)), "a: 1\n");
    assert_eq!(apply(text, &Edit::CutAt(3)), "a: ");
    assert_eq!(apply(text, &Edit::Replace(0, 0)), ":: 1\nb: 2\nc: 3\n");
    assert_eq!(apply("é", &Edit::Insert(1, 1)), "- é");
}
