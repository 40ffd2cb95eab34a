//! Validated inputs: per-generation manufacturing parameters, shared inputs and the split policy.

use crate::error::SupplyError;

/// 100% expressed in basis points.
pub const FULL_BP: u32 = 10_000;

fn check_bp(field: &str, value: u32) -> Result<(), SupplyError> {
    if value > FULL_BP {
        return Err(SupplyError::BasisPointsOutOfRange {
            field: field.to_string(),
            value,
        });
    }
    Ok(())
}

/// Die yield over time: linear from `start_bp` to `end_bp` over `ramp_periods` periods from `ramp_start_period`.
///
/// Before `ramp_start_period` the yield is `start_bp`; from `ramp_start_period + ramp_periods`
/// on it is `end_bp`. In between, period `ramp_start_period + k` has
/// `start_bp + floor((end_bp - start_bp) * k / ramp_periods)` (floor toward minus infinity,
/// so a falling ramp rounds down too). A ramp of zero periods jumps to `end_bp` at
/// `ramp_start_period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct YieldRamp {
    start_bp: u32,
    end_bp: u32,
    ramp_periods: u32,
    ramp_start_period: u32,
}

impl YieldRamp {
    /// Builds a ramp; both yields must be at most 10000 basis points.
    pub fn new(
        start_bp: u32,
        end_bp: u32,
        ramp_periods: u32,
        ramp_start_period: u32,
    ) -> Result<Self, SupplyError> {
        check_bp("yield_ramp.start_bp", start_bp)?;
        check_bp("yield_ramp.end_bp", end_bp)?;
        Ok(Self {
            start_bp,
            end_bp,
            ramp_periods,
            ramp_start_period,
        })
    }

    /// A constant yield of `bp` basis points in every period.
    pub fn flat(bp: u32) -> Result<Self, SupplyError> {
        Self::new(bp, bp, 0, 0)
    }

    /// Yield before the ramp, in basis points.
    pub fn start_bp(&self) -> u32 {
        self.start_bp
    }

    /// Yield after the ramp, in basis points.
    pub fn end_bp(&self) -> u32 {
        self.end_bp
    }

    /// Length of the ramp in periods.
    pub fn ramp_periods(&self) -> u32 {
        self.ramp_periods
    }

    /// Period in which the ramp begins.
    pub fn ramp_start_period(&self) -> u32 {
        self.ramp_start_period
    }

    /// Yield in basis points for wafers started in `period`.
    pub fn yield_bp(&self, period: usize) -> u32 {
        let start = self.ramp_start_period as usize;
        if period < start {
            return self.start_bp;
        }
        let k = (period - start) as u64;
        if k >= u64::from(self.ramp_periods) {
            return self.end_bp;
        }
        let delta = i64::from(self.end_bp) - i64::from(self.start_bp);
        let step = (delta * k as i64).div_euclid(i64::from(self.ramp_periods));
        let bp = i64::from(self.start_bp) + step;
        debug_assert!((0..=i64::from(FULL_BP)).contains(&bp));
        bp as u32
    }
}

/// One accelerator generation's manufacturing parameters.
///
/// Required values come through [`GenerationInputs::new`]; lead time, initial dies and first
/// ship period default to zero and are set with the `with_*` methods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerationInputs {
    name: String,
    wafer_starts_per_period: Vec<u64>,
    gross_dies_per_wafer: u32,
    yield_ramp: YieldRamp,
    lead_time_periods: u32,
    hbm_stacks_per_chip: u32,
    chips_per_unit: u32,
    initial_dies: u64,
    first_ship_period: u32,
}

