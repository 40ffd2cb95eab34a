//! Rebuilding a book from its event log: the one fold the CLI and the server share.

use book::{Book, Event};

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
