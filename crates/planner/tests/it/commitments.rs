//! Deliveries recorded against contract commitments: the book's checks, and a plan that owes only
//! what is left.

use crate::common::{one_generation_spec, verify_plan};
use book::*;
use planner::network::LineKind;

/// One generation `g` over 2027-01..=2027-03 with 10, 10, 0 units; contract `k` of customer `c`
/// (penalty 100 a unit): commitment 1 delivers 8 units in 2027-01 only, commitment 2 delivers 6
/// in 2027-02..=2027-03, commitment 3 is 5 units of cloud capacity; order `o` wants 20 units in
/// 2027-01..=2027-03 at $10.
fn book() -> Book {
    let delivery = |units, earliest, due| CommitmentSpec {
        generation: "g".into(),
        units,
        kind: CommitmentKind::Delivery {
            earliest: Period(earliest),
            due: Period(due),
            price_usd_per_unit: 1000,
        },
    };
    let spec = BookSpec {
        contracts: vec![ContractSpec {
            key: "k".into(),
            customer: "c".into(),
            shortfall_penalty_usd_per_unit: 100,
            commitments: vec![
                delivery(8, 0, 0),
                delivery(6, 1, 2),
                CommitmentSpec {
                    generation: "g".into(),
                    units: 5,
                    kind: CommitmentKind::Capacity {
                        start: Period(0),
                        end: Period(3),
                        price_usd_per_unit_period: 1,
                    },
                },
            ],
            note: String::new(),
        }],
        orders: vec![OrderSpec {
            key: "o".into(),
            customer: "c".into(),
            sku: "s".into(),
            quantity: 20,
            earliest: Period(0),
            latest: Period(2),
            price_usd_per_unit: 10,
            lateness_penalty_usd_per_unit_period: 0,
            substitutes: vec![],
        }],
        ..one_generation_spec("commitment deliveries", Period(0), vec![10, 10, 0])
    };
    Book::new(spec).unwrap()
}

fn deliver(commitment: u32, units: u64, period: u32) -> Event {
    Event::CommitmentDelivered {
        contract: "k".into(),
        commitment,
        units,
        period: Period(period),
    }
}

fn commitment_lines(plan: &planner::Plan) -> Vec<(u32, u64)> {
    plan.network
        .lines
        .iter()
        .filter_map(|l| match l.kind {
            LineKind::Commitment(_, k) => Some((k, l.units)),
            _ => None,
        })
        .collect()
}

/// Planned in 2027-02, commitment 1's window has passed: without its recorded delivery it is
/// short in full (8 x $100) and the units shipped for it still look like stock the order can
/// have (the cloud holds 5 for commitment 3). With 8 units recorded against it in 2027-01 and 2 against commitment 2 in 2027-02, the
/// first has no line, the second a line of 4, the supply is 10 less, and nothing is short.
#[test]
fn a_plan_owes_only_what_commitments_still_owe() {
    let now = Period(1);
    let mut b = book();
    let before = planner::plan(&b, now).unwrap();
    verify_plan(&b, now, &before).unwrap();
    assert_eq!(before.objectives.commitment_shortfall_usd, 800);
    assert_eq!(commitment_lines(&before), vec![(0, 8), (1, 6)]);
    // 20 units made: 6 to commitment 2, 5 into the cloud for commitment 3, 9 to the order.
    assert_eq!(before.orders[0].served_units, 9);

    b.apply(deliver(0, 8, 0)).unwrap();
    b.apply(deliver(1, 2, 1)).unwrap();
    let cms = &b.contracts()[0].commitments;
    assert_eq!((cms[0].delivered_units(), cms[0].owed_units()), (8, 0));
    assert_eq!((cms[1].delivered_units(), cms[1].owed_units()), (2, 4));
    assert_eq!(b.buyer_demand_units(now, GenIdx(0)), 20 + 4);

    let after = planner::plan(&b, now).unwrap();
    verify_plan(&b, now, &after).unwrap();
    assert!(after.check_conservation());
    assert_eq!(after.objectives.commitment_shortfall_usd, 0);
    assert_eq!(
        commitment_lines(&after),
        vec![(1, 4)],
        "a delivered commitment has no line"
    );
    let report: Vec<(u64, u64, u64)> = after
        .commitments
        .iter()
        .map(|c| (c.units, c.delivered_units, c.met_units))
        .collect();
    assert_eq!(report, vec![(0, 8, 0), (4, 2, 4), (5, 0, 5)]);
    // 20 units made, 10 shipped against commitments, 4 more owed, 5 for the cloud: the order
    // gets the last one. Recorded deliveries count as sold in their period.
    assert_eq!(after.orders[0].served_units, 1);
    assert_eq!(after.generations[0].sold, vec![8, 2 + 4 + 1, 0]);

    // A warm re-plan from the plan before the deliveries reaches the same optimum.
    let warm = planner::plan_warm(&b, now, &before).unwrap();
    assert_eq!(warm.objectives, after.objectives);
}

