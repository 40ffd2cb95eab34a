//! Data-driven cases: each binding, policies, carry-over, lead time, yield ramp, first ship.

use super::*;
use Binding::{Hbm, NotShipping, Packaging, Wafers};

const BIG: u64 = 1_000_000;

#[test]
fn wafers_bind_when_dies_are_scarcest() {
    // 1 wafer x 10 dies x 100% = 10 dies per period.
    let input = Input::new(vec![gen("trn2", &[1, 1])], &[BIG, BIG], &[BIG, BIG]);
    check(
        &input,
        Expect {
            chips: Some(vec![vec![10, 10]]),
            binding: Some(vec![vec![Wafers, Wafers]]),
            overall: Some(vec![Wafers, Wafers]),
            dies_carried: Some(vec![vec![0, 0]]),
            explain: vec![(1, "period 1: wafers binds for trn2")],
            ..Default::default()
        },
    );
}

#[test]
fn hbm_binds_and_dies_carry_over() {
    let mut g = gen("trn3", &[1, 1]);
    g.stacks = 2;
    let input = Input::new(vec![g], &[8, 9], &[BIG, BIG]);
    check(
        &input,
        Expect {
            chips: Some(vec![vec![4, 4]]),
            binding: Some(vec![vec![Hbm, Hbm]]),
            dies_carried: Some(vec![vec![6, 12]]),
            // the odd stack left over carries
            hbm_carried: Some(vec![0, 1]),
            explain: vec![(0, "period 0: HBM binds for trn3")],
            ..Default::default()
        },
    );
}

#[test]
fn packaging_binds_and_does_not_carry() {
    let input = Input::new(vec![gen("trn3", &[1, 1, 0])], &[BIG, 0, 0], &[3, 3, 30]);
    check(
        &input,
        Expect {
            chips: Some(vec![vec![3, 3, 14]]),
            binding: Some(vec![vec![Packaging, Packaging, Wafers]]),
            dies_carried: Some(vec![vec![7, 14, 0]]),
            hbm_carried: Some(vec![BIG - 3, BIG - 6, BIG - 20]),
            ..Default::default()
        },
    );
}

#[test]
fn hbm_carries_over_between_periods() {
    let input = Input::new(vec![gen("trn3", &[1, 1, 1])], &[25, 0, 0], &[BIG; 3]).initial_hbm(3);
    check(
        &input,
        Expect {
            chips: Some(vec![vec![10, 10, 8]]),
            binding: Some(vec![vec![Wafers, Wafers, Hbm]]),
            hbm_carried: Some(vec![18, 8, 0]),
            dies_carried: Some(vec![vec![0, 0, 2]]),
            ..Default::default()
        },
    );
}

#[test]
fn ties_report_wafers_before_hbm_before_packaging() {
    // 10 dies, 10 stacks, 10 packaging: all three equal -> wafers.
    let input = Input::new(vec![gen("g", &[1])], &[10], &[10]);
    check(
        &input,
        Expect {
            binding: Some(vec![vec![Wafers]]),
            ..Default::default()
        },
    );
    // HBM and packaging equal, dies more: HBM.
    let input = Input::new(vec![gen("g", &[2])], &[10], &[10]);
    check(
        &input,
        Expect {
            binding: Some(vec![vec![Hbm]]),
            ..Default::default()
        },
    );
}

#[test]
fn lead_time_delays_dies_and_leaves_pipeline() {
    let mut g = gen("trn4", &[1, 1, 1, 1]);
    g.lead = 2;
    let input = Input::new(vec![g], &[BIG; 4], &[BIG; 4]);
    check(
        &input,
        Expect {
            dies_arrived: Some(vec![vec![0, 0, 10, 10]]),
            chips: Some(vec![vec![0, 0, 10, 10]]),
            // waiting on wafers in the pipeline is "wafers", not idle
            binding: Some(vec![vec![Wafers; 4]]),
            pipeline_at_end: Some(vec![20]),
            ..Default::default()
        },
    );
}

