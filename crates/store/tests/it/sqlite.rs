//! SQLite-specific behaviour: file format, schema versioning, corruption
//! detection, locking, several handles and threads on one file.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use store::{read_range, verify_log, NewEvent, SqliteOptions, SqliteStore, Store, StoreError};
use tempfile::TempDir;

fn ev(i: usize) -> NewEvent {
    NewEvent {
        kind: "k".into(),
        actor: format!("a{i}"),
        at_unix_ms: i as i64,
        payload: format!("{{\"i\":{i}}}"),
    }
}

fn events(n: usize) -> Vec<NewEvent> {
    (0..n).map(ev).collect()
}

fn temp_db() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.db");
    (dir, path)
}

fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path, SqliteOptions::default()).unwrap()
}

/// Writes `n` events to a new store at `path` and closes it.
fn seeded(path: &Path, n: usize) {
    let mut s = open(path);
    s.append(None, &events(n)).unwrap();
}

fn raw(path: &Path, sql: &str) {
    Connection::open(path).unwrap().execute_batch(sql).unwrap();
}

#[test]
fn file_uses_wal_and_records_schema_version() {
    let (_d, path) = temp_db();
    seeded(&path, 1);
    let c = Connection::open(&path).unwrap();
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let v: i64 = c
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, store::SCHEMA_VERSION);
    let cols: Vec<String> = c
        .prepare("SELECT name FROM pragma_table_info('events') ORDER BY cid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(cols, ["seq", "kind", "actor", "at_unix_ms", "payload"]);
}

