//! Money at stake: the book refuses what would make a plan total inexact in `i64`, and a book
//! close to the bound plans to exact totals.

use crate::common::one_generation_spec;
use book::*;

fn spec(periods: u32, supply: Vec<u64>, orders: Vec<OrderSpec>) -> BookSpec {
    assert_eq!(supply.len(), periods as usize);
    let mut spec = one_generation_spec("stake", Period(0), supply);
    // No holding cost: the value of a plan is its sale revenue.
    spec.generations[0].holding_usd_per_unit_period = 0;
    spec.orders = orders;
    spec
}

fn order(key: &str, q: u64, price: i64) -> OrderSpec {
    OrderSpec {
        key: key.into(),
        customer: "c".into(),
        sku: "s".into(),
        quantity: q,
        earliest: Period(0),
        latest: Period(0),
        price_usd_per_unit: price,
        lateness_penalty_usd_per_unit_period: 0,
        substitutes: vec![],
    }
}

#[test]
fn changes_that_would_make_totals_inexact_are_refused() {
    let mut book = Book::new(spec(3, vec![1_000_000_000; 3], vec![])).unwrap();
    let before = book.clone();
    // 10^9 units at 10^10 USD: each field within its bound, the order worth 10^19 USD.
    let err = book
        .apply(Event::OrderPlaced(OrderSpec {
            latest: Period(2),
            ..order("big", MAX_UNITS, MAX_USD_PER_UNIT)
        }))
        .unwrap_err();
    assert_eq!(err.field, "quantity", "{err}");
    assert!(err.message.contains("at stake"), "{err}");
    assert_eq!(book, before, "a refused order changes nothing");
    let err = book
        .apply(Event::ReservationPlaced(ReservationSpec {
            key: "r".into(),
            customer: "c".into(),
            generation: "g".into(),
            units: MAX_UNITS,
            start: Period(0),
            end: Period(3),
            price_usd_per_unit_period: MAX_USD_PER_UNIT,
        }))
        .unwrap_err();
    assert_eq!(err.field, "units", "{err}");
    assert_eq!(book, before, "a refused reservation changes nothing");
    // The same order at a tenth of the quantity fits; cancelling it frees its stake again.
    book.apply(Event::OrderPlaced(order(
        "tenth",
        MAX_UNITS / 10,
        MAX_USD_PER_UNIT,
    )))
    .unwrap();
    assert!(book.stake_usd() > before.stake_usd());
    let err = book
        .apply(Event::OrderPlaced(order(
            "more",
            MAX_UNITS / 10,
            MAX_USD_PER_UNIT,
        )))
        .unwrap_err();
    assert_eq!(err.field, "quantity", "{err}");
    book.apply(Event::OrderCancelled {
        order: "tenth".into(),
        reason: "test".into(),
    })
    .unwrap();
    assert_eq!(book.stake_usd(), before.stake_usd());
    book.apply(Event::OrderPlaced(order(
        "more",
        MAX_UNITS / 10,
        MAX_USD_PER_UNIT,
    )))
    .unwrap();
    // A book created whole is held to the same bound.
    let err = Book::new(spec(
        3,
        vec![1; 3],
        vec![order("a", MAX_UNITS, MAX_USD_PER_UNIT)],
    ))
    .unwrap_err();
    assert_eq!(err.field, "quantity", "{err}");
}

#[test]
fn a_book_close_to_the_bound_plans_to_exact_totals() {
    // Two orders of 5 * 10^8 units at about 10^9 USD, supply for one of them: the plan serves
    // the dearer one, worth 5.5 * 10^17 USD, beyond what an f64 holds exactly.
    let half = 500_000_000u64;
    let book = Book::new(spec(
        1,
        vec![half],
        vec![
            order("cheap", half, 1_000_000_001),
            order("dear", half, 1_100_000_003),
        ],
    ))
    .unwrap();
    assert!(book.stake_usd() > MAX_STAKE_USD / 2);
    let plan = planner::plan(&book, Period(0)).expect("plans");
    let expected = half as i128 * 1_100_000_003;
    assert_eq!(plan.objectives.value_usd as i128, expected);
    assert_eq!(plan.objectives.sale_revenue_usd as i128, expected);
    assert_eq!(plan.orders[1].served_units, half);
    assert_eq!(plan.orders[0].served_units, 0);
}
