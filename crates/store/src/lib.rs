//! Append-only event storage for allot's order book.
//!
//! Every change to the book is an appended event; the book is rebuilt by
//! folding the log. This crate is persistence only: it stores opaque event
//! records ([`NewEvent`] in, [`StoredEvent`] out) plus one opaque snapshot blob,
//! and knows nothing about the domain or about JSON.
//!
//! * [`Store`] is the narrow interface every backend implements.
//! * [`SqliteStore`] is the default backend: one embedded SQLite file in WAL
//!   mode, `synchronous=FULL`, one `BEGIN IMMEDIATE` transaction per batch.
//! * [`conformance`] is the single behavioural test suite every backend runs.
//!
//! Contract shared by all backends:
//! * seqs are 1-based, dense and increasing; a batch is appended all or none;
//! * when [`Store::append`] returns `Ok`, the batch survives a `kill -9`;
//! * input is validated against [`Limits`] before the backend is touched, so a
//!   rejected batch changes nothing;
//! * strings must not contain U+0000 (not every backend can store it), which is
//!   rejected up front with [`StoreError::InvalidEvent`];
//! * reads check the log invariants and report [`StoreError::Corrupt`].

#![deny(missing_docs)]

use std::ops::RangeInclusive;

pub mod conformance;
mod sqlite;

pub use sqlite::{SqliteOptions, SqliteStore, SCHEMA_VERSION};

/// An event to append; the store assigns its seq.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    /// What happened (event type name), opaque to the store.
    pub kind: String,
    /// Who did it, opaque to the store.
    pub actor: String,
    /// When it happened, milliseconds since the Unix epoch (any i64).
    pub at_unix_ms: i64,
    /// The event body (typically JSON), opaque to the store.
    pub payload: String,
}

/// An event as read back from the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// Position in the log: 1-based, dense, increasing.
    pub seq: u64,
    /// What happened (event type name).
    pub kind: String,
    /// Who did it.
    pub actor: String,
    /// When it happened, milliseconds since the Unix epoch.
    pub at_unix_ms: i64,
    /// The event body.
    pub payload: String,
}

impl StoredEvent {
    /// Drops the seq, giving back the event as it was appended.
    pub fn into_new(self) -> NewEvent {
        NewEvent {
            kind: self.kind,
            actor: self.actor,
            at_unix_ms: self.at_unix_ms,
            payload: self.payload,
        }
    }
}

/// Input limits checked before any write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most events accepted in one [`Store::append`] call (default 100 000).
    pub max_batch_events: usize,
    /// Largest accepted `payload`, in bytes (default 256 MiB).
    pub max_payload_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_batch_events: 100_000,
            max_payload_bytes: 256 * 1024 * 1024,
        }
    }
}