#[test]
fn newer_schema_version_is_refused_clearly() {
    let (_d, path) = temp_db();
    seeded(&path, 3);
    raw(&path, "UPDATE schema_version SET version = 99");
    let err = SqliteStore::open(&path, SqliteOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::SchemaTooNew {
                found: 99,
                supported: 1
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("99") && msg.contains("newer"), "{msg}");
    // Refusing did not touch the file.
    raw(&path, "UPDATE schema_version SET version = 1");
    assert_eq!(verify_log(&open(&path)).unwrap(), 3);
}

#[test]
fn foreign_database_is_refused() {
    let (_d, path) = temp_db();
    raw(&path, "CREATE TABLE customers (id INTEGER PRIMARY KEY)");
    let err = SqliteStore::open(&path, SqliteOptions::default()).unwrap_err();
    assert!(matches!(err, StoreError::NotAStore(_)), "{err:?}");

    let (_d2, path2) = temp_db();
    raw(&path2, "PRAGMA application_id = 12345");
    let err = SqliteStore::open(&path2, SqliteOptions::default()).unwrap_err();
    assert!(matches!(err, StoreError::NotAStore(_)), "{err:?}");
}

#[test]
fn garbage_file_is_an_error_not_a_panic() {
    let (_d, path) = temp_db();
    std::fs::write(&path, vec![0xA5u8; 8192]).unwrap();
    let err = SqliteStore::open(&path, SqliteOptions::default()).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
}

#[test]
fn gap_in_seqs_is_reported_as_corrupt() {
    let (_d, path) = temp_db();
    seeded(&path, 5);
    raw(&path, "DELETE FROM events WHERE seq = 3");
    let s = open(&path);
    let err = read_range(&s, 0, None).unwrap_err();
    assert!(
        matches!(err, StoreError::Corrupt(ref m) if m.contains("expected seq 3")),
        "{err:?}"
    );
    assert!(matches!(verify_log(&s), Err(StoreError::Corrupt(_))));
    // Reads that do not cross the gap still work.
    assert_eq!(read_range(&s, 3, None).unwrap().len(), 2);
    assert_eq!(read_range(&s, 0, Some(2)).unwrap().len(), 2);
}

#[test]
fn log_not_starting_at_one_is_refused_at_open() {
    let (_d, path) = temp_db();
    seeded(&path, 4);
    raw(&path, "DELETE FROM events WHERE seq = 1");
    let err = SqliteStore::open(&path, SqliteOptions::default()).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
}

#[test]
fn invalid_utf8_is_reported_as_corrupt() {
    let (_d, path) = temp_db();
    seeded(&path, 3);
    raw(
        &path,
        "UPDATE events SET payload = CAST(x'ff41' AS TEXT) WHERE seq = 2",
    );
    let s = open(&path);
    let mut seen = 0;
    let err = s
        .scan(0, None, &mut |_| {
            seen += 1;
            Ok(())
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert_eq!(seen, 1, "events before the bad one are delivered");
}

#[test]
fn snapshot_beyond_head_is_reported_as_corrupt() {
    let (_d, path) = temp_db();
    {
        let mut s = open(&path);
        s.append(None, &events(3)).unwrap();
        s.put_snapshot(3, b"s").unwrap();
    }
    raw(&path, "DELETE FROM events WHERE seq = 3");
    let s = open(&path);
    assert!(matches!(s.latest_snapshot(), Err(StoreError::Corrupt(_))));
}

#[test]
fn held_write_lock_gives_busy_and_writes_nothing() {
    let (_d, path) = temp_db();
    let mut s = SqliteStore::open(
        &path,
        SqliteOptions {
            busy_timeout_ms: 100,
            ..SqliteOptions::default()
        },
    )
    .unwrap();
    s.append(None, &events(2)).unwrap();
    let other = Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = s.append(None, &events(3)).unwrap_err();
    assert!(matches!(err, StoreError::Busy(_)), "{err:?}");
    // Readers are not blocked by the writer in WAL mode.
    assert_eq!(s.head().unwrap(), 2);
    other.execute_batch("ROLLBACK").unwrap();
    assert_eq!(s.append(Some(2), &events(3)).unwrap(), 3..=5);
}

#[test]
fn threads_with_own_handles_append_without_interleaving() {
    let (_d, path) = temp_db();
    drop(open(&path));
    const THREADS: usize = 4;
    const BATCHES: usize = 40;
    const SIZE: usize = 3;
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut s = open(&path);
                let mut conflicts = 0;
                for b in 0..BATCHES {
                    let batch: Vec<NewEvent> = (0..SIZE)
                        .map(|i| NewEvent {
                            kind: "t".into(),
                            actor: format!("thread{t}"),
                            at_unix_ms: 0,
                            payload: format!("{t}/{b}/{i}"),
                        })
                        .collect();
                    if b % 2 == 0 {
                        s.append(None, &batch).unwrap();
                        continue;
                    }
                    loop {
                        let h = s.head().unwrap();
                        match s.append(Some(h), &batch) {
                            Ok(r) => {
                                assert_eq!(*r.start(), h + 1);
                                break;
                            }
                            Err(StoreError::Conflict { .. }) => conflicts += 1,
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
                conflicts
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let s = open(&path);
    let all = read_range(&s, 0, None).unwrap();
    assert_eq!(all.len(), THREADS * BATCHES * SIZE);
    assert_eq!(verify_log(&s).unwrap(), (THREADS * BATCHES * SIZE) as u64);
    for chunk in all.chunks(SIZE) {
        let prefix = chunk[0].payload.rsplit_once('/').unwrap().0;
        for (i, e) in chunk.iter().enumerate() {
            assert_eq!(
                e.payload,
                format!("{prefix}/{i}"),
                "batch split at seq {}",
                e.seq
            );
        }
    }
}

#[test]
fn scan_streams_a_large_log_and_allows_reads_inside_the_callback() {
    let (_d, path) = temp_db();
    let mut s = open(&path);
    let n = 200_000usize;
    for chunk in (0..n).collect::<Vec<_>>().chunks(50_000) {
        let batch: Vec<NewEvent> = chunk.iter().map(|&i| ev(i)).collect();
        s.append(None, &batch).unwrap();
    }
    s.put_snapshot(7, b"seven").unwrap();
    let mut count = 0usize;
    let mut nested = 0usize;
    s.scan(0, None, &mut |e| {
        assert_eq!(e.payload, format!("{{\"i\":{}}}", e.seq - 1));
        count += 1;
        if e.seq % 50_000 == 0 {
            assert_eq!(s.head()?, n as u64);
            assert_eq!(s.latest_snapshot()?, Some((7, b"seven".to_vec())));
            nested += read_range(&s, e.seq - 1, Some(2))?.len();
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(count, n);
    assert_eq!(nested, 3 * 2 + 1);
}

#[test]
fn store_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<SqliteStore>();
    assert_send::<Box<dyn Store>>();
}

/// `is_store_file` tells a store from anything else, and only reads: a text file, an empty file
/// and another program's database are not stores and stay byte for byte as they were; opening
/// such a database as a store is refused before its journal mode is switched.
#[test]
fn is_store_file_only_reads() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("missing.db");
    assert!(!SqliteStore::is_store_file(&missing));
    assert!(!missing.exists(), "not created");
    let store = dir.path().join("book.db");
    SqliteStore::open(&store, SqliteOptions::default())
        .unwrap()
        .append(Some(0), &events(2))
        .unwrap();
    assert!(SqliteStore::is_store_file(&store));
    let text = dir.path().join("README.md");
    std::fs::write(&text, "# not a store\n").unwrap();
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, "").unwrap();
    let foreign = dir.path().join("other.sqlite");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('x');")
        .unwrap();
    for f in [&text, &empty, &foreign] {
        let before = std::fs::read(f).unwrap();
        assert!(!SqliteStore::is_store_file(f), "{f:?}");
        assert_eq!(std::fs::read(f).unwrap(), before, "{f:?}");
    }
    let before = std::fs::read(&foreign).unwrap();
    let err = SqliteStore::open(&foreign, SqliteOptions::default()).unwrap_err();
    assert!(matches!(err, StoreError::NotAStore(_)), "{err:?}");
    assert_eq!(
        std::fs::read(&foreign).unwrap(),
        before,
        "still in its journal mode"
    );
    assert!(!SqliteStore::is_store_file(dir.path()), "a directory");
}