impl GenerationInputs {
    /// Builds a generation; rejects an empty name, zero gross dies per wafer and zero chips per unit.
    ///
    /// `wafer_starts_per_period` must have one entry per planning period (checked by [`crate::plan`]).
    /// `hbm_stacks_per_chip` may be zero, meaning HBM never limits this generation.
    pub fn new(
        name: impl Into<String>,
        wafer_starts_per_period: Vec<u64>,
        gross_dies_per_wafer: u32,
        yield_ramp: YieldRamp,
        hbm_stacks_per_chip: u32,
        chips_per_unit: u32,
    ) -> Result<Self, SupplyError> {
        let name = name.into();
        if name.trim().is_empty() {
            return Err(SupplyError::EmptyName);
        }
        if gross_dies_per_wafer == 0 {
            return Err(SupplyError::Zero {
                field: format!("{name}.gross_dies_per_wafer"),
            });
        }
        if chips_per_unit == 0 {
            return Err(SupplyError::Zero {
                field: format!("{name}.chips_per_unit"),
            });
        }
        Ok(Self {
            name,
            wafer_starts_per_period,
            gross_dies_per_wafer,
            yield_ramp,
            lead_time_periods: 0,
            hbm_stacks_per_chip,
            chips_per_unit,
            initial_dies: 0,
            first_ship_period: 0,
        })
    }

    /// Sets the periods from wafer start to finished good die (a wafer started in t yields dies in t + lead).
    pub fn with_lead_time_periods(mut self, lead_time_periods: u32) -> Self {
        self.lead_time_periods = lead_time_periods;
        self
    }

    /// Sets the good dies already banked and available in period 0.
    pub fn with_initial_dies(mut self, initial_dies: u64) -> Self {
        self.initial_dies = initial_dies;
        self
    }

    /// Sets the first period in which chips may be made; dies accumulate before it.
    pub fn with_first_ship_period(mut self, first_ship_period: u32) -> Self {
        self.first_ship_period = first_ship_period;
        self
    }

    /// Generation name, used in explanations.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Foundry wafer starts per period.
    pub fn wafer_starts_per_period(&self) -> &[u64] {
        &self.wafer_starts_per_period
    }

    /// Candidate dies per wafer before yield loss.
    pub fn gross_dies_per_wafer(&self) -> u32 {
        self.gross_dies_per_wafer
    }

    /// Yield ramp applied at wafer start.
    pub fn yield_ramp(&self) -> &YieldRamp {
        &self.yield_ramp
    }

    /// Periods from wafer start to good die.
    pub fn lead_time_periods(&self) -> u32 {
        self.lead_time_periods
    }

    /// HBM stacks consumed per chip.
    pub fn hbm_stacks_per_chip(&self) -> u32 {
        self.hbm_stacks_per_chip
    }

    /// Chips per planning unit (e.g. 16 for a 16-chip server).
    pub fn chips_per_unit(&self) -> u32 {
        self.chips_per_unit
    }

    /// Good dies available at period 0.
    pub fn initial_dies(&self) -> u64 {
        self.initial_dies
    }

    /// First period in which chips may be made.
    pub fn first_ship_period(&self) -> u32 {
        self.first_ship_period
    }

    /// Good dies from wafers started in `period`: floor(wafers * gross dies * yield_bp / 10000).
    ///
    /// Returns `None` if the period is outside the wafer-start vector or the count exceeds u64.
    pub fn good_dies_started(&self, period: usize) -> Option<u64> {
        let wafers = u128::from(*self.wafer_starts_per_period.get(period)?);
        let good = wafers
            * u128::from(self.gross_dies_per_wafer)
            * u128::from(self.yield_ramp.yield_bp(period))
            / u128::from(FULL_BP);
        u64::try_from(good).ok()
    }
}

/// Inputs shared by all generations in each period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedInputs {
    hbm_stacks_per_period: Vec<u64>,
    packaging_chips_per_period: Vec<u64>,
    initial_hbm_stacks: u64,
}

impl SharedInputs {
    /// Builds shared inputs; both per-period vectors must have the same length (the horizon).
    pub fn new(
        hbm_stacks_per_period: Vec<u64>,
        packaging_chips_per_period: Vec<u64>,
        initial_hbm_stacks: u64,
    ) -> Result<Self, SupplyError> {
        if packaging_chips_per_period.len() != hbm_stacks_per_period.len() {
            return Err(SupplyError::LengthMismatch {
                field: "shared.packaging_chips_per_period".to_string(),
                expected: hbm_stacks_per_period.len(),
                actual: packaging_chips_per_period.len(),
            });
        }
        Ok(Self {
            hbm_stacks_per_period,
            packaging_chips_per_period,
            initial_hbm_stacks,
        })
    }

