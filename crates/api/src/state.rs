//! The server's state: the book folded from the store, one writer thread doing group commits,
//! the cached plan, the token cache and the rate limiter.
//!
//! Readers take an `Arc` of the current [`Snapshot`] and never wait for writers. Writes are sent
//! to the writer thread over a bounded queue; it takes every write waiting (up to
//! [`MAX_BATCH_JOBS`]), validates each against the book as left by the ones before it (a refused
//! write is answered alone and does not affect the others), appends all accepted events in one
//! transaction (one fsync for the batch), and only then publishes the new snapshot and answers.
//! So an answered write is durable, and many concurrent placements share one disk flush.
//! Planning runs on a snapshot with no lock held on the book.
//!
//! Other processes (the CLI) may append to the same file while the server runs. Every request
//! first asks SQLite whether any other connection committed since the book was last found level
//! with the file (`PRAGMA data_version`), and only then compares the log's head with the
//! published snapshot's ([`Shared::catch_up`]: one indexed read) and, when the file is ahead, folds only the new events into a new snapshot
//! before it is answered; the writer does the same when its append finds the head moved, then
//! stages its batch again. A published snapshot is always the fold of the log up to its head,
//! and the head published never goes back.

use crate::metrics::Metrics;
use crate::served::BookFile;
use crate::tokens::{open_aux, Principal};
use crate::{now_unix_ms, ApiError, Config};
use book::{Book, Event, OrderSpec, Period, ReservationSpec};
use rusqlite::{params, Connection, OptionalExtension};
use rustc_hash::FxHashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Instant;
use store::{NewEvent, SqliteOptions, SqliteStore, Store};
use tokio::sync::{mpsc, oneshot};

/// Most writes the writer takes into one group commit.
pub const MAX_BATCH_JOBS: usize = 512;
/// Writes that may wait for the writer; beyond this a write is answered 503 (retry).
pub const WRITE_QUEUE: usize = 8192;
/// Most tokens kept in the cache (it is cleared when full).
const TOKEN_CACHE_MAX: usize = 10_000;

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

/// What placing an order with an idempotency key did.
pub(crate) enum Placed {
    /// A new order was placed.
    Created(String),
    /// The key was seen before: the order it created.
    Replayed(String),
}

/// One write waiting for the writer.
enum Job {
    /// Append `events` (all or none), optionally only if the head is still `expected_head`.
    Commit {
        events: Vec<Event>,
        actor: String,
        expected_head: Option<u64>,
    },
    /// Place an order or a reservation at most once per `(scope, key)`.
    PlaceOnce {
        scope: String,
        key: String,
        request_sha256: String,
        spec: Box<Placement>,
        actor: String,
    },
}

/// What a write with an idempotency key places. Orders and reservations share the key table
/// (the thing's id goes in its `order_id` column); their request hashes differ (see
/// `routes::create_reservation`), so a key never binds one kind for a request of the other.
#[derive(Clone)]
pub(crate) enum Placement {
    Order(OrderSpec),
    Reservation(ReservationSpec),
}

impl Placement {
    fn id(&self) -> &str {
        match self {
            Placement::Order(o) => &o.key,
            Placement::Reservation(r) => &r.key,
        }
    }

    /// The same placement under id `key`.
    fn with_id(&self, key: String) -> Placement {
        match self {
            Placement::Order(o) => Placement::Order(OrderSpec { key, ..o.clone() }),
            Placement::Reservation(r) => {
                Placement::Reservation(ReservationSpec { key, ..r.clone() })
            }
        }
    }

    /// Whether `book` holds a thing of this kind with id `id`.
    fn exists(&self, book: &Book, id: &str) -> bool {
        match self {
            Placement::Order(_) => book.order_idx(id).is_some(),
            Placement::Reservation(_) => book.reservations().iter().any(|r| r.key == id),
        }
    }

    fn into_event(self) -> Event {
        match self {
            Placement::Order(o) => Event::OrderPlaced(o),
            Placement::Reservation(r) => Event::ReservationPlaced(r),
        }
    }
}

/// A write's answer: what was placed (for [`Job::PlaceOnce`]) and the book after the write.
pub(crate) struct Done {
    pub placed: Option<Placed>,
    pub snapshot: Arc<Snapshot>,
}

type Reply = oneshot::Sender<Result<Done, ApiError>>;

type HeadGauge = prometheus_client::metrics::gauge::Gauge<u64, std::sync::atomic::AtomicU64>;

/// The published snapshot, shared by the handlers and the writer thread, and the catch-up that
/// keeps it level with the file.
pub(crate) struct Published {
    snapshot: RwLock<Arc<Snapshot>>,
    /// Held while folding events written elsewhere, so concurrent requests fold them once, and
    /// by the writer from its append to its publish, so they never fold the writer's own.
    catching_up: Mutex<()>,
    book_head: HeadGauge,
    caught_up_events: prometheus_client::metrics::counter::Counter,
}

type Current = Arc<Published>;

