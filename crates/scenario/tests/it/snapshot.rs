//! Snapshots: a snapshot at event k plus a replay of the events after it gives exactly the book
//! a full replay gives (seeded random books and event tails); damaged, truncated and
//! other-version blobs are errors, and `load_book` then replays the whole log.

use book::{
    Book, BookParts, CommitmentKind, CommitmentSpec, ContractSpec, Delivery, Event, GenIdx, Order,
    OrderIdx, OrderSpec, OrderStatus, Period, PlanRecord, Promise, PromiseRecord, ReservationSpec,
    SubstituteSpec, SupplyAdjustmentSpec,
};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use scenario::{
    decode_snapshot, encode_event, encode_snapshot, load_book, Replay, SnapshotError,
    SNAPSHOT_VERSION,
};
use store::{NewEvent, SqliteStore, Store};

/// Seeds of the property test (`ALLOT_SNAPSHOT_SEEDS` runs more).
fn seeds() -> u64 {
    std::env::var("ALLOT_SNAPSHOT_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24)
}

/// A random event that is plausible for `book` (it may still be refused).
fn random_event(book: &Book, rng: &mut ChaCha8Rng, next_id: &mut u32) -> Event {
    let periods = book.horizon().periods();
    let period = |rng: &mut ChaCha8Rng| Period(rng.gen_range(0..periods));
    let gens = book.generations();
    let pick_order = |rng: &mut ChaCha8Rng, want: Option<OrderStatus>| -> String {
        let n = book.orders().len();
        if n == 0 {
            return "none".into();
        }
        // Prefer an order in the wanted status, so confirmations and deliveries happen.
        for _ in 0..20 {
            let o = book.order_at(OrderIdx(rng.gen_range(0..n) as u32));
            if want.is_none_or(|s| o.status == s) {
                return o.key.clone();
            }
        }
        book.order_at(OrderIdx(rng.gen_range(0..n) as u32))
            .key
            .clone()
    };
    let customer = |rng: &mut ChaCha8Rng| {
        book.customers()[rng.gen_range(0..book.customers().len())]
            .key
            .clone()
    };
    match rng.gen_range(0..100) {
        0..=24 => {
            *next_id += 1;
            let sku = &book.skus()[rng.gen_range(0..book.skus().len())];
            let earliest = rng.gen_range(0..periods);
            let latest = rng.gen_range(earliest..periods.min(earliest + 6));
            let substitutes = if gens.len() > 1 && rng.gen_bool(0.4) {
                let g = &gens[rng.gen_range(0..gens.len())];
                vec![SubstituteSpec {
                    generation: g.key.clone(),
                    value_factor_bp: rng.gen_range(5_000..12_000),
                }]
            } else {
                Vec::new()
            };
            Event::OrderPlaced(OrderSpec {
                // Now and then an id already taken (refused).
                key: if rng.gen_bool(0.05) {
                    pick_order(rng, None)
                } else {
                    format!("t{next_id}")
                },
                customer: customer(rng),
                sku: sku.key.clone(),
                quantity: rng.gen_range(1..6),
                earliest: Period(earliest),
                latest: Period(latest),
                price_usd_per_unit: rng.gen_range(1_000..2_000_000),
                lateness_penalty_usd_per_unit_period: rng.gen_range(0..5_000),
                substitutes,
            })
        }
        25..=39 => Event::OrderConfirmed {
            order: pick_order(rng, Some(OrderStatus::Promised)),
        },
        40..=47 => Event::OrderCancelled {
            order: pick_order(rng, None),
            reason: if rng.gen_bool(0.5) {
                "budget".into()
            } else {
                String::new()
            },
        },
        48..=55 => {
            let order = pick_order(rng, Some(OrderStatus::Confirmed));
            let units = book.order_idx(&order).map_or(1, |i| book.order_at(i).units);
            Event::OrderDelivered {
                order,
                units: rng.gen_range(1..=units),
                period: period(rng),
            }
        }
        56..=63 => {
            *next_id += 1;
            let start = rng.gen_range(0..periods);
            Event::ReservationPlaced(ReservationSpec {
                key: format!("r{next_id}"),
                customer: customer(rng),
                generation: gens[rng.gen_range(0..gens.len())].key.clone(),
                units: rng.gen_range(1..40),
                start: Period(start),
                end: Period(rng.gen_range(start + 1..=periods)),
                price_usd_per_unit_period: rng.gen_range(0..50_000),
            })
        }
        64..=67 => {
            let rs = book.reservations();
            Event::ReservationCancelled {
                reservation: if rs.is_empty() {
                    "none".into()
                } else {
                    rs[rng.gen_range(0..rs.len())].key.clone()
                },
            }
        }
        68..=77 => {
            let delta = rng.gen_range(-60..60);
            Event::SupplyAdjusted(SupplyAdjustmentSpec {
                generation: gens[rng.gen_range(0..gens.len())].key.clone(),
                period: period(rng),
                delta_units: if delta == 0 { 1 } else { delta },
                note: format!("change {next_id}"),
            })
        }
        88..=91 => {
            // Units shipped against a commitment (now and then a capacity one, or more than
            // it still owes: refused).
            let cs = book.contracts();
            if cs.is_empty() {
                return Event::CommitmentDelivered {
                    contract: "none".into(),
                    commitment: 0,
                    units: 1,
                    period: period(rng),
                };
            }
            let c = &cs[rng.gen_range(0..cs.len())];
            let k = rng.gen_range(0..c.commitments.len().max(1));
            let owed = c.commitments.get(k).map_or(1, |cm| cm.owed_units().max(1));
            Event::CommitmentDelivered {
                contract: c.key.clone(),
                commitment: k as u32,
                units: rng.gen_range(1..=owed.min(40) + 1),
                period: period(rng),
            }
        }
        78..=87 => {
            // A plan: promises for a random share of the open orders (some of 0 units).
            let share = rng.gen_range(0..100);
            let mut promises = Vec::new();
            for o in book.orders() {
                if o.status.is_open() && rng.gen_range(0..100) < share {
                    promises.push(PromiseRecord {
                        order: o.key.clone(),
                        units: if rng.gen_bool(0.1) {
                            0
                        } else {
                            rng.gen_range(1..=o.units)
                        },
                        by: period(rng),
                    });
                }
            }
            // Plans list their promises in the orders' order; an imported record may not, and
            // may name an order twice.
            if rng.gen_bool(0.2) {
                promises.shuffle(rng);
            }
            if rng.gen_bool(0.1) && !promises.is_empty() {
                let again = promises[rng.gen_range(0..promises.len())].clone();
                promises.push(again);
            }
            Event::PlanRecorded(PlanRecord {
                now: period(rng),
                objectives: rng.gen_bool(0.8).then(|| {
                    [
                        rng.gen_range(0..1000),
                        rng.gen_range(0..1000),
                        -rng.gen_range(0..1_000_000),
                    ]
                }),
                promises,
                supply_adjustments_seen: book.supply_adjustments().len() as u32,
                contracts_seen: book.contracts().len() as u32,
            })
        }
        _ => {
            *next_id += 1;
            let due = rng.gen_range(0..periods);
            let start = rng.gen_range(0..periods);
            Event::ContractAdded(ContractSpec {
                key: format!("c{next_id}"),
                customer: customer(rng),
                shortfall_penalty_usd_per_unit: rng.gen_range(0..1_000_000),
                commitments: vec![
                    CommitmentSpec {
                        generation: gens[rng.gen_range(0..gens.len())].key.clone(),
                        units: rng.gen_range(1..30),
                        kind: CommitmentKind::Delivery {
                            earliest: Period(rng.gen_range(0..=due)),
                            due: Period(due),
                            price_usd_per_unit: rng.gen_range(0..1_000_000),
                        },
                    },
                    CommitmentSpec {
                        generation: gens[rng.gen_range(0..gens.len())].key.clone(),
                        units: rng.gen_range(1..30),
                        kind: CommitmentKind::Capacity {
                            start: Period(start),
                            end: Period(rng.gen_range(start + 1..=periods)),
                            price_usd_per_unit_period: rng.gen_range(0..100_000),
                        },
                    },
                ],
                note: String::new(),
            })
        }
    }
}

/// A seeded log: the book's creation, then accepted random events, as stored records.
fn random_log(seed: u64) -> Vec<NewEvent> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Every fourth book is the demo (foundry supply, contracts); the others are generated, with
    // the generator's own events (a plan and confirmations) as the first events after creation.
    let (spec, later) = if seed.is_multiple_of(4) {
        (scenario::demo_spec(), Vec::new())
    } else {
        let mut p = bookgen::Params::new(rng.gen_range(5..150), seed);
        p.periods = rng.gen_range(3..30);
        p.generations = rng.gen_range(1..5);
        p.max_window = rng.gen_range(1..8);
        p.substitute_pct = rng.gen_range(0..60);
        p.confirmed_pct = rng.gen_range(0..40);
        let g = bookgen::generate(&p);
        (g.spec, g.events)
    };
    let mut book = Book::new(spec.clone()).expect("the base book is valid");
    let mut log = vec![record(&Event::BookCreated(Box::new(spec)))];
    for e in later {
        book.apply(e.clone()).expect("generated events apply");
        log.push(record(&e));
    }
    let mut next_id = 0;
    let target = rng.gen_range(20..250);
    let mut tries = 0;
    while log.len() < target && tries < 20 * target {
        tries += 1;
        let e = random_event(&book, &mut rng, &mut next_id);
        if book.apply(e.clone()).is_ok() {
            log.push(record(&e));
        }
    }
    log
}

