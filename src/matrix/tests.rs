//! The claims x versions aggregation, from real `RunOutcome`s through the JSON report the matrix reads,
//! and the Markdown it renders.

use super::input::{parse, RunReport};
use super::*;
use crate::outcome::{RunOutcome, ScenarioOutcome, Status, StepOutcome, Verdict};
use crate::report::to_json;
use crate::scenario::DocRef;

const JWT: &str =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGV2OnBvZC1pbnNwZWN0b3IifQ.c2lnbmF0dXJlLWJ5dGVz";

fn claim(id: &str, section: &str) -> Claim {
    Claim { id: id.into(), section: section.into(), text: format!("the article says {id}"), checked_by: None }
}

fn claims() -> Vec<Claim> {
    vec![
        claim("secrets-zero", "Creating a Service Account"),
        claim("sa-created", "Creating a Service Account"),
        claim("pods-listed", "Binding"),
    ]
}

fn step(index: usize, claims: &[&str], status: Status, erratum: Option<Erratum>, applies: bool) -> StepOutcome {
    let mut s = StepOutcome {
        index,
        name: format!("step {index}"),
        kind: "kubectl",
        location: format!("scenarios/article/walkthrough.scenario.yaml:{}", index * 10),
        doc: Some(DocRef { section: "Creating a Service Account".into(), claims: claims.iter().map(|c| c.to_string()).collect() }),
        status,
        duration_ms: 1,
        mismatches: Vec::new(),
        error: None,
        notes: vec![format!("token: {JWT}")],
        diagnostics: None,
        verdict: Verdict::Holds,
        erratum,
        article: Vec::new(),
    };
    s.settle(status);
    if !applies {
        s.verdict = Verdict::NotApplicable;
    }
    if status == Status::Failed {
        s.mismatches.push(crate::check::Mismatch::new("stdout", "^NAME +SECRETS +AGE", "NAME            AGE"));
    }
    s
}

fn secrets_gone() -> Erratum {
    Erratum {
        claim: Some("secrets-zero".into()),
        article: "kubectl get serviceaccounts prints NAME SECRETS AGE".into(),
        actual: "the SECRETS column is gone: NAME AGE".into(),
        when: None,
        when_version: Some(">=1.35".into()),
    }
}

/// A run's report as the matrix reads it: the `run --json` text of a real outcome.
fn report(steps: Vec<StepOutcome>) -> RunReport {
    let run = RunOutcome {
        cluster: "sa-conformance-matrix-v1-35".into(),
        server: "https://127.0.0.1:1".into(),
        server_version: None,
        interrupted: false,
        claims: Vec::new(),
        teardown_errors: Vec::new(),
        scenarios: vec![ScenarioOutcome {
            name: "article-walkthrough".into(),
            description: String::new(),
            file: "scenarios/article/walkthrough.scenario.yaml".into(),
            steps,
            cleanup_errors: vec![],
            setup_error: None,
            duration_ms: 1,
            interrupted: false,
        }],
    };
    parse(&to_json(&run).unwrap()).expect("the JSON report parses")
}

fn column(version: &str) -> VersionColumn {
    VersionColumn {
        version: version.into(),
        node_image: Some(format!("sa-conformance/node:{version}-x")),
        cluster: plan::cluster_name(plan::CLUSTER_PREFIX, version),
        seconds: Some(60),
        ..Default::default()
    }
}

/// v1.34: the article's table step holds; v1.35: the erratum step (`>=1.35`) measured, the plain step not applicable.
fn two_versions() -> Matrix {
    let v134 = report(vec![
        step(1, &["sa-created"], Status::Passed, None, true),
        step(2, &["secrets-zero", "sa-created"], Status::Passed, None, true),
        step(3, &["secrets-zero"], Status::Passed, Some(secrets_gone()), false),
        step(4, &["pods-listed"], Status::Passed, None, true),
    ]);
    let v135 = report(vec![
        step(1, &["sa-created"], Status::Passed, None, true),
        step(2, &["secrets-zero", "sa-created"], Status::Passed, None, false),
        step(3, &["secrets-zero"], Status::Passed, Some(secrets_gone()), true),
        step(4, &["pods-listed"], Status::Failed, None, true),
    ]);
    Matrix::build(
        &claims(),
        vec![VersionRun { column: column("v1.34.4"), report: Some(v134) }, VersionRun { column: column("v1.35.4"), report: Some(v135) }],
    )
}

fn marks(m: &Matrix, id: &str) -> Vec<Mark> {
    m.claims.iter().find(|c| c.id == id).expect("claim row").cells.iter().map(|c| c.mark).collect()
}

#[test]
fn a_claim_holds_on_one_version_and_is_an_erratum_on_another() {
    let m = two_versions();
    assert_eq!(marks(&m, "secrets-zero"), [Mark::Holds, Mark::Erratum]);
    let cell = &m.claims[0].cells[1];
    assert_eq!(cell.erratum.as_ref().map(|e| e.actual.as_str()), Some("the SECRETS column is gone: NAME AGE"));
    assert!(m.claims[0].cells[0].erratum.is_none(), "no erratum where the claim holds");
}