impl Published {
    fn get(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Publishes `s` unless a later head is already published (a snapshot is the fold of the
    /// log up to its head, so two of the same head hold the same book).
    fn publish(&self, s: Arc<Snapshot>) {
        let mut current = self.snapshot.write().unwrap_or_else(|e| e.into_inner());
        if s.head >= current.head {
            self.book_head.set(s.head);
            *current = s;
        }
    }

    /// Folds the events after the published head that `store` holds, publishes the result and
    /// returns the snapshot now published. Reads only the events not yet folded; does nothing
    /// but one head read when there are none.
    fn catch_up(&self, store: &SqliteStore) -> Result<Arc<Snapshot>, ApiError> {
        let head = store.head()?;
        if head <= self.get().head {
            return Ok(self.get());
        }
        let _one_at_a_time = lock(&self.catching_up);
        let snap = self.get();
        if head <= snap.head {
            // Folded by another request meanwhile.
            return Ok(snap);
        }
        let (mut book, mut to) = (Some(snap.book.clone()), snap.head);
        fold(store, &mut book, &mut to)?;
        let book = book.ok_or_else(|| ApiError::Internal("the book vanished".into()))?;
        tracing::info!(
            from = snap.head,
            to,
            "caught up with events written elsewhere"
        );
        self.caught_up_events.inc_by(to - snap.head);
        self.publish(Arc::new(Snapshot { book, head: to }));
        Ok(self.get())
    }
}

/// The connections the per-request check reads: SQLite's data version (which moves with every
/// commit by any other connection) and the log's head, and the data version at which the
/// published book was last found level with the file.
struct Watch {
    version: rusqlite::Connection,
    store: SqliteStore,
    level_at: Option<i64>,
}

/// Everything the handlers share.
pub(crate) struct Shared {
    pub config: Config,
    /// The book file opened, and whether its path still names it (see `served`).
    pub book_file: Arc<BookFile>,
    pub metrics: Metrics,
    current: Current,
    writes: Mutex<Option<mpsc::Sender<(Job, Reply)>>>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    auth: Mutex<Connection>,
    /// A read connection to the event log (staff's history pages).
    reader: Mutex<SqliteStore>,
    /// Which events each customer may see (see [`Shared::customer_history`]).
    customer_events: Mutex<CustomerEvents>,
    /// What the check every request makes reads (see [`Shared::catch_up`]).
    watch: Mutex<Watch>,
    /// A read connection for folding events other processes wrote (see [`Shared::catch_up`]).
    follow: Mutex<SqliteStore>,
    tokens: Mutex<FxHashMap<String, (Principal, i64)>>,
    limiter: Option<governor::DefaultKeyedRateLimiter<i64>>,
    /// Held while planning, so concurrent requests wait for one plan instead of each making one.
    plans: tokio::sync::Mutex<Option<Arc<CachedPlan>>>,
    /// The latest plan, for readers that find it current without taking `plans`.
    latest_plan: RwLock<Option<Arc<CachedPlan>>>,
}

/// A poisoned lock only means another request panicked; the data behind these locks is
/// replaced whole on success, so it is still consistent.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The log's sequence numbers of the events each customer may see, in order, for the log up to
/// `through`. Built on the first customer history request and extended by later ones; the log
/// is append-only and the published head never goes back, so what is indexed stays true. Holds
/// one number per event about a customer: at most the log's length.
struct CustomerEvents {
    through: u64,
    seqs: FxHashMap<String, Vec<u64>>,
    /// Its own read connection to the log, so that indexing a long log (~0.7 s at 1M orders,
    /// once) never holds up staff's history pages.
    log: SqliteStore,
}

/// The rows of a history page: events with the numbers shown for them, and the number to go on
/// from.
pub(crate) type HistoryRows = (Vec<(u64, store::StoredEvent, Event)>, Option<u64>);

/// The kinds of the events [`event_owner`] gives no customer.
const NO_CUSTOMER_KINDS: [&str; 3] = ["book_created", "supply_adjusted", "plan_recorded"];

/// The customer an event is about (its own orders, reservations and contracts), or None for
/// events no customer sees (the book's creation, supply, plans). `book` must hold every order,
/// reservation and contract the event names: any book folded at least up to the event.
fn event_owner<'a>(book: &'a Book, e: &'a Event) -> Option<&'a str> {
    let order = |id: &str| {
        book.order_idx(id)
            .map(|i| book.customer_at(book.order_at(i).customer).key.as_str())
    };
    match e {
        Event::OrderPlaced(o) => Some(o.customer.as_str()),
        Event::OrderCancelled { order: id, .. }
        | Event::OrderConfirmed { order: id }
        | Event::OrderDelivered { order: id, .. } => order(id),
        Event::ReservationPlaced(r) => Some(r.customer.as_str()),
        Event::ReservationCancelled { reservation } => book
            .reservations()
            .iter()
            .find(|r| &r.key == reservation)
            .map(|r| book.customer_at(r.customer).key.as_str()),
        Event::ContractAdded(c) => Some(c.customer.as_str()),
        Event::CommitmentDelivered { contract, .. } => book
            .contracts()
            .iter()
            .find(|c| &c.key == contract)
            .map(|c| book.customer_at(c.customer).key.as_str()),
        Event::BookCreated(_) | Event::SupplyAdjusted(_) | Event::PlanRecorded(_) => None,
    }
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

/// The event a stored record holds.
fn decode(se: &store::StoredEvent) -> Result<Event, store::StoreError> {
    scenario::decode_event(&se.kind, &se.payload)
        .map_err(|e| store::StoreError::Corrupt(format!("event {}: {e}", se.seq)))
}

/// Applies the events after `book`'s head (or builds the book from the first one).
fn fold(store: &SqliteStore, book: &mut Option<Book>, head: &mut u64) -> Result<(), ApiError> {
    let mut replay = match book.take() {
        Some(b) => scenario::Replay::resume(b, *head),
        None => scenario::Replay::new(),
    };
    let scanned = store.scan(*head, None, &mut |se| {
        replay
            .apply(se.seq, &se.kind, &se.payload)
            .map_err(store::StoreError::Corrupt)
    });
    *head = replay.head();
    *book = replay.finish().map(|(b, _)| b);
    scanned?;
    Ok(())
}

/// Opens the store at `path` and reads the book from it: the latest usable snapshot plus the
/// events after it, or the whole log (the same load as the CLI's, `scenario::load_book`).
pub(crate) fn load_book(path: &Path) -> Result<(SqliteStore, Book, u64), ApiError> {
    let (store, loaded) = load(path)?;
    Ok((store, loaded.book, loaded.head))
}

fn load(path: &Path) -> Result<(SqliteStore, scenario::Loaded), ApiError> {
    require_book_file(path)?;
    let store = SqliteStore::open(path, SqliteOptions::default())?;
    let loaded = scenario::load_book(&store)?
        .ok_or_else(|| ApiError::NotFound(format!("{} holds no book", path.display())))?;
    if let Some(w) = &loaded.warning {
        tracing::warn!(db = %path.display(), "{w}");
    }
    // Built once here, so that every copy of the book the server makes carries it.
    loaded.book.prepare_order_index();
    Ok((store, loaded))
}

fn encode(e: &Event, actor: &str, at_unix_ms: i64) -> NewEvent {
    let (kind, payload) = scenario::encode_event(e);
    NewEvent {
        kind,
        actor: actor.to_string(),
        at_unix_ms,
        payload,
    }
}

impl Shared {
    /// Loads the book, opens the connections and starts the writer thread.
    pub fn open(config: Config) -> Result<Shared, ApiError> {
        // The file the path names before anything is opened: the one served from now on.
        let book_file = Arc::new(BookFile::at(&config.db_path)?);
        let (store, loaded) = load(&config.db_path)?;
        let (book, head) = (loaded.book, loaded.head);
        let aux = open_aux(&config.db_path)?;
        // The keys' commit need not flush on its own: it precedes its batch's events in the same
        // write-ahead log, and the events' commit (synchronous=FULL) flushes the log up to and
        // including the keys. So a batch costs one flush, and durable events imply durable keys.
        aux.pragma_update(None, "synchronous", "NORMAL")?;
        let auth = open_aux(&config.db_path)?;
        let reader = SqliteStore::open(&config.db_path, SqliteOptions::default())?;
        let index_log = SqliteStore::open(&config.db_path, SqliteOptions::default())?;
        let watch = Watch {
            version: rusqlite::Connection::open(&config.db_path)?,
            store: SqliteStore::open(&config.db_path, SqliteOptions::default())?,
            level_at: None,
        };
        let follow = SqliteStore::open(&config.db_path, SqliteOptions::default())?;
        // Every connection is open: the path must still name the file looked at before.
        book_file.check()?;
        let metrics = Metrics::new();
        metrics.book_head.set(head);
        let current: Current = Arc::new(Published {
            snapshot: RwLock::new(Arc::new(Snapshot { book, head })),
            catching_up: Mutex::new(()),
            book_head: metrics.book_head.clone(),
            caught_up_events: metrics.caught_up_events.clone(),
        });
        let (tx, rx) = mpsc::channel(WRITE_QUEUE);
        let writer = Writer {
            store,
            aux,
            current: current.clone(),
            book_file: book_file.clone(),
            conflicts: metrics.write_conflicts.clone(),
            batches: metrics.write_batches.clone(),
            batch_events: metrics.write_batch_events.clone(),
            write_seconds: metrics.write_seconds.clone(),
            checkpoints: Checkpoints {
                db_path: config.db_path.clone(),
                book_file: book_file.clone(),
                rule: config.snapshot_rule,
                tail: loaded.tail,
                running: None,
            },
        };
        let thread = std::thread::Builder::new()
            .name("allot-writer".into())
            .spawn(move || writer.run(rx))?;
        let limiter = config.rate_limit.map(|r| {
            governor::RateLimiter::keyed(
                governor::Quota::per_second(r.per_second).allow_burst(r.burst),
            )
        });
        Ok(Shared {
            config,
            book_file,
            metrics,
            current,
            writes: Mutex::new(Some(tx)),
            writer_thread: Mutex::new(Some(thread)),
            auth: Mutex::new(auth),
            reader: Mutex::new(reader),
            customer_events: Mutex::new(CustomerEvents {
                through: 0,
                seqs: FxHashMap::default(),
                log: index_log,
            }),
            watch: Mutex::new(watch),
            follow: Mutex::new(follow),
            tokens: Mutex::new(FxHashMap::default()),
            limiter,
            plans: tokio::sync::Mutex::new(None),
            latest_plan: RwLock::new(None),
        })
    }

    /// The current book (as of the last catch-up or write; see [`Shared::catch_up`]).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.get()
    }

    /// Brings the published book level with the file: when SQLite's data version has moved since
    /// the book was last found level, compares the log's head with the published one (one
    /// indexed read) and, if another process (the CLI) has appended since,
    /// folds just those events, off the async workers, and publishes the result. Cached plans
    /// are keyed by head, so the next request that needs a plan re-plans (warm).
    pub async fn catch_up(self: &Arc<Self>) -> Result<(), ApiError> {
        // A book file replaced or deleted under the server is not served (one atomic load).
        self.book_file.flagged()?;
        {
            let mut w = lock(&self.watch);
            // SQLite's data version changes whenever another connection (of this process or
            // another) commits: while it stands still, nothing needs reading. It is read before
            // the head, so a commit between the two shows as a new version next time.
            let version: i64 = w
                .version
                .query_row("PRAGMA data_version", [], |r| r.get(0))?;
            if w.level_at == Some(version) {
                return Ok(());
            }
            let head = w.store.head()?;
            if head <= self.snapshot().head {
                w.level_at = Some(version);
                return Ok(());
            }
            // Not level: the version is remembered only once a later look finds the book
            // level, so a failed catch-up is tried again by the next request.
        }
        let s = self.clone();
        tokio::task::spawn_blocking(move || s.current.catch_up(&lock(&s.follow)).map(drop))
            .await
            .map_err(|e| ApiError::Internal(format!("catch-up task failed: {e}")))?
    }

    /// Up to `limit` events of the log after its `after`-th, each with its sequence number, and
    /// the number to go on from (staff's view). Blocking: call from `spawn_blocking`.
    pub fn history(&self, after: u64, limit: usize) -> Result<HistoryRows, ApiError> {
        let reader = lock(&self.reader);
        let mut out = Vec::with_capacity(limit.min(1024));
        reader.scan(after, Some(limit), &mut |se| {
            let event = decode(&se)?;
            out.push((se.seq, se, event));
            Ok(())
        })?;
        let last = out.last().map_or(after, |(seq, _, _)| *seq);
        let more = out.len() == limit && last < reader.head()?;
        Ok((out, more.then_some(last)))
    }

    /// Up to `limit` of `customer`'s own events after its `after`-th, as of `snap`, each with its
    /// number among the customer's events (1 = its first), and the count to go on from. A
    /// customer never sees the log's own numbers: their gaps would show how busy the other
    /// customers are. Blocking: call from `spawn_blocking`.
    pub fn customer_history(
        &self,
        snap: &Snapshot,
        customer: &str,
        after: u64,
        limit: usize,
    ) -> Result<HistoryRows, ApiError> {
        let mut index = lock(&self.customer_events);
        if index.through < snap.head {
            // Index the events up to the snapshot's head, whose book knows everything they name.
            let (from, n) = (index.through, snap.head - index.through);
            let CustomerEvents { through, seqs, log } = &mut *index;
            log.scan(from, Some(n as usize), &mut |se| {
                // Not decoded: a whole book or plan that no customer sees.
                if NO_CUSTOMER_KINDS.contains(&se.kind.as_str()) {
                    debug_assert!(decode(&se).is_ok_and(|e| event_owner(&snap.book, &e).is_none()));
                    *through = se.seq;
                    return Ok(());
                }
                // An event that does not decode fails this request and stays unindexed, so the
                // next request fails on it too instead of leaving it out.
                let event = decode(&se)?;
                if let Some(owner) = event_owner(&snap.book, &event) {
                    match seqs.get_mut(owner) {
                        Some(v) => v.push(se.seq),
                        None => {
                            seqs.insert(owner.to_string(), vec![se.seq]);
                        }
                    }
                }
                *through = se.seq;
                Ok(())
            })?;
        }
        let mine = index.seqs.get(customer).map_or(&[][..], Vec::as_slice);
        // Only events this snapshot's book knows (a concurrent request may have indexed more).
        let visible = mine.partition_point(|&s| s <= snap.head) as u64;
        let start = after.min(visible);
        let end = start.saturating_add(limit as u64).min(visible);
        let mut out = Vec::with_capacity((end - start) as usize);
        for (n, &seq) in (start + 1..).zip(&mine[start as usize..end as usize]) {
            index.log.scan(seq - 1, Some(1), &mut |se| {
                let event = decode(&se)?;
                out.push((n, se, event));
                Ok(())
            })?;
        }
        if out.len() as u64 != end - start {
            return Err(ApiError::Internal(
                "an indexed event is missing from the log".into(),
            ));
        }
        Ok((out, (end < visible).then_some(end)))
    }

    /// Looks up a bearer secret. Answers are cached until the database file changes (SQLite's
    /// `data_version`), so a token revoked from the CLI stops working at once, and a run of
    /// reads costs one cheap pragma per request instead of a query. Unknown secrets are not
    /// cached.
    pub fn authenticate(&self, secret: &str) -> Result<Option<Principal>, ApiError> {
        let auth = lock(&self.auth);
        let version: i64 = auth
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        if let Some((p, v)) = lock(&self.tokens).get(secret) {
            if *v == version {
                return Ok(Some(p.clone()));
            }
        }
        let found = crate::tokens::authenticate(&auth, secret)?;
        drop(auth);
        let mut cache = lock(&self.tokens);
        match &found {
            Some(p) => {
                if cache.len() >= TOKEN_CACHE_MAX {
                    cache.clear();
                }
                cache.insert(secret.to_string(), (p.clone(), version));
            }
            None => {
                cache.remove(secret);
            }
        }
        Ok(found)
    }

    /// Counts one request of `token_id` against its rate limit.
    pub fn check_rate(&self, token_id: i64) -> Result<(), ApiError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter.check_key(&token_id).map_err(|not_until| {
            use governor::clock::Clock;
            self.metrics.rate_limited.inc();
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
            ApiError::RateLimited {
                retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
        })
    }

    async fn write(&self, job: Job) -> Result<Done, ApiError> {
        let (reply, answer) = oneshot::channel();
        let tx = lock(&self.writes)
            .clone()
            .ok_or_else(|| ApiError::Internal("the server is shutting down".into()))?;
        tx.try_send((job, reply)).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => ApiError::Busy,
            mpsc::error::TrySendError::Closed(_) => {
                ApiError::Internal("the writer has stopped".into())
            }
        })?;
        answer
            .await
            .map_err(|_| ApiError::Internal("the writer dropped a write".into()))?
    }

