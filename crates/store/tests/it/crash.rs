//! A real crash test: a child process (this test binary, re-executed) appends
//! batches in a loop and prints each acknowledged range; the parent SIGKILLs it
//! mid-loop, reopens the file and checks that every acknowledged batch is there,
//! intact, that seqs are dense and that no batch is partial.

use std::io::Read;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use store::{read_range, verify_log, NewEvent, SqliteOptions, SqliteStore, Store};

const CHILD_ENV: &str = "ALLOT_STORE_CRASH_CHILD";
const CHILD_TEST: &str = "crash::crash_child_writer";

/// Deterministic size of batch `b`: a mix of tiny and large transactions.
fn batch_size(b: u64) -> usize {
    const SIZES: [usize; 9] = [1, 7, 50, 3, 400, 1, 20, 1500, 2];
    SIZES[(b % SIZES.len() as u64) as usize]
}

/// Deterministic event `i` of batch `b`; its payload names batch, size and index.
fn crash_event(b: u64, i: usize) -> NewEvent {
    let n = batch_size(b);
    let mut x = b.wrapping_mul(6_364_136_223_846_793_005)
        ^ (i as u64).wrapping_add(1_442_695_040_888_963_407);
    let len = 16 + (x % 700) as usize;
    let fill: String = (0..len)
        .map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (b'a' + ((x >> 33) % 26) as u8) as char
        })
        .collect();
    NewEvent {
        kind: "crash.test".into(),
        actor: format!("writer-{}", b % 3),
        at_unix_ms: 1_700_000_000_000 + b as i64,
        payload: format!("batch={b};size={n};idx={i};fill={fill}"),
    }
}

/// The child: appends batches forever (bounded at 60 s) and acknowledges each.
#[test]
fn crash_child_writer() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return; // Only does something when re-executed by the parent.
    };
    let mut store = SqliteStore::open(Path::new(&path), SqliteOptions::default()).unwrap();
    let mut out = std::io::stdout().lock();
    writeln!(out, "READY").unwrap();
    out.flush().unwrap();
    let started = Instant::now();
    let mut b = 0u64;
    while started.elapsed() < Duration::from_secs(60) {
        let batch: Vec<NewEvent> = (0..batch_size(b)).map(|i| crash_event(b, i)).collect();
        let head = store.head().unwrap();
        let r = store.append(Some(head), &batch).unwrap();
        writeln!(out, "ACK {b} {} {}", r.start(), r.end()).unwrap();
        out.flush().unwrap();
        b += 1;
    }
}

/// Kills and reaps the child if the parent test fails before doing so itself.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One round: kill the child after `acks` acknowledgements plus `delay`, then check.
fn crash_round(acks: usize, delay: Duration) -> (usize, usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", CHILD_TEST, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = ChildGuard(child);
    let child = &mut child.0;
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acked: Vec<(u64, u64, u64)> = Vec::new();
    let parse = |line: &str| -> Option<(u64, u64, u64)> {
        let mut it = line
            .strip_prefix("ACK ")?
            .split(' ')
            .map(|t| t.parse().unwrap());
        Some((it.next()?, it.next()?, it.next()?))
    };
    while acked.len() < acks {
        match lines.next() {
            Some(line) => {
                if let Some(a) = parse(&line.unwrap()) {
                    acked.push(a);
                }
            }
            None => {
                let mut err = String::new();
                let _ = child.stderr.take().unwrap().read_to_string(&mut err);
                panic!("child ended early after {} acks: {err}", acked.len());
            }
        }
    }
    std::thread::sleep(delay);
    assert!(
        child.try_wait().unwrap().is_none(),
        "child must still be writing when killed"
    );
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert!(!status.success(), "child was killed: {status:?}");
    // Lines printed before the kill but not yet read are acknowledgements too.
    for line in lines {
        if let Some(a) = parse(&line.unwrap()) {
            acked.push(a);
        }
    }

    let mut store = SqliteStore::open(&path, SqliteOptions::default()).unwrap();
    let head = verify_log(&store).expect("log is dense after the crash");
    let events = read_range(&store, 0, None).unwrap();
    assert_eq!(events.len() as u64, head);

    // Split the log into batches and check each one is whole and intact.
    let mut batches = 0u64;
    let mut pos = 0usize;
    while pos < events.len() {
        let b = batches;
        let n = batch_size(b);
        assert!(
            pos + n <= events.len(),
            "partial batch {b}: only {} of {n} events present",
            events.len() - pos
        );
        for i in 0..n {
            let got = &events[pos + i];
            assert_eq!(got.seq, (pos + i + 1) as u64);
            assert_eq!(got.clone().into_new(), crash_event(b, i), "seq {}", got.seq);
        }
        pos += n;
        batches += 1;
    }
    // Every acknowledged batch is present at the range that was acknowledged.
    let mut first = 1u64;
    for (k, &(b, start, end)) in acked.iter().enumerate() {
        assert_eq!(b, k as u64, "acks arrive in batch order");
        assert_eq!((start, end), (first, first + batch_size(b) as u64 - 1));
        first = end + 1;
        assert!(
            b < batches,
            "acknowledged batch {b} is missing after the crash"
        );
    }
    // At most one batch may have committed without its ack being printed.
    assert!(
        batches == acked.len() as u64 || batches == acked.len() as u64 + 1,
        "{batches} batches present, {} acknowledged",
        acked.len()
    );
    // The recovered store is writable.
    store
        .append(Some(head), &[crash_event(batches, 0)])
        .unwrap();
    assert_eq!(verify_log(&store).unwrap(), head + 1);
    (acked.len(), batches as usize)
}

#[test]
fn kill_9_loses_no_acknowledged_batch() {
    let rounds: [(usize, u64); 7] = [
        (1, 0),
        (3, 200),
        (8, 0),
        (17, 1_500),
        (30, 50),
        (45, 700),
        (64, 3_000),
    ];
    for (acks, delay_us) in rounds {
        let (acked, present) = crash_round(acks, Duration::from_micros(delay_us));
        eprintln!("crash round: killed after {acks} acks + {delay_us}us: {acked} acknowledged, {present} present");
    }
}