fn record(e: &Event) -> NewEvent {
    let (kind, payload) = encode_event(e);
    NewEvent {
        kind,
        actor: "test".into(),
        at_unix_ms: 0,
        payload,
    }
}

/// Folds `log[from..to]` (seqs from+1..=to) into `replay`.
fn fold(mut replay: Replay, log: &[NewEvent], from: usize, to: usize) -> Replay {
    for (i, e) in log.iter().enumerate().take(to).skip(from) {
        replay
            .apply(i as u64 + 1, &e.kind, &e.payload)
            .unwrap_or_else(|err| panic!("{err}"));
    }
    replay
}

fn full(log: &[NewEvent]) -> Book {
    fold(Replay::new(), log, 0, log.len()).finish().unwrap().0
}

fn store_with(log: &[NewEvent]) -> SqliteStore {
    let mut s = SqliteStore::open_in_memory().unwrap();
    s.append(Some(0), log).unwrap();
    s
}

#[test]
fn snapshot_at_k_then_the_rest_equals_a_full_replay() {
    for seed in 0..seeds() {
        let log = random_log(seed);
        let n = log.len();
        let whole = full(&log);
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
        let mut ks = vec![1, n];
        ks.extend((0..3).map(|_| rng.gen_range(1..=n)));
        for k in ks {
            let at_k = fold(Replay::new(), &log, 0, k).finish().unwrap().0;
            let blob = encode_snapshot(&at_k, k as u64);
            let (restored, seq) =
                decode_snapshot(&blob).unwrap_or_else(|e| panic!("seed {seed}, k {k}: {e}"));
            assert_eq!(seq, k as u64, "seed {seed}");
            assert!(restored == at_k, "seed {seed}: the book at {k} round-trips");
            // The order-id index (derived, built on first use, so not part of `==`) finds every
            // order of the restored book and nothing else.
            for (i, o) in restored.orders().iter().enumerate() {
                assert_eq!(restored.order_idx(&o.key).map(|x| x.0 as usize), Some(i));
            }
            assert_eq!(restored.order_idx("no-such-order"), None);
            let rest = fold(Replay::resume(restored, k as u64), &log, k, n);
            assert_eq!(rest.head(), n as u64);
            let (book, _) = rest.finish().unwrap();
            assert!(
                book == whole,
                "seed {seed}: snapshot at {k} of {n} + replay"
            );
            // The canonical encodings agree too (a second, independent comparison).
            assert_eq!(
                encode_snapshot(&book, n as u64),
                encode_snapshot(&whole, n as u64),
                "seed {seed}, k {k}"
            );
        }
        // Through a store: load_book starts from the snapshot and replays only the tail.
        let k = rng.gen_range(1..=n);
        let at_k = fold(Replay::new(), &log, 0, k).finish().unwrap().0;
        let mut s = store_with(&log);
        s.put_snapshot(k as u64, &encode_snapshot(&at_k, k as u64))
            .unwrap();
        let loaded = load_book(&s).unwrap().unwrap();
        assert_eq!(loaded.warning, None, "seed {seed}");
        assert_eq!(loaded.snapshot, Some(k as u64), "seed {seed}");
        assert_eq!(loaded.tail.events, (n - k) as u64, "seed {seed}");
        assert_eq!(loaded.head, n as u64);
        assert!(
            loaded.book == whole,
            "seed {seed}: load_book from {k} of {n}"
        );
    }
}

