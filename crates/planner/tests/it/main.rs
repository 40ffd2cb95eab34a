//! Planner integration tests.

// Periods and generations index several tables at once in these checks.
#![allow(clippy::needless_range_loop)]

mod atp;
mod commitments;
mod common;
mod lp;
mod optimality;
mod properties;
mod replan;
mod smoke;
mod stake;
mod waitlist;
mod warm;
