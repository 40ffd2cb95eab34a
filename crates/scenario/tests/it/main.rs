//! Integration tests for the scenario crate, through its public API: scenario round trips,
//! error locations in broken files, order CSV, the event codec, book snapshots and the demo
//! scenario.

mod codec;
mod csv;
mod demo;
mod files;
mod roundtrip;
mod snapshot;

use book::{Book, BookSpec};
use scenario::{parse_scenario, Format};

/// The documented example scenario.
pub const EXAMPLE: &str = include_str!("../../../../docs/examples/scenario.toml");

/// Parses a scenario text or panics with the error.
pub fn spec(text: &str, format: Format) -> BookSpec {
    parse_scenario(text, format, "test").unwrap_or_else(|e| panic!("{e}"))
}

/// The example book.
pub fn example_book() -> Book {
    Book::new(spec(EXAMPLE, Format::Toml)).unwrap()
}

/// 1-based line of the last occurrence of `marker` in `text`.
pub fn line_of(text: &str, marker: &str) -> usize {
    let at = text
        .rfind(marker)
        .unwrap_or_else(|| panic!("marker {marker:?} not in text"));
    text[..at].matches('\n').count() + 1
}