/// The random logs exercise every kind of event and order state (else the property is weak).
#[test]
fn the_random_logs_cover_every_event_and_state() {
    let mut kinds = std::collections::BTreeSet::new();
    let mut states = std::collections::BTreeSet::new();
    let mut delivered_with_promise = false;
    let mut commitments_delivered = [false; 2]; // in part, in full
    for seed in 0..seeds() {
        let log = random_log(seed);
        kinds.extend(log.iter().map(|e| e.kind.clone()));
        let b = full(&log);
        for cm in b.contracts().iter().flat_map(|c| &c.commitments) {
            if !cm.delivered.is_empty() {
                commitments_delivered[(cm.owed_units() == 0) as usize] = true;
            }
        }
        for o in b.orders() {
            states.insert(o.status.as_str());
            delivered_with_promise |= o.status == OrderStatus::Delivered && o.confirmed.is_some();
        }
    }
    for k in [
        "book_created",
        "contract_added",
        "order_placed",
        "order_cancelled",
        "order_confirmed",
        "order_delivered",
        "commitment_delivered",
        "reservation_placed",
        "reservation_cancelled",
        "supply_adjusted",
        "plan_recorded",
    ] {
        assert!(kinds.contains(k), "no {k} event in the random logs");
    }
    for s in ["placed", "promised", "confirmed", "delivered", "cancelled"] {
        assert!(states.contains(s), "no {s} order in the random logs");
    }
    assert!(delivered_with_promise);
    assert_eq!(
        commitments_delivered, [true; 2],
        "commitments delivered in part and in full"
    );
}

