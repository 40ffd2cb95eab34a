//! Property tests: conservation, cumulative bounds, determinism, monotonicity.

use proptest::prelude::*;

use super::*;

fn arb_gen(h: usize, idx: usize) -> impl Strategy<Value = Gen> {
    (
        prop::collection::vec(0u64..=5, h),
        1u32..=20,
        (0u32..=10_000, 0u32..=10_000, 0u32..=4, 0u32..=4),
        0u32..=3,
        0u32..=4,
        1u32..=8,
        0u64..=50,
        0u32..=4,
    )
        .prop_map(
            move |(wafers, gross, ramp, lead, stacks, chips_per_unit, initial_dies, first_ship)| {
                Gen {
                    name: ["g0", "g1", "g2", "g3"][idx],
                    wafers,
                    gross,
                    ramp,
                    lead,
                    stacks,
                    chips_per_unit,
                    initial_dies,
                    first_ship,
                }
            },
        )
}

fn arb_policy(n: usize) -> impl Strategy<Value = SplitPolicy> {
    let priority = Just((0..n).collect::<Vec<usize>>())
        .prop_shuffle()
        .prop_map(SplitPolicy::Priority);
    // n-1 cut points in 0..=10000 give n shares summing to 10000.
    let mix = prop::collection::vec(0u32..=10_000, n - 1).prop_map(|mut cuts| {
        cuts.sort_unstable();
        let mut shares = Vec::with_capacity(cuts.len() + 1);
        let mut prev = 0;
        for c in cuts {
            shares.push(c - prev);
            prev = c;
        }
        shares.push(10_000 - prev);
        SplitPolicy::FixedMix(shares)
    });
    prop_oneof![priority, mix]
}

fn arb_input() -> impl Strategy<Value = Input> {
    (1usize..=4, 0usize..=7)
        .prop_flat_map(|(n, h)| {
            let gens: Vec<_> = (0..n).map(|i| arb_gen(h, i)).collect();
            (
                gens,
                prop::collection::vec(0u64..=60, h),
                prop::collection::vec(0u64..=40, h),
                0u64..=50,
                arb_policy(n),
            )
        })
        .prop_map(|(gens, hbm, packaging, initial_hbm, policy)| Input {
            gens,
            hbm,
            packaging,
            initial_hbm,
            policy,
        })
}

/// Good dies per wafer-start period, computed independently of the crate.
fn good_dies(g: &Gen, t: usize) -> u64 {
    let (a, b, rp, rs) = g.ramp;
    let (rp, rs) = (rp as usize, rs as usize);
    let y = if t < rs {
        a as i64
    } else if t - rs >= rp {
        b as i64
    } else {
        a as i64 + ((b as i64 - a as i64) * (t - rs) as i64).div_euclid(rp as i64)
    };
    g.wafers[t] * u64::from(g.gross) * y as u64 / 10_000
}

fn cum(v: &[u64]) -> Vec<u64> {
    v.iter()
        .scan(0u64, |s, &x| {
            *s += x;
            Some(*s)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn dies_and_hbm_are_conserved(input in arb_input()) {
        let p = input.run().unwrap();
        prop_assert!(p.is_conserved());
        let h = input.hbm.len();
        let mut hbm_used = 0u64;
        for (g, gp) in input.gens.iter().zip(p.generations()) {
            // every good die started either arrived within the horizon or is in the pipeline
            let started: u64 = (0..h).map(|t| good_dies(g, t)).sum();
            prop_assert_eq!(started, gp.total_dies_arrived() + gp.dies_in_pipeline_at_end());
            // initial + arrived = consumed + carried, period by period
            let mut carry = g.initial_dies;
            for t in 0..h {
                carry = carry + gp.dies_arrived()[t] - gp.chips()[t];
                prop_assert_eq!(carry, gp.dies_carried()[t]);
            }
            prop_assert_eq!(
                g.initial_dies + gp.total_dies_arrived(),
                gp.total_chips() + gp.dies_carried_at_end()
            );
            hbm_used += gp.total_chips() * u64::from(g.stacks);
        }
        let hbm_in: u64 = input.initial_hbm + input.hbm.iter().sum::<u64>();
        prop_assert_eq!(hbm_in, hbm_used + p.hbm_carried_at_end());
    }

    #[test]
    fn output_within_cumulative_input_bounds(input in arb_input()) {
        let p = input.run().unwrap();
        let h = input.hbm.len();
        let cum_hbm: Vec<u64> = cum(&input.hbm).iter().map(|x| x + input.initial_hbm).collect();
        let cum_pack = cum(&input.packaging);
        for t in 0..h {
            let chips_now: u64 = p.generations().iter().map(|g| g.chips()[t]).sum();
            prop_assert!(chips_now <= input.packaging[t]);
            let mut hbm_so_far = 0u64;
            for (g, gp) in input.gens.iter().zip(p.generations()) {
                let cum_chips = cum(gp.chips())[t];
                let cum_units = cum(gp.units())[t];
                let cpu = u64::from(g.chips_per_unit);
                let dies = g.initial_dies + cum(gp.dies_arrived())[t];
                let mut bound = dies.min(cum_pack[t]);
                if g.stacks > 0 {
                    bound = bound.min(cum_hbm[t] / u64::from(g.stacks));
                }
                prop_assert!(cum_units * cpu <= bound);
                prop_assert!(cum_chips <= bound);
                // units are exactly the whole units in the chips made so far
                prop_assert_eq!(cum_units, cum_chips / cpu);
                if (t as u32) < g.first_ship {
                    prop_assert_eq!(gp.chips()[t], 0);
                    prop_assert_eq!(gp.binding()[t], Binding::NotShipping);
                }
                hbm_so_far += cum_chips * u64::from(g.stacks);
            }
            prop_assert!(hbm_so_far <= cum_hbm[t]);
        }
    }

    #[test]
    fn deterministic(input in arb_input()) {
        prop_assert_eq!(input.run().unwrap(), input.run().unwrap());
    }

    #[test]
    fn more_wafers_never_fewer_units_for_first_priority(
        input in arb_input(),
        extra in 1u64..=5,
        at in 0usize..7,
    ) {
        prop_assume!(!input.hbm.is_empty());
        let n = input.gens.len();
        let input = input.policy(SplitPolicy::Priority((0..n).rev().collect()));
        let first = n - 1;
        let mut more = input.clone();
        let t = at % input.hbm.len();
        more.gens[first].wafers[t] += extra;
        let base = input.run().unwrap();
        let bigger = more.run().unwrap();
        let a = cum(base.generations()[first].units());
        let b = cum(bigger.generations()[first].units());
        for (x, y) in a.iter().zip(&b) {
            prop_assert!(y >= x, "cumulative units fell: {:?} -> {:?}", a, b);
        }
    }

    #[test]
    fn single_generation_fixed_mix_equals_priority(input in arb_input()) {
        let mut one = input.clone();
        one.gens.truncate(1);
        let pri = one.clone().policy(SplitPolicy::Priority(vec![0])).run().unwrap();
        let mix = one.policy(SplitPolicy::FixedMix(vec![10_000])).run().unwrap();
        prop_assert_eq!(pri, mix);
    }

    #[test]
    fn explain_names_every_generation(input in arb_input()) {
        let p = input.run().unwrap();
        for t in 0..p.horizon_periods() {
            let s = p.explain(t).unwrap();
            let prefix = format!("period {t}: ");
            prop_assert!(s.starts_with(&prefix));
            for g in &input.gens {
                prop_assert!(s.contains(g.name), "{} missing in {}", g.name, s);
            }
        }
    }
}
