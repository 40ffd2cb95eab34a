//! The period-by-period supply simulation and its result.

use std::fmt;

use crate::error::SupplyError;
use crate::inputs::{split_by_shares, GenerationInputs, SharedInputs, SplitPolicy};

/// Which input limited a generation's chip output in a period.
///
/// When several inputs limit equally, the first in declaration order among
/// `Wafers`, `Hbm`, `Packaging` is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Binding {
    /// Good dies ran out (all available dies were made into chips).
    Wafers,
    /// HBM stacks ran out (or the generation's HBM share did).
    Hbm,
    /// Advanced-packaging capacity ran out (or the generation's share did).
    Packaging,
    /// The period is before the generation's first ship period.
    NotShipping,
    /// Nothing to do: no dies on hand and no more wafers in the pipeline.
    None,
}

impl Binding {
    /// Short lowercase label used in explanations.
    pub fn label(self) -> &'static str {
        match self {
            Binding::Wafers => "wafers",
            Binding::Hbm => "HBM",
            Binding::Packaging => "packaging",
            Binding::NotShipping => "not shipping",
            Binding::None => "nothing",
        }
    }

    /// True for the three physical constraints (wafers, HBM, packaging).
    pub fn is_constraint(self) -> bool {
        matches!(self, Binding::Wafers | Binding::Hbm | Binding::Packaging)
    }
}

impl fmt::Display for Binding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One generation's planned output over the horizon (all vectors are indexed by period).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerationPlan {
    name: String,
    chips_per_unit: u32,
    hbm_stacks_per_chip: u32,
    initial_dies: u64,
    dies_arrived: Vec<u64>,
    chips: Vec<u64>,
    units: Vec<u64>,
    binding: Vec<Binding>,
    dies_carried: Vec<u64>,
    chips_carried: Vec<u64>,
    dies_in_pipeline_at_end: u64,
}

impl GenerationPlan {
    /// Generation name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Chips per planning unit.
    pub fn chips_per_unit(&self) -> u32 {
        self.chips_per_unit
    }

    /// HBM stacks consumed per chip.
    pub fn hbm_stacks_per_chip(&self) -> u32 {
        self.hbm_stacks_per_chip
    }

    /// Good dies on hand at period 0.
    pub fn initial_dies(&self) -> u64 {
        self.initial_dies
    }

    /// Good dies finishing (wafer start + lead time) in each period.
    pub fn dies_arrived(&self) -> &[u64] {
        &self.dies_arrived
    }

    /// Chips made in each period (one die and `hbm_stacks_per_chip` stacks each).
    pub fn chips(&self) -> &[u64] {
        &self.chips
    }

    /// Whole planning units finished in each period.
    pub fn units(&self) -> &[u64] {
        &self.units
    }

    /// Binding input in each period.
    pub fn binding(&self) -> &[Binding] {
        &self.binding
    }

    /// Good dies left unused at the end of each period (carried to the next).
    pub fn dies_carried(&self) -> &[u64] {
        &self.dies_carried
    }

    /// Chips made but not yet forming a whole unit at the end of each period.
    pub fn chips_carried(&self) -> &[u64] {
        &self.chips_carried
    }

    /// Good dies from wafers started within the horizon that finish after it.
    pub fn dies_in_pipeline_at_end(&self) -> u64 {
        self.dies_in_pipeline_at_end
    }

    /// Total good dies arrived within the horizon.
    pub fn total_dies_arrived(&self) -> u64 {
        self.dies_arrived.iter().sum()
    }

    /// Total chips made within the horizon (equals dies consumed).
    pub fn total_chips(&self) -> u64 {
        self.chips.iter().sum()
    }

    /// Total units finished within the horizon.
    pub fn total_units(&self) -> u64 {
        self.units.iter().sum()
    }

    /// Dies carried out of the last period (the initial dies if the horizon is empty).
    pub fn dies_carried_at_end(&self) -> u64 {
        self.dies_carried
            .last()
            .copied()
            .unwrap_or(self.initial_dies)
    }

