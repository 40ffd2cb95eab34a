//! Embedded SQLite backend: one file, WAL journal, `synchronous=FULL`.

use std::ops::RangeInclusive;
use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};

use crate::{Limits, NewEvent, Store, StoreError, StoredEvent};

/// Schema version this build writes and the newest it can open.
pub const SCHEMA_VERSION: i64 = 1;

/// `PRAGMA application_id` marking a file as an allot event store ("allt").
const APPLICATION_ID: i32 = 0x616C_6C74;

const SCHEMA_V1: &str = "
CREATE TABLE schema_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
) STRICT;
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY CHECK (seq > 0),
    kind       TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    at_unix_ms INTEGER NOT NULL,
    payload    TEXT    NOT NULL
) STRICT;
CREATE TABLE snapshot (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    blob BLOB    NOT NULL
) STRICT;
";

const SQL_HEAD: &str = "SELECT COALESCE(MAX(seq), 0) FROM events";
const SQL_INSERT: &str =
    "INSERT INTO events (seq, kind, actor, at_unix_ms, payload) VALUES (?1, ?2, ?3, ?4, ?5)";
const SQL_SCAN: &str =
    "SELECT seq, kind, actor, at_unix_ms, payload FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2";

/// How to open a [`SqliteStore`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SqliteOptions {
    /// `synchronous=FULL` (fsync on every commit) when true, `NORMAL` otherwise
    /// (default true). Both survive a process kill; only FULL survives power loss.
    pub synchronous_full: bool,
    /// Input limits enforced by [`Store::append`].
    pub limits: Limits,
    /// How long to wait for another connection's lock before [`StoreError::Busy`] (default 5000).
    pub busy_timeout_ms: u32,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            synchronous_full: true,
            limits: Limits::default(),
            busy_timeout_ms: 5000,
        }
    }
}

/// The embedded SQLite backend of [`Store`].
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    limits: Limits,
}

/// Maps a SQLite error to the crate's error, classifying the cases callers act on.
fn backend(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StoreError::Busy(e.to_string()),
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => {
                StoreError::Corrupt(e.to_string())
            }
            _ => StoreError::Backend(e.to_string()),
        },
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::Utf8Error(..) => StoreError::Corrupt(e.to_string()),
        _ => StoreError::Backend(e.to_string()),
    }
}

/// Converts a stored seq (SQLite INTEGER) to u64, rejecting non-positive values.
fn seq_from_db(v: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} is negative: {v}")))
}

/// Converts a caller's seq to SQLite INTEGER.
fn seq_to_db(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Backend(format!("seq {v} exceeds i64::MAX")))
}

