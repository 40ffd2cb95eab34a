//! replan
