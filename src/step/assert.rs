//! `assert`: polls an object (or a list) until every field check holds, reporting the last mismatch.

use super::poll::{until, Look};
use super::{Check, StepCtx, StepError};
use crate::api;
use crate::check::Mismatch;
use crate::scenario::AssertStep;
use std::time::Duration;

pub async fn run(ctx: &StepCtx<'_>, a: &AssertStep, timeout: Duration) -> Result<Check, StepError> {
    let r = &a.resource;
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
            .flat_map(|f| f.check(&doc))
            .map(|mut m| {
                m.what = format!("{r}: {}", m.what);
                m
            })
            .collect();
        Ok(if mismatches.is_empty() { Look::Done(Check::default()) } else { Look::NotYet(Check::with(mismatches)) })
    })
    .await
}
