//! The book on disk: an event store plus the fold that rebuilds the book from it.
//!
//! Opening starts from the latest snapshot when it is usable (`scenario::load_book`); a commit
//! writes a new snapshot when the log after the last one has grown past
//! [`scenario::SnapshotRule::DEFAULT`]. A snapshot is a cache of the fold at its seq: a failure
//! to write one is a warning, never a failed command, and one that cannot be read is replayed
//! around.

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
    /// The events after the latest snapshot (as far as this process knows).
    tail: scenario::Tail,
    /// A replacement being written beside the book it replaces: `(this file, the book's)`.
    /// [`BookDb::install`] puts it in place; until then the old book is untouched.
    replacing: Option<(PathBuf, PathBuf)>,
}

/// A snapshot written: the event it is of and its size.
pub struct Written {
    pub seq: u64,
    pub bytes: usize,
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
        let mut replacing = None;
        if path.exists() {
            // Only an allot book is ever written over (a missing file is created): anything
            // else is refused before it is touched.
            if !SqliteStore::is_store_file(path) {
                bail!(crate::bad(format!(
                    "{}: not an allot book (not an SQLite file with the book's schema); \
                     init, gen and demo write only a new file or, with --force, over an allot \
                     book: pass --db another file, or remove that one yourself",
                    path.display()
                )));
            }
            if !force {
                let store = open_store(path)?;
                if store.head()? > 0 {
                    bail!(
                        "{} already holds a book; pass --force to replace it",
                        path.display()
                    );
                }
            } else {
                // The new book is written beside the old one, which stays as it is until
                // `install` (a failure on the way, e.g. a generated book too large for the
                // store, leaves it intact).
                if let Some(who) = api::served_by(path) {
                    bail!(
                        "{} is served by {who}; stop that server before replacing the book",
                        path.display()
                    );
                }
                let mut tmp = path.as_os_str().to_owned();
                tmp.push(".new");
                let tmp = PathBuf::from(tmp);
                remove_db(&tmp)?;
                replacing = Some((tmp, path.to_path_buf()));
            }
        }
        let target = replacing.as_ref().map_or(path, |(tmp, _)| tmp.as_path());
        let mut store = open_store(target)?;
        let event = Event::BookCreated(Box::new(spec));
        let record = encode(&event, actor);
        let range = match store.append(Some(0), std::slice::from_ref(&record)) {
            Ok(range) => range,
            Err(e) => {
                drop(store);
                if let Some((tmp, _)) = &replacing {
                    let _ = remove_db(tmp);
                }
                return Err(e.into());
            }
        };
        let mut tail = scenario::Tail::default();
        tail.add(record.payload.len());
        Ok(BookDb {
            store,
            book,
            head: *range.end(),
            actor: actor.to_string(),
            tail,
            replacing,
        })
    }

    /// Puts a replacement made by [`BookDb::create`] (with `force`) in place of the book it
    /// replaces, once everything is written to it; nothing to do otherwise.
    pub fn install(&mut self) -> Result<()> {
        let Some((tmp, path)) = self.replacing.take() else {
            return Ok(());
        };
        // Closed first, so that SQLite folds its log into the file.
        let store = std::mem::replace(&mut self.store, SqliteStore::open_in_memory()?);
        drop(store);
        remove_db(&path)?;
        for suffix in ["", "-wal", "-shm"] {
            let (mut from, mut to) = (tmp.as_os_str().to_owned(), path.as_os_str().to_owned());
            from.push(suffix);
            to.push(suffix);
            if Path::new(&from).exists() {
                std::fs::rename(&from, &to)
                    .with_context(|| format!("moving the new book into {}", path.display()))?;
            }
        }
        self.store = open_store(&path)?;
        Ok(())
    }

    /// Drops a replacement made by [`BookDb::create`] that could not be finished: the book it
    /// was to replace stays as it was.
    pub fn discard(self) {
        let BookDb {
            store, replacing, ..
        } = self;
        drop(store);
        if let Some((tmp, _)) = replacing {
            let _ = remove_db(&tmp);
        }
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
        let loaded = scenario::load_book(&store)?
            .ok_or_else(|| anyhow!("{} holds no book", path.display()))?;
        if let Some(w) = &loaded.warning {
            eprintln!("warning: {}: {w}", path.display());
        }
        Ok(BookDb {
            store,
            book: loaded.book,
            head: loaded.head,
            actor: actor.to_string(),
            tail: loaded.tail,
            replacing: None,
        })
    }

    /// Closes the store and leaves the book's memory to the operating system: a command about
    /// to exit need not free a large book's orders one by one (~25 ms at 1M orders).
    pub fn close_leaving_book(self) {
        let BookDb { store, book, .. } = self;
        drop(store);
        std::mem::forget(book);
    }

    /// Writes a snapshot of the book as of its head now.
    pub fn snapshot(&mut self) -> Result<Written> {
        let blob = scenario::encode_snapshot(&self.book, self.head);
        self.store
            .put_snapshot(self.head, &blob)
            .context("writing the snapshot")?;
        self.tail = scenario::Tail::default();
        Ok(Written {
            seq: self.head,
            bytes: blob.len(),
        })
    }

    /// Writes a snapshot if the log after the last one has grown past the rule. A failure is a
    /// warning: the events are already durable, and the snapshot is only a cache.
    pub fn snapshot_if_due(&mut self) -> Option<Written> {
        if !scenario::SnapshotRule::DEFAULT.due(self.tail) {
            return None;
        }
        self.snapshot()
            .map_err(|e| eprintln!("warning: no snapshot written: {e:#}"))
            .ok()
    }

    /// Ends a bulk change with a snapshot unless one was just written at the head.
    pub fn ensure_snapshot(&mut self) -> Result<Option<Written>> {
        if self.tail.events == 0 {
            return Ok(None);
        }
        self.snapshot().map(Some)
    }

    /// Validates `events` against the book, then appends them atomically and durably, then
    /// applies them. Nothing is written if any event is refused. If another process (a second
    /// CLI, the server) appended meanwhile, its events are folded in and `events` validated
    /// again against the book they leave, a few times, before the command gives up with
    /// nothing written. Writes a snapshot afterwards when one is due.
    pub fn commit(&mut self, events: Vec<Event>) -> Result<std::ops::RangeInclusive<u64>> {
        const ATTEMPTS: usize = 16;
        let records: Vec<NewEvent> = events.iter().map(|e| encode(e, &self.actor)).collect();
        let mut events = Some(events);
        for attempt in 1.. {
            // After a conflict, the events again, from what was to be written.
            let events = match events.take() {
                Some(events) => events,
                None => records
                    .iter()
                    .map(|r| scenario::decode_event(&r.kind, &r.payload))
                    .collect::<Result<_, _>>()
                    .map_err(|e| anyhow!("re-reading a change to retry it: {e}"))?,
            };
            let next = self.validate(events)?;
            match self.store.append(Some(self.head), &records) {
                Ok(range) => return Ok(self.landed(next, range, records)),
                Err(store::StoreError::Conflict { .. }) if attempt < ATTEMPTS => self.catch_up()?,
                Err(store::StoreError::Conflict { .. }) => bail!(
                    "the book kept changing under this command (other writers appended {ATTEMPTS} \
                     times in a row); nothing was recorded: run it again"
                ),
                Err(e) => return Err(e.into()),
            }
        }
        unreachable!("the loop returns")
    }

    /// Plans are recorded only against the book they were made from: a plan recorded after
    /// another process changed the book would promise from stale state, so a conflict is an
    /// error here (nothing written), never retried.
    pub fn commit_at_head(&mut self, events: Vec<Event>) -> Result<std::ops::RangeInclusive<u64>> {
        let records: Vec<NewEvent> = events.iter().map(|e| encode(e, &self.actor)).collect();
        let next = self.validate(events)?;
        let range = match self.store.append(Some(self.head), &records) {
            Err(store::StoreError::Conflict { .. }) => bail!(
                "the book changed while this command ran (another process appended to it); \
                 nothing was recorded: run it again"
            ),
            r => r?,
        };
        Ok(self.landed(next, range, records))
    }

    /// After `records` were appended as `range`: `next` (the book they leave) becomes the book,
    /// and a snapshot is written when one is due.
    fn landed(
        &mut self,
        next: Book,
        range: std::ops::RangeInclusive<u64>,
        records: Vec<NewEvent>,
    ) -> std::ops::RangeInclusive<u64> {
        self.book = next;
        self.head = *range.end();
        for r in &records {
            self.tail.add(r.payload.len());
        }
        drop(records);
        self.snapshot_if_due();
        range
    }

    /// Folds the events other processes appended after our head.
    fn catch_up(&mut self) -> Result<()> {
        let mut replay = scenario::Replay::resume(self.book.clone(), self.head);
        let mut tail = self.tail;
        self.store
            .scan(self.head, None, &mut |se| {
                tail.add(se.payload.len());
                replay
                    .apply(se.seq, &se.kind, &se.payload)
                    .map_err(store::StoreError::Corrupt)
            })
            .context("reading the events other processes appended")?;
        let (book, head) = replay
            .finish()
            .ok_or_else(|| anyhow!("the book vanished"))?;
        self.book = book;
        self.head = head;
        self.tail = tail;
        Ok(())
    }

    /// The book after `events`, or the first one's refusal.
    fn validate(&self, events: Vec<Event>) -> Result<Book> {
        let mut next = self.book.clone();
        next.apply_all(events).map_err(|(i, e)| {
            // The command line is the vendor's: a refused confirmation names the change.
            match self
                .book
                .changed_since_plan()
                .filter(|_| e.field == "promise")
            {
                Some(why) => anyhow!("change {} refused: {e} (since it: {why})", i + 1),
                None => anyhow!("change {} refused: {e}", i + 1),
            }
        })?;
        Ok(next)
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

    /// The most events one commit may write (the store's batch limit).
    pub fn max_batch_events(&self) -> usize {
        self.store.limits().max_batch_events
    }

    /// The last event's seq.
    pub fn head(&self) -> u64 {
        self.head
    }
}

/// Removes a database file and its WAL companions; refuses while `allot serve` serves it (the
/// server would go on with the removed file and its write-ahead log).
pub fn remove_db(path: &Path) -> Result<()> {
    if let Some(who) = api::served_by(path) {
        bail!(
            "{} is served by {who}; stop that server before replacing the book",
            path.display()
        );
    }
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
