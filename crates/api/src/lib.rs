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
mod routes;
mod state;
mod tokens;

pub use error::ApiError;
pub use tokens::{create_token, list_tokens, revoke_token, NewToken, Principal, Role, TokenInfo};

use book::{Book, Period, YearMonth};
use std::future::Future;
use std::net::SocketAddr;
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
}

impl Config {
    /// Defaults for the book at `db_path`: 127.0.0.1:8080, 64 KiB bodies, pages of at most 500,
    /// 30 s per request, the clock's month.
    pub fn new(db_path: impl Into<PathBuf>) -> Config {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db_path: db_path.into(),
            max_body_bytes: 64 * 1024,
            max_page_size: 500,
            request_timeout: Duration::from_secs(30),
            now: None,
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
        let days = (now_unix_ms() / 1000).div_euclid(86_400);
        let (y, m) = civil_month(days);
        YearMonth::new(y, m).unwrap_or(book.horizon().start())
    });
    book.horizon().clamp_period(month)
}

/// Year and month of a day count since 1970-01-01 (Howard Hinnant's civil-from-days).
fn civil_month(days: i64) -> (i32, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y as i32, m as u8)
}

/// A server bound to its address, not yet serving.
pub struct Bound {
    listener: tokio::net::TcpListener,
    app: axum::Router,
}

impl Bound {
    /// Loads the book and binds `config.addr`.
    pub async fn new(config: Config) -> Result<Bound, ApiError> {
        let addr = config.addr;
        let shared = tokio::task::spawn_blocking(move || state::Shared::open(config))
            .await
            .map_err(|e| ApiError::Internal(format!("loading the book failed: {e}")))??;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        Ok(Bound {
            listener,
            app: routes::router(Arc::new(shared)),
        })
    }

    /// The address actually bound (with the real port when the config asked for port 0).
    pub fn local_addr(&self) -> Result<SocketAddr, ApiError> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until `shutdown` resolves, then stops accepting and lets in-flight requests
    /// (and so their writes) finish.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ApiError> {
        tracing::info!(addr = %self.local_addr()?, "serving");
        axum::serve(self.listener, self.app)
            .with_graceful_shutdown(shutdown)
            .await?;
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
