//! Text files read as bytes: where the first byte that is not UTF-8 is, for people. Shared by
//! every reader of a user's file (scenario files and order CSV in `scenario`, DIMACS files in
//! `netio`) so that all of them refuse such a file the same way.

use std::fmt;

/// The first byte of a file that is not UTF-8: its 1-based line and column (the column in
/// characters, counting the valid text before it on its line) and its offset in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadUtf8 {
    /// The line (1-based).
    pub line: usize,
    /// The column, in characters (1-based).
    pub column: usize,
    /// The byte offset in the file (0-based).
    pub byte: usize,
}

impl fmt::Display for BadUtf8 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not valid UTF-8 at column {} (byte offset {} in the file); the file must be UTF-8 text",
            self.column, self.byte
        )
    }
}

/// `bytes` as text, or where its first byte that is not UTF-8 is. Lines end with `\n`, `\r\n`
/// or `\r` (see [`line_of_byte`]).
pub fn utf8_text(bytes: &[u8]) -> Result<&str, BadUtf8> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        // Everything before the bad byte is text.
        let before = std::str::from_utf8(&bytes[..at]).unwrap_or("");
        let line = line_of_byte(before, at);
        let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
        BadUtf8 {
            line,
            column: before[line_start..].chars().count() + 1,
            byte: at,
        }
    })
}

/// The 1-based line of byte `byte` of `text`, lines ending with `\n`, `\r\n` or a lone `\r`.
pub fn line_of_byte(text: &str, byte: usize) -> usize {
    let b = &text.as_bytes()[..byte.min(text.len())];
    let lf = b.iter().filter(|&&c| c == b'\n').count();
    let lone_cr = (0..b.len())
        .filter(|&i| b[i] == b'\r' && text.as_bytes().get(i + 1) != Some(&b'\n'))
        .count();
    1 + lf + lone_cr
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bad_byte_is_located() {
        assert_eq!(utf8_text(b"ok\n"), Ok("ok\n"));
        // Columns count characters: "\u{e9}" is two bytes, one column.
        let bytes = b"a\nb\r\n\xc3\xa9x\xff";
        assert_eq!(
            utf8_text(bytes),
            Err(BadUtf8 {
                line: 3,
                column: 3,
                byte: 8
            })
        );
        // A lone CR ends a line too.
        assert_eq!(utf8_text(b"a\rb\xe9").unwrap_err().line, 2);
        assert_eq!(
            utf8_text(b"\xe9").unwrap_err().to_string(),
            "not valid UTF-8 at column 1 (byte offset 0 in the file); the file must be UTF-8 text"
        );
    }
}
