//! A problem found in an input file, reported as one `file:line: message` line.

use std::fmt;
use std::path::{Path, PathBuf};

/// One thing wrong with one input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file the problem is in.
    pub file: PathBuf,
    /// The 1-based line, where one applies.
    pub line: Option<usize>,
    /// What is wrong, in words a reader can act on.
    pub message: String,
}

impl Problem {
    /// A problem with the file as a whole.
    pub fn in_file(file: &Path, message: impl Into<String>) -> Self {
        Self { file: file.to_path_buf(), line: None, message: message.into() }
    }

    /// A problem on one line of the file.
    pub fn at(file: &Path, line: usize, message: impl Into<String>) -> Self {
        Self { file: file.to_path_buf(), line: Some(line), message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file.display(), line, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}