    /// Whether initial + arrived dies equal consumed + carried dies, and chips equal units plus leftover.
    pub fn is_conserved(&self) -> bool {
        let supply = u128::from(self.initial_dies) + sum128(&self.dies_arrived);
        let used = sum128(&self.chips) + u128::from(self.dies_carried_at_end());
        let leftover = self.chips_carried.last().copied().unwrap_or(0);
        let assembled =
            sum128(&self.units) * u128::from(self.chips_per_unit) + u128::from(leftover);
        supply == used && assembled == sum128(&self.chips)
    }
}

fn sum128(v: &[u64]) -> u128 {
    v.iter().map(|&x| u128::from(x)).sum()
}

/// The supply plan: units per generation per period, what binds, and what carries over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplyPlan {
    horizon_periods: usize,
    generations: Vec<GenerationPlan>,
    overall_binding: Vec<Binding>,
    initial_hbm_stacks: u64,
    hbm_arrived: Vec<u64>,
    hbm_used: Vec<u64>,
    hbm_carried: Vec<u64>,
    packaging_used: Vec<u64>,
}

impl SupplyPlan {
    /// Number of periods planned.
    pub fn horizon_periods(&self) -> usize {
        self.horizon_periods
    }

    /// Per-generation plans, in input order.
    pub fn generations(&self) -> &[GenerationPlan] {
        &self.generations
    }

    /// Plan of generation `g`, if it exists.
    pub fn generation(&self, g: usize) -> Option<&GenerationPlan> {
        self.generations.get(g)
    }

    /// Plan of the generation named `name`, if any.
    pub fn generation_by_name(&self, name: &str) -> Option<&GenerationPlan> {
        self.generations.iter().find(|p| p.name == name)
    }

    /// Units of generation `g` finished in period `t`, if both exist.
    pub fn units(&self, g: usize, t: usize) -> Option<u64> {
        self.generations.get(g)?.units.get(t).copied()
    }

    /// Binding input of generation `g` in period `t`, if both exist.
    pub fn binding(&self, g: usize, t: usize) -> Option<Binding> {
        self.generations.get(g)?.binding.get(t).copied()
    }

    /// Overall binding input per period: the constraint binding for the most chips made.
    ///
    /// Among `Wafers`, `Hbm` and `Packaging`, the one whose generations made the most chips
    /// in the period wins; ties go to the one binding more generations, then to the order
    /// `Wafers`, `Hbm`, `Packaging`. If no generation is constrained, it is `NotShipping`
    /// when some generation is not shipping yet, else `None`.
    pub fn overall_binding(&self) -> &[Binding] {
        &self.overall_binding
    }

    /// HBM stacks on hand at period 0.
    pub fn initial_hbm_stacks(&self) -> u64 {
        self.initial_hbm_stacks
    }

    /// New HBM stacks arriving in each period.
    pub fn hbm_arrived(&self) -> &[u64] {
        &self.hbm_arrived
    }

    /// HBM stacks consumed by all generations in each period.
    pub fn hbm_used(&self) -> &[u64] {
        &self.hbm_used
    }

    /// HBM stacks left at the end of each period (carried to the next).
    pub fn hbm_carried(&self) -> &[u64] {
        &self.hbm_carried
    }

    /// HBM stacks carried out of the last period (the initial stock if the horizon is empty).
    pub fn hbm_carried_at_end(&self) -> u64 {
        self.hbm_carried
            .last()
            .copied()
            .unwrap_or(self.initial_hbm_stacks)
    }

    /// Packaging capacity used (chips made by all generations) in each period.
    pub fn packaging_used(&self) -> &[u64] {
        &self.packaging_used
    }

    /// Whether dies balance for every generation and HBM balances for the pool.
    pub fn is_conserved(&self) -> bool {
        let hbm_supply = u128::from(self.initial_hbm_stacks) + sum128(&self.hbm_arrived);
        let hbm_out = sum128(&self.hbm_used) + u128::from(self.hbm_carried_at_end());
        let by_gen: u128 = self
            .generations
            .iter()
            .map(|p| sum128(&p.chips) * u128::from(p.hbm_stacks_per_chip))
            .sum();
        hbm_supply == hbm_out
            && by_gen == sum128(&self.hbm_used)
            && self.generations.iter().all(GenerationPlan::is_conserved)
    }

