//! `trace`: the article is the source. Its blocks (commands, manifests, expected outputs) are read
//! from the published text ([`article`]) and held, by content, against what the scenarios run and
//! check ([`runs`], [`matching`]); a block no step runs is declared with a reason in a data file
//! ([`declared`]) or is a failure, and so is a scenario copy that differs from the article. The doc
//! kill matrix ([`edits`]) proves that generic edits of the article turn the trace red.

pub mod article;
mod beyond;
pub mod declared;
pub mod edits;
pub mod links;
pub mod matching;
pub mod quotes;
pub mod report;
pub mod runs;
pub mod tokens;

pub use article::{Article, Block, BlockKind};
pub use declared::{Declared, DeclaredError};
pub use links::ArticleLinks;
pub use matching::{trace, Trace, Verdict};
pub use report::{Counts, TraceReport};
pub use runs::Runs;

/// The declarations file's place in the scenarios directory (next to `claims.yaml`, out of the way of
/// the lint, which reads every YAML file below `article/` as a manifest).
pub const DECLARED_FILE: &str = "trace.yaml";

/// The directory below the scenarios directory that holds the article's scenarios, the ones traced.
pub const ARTICLE_DIR: &str = "article";

/// Traces an article's text against the catalogue's steps and the declarations.
pub fn trace_text(text: &str, runs: &Runs, declared: &Declared) -> Trace {
    trace(&article::read(text), runs, declared)
}
