//! Export -> load -> plan: a scenario written from a book plans to the same tier objectives as
//! the book itself, after random deliveries (whole and partial) of orders and of contract
//! commitments, confirmations, cancellations and supply adjustments.

use book::{Book, Event, GenIdx, Period, SupplyAdjustmentSpec};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use scenario::{parse_scenario, write_scenario, Format};

/// The three tier objectives of the plan of `book` at `now`.
fn tiers(book: &Book, now: Period) -> [i64; 3] {
    let o = planner::plan(book, now)
        .unwrap_or_else(|e| panic!("plan: {e}"))
        .objectives;
    [
        o.commitment_shortfall_usd,
        o.promise_lateness_unit_periods,
        o.value_usd,
    ]
}

/// A small generated book (confirmed promises included) with random changes applied through
/// `Book::apply`, as the CLI and the API apply them: recorded deliveries of orders and of
/// commitments of random size and period (refused ones change nothing), cancellations, supply
/// adjustments.
fn random_book(seed: u64) -> (Book, String) {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let mut p = bookgen::Params::new(r.gen_range(5..=50), seed);
    p.periods = r.gen_range(3..=12);
    p.generations = r.gen_range(1..=3);
    p.max_window = r.gen_range(1..=5);
    p.confirmed_pct = *[0, 20, 50].get(r.gen_range(0..3)).unwrap();
    p.demand_over_supply_pct = r.gen_range(80..=200);
    let mut book = bookgen::generate(&p).into_book().expect("valid book");
    let tt = book.horizon().periods();
    let mut what = format!("{p:?}");
    let (mut delivered, mut on_commitments) = (0, 0);
    for _ in 0..r.gen_range(4..=30) {
        let n = book.orders().len();
        let k = r.gen_range(0..n);
        let o = &book.orders()[k];
        let event = match r.gen_range(0..13) {
            10..=12 if !book.contracts().is_empty() => {
                // Units shipped against a commitment: all it owes or part, in any period.
                let c = &book.contracts()[r.gen_range(0..book.contracts().len())];
                let k = r.gen_range(0..c.commitments.len().max(1));
                let owed = c.commitments.get(k).map_or(1, |cm| cm.owed_units().max(1));
                Event::CommitmentDelivered {
                    contract: c.key.clone(),
                    commitment: k as u32,
                    units: if r.gen_bool(0.3) {
                        owed
                    } else {
                        r.gen_range(1..=owed)
                    },
                    period: Period(r.gen_range(0..tt)),
                }
            }
            0..=5 => {
                // Whole or partial, in any period of the horizon.
                let units = if r.gen_bool(0.5) {
                    o.units
                } else {
                    r.gen_range(1..=o.units)
                };
                Event::OrderDelivered {
                    order: o.key.clone(),
                    units,
                    period: Period(r.gen_range(0..tt)),
                }
            }
            6 | 10..=12 => Event::OrderCancelled {
                order: o.key.clone(),
                reason: "test".into(),
            },
            _ => {
                let g = GenIdx(r.gen_range(0..book.generations().len()) as u16);
                let t = Period(r.gen_range(0..tt));
                let cur = book.supply_units(g, t) as i64;
                let delta = r.gen_range(-cur..=8);
                Event::SupplyAdjusted(SupplyAdjustmentSpec {
                    generation: book.generation(g).key.clone(),
                    period: t,
                    delta_units: if delta == 0 { 1 } else { delta },
                    note: "test".into(),
                })
            }
        };
        let kind = event.kind();
        if book.apply(event).is_ok() {
            what.push_str(&format!("; {kind}"));
            delivered += (kind == "order_delivered") as usize;
            on_commitments += (kind == "commitment_delivered") as usize;
        }
    }
    what.push_str(&format!(
        "; {delivered} deliveries, {on_commitments} on commitments"
    ));
    (book, what)
}

#[test]
fn exported_books_plan_like_the_original_after_deliveries() {
    let (mut with_deliveries, mut with_commitment_deliveries) = (0, 0);
    for seed in 0..40u64 {
        let (book, what) = random_book(seed);
        if book.orders().iter().any(|o| o.delivered.is_some()) {
            with_deliveries += 1;
        }
        let commitments = |b: &Book| -> Vec<book::Commitment> {
            (b.contracts().iter())
                .flat_map(|c| c.commitments.clone())
                .collect()
        };
        if commitments(&book).iter().any(|cm| !cm.delivered.is_empty()) {
            with_commitment_deliveries += 1;
        }
        let tt = book.horizon().periods();
        let nows = [Period(0), Period(seed as u32 % tt)];
        for format in [Format::Toml, Format::Json] {
            let text = write_scenario(&book, format);
            let spec = parse_scenario(&text, format, "rt")
                .unwrap_or_else(|e| panic!("seed {seed} ({what}): {e}\n{text}"));
            let again = Book::new(spec).expect("a loaded scenario builds a book");
            for now in nows {
                assert_eq!(
                    tiers(&again, now),
                    tiers(&book, now),
                    "seed {seed}, now {}, {format:?} ({what})",
                    now.0
                );
            }
            // What the planner reads of deliveries and confirmations came back unchanged.
            let state = |b: &Book| -> Vec<_> {
                b.orders()
                    .iter()
                    .filter(|o| o.status != book::OrderStatus::Cancelled)
                    .map(|o| {
                        let confirmed = o.confirmed.filter(|_| o.status.is_open());
                        (o.key.clone(), o.status.is_open(), confirmed, o.delivered)
                    })
                    .collect()
            };
            assert_eq!(state(&again), state(&book), "seed {seed} ({what})");
            assert_eq!(
                commitments(&again),
                commitments(&book),
                "seed {seed} ({what})"
            );
            assert_eq!(again.supply_matrix(), book.supply_matrix(), "seed {seed}");
        }
    }
    assert!(
        with_deliveries >= 20,
        "only {with_deliveries} books had deliveries"
    );
    assert!(
        with_commitment_deliveries >= 15,
        "only {with_commitment_deliveries} books had deliveries on commitments"
    );
}
