//! Integration tests of the store crate: the conformance suite against
//! SqliteStore, SQLite-specific behaviour, and a real kill -9 crash test.

mod conformance;
mod crash;
mod sqlite;
