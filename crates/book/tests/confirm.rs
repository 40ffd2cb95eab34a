//! Confirming a promise: refused while the book holds a change since the last recorded plan that
//! can make its promises infeasible (a supply cut, a contract added); other changes do not
//! block it.

use book::*;

mod common;

fn spec() -> BookSpec {
    common::spec("confirm", &["o-1", "o-2"])
}

/// A plan promising both orders, recorded as the planner records one.
fn record(book: &mut Book) {
    let promises = ["o-1", "o-2"]
        .iter()
        .map(|o| PromiseRecord {
            order: o.to_string(),
            units: 5,
            by: Period(2),
        })
        .collect();
    book.apply(Event::PlanRecorded(PlanRecord {
        now: Period(0),
        objectives: Some([0; 3]),
        promises,
        supply_adjustments_seen: book.supply_adjustments().len() as u32,
        contracts_seen: book.contracts().len() as u32,
    }))
    .unwrap();
}

fn confirm(book: &mut Book, order: &str) -> Result<(), BookError> {
    book.apply(Event::OrderConfirmed {
        order: order.into(),
    })
}

fn adjust(delta_units: i64) -> Event {
    Event::SupplyAdjusted(SupplyAdjustmentSpec {
        generation: "g".into(),
        period: Period(2),
        delta_units,
        note: "fab".into(),
    })
}

#[test]
fn a_supply_cut_since_the_plan_blocks_confirming_until_a_re_plan() {
    let mut book = Book::new(spec()).unwrap();
    record(&mut book);
    book.apply(adjust(-4)).unwrap();
    let before = book.clone();
    let e = confirm(&mut book, "o-1").unwrap_err();
    assert_eq!(e.object, "order o-1");
    assert_eq!(e.field, "promise");
    // The customer reads this message: it says what kind of change, not which (the note is the
    // vendor's).
    assert_eq!(e.message, CONFIRM_AFTER_CHANGE);
    assert!(!e.message.contains("fab"), "{e}");
    assert_eq!(book, before, "a refused confirmation changes nothing");
    assert_eq!(
        book.changed_since_plan().as_deref(),
        Some("supply cut of g in 2027-03 by 4 units: fab")
    );
    // A plan recorded after the cut makes its promises confirmable again.
    record(&mut book);
    assert_eq!(book.changed_since_plan(), None);
    confirm(&mut book, "o-1").unwrap();
    assert_eq!(
        book.order_at(book.order_idx("o-1").unwrap()).status,
        OrderStatus::Confirmed
    );
}

#[test]
fn a_contract_added_since_the_plan_blocks_confirming() {
    let mut book = Book::new(spec()).unwrap();
    record(&mut book);
    book.apply(Event::ContractAdded(ContractSpec {
        key: "k-1".into(),
        customer: "c".into(),
        shortfall_penalty_usd_per_unit: 1000,
        commitments: vec![CommitmentSpec {
            generation: "g".into(),
            units: 30,
            kind: CommitmentKind::Delivery {
                earliest: Period(0),
                due: Period(2),
                price_usd_per_unit: 100,
            },
        }],
        note: String::new(),
    }))
    .unwrap();
    let e = confirm(&mut book, "o-2").unwrap_err();
    // Another customer's contract id stays out of the message; staff read it from the book.
    assert_eq!(e.message, CONFIRM_AFTER_CHANGE);
    assert_eq!(
        book.changed_since_plan().as_deref(),
        Some("contract k-1 added")
    );
    record(&mut book);
    confirm(&mut book, "o-2").unwrap();
}

#[test]
fn changes_that_keep_the_promises_feasible_do_not_block_confirming() {
    let mut book = Book::new(spec()).unwrap();
    record(&mut book);
    // More supply, another order (it ranks below confirmed promises), a cancellation, a
    // delivery, another confirmation from the same plan: all fine.
    book.apply(adjust(3)).unwrap();
    book.apply(Event::OrderPlaced(common::order("o-3")))
        .unwrap();
    book.apply(Event::OrderCancelled {
        order: "o-3".into(),
        reason: String::new(),
    })
    .unwrap();
    confirm(&mut book, "o-1").unwrap();
    book.apply(Event::OrderDelivered {
        order: "o-1".into(),
        units: 5,
        period: Period(1),
    })
    .unwrap();
    confirm(&mut book, "o-2").unwrap();
    // Supply cut before the plan was recorded does not count either.
    let mut book = Book::new(spec()).unwrap();
    book.apply(adjust(-4)).unwrap();
    record(&mut book);
    confirm(&mut book, "o-1").unwrap();
}
