//! The one behavioural test suite every [`Store`] backend must pass.
//!
//! Each check is a `pub fn` taking a factory of fresh, empty stores; it panics
//! with a message naming the check on failure. [`run_all`] runs every check
//! that needs only fresh stores; [`run_all_persistent`] runs the checks that
//! reopen the same storage (file, database) and need a factory that opens the
//! *same* store on every call.
//!
//! Checks adapt to the store's [`Limits`](crate::Limits) (from [`Store::limits`]); payloads at
//! the limit are written only when the limit is at most [`MAX_BOUNDARY_PAYLOAD`].

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::{read_range, verify_log, NewEvent, Store, StoreError, StoredEvent};

/// Largest payload limit for which the suite writes a payload of exactly that size.
pub const MAX_BOUNDARY_PAYLOAD: usize = 16 * 1024 * 1024;

/// A factory of stores used by the checks.
pub type Make<'a> = &'a mut dyn FnMut() -> Box<dyn Store>;

/// Runs every fresh-store conformance check against stores made by `make`.
pub fn run_all(make: Make<'_>) {
    empty_store(make);
    seqs_are_dense_and_ordered(make);
    fields_round_trip(make);
    empty_batch_writes_nothing(make);
    oversized_payload_writes_nothing(make);
    too_many_events_writes_nothing(make);
    invalid_event_writes_nothing(make);
    conflict_writes_nothing(make);
    expected_head_concurrency(make);
    scan_after_and_limit(make);
    scan_callback_error_stops_scan(make);
    snapshots_replace(make);
    snapshot_ahead_of_head_is_rejected(make);
    batch_at_limits_is_accepted(make);
}

/// Runs every check that reopens storage; `open` must open the same, initially
/// empty store on every call (several handles may be open at once).
pub fn run_all_persistent(open: Make<'_>) {
    reopen_finds_everything(open);
    stale_handle_gets_conflict(open);
}

/// Runs `body`, re-panicking with the check's name if it panics.
fn check(name: &str, body: impl FnOnce()) {
    if let Err(p) = catch_unwind(AssertUnwindSafe(body)) {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "non-string panic".to_owned());
        panic!("conformance check `{name}` failed: {msg}");
    }
}

/// Unwraps a store result, panicking with context.
fn ok<T>(r: Result<T, StoreError>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: unexpected error: {e}"),
    }
}

/// A recognisable event number `i` of a batch tagged `tag`.
fn ev(tag: &str, i: usize) -> NewEvent {
    NewEvent {
        kind: format!("{tag}.kind"),
        actor: format!("actor-{}", i % 7),
        at_unix_ms: 1_700_000_000_000 + i as i64,
        payload: format!("{{\"tag\":\"{tag}\",\"i\":{i}}}"),
    }
}

fn batch(tag: &str, n: usize) -> Vec<NewEvent> {
    (0..n).map(|i| ev(tag, i)).collect()
}

fn all(store: &dyn Store) -> Vec<StoredEvent> {
    ok(read_range(store, 0, None), "scan all")
}

fn assert_log(store: &dyn Store, expected: &[NewEvent]) {
    let got = all(store);
    assert_eq!(got.len(), expected.len(), "number of events in the log");
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        assert_eq!(g.seq, i as u64 + 1, "seq of event #{i}");
        assert_eq!(&g.clone().into_new(), e, "content of seq {}", g.seq);
    }
    assert_eq!(ok(store.head(), "head"), expected.len() as u64, "head");
    assert_eq!(ok(verify_log(store), "verify_log"), expected.len() as u64);
}

/// A fresh store has head 0, no events and no snapshot.
pub fn empty_store(make: Make<'_>) {
    check("empty_store", || {
        let s = make();
        assert_eq!(ok(s.head(), "head"), 0);
        assert!(all(&*s).is_empty(), "scan of an empty store yields nothing");
        assert!(ok(read_range(&*s, 5, Some(3)), "scan after 5").is_empty());
        assert!(ok(s.latest_snapshot(), "latest_snapshot").is_none());
        assert_eq!(ok(verify_log(&*s), "verify_log"), 0);
    });
}

