//! Integration tests for the `flow` crate (one test binary).

mod edge;
mod lines;
mod props;
mod random;
mod reference;
mod warm;
