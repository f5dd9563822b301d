//! Expectations shared by step kinds: text (stdout, stderr, kubectl output), JSON field checks and
//! kubectl tables. Each check returns every mismatch as expected-vs-actual, never a bare `false`.
//! Field paths are checked against the document's schema, and comparisons are typed.

pub mod decode;
mod fields;
mod mismatch;
pub mod number;
mod path;
pub mod pipe;
mod rows;
mod schema;
mod table;
mod text;

pub use fields::{same_value, FieldCheck};
pub use mismatch::{Check, Mismatch};
pub use pipe::{lookup, LookupError};
pub use schema::{token_claims, Definitions, DocSchema, KindSchema};
pub use table::parse_table;
pub use text::TextExpect;

/// A string or a list of strings (`contains: x` or `contains: [x, y]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OneOrMany(pub Vec<String>);

impl<'de> serde::Deserialize<'de> for OneOrMany {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(String),
            Many(Vec<String>),
        }
        Raw::deserialize(d)
            .map(|raw| match raw {
                Raw::One(s) => OneOrMany(vec![s]),
                Raw::Many(v) => OneOrMany(v),
            })
            .map_err(|_| serde::de::Error::custom("expected a string or a list of strings"))
    }
}

/// Shortens long actual values in messages; the full text goes to diagnostics.
pub fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{cut}… ({} bytes in all)", text.len())
}
