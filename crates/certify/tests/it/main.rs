//! Integration tests for the `certify` checker.

mod handmade;
mod random;
mod reference;
