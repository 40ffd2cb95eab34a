//! The book on disk: an event store plus the fold that rebuilds the book from it.

use anyhow::{anyhow, bail, Context, Result};
use book::{Book, Event};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};
use store::{NewEvent, SqliteOptions, SqliteStore, Store};

/// An open book: the store, the folded book, and the head it reflects.
pub struct BookDb {
    store: SqliteStore,
    /// The book as of `head`.
    pub book: Book,
    head: u64,
    actor: String,
}

/// A decoded history entry.
pub struct HistoryEntry {
    pub seq: u64,
    pub at_unix_ms: i64,
    pub actor: String,
    pub kind: String,
    pub event: Event,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn encode(e: &Event, actor: &str) -> NewEvent {
    let (kind, payload) = scenario::encode_event(e);
    NewEvent {
        kind,
        actor: actor.to_string(),
        at_unix_ms: now_ms(),
        payload,
    }
}

/// Opens the store file without requiring a book.
fn open_store(path: &Path) -> Result<SqliteStore> {
    SqliteStore::open(path, SqliteOptions::default())
        .with_context(|| format!("opening {}", path.display()))
}

impl BookDb {
    /// Creates a new book file from `spec`. Refuses to overwrite an existing book unless `force`.
    pub fn create(path: &Path, spec: book::BookSpec, actor: &str, force: bool) -> Result<BookDb> {
        let book = Book::new(spec.clone()).map_err(|e| anyhow!("the book is invalid: {e}"))?;
        if path.exists() {
            if !force {
                let store = open_store(path)?;
                if store.head()? > 0 {
                    bail!(
                        "{} already holds a book; pass --force to replace it",
                        path.display()
                    );
                }
            } else {
                remove_db(path)?;
            }
        }
        let mut store = open_store(path)?;
        let event = Event::BookCreated(Box::new(spec));
        let range = store.append(Some(0), &[encode(&event, actor)])?;
        Ok(BookDb {
            store,
            book,
            head: *range.end(),
            actor: actor.to_string(),
        })
    }

    /// Opens an existing book and rebuilds it from its events, checking it as it goes.
    pub fn open(path: &Path, actor: &str) -> Result<BookDb> {
        if !path.exists() {
            bail!(
                "no book at {} (create one with `allot demo` or `allot init <scenario>`)",
                path.display()
            );
        }
        let store = open_store(path)?;
        let mut replay = scenario::Replay::new();
        store.scan(0, None, &mut |se| {
            replay
                .apply(se.seq, &se.kind, &se.payload)
                .map_err(store::StoreError::Corrupt)
        })?;
        let (book, last) = replay
            .finish()
            .ok_or_else(|| anyhow!("{} holds no book", path.display()))?;
        Ok(BookDb {
            store,
            book,
            head: last,
            actor: actor.to_string(),
        })
    }

    /// Validates `events` against the book, then appends them atomically and durably, then
    /// applies them. Nothing is written if any event is refused.
    pub fn commit(&mut self, events: Vec<Event>) -> Result<std::ops::RangeInclusive<u64>> {
        let records: Vec<NewEvent> = events.iter().map(|e| encode(e, &self.actor)).collect();
        let mut next = self.book.clone();
        next.apply_all(events)
            .map_err(|(i, e)| anyhow!("change {} refused: {e}", i + 1))?;
        let range = self.store.append(Some(self.head), &records)?;
        self.book = next;
        self.head = *range.end();
        Ok(range)
    }

    /// Events in order (optionally only those naming `filter` in their payload).
    pub fn history(&self, limit: Option<usize>) -> Result<Vec<HistoryEntry>> {
        let mut out = Vec::new();
        self.store.scan(0, None, &mut |se| {
            let event = scenario::decode_event(&se.kind, &se.payload)
                .map_err(|e| store::StoreError::Corrupt(format!("event {}: {e}", se.seq)))?;
            out.push(HistoryEntry {
                seq: se.seq,
                at_unix_ms: se.at_unix_ms,
                actor: se.actor,
                kind: se.kind,
                event,
            });
            Ok(())
        })?;
        if let Some(l) = limit {
            let skip = out.len().saturating_sub(l);
            out.drain(..skip);
        }
        Ok(out)
    }

    /// The last event's seq.
    pub fn head(&self) -> u64 {
        self.head
    }
}

/// Removes a database file and its WAL companions.
pub fn remove_db(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = PathBuf::from(path).into_os_string();
        p.push(suffix);
        let p = PathBuf::from(p);
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
        }
    }
    Ok(())
}
