//! Available-to-promise: what can still be promised without moving any existing promise.
//!
//! Units of a generation that the plan ships to buyers or that back accepted reservations and
//! capacity commitments are promised; units that the vendor's own cloud uses for internal demand,
//! idle pool units and inventory are not. Selling `x` units in period `t` takes them out of the
//! pool for every later period, so it is possible exactly when
//! `slack(t') = supply up to t' - shipped up to t' - reserved in t'` is at least `x` for every
//! `t' >= t`. The answer for "by period t" is therefore the suffix minimum of the slack, which is
//! non-decreasing in `t`: a query is one array read, the earliest period a binary search.

use crate::GenerationFlows;
use book::{Book, GenIdx, Period, SkuIdx};

/// Available-to-promise tables, one per generation.
#[derive(Debug, Clone, PartialEq)]
pub struct Atp {
    now: Period,
    /// `avail[g][t]`: units of g that can be promised for delivery in period t (0 before now).
    avail: Vec<Vec<u64>>,
    sku_size: Vec<u32>,
    sku_gen: Vec<GenIdx>,
}

impl Atp {
    pub(crate) fn from_flows(book: &Book, now: Period, generations: &[GenerationFlows]) -> Atp {
        // Nothing can be promised before now, nor before a generation first ships.
        let avail = generations
            .iter()
            .zip(book.generations())
            .map(|(g, gen)| Self::suffix_min(&Self::slack(g), now.max(gen.first_ship)))
            .collect();
        Atp {
            now,
            avail,
            sku_size: book.skus().iter().map(|s| s.size_units).collect(),
            sku_gen: book.skus().iter().map(|s| s.generation).collect(),
        }
    }

    /// Per-period slack of a generation: units not promised to anyone.
    pub(crate) fn slack(g: &GenerationFlows) -> Vec<i64> {
        let mut cum = 0i64;
        (0..g.supply.len())
            .map(|t| {
                cum += g.supply[t] as i64 - g.sold[t] as i64;
                cum - g.reserved[t] as i64
            })
            .collect()
    }

    /// Suffix minima of `slack` from each period (0 before `now`, never negative).
    pub(crate) fn suffix_min(slack: &[i64], now: Period) -> Vec<u64> {
        let mut out = vec![0u64; slack.len()];
        let mut m = i64::MAX;
        for t in (0..slack.len()).rev() {
            m = m.min(slack[t]);
            out[t] = if (t as u32) < now.0 {
                0
            } else {
                m.max(0) as u64
            };
        }
        out
    }

    /// The period the tables were computed for.
    pub fn now(&self) -> Period {
        self.now
    }

    /// Units of generation `g` that can be promised for delivery by period `by`.
    pub fn units_by(&self, g: GenIdx, by: Period) -> u64 {
        let row = &self.avail[g.0 as usize];
        if row.is_empty() {
            return 0;
        }
        row[(by.0 as usize).min(row.len() - 1)]
    }

    /// Earliest period from which `units` of generation `g` can be promised, if within the horizon.
    pub fn earliest_units(&self, g: GenIdx, units: u64) -> Option<Period> {
        let row = &self.avail[g.0 as usize];
        let t = row.partition_point(|&a| a < units);
        (t < row.len()).then_some(Period(t as u32))
    }

    /// Whole items of SKU `s` that can be promised by period `by`.
    pub fn sku_quantity_by(&self, s: SkuIdx, by: Period) -> u64 {
        self.units_by(self.sku_gen[s.0 as usize], by) / self.sku_size[s.0 as usize] as u64
    }

    /// Earliest period from which `quantity` items of SKU `s` can be promised.
    pub fn earliest_sku(&self, s: SkuIdx, quantity: u64) -> Option<Period> {
        let units = quantity.checked_mul(self.sku_size[s.0 as usize] as u64)?;
        self.earliest_units(self.sku_gen[s.0 as usize], units)
    }
}