#[test]
fn lead_time_longer_than_horizon_makes_nothing() {
    let mut g = gen("trn5", &[1, 1]);
    g.lead = 5;
    let input = Input::new(vec![g], &[BIG; 2], &[BIG; 2]);
    check(
        &input,
        Expect {
            chips: Some(vec![vec![0, 0]]),
            binding: Some(vec![vec![Wafers, Wafers]]),
            pipeline_at_end: Some(vec![20]),
            ..Default::default()
        },
    );
}

#[test]
fn yield_ramp_applies_at_wafer_start() {
    let mut g = gen("trn4", &[1, 1, 1, 1, 1]);
    g.gross = 100;
    g.ramp = (0, 10_000, 2, 1); // 0, 0, 50%, 100%, 100%
    g.lead = 1;
    let input = Input::new(vec![g], &[BIG; 5], &[BIG; 5]);
    check(
        &input,
        Expect {
            dies_arrived: Some(vec![vec![0, 0, 0, 50, 100]]),
            pipeline_at_end: Some(vec![100]),
            ..Default::default()
        },
    );
}

#[test]
fn yield_floors_fractional_dies() {
    let mut g = gen("g", &[3]);
    g.gross = 7;
    g.ramp = (3333, 3333, 0, 0); // 3 * 7 * 0.3333 = 6.9993 -> 6
    let input = Input::new(vec![g], &[BIG], &[BIG]);
    check(
        &input,
        Expect {
            dies_arrived: Some(vec![vec![6]]),
            ..Default::default()
        },
    );
}

#[test]
fn first_ship_period_holds_dies_then_goes_idle() {
    let mut g = gen("trn4", &[1, 0, 0, 0]);
    g.first_ship = 2;
    let input = Input::new(vec![g], &[BIG; 4], &[BIG; 4]);
    check(
        &input,
        Expect {
            chips: Some(vec![vec![0, 0, 10, 0]]),
            binding: Some(vec![vec![NotShipping, NotShipping, Wafers, Binding::None]]),
            overall: Some(vec![NotShipping, NotShipping, Wafers, Binding::None]),
            dies_carried: Some(vec![vec![10, 10, 0, 0]]),
            explain: vec![
                (0, "period 0: trn4 not shipping yet"),
                (3, "period 3: trn4 idle"),
            ],
            ..Default::default()
        },
    );
}

#[test]
fn not_shipping_generation_takes_no_hbm_under_priority() {
    let mut late = gen("trn5", &[1, 1]);
    late.first_ship = 5;
    let input = Input::new(vec![late, gen("trn4", &[1, 1])], &[10, 0], &[BIG; 2]);
    check(
        &input,
        Expect {
            chips: Some(vec![vec![0, 0], vec![10, 0]]),
            binding: Some(vec![vec![NotShipping; 2], vec![Wafers, Hbm]]),
            dies_carried: Some(vec![vec![10, 20], vec![0, 10]]),
            ..Default::default()
        },
    );
}

#[test]
fn initial_dies_and_units_with_leftover_chips() {
    let mut g = gen("trn3", &[1, 1, 0]);
    g.chips_per_unit = 4;
    g.initial_dies = 2;
    // chips 12, 10, 0 -> units 3 (rem 0), 2 (rem 2), 0 (rem 2)
    let input = Input::new(vec![g], &[BIG; 3], &[BIG; 3]);
    let p = check(
        &input,
        Expect {
            chips: Some(vec![vec![12, 10, 0]]),
            units: Some(vec![vec![3, 2, 0]]),
            ..Default::default()
        },
    );
    assert_eq!(p.generations()[0].chips_carried(), &[0, 2, 2]);
}

#[test]
fn leftover_chips_complete_units_later() {
    let mut g = gen("trn3", &[1, 1]);
    g.chips_per_unit = 4;
    // chips 10, 10 -> 2 units rem 2; 12 -> 3 units rem 0
    let input = Input::new(vec![g], &[BIG; 2], &[BIG; 2]);
    check(
        &input,
        Expect {
            units: Some(vec![vec![2, 3]]),
            ..Default::default()
        },
    );
}

