//! `list`: the scenarios and their steps, or (`--claims`) the claims catalogue and the steps that
//! verify each claim. Needs no cluster.

use super::{load, out};
use crate::cli::ListArgs;
use crate::exit::PASSED;
use crate::report::listing;

pub(super) fn list(args: &ListArgs) -> u8 {
    match load(&args.load, &[]) {
        Ok(catalog) if args.claims => {
            out(&listing::claims(&catalog));
            PASSED
        }
        Ok(catalog) => {
            out(&listing::scenarios(&catalog));
            PASSED
        }
        Err(code) => code,
    }
}
