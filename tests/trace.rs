//! The article is the source: `trace` on the published article (../shared/docs/) is green, every block
//! run verbatim or declared; the article edited (a token duration, a verb added to the Role, and every
//! edit of the doc kill matrix) turns it red naming the edited block; a Markdown tutorial of another
//! shape traces as well. Needs no cluster: it reads the article, the scenarios and their manifests.

use sa_conformance::scenario::{Catalog, LoadOptions};
use sa_conformance::trace::{self, edits, links, ArticleLinks, Declared, Runs, Trace, TraceReport, Verdict};
use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scenarios() -> PathBuf {
    repo().join("scenarios")
}

/// The article traced: `SA_CONFORMANCE_ARTICLE`, else the published one (`../shared/docs/` next to the
/// repository), else the copy the repository keeps (docs/article/) for checkouts without `../shared`
/// (a CI runner, a laptop clone). The same resolution `run` uses to link its reports to the article.
fn article_path() -> PathBuf {
    links::article_path(&scenarios()).expect("docs/article/ holds the copy of the article")
}

/// Says `line` on the real stderr, which libtest does not capture: a test that passes still shows it.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn article() -> String {
    std::fs::read_to_string(article_path())
        .unwrap_or_else(|e| panic!("cannot read the article at {} (SA_CONFORMANCE_ARTICLE names another): {e}", article_path().display()))
}

/// Where the published article is present, the repository's copy is the same text: an edit of the
/// article reaches the copy (and so every checkout) or this goes red. Where it is absent (a clone
/// without `../shared`), the comparison cannot be made: the test passes, because libtest has no
/// skip, but says on the uncaptured stderr that the check did not run, and which article was traced.
#[test]
fn the_repositorys_copy_is_the_published_article() {
    let published = links::published(&scenarios());
    let Ok(text) = std::fs::read_to_string(&published) else {
        say(&format!(
            "NOT RUN: the copy-equality check: no published article at {}; the trace tests traced {}",
            published.display(),
            article_path().display()
        ));
        return;
    };
    let copy = std::fs::read_to_string(links::copy(&scenarios())).expect("docs/article/ holds the copy");
    assert!(
        copy == text,
        "docs/article/service-accounts-article.txt differs from {}: copy the published article over it",
        published.display()
    );
    say(&format!("checked: docs/article/{} is the published article {}", links::ARTICLE_FILE, published.display()));
}

fn runs() -> Runs {
    let catalog = Catalog::load(&repo().join("scenarios"), &LoadOptions::default()).expect("the shipped scenarios load");
    Runs::of(&catalog, Some(&repo().join("scenarios").join(trace::ARTICLE_DIR)))
}

fn declared() -> Declared {
    Declared::load(&repo().join("scenarios").join(trace::DECLARED_FILE)).expect("the declarations load")
}

