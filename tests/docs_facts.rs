//! Numbers and references in the guide and the reference pages that cannot drift from the code:
//! every count of claims, scenarios, lint rules and step kinds in README.md and docs/ reference pages
//! equals what the code reports; docs/cli.md's synopsis is clap's own help (regenerate it with
//! `SA_CONFORMANCE_BLESS=1 cargo test --test docs_facts`); every environment variable the code reads
//! is documented, and every `SA_CONFORMANCE_*` the docs name is read. Record pages (benchmarks, matrix,
//! kill matrix, newcomer) keep dated measurements and are not checked for counts. Needs no cluster.

use clap::CommandFactory;
use regex::Regex;
use sa_conformance::scenario::{Catalog, LoadOptions};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

/// The guide and the reference pages: what they state is a fact of the current code.
const REFERENCE: &[&str] = &[
    "README.md",
    "docs/cli.md",
    "docs/claims.md",
    "docs/testing.md",
    "docs/safety.md",
    "docs/scenario-format.md",
    "docs/architecture.md",
    "docs/audit.md",
    "docs/lint.md",
    "docs/ci.md",
    "docs/offline-build.md",
];

/// (what, the count the code reports): each phrase `N what` on a reference page must say that count.
fn facts() -> Vec<(&'static str, usize)> {
    let catalog = Catalog::load(&repo().join("scenarios"), &LoadOptions::default()).expect("the shipped scenarios load");
    let article = catalog.scenarios.iter().filter(|s| s.file.components().any(|c| c.as_os_str() == "article")).count();
    vec![
        ("claims", catalog.claims.len()),
        ("scenarios", catalog.scenarios.len()),
        ("shipped scenarios", catalog.scenarios.len()),
        ("article scenarios", article),
        ("lint rules", sa_conformance::lint::RULES.len()),
        ("step kinds", sa_conformance::step::STEP_KINDS.len()),
    ]
}

/// Every `N what` on the page whose N is not `want`, as `page:line: N what (the code says want)`.
fn wrong_counts(page: &str, text: &str, what: &str, want: usize) -> Vec<String> {
    // `13 scenarios` but not `9 article scenarios` when looking for `scenarios`
    let re = Regex::new(&format!(r"(?:^|[^\w-])(\d+) (\w+ )?{}\b", regex::escape(what))).unwrap();
    let mut wrong = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for c in re.captures_iter(line) {
            let qualified = c.get(2).map(|m| m.as_str().trim());
            let counts_this = match what.split_once(' ') {
                Some((qualifier, _)) => qualified.is_none() || qualified == Some(qualifier),
                None => qualified.is_none(),
            };
            let said: usize = c[1].parse().unwrap();
            if counts_this && said != want {
                wrong.push(format!("{page}:{}: `{said} {what}` (the code says {want})", n + 1));
            }
        }
    }
    wrong
}

#[test]
fn every_count_in_the_guide_and_the_reference_is_the_codes() {
    let facts = facts();
    let mut wrong = Vec::new();
    for page in REFERENCE {
        let text = read(page);
        for (what, want) in &facts {
            wrong.extend(wrong_counts(page, &text, what, *want));
        }
    }
    assert!(wrong.is_empty(), "counts that disagree with the code:\n{}", wrong.join("\n"));
    // the README states the claim count, so the check above has something to check
    let claims = facts[0].1;
    assert!(read("README.md").contains(&format!("{claims} claims")), "README.md no longer states the claim count");
}

#[test]
fn a_count_changed_by_one_is_found() {
    // the check above can fail: the same page with its claim count off by one is caught, both ways
    let claims = facts()[0].1;
    for said in [claims + 1, claims - 1] {
        let text = read("docs/claims.md").replace(&format!("{claims} claims"), &format!("{said} claims"));
        assert_eq!(wrong_counts("docs/claims.md", &text, "claims", claims).len(), 1, "{said} claims not found");
    }
    assert!(wrong_counts("x", "the 9 article scenarios of 13", "scenarios", 13).is_empty());
    assert_eq!(wrong_counts("x", "all 12 scenarios", "scenarios", 13).len(), 1);
    assert_eq!(wrong_counts("x", "the 8 article scenarios", "article scenarios", 9).len(), 1);
}

/// The synopsis of every verb, from clap: `sa-conformance VERB --help` as the user sees it.
fn cli_reference() -> String {
    // the values in this process's environment are not part of the reference
    fn hide_values(cmd: clap::Command) -> clap::Command {
        cmd.mut_args(|a| a.hide_env_values(true)).mut_subcommands(hide_values)
    }
    let mut root = hide_values(sa_conformance::cli::Cli::command().term_width(100));
    root.build();
    let mut out = String::new();
    let mut add = |name: String, cmd: &mut clap::Command| {
        out.push_str(&format!("### `{name}`\n\n```\n{}\n```\n\n", cmd.render_long_help().to_string().trim_end()));
    };
    add("sa-conformance".into(), &mut root.clone());
    for sub in root.get_subcommands_mut() {
        let name = format!("sa-conformance {}", sub.get_name());
        let mut nested: Vec<clap::Command> = sub.get_subcommands().cloned().collect();
        add(name.clone(), sub);
        for n in nested.iter_mut() {
            add(format!("{name} {}", n.get_name()), n);
        }
    }
    out
}