    /// Validates, appends durably, then publishes (group-committed with concurrent writes).
    /// With `expected_head`, refuses (409) if the book has moved past it (e.g. since a plan).
    pub async fn commit(
        &self,
        events: Vec<Event>,
        actor: &str,
        expected_head: Option<u64>,
    ) -> Result<Arc<Snapshot>, ApiError> {
        let job = Job::Commit {
            events,
            actor: actor.to_string(),
            expected_head,
        };
        Ok(self.write(job).await?.snapshot)
    }

    /// Places an order at most once per `(scope, key)`. The key is stored before the order's
    /// event, so a crash between the two leaves a key whose order a retry then places.
    pub async fn place_order_once(
        &self,
        scope: String,
        key: String,
        request_sha256: String,
        spec: OrderSpec,
        principal: &Principal,
    ) -> Result<(Placed, Arc<Snapshot>), ApiError> {
        self.place_once(
            scope,
            key,
            request_sha256,
            Placement::Order(spec),
            principal,
        )
        .await
    }

    /// Places an order or a reservation at most once per `(scope, key)`, as
    /// [`Shared::place_order_once`] does for orders.
    pub async fn place_once(
        &self,
        scope: String,
        key: String,
        request_sha256: String,
        spec: Placement,
        principal: &Principal,
    ) -> Result<(Placed, Arc<Snapshot>), ApiError> {
        let job = Job::PlaceOnce {
            scope,
            key,
            request_sha256,
            spec: Box::new(spec),
            actor: principal.actor(),
        };
        let done = self.write(job).await?;
        let placed = done
            .placed
            .ok_or_else(|| ApiError::Internal("placement answered without an order".into()))?;
        Ok((placed, done.snapshot))
    }

