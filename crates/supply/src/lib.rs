//! Supply plan for scarce AI accelerators: wafers to good dies to chips to planning units.
//!
//! # Model
//!
//! Each accelerator generation ([`GenerationInputs`]) has foundry wafer starts per period,
//! gross dies per wafer and a [`YieldRamp`]. Wafers started in period `t` become
//! `floor(wafers * gross_dies * yield_bp(t) / 10000)` good dies, available in period
//! `t + lead_time_periods` (the yield is the one at wafer start). Dies started so late that
//! they finish after the horizon are reported as still in the pipeline.
//!
//! Every chip uses one good die and `hbm_stacks_per_chip` HBM stacks, and passes through
//! advanced packaging. HBM stacks arrive per period into a shared pool and carry over;
//! packaging is a per-period capacity (in chips) that does not carry over
//! ([`SharedInputs`]). Unused good dies carry over per generation.
//!
//! In each period a [`SplitPolicy`] divides HBM and packaging between generations:
//! a priority order (each takes all it can of what the earlier ones left) or a fixed mix of
//! basis-point shares. A generation then makes
//! `min(dies available, hbm / stacks_per_chip, packaging)` chips; whichever term is
//! smallest is its [`Binding`]. Before its first ship period a generation makes nothing
//! (dies accumulate) and is `NotShipping`; with no dies on hand and none still coming it is
//! idle (`Binding::None`). Chips are grouped into planning units (e.g. 16-chip servers);
//! chips short of a whole unit wait for the next period.
//!
//! The result ([`SupplyPlan`]) gives chips and units per generation per period, the binding
//! input per generation and overall per period, and carried dies and HBM at each period's end.
//! Dies and HBM are conserved: initial + arrived = consumed + carried at end.
//!
//! The crate is pure: no I/O, no clock, and the same inputs always give the same plan.
//! All arithmetic is integer, with u128 intermediates where a product could overflow.

#![deny(missing_docs)]

mod error;
mod inputs;
mod plan;

pub use error::SupplyError;
pub use inputs::{GenerationInputs, SharedInputs, SplitPolicy, YieldRamp, FULL_BP};
pub use plan::{plan, Binding, GenerationPlan, SupplyPlan};