/// Batches of various sizes get consecutive 1-based seqs, read back in order.
pub fn seqs_are_dense_and_ordered(make: Make<'_>) {
    check("seqs_are_dense_and_ordered", || {
        let mut s = make();
        let mut expected = Vec::new();
        let mut next = 1u64;
        for (b, n) in [1usize, 3, 1, 10, 250, 2].into_iter().enumerate() {
            let events = batch(&format!("b{b}"), n);
            let r = ok(s.append(None, &events), "append");
            assert_eq!(*r.start(), next, "first seq of batch {b}");
            assert_eq!(*r.end(), next + n as u64 - 1, "last seq of batch {b}");
            next += n as u64;
            expected.extend(events);
        }
        assert_log(&*s, &expected);
    });
}

/// Every field survives storage exactly, including unicode, empty strings and
/// extreme timestamps.
pub fn fields_round_trip(make: Make<'_>) {
    check("fields_round_trip", || {
        let mut s = make();
        // Two-byte characters, as many as fit in the payload limit (up to 100 000).
        let wide = "é".repeat(s.limits().max_payload_bytes.min(200_000) / 2);
        let events = vec![
            NewEvent {
                kind: String::new(),
                actor: String::new(),
                at_unix_ms: 0,
                payload: String::new(),
            },
            NewEvent {
                kind: "order.placed".into(),
                actor: "ünïcødé 演员 🚀".into(),
                at_unix_ms: i64::MIN,
                payload: "{\"quote\":\"\\\"\",\"nl\":\"a\nb\",\"tab\":\"\t\",\"sql\":\"'; DROP TABLE events; --\"}".into(),
            },
            NewEvent {
                kind: "k".repeat(1000),
                actor: "a".into(),
                at_unix_ms: i64::MAX,
                payload: wide,
            },
            NewEvent {
                kind: "neg".into(),
                actor: "x".into(),
                at_unix_ms: -1,
                payload: " leading and trailing spaces ".into(),
            },
        ];
        ok(s.append(None, &events), "append");
        assert_log(&*s, &events);
    });
}

/// An empty batch writes nothing, returns an empty range and still checks the head.
pub fn empty_batch_writes_nothing(make: Make<'_>) {
    check("empty_batch_writes_nothing", || {
        let mut s = make();
        let r = ok(s.append(None, &[]), "empty append on empty store");
        assert!(r.is_empty(), "empty batch gives an empty range, got {r:?}");
        assert_eq!(*r.start(), 1);
        let events = batch("a", 2);
        ok(s.append(Some(0), &events), "append");
        let r = ok(s.append(Some(2), &[]), "empty append with right head");
        assert!(r.is_empty(), "empty batch gives an empty range, got {r:?}");
        assert_eq!((*r.start(), *r.end()), (3, 2));
        match s.append(Some(1), &[]) {
            Err(StoreError::Conflict {
                expected_head: 1,
                actual_head: 2,
            }) => {}
            other => panic!("empty append with stale head: expected Conflict, got {other:?}"),
        }
        assert_log(&*s, &events);
    });
}

/// A batch whose last payload is one byte over the limit writes nothing.
pub fn oversized_payload_writes_nothing(make: Make<'_>) {
    check("oversized_payload_writes_nothing", || {
        let mut s = make();
        let limit = s.limits().max_payload_bytes;
        let first = batch("ok", 3);
        ok(s.append(None, &first), "first append");
        let mut bad = batch("bad", 4);
        bad[3].payload = "x".repeat(limit + 1);
        match s.append(Some(3), &bad) {
            Err(StoreError::PayloadTooLarge {
                index: 3,
                bytes,
                limit: l,
            }) => {
                assert_eq!(bytes, limit + 1);
                assert_eq!(l, limit);
            }
            other => panic!("expected PayloadTooLarge for index 3, got {other:?}"),
        }
        drop(bad);
        assert_log(&*s, &first);
        // The store is still usable afterwards.
        let more = batch("more", 2);
        assert_eq!(
            ok(s.append(Some(3), &more), "append after rejection"),
            4..=5
        );
    });
}