    /// Stops taking writes, lets the writer finish the ones queued, and waits for it.
    pub fn stop_writer(&self) {
        lock(&self.writes).take();
        if let Some(t) = lock(&self.writer_thread).take() {
            let _ = t.join();
        }
    }

    /// The plan for the current book at `now`, re-planned warm from the cached plan when the
    /// book has moved on since.
    pub async fn current_plan(self: &Arc<Self>, now: Period) -> Result<Arc<CachedPlan>, ApiError> {
        // Fast path: the latest plan is still current (no lock but a brief read lock).
        let head = self.snapshot().head;
        if let Some(c) = self
            .latest_plan
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            if c.snapshot.head == head && c.plan.now == now {
                return Ok(c.clone());
            }
        }
        let mut cache = self.plans.lock().await;
        let snap = self.snapshot();
        if let Some(c) = cache.as_ref() {
            if c.snapshot.head == snap.head && c.plan.now == now {
                return Ok(c.clone());
            }
        }
        let previous = cache.clone();
        let started = Instant::now();
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
        self.metrics.plans.inc();
        self.metrics
            .plan_seconds
            .observe(started.elapsed().as_secs_f64());
        let fresh = Arc::new(fresh);
        *cache = Some(fresh.clone());
        *self.latest_plan.write().unwrap_or_else(|e| e.into_inner()) = Some(fresh.clone());
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
        self.latest_plan
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let plan = Arc::try_unwrap(plan)
            .map(|c| c.plan)
            .unwrap_or_else(|a| a.plan.clone());
        let kept = Arc::new(CachedPlan { snapshot, plan });
        *cache = Some(kept.clone());
        *self.latest_plan.write().unwrap_or_else(|e| e.into_inner()) = Some(kept);
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.stop_writer();
    }
}

