//! Planner integration tests.

mod smoke;