/// Parts that break an invariant are refused by `Book::restore`, whatever the codec let through.
#[test]
fn restore_refuses_parts_that_break_an_invariant() {
    let log = random_log(1);
    let book = full(&log);
    let parts = book.to_parts();
    assert!(Book::restore(parts.clone()).unwrap() == book);
    let open = parts
        .orders
        .iter()
        .position(|o| o.status == OrderStatus::Placed)
        .expect("a placed order");
    type Breaker = Box<dyn Fn(&mut BookParts, &mut Vec<Order>)>;
    // The first delivery (or capacity) commitment of the book.
    fn first_commitment(p: &mut BookParts, delivery: bool) -> &mut book::Commitment {
        (p.contracts.iter_mut())
            .flat_map(|c| c.commitments.iter_mut())
            .find(|cm| matches!(cm.kind, CommitmentKind::Delivery { .. }) == delivery)
            .expect("a commitment of each kind")
    }
    let cases: Vec<(&str, Breaker)> = vec![
        (
            "duplicate order id",
            Box::new(|_p, o| o[1].key = o[0].key.clone()),
        ),
        ("order id", Box::new(|_p, o| o[0].key = "bad id!".into())),
        ("customer index", Box::new(|_p, o| o[0].customer.0 = 9_999)),
        ("sku index", Box::new(|_p, o| o[0].sku.0 = 9_999)),
        ("units", Box::new(|_p, o| o[0].units += 1)),
        ("window", Box::new(|_p, o| o[0].latest = Period(500))),
        ("price", Box::new(|_p, o| o[0].price_usd_per_unit = -1)),
        (
            "promised without a promise",
            Box::new(move |_p, o| o[open].status = OrderStatus::Promised),
        ),
        (
            "placed with a delivery",
            Box::new(move |_p, o| {
                o[open].delivered = Some(Delivery {
                    units: 1,
                    period: Period(0),
                })
            }),
        ),
        (
            "promise over the order",
            Box::new(move |_p, o| {
                o[open].status = OrderStatus::Promised;
                o[open].promise = Some(Promise {
                    units: o[open].units + 1,
                    by: Period(0),
                });
            }),
        ),
        (
            "plan names an unknown order",
            Box::new(|p, _o| {
                p.last_plan = Some(PlanRecord {
                    now: Period(0),
                    objectives: None,
                    promises: vec![PromiseRecord {
                        order: "nobody".into(),
                        units: 1,
                        by: Period(0),
                    }],
                    supply_adjustments_seen: 0,
                    contracts_seen: 0,
                })
            }),
        ),
        (
            "sku generation",
            Box::new(|p, _o| p.skus[0].generation = GenIdx(99)),
        ),
        (
            "reservation window",
            Box::new(|p, o| {
                if let Some(r) = p.reservations.first_mut() {
                    r.end = r.start;
                } else {
                    o[0].quantity = 0;
                }
            }),
        ),
        (
            "horizon",
            Box::new(|p, _o| p.generations[0].cloud_demand_units.push(1)),
        ),
        (
            "commitment delivered beyond its units",
            Box::new(|p, _o| {
                let cm = first_commitment(p, true);
                cm.delivered = vec![Delivery {
                    units: cm.units + 1,
                    period: Period(0),
                }];
            }),
        ),
        (
            "commitment deliveries out of period order",
            Box::new(|p, _o| {
                let cm = first_commitment(p, true);
                cm.units = cm.units.max(2);
                cm.delivered = vec![
                    Delivery {
                        units: 1,
                        period: Period(1),
                    },
                    Delivery {
                        units: 1,
                        period: Period(0),
                    },
                ];
            }),
        ),
        (
            "capacity commitment delivered",
            Box::new(|p, _o| {
                first_commitment(p, false).delivered = vec![Delivery {
                    units: 1,
                    period: Period(0),
                }];
            }),
        ),
        (
            "supply adjustment",
            Box::new(|p, _o| {
                p.supply_adjustments.push(book::SupplyAdjustment {
                    generation: GenIdx(0),
                    period: Period(0),
                    delta_units: -2_000_000_000,
                    note: String::new(),
                })
            }),
        ),
    ];
    for (what, breaker) in cases {
        let mut p = parts.clone();
        let mut orders = p.orders.to_vec();
        breaker(&mut p, &mut orders);
        p.orders = orders.into_iter().collect();
        assert!(Book::restore(p).is_err(), "{what} should be refused");
    }
}