    /// A short sentence on what binds in period `t`, e.g. "period 7: HBM binds for trn3 and trn4; wafers for trn2".
    ///
    /// Groups are listed with the overall binding input first, then in the order wafers, HBM,
    /// packaging, not shipping, nothing. Returns `None` if `t` is outside the horizon.
    pub fn explain(&self, t: usize) -> Option<String> {
        let overall = *self.overall_binding.get(t)?;
        let mut order = vec![overall];
        for b in [
            Binding::Wafers,
            Binding::Hbm,
            Binding::Packaging,
            Binding::NotShipping,
            Binding::None,
        ] {
            if b != overall {
                order.push(b);
            }
        }
        let mut parts = Vec::new();
        for b in order {
            let names: Vec<&str> = self
                .generations
                .iter()
                .filter(|p| p.binding[t] == b)
                .map(|p| p.name.as_str())
                .collect();
            if names.is_empty() {
                continue;
            }
            let list = join_names(&names);
            let first = parts.is_empty();
            parts.push(match b {
                Binding::NotShipping => format!("{list} not shipping yet"),
                Binding::None => format!("{list} idle"),
                _ if first => format!("{b} binds for {list}"),
                _ => format!("{b} for {list}"),
            });
        }
        if parts.is_empty() {
            return Some(format!("period {t}: no generations"));
        }
        Some(format!("period {t}: {}", parts.join("; ")))
    }
}

