//! `list` output: scenarios with their steps, or the claims catalogue with the steps verifying each
//! claim and a closing coverage line.

use crate::scenario::Catalog;

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
            let claims = st.doc.as_ref().filter(|d| !d.claims.is_empty()).map(|d| format!(" claims: {}", d.claims.join(", "))).unwrap_or_default();
            out.push_str(&format!("  {:02} {:<13} {}{doc}{claims}\n", st.index, st.action.kind(), st.name));
        }
    }
    out.push_str(&format!("scenarios: {}, steps: {}\n", catalog.scenarios.len(), catalog.scenarios.iter().map(|s| s.steps.len()).sum::<usize>()));
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
        out.push_str(&format!("{} [{}]\n  {}\n", c.id, c.section, c.text.trim_end().replace('\n', "\n  ")));
        if steps.is_empty() {
            out.push_str("  verified by: NOTHING\n");
        }
        for (scenario, index, name) in steps {
            out.push_str(&format!("  verified by: {scenario} step {index} ({name})\n"));
        }
    }
    out.push_str(&format!("claims: {verified} verified by steps, {} without\n", catalog.claims.len() - verified));
    out
}
