//! `list` output: scenarios with their steps, or the claims catalogue with the steps verifying each
//! claim and a closing coverage line.

use crate::scenario::{Catalog, Step};

/// Scenarios, each with its steps, doc sections and claims.
pub fn scenarios(catalog: &Catalog) -> String {
    let mut out = String::new();
    for s in &catalog.scenarios {
        out.push_str(&format!("{} ({})\n", s.name, s.file.display()));
        if !s.description.is_empty() {
            out.push_str(&format!("  {}\n", s.description));
        }
        for st in &s.steps {
            let doc = st.doc.as_ref().map(|d| format!(" [{}]", d.section)).unwrap_or_default();
            let claims =
                st.doc.as_ref().filter(|d| !d.claims.is_empty()).map(|d| format!(" claims: {}", d.claims.join(", "))).unwrap_or_default();
            out.push_str(&format!("  {:02} {:<13} {}{doc}{claims}\n", st.index, st.action.kind(), st.name));
        }
    }
    out.push_str(&format!(
        "scenarios: {}, steps: {}\n",
        catalog.scenarios.len(),
        catalog.scenarios.iter().map(|s| s.steps.len()).sum::<usize>()
    ));
    out
}

/// Every claim with the steps that verify it; ends with `claims: N verified by steps, M without`.
pub fn claims(catalog: &Catalog) -> String {
    let mut out = String::new();
    let mut verified = 0;
    for c in &catalog.claims {
        let steps = catalog.verifiers(&c.id);
        if !steps.is_empty() {
            verified += 1;
        }
        out.push_str(&format!(
            "{} [{}] {}\n  {}\n",
            c.id,
            c.section,
            expected_verdict(catalog, &c.id),
            c.text.trim_end().replace('\n', "\n  ")
        ));
        if let Some(by) = &c.checked_by {
            out.push_str(&format!("  checked by: {}\n", by.describe()));
        }
        if steps.is_empty() {
            out.push_str("  verified by: NOTHING\n");
        }
        for (scenario, index, name) in steps {
            let conditions = step_of(catalog, &scenario, index).map(|st| conditions(st, &c.id)).unwrap_or_default();
            out.push_str(&format!("  verified by: {scenario} step {index} ({name}){conditions}\n"));
        }
        for (scenario, step) in errata(catalog, &c.id) {
            let e = step.erratum.as_ref().map(|e| {
                format!(
                    "the article says: {}; what is true: {}{}",
                    e.article,
                    e.actual,
                    e.when.as_deref().map(|w| format!("; when: {w}")).unwrap_or_default()
                )
            });
            out.push_str(&format!("  erratum at {scenario} step {}: {}\n", step.index, e.unwrap_or_default()));
        }
    }
    out.push_str(&format!("claims: {verified} verified by steps, {} without\n", catalog.claims.len() - verified));
    let with_errata = catalog.claims.iter().filter(|c| !errata(catalog, &c.id).is_empty()).count();
    out.push_str(&format!(
        "verdicts expected: {} hold, {with_errata} erratum, {} not verified\n",
        verified - with_errata,
        catalog.claims.len() - verified
    ));
    out
}

fn step_of<'a>(catalog: &'a Catalog, scenario: &str, index: usize) -> Option<&'a Step> {
    catalog.scenarios.iter().find(|s| s.name == scenario)?.steps.iter().find(|st| st.index == index)
}

/// When a step runs and what it reports for `claim_id`: ` [when-version >=1.35, erratum]`, or nothing.
fn conditions(step: &Step, claim_id: &str) -> String {
    let mut parts: Vec<String> = step.when_version.iter().map(|r| format!("when-version {}", r.as_str())).collect();
    parts.extend(step.when_var.iter().map(|(k, v)| format!("when-var {k}={v}")));
    if step.erratum.as_ref().is_some_and(|e| e.claim.as_deref() == Some(claim_id)) {
        parts.push("erratum".into());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" [{}]", parts.join(", "))
    }
}

/// The run condition of an erratum step, in words: `>=1.35`, `extend_token_expiration=true`, both
/// joined by ` and `; `None` when it applies to every run.
fn erratum_condition(step: &Step) -> Option<String> {
    let mut parts: Vec<String> = step.when_version.iter().map(|r| r.as_str().to_string()).collect();
    parts.extend(step.when_var.iter().map(|(k, v)| format!("{k}={v}")));
    (!parts.is_empty()).then(|| parts.join(" and "))
}

/// The steps declaring an erratum on `claim_id`.
fn errata<'a>(catalog: &'a Catalog, claim_id: &str) -> Vec<(&'a str, &'a Step)> {
    catalog
        .scenarios
        .iter()
        .flat_map(|s| s.steps.iter().map(move |st| (s.name.as_str(), st)))
        .filter(|(_, st)| st.erratum.as_ref().is_some_and(|e| e.claim.as_deref() == Some(claim_id)))
        .collect()
}

/// What a run is expected to find for a claim, from the scenarios alone: `(holds)`, `(erratum)`,
/// `(erratum on >=1.35, holds otherwise)`, `(erratum on extend_token_expiration=true, holds
/// otherwise)` (an erratum step limited by `when-version` or `when-var`) or `(not verified)`.
pub fn expected_verdict(catalog: &Catalog, claim_id: &str) -> String {
    if catalog.verifiers(claim_id).is_empty() {
        return "(not verified)".into();
    }
    let errata = errata(catalog, claim_id);
    if errata.is_empty() {
        return "(holds)".into();
    }
    let conditions: Vec<Option<String>> = errata.iter().map(|(_, st)| erratum_condition(st)).collect();
    if conditions.iter().any(Option::is_none) {
        return "(erratum)".into();
    }
    let mut unique: Vec<String> = conditions.into_iter().flatten().collect();
    unique.sort();
    unique.dedup();
    format!("(erratum on {}, holds otherwise)", unique.join(" / "))
}
