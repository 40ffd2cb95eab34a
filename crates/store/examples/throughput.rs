//! Measures SqliteStore append throughput (batches of 1 and of 1000 events)
//! and scan throughput on a temp file.
//!
//! `cargo run --release -p store --example throughput [-- DIR]` (DIR defaults
//! to a temp dir; put it on the disk you care about).

use std::time::{Duration, Instant};

use store::{NewEvent, SqliteOptions, SqliteStore, Store};

fn event(i: usize) -> NewEvent {
    NewEvent {
        kind: "order.placed".into(),
        actor: "alice@example.com".into(),
        at_unix_ms: 1_700_000_000_000 + i as i64,
        payload: format!(
            "{{\"order\":\"ord-{i:08}\",\"accelerator\":\"h100-sxm\",\"count\":8,\
             \"region\":\"eu-west\",\"window\":[\"2025-01-01\",\"2025-03-31\"],\"note\":\"{}\"}}",
            "x".repeat(64)
        ),
    }
}

/// Appends batches of `size` for up to `budget` (at most `max_batches`); returns (batches, elapsed).
fn run(
    store: &mut SqliteStore,
    size: usize,
    budget: Duration,
    max_batches: usize,
) -> (usize, Duration) {
    let batch: Vec<NewEvent> = (0..size).map(event).collect();
    let start = Instant::now();
    let mut n = 0;
    while n < max_batches && start.elapsed() < budget {
        store.append(None, &batch).expect("append");
        n += 1;
    }
    (n, start.elapsed())
}

fn main() {
    let dir = tempfile::tempdir_in(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| std::env::temp_dir().display().to_string()),
    )
    .expect("tempdir");
    println!("file in {}", dir.path().display());
    let payload_bytes = event(0).payload.len();
    println!("event payload: {payload_bytes} bytes");
    for full in [true, false] {
        let path = dir.path().join(format!("tp-{full}.db"));
        let opts = SqliteOptions {
            synchronous_full: full,
            ..SqliteOptions::default()
        };
        let mut store = SqliteStore::open(&path, opts).expect("open");
        let sync = if full { "FULL" } else { "NORMAL" };
        // Warm up.
        run(&mut store, 1, Duration::from_millis(200), 50);
        for (size, max) in [(1usize, 20_000usize), (1000, 2_000)] {
            let (n, t) = run(&mut store, size, Duration::from_secs(4), max);
            let secs = t.as_secs_f64();
            println!(
                "synchronous={sync:<6} batch={size:<5} {n:>6} appends in {secs:.2}s: {:>9.0} appends/s, {:>10.0} events/s, {:>7.3} ms/append",
                n as f64 / secs,
                (n * size) as f64 / secs,
                secs * 1000.0 / n as f64
            );
        }
        let head = store.head().expect("head");
        let start = Instant::now();
        let mut count = 0u64;
        store
            .scan(0, None, &mut |_| {
                count += 1;
                Ok(())
            })
            .expect("scan");
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(count, head);
        println!(
            "synchronous={sync:<6} scan of {count} events in {secs:.2}s: {:.0} events/s",
            count as f64 / secs
        );
    }
}