/// Parts whose recorded deliveries exceed a generation's supply up to some period (which the
/// planner cannot plan) are refused by `Book::restore`, as `Book::apply` refuses the delivery.
#[test]
fn restore_refuses_deliveries_beyond_supply() {
    let book = Book::new(scenario::demo_spec()).expect("demo book");
    let g = book.generation_idx("trn4").expect("trn4");
    assert_eq!(
        book.supply_units(g, Period(0)),
        0,
        "trn4 does not ship at first"
    );
    let i = book
        .orders()
        .iter()
        .position(|o| o.status == OrderStatus::Placed && book.sku(o.sku).generation == g)
        .expect("a placed trn4 order");
    let o = &book.orders()[i];
    let event = Event::OrderDelivered {
        order: o.key.clone(),
        units: 1,
        period: Period(0),
    };
    let mut applied = book.clone();
    let err = applied
        .apply(event)
        .expect_err("a delivery before trn4 ships");
    assert_eq!(err.field, "units", "{err}");
    assert!(applied == book, "a refused delivery changed the book");
    let mut parts = book.to_parts();
    let mut orders = parts.orders.to_vec();
    orders[i].status = OrderStatus::Delivered;
    orders[i].delivered = Some(Delivery {
        units: 1,
        period: Period(0),
    });
    parts.orders = orders.into_iter().collect();
    let err = Book::restore(parts).expect_err("deliveries beyond supply");
    assert_eq!(err.field, "delivered", "{err}");
    assert!(err.to_string().contains("trn4"), "{err}");
}