/// A batch with one event more than the limit writes nothing.
pub fn too_many_events_writes_nothing(make: Make<'_>) {
    check("too_many_events_writes_nothing", || {
        let mut s = make();
        let limit = s.limits().max_batch_events;
        let first = batch("ok", 1);
        ok(s.append(None, &first), "first append");
        let bad: Vec<NewEvent> = (0..=limit)
            .map(|i| NewEvent {
                kind: "k".into(),
                actor: "a".into(),
                at_unix_ms: i as i64,
                payload: String::new(),
            })
            .collect();
        match s.append(None, &bad) {
            Err(StoreError::BatchTooLarge { events, limit: l }) => {
                assert_eq!(events, limit + 1);
                assert_eq!(l, limit);
            }
            other => panic!("expected BatchTooLarge, got {other:?}"),
        }
        assert_log(&*s, &first);
    });
}

/// A batch with a U+0000 in any string field of a later event writes nothing.
pub fn invalid_event_writes_nothing(make: Make<'_>) {
    check("invalid_event_writes_nothing", || {
        let mut s = make();
        let first = batch("ok", 2);
        ok(s.append(None, &first), "first append");
        for field in 0..3 {
            let mut bad = batch("bad", 5);
            let target = match field {
                0 => &mut bad[2].kind,
                1 => &mut bad[2].actor,
                _ => &mut bad[2].payload,
            };
            target.push('\0');
            match s.append(None, &bad) {
                Err(StoreError::InvalidEvent { index: 2, .. }) => {}
                other => panic!("field {field}: expected InvalidEvent at index 2, got {other:?}"),
            }
        }
        assert_log(&*s, &first);
    });
}

/// A Conflict writes nothing and reports both heads.
pub fn conflict_writes_nothing(make: Make<'_>) {
    check("conflict_writes_nothing", || {
        let mut s = make();
        let first = batch("ok", 4);
        ok(s.append(None, &first), "first append");
        for stale in [0u64, 3, 5, 1000] {
            match s.append(Some(stale), &batch("late", 3)) {
                Err(StoreError::Conflict {
                    expected_head,
                    actual_head,
                }) => {
                    assert_eq!(expected_head, stale);
                    assert_eq!(actual_head, 4);
                }
                other => panic!("expected head {stale}: expected Conflict, got {other:?}"),
            }
        }
        assert_log(&*s, &first);
    });
}

/// `expected_head` works as optimistic concurrency; `None` always appends.
pub fn expected_head_concurrency(make: Make<'_>) {
    check("expected_head_concurrency", || {
        let mut s = make();
        assert_eq!(ok(s.append(Some(0), &batch("a", 2)), "on empty"), 1..=2);
        assert_eq!(ok(s.append(Some(2), &batch("b", 1)), "at head"), 3..=3);
        assert!(matches!(
            s.append(Some(2), &batch("c", 1)),
            Err(StoreError::Conflict {
                expected_head: 2,
                actual_head: 3
            })
        ));
        assert_eq!(ok(s.append(None, &batch("d", 2)), "unconditional"), 4..=5);
        let h = ok(s.head(), "head");
        assert_eq!(h, 5);
        assert_eq!(ok(s.append(Some(h), &batch("e", 1)), "re-read head"), 6..=6);
        assert_eq!(ok(verify_log(&*s), "verify_log"), 6);
    });
}

