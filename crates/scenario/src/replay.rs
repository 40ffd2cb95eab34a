//! Rebuilding a book from its event log: the one fold the CLI and the server share, started
//! from the latest snapshot when there is a usable one ([`load_book`]).

use crate::snapshot::decode_snapshot;
use book::{Book, Event};
use store::{Store, StoreError};

/// Folds stored events, in order, into the book they describe. Feed it every event after
/// [`Replay::head`]; the first event of a log must create the book.
#[derive(Default)]
pub struct Replay {
    book: Option<Book>,
    head: u64,
}

impl Replay {
    /// An empty fold, before the log's first event.
    pub fn new() -> Replay {
        Replay::default()
    }

    /// Continues a fold from `book` as of event `head`.
    pub fn resume(book: Book, head: u64) -> Replay {
        Replay {
            book: Some(book),
            head,
        }
    }

    /// Applies stored event `seq` (of `kind`, with `payload`). The error names the event and
    /// says what is wrong: a payload that does not decode, an event before the book's creation,
    /// or one the book refuses (a log no longer consistent with the code).
    pub fn apply(&mut self, seq: u64, kind: &str, payload: &str) -> Result<(), String> {
        let event = crate::decode_event(kind, payload).map_err(|e| format!("event {seq}: {e}"))?;
        match (self.book.as_mut(), event) {
            (None, Event::BookCreated(spec)) => {
                self.book = Some(Book::new(*spec).map_err(|e| format!("event {seq}: {e}"))?);
            }
            (None, _) => return Err(format!("event {seq} precedes the book's creation")),
            (Some(b), e) => b
                .apply(e)
                .map_err(|e| format!("event {seq} no longer applies: {e}"))?,
        }
        self.head = seq;
        Ok(())
    }

    /// The last event applied (0 before the first).
    pub fn head(&self) -> u64 {
        self.head
    }

    /// The book and its head, or None if no event created one.
    pub fn finish(self) -> Option<(Book, u64)> {
        let head = self.head;
        self.book.map(|b| (b, head))
    }
}

/// The events after the latest snapshot (or all of them, when there is none): what
/// [`SnapshotRule`] looks at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tail {
    /// Events.
    pub events: u64,
    /// Their payloads' bytes.
    pub payload_bytes: u64,
}

impl Tail {
    /// Counts one more event with a payload of `payload_bytes`.
    pub fn add(&mut self, payload_bytes: usize) {
        self.events += 1;
        self.payload_bytes = self.payload_bytes.saturating_add(payload_bytes as u64);
    }
}

/// When to write a snapshot: once the tail after the latest one holds at least `events` events
/// or `payload_bytes` bytes of payload. Replaying a tail costs about its payload; writing a
/// snapshot costs about the book; so a book is checkpointed after a bulk change (an import, a
/// recorded plan of a large book) or a long run of small ones, not after every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotRule {
    /// Events in the tail that make a snapshot due.
    pub events: u64,
    /// Payload bytes in the tail that make a snapshot due.
    pub payload_bytes: u64,
}

impl SnapshotRule {
    /// 10,000 events or 8 MiB of payload, whichever comes first.
    pub const DEFAULT: SnapshotRule = SnapshotRule {
        events: 10_000,
        payload_bytes: 8 << 20,
    };

    /// True when `tail` is long enough to be worth a snapshot.
    pub fn due(&self, tail: Tail) -> bool {
        tail.events >= self.events || tail.payload_bytes >= self.payload_bytes
    }
}

impl Default for SnapshotRule {
    fn default() -> Self {
        SnapshotRule::DEFAULT
    }
}

/// A book read from a store by [`load_book`].
#[derive(Debug)]
pub struct Loaded {
    /// The book as of `head`.
    pub book: Book,
    /// The last event folded into it.
    pub head: u64,
    /// The seq of the snapshot the fold started from (None: it replayed the whole log).
    pub snapshot: Option<u64>,
    /// The events replayed after the snapshot (all of them without one).
    pub tail: Tail,
    /// Why a stored snapshot was passed over, in one line (the log was replayed instead).
    pub warning: Option<String>,
}

