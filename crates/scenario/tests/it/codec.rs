//! Event payloads: every variant round-trips; versions are checked.

use book::{Book, Event, Period, PlanRecord, PromiseRecord, SupplyAdjustmentSpec};
use scenario::{decode_event, encode_event, spec_of};

fn demo_events() -> Vec<Event> {
    let spec = scenario::demo_spec();
    let book = Book::new(spec.clone()).unwrap();
    let s = spec_of(&book);
    let with_subs = s
        .orders
        .iter()
        .find(|o| !o.substitutes.is_empty())
        .unwrap()
        .clone();
    vec![
        Event::BookCreated(Box::new(spec)),
        Event::ContractAdded(s.contracts[0].clone()),
        Event::ContractAdded(s.contracts[1].clone()),
        Event::OrderPlaced(with_subs),
        Event::OrderPlaced(s.orders[0].clone()),
        Event::OrderCancelled {
            order: "o-001".into(),
            reason: "customer \"withdrew\"\n".into(),
        },
        Event::OrderCancelled {
            order: "o-002".into(),
            reason: String::new(),
        },
        Event::OrderConfirmed {
            order: "o-003".into(),
        },
        Event::OrderDelivered {
            order: "o-004".into(),
            units: 7,
            period: Period(5),
        },
        Event::CommitmentDelivered {
            contract: s.contracts[0].key.clone(),
            commitment: 1,
            units: 12,
            period: Period(4),
        },
        Event::ReservationPlaced(s.reservations[0].clone()),
        Event::ReservationCancelled {
            reservation: "r-neo-a-1".into(),
        },
        Event::SupplyAdjusted(SupplyAdjustmentSpec {
            generation: "trn3".into(),
            period: Period(9),
            delta_units: -40,
            note: "HBM shortfall".into(),
        }),
        Event::PlanRecorded(PlanRecord {
            now: Period(2),
            objectives: Some([0, -15, 123_456_789_012]),
            promises: vec![PromiseRecord {
                order: "o-003".into(),
                units: 4,
                by: Period(7),
            }],
            supply_adjustments_seen: 1,
            contracts_seen: 2,
        }),
    ]
}

#[test]
fn every_event_round_trips() {
    let events = demo_events();
    let mut kinds: Vec<&str> = events.iter().map(|e| e.kind()).collect();
    kinds.dedup();
    assert_eq!(kinds.len(), 11, "one or more of every variant");
    for e in events {
        let (kind, payload) = encode_event(&e);
        assert_eq!(kind, e.kind());
        assert!(payload.starts_with("{\"v\":1,"), "{payload}");
        assert!(
            !payload.contains('\n') && !payload.contains("\": "),
            "compact: {payload}"
        );
        assert_eq!(
            decode_event(&kind, &payload).unwrap(),
            e,
            "{kind}: {payload}"
        );
    }
}

#[test]
fn periods_are_indices_in_payloads() {
    let (_, p) = encode_event(&Event::OrderDelivered {
        order: "o".into(),
        units: 1,
        period: Period(5),
    });
    assert_eq!(p, r#"{"v":1,"order":"o","units":1,"period":5}"#);
    let (_, p) = encode_event(&Event::BookCreated(Box::new(scenario::demo_spec())));
    assert!(
        p.contains(r#""first_ship":0"#) && !p.contains("\"2027-"),
        "{}",
        &p[..300]
    );
}

#[test]
fn versions_and_bad_payloads_are_refused() {
    let check = |kind: &str, payload: &str, want: &str| {
        let err = decode_event(kind, payload).unwrap_err();
        assert!(err.to_string().contains(want), "{kind} {payload}: {err}");
    };
    check(
        "order_confirmed",
        r#"{"v":2,"order":"o"}"#,
        "version 2 is not supported",
    );
    check("order_confirmed", r#"{"order":"o"}"#, "no version field");
    check(
        "order_confirmed",
        r#"{"v":1,"order":"o","x":1}"#,
        "unknown field",
    );
    check("order_confirmed", r#"[1]"#, "not a JSON object");
    check("order_shipped", r#"{"v":1}"#, "unknown event kind");
    check(
        "order_placed",
        r#"{"v":1,"order":{"id":"o","customer":"c","sku":"s","quantity":1,"earliest":"2027-01","latest":2,"price_usd_per_unit":1}}"#,
        "periods are indices",
    );
    // Where an order stands is for scenario files; an order is placed open.
    check(
        "order_placed",
        r#"{"v":1,"order":{"id":"o","customer":"c","sku":"s","quantity":1,"earliest":0,"latest":2,"price_usd_per_unit":1,"delivered":{"units":1,"period":0}}}"#,
        "belong in scenario files",
    );
    check(
        "contract_added",
        r#"{"v":1,"contract":{"id":"k","customer":"c","shortfall_penalty_usd_per_unit":1,"commitment":[{"kind":"delivery","generation":"g","units":2,"earliest":0,"due":1,"price_usd_per_unit":1,"delivered":[{"units":1,"period":0}]}]}}"#,
        "belongs in scenario files",
    );
    check(
        "commitment_delivered",
        r#"{"v":1,"contract":"k","commitment":-1,"units":1,"period":0}"#,
        "invalid value",
    );
}

#[test]
fn old_plan_payloads_without_newer_fields_still_read() {
    let e = decode_event(
        "plan_recorded",
        r#"{"v":1,"now":0,"objectives":[0,0,0],"promises":[]}"#,
    )
    .unwrap();
    let Event::PlanRecorded(p) = e else { panic!() };
    assert_eq!(p.supply_adjustments_seen, 0);
    assert_eq!(p.contracts_seen, 0);
    assert_eq!(p.objectives, Some([0, 0, 0]));
}

#[test]
fn a_plan_record_without_objectives_omits_them() {
    // Imported promises (`allot gen`): no plan computed objectives, and none are written.
    let e = Event::PlanRecorded(PlanRecord {
        now: Period(0),
        objectives: None,
        promises: vec![PromiseRecord {
            order: "o-003".into(),
            units: 4,
            by: Period(7),
        }],
        supply_adjustments_seen: 0,
        contracts_seen: 0,
    });
    let (kind, payload) = encode_event(&e);
    assert!(!payload.contains("objectives"), "{payload}");
    assert_eq!(decode_event(&kind, &payload).unwrap(), e);
}

/// The rules a scenario file now meets (months up to 9999-12, a confirmed promise inside its
/// order's window) are not applied to stored `book_created` payloads: a book stored before
/// them still opens as it was accepted.
#[test]
fn stored_book_created_is_read_as_it_was_accepted() {
    let mut spec = crate::spec(crate::EXAMPLE, scenario::Format::Toml);
    spec.horizon = book::Horizon::new(book::YearMonth::new(9999, 6).unwrap(), 12);
    spec.order_progress.push(book::OrderProgress {
        order: "o-1".into(),
        confirmed: Some(book::Promise {
            units: 20,
            by: Period(0),
        }),
        delivered: None,
    });
    let event = Event::BookCreated(Box::new(spec));
    let (kind, payload) = encode_event(&event);
    let again = decode_event(&kind, &payload).unwrap();
    assert_eq!(again, event);
    let Event::BookCreated(spec) = again else {
        unreachable!()
    };
    Book::new(*spec).unwrap();
}
