//! The one writer of report files. Every verb that writes a report (`run --json/--junit`, `mutate`,
//! `matrix`, `audit`, `lint`) names an [`Output`] (a format and a path) and hands it a [`Document`];
//! the writer takes the document's redacted copy (values, never the serialised text), renders it,
//! and writes it, or says which file it could not write and why. A document that cannot be rendered
//! is an error and writes no file: never `null` or an empty file.

use super::redact::redact_value;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Junit,
    Markdown,
    Html,
    Sarif,
    /// The text a person reads on a terminal, written to a file.
    Console,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Json => "JSON",
            Format::Junit => "JUnit XML",
            Format::Markdown => "Markdown",
            Format::Html => "HTML",
            Format::Sarif => "SARIF",
            Format::Console => "console",
        })
    }
}

/// A document rendered in one format: structured data (JSON, SARIF), redacted once more value by
/// value before it is printed (its objects' keys sorted), or text rendered from the redacted document
/// (JSON of a typed document, through [`pretty_json`], keeps its fields in their declared order).
#[derive(Debug, Clone, PartialEq)]
pub enum Rendered {
    Value(Value),
    Text(String),
}

/// Pretty JSON ending in a newline, the form of every JSON report.
pub fn pretty_json<T: serde::Serialize + ?Sized>(doc: &T) -> Result<String, RenderError> {
    let mut text = serde_json::to_string_pretty(doc)?;
    text.push('\n');
    Ok(text)
}

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("this report has no {0} form")]
    Unsupported(Format),
    #[error("cannot serialise it")]
    Serialise(#[from] serde_json::Error),
    #[error("cannot render it: {0}")]
    Render(String),
}

/// A document's redacted copy made through its JSON value: serialised, redacted value by value
/// ([`redact_value`]), read back. For documents that are plain data both ways.
pub fn redacted_by_value<T: serde::Serialize + serde::de::DeserializeOwned>(doc: &T) -> Result<T, RenderError> {
    let mut value = serde_json::to_value(doc)?;
    redact_value(&mut value);
    Ok(serde_json::from_value(value)?)
}

/// Why a report file was not written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot render the {format} report for {path}")]
    Render {
        format: Format,
        path: PathBuf,
        #[source]
        source: RenderError,
    },
    #[error("cannot write report {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What a verb reports: its redacted copy, and its rendering in each format it has.
pub trait Document: Sized {
    /// The same document with every secret value replaced by a `<redacted>` marker.
    fn redacted(&self) -> Result<Self, RenderError>;
    /// The document in `format` (called on the redacted copy only).
    fn render(&self, format: Format) -> Result<Rendered, RenderError>;
}

/// The document's text in `format`: rendered from its redacted copy; structured data is redacted
/// once more value by value (a field a `redacted` forgot is still covered), then pretty-printed.
pub fn render<D: Document>(doc: &D, format: Format) -> Result<String, RenderError> {
    match doc.redacted()?.render(format)? {
        Rendered::Value(mut value) => {
            redact_value(&mut value);
            pretty_json(&value)
        }
        Rendered::Text(text) => Ok(text),
    }
}

/// A report file to write: its format and its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub format: Format,
    pub path: PathBuf,
}

impl Output {
    pub fn new(format: Format, path: impl Into<PathBuf>) -> Output {
        Output { format, path: path.into() }
    }

    /// The outputs a verb's flags asked for: `(format, Some(path))` pairs, the `None`s left out.
    pub fn requested<'a>(flags: impl IntoIterator<Item = (Format, Option<&'a PathBuf>)>) -> Vec<Output> {
        flags.into_iter().filter_map(|(format, path)| path.map(|p| Output::new(format, p.clone()))).collect()
    }

    /// Renders `doc` (redacted) in this output's format and writes it to the path.
    pub fn write<D: Document>(&self, doc: &D) -> Result<(), OutputError> {
        let text =
            render(doc, self.format).map_err(|source| OutputError::Render { format: self.format, path: self.path.clone(), source })?;
        write_file(&self.path, &text)
    }

    /// Writes `doc` to each output in turn; the first that fails stops the rest.
    pub fn write_all<D: Document>(outputs: &[Output], doc: &D) -> Result<(), OutputError> {
        outputs.iter().try_for_each(|o| o.write(doc))
    }
}

fn write_file(path: &Path, text: &str) -> Result<(), OutputError> {
    std::fs::write(path, text).map_err(|source| OutputError::Write { path: path.to_path_buf(), source })
}

#[cfg(test)]
mod tests;
