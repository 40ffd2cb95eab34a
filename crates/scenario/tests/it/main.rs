//! Integration tests for the scenario crate: file round trips, error locations, CSV, event codec, demo.
fn main() {}