/// The writer thread's own state.
struct Writer {
    store: SqliteStore,
    /// Connection for the idempotency keys.
    aux: Connection,
    current: Current,
    conflicts: prometheus_client::metrics::counter::Counter,
    batches: prometheus_client::metrics::counter::Counter,
    batch_events: prometheus_client::metrics::histogram::Histogram,
    write_seconds: prometheus_client::metrics::histogram::Histogram,
    checkpoints: Checkpoints,
    /// Looked at before every append: nothing is written to a file no longer at the book's path.
    book_file: Arc<BookFile>,
}

/// The writer's snapshots: when the log after the latest one passes the rule, a background
/// thread encodes the published book (immutable, shared) and stores it through its own
/// connection, so the writer goes on committing meanwhile. At most one runs at a time; a failed
/// one is logged and costs nothing but a longer replay at the next start (the log is the truth).
struct Checkpoints {
    db_path: std::path::PathBuf,
    /// A snapshot is stored only while the path still names the file served.
    book_file: Arc<BookFile>,
    rule: scenario::SnapshotRule,
    /// The events after the latest snapshot this process knows of.
    tail: scenario::Tail,
    running: Option<std::thread::JoinHandle<()>>,
}

impl Checkpoints {
    /// Counts events just committed and starts a snapshot of `snapshot` if one is due.
    fn committed(&mut self, records: &[NewEvent], snapshot: &Arc<Snapshot>) {
        for r in records {
            self.tail.add(r.payload.len());
        }
        if !self.rule.due(self.tail) || self.running.as_ref().is_some_and(|t| !t.is_finished()) {
            return;
        }
        if let Some(t) = self.running.take() {
            let _ = t.join();
        }
        let (snap, path) = (snapshot.clone(), self.db_path.clone());
        let book_file = self.book_file.clone();
        let started = std::thread::Builder::new()
            .name("allot-snapshot".into())
            .spawn(move || {
                let started = Instant::now();
                let blob = scenario::encode_snapshot(&snap.book, snap.head);
                let written = match book_file.check() {
                    Ok(()) => SqliteStore::open(&path, SqliteOptions::default())
                        .and_then(|mut s| s.put_snapshot(snap.head, &blob))
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                match written {
                    Ok(()) => tracing::info!(
                        seq = snap.head,
                        bytes = blob.len(),
                        ms = started.elapsed().as_millis() as u64,
                        "snapshot written"
                    ),
                    Err(e) => tracing::warn!(error = %e, seq = snap.head, "no snapshot written"),
                }
            });
        match started {
            Ok(t) => {
                self.running = Some(t);
                self.tail = scenario::Tail::default();
            }
            Err(e) => tracing::warn!(error = %e, "could not start the snapshot thread"),
        }
    }

    /// Waits for a snapshot in progress (at shutdown).
    fn finish(&mut self) {
        if let Some(t) = self.running.take() {
            let _ = t.join();
        }
    }
}

/// A job's fate within one batch before the append.
enum Staged {
    /// Answered without writing (refused, conflicting, or an idempotent replay).
    Answer(Result<Option<Placed>, ApiError>),
    /// Its events are in the batch; answered after the append.
    Written(Option<Placed>),
}

/// A key stored (or about to be stored) by this batch: its request hash and order.
type StagedKeys = FxHashMap<(String, String), (String, String)>;

/// A key row to write before the batch's append: scope, key, request hash, order id, and the
/// seq and hash of the order's event (which binds the key to that event once it is appended).
type NewKey = (String, String, String, String, u64, String);

/// A hash of one log record as stored (every field; the store refuses U+0000 in its strings,
/// so the separators make it unambiguous). An idempotency key binds the record with its hash.
fn record_sha256(kind: &str, actor: &str, at_unix_ms: i64, payload: &str) -> String {
    let mut bytes = Vec::with_capacity(kind.len() + actor.len() + payload.len() + 24);
    for part in [kind, actor, &at_unix_ms.to_string(), payload] {
        bytes.extend_from_slice(part.as_bytes());
        bytes.push(0);
    }
    crate::tokens::sha256_hex(&bytes)
}

impl Writer {
    fn run(mut self, mut rx: mpsc::Receiver<(Job, Reply)>) {
        let mut jobs = Vec::with_capacity(MAX_BATCH_JOBS);
        while let Some(first) = rx.blocking_recv() {
            jobs.push(first);
            while jobs.len() < MAX_BATCH_JOBS {
                match rx.try_recv() {
                    Ok(j) => jobs.push(j),
                    Err(_) => break,
                }
            }
            self.batch(&mut jobs);
        }
        self.checkpoints.finish();
    }

