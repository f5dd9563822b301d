//! `assert`: polls an object (or a list) until every field check holds, reporting the last mismatch.
//! Paths are checked against the kind's schema first: a field the kind cannot have fails at once.
//! A mismatch outside `status` of an object with nothing left to converge also fails at once
//! ([`final_mismatch`]): waiting cannot change it.

use super::poll::{look_or_settle, Asked, Window};
use super::{invalid, Check, Invalid, Limits, LoadCx, Looking, StepCtx, StepError, StepKind};
use crate::api::{self, ObjectRef};
use crate::check::{FieldCheck, Mismatch};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssertStep {
    pub resource: ObjectRef,
    pub fields: Vec<FieldCheck>,
}

impl StepKind for AssertStep {
    type Raw = Self;
    const LOOKING: Looking = Looking::UntilTimeout;

    fn build(a: Self, _: &dyn LoadCx) -> Result<Self, Invalid> {
        if a.resource.name.is_none() && !a.resource.list {
            return invalid("resource", "assert needs `name`, or `list: true` to check the list");
        }
        if a.fields.is_empty() {
            return invalid("fields", "assert needs at least one field check");
        }
        a.fields.iter().try_for_each(|f| f.validate().map_err(|m| ("fields".to_string(), m)))?;
        Ok(a)
    }

    fn only_looks(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &StepCtx<'_>, limits: Limits) -> Result<Check, StepError> {
        run(ctx, self, limits.window).await
    }
}

async fn run(ctx: &StepCtx<'_>, a: &AssertStep, window: Window) -> Result<Check, StepError> {
    let r = &a.resource;
    let kind = if r.list { format!("{}List", r.kind) } else { r.kind.clone() };
    let schema = ctx.discovery.schemas.kind(&ctx.target.client, &r.api_version, &kind).await?;
    let wrong_paths: Vec<Mismatch> = a.fields.iter().filter_map(|f| f.path_problem(&schema)).map(|m| about(r, m)).collect();
    if !wrong_paths.is_empty() {
        return Ok(Check::with(wrong_paths));
    }
    look_or_settle(window, "every field check to hold", || async {
        let doc = if r.list {
            Some(api::list_json(&ctx.target.client, ctx.discovery, r).await?)
        } else {
            api::get_json(&ctx.target.client, ctx.discovery, r).await?
        };
        let Some(doc) = doc else {
            let check = Check::with(vec![Mismatch::new(r.to_string(), "to exist", "not found")]);
            return Ok((Asked { check, said: "not found".into() }, None));
        };
        let mut failing = Vec::new();
        let mut mismatches = Vec::new();
        for f in &a.fields {
            let found = f.check(&doc, &schema);
            if !found.is_empty() {
                failing.push(f.path.as_str());
            }
            mismatches.extend(found.into_iter().map(|m| about(r, m)));
        }
        let said = if mismatches.is_empty() { "every check holds".to_string() } else { format!("{} check(s) failing", mismatches.len()) };
        let settled = if r.list { None } else { final_mismatch(&doc, &failing) };
        Ok((Asked { check: Check::with(mismatches).saw(serde_json::json!({ "object": doc })), said }, settled))
    })
    .await
}

/// Why the failing checks of an object cannot come true by waiting, if they cannot: every failing
/// path is outside `status` (spec, metadata, or a top-level field like `rules` or `subjects`: what
/// clients write, which no controller converges towards), and the object has nothing left to
/// converge: no status at all, or `status.observedGeneration` equal to `metadata.generation`.
fn final_mismatch(doc: &Value, failing: &[&str]) -> Option<String> {
    if failing.is_empty() || failing.iter().any(|p| p.split(['.', '[']).next() == Some("status")) {
        return None;
    }
    let status = &doc["status"];
    let converged = match (status, doc["metadata"]["generation"].as_i64()) {
        (Value::Null, _) => "it has no status".to_string(),
        (Value::Object(m), _) if m.is_empty() => "it has no status".to_string(),
        (_, Some(g)) if status["observedGeneration"].as_i64() == Some(g) => {
            format!("status.observedGeneration equals metadata.generation ({g})")
        }
        _ => return None,
    };
    Some(format!("{} failing outside status, and {converged}: only another write can change it", failing.join(", ")))
}

fn about(r: &ObjectRef, mut m: Mismatch) -> Mismatch {
    m.what = format!("{r}: {}", m.what);
    m
}

#[cfg(test)]
mod tests {
    use super::final_mismatch;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case::no_status(json!({"metadata": {"name": "pod-inspector"}, "automountServiceAccountToken": true}), &["automountServiceAccountToken"], true)]
    #[case::empty_status(json!({"metadata": {"generation": 1}, "spec": {}, "status": {}}), &["spec.replicas"], true)]
    #[case::converged(json!({"metadata": {"generation": 2}, "spec": {}, "status": {"observedGeneration": 2}}), &["spec.serviceAccountName", "metadata.labels.app"], true)]
    #[case::not_converged(json!({"metadata": {"generation": 3}, "spec": {}, "status": {"observedGeneration": 2}}), &["spec.replicas"], false)]
    #[case::status_without_generation(json!({"metadata": {}, "spec": {}, "status": {"phase": "Pending"}}), &["spec.nodeName"], false)]
    #[case::status_field_failing(json!({"metadata": {"generation": 1}, "status": {"observedGeneration": 1}}), &["status.phase"], false)]
    #[case::status_list_field_failing(json!({"metadata": {}}), &["status[0]"], false)]
    #[case::one_of_them_in_status(json!({"metadata": {"generation": 1}, "status": {"observedGeneration": 1}}), &["spec.x", "status.readyReplicas"], false)]
    #[case::nothing_failing(json!({"metadata": {}}), &[], false)]
    fn a_mismatch_is_final_only_outside_status_of_a_converged_object(
        #[case] doc: serde_json::Value,
        #[case] failing: &[&str],
        #[case] is_final: bool,
    ) {
        assert_eq!(final_mismatch(&doc, failing).is_some(), is_final, "{:?}", final_mismatch(&doc, failing));
    }
}