impl Limits {
    /// Checks a batch against these limits and the string rules; touches nothing.
    pub fn validate(&self, events: &[NewEvent]) -> Result<(), StoreError> {
        if events.len() > self.max_batch_events {
            return Err(StoreError::BatchTooLarge {
                events: events.len(),
                limit: self.max_batch_events,
            });
        }
        for (index, e) in events.iter().enumerate() {
            if e.payload.len() > self.max_payload_bytes {
                return Err(StoreError::PayloadTooLarge {
                    index,
                    bytes: e.payload.len(),
                    limit: self.max_payload_bytes,
                });
            }
            for (field, value) in [
                ("kind", &e.kind),
                ("actor", &e.actor),
                ("payload", &e.payload),
            ] {
                if value.contains('\0') {
                    return Err(StoreError::InvalidEvent {
                        index,
                        reason: format!("{field} contains U+0000"),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Everything that can go wrong in a store.
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend failed (I/O, SQL, ...); the message is the backend's.
    #[error("store backend error: {0}")]
    Backend(String),
    /// The backend could not get its write lock in time; retrying may succeed.
    #[error("store busy: {0}")]
    Busy(String),
    /// The batch has more events than [`Limits::max_batch_events`].
    #[error("batch of {events} events exceeds the limit of {limit}")]
    BatchTooLarge {
        /// Events in the rejected batch.
        events: usize,
        /// The configured limit.
        limit: usize,
    },
    /// One payload is larger than [`Limits::max_payload_bytes`].
    #[error("payload of event {index} in batch is {bytes} bytes, limit is {limit}")]
    PayloadTooLarge {
        /// Index of the offending event within the batch.
        index: usize,
        /// Its payload size in bytes.
        bytes: usize,
        /// The configured limit.
        limit: usize,
    },
    /// One event breaks a rule other than size (e.g. contains U+0000).
    #[error("event {index} in batch is invalid: {reason}")]
    InvalidEvent {
        /// Index of the offending event within the batch.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// Optimistic concurrency failure: the head moved.
    #[error("conflict: expected head {expected_head}, actual head {actual_head}")]
    Conflict {
        /// The head the caller expected.
        expected_head: u64,
        /// The head found in the store.
        actual_head: u64,
    },
    /// A snapshot was offered for a seq the log has not reached.
    #[error("snapshot at seq {seq} is ahead of the log head {head}")]
    SnapshotAhead {
        /// The snapshot's seq.
        seq: u64,
        /// The current head.
        head: u64,
    },
    /// Stored data breaks an invariant (gap in seqs, bad types, ...).
    #[error("store is corrupt: {0}")]
    Corrupt(String),
    /// The file was written by a newer version of this crate.
    #[error(
        "store schema version {found} is newer than the supported version {supported}; \
         upgrade allot to open this file"
    )]
    SchemaTooNew {
        /// Version found in the file.
        found: i64,
        /// Highest version this build understands.
        supported: i64,
    },
    /// The file is a database but not an allot event store.
    #[error("not an allot event store: {0}")]
    NotAStore(String),
}

/// The narrow persistence interface every backend implements.
pub trait Store: Send {
    /// Appends the batch atomically (all or none) and durably: when this
    /// returns Ok, the events survive a kill -9 of the process. Returns the
    /// seqs assigned.
    ///
    /// If `expected_head` is `Some(h)`, fails with [`StoreError::Conflict`]
    /// unless the current head is `h` (optimistic concurrency). The batch is
    /// validated against [`Store::limits`] first; an invalid batch writes
    /// nothing. An empty batch writes nothing and returns the empty range
    /// `head + 1 ..= head` (after the same head check).
    fn append(
        &mut self,
        expected_head: Option<u64>,
        events: &[NewEvent],
    ) -> Result<RangeInclusive<u64>, StoreError>;

    /// Highest seq (0 when empty).
    fn head(&self) -> Result<u64, StoreError>;

    /// Calls `f` for each event with seq > `after`, in order, at most `limit`
    /// events (None = all). Streaming: events are read one at a time. An error
    /// from `f` stops the scan and is returned as is.
    fn scan(
        &self,
        after: u64,
        limit: Option<usize>,
        f: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// Stores an opaque blob valid as of `seq` (`seq <= head`), replacing any
    /// previous snapshot (last write wins).
    fn put_snapshot(&mut self, seq: u64, blob: &[u8]) -> Result<(), StoreError>;

    /// Reads back the snapshot last stored, if any.
    fn latest_snapshot(&self) -> Result<Option<(u64, Vec<u8>)>, StoreError>;

    /// The input limits this store enforces.
    fn limits(&self) -> Limits;
}

/// Reads the whole log, checking density, and returns the number of events
/// (which equals the head). Useful after a crash or before trusting a file.
pub fn verify_log(store: &dyn Store) -> Result<u64, StoreError> {
    let head = store.head()?;
    let mut last = 0u64;
    store.scan(0, None, &mut |e| {
        if e.seq != last + 1 {
            return Err(StoreError::Corrupt(format!(
                "seq {} follows seq {last}",
                e.seq
            )));
        }
        last = e.seq;
        Ok(())
    })?;
    if last != head {
        return Err(StoreError::Corrupt(format!(
            "scan ended at seq {last} but head is {head}"
        )));
    }
    Ok(last)
}

/// Collects `scan(after, limit)` into a vector; convenient for small reads.
pub fn read_range(
    store: &dyn Store,
    after: u64,
    limit: Option<usize>,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut out = Vec::new();
    store.scan(after, limit, &mut |e| {
        out.push(e);
        Ok(())
    })?;
    Ok(out)
}