    /// Validates, stores and answers one batch of jobs.
    fn batch(&mut self, jobs: &mut Vec<(Job, Reply)>) {
        let started = Instant::now();
        // One `stat` per group commit: never append to a file no longer at the book's path.
        if let Err(e) = self.book_file.check() {
            let msg = e.to_string();
            for (_, reply) in jobs.drain(..) {
                let _ = reply.send(Err(ApiError::Replaced(msg.clone())));
            }
            return;
        }
        let mut outcome = self.try_batch(jobs);
        if let Err(ApiError::Conflict(_)) = outcome {
            // Another process (the CLI) appended to the file: fold its events and stage the
            // whole batch again against the book they leave.
            self.conflicts.inc();
            outcome = self
                .current
                .catch_up(&self.store)
                .and_then(|_| self.try_batch(jobs));
            if let Err(ApiError::Conflict(_)) = outcome {
                outcome = Err(ApiError::Busy);
            }
        }
        match outcome {
            Ok((staged, snapshot, events)) => {
                self.batches.inc();
                self.batch_events.observe(events as f64);
                self.write_seconds.observe(started.elapsed().as_secs_f64());
                for ((_, reply), st) in jobs.drain(..).zip(staged) {
                    let answer = match st {
                        Staged::Answer(r) => r.map(|placed| Done {
                            placed,
                            snapshot: snapshot.clone(),
                        }),
                        Staged::Written(placed) => Ok(Done {
                            placed,
                            snapshot: snapshot.clone(),
                        }),
                    };
                    let _ = reply.send(answer);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, jobs = jobs.len(), "a group commit failed");
                for (_, reply) in jobs.drain(..) {
                    let err = match &e {
                        ApiError::Busy => ApiError::Busy,
                        other => ApiError::Internal(format!("the write failed: {other}")),
                    };
                    let _ = reply.send(Err(err));
                }
            }
        }
    }