fn two_hungry_gens() -> Input {
    // both have 10 dies per period; 10 stacks per period shared.
    Input::new(
        vec![gen("trn3", &[1, 1]), gen("trn4", &[1, 1])],
        &[10, 10],
        &[BIG, BIG],
    )
}

#[test]
fn priority_gives_everything_to_first_in_order() {
    let input = two_hungry_gens().policy(SplitPolicy::Priority(vec![1, 0]));
    check(
        &input,
        Expect {
            chips: Some(vec![vec![0, 0], vec![10, 10]]),
            binding: Some(vec![vec![Hbm, Hbm], vec![Wafers, Wafers]]),
            overall: Some(vec![Wafers, Wafers]),
            dies_carried: Some(vec![vec![10, 20], vec![0, 0]]),
            explain: vec![(0, "period 0: wafers binds for trn4; HBM for trn3")],
            ..Default::default()
        },
    );
    let input = two_hungry_gens().policy(SplitPolicy::Priority(vec![0, 1]));
    check(
        &input,
        Expect {
            chips: Some(vec![vec![10, 10], vec![0, 0]]),
            ..Default::default()
        },
    );
}

#[test]
fn fixed_mix_splits_evenly() {
    let input = two_hungry_gens().policy(SplitPolicy::FixedMix(vec![5000, 5000]));
    check(
        &input,
        Expect {
            chips: Some(vec![vec![5, 5], vec![5, 5]]),
            binding: Some(vec![vec![Hbm, Hbm], vec![Hbm, Hbm]]),
            overall: Some(vec![Hbm, Hbm]),
            dies_carried: Some(vec![vec![5, 10], vec![5, 10]]),
            hbm_carried: Some(vec![0, 0]),
            explain: vec![(1, "period 1: HBM binds for trn3 and trn4")],
            ..Default::default()
        },
    );
}

#[test]
fn fixed_mix_unused_hbm_stays_in_pool_but_packaging_is_lost() {
    // trn2 has only 2 dies; its unused HBM share carries, its unused packaging share is lost.
    let mut small = gen("trn2", &[0, 0]);
    small.initial_dies = 2;
    let input = Input::new(vec![small, gen("trn3", &[2, 0])], &[10, 0], &[BIG, 10])
        .policy(SplitPolicy::FixedMix(vec![5000, 5000]));
    check(
        &input,
        Expect {
            // t0: trn2 uses 2 (wafers); trn3 gets 5 stacks -> 5 chips (HBM), 3 stacks carried.
            // t1: pool 3 -> trn2 idle, trn3 share floor(3/2)=1 (the rounding remainder goes to
            //     trn2, the lowest index with a share) -> 1 chip.
            chips: Some(vec![vec![2, 0], vec![5, 1]]),
            binding: Some(vec![vec![Wafers, Binding::None], vec![Hbm, Hbm]]),
            hbm_carried: Some(vec![3, 2]),
            ..Default::default()
        },
    );
    // Same with packaging: trn3's share of 10 packaging is 5 even though trn2 leaves 3 unused.
    let mut small = gen("trn2", &[0]);
    small.initial_dies = 2;
    let input = Input::new(vec![small, gen("trn3", &[2])], &[BIG], &[10])
        .policy(SplitPolicy::FixedMix(vec![5000, 5000]));
    check(
        &input,
        Expect {
            chips: Some(vec![vec![2], vec![5]]),
            binding: Some(vec![vec![Wafers], vec![Packaging]]),
            overall: Some(vec![Packaging]),
            ..Default::default()
        },
    );
}