impl SqliteStore {
    /// Opens (creating if missing) the store file at `path`.
    ///
    /// Fails with [`StoreError::SchemaTooNew`] for a file written by a newer
    /// version and [`StoreError::NotAStore`] for an unrelated SQLite database.
    pub fn open(path: &Path, opts: SqliteOptions) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(backend)?;
        Self::init(conn, opts, true)
    }

    /// Whether `path` is an allot event store: an SQLite database with the store's application
    /// id (or none, as SQLite leaves it) and the store's tables. Only reads: the file is opened
    /// read-only, never created, and nothing is written to it, whatever it holds (a text file,
    /// another program's database). A missing file is not one.
    pub fn is_store_file(path: &Path) -> bool {
        use rusqlite::OpenFlags;
        use std::io::Read;
        // Not even an SQLite file (a text file, an empty one): SQLite is not asked.
        let mut header = [0u8; 16];
        let is_sqlite = std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut header))
            .is_ok()
            && &header == b"SQLite format 3\0";
        if !is_sqlite {
            return false;
        }
        let Ok(conn) = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        ) else {
            return false;
        };
        let app_id: Result<i32, _> = conn.pragma_query_value(None, "application_id", |r| r.get(0));
        if !matches!(app_id, Ok(id) if id == 0 || id == APPLICATION_ID) {
            return false;
        }
        match user_tables(&conn) {
            Ok(t) => ["schema_version", "events", "snapshot"]
                .iter()
                .all(|n| t.iter().any(|x| x == n)),
            Err(_) => false,
        }
    }

    /// Opens a fresh private in-memory store with default options (for tests).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::open_in_memory_with(SqliteOptions::default())
    }

    /// Opens a fresh private in-memory store with the given options.
    pub fn open_in_memory_with(opts: SqliteOptions) -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(backend)?;
        Self::init(conn, opts, false)
    }

    fn init(mut conn: Connection, opts: SqliteOptions, file: bool) -> Result<Self, StoreError> {
        conn.busy_timeout(Duration::from_millis(u64::from(opts.busy_timeout_ms)))
            .map_err(backend)?;
        // Reading the header first turns "not a database" into a clear error.
        let app_id: i32 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(backend)?;
        if app_id != 0 && app_id != APPLICATION_ID {
            return Err(StoreError::NotAStore(format!(
                "application_id is {app_id:#x}, expected {APPLICATION_ID:#x}"
            )));
        }
        if file {
            // Another program's database is refused before anything is written to it (the
            // journal mode below is written into the file's header).
            let tables = user_tables(&conn)?;
            if !tables.is_empty() && !tables.iter().any(|t| t == "schema_version") {
                return Err(StoreError::NotAStore(format!(
                    "database has tables {tables:?} but no schema_version"
                )));
            }
            let mode: String = conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
                .map_err(backend)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::Backend(format!(
                    "could not enable WAL journal mode (got {mode})"
                )));
            }
        }
        let sync = if opts.synchronous_full {
            "FULL"
        } else {
            "NORMAL"
        };
        conn.pragma_update(None, "synchronous", sync)
            .map_err(backend)?;
        conn.set_prepared_statement_cache_capacity(16);

        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let tables = user_tables(&tx)?;
        let has = |t: &str| tables.iter().any(|n| n == t);
        if has("schema_version") {
            let version: Option<i64> = tx
                .query_row("SELECT version FROM schema_version WHERE id = 1", [], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(backend)?;
            let version = version
                .ok_or_else(|| StoreError::Corrupt("schema_version table has no row".into()))?;
            if version > SCHEMA_VERSION {
                return Err(StoreError::SchemaTooNew {
                    found: version,
                    supported: SCHEMA_VERSION,
                });
            }
            if version < 1 {
                return Err(StoreError::Corrupt(format!(
                    "schema version {version} is not valid"
                )));
            }
            // Version 1 is the only one so far: nothing to migrate.
            for t in ["events", "snapshot"] {
                if !has(t) {
                    return Err(StoreError::Corrupt(format!("table {t} is missing")));
                }
            }
        } else if !tables.is_empty() {
            return Err(StoreError::NotAStore(format!(
                "database has tables {tables:?} but no schema_version"
            )));
        } else {
            tx.execute_batch(SCHEMA_V1).map_err(backend)?;
            tx.execute(
                "INSERT INTO schema_version (id, version) VALUES (1, ?1)",
                [SCHEMA_VERSION],
            )
            .map_err(backend)?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(backend)?;
        }
        tx.commit().map_err(backend)?;

        let store = SqliteStore {
            conn,
            limits: opts.limits,
        };
        store.check_first_seq()?;
        Ok(store)
    }

    /// Cheap open-time invariant: a non-empty log starts at seq 1.
    fn check_first_seq(&self) -> Result<(), StoreError> {
        let min: Option<i64> = self
            .conn
            .query_row("SELECT MIN(seq) FROM events", [], |r| r.get(0))
            .map_err(backend)?;
        match min {
            None | Some(1) => Ok(()),
            Some(m) => Err(StoreError::Corrupt(format!("log starts at seq {m}, not 1"))),
        }
    }

    fn head_on(conn: &Connection) -> Result<u64, StoreError> {
        let mut st = conn.prepare_cached(SQL_HEAD).map_err(backend)?;
        let h: i64 = st.query_row([], |r| r.get(0)).map_err(backend)?;
        seq_from_db(h, "head")
    }
}

