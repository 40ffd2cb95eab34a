//! allot's HTTP API: the book, orders, planning, available-to-promise and the waitlist as JSON,
//! served by axum on the embedded store, for the vendor's planners and for its customers.
//!
//! * [`serve`] runs the server until a shutdown future resolves; [`spawn_for_test`] runs one on
//!   port 0 for tests.
//! * Every `/api` request carries a bearer token ([`create_token`], [`list_tokens`],
//!   [`revoke_token`]; stored as SHA-256 hashes in the book's SQLite file). Tokens have a
//!   [`Role`]: admin and planner see everything; a customer token sees and changes only its own
//!   customer's orders and waitlist entries, and other customers' orders answer 404, exactly as
//!   orders that do not exist.
//! * Writes follow the book's rule: validate against the book, append to the store (durable when
//!   acknowledged), then publish. Order creation takes an `Idempotency-Key` header; a retry with
//!   the same key returns the same order.
//! * The latest plan is cached and re-planned warm (`planner::plan_warm`) when the book has
//!   moved on and a request needs a plan.
//! * Errors are `{"error": "..."}` with a 4xx status and a clear message; internals go to the log.
//!
//! Only this crate knows the API's JSON: its DTOs live in [`dto`].
#![deny(missing_docs)]

pub mod dto;
mod error;
mod metrics;
mod openapi;
mod routes;
mod served;
mod state;
mod tokens;
mod web;

pub use error::ApiError;
pub use served::{lock_path, served_by};
pub use state::{MAX_BATCH_JOBS, WRITE_QUEUE};
pub use tokens::{create_token, list_tokens, revoke_token, NewToken, Principal, Role, TokenInfo};

use book::{Book, Period, YearMonth};
use std::future::Future;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The server's configuration, passed in explicitly (no globals).
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (port 0 picks a free port).
    pub addr: SocketAddr,
    /// The book's SQLite file (created by `allot demo` or `allot init`).
    pub db_path: PathBuf,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Largest page `GET /api/orders` returns.
    pub max_page_size: usize,
    /// Requests taking longer are answered 408.
    pub request_timeout: Duration,
    /// The month to plan in; None reads the clock (clamped into the horizon).
    pub now: Option<YearMonth>,
    /// Requests per token; None disables rate limiting.
    pub rate_limit: Option<RateLimit>,
    /// When the writer checkpoints the book (a snapshot, so the next start replays less).
    pub snapshot_rule: scenario::SnapshotRule,
    /// How often the server looks at whether the book's path still names the file it opened
    /// (requests are answered 503 once it does not; the writer also looks before every append).
    pub watch_interval: Duration,
}

/// A per-token rate limit: a token bucket refilled at `per_second`, holding at most `burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per second.
    pub per_second: NonZeroU32,
    /// Requests allowed at once after a quiet spell.
    pub burst: NonZeroU32,
}

impl RateLimit {
    /// `per_second` sustained with bursts of `burst`; None if either is 0.
    pub fn new(per_second: u32, burst: u32) -> Option<RateLimit> {
        Some(RateLimit {
            per_second: NonZeroU32::new(per_second)?,
            burst: NonZeroU32::new(burst)?,
        })
    }
}

impl Config {
    /// Defaults for the book at `db_path`: 127.0.0.1:8080, 64 KiB bodies, pages of at most 500,
    /// 30 s per request, the clock's month, 200 requests/s per token with bursts of 400, a
    /// snapshot every 10,000 events or 8 MiB of payload, the book file looked at every 250 ms.
    pub fn new(db_path: impl Into<PathBuf>) -> Config {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db_path: db_path.into(),
            max_body_bytes: 64 * 1024,
            max_page_size: 500,
            request_timeout: Duration::from_secs(30),
            now: None,
            rate_limit: RateLimit::new(200, 400),
            snapshot_rule: scenario::SnapshotRule::DEFAULT,
            watch_interval: Duration::from_millis(250),
        }
    }
}

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn now_unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The planning period: `fixed` if given, else the clock's month, clamped into the horizon.
pub(crate) fn now_period(book: &Book, fixed: Option<YearMonth>) -> Period {
    let month = fixed.unwrap_or_else(|| {
        YearMonth::of_unix_secs(now_unix_ms().div_euclid(1000)).unwrap_or(book.horizon().start())
    });
    book.horizon().clamp_period(month)
}