    /// New HBM stacks arriving per period (unused stacks carry over).
    pub fn hbm_stacks_per_period(&self) -> &[u64] {
        &self.hbm_stacks_per_period
    }

    /// Advanced-packaging capacity per period, in chips (unused capacity is lost).
    pub fn packaging_chips_per_period(&self) -> &[u64] {
        &self.packaging_chips_per_period
    }

    /// HBM stacks on hand at period 0.
    pub fn initial_hbm_stacks(&self) -> u64 {
        self.initial_hbm_stacks
    }
}

/// How shared HBM and packaging are split between generations each period.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SplitPolicy {
    /// Generations, by index, in priority order; each takes all it can of what the earlier ones left.
    Priority(Vec<usize>),
    /// Share per generation in basis points (sum 10000) of each period's packaging and available HBM.
    ///
    /// Each share is floored; the rounding remainder goes to the lowest-index generation
    /// with a nonzero share. HBM a generation leaves unused stays in the carried pool;
    /// packaging it leaves unused (including the share of a generation not yet shipping) is lost.
    FixedMix(Vec<u32>),
}

impl SplitPolicy {
    /// Checks the policy against the number of generations.
    pub(crate) fn validate(&self, generations: usize) -> Result<(), SupplyError> {
        match self {
            SplitPolicy::Priority(order) => {
                let mut seen = vec![false; generations];
                let ok = order.len() == generations
                    && order
                        .iter()
                        .all(|&g| g < generations && !std::mem::replace(&mut seen[g], true));
                if !ok {
                    return Err(SupplyError::PriorityNotPermutation {
                        order: order.clone(),
                        generations,
                    });
                }
            }
            SplitPolicy::FixedMix(shares) => {
                if shares.len() != generations {
                    return Err(SupplyError::LengthMismatch {
                        field: "policy.FixedMix".to_string(),
                        expected: generations,
                        actual: shares.len(),
                    });
                }
                for (g, &s) in shares.iter().enumerate() {
                    check_bp(&format!("policy.FixedMix[{g}]"), s)?;
                }
                let sum: u64 = shares.iter().map(|&s| u64::from(s)).sum();
                if sum != u64::from(FULL_BP) {
                    return Err(SupplyError::SharesDoNotSum { sum });
                }
            }
        }
        Ok(())
    }
}