const BEGIN: &str = "<!-- generated from clap by tests/docs_facts.rs: do not edit by hand -->\n";
const END: &str = "<!-- end of generated reference -->\n";

#[test]
fn the_cli_reference_is_claps_own_help() {
    let path = repo().join("docs/cli.md");
    let text = read("docs/cli.md");
    let generated = cli_reference();
    let (Some(start), Some(end)) = (text.find(BEGIN), text.find(END)) else {
        panic!("docs/cli.md has no generated reference between `{}` and `{}`", BEGIN.trim(), END.trim());
    };
    let current = &text[start + BEGIN.len()..end];
    if current != generated {
        if std::env::var_os("SA_CONFORMANCE_BLESS").is_some() {
            std::fs::write(&path, format!("{}{BEGIN}{generated}{}", &text[..start], &text[end..])).unwrap();
            return;
        }
        let first = current.lines().zip(generated.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "docs/cli.md differs from clap's help from line {} of the generated part:\n  docs: {:?}\n  clap: {:?}\nregenerate with `SA_CONFORMANCE_BLESS=1 cargo test --test docs_facts`",
            first + 1,
            current.lines().nth(first).unwrap_or(""),
            generated.lines().nth(first).unwrap_or("")
        );
    }
}

/// Environment variables the code reads: names in `var("..")`, `var_os("..")`, `try_from_env("..")`,
/// clap's `env = ".."`, and `const *_VAR: &str = ".."`.
fn variables_read() -> BTreeSet<String> {
    let re = Regex::new(r#"(?:var|var_os|try_from_env)\("([A-Z][A-Z0-9_]+)"\)|env = "([A-Z][A-Z0-9_]+)"|_VAR: &str = "([A-Z][A-Z0-9_]+)""#)
        .unwrap();
    let mut names = BTreeSet::new();
    let mut stack = vec![repo().join("src"), repo().join("tests")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for c in re.captures_iter(&text) {
                    names.insert(c.iter().skip(1).flatten().next().unwrap().as_str().to_string());
                }
            }
        }
    }
    names
}

/// Variables every process has, or that belong to another tool: not this project's to document.
const NOT_OURS: &[&str] = &["PATH", "HOME", "HOSTNAME", "KUBECONFIG", "NEXTEST_RUN_ID", "CARGO_MANIFEST_DIR"];

fn all_docs() -> String {
    let mut text = read("README.md");
    for entry in std::fs::read_dir(repo().join("docs")).unwrap().flatten() {
        if entry.path().extension().is_some_and(|e| e == "md") {
            text.push_str(&std::fs::read_to_string(entry.path()).unwrap());
        }
    }
    text
}

/// The variables of `read` that `docs` never names (as a whole word: `SA_CONFORMANCE_BX` does not
/// name `SA_CONFORMANCE_B`).
fn undocumented<'a>(read: &'a BTreeSet<String>, docs: &str) -> Vec<&'a String> {
    let named: BTreeSet<&str> = Regex::new(r"\b[A-Z][A-Z0-9_]+\b").unwrap().find_iter(docs).map(|m| m.as_str()).collect();
    read.iter().filter(|v| !NOT_OURS.contains(&v.as_str()) && !named.contains(v.as_str())).collect()
}

#[test]
fn every_variable_the_code_reads_is_documented_and_no_other() {
    let read = variables_read();
    assert!(read.contains("SA_CONFORMANCE_CONTEXT") && read.contains("KUBECTL"), "the scan found too little: {read:?}");
    let docs = all_docs();
    let undocumented = undocumented(&read, &docs);
    assert!(undocumented.is_empty(), "read by the code but not documented in README.md or docs/: {undocumented:?}");
    let named: BTreeSet<String> =
        Regex::new(r"\bSA_CONFORMANCE_[A-Z0-9_]+\b").unwrap().find_iter(&docs).map(|m| m.as_str().to_string()).collect();
    let scripts = std::fs::read_dir(repo().join("scripts"))
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect::<Vec<_>>()
        .join("\n");
    let stale: Vec<&String> = named.iter().filter(|v| !read.contains(*v) && !scripts.contains(v.as_str())).collect();
    assert!(stale.is_empty(), "documented but read by nothing (src/, tests/, scripts/): {stale:?}");
}

#[test]
fn an_undocumented_variable_would_be_found() {
    let read: BTreeSet<String> = ["SA_CONFORMANCE_A", "SA_CONFORMANCE_B", "PATH"].map(String::from).into();
    assert_eq!(undocumented(&read, "set `SA_CONFORMANCE_A` or SA_CONFORMANCE_B=1"), Vec::<&String>::new());
    assert_eq!(undocumented(&read, "set `SA_CONFORMANCE_A`"), vec!["SA_CONFORMANCE_B"]);
    // a longer name that merely starts with it does not document it
    assert_eq!(undocumented(&read, "`SA_CONFORMANCE_A` `SA_CONFORMANCE_BX`"), vec!["SA_CONFORMANCE_B"]);
}
