//! End-to-end tests of the `allot` binary: each runs the real command on a fresh database.

mod cli;
mod crash;
mod serve;
mod snapshot;