/// Splits `total` by basis-point `shares` (summing to 10000): floors, remainder to the lowest-index nonzero share.
pub(crate) fn split_by_shares(total: u64, shares: &[u32]) -> Vec<u64> {
    let mut parts: Vec<u64> = shares
        .iter()
        .map(|&s| (u128::from(total) * u128::from(s) / u128::from(FULL_BP)) as u64)
        .collect();
    let given: u64 = parts.iter().sum();
    if let Some(first) = shares.iter().position(|&s| s > 0) {
        parts[first] += total - given;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_values() {
        let r = YieldRamp::new(2000, 8000, 3, 2).unwrap();
        let got: Vec<u32> = (0..7).map(|t| r.yield_bp(t)).collect();
        assert_eq!(got, vec![2000, 2000, 2000, 4000, 6000, 8000, 8000]);
    }

    #[test]
    fn falling_ramp_floors() {
        let r = YieldRamp::new(9000, 8000, 3, 0).unwrap();
        // 9000 - 333.3 -> floor 8666; 9000 - 666.6 -> floor 8333
        let got: Vec<u32> = (0..4).map(|t| r.yield_bp(t)).collect();
        assert_eq!(got, vec![9000, 8666, 8333, 8000]);
    }

    #[test]
    fn zero_length_ramp_jumps() {
        let r = YieldRamp::new(1000, 9000, 0, 3).unwrap();
        assert_eq!(r.yield_bp(2), 1000);
        assert_eq!(r.yield_bp(3), 9000);
    }

    #[test]
    fn ramp_rejects_bp_over_full() {
        assert_eq!(
            YieldRamp::new(10_001, 0, 1, 0),
            Err(SupplyError::BasisPointsOutOfRange {
                field: "yield_ramp.start_bp".into(),
                value: 10_001
            })
        );
        assert!(YieldRamp::new(0, 10_001, 1, 0).is_err());
        assert!(YieldRamp::flat(10_000).is_ok());
    }

    #[test]
    fn generation_rejects_zeroes_and_empty_name() {
        let r = YieldRamp::flat(5000).unwrap();
        assert_eq!(
            GenerationInputs::new("g", vec![], 10, r, 1, 0),
            Err(SupplyError::Zero {
                field: "g.chips_per_unit".into()
            })
        );
        assert!(matches!(
            GenerationInputs::new("g", vec![], 0, r, 1, 1),
            Err(SupplyError::Zero { field }) if field == "g.gross_dies_per_wafer"
        ));
        assert_eq!(
            GenerationInputs::new("  ", vec![], 1, r, 1, 1),
            Err(SupplyError::EmptyName)
        );
    }

    #[test]
    fn good_dies_use_start_period_yield() {
        let r = YieldRamp::new(5000, 10_000, 1, 0).unwrap();
        let g = GenerationInputs::new("g", vec![3, 3], 7, r, 1, 1).unwrap();
        assert_eq!(g.good_dies_started(0), Some(10)); // 3*7*0.5 = 10.5 -> 10
        assert_eq!(g.good_dies_started(1), Some(21));
        assert_eq!(g.good_dies_started(2), None);
    }

    #[test]
    fn good_dies_overflow_is_none() {
        let r = YieldRamp::flat(10_000).unwrap();
        let g = GenerationInputs::new("g", vec![u64::MAX], 2, r, 1, 1).unwrap();
        assert_eq!(g.good_dies_started(0), None);
    }

    #[test]
    fn shared_lengths_must_match() {
        assert!(matches!(
            SharedInputs::new(vec![1, 2], vec![1], 0),
            Err(SupplyError::LengthMismatch { field, expected: 2, actual: 1 })
                if field == "shared.packaging_chips_per_period"
        ));
    }

    #[test]
    fn split_floors_and_gives_remainder_to_first_nonzero() {
        assert_eq!(split_by_shares(10, &[3333, 3333, 3334]), vec![4, 3, 3]);
        assert_eq!(split_by_shares(10, &[0, 5000, 5000]), vec![0, 5, 5]);
        assert_eq!(split_by_shares(7, &[0, 5000, 5000]), vec![0, 4, 3]);
        assert_eq!(split_by_shares(0, &[10_000]), vec![0]);
        assert_eq!(
            split_by_shares(u64::MAX, &[5000, 5000])
                .iter()
                .map(|&x| x as u128)
                .sum::<u128>(),
            u64::MAX as u128
        );
    }

    #[test]
    fn policy_validation() {
        assert!(SplitPolicy::Priority(vec![1, 0]).validate(2).is_ok());
        assert!(SplitPolicy::Priority(vec![0, 0]).validate(2).is_err());
        assert!(SplitPolicy::Priority(vec![0, 2]).validate(2).is_err());
        assert!(SplitPolicy::Priority(vec![0]).validate(2).is_err());
        assert!(SplitPolicy::FixedMix(vec![5000, 5000]).validate(2).is_ok());
        assert_eq!(
            SplitPolicy::FixedMix(vec![5000, 4999]).validate(2),
            Err(SupplyError::SharesDoNotSum { sum: 9999 })
        );
        assert!(matches!(
            SplitPolicy::FixedMix(vec![10_000]).validate(2),
            Err(SupplyError::LengthMismatch { .. })
        ));
        assert!(matches!(
            SplitPolicy::FixedMix(vec![10_001, 0]).validate(2),
            Err(SupplyError::BasisPointsOutOfRange { field, .. }) if field == "policy.FixedMix[0]"
        ));
    }
}
