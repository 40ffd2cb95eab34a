//! Planner integration tests.

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