/// `scan` honours `after` and `limit` in every combination.
pub fn scan_after_and_limit(make: Make<'_>) {
    check("scan_after_and_limit", || {
        let mut s = make();
        let events = batch("s", 20);
        ok(s.append(None, &events), "append");
        let seqs = |after, limit| -> Vec<u64> {
            ok(read_range(&*s, after, limit), "scan")
                .into_iter()
                .map(|e| e.seq)
                .collect()
        };
        assert_eq!(seqs(0, None), (1..=20).collect::<Vec<_>>());
        assert_eq!(seqs(5, None), (6..=20).collect::<Vec<_>>());
        assert_eq!(seqs(5, Some(3)), vec![6, 7, 8]);
        assert_eq!(seqs(0, Some(1)), vec![1]);
        assert_eq!(seqs(18, Some(10)), vec![19, 20]);
        assert_eq!(seqs(19, None), vec![20]);
        assert!(seqs(20, None).is_empty());
        assert!(seqs(21, None).is_empty());
        assert!(seqs(u64::MAX, None).is_empty());
        assert!(seqs(0, Some(0)).is_empty());
        assert!(seqs(3, Some(0)).is_empty());
        assert_eq!(seqs(0, Some(usize::MAX)).len(), 20);
        // Paging with after = last seen reads everything exactly once.
        let mut paged = Vec::new();
        let mut after = 0;
        loop {
            let page = ok(read_range(&*s, after, Some(7)), "page");
            let Some(last) = page.last() else { break };
            after = last.seq;
            paged.extend(page.into_iter().map(|e| e.into_new()));
        }
        assert_eq!(paged, events);
        let e = &ok(read_range(&*s, 9, Some(1)), "one")[0];
        assert_eq!(e.clone().into_new(), events[9]);
    });
}

/// An error returned by the scan callback stops the scan and is passed through.
pub fn scan_callback_error_stops_scan(make: Make<'_>) {
    check("scan_callback_error_stops_scan", || {
        let mut s = make();
        ok(s.append(None, &batch("s", 10)), "append");
        let mut seen = Vec::new();
        let r = s.scan(0, None, &mut |e| {
            seen.push(e.seq);
            if e.seq == 3 {
                Err(StoreError::Backend("stop here".into()))
            } else {
                Ok(())
            }
        });
        match r {
            Err(StoreError::Backend(m)) if m == "stop here" => {}
            other => panic!("expected the callback's error back, got {other:?}"),
        }
        assert_eq!(seen, vec![1, 2, 3]);
        // The store is still usable after an aborted scan.
        assert_eq!(
            ok(s.append(Some(10), &batch("t", 1)), "append after"),
            11..=11
        );
        assert_eq!(ok(verify_log(&*s), "verify_log"), 11);
    });
}

/// Snapshots round-trip and each put replaces the previous one.
pub fn snapshots_replace(make: Make<'_>) {
    check("snapshots_replace", || {
        let mut s = make();
        ok(s.put_snapshot(0, b""), "snapshot of the empty log");
        assert_eq!(ok(s.latest_snapshot(), "latest"), Some((0, Vec::new())));
        ok(s.append(None, &batch("a", 5)), "append");
        ok(s.put_snapshot(2, b"two"), "put 2");
        assert_eq!(
            ok(s.latest_snapshot(), "latest"),
            Some((2, b"two".to_vec()))
        );
        let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        ok(s.put_snapshot(5, &big), "put 5");
        assert_eq!(ok(s.latest_snapshot(), "latest"), Some((5, big)));
        // Last write wins, even at a lower seq.
        ok(s.put_snapshot(4, &[0, 255, 0]), "put 4");
        assert_eq!(
            ok(s.latest_snapshot(), "latest"),
            Some((4, vec![0, 255, 0]))
        );
        // Snapshots do not touch the log.
        assert_eq!(ok(verify_log(&*s), "verify_log"), 5);
    });
}