    /// What the key `(scope, key)` is bound to: its request hash and order, or None if it binds
    /// nothing. A key row names the seq its order's event was to take and that event's hash; the
    /// key is bound only if the log holds exactly that event there. A row whose append never
    /// happened (it conflicted with another process's events, or the server stopped between the
    /// key and the events) binds nothing, even if an order of the same id was placed meanwhile.
    /// Rows written before keys carried their event are trusted as before: bound to the order
    /// of that id. Fails with a conflict if the key's event is past `head` (another process
    /// wrote it), so the batch is staged again after a catch-up.
    fn stored_key(
        &self,
        scope: &str,
        key: &str,
        head: u64,
    ) -> Result<Option<(String, String)>, ApiError> {
        let row: Option<(String, String, Option<i64>, Option<String>)> = self
            .aux
            .prepare_cached(
                "SELECT request_sha256, order_id, event_seq, event_sha256 FROM idempotency_keys
                 WHERE scope = ?1 AND key = ?2",
            )?
            .query_row(params![scope, key], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let Some((request_sha256, order, seq, event_sha256)) = row else {
            return Ok(None);
        };
        let (seq, event_sha256) = match (seq, event_sha256) {
            (Some(seq), Some(h)) => (seq, h),
            // An older server's row.
            _ => return Ok(Some((request_sha256, order))),
        };
        let Some(seq) = u64::try_from(seq).ok().filter(|&s| s > 0) else {
            return Ok(None);
        };
        let mut holds = false;
        self.store.scan(seq - 1, Some(1), &mut |se| {
            holds = se.seq == seq
                && record_sha256(&se.kind, &se.actor, se.at_unix_ms, &se.payload) == event_sha256;
            Ok(())
        })?;
        if !holds {
            return Ok(None);
        }
        if seq > head {
            return Err(ApiError::Conflict(
                "the log holds events this server has not read".into(),
            ));
        }
        Ok(Some((request_sha256, order)))
    }

    /// Stages every job against one copy of the book, stores the batch's idempotency keys, then
    /// appends its events (if the append fails, the keys it wrote are removed again). Returns
    /// each job's fate, the published snapshot and the events written.
    #[allow(clippy::type_complexity)]
    fn try_batch(
        &mut self,
        jobs: &[(Job, Reply)],
    ) -> Result<(Vec<Staged>, Arc<Snapshot>, usize), ApiError> {
        let base = self.current.get();
        let mut book = base.book.clone();
        let mut records: Vec<NewEvent> = Vec::new();
        let mut staged = Vec::with_capacity(jobs.len());
        let mut keys: StagedKeys = FxHashMap::default();
        let mut new_keys: Vec<NewKey> = Vec::new();
        let at = now_unix_ms();
        for (job, _) in jobs {
            let st = match job {
                Job::Commit {
                    events,
                    actor,
                    expected_head,
                } => {
                    let head_now = base.head + records.len() as u64;
                    if expected_head.is_some_and(|h| h != head_now) {
                        Staged::Answer(Err(ApiError::Conflict(
                            "the book changed while this was being prepared; retry".into(),
                        )))
                    } else {
                        match apply(&mut book, events) {
                            Ok(()) => {
                                records.extend(events.iter().map(|e| encode(e, actor, at)));
                                Staged::Written(None)
                            }
                            Err(e) => Staged::Answer(Err(e)),
                        }
                    }
                }
                Job::PlaceOnce {
                    scope,
                    key,
                    request_sha256,
                    spec,
                    actor,
                } => {
                    let id = (scope.clone(), key.clone());
                    let seen = match keys.get(&id) {
                        Some(k) => Some(k.clone()),
                        None => self.stored_key(scope, key, base.head)?,
                    };
                    let spec = match seen {
                        Some((hash, _)) if &hash != request_sha256 => Err(ApiError::Conflict(
                            "this Idempotency-Key was already used with a different request".into(),
                        )),
                        Some((_, order)) if spec.exists(&book, &order) => {
                            Ok(Err(Placed::Replayed(order)))
                        }
                        // An older server's key whose order was not stored (it stopped between
                        // the two): place the order under the id the key names.
                        Some((_, order)) => Ok(Ok(spec.with_id(order))),
                        None => Ok(Ok((**spec).clone())),
                    };
                    match spec {
                        Err(e) => Staged::Answer(Err(e)),
                        Ok(Err(replayed)) => Staged::Answer(Ok(Some(replayed))),
                        Ok(Ok(spec)) => {
                            let order = spec.id().to_string();
                            let event = spec.into_event();
                            let record = encode(&event, actor, at);
                            match book.apply(event) {
                                Ok(()) => {
                                    if !keys.contains_key(&id) {
                                        // The append below starts at base.head + 1 or fails.
                                        let seq = base.head + records.len() as u64 + 1;
                                        let event_sha256 = record_sha256(
                                            &record.kind,
                                            &record.actor,
                                            record.at_unix_ms,
                                            &record.payload,
                                        );
                                        new_keys.push((
                                            scope.clone(),
                                            key.clone(),
                                            request_sha256.clone(),
                                            order.clone(),
                                            seq,
                                            event_sha256,
                                        ));
                                    }
                                    records.push(record);
                                    keys.insert(id, (request_sha256.clone(), order.clone()));
                                    Staged::Written(Some(Placed::Created(order)))
                                }
                                Err(e) => {
                                    Staged::Answer(Err(ApiError::Refused(format!("refused: {e}"))))
                                }
                            }
                        }
                    }
                }
            };
            staged.push(st);
        }
        if records.is_empty() {
            return Ok((staged, base, 0));
        }
        if !new_keys.is_empty() {
            let tx = self.aux.transaction()?;
            {
                // Replaces a row that binds nothing (see `stored_key`); a bound key is never
                // staged again.
                let mut ins = tx.prepare_cached(
                    "INSERT INTO idempotency_keys
                     (scope, key, request_sha256, order_id, created_at, event_seq, event_sha256)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (scope, key) DO UPDATE SET
                       request_sha256 = excluded.request_sha256,
                       order_id = excluded.order_id,
                       created_at = excluded.created_at,
                       event_seq = excluded.event_seq,
                       event_sha256 = excluded.event_sha256",
                )?;
                for (scope, key, hash, order, seq, event_sha256) in &new_keys {
                    let seq = i64::try_from(*seq)
                        .map_err(|_| ApiError::Internal("seq space exhausted".into()))?;
                    ins.execute(params![scope, key, hash, order, at, seq, event_sha256])?;
                }
            }
            tx.commit()?;
        }
        // Held from the append to the publish, so a request that sees these events in the log
        // meanwhile waits for them to be published instead of folding them again.
        let publishing = lock(&self.current.catching_up);
        let range = match self.store.append(Some(base.head), &records) {
            Ok(r) => r,
            Err(e) => {
                drop(publishing);
                self.forget_keys(&new_keys);
                return Err(match e {
                    store::StoreError::Conflict { .. } => {
                        ApiError::Conflict("the store moved on".into())
                    }
                    e => e.into(),
                });
            }
        };
        let snapshot = Arc::new(Snapshot {
            book,
            head: *range.end(),
        });
        self.current.publish(snapshot.clone());
        drop(publishing);
        self.checkpoints.committed(&records, &snapshot);
        Ok((staged, snapshot, records.len()))
    }

    /// Removes the key rows a failed append had written. They would bind nothing anyway (their
    /// events are not in the log), so a failure here is only logged.
    fn forget_keys(&mut self, new_keys: &[NewKey]) {
        if new_keys.is_empty() {
            return;
        }
        let removed = (|| -> rusqlite::Result<()> {
            let tx = self.aux.transaction()?;
            {
                let mut del = tx.prepare_cached(
                    "DELETE FROM idempotency_keys
                     WHERE scope = ?1 AND key = ?2 AND event_seq = ?3 AND event_sha256 = ?4",
                )?;
                for (scope, key, _, _, seq, event_sha256) in new_keys {
                    let seq = i64::try_from(*seq).unwrap_or(i64::MAX);
                    del.execute(params![scope, key, seq, event_sha256])?;
                }
            }
            tx.commit()
        })();
        if let Err(e) = removed {
            tracing::warn!(error = %e, "could not remove the keys of a failed append");
        }
    }
}

/// Applies `events` to `book`, all or none.
fn apply(book: &mut Book, events: &[Event]) -> Result<(), ApiError> {
    let refused = |e: book::BookError| ApiError::Refused(format!("refused: {e}"));
    match events {
        [one] => book.apply(one.clone()).map_err(refused),
        many => book.apply_all(many.to_vec()).map_err(|(_, e)| refused(e)),
    }
}

#[cfg(test)]
mod tests {
    //! The writer against a file another process appends to, driven directly (a request would
    //! catch up first; these take the path of one whose catch-up came just before the other
    //! process's append, which is what makes the writer's append conflict).

    use super::*;
    use crate::Role;