/// Runs the command on `text` written to a file; (exit code, stdout).
fn sa_trace(text: &str, extra: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("article.txt");
    std::fs::write(&file, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sa-conformance"))
        .arg("trace")
        .arg(&file)
        .args(extra)
        .arg("--scenarios-dir")
        .arg(repo().join("scenarios"))
        .env_remove("SA_CONFORMANCE_SCENARIOS")
        .output()
        .expect("sa-conformance runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The verdict on the block line starting at `line`.
fn verdict_at(t: &Trace, line: usize) -> &Verdict {
    let unit = t.blocks.iter().flat_map(|b| &b.units).find(|u| u.line == line);
    &unit.unwrap_or_else(|| panic!("no block line {line}")).verdict
}

#[test]
fn the_article_traces_green_every_block_run_verbatim_or_declared() {
    let (runs, declared) = (runs(), declared());
    let t = trace::trace_text(&article(), &runs, &declared);
    let report = TraceReport::new("article", &t, &runs);
    println!("{}", report.console());
    say(&format!("traced article: {} ({})", article_path().display(), report.counts));
    assert!(t.passed(), "{:#?}", t.failures());
    assert!(report.counts.verbatim > 20, "{}", report.counts);
    assert_eq!(report.counts.not_run, 0);
    let (code, out) = sa_trace(&article(), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.trim_end().lines().last().is_some_and(|l| l.contains("run verbatim") && l.contains("declared") && l.contains("not run")),
        "{out}"
    );
}

#[test]
fn a_token_duration_changed_in_the_article_fails_naming_the_block_and_the_step() {
    let text = article().replace("--duration=10m", "--duration=20m");
    let t = trace::trace_text(&text, &runs(), &declared());
    let Verdict::Drift { diff, .. } = verdict_at(&t, 220) else { panic!("{:?}", verdict_at(&t, 220)) };
    assert_eq!(diff, &["- --duration=20m", "+ --duration=10m"]);
    let (code, out) = sa_trace(&text, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(" 220  command ") && out.contains("DRIFT from ") && out.contains("manual-tokens.scenario.yaml:"), "{out}");
}

#[test]
fn delete_added_to_the_roles_verbs_fails_naming_the_manifest_and_the_step() {
    let text = article().replacen(r#"verbs: ["get", "list", "watch"]"#, r#"verbs: ["get", "list", "watch", "delete"]"#, 1);
    let t = trace::trace_text(&text, &runs(), &declared());
    let Verdict::Drift { diff, .. } = verdict_at(&t, 125) else { panic!("{:?}", verdict_at(&t, 125)) };
    assert_eq!(diff, &[r#"- verbs: ["get", "list", "watch", "delete"]"#, r#"+ verbs: ["get", "list", "watch"]"#]);
    let (code, out) = sa_trace(&text, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(" 125  manifest  Role/pod-reader") && out.contains("DRIFT from "), "{out}");
}

#[test]
fn every_edit_of_the_doc_kill_matrix_is_killed() {
    let (runs, declared) = (runs(), declared());
    let m = edits::matrix(&article(), &runs, &declared);
    println!("{m}");
    for kind in edits::EditKind::ALL {
        let tally = m.kinds.iter().find(|k| k.kind == kind).unwrap();
        assert!(tally.edits > 0, "no `{}` edit was generated from the article", kind.name());
    }
    assert!(m.survivors.is_empty(), "{m}");
}

#[test]
fn a_markdown_tutorial_of_another_shape_traces_by_content() {
    let text = std::fs::read_to_string(repo().join("tests/fixtures/trace/tutorial.md")).unwrap();
    let runs = runs();
    let t = trace::trace_text(&text, &runs, &Declared::default());
    let rows: Vec<(usize, String, bool)> = t
        .blocks
        .iter()
        .flat_map(|b| b.units.iter().map(move |u| (u.line, b.block.kind.to_string(), matches!(u.verdict, Verdict::Verbatim { .. }))))
        .collect();
    let want = [
        (11, "command"),
        (12, "output"),
        (18, "manifest"),
        (27, "command"),
        (33, "manifest"),
        (47, "command"),
        (55, "output"),
        (61, "command"),
    ];
    let got: Vec<(usize, &str)> = rows.iter().map(|(l, k, _)| (*l, k.as_str())).collect();
    assert_eq!(got, want);
    assert!(rows.iter().all(|r| r.2), "{:#?}", t.blocks);
    // the same tutorial with a drifted manifest field
    let drifted = text.replace("name: pod-reader", "name: pod-writer");
    let t = trace::trace_text(&drifted, &runs, &Declared::default());
    assert!(matches!(verdict_at(&t, 33), Verdict::NotRun { .. } | Verdict::Drift { .. }), "{:?}", verdict_at(&t, 33));
}

#[test]
fn the_json_report_holds_every_row_and_the_counts() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("trace.json");
    let (code, out) = sa_trace(&article(), &["--json", json.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let rows = doc["rows"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["line"] == 220 && r["verdict"] == "verbatim"), "{doc:#}");
    assert_eq!(doc["counts"]["not_run"], 0);
    let token = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "kubectl create token pod-inspector -n dev --duration=10m gives a 600-second token");
    assert_eq!(token.map(|s| &s["lines"]), Some(&serde_json::json!([220])), "{doc:#}");
    assert_eq!(doc["passed"], true);
}

#[test]
fn a_text_with_no_block_fails() {
    let (code, out) = sa_trace("Just prose, no commands.\n", &["--declared", "/dev/null"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("the article has no blocks"), "{out}");
}

#[test]
fn a_declarations_file_with_an_unknown_key_is_an_input_error_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let declared = dir.path().join("trace.yaml");
    std::fs::write(&declared, "not-run: []\nnot-ran: []\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sa-conformance"))
        .arg("trace")
        .arg(article_path())
        .arg("--declared")
        .arg(&declared)
        .arg("--scenarios-dir")
        .arg(repo().join("scenarios"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("trace.yaml:2: unknown key `not-ran` (known: not-run, verification)"), "{err}");
}

#[test]
fn an_unreadable_article_is_an_input_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_sa-conformance"))
        .args(["trace", "/no/such/article.txt", "--scenarios-dir"])
        .arg(repo().join("scenarios"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /no/such/article.txt"));
}

#[test]
fn every_claim_is_found_where_the_article_states_it_and_an_edited_quote_is_red_naming_the_claim() {
    let catalog = Catalog::load(&scenarios(), &LoadOptions::default()).expect("the shipped scenarios load");
    let links = ArticleLinks::build(&article_path(), &article(), &catalog, &scenarios(), &declared());
    let errors: Vec<String> = links.errors.iter().map(ToString::to_string).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(links.claims.len(), catalog.claims.len());
    let implicit: Vec<&str> = links.claims.values().filter(|c| c.implicit).map(|c| c.id.as_str()).collect();
    assert_eq!(
        implicit,
        ["article-examples-follow-best-practices", "created-token-follows-rbac", "pod-automount-overrides-serviceaccount"]
    );
    let name = links::ARTICLE_FILE;
    assert_eq!(links.of_claim("get-serviceaccounts-shows-pod-inspector"), Some(format!("{name}:60")));
    assert_eq!(links.of_claim("table-serviceaccount-namespaced-scope"), Some(format!("{name}:12")));
    assert_eq!(links.of_claim("bp-avoid-default-serviceaccount"), Some(format!("{name}:226")));
    // a sentence of the article's prose reworded: the claim quoting it is named
    let text = article()
        .replace("That identity is normally provided by a ServiceAccount.", "That identity is usually provided by a ServiceAccount.");
    let edited = ArticleLinks::build(&article_path(), &text, &catalog, &scenarios(), &declared());
    let errors: Vec<String> = edited.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        ["claim `identity-provided-by-serviceaccount`: the article does not print `That identity is normally provided by a ServiceAccount.` in section \"Introduction\""]
    );
    // and `trace --claims` is red on it, green on the article
    let (code, out) = sa_trace(&text, &["--claims"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("claim `identity-provided-by-serviceaccount`"), "{out}");
    let (code, out) = sa_trace(&article(), &["--claims"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("Claims stated in the article: {}", catalog.claims.len())), "{out}");
}

#[test]
fn each_step_of_a_run_is_stamped_with_the_article_lines_it_runs() {
    let links = ArticleLinks::resolve(&scenarios(), &LoadOptions::default()).expect("the article resolves");
    let mut catalog = Catalog::load(&scenarios(), &LoadOptions::default()).unwrap();
    links.stamp(&mut catalog.scenarios);
    let step = |name: &str| {
        let s = catalog.scenarios.iter().flat_map(|s| &s.steps).find(|s| s.name == name);
        s.unwrap_or_else(|| panic!("no step `{name}`")).article.clone()
    };
    let name = links::ARTICLE_FILE;
    assert_eq!(step("kubectl create token pod-inspector -n dev --duration=10m gives a 600-second token"), [format!("{name}:220")]);
    // the article's script: its variables (103), its curl (109, printed again at 170 and 293: the step
    // runs each of them as written) and the Forbidden Status it prints (114)
    let at = |lines: &[usize]| lines.iter().map(|n| format!("{name}:{n}")).collect::<Vec<_>>();
    assert_eq!(step("the article's curl, as documented, prints the Forbidden Status"), at(&[103, 109, 114, 170, 293]));
    // a step of the harness's own (no article block) carries none
    let stamped = catalog.scenarios.iter().flat_map(|s| &s.steps).filter(|s| !s.article.is_empty()).count();
    let all = catalog.scenarios.iter().map(|s| s.steps.len()).sum::<usize>();
    say(&format!("article links: {stamped} of {all} steps carry article lines; {}", links.summary()));
    assert!(stamped > 30 && stamped < all, "{stamped} of {all}");
}

#[test]
fn without_an_article_there_are_no_links_and_the_reason_is_said() {
    if std::env::var_os(links::ARTICLE_VAR).is_some() {
        return say("NOT RUN: without_an_article...: SA_CONFORMANCE_ARTICLE is set, so an article is always named");
    }
    let dir = tempfile::tempdir().unwrap();
    let e = ArticleLinks::resolve(&dir.path().join("scenarios"), &LoadOptions::default()).unwrap_err();
    assert!(e.starts_with("no article found (SA_CONFORMANCE_ARTICLE unset, neither "), "{e}");
}
