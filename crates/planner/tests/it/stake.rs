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

fn customer(key: &str) -> Customer {
    Customer {
        key: key.into(),
        name: key.into(),
        kind: CustomerKind::Lab,
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
    // 5 * 10^6 units at 10^6 USD (10^13 USD at stake) fit within one customer's share; twice
    // that does not; cancelling the first frees its stake again.
    book.apply(Event::OrderPlaced(order("half", 5_000_000, 1_000_000)))
        .unwrap();
    let c = book.customer_idx("c").unwrap();
    assert!(book.stake_usd() > before.stake_usd());
    assert_eq!(
        book.customer_stake_usd(c),
        book.stake_usd() - before.stake_usd()
    );
    let err = book
        .apply(Event::OrderPlaced(order("more", 5_000_000, 1_000_000)))
        .unwrap_err();
    assert_eq!(err.field, "quantity", "{err}");
    book.apply(Event::OrderCancelled {
        order: "half".into(),
        reason: "test".into(),
    })
    .unwrap();
    assert_eq!(book.stake_usd(), before.stake_usd());
    assert_eq!(book.customer_stake_usd(c), 0);
    book.apply(Event::OrderPlaced(order("more", 5_000_000, 1_000_000)))
        .unwrap();
    // A book created whole is held to the same bound.
    let err = Book::new(spec(
        3,
        vec![1; 3],
        vec![order("a", MAX_UNITS, MAX_USD_PER_UNIT)],
    ))
    .unwrap_err();
    assert_eq!(err.field, "quantity", "{err}");
    // So is the supply.
    let mut huge = spec(3, vec![MAX_UNITS; 3], vec![]);
    huge.generations[0].cloud_value_usd_per_unit_period = MAX_USD_PER_UNIT;
    let err = Book::new(huge).unwrap_err();
    assert_eq!(
        (err.object.as_str(), err.field.as_str()),
        ("supply", "units"),
        "{err}"
    );
}

/// What one customer may book does not depend on what another holds, and a refusal tells it
/// nothing about the others: one customer at its limit leaves another's orders, reservations
/// and the planner's supply changes as they were, and the message gives the customer's own
/// stake only.
#[test]
fn one_customer_at_its_limit_neither_blocks_nor_informs_another() {
    let mut s = spec(3, vec![1_000; 3], vec![]);
    s.customers.push(customer("d"));
    let mut book = Book::new(s).unwrap();
    // Customer c fills its share.
    book.apply(Event::OrderPlaced(order("c-1", 8_000_000, 1_000_000)))
        .unwrap();
    let c = book.customer_idx("c").unwrap();
    let own = book.customer_stake_usd(c);
    assert!(own > MAX_CUSTOMER_STAKE_USD / 2);
    // Customer d places an order as big, and more.
    let d_order = |key: &str, q: u64| OrderSpec {
        customer: "d".into(),
        ..order(key, q, 1_000_000)
    };
    book.apply(Event::OrderPlaced(d_order("d-1", 8_000_000)))
        .unwrap();
    book.apply(Event::ReservationPlaced(ReservationSpec {
        key: "d-r".into(),
        customer: "d".into(),
        generation: "g".into(),
        units: 10,
        start: Period(0),
        end: Period(3),
        price_usd_per_unit_period: 1_000,
    }))
    .unwrap();
    book.apply(Event::SupplyAdjusted(SupplyAdjustmentSpec {
        generation: "g".into(),
        period: Period(1),
        delta_units: 10,
        note: String::new(),
    }))
    .unwrap();
    // Customer c is refused with its own figures, whatever d holds.
    let err = book
        .apply(Event::OrderPlaced(order("c-2", 8_000_000, 1_000_000)))
        .unwrap_err();
    assert_eq!(err.field, "quantity", "{err}");
    let total = book.stake_usd().to_string();
    let d_stake = book
        .customer_stake_usd(book.customer_idx("d").unwrap())
        .to_string();
    assert!(!err.message.contains(&total), "{err}");
    assert!(!err.message.contains(&d_stake), "{err}");
    let expected_own = own + 8_000_000i128 * (2 * 1_000_000 + 3);
    assert!(err.message.contains(&expected_own.to_string()), "{err}");
}

#[test]
fn a_book_close_to_the_bound_plans_to_exact_totals() {
    // 4,096 customers, each with two orders of 2 * 10^5 units at 10^7 and 2 * 10^7 USD, supply
    // for half of them: the plan serves the dearer order of each, worth about 1.6 * 10^16 USD in
    // all, and each tier total is exact although no f64 holds it.
    let q = 200_000u64;
    let customers = 4_096u32;
    let dear = |c: u32| 20_000_003 + c as i64;
    let mut orders = Vec::new();
    for c in 0..customers {
        for (k, price) in [(0, 10_000_001i64), (1, dear(c))] {
            orders.push(OrderSpec {
                customer: format!("c{c}"),
                ..order(&format!("o-{c}-{k}"), q, price)
            });
        }
    }
    let mut s = spec(1, vec![q * customers as u64], orders);
    s.customers = (0..customers).map(|c| customer(&format!("c{c}"))).collect();
    let book = Book::new(s).unwrap();
    let plan = planner::plan(&book, Period(0)).expect("plans");
    let expected: i128 = (0..customers).map(|c| q as i128 * dear(c) as i128).sum();
    assert!(expected > 1i128 << 53, "beyond what an f64 holds exactly");
    assert_eq!(plan.objectives.value_usd as i128, expected);
    assert_eq!(plan.objectives.sale_revenue_usd as i128, expected);
    for c in 0..customers as usize {
        assert_eq!(plan.orders[2 * c].served_units, 0);
        assert_eq!(plan.orders[2 * c + 1].served_units, q);
    }
}