    fn demo_db(dir: &tempfile::TempDir) -> std::path::PathBuf {
        let path = dir.path().join("book.db");
        let mut store = SqliteStore::open(&path, SqliteOptions::default()).expect("open");
        let event = Event::BookCreated(Box::new(scenario::demo_spec()));
        store
            .append(Some(0), &[encode(&event, "test", 0)])
            .expect("append the book");
        path
    }

    /// Appends an order the way the CLI does (its own connection, validated against the book it
    /// reads from the file); returns its seq.
    fn place_elsewhere(db: &Path, spec: OrderSpec) -> u64 {
        let mut store = SqliteStore::open(db, SqliteOptions::default()).expect("open");
        let loaded = scenario::load_book(&store).expect("load").expect("a book");
        let event = Event::OrderPlaced(spec);
        let record = encode(&event, "cli:test", 1);
        let mut book = loaded.book;
        book.apply(event).expect("valid");
        *store
            .append(Some(loaded.head), &[record])
            .expect("append")
            .end()
    }

    fn spec(book: &Book, id: &str, customer: &str, sku: &str, quantity: u64) -> OrderSpec {
        let month = |m: &str| book.horizon().parse_period(m).expect("a month");
        OrderSpec {
            key: id.into(),
            customer: customer.into(),
            sku: sku.into(),
            quantity,
            earliest: month("2027-04"),
            latest: month("2027-09"),
            price_usd_per_unit: 300_000,
            lateness_penalty_usd_per_unit_period: 0,
            substitutes: vec![],
        }
    }

    fn planner() -> Principal {
        Principal {
            token_id: 1,
            role: Role::Planner,
            customer: None,
        }
    }

    async fn place(
        shared: &Shared,
        key: &str,
        body: &str,
        spec: OrderSpec,
    ) -> Result<Placed, ApiError> {
        shared
            .place_order_once("staff".into(), key.into(), body.into(), spec, &planner())
            .await
            .map(|(p, _)| p)
    }

    fn key_rows(db: &Path, key: &str) -> i64 {
        open_aux(db)
            .expect("aux")
            .query_row(
                "SELECT COUNT(*) FROM idempotency_keys WHERE key = ?1",
                [key],
                |r| r.get(0),
            )
            .expect("count")
    }

    #[tokio::test]
    async fn a_key_whose_append_conflicted_binds_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = demo_db(&dir);
        let shared = Shared::open(Config::new(&db)).expect("open");
        let book = shared.snapshot().book.clone();
        place_elsewhere(&db, spec(&book, "x-9", "ent-a", "trn2-server", 1));

        let ours = spec(&book, "x-9", "colo-a", "trn3-ultraserver", 40);
        match place(&shared, "fresh-key-1", "body-1", ours.clone()).await {
            Err(ApiError::Refused(m)) => assert!(m.contains("duplicate order id"), "{m}"),
            Ok(Placed::Replayed(o)) => panic!("answered as a replay of {o}"),
            Ok(Placed::Created(o)) => panic!("placed {o}"),
            Err(e) => panic!("{e}"),
        }
        assert_eq!(
            shared.metrics.write_conflicts.get(),
            1,
            "the append conflicted"
        );
        assert_eq!(
            key_rows(&db, "fresh-key-1"),
            0,
            "the key is bound to nothing"
        );
        let now = shared.snapshot();
        let x9 = now.book.order_at(now.book.order_idx("x-9").expect("x-9"));
        assert_eq!(x9.units, 1, "the other process's order is as it placed it");

        // So the key is free: another body places its order, and a retry replays that one.
        let other = OrderSpec {
            key: "x-10".into(),
            ..ours
        };
        assert!(matches!(
            place(&shared, "fresh-key-1", "body-2", other.clone()).await,
            Ok(Placed::Created(o)) if o == "x-10"
        ));
        assert!(matches!(
            place(&shared, "fresh-key-1", "body-2", other.clone()).await,
            Ok(Placed::Replayed(o)) if o == "x-10"
        ));
        assert!(matches!(
            place(&shared, "fresh-key-1", "body-1", other).await,
            Err(ApiError::Conflict(_))
        ));
    }

    #[tokio::test]
    async fn a_key_binds_only_the_event_it_was_stored_for() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = demo_db(&dir);
        let shared = Shared::open(Config::new(&db)).expect("open");
        let snap = shared.snapshot();
        let ours = spec(&snap.book, "x-9", "colo-a", "trn3-ultraserver", 40);
        // The server stored a key, then stopped before appending its order's event; another
        // process then appended an order of the same id at the seq the key names.
        let aux = open_aux(&db).expect("aux");
        let planned = encode(&Event::OrderPlaced(ours.clone()), &planner().actor(), 7);
        aux.execute(
            "INSERT INTO idempotency_keys
             (scope, key, request_sha256, order_id, created_at, event_seq, event_sha256)
             VALUES ('staff', 'k-crash', 'body-1', 'x-9', 7, ?1, ?2)",
            params![
                snap.head as i64 + 1,
                record_sha256(
                    &planned.kind,
                    &planned.actor,
                    planned.at_unix_ms,
                    &planned.payload
                )
            ],
        )
        .expect("insert");
        let seq = place_elsewhere(&db, spec(&snap.book, "x-9", "ent-a", "trn2-server", 1));
        assert_eq!(seq, snap.head + 1);
        assert!(matches!(
            place(&shared, "k-crash", "body-1", ours.clone()).await,
            Err(ApiError::Refused(m)) if m.contains("duplicate order id")
        ));

        // A key row from before keys named their event is trusted as it was.
        aux.execute(
            "INSERT INTO idempotency_keys (scope, key, request_sha256, order_id, created_at)
             VALUES ('staff', 'k-old', 'body-old', 'x-9', 7)",
            [],
        )
        .expect("insert");
        assert!(matches!(
            place(&shared, "k-old", "body-old", ours).await,
            Ok(Placed::Replayed(o)) if o == "x-9"
        ));
    }
}