#[test]
fn fixed_mix_remainder_goes_to_lowest_nonzero_share() {
    let input = Input::new(
        vec![gen("old", &[1]), gen("a", &[1]), gen("b", &[1])],
        &[BIG],
        &[7],
    )
    .policy(SplitPolicy::FixedMix(vec![0, 5000, 5000]));
    check(
        &input,
        Expect {
            chips: Some(vec![vec![0], vec![4], vec![3]]),
            // a zero share is zero HBM and zero packaging; the tie reports HBM
            binding: Some(vec![vec![Hbm], vec![Packaging], vec![Packaging]]),
            ..Default::default()
        },
    );
}

#[test]
fn priority_and_fixed_mix_differ_in_total_when_one_gen_is_short() {
    // trn2 only has 2 dies: priority lets trn3 use what trn2 leaves, fixed mix wastes packaging.
    let mut small = gen("trn2", &[0]);
    small.initial_dies = 2;
    let base = Input::new(vec![small, gen("trn3", &[2])], &[BIG], &[10]);
    let pri = base.clone().run().unwrap();
    let mix = base
        .policy(SplitPolicy::FixedMix(vec![5000, 5000]))
        .run()
        .unwrap();
    assert_eq!(pri.generations()[1].chips(), &[8]);
    assert_eq!(mix.generations()[1].chips(), &[5]);
}

#[test]
fn overall_binding_follows_most_chips_and_explain_lists_all() {
    // trn2 is wafer bound (11 dies); trn3 and trn4 are HBM bound.
    let mut trn2 = gen("trn2", &[1, 1]);
    trn2.gross = 11;
    let input = Input::new(
        vec![trn2, gen("trn3", &[5, 5]), gen("trn4", &[5, 5])],
        &[22, 22],
        &[BIG, BIG],
    )
    .policy(SplitPolicy::FixedMix(vec![4546, 2727, 2727]));
    // t0: HBM 22 splits 10 (+2 remainder) / 5 / 5 -> chips 11 / 5 / 5: wafers bind 11 chips,
    //     HBM binds 10, so wafers is overall; 1 stack carries.
    // t1: HBM 23 splits 10 (+1) / 6 / 6 -> chips 11 / 6 / 6: HBM binds 12 chips, overall.
    let p = check(
        &input,
        Expect {
            binding: Some(vec![vec![Wafers; 2], vec![Hbm; 2], vec![Hbm; 2]]),
            overall: Some(vec![Wafers, Hbm]),
            explain: vec![(0, "period 0: wafers binds for trn2; HBM for trn3 and trn4")],
            ..Default::default()
        },
    );
    assert_eq!(p.generations()[0].chips(), &[11, 11]);
    assert_eq!(p.hbm_carried(), &[1, 0]);
    assert_eq!(p.generations()[1].chips(), &[5, 6]);
    assert_eq!(p.generations()[2].chips(), &[5, 6]);
    assert_eq!(
        p.explain(1).as_deref(),
        Some("period 1: HBM binds for trn3 and trn4; wafers for trn2")
    );
    assert_eq!(p.explain(2), None);
}

#[test]
fn four_generation_lifecycle() {
    // winding down (bank only), shipping, ramping, not yet shipping.
    let mut old = gen("trn1", &[0, 0, 0, 0]);
    old.initial_dies = 5;
    let cur = gen("trn2", &[2, 2, 2, 2]);
    let mut ramp = gen("trn3", &[4, 4, 4, 4]);
    ramp.ramp = (2500, 7500, 2, 0);
    ramp.lead = 1;
    let mut next = gen("trn4", &[1, 1, 1, 1]);
    next.first_ship = 3;
    next.stacks = 2;
    let input = Input::new(vec![old, cur, ramp, next], &[30; 4], &[40; 4])
        .policy(SplitPolicy::Priority(vec![3, 2, 1, 0]));
    let p = check(&input, Expect::default());
    assert_eq!(p.generations()[0].binding()[3], Binding::None);
    assert_eq!(p.generations()[3].binding()[0], NotShipping);
    assert_eq!(p.generations()[2].dies_arrived(), &[0, 10, 20, 30]);
    for t in 0..4 {
        assert!(p.explain(t).unwrap().starts_with(&format!("period {t}: ")));
    }
}

