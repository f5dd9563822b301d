//! `assert`: polls an object (or a list) until every field check holds, reporting the last mismatch.
//! Paths are checked against the kind's schema first: a field the kind cannot have fails at once.

use super::poll::{look, Asked, Window};
use super::{Check, StepCtx, StepError};
use crate::api;
use crate::check::Mismatch;
use crate::scenario::{AssertStep, ObjectRef};

pub async fn run(ctx: &StepCtx<'_>, a: &AssertStep, window: Window) -> Result<Check, StepError> {
    let r = &a.resource;
    let kind = if r.list { format!("{}List", r.kind) } else { r.kind.clone() };
    let schema = ctx.discovery.schemas.kind(&ctx.target.client, &r.api_version, &kind).await?;
    let wrong_paths: Vec<Mismatch> = a.fields.iter().filter_map(|f| f.path_problem(&schema)).map(|m| about(r, m)).collect();
    if !wrong_paths.is_empty() {
        return Ok(Check::with(wrong_paths));
    }
    look(window, "every field check to hold", || async {
        let doc = if r.list {
            Some(api::list_json(&ctx.target.client, ctx.discovery, r).await?)
        } else {
            api::get_json(&ctx.target.client, ctx.discovery, r).await?
        };
        let Some(doc) = doc else {
            let check = Check::with(vec![Mismatch::new(r.to_string(), "to exist", "not found")]);
            return Ok(Asked { check, said: "not found".into() });
        };
        let mismatches: Vec<Mismatch> = a.fields.iter().flat_map(|f| f.check(&doc, &schema)).map(|m| about(r, m)).collect();
        let said = if mismatches.is_empty() { "every check holds".to_string() } else { format!("{} check(s) failing", mismatches.len()) };
        Ok(Asked { check: Check::with(mismatches), said })
    })
    .await
}

fn about(r: &ObjectRef, mut m: Mismatch) -> Mismatch {
    m.what = format!("{r}: {}", m.what);
    m
}
