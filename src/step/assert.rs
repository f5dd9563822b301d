//! `assert`: polls an object (or a list) until every field check holds, reporting the last mismatch.
//! Paths are checked against the kind's schema first: a field the kind cannot have fails at once.

use super::poll::{until, Look};
use super::{Check, StepCtx, StepError};
use crate::api;
use crate::check::Mismatch;
use crate::scenario::{AssertStep, ObjectRef};
use std::time::Duration;

pub async fn run(ctx: &StepCtx<'_>, a: &AssertStep, timeout: Duration) -> Result<Check, StepError> {
    let r = &a.resource;
    let kind = if r.list { format!("{}List", r.kind) } else { r.kind.clone() };
    let schema = ctx.discovery.schemas.kind(&ctx.target.client, &r.api_version, &kind).await?;
    let wrong_paths: Vec<Mismatch> = a.fields.iter().filter_map(|f| f.path_problem(&schema)).map(|m| about(r, m)).collect();
    if !wrong_paths.is_empty() {
        return Ok(Check::with(wrong_paths));
    }
    until(timeout, || async {
        let doc = if r.list {
            Some(api::list_json(&ctx.target.client, ctx.discovery, r).await?)
        } else {
            api::get_json(&ctx.target.client, ctx.discovery, r).await?
        };
        let Some(doc) = doc else {
            return Ok(Look::NotYet(Check::with(vec![Mismatch::new(r.to_string(), "to exist", "not found")])));
        };
        let mismatches: Vec<Mismatch> = a
            .fields
            .iter()
            .flat_map(|f| f.check(&doc, &schema))
            .map(|m| about(r, m))
            .collect();
        Ok(if mismatches.is_empty() { Look::Done(Check::default()) } else { Look::NotYet(Check::with(mismatches)) })
    })
    .await
}

fn about(r: &ObjectRef, mut m: Mismatch) -> Mismatch {
    m.what = format!("{r}: {}", m.what);
    m
}