fn join_names(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// What one generation makes in one period given its caps.
fn produce(
    generation: &GenerationInputs,
    t: usize,
    dies_available: u64,
    more_dies_coming: bool,
    hbm_cap: u64,
    packaging_cap: u64,
) -> (u64, Binding) {
    if (t as u64) < u64::from(generation.first_ship_period()) {
        return (0, Binding::NotShipping);
    }
    if dies_available == 0 && !more_dies_coming {
        return (0, Binding::None);
    }
    let hbm_limit = match generation.hbm_stacks_per_chip() {
        0 => u64::MAX,
        s => hbm_cap / u64::from(s),
    };
    let chips = dies_available.min(hbm_limit).min(packaging_cap);
    let binding = if chips == dies_available {
        Binding::Wafers
    } else if chips == hbm_limit {
        Binding::Hbm
    } else {
        Binding::Packaging
    };
    (chips, binding)
}

fn overall(bindings: &[Binding], chips: &[u64]) -> Binding {
    let mut best: Option<(Binding, (u128, usize))> = None;
    for b in [Binding::Wafers, Binding::Hbm, Binding::Packaging] {
        let mut score = (0u128, 0usize);
        for (&gb, &c) in bindings.iter().zip(chips) {
            if gb == b {
                score.0 += u128::from(c);
                score.1 += 1;
            }
        }
        let better = match best {
            Some((_, s)) => score > s,
            None => true,
        };
        if score.1 > 0 && better {
            best = Some((b, score));
        }
    }
    match best {
        Some((b, _)) => b,
        None if bindings.contains(&Binding::NotShipping) => Binding::NotShipping,
        None => Binding::None,
    }
}

fn overflow(field: String, period: usize) -> SupplyError {
    SupplyError::Overflow { field, period }
}

fn check_len(field: String, expected: usize, actual: usize) -> Result<(), SupplyError> {
    if expected != actual {
        return Err(SupplyError::LengthMismatch {
            field,
            expected,
            actual,
        });
    }
    Ok(())
}

/// Plans supply for `horizon_periods` periods: per generation and period, chips and units made and what binds.
///
/// Each period: new HBM joins the carried pool; each generation's good dies from wafers
/// started `lead_time_periods` earlier join its carried dies; the policy splits HBM and
/// packaging; each shipping generation makes `min(dies, hbm / stacks_per_chip, packaging)`
/// chips. Unused dies and HBM carry over, unused packaging is lost, and chips short of a
/// whole unit wait for the next period.
pub fn plan(
    gens: &[GenerationInputs],
    shared: &SharedInputs,
    policy: &SplitPolicy,
    horizon_periods: u32,
) -> Result<SupplyPlan, SupplyError> {
    let h = horizon_periods as usize;
    let n = gens.len();
    if n == 0 {
        return Err(SupplyError::NoGenerations);
    }
    for (g, gen) in gens.iter().enumerate() {
        check_len(
            format!("generations[{g}].wafer_starts_per_period"),
            h,
            gen.wafer_starts_per_period().len(),
        )?;
        if gens[..g].iter().any(|o| o.name() == gen.name()) {
            return Err(SupplyError::DuplicateName {
                generation: g,
                name: gen.name().to_string(),
            });
        }
    }
    check_len(
        "shared.hbm_stacks_per_period".into(),
        h,
        shared.hbm_stacks_per_period().len(),
    )?;
    check_len(
        "shared.packaging_chips_per_period".into(),
        h,
        shared.packaging_chips_per_period().len(),
    )?;
    policy.validate(n)?;

    // Good dies by arrival period, and those still in flight at the end.
    let mut arrivals = vec![vec![0u64; h]; n];
    let mut pipeline_end = vec![0u64; n];
    for (g, gen) in gens.iter().enumerate() {
        for s in 0..h {
            let field = || format!("generations[{g}].good_dies");
            let good = gen
                .good_dies_started(s)
                .ok_or_else(|| overflow(field(), s))?;
            let arrive = s as u64 + u64::from(gen.lead_time_periods());
            let slot = if arrive < h as u64 {
                &mut arrivals[g][arrive as usize]
            } else {
                &mut pipeline_end[g]
            };
            *slot = slot.checked_add(good).ok_or_else(|| overflow(field(), s))?;
        }
    }
    // Whether any good dies arrive strictly after period t (or after the horizon).
    let more_after: Vec<Vec<bool>> = (0..n)
        .map(|g| {
            let mut v = vec![false; h];
            let mut later = pipeline_end[g] > 0;
            for t in (0..h).rev() {
                v[t] = later;
                later |= arrivals[g][t] > 0;
            }
            v
        })
        .collect();

    let mut dies_carry: Vec<u64> = gens.iter().map(GenerationInputs::initial_dies).collect();
    let mut chip_carry = vec![0u64; n];
    let mut hbm_pool = shared.initial_hbm_stacks();

    let mut out: Vec<GenerationPlan> = gens
        .iter()
        .zip(arrivals)
        .zip(&pipeline_end)
        .map(|((gen, arrived), &pipe)| GenerationPlan {
            name: gen.name().to_string(),
            chips_per_unit: gen.chips_per_unit(),
            hbm_stacks_per_chip: gen.hbm_stacks_per_chip(),
            initial_dies: gen.initial_dies(),
            dies_arrived: arrived,
            chips: Vec::with_capacity(h),
            units: Vec::with_capacity(h),
            binding: Vec::with_capacity(h),
            dies_carried: Vec::with_capacity(h),
            chips_carried: Vec::with_capacity(h),
            dies_in_pipeline_at_end: pipe,
        })
        .collect();
    let mut overall_binding = Vec::with_capacity(h);
    let mut hbm_used = Vec::with_capacity(h);
    let mut hbm_carried = Vec::with_capacity(h);
    let mut packaging_used = Vec::with_capacity(h);

    let per_period = shared
        .hbm_stacks_per_period()
        .iter()
        .zip(shared.packaging_chips_per_period());
    for (t, (&hbm_new, &packaging)) in per_period.enumerate() {
        hbm_pool = hbm_pool
            .checked_add(hbm_new)
            .ok_or_else(|| overflow("shared.hbm_stacks".into(), t))?;
        let mut dies_available = Vec::with_capacity(n);
        for g in 0..n {
            let d = dies_carry[g]
                .checked_add(out[g].dies_arrived[t])
                .ok_or_else(|| overflow(format!("generations[{g}].dies"), t))?;
            dies_available.push(d);
        }

        let mut chips = vec![0u64; n];
        let mut bindings = vec![Binding::None; n];
        let hbm_at_start = hbm_pool;
        match policy {
            SplitPolicy::Priority(order) => {
                let mut packaging_left = packaging;
                for &g in order {
                    let (c, b) = produce(
                        &gens[g],
                        t,
                        dies_available[g],
                        more_after[g][t],
                        hbm_pool,
                        packaging_left,
                    );
                    hbm_pool -= c * u64::from(gens[g].hbm_stacks_per_chip());
                    packaging_left -= c;
                    chips[g] = c;
                    bindings[g] = b;
                }
            }
            SplitPolicy::FixedMix(shares) => {
                let hbm_alloc = split_by_shares(hbm_pool, shares);
                let packaging_alloc = split_by_shares(packaging, shares);
                for g in 0..n {
                    let (c, b) = produce(
                        &gens[g],
                        t,
                        dies_available[g],
                        more_after[g][t],
                        hbm_alloc[g],
                        packaging_alloc[g],
                    );
                    hbm_pool -= c * u64::from(gens[g].hbm_stacks_per_chip());
                    chips[g] = c;
                    bindings[g] = b;
                }
            }
        }

        for g in 0..n {
            dies_carry[g] = dies_available[g] - chips[g];
            let total = chip_carry[g]
                .checked_add(chips[g])
                .ok_or_else(|| overflow(format!("generations[{g}].chips"), t))?;
            let per_unit = u64::from(gens[g].chips_per_unit());
            chip_carry[g] = total % per_unit;
            let p = &mut out[g];
            p.chips.push(chips[g]);
            p.units.push(total / per_unit);
            p.binding.push(bindings[g]);
            p.dies_carried.push(dies_carry[g]);
            p.chips_carried.push(chip_carry[g]);
        }
        overall_binding.push(overall(&bindings, &chips));
        hbm_used.push(hbm_at_start - hbm_pool);
        hbm_carried.push(hbm_pool);
        // Sum of chips never exceeds the period's packaging capacity, so this cannot overflow.
        packaging_used.push(chips.iter().sum());
    }

    let result = SupplyPlan {
        horizon_periods: h,
        generations: out,
        overall_binding,
        initial_hbm_stacks: shared.initial_hbm_stacks(),
        hbm_arrived: shared.hbm_stacks_per_period().to_vec(),
        hbm_used,
        hbm_carried,
        packaging_used,
    };
    debug_assert!(result.is_conserved(), "supply plan violates conservation");
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::YieldRamp;

    #[test]
    fn join_names_forms() {
        assert_eq!(join_names(&["a"]), "a");
        assert_eq!(join_names(&["a", "b"]), "a and b");
        assert_eq!(join_names(&["a", "b", "c"]), "a, b and c");
    }

    #[test]
    fn overall_prefers_most_chips_then_count_then_order() {
        use Binding::*;
        assert_eq!(overall(&[Wafers, Hbm], &[5, 6]), Hbm);
        assert_eq!(overall(&[Wafers, Hbm, Hbm], &[6, 3, 3]), Hbm);
        assert_eq!(overall(&[Hbm, Wafers], &[4, 4]), Wafers);
        assert_eq!(overall(&[NotShipping, None], &[0, 0]), NotShipping);
        assert_eq!(overall(&[None], &[0]), None);
        assert_eq!(overall(&[NotShipping, Packaging], &[0, 0]), Packaging);
    }

    #[test]
    fn produce_tie_order() {
        let r = YieldRamp::flat(10_000).unwrap();
        let g = GenerationInputs::new("g", vec![0], 1, r, 2, 1).unwrap();
        assert_eq!(produce(&g, 0, 5, false, 10, 5), (5, Binding::Wafers));
        assert_eq!(produce(&g, 0, 6, false, 10, 5), (5, Binding::Hbm));
        assert_eq!(produce(&g, 0, 6, false, 11, 5), (5, Binding::Hbm));
        assert_eq!(produce(&g, 0, 6, false, 12, 5), (5, Binding::Packaging));
        assert_eq!(produce(&g, 0, 0, true, 12, 5), (0, Binding::Wafers));
        assert_eq!(produce(&g, 0, 0, false, 12, 5), (0, Binding::None));
        let late = g.clone().with_first_ship_period(1);
        assert_eq!(
            produce(&late, 0, 9, false, 12, 5),
            (0, Binding::NotShipping)
        );
    }

    #[test]
    fn zero_stacks_per_chip_never_binds_hbm() {
        let r = YieldRamp::flat(10_000).unwrap();
        let g = GenerationInputs::new("g", vec![0], 1, r, 0, 1).unwrap();
        assert_eq!(produce(&g, 0, 6, false, 0, 9), (6, Binding::Wafers));
    }
}
