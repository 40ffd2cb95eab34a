//! File formats at allot's edges: scenario files (TOML or JSON), order CSV, event payloads for
//! the store, and the built-in demo scenario.
//!
//! The domain crate `book` knows no serialisation; this crate owns every file format and DTO
//! and converts between them and the domain types:
//!
//! - [`parse_scenario`] / [`load_scenario`] read a scenario into a [`book::BookSpec`] and validate
//!   it with [`book::Book::new`]; [`write_scenario`] exports a book. The schema is in
//!   `docs/scenario.md`.
//! - [`parse_orders_csv`], [`check_orders_against`] and [`write_orders_csv`] import and export
//!   merchant orders; [`orders_csv_text`] and [`orders_csv_rows`] check a file's encoding and
//!   size before its rows are read.
//! - [`encode_event`] / [`decode_event`] turn [`book::Event`]s into versioned JSON payloads.
//! - [`Replay`] folds a stored event log back into the book (the CLI and the server share it);
//!   [`load_book`] starts that fold from the latest usable snapshot.
//! - [`encode_snapshot`] / [`decode_snapshot`] turn a whole book as of one event into a compact
//!   binary checkpoint (a cache of the fold; the log stays the truth), and [`SnapshotRule`] says
//!   when one is due.
//! - [`demo_spec`] builds the demo book from `demo/demo.toml`, whose figures cite public sources.
//!
//! Every error about a file is a [`FileError`] naming the file, line, item and field
//! (`demo.toml:42: order o-17: latest: is before earliest`). Functions here are pure apart from
//! [`load_scenario`], which reads one file, and [`load_book`], which reads a store; nothing here
//! writes files.
#![deny(missing_docs)]
// A `FileError` is large (it names file, item and field), but it is returned only on the cold
// path of reading a file a person wrote; boxing it would only complicate every caller.
#![allow(clippy::result_large_err)]

mod codec;
mod convert;
mod demo;
mod dto;
mod error;
mod orders_csv;
mod replay;
mod scenario;
mod snapshot;
mod spans;

pub use codec::{decode_event, encode_event, PAYLOAD_VERSION};
pub use convert::spec_of;
pub use demo::{demo_spec, DEMO_TOML};
pub use error::{CodecError, FileError};
pub use orders_csv::{
    check_orders_against, orders_csv_rows, orders_csv_text, parse_orders_csv, parse_substitute,
    write_orders_csv, ORDER_COLUMNS,
};
pub use replay::{load_book, Loaded, Replay, SnapshotRule, Tail};
pub use scenario::{load_scenario, parse_scenario, write_scenario, Format};
pub use snapshot::{decode_snapshot, encode_snapshot, SnapshotError, SNAPSHOT_VERSION};
