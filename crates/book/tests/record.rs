//! Recording a plan: every open order's promise is replaced by the record's, in the record's
//! order, however the record lists them (a plan lists them in the orders' order; an imported
//! record may not, and may name an order twice); a record that names an unknown order or a
//! period outside the horizon changes nothing.

use book::*;

mod common;

fn spec() -> BookSpec {
    common::spec("record", &["o-1", "o-2", "o-3", "o-4", "o-5", "o-6"])
}

fn record(book: &Book, promises: &[(&str, u64, u32)]) -> Event {
    Event::PlanRecorded(PlanRecord {
        now: Period(0),
        objectives: None,
        promises: promises
            .iter()
            .map(|&(o, units, by)| PromiseRecord {
                order: o.into(),
                units,
                by: Period(by),
            })
            .collect(),
        supply_adjustments_seen: book.supply_adjustments().len() as u32,
        contracts_seen: book.contracts().len() as u32,
    })
}

fn state(book: &Book, key: &str) -> (OrderStatus, Option<(u64, u32)>) {
    let o = book.order_at(book.order_idx(key).expect("order"));
    (o.status, o.promise.map(|p| (p.units, p.by.0)))
}

/// A book whose orders are: o-1 placed, o-2 and o-5 promised, o-3 confirmed, o-4 cancelled,
/// o-6 delivered.
fn book() -> Book {
    let mut b = Book::new(spec()).expect("valid book");
    let first = record(
        &b,
        &[("o-2", 5, 2), ("o-3", 4, 2), ("o-5", 5, 3), ("o-6", 5, 1)],
    );
    b.apply(first).unwrap();
    for e in [
        Event::OrderConfirmed {
            order: "o-3".into(),
        },
        Event::OrderConfirmed {
            order: "o-6".into(),
        },
        Event::OrderDelivered {
            order: "o-6".into(),
            units: 5,
            period: Period(1),
        },
        Event::OrderCancelled {
            order: "o-4".into(),
            reason: "test".into(),
        },
    ] {
        b.apply(e).unwrap();
    }
    b
}

#[test]
fn a_record_replaces_the_open_orders_promises_however_it_lists_them() {
    let base = book();
    assert_eq!(state(&base, "o-1"), (OrderStatus::Placed, None));
    assert_eq!(state(&base, "o-2"), (OrderStatus::Promised, Some((5, 2))));
    assert_eq!(state(&base, "o-3"), (OrderStatus::Confirmed, Some((4, 2))));
    assert_eq!(state(&base, "o-4").0, OrderStatus::Cancelled);
    assert_eq!(state(&base, "o-5"), (OrderStatus::Promised, Some((5, 3))));
    assert_eq!(state(&base, "o-6").0, OrderStatus::Delivered);

    // In the orders' order (as a plan lists them), then the same promises scrambled, with a
    // second promise for o-5 (a placed order takes the first promise with units, as the record
    // is read in turn) and one for o-3 (a confirmed order keeps the last).
    let in_order: &[(&str, u64, u32)] = &[("o-1", 0, 1), ("o-3", 2, 1), ("o-5", 3, 2)];
    let scrambled: &[(&str, u64, u32)] = &[
        ("o-5", 3, 2),
        ("o-3", 1, 3),
        ("o-1", 0, 1),
        ("o-5", 4, 1),
        ("o-3", 2, 1),
    ];
    for promises in [in_order, scrambled] {
        let mut b = base.clone();
        b.apply(record(&b, promises)).unwrap();
        // No units: o-1 stays placed, with no promise.
        assert_eq!(state(&b, "o-1"), (OrderStatus::Placed, None));
        // Not in the record: o-2 goes back to placed.
        assert_eq!(state(&b, "o-2"), (OrderStatus::Placed, None));
        assert_eq!(state(&b, "o-3"), (OrderStatus::Confirmed, Some((2, 1))));
        assert_eq!(state(&b, "o-5"), (OrderStatus::Promised, Some((3, 2))));
        for key in ["o-4", "o-6"] {
            assert_eq!(state(&b, key), state(&base, key), "{key} is not open");
        }
        assert_eq!(
            b.last_plan().expect("recorded").promises.len(),
            promises.len()
        );
    }

    // Recording the book's own promises again changes no order.
    let mut b = base.clone();
    b.apply(record(&b, &[("o-2", 5, 2), ("o-3", 4, 2), ("o-5", 5, 3)]))
        .unwrap();
    assert_eq!(b.orders(), base.orders());
}

#[test]
fn a_record_naming_an_unknown_order_or_a_period_outside_the_horizon_changes_nothing() {
    let base = book();
    for (promises, object, field) in [
        (vec![("o-1", 5, 1), ("o-9", 1, 1)], "order o-9", "id"),
        (vec![("o-5", 1, 1), ("o-1", 1, 6)], "order o-1", "promise"),
        (vec![("o-2", 6, 1)], "order o-2", "promise"),
    ] {
        let mut b = base.clone();
        let e = b.apply(record(&b, &promises)).unwrap_err();
        assert_eq!(
            (e.object.as_str(), e.field.as_str()),
            (object, field),
            "{e}"
        );
        assert_eq!(b, base, "a refused record changed the book");
    }
}