/// A little log whose third event only applies to the book it follows.
fn small_log() -> Vec<NewEvent> {
    let spec = scenario::demo_spec();
    let order = OrderSpec {
        key: "snap-1".into(),
        customer: spec.customers[0].key.clone(),
        sku: spec.skus[0].key.clone(),
        quantity: 1,
        earliest: Period(1),
        latest: Period(4),
        price_usd_per_unit: 100_000,
        lateness_penalty_usd_per_unit_period: 0,
        substitutes: Vec::new(),
    };
    vec![
        record(&Event::BookCreated(Box::new(spec))),
        record(&Event::OrderPlaced(order)),
        record(&Event::OrderCancelled {
            order: "snap-1".into(),
            reason: String::new(),
        }),
    ]
}

#[test]
fn bad_snapshots_are_errors_and_load_falls_back_to_the_log() {
    let log = small_log();
    let whole = full(&log);
    let at_2 = fold(Replay::new(), &log, 0, 2).finish().unwrap().0;
    let good = encode_snapshot(&at_2, 2);
    let mut wrong_version = good.clone();
    wrong_version[8..12].copy_from_slice(&(SNAPSHOT_VERSION + 1).to_le_bytes());
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x40;
    // The book at event 1 claiming to be at event 2: the cancellation after it cannot apply.
    let at_1 = fold(Replay::new(), &log, 0, 1).finish().unwrap().0;
    let stale = encode_snapshot(&at_1, 2);
    let cases: Vec<(&str, Vec<u8>, u64, &str)> = vec![
        ("empty", Vec::new(), 2, "not an allot snapshot"),
        (
            "garbage",
            b"definitely not a snapshot".to_vec(),
            2,
            "not an allot snapshot",
        ),
        ("header only", good[..20].to_vec(), 2, "damaged"),
        ("truncated", good[..good.len() / 2].to_vec(), 2, "damaged"),
        ("one bit flipped", flipped, 2, "checksum"),
        ("another version", wrong_version, 2, "version"),
        ("stored under another seq", good.clone(), 1, "is of event 2"),
        ("a tail that does not apply", stale, 2, "does not apply"),
    ];
    for (what, blob, seq, expect) in cases {
        if !expect.contains("apply") && !expect.contains("is of event") {
            let err = decode_snapshot(&blob).expect_err(what);
            assert!(err.to_string().contains(expect), "{what}: {err}");
        }
        let mut s = store_with(&log);
        s.put_snapshot(seq, &blob).unwrap();
        let loaded = load_book(&s).unwrap().unwrap();
        let warning = loaded
            .warning
            .unwrap_or_else(|| panic!("{what}: no warning"));
        assert!(warning.contains(expect), "{what}: {warning}");
        assert!(!warning.contains('\n'), "{what}: one line");
        assert_eq!(loaded.snapshot, None, "{what}");
        assert_eq!(loaded.head, 3);
        assert_eq!(loaded.tail.events, 3);
        assert!(loaded.book == whole, "{what}: the log decides");
    }
    assert!(matches!(
        decode_snapshot(&encode_snapshot(&at_2, 2)[..]),
        Ok((_, 2))
    ));
    let mut v = good.clone();
    v[8] = 0;
    assert!(matches!(
        decode_snapshot(&v),
        Err(SnapshotError::Version { found: 0, .. })
    ));
    // The good snapshot is used, and only the cancellation replayed.
    let mut s = store_with(&log);
    s.put_snapshot(2, &good).unwrap();
    let loaded = load_book(&s).unwrap().unwrap();
    assert_eq!((loaded.snapshot, loaded.tail.events), (Some(2), 1));
    assert!(loaded.book == whole);
}

