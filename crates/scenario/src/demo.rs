//! The built-in demo scenario.

use book::BookSpec;

/// The demo scenario's TOML text (`crates/scenario/demo/demo.toml`), figures with their sources.
pub const DEMO_TOML: &str = include_str!("../demo/demo.toml");

/// The demo book: 36 monthly periods from 2026-12, four accelerator generations, two AI labs
/// with multi-year contracts, colocation and enterprise buyers, and the cloud.
pub fn demo_spec() -> BookSpec {
    crate::parse_scenario(DEMO_TOML, crate::Format::Toml, "demo.toml")
        .unwrap_or_else(|e| panic!("the embedded demo scenario is valid (tested): {e}"))
}