/// Each bad delivery is refused with the field at fault, and the book is unchanged.
#[test]
fn bad_commitment_deliveries_are_refused_and_change_nothing() {
    let mut b = book();
    b.apply(deliver(1, 5, 1)).unwrap();
    let cases = [
        (
            Event::CommitmentDelivered {
                contract: "nope".into(),
                commitment: 0,
                units: 1,
                period: Period(0),
            },
            "contract nope",
            "id",
            "no such contract",
        ),
        (
            deliver(3, 1, 0),
            "contract k",
            "commitment",
            "no commitment 4",
        ),
        (
            deliver(u32::MAX, 1, 0),
            "contract k",
            "commitment",
            "no commitment 4294967296",
        ),
        (
            deliver(2, 1, 0),
            "contract k commitment 3",
            "kind",
            "capacity commitment",
        ),
        (
            deliver(0, 0, 0),
            "contract k commitment 1",
            "units",
            "0 must be between 1 and 5",
        ),
        (
            deliver(1, 2, 1),
            "contract k commitment 2",
            "units",
            "between 1 and 1, the units still owed",
        ),
        (
            deliver(0, 1, 3),
            "contract k commitment 1",
            "period",
            "outside the horizon",
        ),
        // 10 units made by 2027-01, all shipped (3 on commitment 1, 7 to order o).
        (
            deliver(0, 1, 0),
            "contract k commitment 1",
            "units",
            "would exceed its supply",
        ),
    ];
    b.apply(deliver(0, 3, 0)).unwrap();
    b.apply(Event::OrderDelivered {
        order: "o".into(),
        units: 7,
        period: Period(0),
    })
    .unwrap();
    for (event, object, field, message) in cases {
        let before = b.clone();
        let e = b.apply(event.clone()).unwrap_err();
        assert_eq!(
            (e.object.as_str(), e.field.as_str()),
            (object, field),
            "{e}"
        );
        assert!(e.message.contains(message), "{event:?}: {e}");
        assert_eq!(b, before, "{event:?} changed the book");
    }
    b.apply(deliver(1, 1, 2)).unwrap();
    let e = b.apply(deliver(1, 1, 2)).unwrap_err();
    assert_eq!(e.field, "units");
    assert!(
        e.message.contains("all 6 units are already delivered"),
        "{e}"
    );
    // Deliveries in the same period add up: one entry per period, in period order.
    b.apply(deliver(0, 2, 1)).unwrap();
    b.apply(deliver(0, 1, 1)).unwrap();
    let d: Vec<(u32, u64)> = b.contracts()[0].commitments[0]
        .delivered
        .iter()
        .map(|d| (d.period.0, d.units))
        .collect();
    assert_eq!(d, vec![(0, 3), (1, 3)]);
    // A supply cut below what commitments have shipped by then is refused too.
    let e = b
        .apply(Event::SupplyAdjusted(SupplyAdjustmentSpec {
            generation: "g".into(),
            period: Period(0),
            delta_units: -8,
            note: String::new(),
        }))
        .unwrap_err();
    assert_eq!(e.field, "delta_units", "{e}");
}

/// A book's specification can carry commitment progress (as an exported scenario does): it is
/// applied through the event's checks, errors naming the `delivered` field.
#[test]
fn specifications_carry_commitment_progress() {
    let with = |delivered: Vec<Delivery>| {
        let mut spec = one_generation_spec("p", Period(0), vec![10, 10, 0]);
        spec.contracts = vec![ContractSpec {
            key: "k".into(),
            customer: "c".into(),
            shortfall_penalty_usd_per_unit: 100,
            commitments: vec![CommitmentSpec {
                generation: "g".into(),
                units: 6,
                kind: CommitmentKind::Delivery {
                    earliest: Period(0),
                    due: Period(2),
                    price_usd_per_unit: 1,
                },
            }],
            note: String::new(),
        }];
        spec.commitment_progress = vec![CommitmentProgress {
            contract: "k".into(),
            commitment: 0,
            delivered,
        }];
        Book::new(spec)
    };
    let d = |units, period| Delivery {
        units,
        period: Period(period),
    };
    let b = with(vec![d(2, 0), d(3, 1)]).unwrap();
    assert_eq!(b.contracts()[0].commitments[0].owed_units(), 1);
    let e = with(vec![d(2, 0), d(5, 1)]).unwrap_err();
    assert_eq!(
        (e.object.as_str(), e.field.as_str()),
        ("contract k commitment 1", "delivered")
    );
    assert!(e.message.contains("between 1 and 4"), "{e}");
}