/// A snapshot for a seq past the head is refused and the old one kept.
pub fn snapshot_ahead_of_head_is_rejected(make: Make<'_>) {
    check("snapshot_ahead_of_head_is_rejected", || {
        let mut s = make();
        match s.put_snapshot(1, b"x") {
            Err(StoreError::SnapshotAhead { seq: 1, head: 0 }) => {}
            other => panic!("expected SnapshotAhead on empty store, got {other:?}"),
        }
        ok(s.append(None, &batch("a", 3)), "append");
        ok(s.put_snapshot(3, b"three"), "put 3");
        match s.put_snapshot(4, b"four") {
            Err(StoreError::SnapshotAhead { seq: 4, head: 3 }) => {}
            other => panic!("expected SnapshotAhead, got {other:?}"),
        }
        assert_eq!(
            ok(s.latest_snapshot(), "latest"),
            Some((3, b"three".to_vec()))
        );
    });
}

/// A batch of exactly `max_batch_events` is accepted, and so is a payload of
/// exactly `max_payload_bytes` (when that limit is at most [`MAX_BOUNDARY_PAYLOAD`]).
pub fn batch_at_limits_is_accepted(make: Make<'_>) {
    check("batch_at_limits_is_accepted", || {
        let mut s = make();
        let limits = s.limits();
        let n = limits.max_batch_events;
        let events: Vec<NewEvent> = (0..n)
            .map(|i| NewEvent {
                kind: "k".into(),
                actor: "a".into(),
                at_unix_ms: i as i64,
                payload: i.to_string(),
            })
            .collect();
        assert_eq!(ok(s.append(Some(0), &events), "full batch"), 1..=n as u64);
        let size = limits.max_payload_bytes.min(MAX_BOUNDARY_PAYLOAD);
        let big = NewEvent {
            kind: "big".into(),
            actor: "a".into(),
            at_unix_ms: 1,
            payload: "p".repeat(size),
        };
        let h = n as u64 + 1;
        assert_eq!(ok(s.append(None, std::slice::from_ref(&big)), "big"), h..=h);
        let back = ok(read_range(&*s, n as u64, None), "read big");
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].payload.len(), size);
        assert_eq!(back[0].clone().into_new(), big);
        assert_eq!(ok(verify_log(&*s), "verify_log"), h);
    });
}

/// Everything written through one handle is found by a later handle.
pub fn reopen_finds_everything(open: Make<'_>) {
    check("reopen_finds_everything", || {
        let mut expected = Vec::new();
        {
            let mut s = open();
            assert_eq!(
                ok(s.head(), "head of new store"),
                0,
                "open() must start empty"
            );
            for b in 0..5 {
                let events = batch(&format!("r{b}"), b * 3 + 1);
                ok(s.append(None, &events), "append");
                expected.extend(events);
            }
            ok(s.put_snapshot(7, b"snap@7"), "snapshot");
        }
        {
            let mut s = open();
            assert_log(&*s, &expected);
            assert_eq!(
                ok(s.latest_snapshot(), "snapshot after reopen"),
                Some((7, b"snap@7".to_vec()))
            );
            let more = batch("after-reopen", 2);
            let h = expected.len() as u64;
            assert_eq!(ok(s.append(Some(h), &more), "append"), h + 1..=h + 2);
            expected.extend(more);
        }
        let s = open();
        assert_log(&*s, &expected);
    });
}

/// Two handles on the same store: the one with a stale head gets Conflict.
pub fn stale_handle_gets_conflict(open: Make<'_>) {
    check("stale_handle_gets_conflict", || {
        let mut a = open();
        let mut b = open();
        let base = ok(a.head(), "head");
        assert_eq!(ok(b.head(), "head"), base);
        ok(a.append(Some(base), &batch("a", 2)), "a appends");
        match b.append(Some(base), &batch("b", 1)) {
            Err(StoreError::Conflict {
                expected_head,
                actual_head,
            }) => {
                assert_eq!(expected_head, base);
                assert_eq!(actual_head, base + 2);
            }
            other => panic!("stale handle: expected Conflict, got {other:?}"),
        }
        let h = ok(b.head(), "b re-reads head");
        assert_eq!(h, base + 2);
        ok(b.append(Some(h), &batch("b", 1)), "b retries");
        assert_eq!(ok(a.head(), "a sees b's write"), base + 3);
        assert_eq!(ok(verify_log(&*a), "verify_log"), base + 3);
    });
}