impl Store for SqliteStore {
    fn append(
        &mut self,
        expected_head: Option<u64>,
        events: &[NewEvent],
    ) -> Result<RangeInclusive<u64>, StoreError> {
        self.limits.validate(events)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let head = Self::head_on(&tx)?;
        if let Some(expected) = expected_head {
            if expected != head {
                return Err(StoreError::Conflict {
                    expected_head: expected,
                    actual_head: head,
                });
            }
        }
        if events.is_empty() {
            // Nothing to write; dropping the transaction rolls it back.
            return Ok(head + 1..=head);
        }
        let last = head
            .checked_add(events.len() as u64)
            .filter(|l| *l <= i64::MAX as u64)
            .ok_or_else(|| StoreError::Backend("seq space exhausted".into()))?;
        {
            let mut ins = tx.prepare_cached(SQL_INSERT).map_err(backend)?;
            for (i, e) in events.iter().enumerate() {
                let seq = seq_to_db(head + 1 + i as u64)?;
                ins.execute(params![seq, e.kind, e.actor, e.at_unix_ms, e.payload])
                    .map_err(backend)?;
            }
        }
        tx.commit().map_err(backend)?;
        Ok(head + 1..=last)
    }

    fn head(&self) -> Result<u64, StoreError> {
        Self::head_on(&self.conn)
    }

    fn scan(
        &self,
        after: u64,
        limit: Option<usize>,
        f: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        if limit == Some(0) {
            return Ok(());
        }
        let after_db = i64::try_from(after).unwrap_or(i64::MAX);
        let limit_db = limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let mut st = self.conn.prepare_cached(SQL_SCAN).map_err(backend)?;
        let mut rows = st.query(params![after_db, limit_db]).map_err(backend)?;
        let mut expected = after.saturating_add(1);
        while let Some(row) = rows.next().map_err(backend)? {
            let seq = seq_from_db(row.get(0).map_err(backend)?, "seq")?;
            if seq != expected {
                return Err(StoreError::Corrupt(format!(
                    "expected seq {expected} but found seq {seq} (gap or disorder in the log)"
                )));
            }
            let event = StoredEvent {
                seq,
                kind: row.get(1).map_err(backend)?,
                actor: row.get(2).map_err(backend)?,
                at_unix_ms: row.get(3).map_err(backend)?,
                payload: row.get(4).map_err(backend)?,
            };
            f(event)?;
            expected = seq + 1;
        }
        Ok(())
    }

    fn put_snapshot(&mut self, seq: u64, blob: &[u8]) -> Result<(), StoreError> {
        let seq_db = seq_to_db(seq)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let head = Self::head_on(&tx)?;
        if seq > head {
            return Err(StoreError::SnapshotAhead { seq, head });
        }
        tx.prepare_cached("INSERT OR REPLACE INTO snapshot (id, seq, blob) VALUES (1, ?1, ?2)")
            .and_then(|mut st| st.execute(params![seq_db, blob]))
            .map_err(backend)?;
        tx.commit().map_err(backend)
    }

    fn latest_snapshot(&self) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        // One statement, so the head check sees the same state as the blob.
        let row: Option<(i64, Vec<u8>, i64)> = self
            .conn
            .prepare_cached(
                "SELECT seq, blob, (SELECT COALESCE(MAX(seq), 0) FROM events) \
                 FROM snapshot WHERE id = 1",
            )
            .and_then(|mut st| {
                st.query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()
            })
            .map_err(backend)?;
        let Some((seq, blob, head)) = row else {
            return Ok(None);
        };
        let seq = seq_from_db(seq, "snapshot seq")?;
        let head = seq_from_db(head, "head")?;
        if seq > head {
            return Err(StoreError::Corrupt(format!(
                "snapshot is at seq {seq} but the log head is {head}"
            )));
        }
        Ok(Some((seq, blob)))
    }

    fn limits(&self) -> Limits {
        self.limits
    }
}

/// The names of the database's own tables (SQLite's internal ones left out).
fn user_tables(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut st = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .map_err(backend)?;
    let rows = st.query_map([], |r| r.get(0)).map_err(backend)?;
    rows.collect::<Result<_, _>>().map_err(backend)
}
