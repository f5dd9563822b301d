//! Scenarios are data: YAML files under `scenarios/` that say what the documentation says, step by
//! step. This module holds the model and the loader (YAML -> model, with file:line errors).

pub mod claims;
pub mod erratum;
mod error;
mod load;
mod locate;
mod mapped;
mod mapped_manifest;
mod mapping;
mod mentions;
mod model;
mod namespaces;
mod owned;
mod vars;

#[cfg(test)]
mod capture_tests;
#[cfg(test)]
mod mapping_tests;
#[cfg(test)]
mod tests;

pub use crate::api::split_documents;
pub use claims::{Catalog, CheckedBy, Claim};
pub use erratum::{Erratum, VersionReq};
pub use error::{LoadError, LoadErrors};
pub use load::{discover, load_file, load_str, rebuild, LoadOptions};
pub use mapped::{load_file_mapped, load_str_mapped, Isolation, Mapped, MappingReport};
pub use mapped_manifest::Renames;
pub use model::*;
pub use namespaces::{run_id, MapError, MapPlan, NamespaceMap};