/// A book large enough that `Book::restore` checks its order ids on a second thread (while the
/// orders' fields are checked on the first) restores exactly, and of several faults reports the
/// one a single pass over the orders meets first.
#[test]
fn a_large_book_restores_exactly_and_reports_its_first_fault() {
    let mut p = bookgen::Params::new(70_000, 5);
    p.confirmed_pct = 20;
    let mut book = bookgen::generate(&p).into_book().expect("valid book");
    // Some recorded deliveries, which restoring counts again per generation and period.
    let last = Period(book.horizon().periods() - 1);
    let confirmed: Vec<String> = (book.orders().iter())
        .filter(|o| o.status == OrderStatus::Confirmed)
        .take(50)
        .map(|o| o.key.clone())
        .collect();
    let delivered = confirmed
        .into_iter()
        .filter(|key| {
            let e = Event::OrderDelivered {
                order: key.clone(),
                units: 1,
                period: last,
            };
            book.apply(e).is_ok()
        })
        .count();
    assert!(delivered > 0, "no delivery applied");
    let parts = book.to_parts();
    let n = parts.orders.len();
    assert!(n >= 1 << 16);
    assert!(parts.last_plan.is_some());
    assert!(Book::restore(parts.clone()).unwrap() == book);

    let refuse = |f: &dyn Fn(&mut Vec<Order>, &mut BookParts)| -> book::BookError {
        let mut p = parts.clone();
        let mut orders = p.orders.to_vec();
        f(&mut orders, &mut p);
        p.orders = orders.into_iter().collect();
        Book::restore(p).expect_err("refused")
    };
    let key = |i: usize| parts.orders[i].key.clone();
    let unknown_promise = |p: &mut BookParts| {
        let mut plan = p.last_plan.clone().expect("a plan");
        plan.promises[0].order = "nobody".into();
        p.last_plan = Some(plan);
    };
    // A duplicate near the end, alone.
    let e = refuse(&|o, _| o[n - 1].key = o[10].key.clone());
    assert_eq!(
        (e.object.as_str(), e.field.as_str()),
        (&*format!("order {}", key(10)), "id")
    );
    // A bad field before the duplicate is met first...
    let e = refuse(&|o, _| {
        o[n - 1].key = o[10].key.clone();
        o[500].price_usd_per_unit = -1;
    });
    assert_eq!(e.object, format!("order {}", key(500)), "{e}");
    assert_eq!(e.field, "price_usd_per_unit", "{e}");
    // ...as is a bad field of the duplicate itself...
    let e = refuse(&|o, _| {
        o[n - 1].key = o[10].key.clone();
        o[n - 1].price_usd_per_unit = -1;
    });
    assert_eq!(e.object, format!("order {}", key(10)), "{e}");
    assert_eq!(e.field, "price_usd_per_unit", "{e}");
    // ...and a duplicate before a bad field.
    let e = refuse(&|o, _| {
        o[1_000].key = o[10].key.clone();
        o[n - 1].price_usd_per_unit = -1;
    });
    assert_eq!(
        (e.object.as_str(), e.field.as_str()),
        (&*format!("order {}", key(10)), "id")
    );
    // Every order is checked before the plan's promises.
    let e = refuse(&|o, p| {
        unknown_promise(p);
        o[n - 1].price_usd_per_unit = -1;
    });
    assert_eq!(e.object, format!("order {}", key(n - 1)), "{e}");
    let e = refuse(&|_, p| unknown_promise(p));
    assert_eq!(
        (e.object.as_str(), e.message.as_str()),
        ("order nobody", "no such order")
    );
}