/// Folds every event after `replay`'s head into it, counting them.
fn fold_rest(store: &dyn Store, mut replay: Replay) -> Result<(Replay, Tail), StoreError> {
    let mut tail = Tail::default();
    store.scan(replay.head(), None, &mut |se| {
        tail.add(se.payload.len());
        replay
            .apply(se.seq, &se.kind, &se.payload)
            .map_err(StoreError::Corrupt)
    })?;
    Ok((replay, tail))
}

/// Reads the book from `store`: from the latest snapshot plus the events after it when the
/// snapshot is usable, otherwise by replaying the whole log. A snapshot is a cache: one that
/// cannot be read, does not decode, is of another format version, or whose tail no longer
/// applies, is passed over with a one-line [`Loaded::warning`], and the log decides. `Ok(None)`
/// if the log holds no book.
pub fn load_book(store: &dyn Store) -> Result<Option<Loaded>, StoreError> {
    let warning = match store.latest_snapshot() {
        Ok(None) => None,
        Err(e) => Some(format!("snapshot not read ({e}); replayed the whole log")),
        Ok(Some((seq, blob))) => {
            let decoded = decode_snapshot(&blob);
            drop(blob);
            match decoded {
                Ok((book, at)) if at == seq && seq > 0 => {
                    match fold_rest(store, Replay::resume(book, seq)) {
                        Ok((replay, tail)) => {
                            return Ok(replay.finish().map(|(book, head)| Loaded {
                                book,
                                head,
                                snapshot: Some(seq),
                                tail,
                                warning: None,
                            }));
                        }
                        Err(e) => Some(format!(
                            "snapshot at event {seq} not used: the log after it does not apply \
                             to it ({e}); replayed the whole log"
                        )),
                    }
                }
                Ok((_, at)) => Some(format!(
                    "snapshot stored at event {seq} is of event {at}; replayed the whole log"
                )),
                Err(e) => Some(format!(
                    "snapshot at event {seq} not used ({e}); replayed the whole log"
                )),
            }
        }
    };
    let (replay, tail) = fold_rest(store, Replay::new())?;
    Ok(replay.finish().map(|(book, head)| Loaded {
        book,
        head,
        snapshot: None,
        tail,
        warning,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn created() -> (String, String) {
        crate::encode_event(&Event::BookCreated(Box::new(crate::demo_spec())))
    }

    #[test]
    fn folds_a_log_and_names_the_bad_event() {
        let (kind, payload) = created();
        let mut r = Replay::new();
        assert_eq!(r.head(), 0);
        let cancel = Event::OrderCancelled {
            order: "o-001".into(),
            reason: "test".into(),
        };
        let (ck, cp) = crate::encode_event(&cancel);
        // An event before the book's creation is refused and names its seq.
        let err = r.apply(1, &ck, &cp).unwrap_err();
        assert!(err.contains("event 1 precedes"), "{err}");
        r.apply(1, &kind, &payload).unwrap();
        r.apply(2, &ck, &cp).unwrap();
        // Cancelling twice no longer applies; a garbled payload does not decode.
        let err = r.apply(3, &ck, &cp).unwrap_err();
        assert!(err.starts_with("event 3 no longer applies"), "{err}");
        let err = r.apply(3, &ck, "{not json").unwrap_err();
        assert!(err.starts_with("event 3:"), "{err}");
        let (book, head) = r.finish().unwrap();
        assert_eq!(head, 2);
        let o = book.order_idx("o-001").unwrap();
        assert!(!book.order_at(o).status.is_open());
        // Resuming continues from the head.
        let r = Replay::resume(book, head);
        assert_eq!(r.head(), 2);
        assert!(Replay::new().finish().is_none());
    }
}
