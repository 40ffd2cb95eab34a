//! The server's state: the book folded from the store, one writer, and the cached plan.
//!
//! Readers take an `Arc` of the current [`Snapshot`] and never wait for writers. A write
//! validates against the book, appends to the store (durable when it returns), and only then
//! publishes the new snapshot. Planning runs on a snapshot with no lock held on the book.

use crate::tokens::{open_aux, Principal};
use crate::{now_unix_ms, ApiError, Config};
use book::{Book, Event, OrderSpec, Period};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use store::{NewEvent, SqliteOptions, SqliteStore, Store};

/// The book as of one head of the event log.
pub(crate) struct Snapshot {
    pub book: Book,
    pub head: u64,
}

/// A plan and the snapshot it was computed from (its indices refer to that book).
pub(crate) struct CachedPlan {
    pub snapshot: Arc<Snapshot>,
    pub plan: planner::Plan,
}

/// The single writer: the event store and a connection for the idempotency keys.
struct Writer {
    store: SqliteStore,
    aux: Connection,
}

/// Everything the handlers share.
pub(crate) struct Shared {
    pub config: Config,
    current: RwLock<Arc<Snapshot>>,
    writer: Mutex<Writer>,
    auth: Mutex<Connection>,
    /// Held while planning, so concurrent requests wait for one plan instead of each making one.
    plans: tokio::sync::Mutex<Option<Arc<CachedPlan>>>,
}

/// A poisoned lock only means another request panicked; the data behind these locks is
/// replaced whole on success, so it is still consistent.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Fails clearly when there is no book file (instead of creating an empty database).
pub(crate) fn require_book_file(path: &Path) -> Result<(), ApiError> {
    if path.exists() {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "no book at {} (create one with `allot demo` or `allot init <scenario>`)",
            path.display()
        )))
    }
}

fn corrupt(seq: u64, what: impl std::fmt::Display) -> store::StoreError {
    store::StoreError::Corrupt(format!("event {seq}: {what}"))
}

/// Applies the events after `book`'s head (or builds the book from the first one).
fn fold(store: &SqliteStore, book: &mut Option<Book>, head: &mut u64) -> Result<(), ApiError> {
    store.scan(*head, None, &mut |se| {
        let event =
            scenario::decode_event(&se.kind, &se.payload).map_err(|e| corrupt(se.seq, e))?;
        match (book.as_mut(), event) {
            (None, Event::BookCreated(spec)) => {
                *book = Some(Book::new(*spec).map_err(|e| corrupt(se.seq, e))?);
            }
            (None, _) => return Err(corrupt(se.seq, "precedes the book's creation")),
            (Some(b), e) => b
                .apply(e)
                .map_err(|e| corrupt(se.seq, format!("no longer applies: {e}")))?,
        }
        *head = se.seq;
        Ok(())
    })?;
    Ok(())
}

/// Opens the store at `path` and folds its events into the book (the same fold as the CLI's).
pub(crate) fn load_book(path: &Path) -> Result<(SqliteStore, Book, u64), ApiError> {
    require_book_file(path)?;
    let store = SqliteStore::open(path, SqliteOptions::default())?;
    let (mut book, mut head) = (None, 0);
    fold(&store, &mut book, &mut head)?;
    let book =
        book.ok_or_else(|| ApiError::NotFound(format!("{} holds no book", path.display())))?;
    Ok((store, book, head))
}

fn encode(e: &Event, actor: &str) -> NewEvent {
    let (kind, payload) = scenario::encode_event(e);
    NewEvent {
        kind,
        actor: actor.to_string(),
        at_unix_ms: now_unix_ms(),
        payload,
    }
}

/// What placing an order with an idempotency key did.
pub(crate) enum Placed {
    /// A new order was placed.
    Created(String),
    /// The key was seen before: the order it created.
    Replayed(String),
}

impl Shared {
    /// Loads the book and opens the connections.
    pub fn open(config: Config) -> Result<Shared, ApiError> {
        let (store, book, head) = load_book(&config.db_path)?;
        let aux = open_aux(&config.db_path)?;
        let auth = open_aux(&config.db_path)?;
        Ok(Shared {
            config,
            current: RwLock::new(Arc::new(Snapshot { book, head })),
            writer: Mutex::new(Writer { store, aux }),
            auth: Mutex::new(auth),
            plans: tokio::sync::Mutex::new(None),
        })
    }

    /// The current book.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Looks up a bearer secret.
    pub fn authenticate(&self, secret: &str) -> Result<Option<Principal>, ApiError> {
        crate::tokens::authenticate(&lock(&self.auth), secret)
    }

    /// Validates, appends durably, then publishes. Blocking: call from `spawn_blocking`.
    /// With `expected_head`, refuses (409) if the book has moved past it (e.g. since a plan).
    pub fn commit(
        &self,
        events: Vec<Event>,
        actor: &str,
        expected_head: Option<u64>,
    ) -> Result<Arc<Snapshot>, ApiError> {
        let mut w = lock(&self.writer);
        self.commit_locked(&mut w, events, actor, expected_head)
    }

