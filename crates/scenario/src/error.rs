//! The errors this crate returns: [`FileError`] for files a person wrote, [`CodecError`] for event payloads.

use std::fmt;

/// A problem in a scenario or CSV file, located by file, line and field.
///
/// Displays as `file:line: object: field: message`, e.g.
/// `demo.toml:42: order o-17: latest: is before earliest`; parts that are unknown are left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// The file name as given by the caller.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column (in characters), when known.
    pub column: Option<usize>,
    /// The item at fault, e.g. `order o-17`, when known.
    pub object: Option<String>,
    /// The field (or CSV column) at fault, e.g. `latest`, when known.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        f.write_str(": ")?;
        if let Some(object) = &self.object {
            write!(f, "{object}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for FileError {}

impl FileError {
    /// An error about the whole file (no line), e.g. it cannot be read.
    pub fn whole_file(file: &str, message: impl Into<String>) -> FileError {
        FileError {
            file: file.to_string(),
            line: None,
            column: None,
            object: None,
            field: None,
            message: message.into(),
        }
    }
}

/// An event payload that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {kind}: {message}")]
pub struct CodecError {
    /// The event kind as stored.
    pub kind: String,
    /// What is wrong.
    pub message: String,
}
