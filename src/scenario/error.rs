//! Load errors: each names the file and, where it can be known, the line and column; a file's problems
//! are collected and reported together.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in one input file.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub file: PathBuf,
    pub line: Option<usize>,
    /// 1-based column on `line`, when the YAML reader knows it.
    pub column: Option<usize>,
    /// The step it concerns (1-based), when there is one.
    pub step: Option<usize>,
    pub message: String,
}

impl LoadError {
    pub fn new(file: &Path, line: Option<usize>, message: impl Into<String>) -> Self {
        LoadError { file: file.to_path_buf(), line, column: None, step: None, message: message.into() }
    }
    /// An error at a line and column of the file.
    pub fn at(file: &Path, pos: Option<crate::yaml::Pos>, message: impl Into<String>) -> Self {
        LoadError { column: pos.map(|p| p.col), ..LoadError::new(file, pos.map(|p| p.line), message) }
    }
    /// A YAML error from a text that starts on line `first_line` of `file`.
    pub fn yaml(file: &Path, first_line: usize, e: &crate::yaml::Error) -> Self {
        LoadError::at(file, e.pos.map(|p| p.shifted(first_line)), e.describe())
    }
    pub fn in_step(mut self, step: usize) -> Self {
        self.step = Some(step);
        self
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(step) = self.step {
            write!(f, ": step {step}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found while loading (never empty).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct LoadErrors(pub Vec<LoadError>);

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(f, "{n} problem{} loading scenarios:", if n == 1 { "" } else { "s" })?;
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

impl From<LoadError> for LoadErrors {
    fn from(e: LoadError) -> Self {
        LoadErrors(vec![e])
    }
}