    fn commit_locked(
        &self,
        w: &mut Writer,
        events: Vec<Event>,
        actor: &str,
        expected_head: Option<u64>,
    ) -> Result<Arc<Snapshot>, ApiError> {
        let records: Vec<NewEvent> = events.iter().map(|e| encode(e, actor)).collect();
        for attempt in 0..2 {
            let snap = self.snapshot();
            if expected_head.is_some_and(|h| h != snap.head) {
                return Err(ApiError::Conflict(
                    "the book changed while this was being prepared; retry".into(),
                ));
            }
            let mut next = snap.book.clone();
            next.apply_all(events.clone())
                .map_err(|(_, e)| ApiError::Refused(format!("refused: {e}")))?;
            match w.store.append(Some(snap.head), &records) {
                Ok(range) => {
                    let published = Arc::new(Snapshot {
                        book: next,
                        head: *range.end(),
                    });
                    *self.current.write().unwrap_or_else(|e| e.into_inner()) = published.clone();
                    return Ok(published);
                }
                // Someone else (the CLI) wrote to the file: catch up and validate again.
                Err(store::StoreError::Conflict { .. }) if attempt == 0 => self.catch_up(w)?,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ApiError::Busy)
    }

    /// Folds events another process appended since our head.
    fn catch_up(&self, w: &Writer) -> Result<(), ApiError> {
        let snap = self.snapshot();
        let (mut book, mut head) = (Some(snap.book.clone()), snap.head);
        fold(&w.store, &mut book, &mut head)?;
        let book = book.ok_or_else(|| ApiError::Internal("the book vanished".into()))?;
        tracing::info!(
            from = snap.head,
            to = head,
            "caught up with events written elsewhere"
        );
        *self.current.write().unwrap_or_else(|e| e.into_inner()) =
            Arc::new(Snapshot { book, head });
        Ok(())
    }

    /// Places an order at most once per `(scope, key)`. The key is stored before the order's
    /// event, so a crash between the two leaves a key whose order a retry then places.
    pub fn place_order_once(
        &self,
        scope: &str,
        key: &str,
        request_sha256: &str,
        spec: OrderSpec,
        principal: &Principal,
    ) -> Result<Placed, ApiError> {
        let mut w = lock(&self.writer);
        let seen: Option<(String, String)> = w
            .aux
            .query_row(
                "SELECT request_sha256, order_id FROM idempotency_keys WHERE scope = ?1 AND key = ?2",
                params![scope, key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let spec = match seen {
            Some((hash, _)) if hash != request_sha256 => {
                return Err(ApiError::Conflict(
                    "this Idempotency-Key was already used with a different request".into(),
                ))
            }
            Some((_, order)) if self.snapshot().book.order_idx(&order).is_some() => {
                return Ok(Placed::Replayed(order))
            }
            // The key was stored but its order was not (a crash in between): place it now.
            Some((_, order)) => OrderSpec { key: order, ..spec },
            None => {
                // Validate first so a refused order does not burn the key.
                let snap = self.snapshot();
                snap.book
                    .validate_all(&[Event::OrderPlaced(spec.clone())])
                    .map_err(|(_, e)| ApiError::Refused(format!("refused: {e}")))?;
                w.aux.execute(
                    "INSERT INTO idempotency_keys (scope, key, request_sha256, order_id, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![scope, key, request_sha256, spec.key, now_unix_ms()],
                )?;
                spec
            }
        };
        let id = spec.key.clone();
        let result = self.commit_locked(
            &mut w,
            vec![Event::OrderPlaced(spec)],
            &principal.actor(),
            None,
        );
        if let Err(e) = &result {
            if matches!(e, ApiError::Refused(_)) {
                // Nothing was written; free the key so a corrected request can use it.
                w.aux.execute(
                    "DELETE FROM idempotency_keys WHERE scope = ?1 AND key = ?2",
                    params![scope, key],
                )?;
            }
        }
        result.map(|_| Placed::Created(id))
    }

    /// The plan for the current book at `now`, re-planned warm from the cached plan when the
    /// book has moved on since.
    pub async fn current_plan(self: &Arc<Self>, now: Period) -> Result<Arc<CachedPlan>, ApiError> {
        let mut cache = self.plans.lock().await;
        let snap = self.snapshot();
        if let Some(c) = cache.as_ref() {
            if c.snapshot.head == snap.head && c.plan.now == now {
                return Ok(c.clone());
            }
        }
        let previous = cache.clone();
        let fresh = tokio::task::spawn_blocking(move || -> Result<CachedPlan, ApiError> {
            let plan = match &previous {
                Some(p) => planner::plan_warm(&snap.book, now, &p.plan)?,
                None => planner::plan(&snap.book, now)?,
            };
            Ok(CachedPlan {
                snapshot: snap,
                plan,
            })
        })
        .await
        .map_err(|e| ApiError::Internal(format!("planning task failed: {e}")))??;
        let fresh = Arc::new(fresh);
        *cache = Some(fresh.clone());
        Ok(fresh)
    }

    /// Remembers a plan as still current for a later snapshot (recording a plan's promises does
    /// not change the network it solved).
    pub async fn keep_plan(&self, plan: Arc<CachedPlan>, snapshot: Arc<Snapshot>) {
        let mut cache = self.plans.lock().await;
        // Drop the cache's reference first so the plan can usually be moved, not copied.
        if cache.as_ref().is_some_and(|c| Arc::ptr_eq(c, &plan)) {
            *cache = None;
        }
        let plan = Arc::try_unwrap(plan)
            .map(|c| c.plan)
            .unwrap_or_else(|a| a.plan.clone());
        *cache = Some(Arc::new(CachedPlan { snapshot, plan }));
    }
}