#[test]
fn a_failed_step_makes_the_claim_failed_on_that_version_only() {
    let m = two_versions();
    assert_eq!(marks(&m, "pods-listed"), [Mark::Holds, Mark::Failed]);
    assert_eq!((m.versions[0].scenarios_failed, m.versions[1].scenarios_failed), (0, 1));
    assert!(!m.passed());
}

#[test]
fn an_erratum_belongs_to_its_claim_only() {
    // step 3's erratum is on secrets-zero; a step with an erratum on another claim counts as holds here
    let mut e = secrets_gone();
    e.claim = Some("secrets-zero".into());
    let r = report(vec![step(1, &["secrets-zero", "sa-created"], Status::Passed, Some(e), true)]);
    let m = Matrix::build(&claims(), vec![VersionRun { column: column("v1.35.4"), report: Some(r) }]);
    assert_eq!(marks(&m, "secrets-zero"), [Mark::Erratum]);
    assert_eq!(marks(&m, "sa-created"), [Mark::Holds]);
    let sa_created = &m.claims.iter().find(|c| c.id == "sa-created").unwrap().cells[0];
    assert_eq!(sa_created.steps[0].verdict, "holds", "the evidence of another claim does not say erratum");
    assert!(sa_created.erratum.is_none());
}

#[test]
fn a_claim_no_step_ran_is_not_verified() {
    // not applicable only, not run, no verifying step at all, and a version whose cluster did not come up
    let r = report(vec![step(1, &["secrets-zero"], Status::Passed, None, false), step(2, &["sa-created"], Status::Skipped, None, true)]);
    let broken = VersionColumn { error: Some("kind create cluster failed".into()), ..column("v1.36.3") };
    let m = Matrix::build(
        &claims(),
        vec![VersionRun { column: column("v1.35.4"), report: Some(r) }, VersionRun { column: broken, report: None }],
    );
    for id in ["secrets-zero", "sa-created", "pods-listed"] {
        assert_eq!(marks(&m, id), [Mark::NotVerified, Mark::NotVerified], "{id}");
    }
    assert!(!m.passed());
}

#[test]
fn a_skipped_step_leaves_the_claim_not_verified_even_if_another_held() {
    let r = report(vec![step(1, &["sa-created"], Status::Passed, None, true), step(2, &["sa-created"], Status::Skipped, None, true)]);
    let m = Matrix::build(&claims(), vec![VersionRun { column: column("v1.34.4"), report: Some(r) }]);
    assert_eq!(marks(&m, "sa-created"), [Mark::NotVerified]);
}

#[test]
fn evidence_keeps_expected_and_actual_and_no_token() {
    let m = two_versions();
    let json = serde_json::to_string(&m).unwrap();
    assert!(!json.contains("eyJzdWIi"), "a token survived: {json}");
    let failed = &m.claims[2].cells[1].steps[0];
    assert_eq!(failed.verdict, "failed");
    assert_eq!(failed.mismatches[0].actual, "NAME            AGE");
    assert!(failed.notes[0].contains("redacted"), "{:?}", failed.notes);
    // the matrix JSON reads back (`--from-json`)
    let back: Matrix = serde_json::from_str(&json).unwrap();
    assert_eq!(marks(&back, "secrets-zero"), [Mark::Holds, Mark::Erratum]);
}

#[test]
fn markdown_table_reads_as_words_per_version() {
    let md = to_markdown(&two_versions());
    let expected_table = "\
### Creating a Service Account

| claim | v1.34.4 | v1.35.4 |
| --- | --- | --- |
| `secrets-zero` | ✓ holds | ! erratum |
| `sa-created` | ✓ holds | ✓ holds |

### Binding

| claim | v1.34.4 | v1.35.4 |
| --- | --- | --- |
| `pods-listed` | ✓ holds | ✗ failed |
";
    assert!(md.contains(expected_table), "{md}");
    assert!(
        md.contains("| v1.35.4 | `sa-conformance/node:v1.35.4-x` | `sa-conformance-matrix-v1-35` | 0 / 1 | 1 | 1 | 1 | 0 | 60 |"),
        "{md}"
    );
    assert!(md.contains("- `secrets-zero` on v1.35.4: **erratum**: the article says \"kubectl get serviceaccounts prints NAME SECRETS AGE\"; true instead: the SECRETS column is gone: NAME AGE"), "{md}");
    assert!(md.contains("- `pods-listed` on v1.35.4: **failed** at article-walkthrough step 4 `step 4`"), "{md}");
    assert!(md.contains("  - stdout: expected ^NAME +SECRETS +AGE, got NAME            AGE"), "{md}");
}

#[test]
fn html_marks_carry_words_and_escape_the_article() {
    let mut m = two_versions();
    m.claims[0].text = "<script>alert(1)</script> & more".into();
    let html = to_html(&m);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"), "article text is escaped");
    assert!(!html.contains("<script"), "no script at all");
    for mark in Mark::ALL {
        assert!(html.contains(&format!("{} {}</span>", mark.sign(), mark.as_str())), "mark {:?} has a word", mark);
    }
    assert!(html.contains("<details><summary>evidence: 2 step(s)</summary>"), "{html}");
    assert!(!html.contains("eyJzdWIi"));
}
