//! The conformance suite against SqliteStore: every check on its own, on a fresh
//! temp file per store and in memory, plus the whole suite with small limits.

use store::{conformance, Limits, SqliteOptions, SqliteStore, Store};
use tempfile::TempDir;

/// A factory of fresh file-backed stores; keeps the temp dirs alive.
struct FreshFiles {
    dirs: Vec<TempDir>,
    opts: SqliteOptions,
}

impl FreshFiles {
    fn new(opts: SqliteOptions) -> Self {
        FreshFiles {
            dirs: Vec::new(),
            opts,
        }
    }

    fn make(&mut self) -> Box<dyn Store> {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(&dir.path().join("events.db"), self.opts).expect("open");
        self.dirs.push(dir);
        Box::new(store)
    }
}

fn small_opts() -> SqliteOptions {
    SqliteOptions {
        limits: Limits {
            max_batch_events: 500,
            max_payload_bytes: 4096,
        },
        ..SqliteOptions::default()
    }
}

macro_rules! each_check {
    ($($check:ident),* $(,)?) => {
        mod file {
            use super::*;
            $(
                #[test]
                fn $check() {
                    let mut files = FreshFiles::new(SqliteOptions::default());
                    conformance::$check(&mut || files.make());
                }
            )*
        }
        mod memory {
            use super::*;
            $(
                #[test]
                fn $check() {
                    conformance::$check(&mut || {
                        Box::new(SqliteStore::open_in_memory().expect("open_in_memory"))
                    });
                }
            )*
        }
    };
}

each_check!(
    empty_store,
    seqs_are_dense_and_ordered,
    fields_round_trip,
    empty_batch_writes_nothing,
    oversized_payload_writes_nothing,
    too_many_events_writes_nothing,
    invalid_event_writes_nothing,
    conflict_writes_nothing,
    expected_head_concurrency,
    scan_after_and_limit,
    scan_callback_error_stops_scan,
    snapshots_replace,
    snapshot_ahead_of_head_is_rejected,
    batch_at_limits_is_accepted,
);

#[test]
fn run_all_in_memory_small_limits() {
    conformance::run_all(&mut || {
        Box::new(SqliteStore::open_in_memory_with(small_opts()).expect("open_in_memory_with"))
    });
}

#[test]
fn run_all_files_small_limits_synchronous_normal() {
    let mut files = FreshFiles::new(SqliteOptions {
        synchronous_full: false,
        ..small_opts()
    });
    conformance::run_all(&mut || files.make());
}

#[test]
fn run_all_persistent_on_one_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("events.db");
    // Each persistent check needs its own empty store; run them one by one.
    let open_at = |p: std::path::PathBuf| {
        move || -> Box<dyn Store> {
            Box::new(SqliteStore::open(&p, SqliteOptions::default()).expect("open"))
        }
    };
    conformance::reopen_finds_everything(&mut open_at(path.clone()));
    conformance::stale_handle_gets_conflict(&mut open_at(path.clone()));
    let other = dir.path().join("other.db");
    conformance::run_all_persistent(&mut open_at(other));
}

#[test]
#[should_panic(expected = "conformance check `empty_store` failed")]
fn failing_check_names_itself() {
    /// A store whose head is wrong, to see the suite's failure message.
    struct Liar(SqliteStore);
    impl Store for Liar {
        fn append(
            &mut self,
            h: Option<u64>,
            e: &[store::NewEvent],
        ) -> Result<std::ops::RangeInclusive<u64>, store::StoreError> {
            self.0.append(h, e)
        }
        fn head(&self) -> Result<u64, store::StoreError> {
            Ok(42)
        }
        fn scan(
            &self,
            a: u64,
            l: Option<usize>,
            f: &mut dyn FnMut(store::StoredEvent) -> Result<(), store::StoreError>,
        ) -> Result<(), store::StoreError> {
            self.0.scan(a, l, f)
        }
        fn put_snapshot(&mut self, s: u64, b: &[u8]) -> Result<(), store::StoreError> {
            self.0.put_snapshot(s, b)
        }
        fn latest_snapshot(&self) -> Result<Option<(u64, Vec<u8>)>, store::StoreError> {
            self.0.latest_snapshot()
        }
        fn limits(&self) -> Limits {
            self.0.limits()
        }
    }
    conformance::empty_store(&mut || Box::new(Liar(SqliteStore::open_in_memory().unwrap())));
}