/// A server bound to its address, not yet serving. It holds the book file's serve lock (see
/// [`lock_path`]) from [`Bound::new`] until it stops or is dropped.
pub struct Bound {
    listener: tokio::net::TcpListener,
    app: axum::Router,
    shared: Arc<state::Shared>,
    lock: served::ServeLock,
}

impl Bound {
    /// Takes the book file's serve lock (failing with [`ApiError::AlreadyServed`], before
    /// anything is opened or written, if another server holds it), loads the book and binds
    /// `config.addr`.
    pub async fn new(config: Config) -> Result<Bound, ApiError> {
        let addr = config.addr;
        state::require_book_file(&config.db_path)?;
        let mut lock = served::ServeLock::acquire(&config.db_path)?;
        let shared = tokio::task::spawn_blocking(move || state::Shared::open(config))
            .await
            .map_err(|e| ApiError::Internal(format!("loading the book failed: {e}")))??;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        lock.record(listener.local_addr()?);
        let shared = Arc::new(shared);
        Ok(Bound {
            listener,
            app: routes::router(shared.clone()),
            shared,
            lock,
        })
    }

    /// The address actually bound (with the real port when the config asked for port 0).
    pub fn local_addr(&self) -> Result<SocketAddr, ApiError> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until `shutdown` resolves, then stops accepting and lets in-flight requests
    /// (and so their writes) finish. Meanwhile a watcher looks every `config.watch_interval` at
    /// whether the book's path still names the file opened (see [`ApiError::Replaced`]).
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ApiError> {
        tracing::info!(addr = %self.local_addr()?, "serving");
        let book_file = self.shared.book_file.clone();
        let interval = self
            .shared
            .config
            .watch_interval
            .max(Duration::from_millis(1));
        let watcher = tokio::spawn(async move {
            let mut every = tokio::time::interval(interval);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                let f = book_file.clone();
                match tokio::task::spawn_blocking(move || f.check()).await {
                    Ok(Ok(())) => {}
                    // Found replaced (logged by the check), or the runtime is stopping.
                    _ => break,
                }
            }
        });
        let served = axum::serve(self.listener, self.app)
            .with_graceful_shutdown(shutdown)
            .await;
        watcher.abort();
        served?;
        // In-flight requests have finished; let the writer finish what they queued.
        let shared = self.shared;
        tokio::task::spawn_blocking(move || shared.stop_writer())
            .await
            .map_err(|e| ApiError::Internal(format!("stopping the writer failed: {e}")))?;
        self.lock.release();
        tracing::info!("stopped");
        Ok(())
    }
}

/// Serves the book at `config.db_path` on `config.addr` until `shutdown` resolves.
pub async fn serve(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ApiError> {
    Bound::new(config).await?.run(shutdown).await
}

/// A server started by [`spawn_for_test`]; stops when [`TestServer::stop`] is called or it is dropped.
pub struct TestServer {
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), ApiError>>>,
}

impl TestServer {
    /// Shuts the server down gracefully and waits for it.
    pub async fn stop(mut self) -> Result<(), ApiError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => task
                .await
                .map_err(|e| ApiError::Internal(format!("server task failed: {e}")))?,
            None => Ok(()),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts a server for the book at `db_path` on 127.0.0.1, port 0, with default limits.
pub async fn spawn_for_test(
    db_path: impl Into<PathBuf>,
) -> Result<(SocketAddr, TestServer), ApiError> {
    let mut config = Config::new(db_path);
    config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
    spawn_with(config).await
}

/// Starts a server with `config` in the background (tests that need other limits).
pub async fn spawn_with(config: Config) -> Result<(SocketAddr, TestServer), ApiError> {
    let bound = Bound::new(config).await?;
    let addr = bound.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(bound.run(async {
        let _ = rx.await;
    }));
    Ok((
        addr,
        TestServer {
            shutdown: Some(tx),
            task: Some(task),
        },
    ))
}