#[test]
fn deterministic() {
    let input = two_hungry_gens().policy(SplitPolicy::FixedMix(vec![3000, 7000]));
    assert_eq!(input.run().unwrap(), input.run().unwrap());
}

#[test]
fn empty_horizon_is_an_empty_plan() {
    let mut g = gen("g", &[]);
    g.initial_dies = 4;
    let p = Input::new(vec![g], &[], &[]).initial_hbm(9).run().unwrap();
    assert_eq!(p.horizon_periods(), 0);
    assert_eq!(p.generations()[0].dies_carried_at_end(), 4);
    assert_eq!(p.hbm_carried_at_end(), 9);
    assert_eq!(p.explain(0), None);
    assert!(p.is_conserved());
}

fn err(input: &Input) -> SupplyError {
    input.run().expect_err("should be rejected")
}

fn length_field(e: SupplyError) -> String {
    match e {
        SupplyError::LengthMismatch { field, .. } => field,
        other => panic!("expected LengthMismatch, got {other:?}"),
    }
}

#[test]
fn rejects_bad_inputs_naming_the_field() {
    let ok = two_hungry_gens();

    let mut i = ok.clone();
    i.gens[1].wafers.push(1);
    assert_eq!(
        length_field(err(&i)),
        "generations[1].wafer_starts_per_period"
    );

    let gens: Vec<GenerationInputs> = ok.gens.iter().map(|g| g.build().unwrap()).collect();
    let shared = SharedInputs::new(vec![1, 1, 1], vec![1, 1, 1], 0).unwrap();
    let e = plan(&gens, &shared, &ok.policy, 2).unwrap_err();
    assert_eq!(length_field(e), "shared.hbm_stacks_per_period");

    let i = ok.clone().policy(SplitPolicy::FixedMix(vec![5000, 4000]));
    assert_eq!(err(&i), SupplyError::SharesDoNotSum { sum: 9000 });
    assert!(err(&i).to_string().contains("policy.FixedMix"));

    let i = ok.clone().policy(SplitPolicy::FixedMix(vec![10_000]));
    assert_eq!(length_field(err(&i)), "policy.FixedMix");

    let i = ok.clone().policy(SplitPolicy::Priority(vec![1, 1]));
    assert!(matches!(
        err(&i),
        SupplyError::PriorityNotPermutation { generations: 2, .. }
    ));

    let mut i = ok.clone();
    i.gens[0].ramp = (0, 10_001, 1, 0);
    assert_eq!(
        err(&i),
        SupplyError::BasisPointsOutOfRange {
            field: "yield_ramp.end_bp".into(),
            value: 10_001
        }
    );

    let mut i = ok.clone();
    i.gens[0].chips_per_unit = 0;
    assert_eq!(
        err(&i),
        SupplyError::Zero {
            field: "trn3.chips_per_unit".into()
        }
    );
    assert_eq!(err(&i).to_string(), "trn3.chips_per_unit must be positive");

    let mut i = ok.clone();
    i.gens[1].name = "trn3";
    assert!(matches!(
        err(&i),
        SupplyError::DuplicateName { generation: 1, .. }
    ));

    let shared = SharedInputs::new(vec![], vec![], 0).unwrap();
    assert_eq!(
        plan(&[], &shared, &SplitPolicy::Priority(vec![]), 0).unwrap_err(),
        SupplyError::NoGenerations
    );
}

#[test]
fn overflow_is_an_error_not_a_panic() {
    let mut g = gen("g", &[u64::MAX]);
    g.gross = 2;
    let e = Input::new(vec![g], &[0], &[0]).run().unwrap_err();
    assert!(matches!(e, SupplyError::Overflow { period: 0, .. }));

    let e = Input::new(vec![gen("g", &[0, 0])], &[u64::MAX, 1], &[0, 0])
        .initial_hbm(0)
        .run()
        .unwrap_err();
    assert!(matches!(e, SupplyError::Overflow { period: 1, .. }));
}
