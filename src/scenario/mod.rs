//! Scenarios are data: YAML files under `scenarios/` that say what the documentation says, step by
//! step. This module holds the model and the loader (YAML -> model, with file:line errors).

pub mod claims;
pub mod duration;
pub mod erratum;
mod error;
mod load;
mod locate;
mod model;
pub mod retarget;
mod vars;
pub mod words;

#[cfg(test)]
mod mutant_kills;
#[cfg(test)]
mod tests;

pub use claims::{Catalog, Claim};
pub use erratum::{Erratum, VersionReq};
pub use error::{LoadError, LoadErrors};
pub use load::{discover, load_file, load_str, split_documents, LoadOptions};
pub use model::*;
