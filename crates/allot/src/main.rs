//! `allot`: the command line. It parses arguments and wires the libraries together: the book
//! (`book`), its files (`scenario`), its storage (`store`) and the engine (`planner`).
//! Errors carry context (anyhow); exit code 2 means bad input, 1 anything else.

mod db;
mod report;

/// mimalloc: the CLI builds and drops millions of small strings when it opens a large book.
/// Freed memory is kept for reuse (see the `allocator` crate): a server re-plans again and again.
#[global_allocator]
static GLOBAL: allocator::MiMalloc = allocator::MiMalloc;

use anyhow::{anyhow, bail, Context, Result};
use book::{
    Book, CommitmentKind, Event, OrderSpec, Period, ReservationSpec, SubstituteSpec,
    SupplyAdjustmentSpec,
};
use clap::{Parser, Subcommand, ValueEnum};
use db::BookDb;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Sells scarce AI accelerators: supply plan, order book and an exact, certified allocation
/// between the vendor's cloud and outside buyers.
#[derive(Parser)]
#[command(name = "allot", version, about, long_about = None)]
struct Cli {
    /// The book's database file (embedded SQLite; created by `demo`, `init` or `gen`).
    #[arg(long, global = true, env = "ALLOT_DB", default_value = "allot.db")]
    db: PathBuf,
    /// Who is making the change (recorded in the history; 1 to 64 printable characters).
    #[arg(long, global = true, env = "ALLOT_ACTOR", default_value = "planner", value_parser = actor_name)]
    actor: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the demo book from public figures, plan it and print the planner's summary.
    Demo {
        /// Replace an existing allot book in --db even if it is not a demo book (never a file
        /// that is not an allot book: that is refused and left as it is).
        #[arg(long)]
        force: bool,
        /// The current period (YYYY-MM or index); default: this month, clamped into the horizon.
        #[arg(long)]
        now: Option<String>,
    },
    /// Create a book from a scenario file (TOML or JSON; see docs/scenario.md).
    Init {
        /// The scenario file.
        file: PathBuf,
        /// Replace an existing allot book in --db, once the new one is written (never a file
        /// that is not an allot book: that is refused and left as it is).
        #[arg(long)]
        force: bool,
    },
    /// Generate a realistic random book of N orders (same seed, same book).
    Gen {
        /// Number of merchant orders (at most 1,000,000: a book is created in one event, which
        /// the store bounds).
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        orders: u64,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Periods in the horizon.
        #[arg(long, default_value_t = 36, value_parser = clap::value_parser!(u32).range(1..=120))]
        periods: u32,
        /// Generations (staggered: winding down, shipping, ramping, not yet shipping).
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=8))]
        generations: u32,
        /// Longest order window, in periods (windows are 1..=this).
        #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=120))]
        max_window: u32,
        /// Percent of orders with a substitute generation.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=100))]
        substitute_pct: u32,
        /// Percent of orders confirmed with a promise from a previous plan.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=100))]
        confirmed_pct: u32,
        /// Replace an existing allot book in --db, once the new one is written (never a file
        /// that is not an allot book: that is refused and left as it is).
        #[arg(long)]
        force: bool,
    },
    /// Write a snapshot of the book as of its last event now, so it opens without replaying the
    /// log; prints the event it is of and its size.
    ///
    /// Commands that change the book write one by themselves when the log after the last
    /// snapshot passes 10,000 events or 8 MiB of payload, and `gen` always ends with one. A
    /// snapshot is only a cache of the log: a damaged or outdated one is ignored with a warning
    /// and the log replayed.
    Snapshot,
    /// Import orders from a CSV file, all or nothing, at most 100,000 rows (see docs/scenario.md).
    Import {
        /// The CSV file.
        file: PathBuf,
    },
    /// Add, confirm, cancel or deliver orders.
    #[command(subcommand)]
    Order(OrderCmd),
    /// List contracts' commitments or record deliveries against them.
    #[command(subcommand)]
    Contract(ContractCmd),
    /// Book or cancel cloud capacity reservations.
    #[command(subcommand)]
    Reservation(ReservationCmd),
    /// Show or change supply.
    #[command(subcommand)]
    Supply(SupplyCmd),
    /// Plan the book: exact three-tier optimum, certified; records the promises.
    Plan {
        /// Print the whole plan as JSON.
        #[arg(long)]
        json: bool,
        /// With --json: objectives, sizes, times and per-generation flows, without the per-order
        /// lists (orders, full waitlist, moves); light on memory for very large books.
        #[arg(long, requires = "json")]
        brief: bool,
        /// The current period (YYYY-MM or index); default: this month, clamped into the horizon.
        #[arg(long)]
        now: Option<String>,
        /// Do not record the plan's promises.
        #[arg(long)]
        dry_run: bool,
        /// Waitlist entries to show in the summary.
        #[arg(long, default_value_t = 10)]
        waitlist: usize,
    },
    /// Available-to-promise: how many of a SKU by a period, and the earliest period for a quantity.
    Promise {
        /// SKU id.
        #[arg(long)]
        sku: String,
        /// Quantity of SKU items wanted (asks for the earliest period; 1 to 1,000,000,000).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
        qty: Option<u64>,
        /// Period (YYYY-MM or index) to ask "how many by then?".
        #[arg(long)]
        by: Option<String>,
        /// The current period; default: this month, clamped into the horizon.
        #[arg(long)]
        now: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// The waitlist with positions, estimated periods and reasons.
    Waitlist {
        /// JSON output.
        #[arg(long)]
        json: bool,
        /// The current period; default: this month, clamped into the horizon.
        #[arg(long)]
        now: Option<String>,
        /// At most this many entries.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// The book's history: every change, who made it and when.
    History {
        /// Only the last N events.
        #[arg(long)]
        limit: Option<usize>,
        /// Only events about this id: of an order, reservation, contract, customer or
        /// generation. An id several items share (an order and a reservation may both be x-1)
        /// lists the events of each, each labelled with what the id names in it ([order],
        /// [reservation], ...; "about" in JSON).
        #[arg(long)]
        id: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Export the planning network of one tier as DIMACS min-cost flow or as an LP (MPS), so that
    /// other solvers solve exactly what allot solves.
    Network {
        /// File format.
        #[arg(long, value_enum, default_value_t = NetFormat::Dimacs)]
        format: NetFormat,
        /// Tier: 1 commitments, 2 promises, 3 value. For MPS, tiers 2 and 3 carry the optima of the
        /// tiers above as constraints, so solving 1, 2, 3 in turn gives allot's lexicographic optimum.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=3))]
        tier: u32,
        /// MPS only: the tier alone, earlier tiers unconstrained (the same problem as the DIMACS
        /// file of that tier).
        #[arg(long)]
        alone: bool,
        /// The current period; default: this month, clamped into the horizon.
        #[arg(long)]
        now: Option<String>,
        /// Output file (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Solve a DIMACS min-cost-flow file with allot's own solver (for benchmarks against peers).
    Solve {
        /// The DIMACS file (UTF-8 text; a bad byte is reported with its line and column).
        #[arg(long)]
        dimacs: PathBuf,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Serve the JSON API for planners and customers (tokens from `allot token create`).
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Largest accepted request body, in bytes (1 KiB to 256 MiB).
        #[arg(long, default_value_t = 64 * 1024, value_parser = clap::value_parser!(u64).range(1024..=256 << 20))]
        max_body_bytes: u64,
        /// Largest page returned by list requests (1 to 100,000).
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=100_000))]
        max_page_size: u64,
        /// The month to plan in (YYYY-MM); default: the clock's month, clamped into the horizon.
        #[arg(long)]
        now: Option<String>,
        /// Requests per second each token may make, sustained (0: no limit); over it, 429.
        #[arg(long, default_value_t = 200)]
        rate_limit: u32,
        /// Requests a token may make at once after a quiet spell (at least 1).
        #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u32).range(1..))]
        rate_burst: u32,
        /// Log format on standard error: text for people, json (one object per line) for machines.
        #[arg(long, value_enum, default_value_t = LogFormat::Text)]
        log_format: LogFormat,
    },
    /// Create, list or revoke API tokens (stored hashed; a secret is shown once).
    #[command(subcommand)]
    Token(TokenCmd),
    /// Export the book as a scenario file (toml, json) or its orders as CSV.
    Export {
        /// Format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Toml)]
        format: ExportFormat,
        /// Output file (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum TokenCmd {
    /// Create a token: admin, planner (the vendor's staff) or customer (bound to one customer).
    Create {
        /// Role: admin, planner or customer.
        #[arg(long)]
        role: String,
        /// The customer a customer token acts for.
        #[arg(long)]
        customer: Option<String>,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by id.
    Revoke {
        /// Token id (from `allot token list`).
        id: i64,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum NetFormat {
    Dimacs,
    Mps,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Toml,
    Json,
    Csv,
}

#[derive(Subcommand)]
enum OrderCmd {
    /// Place an order.
    Add {
        /// Order id.
        #[arg(long)]
        id: String,
        /// Customer id.
        #[arg(long)]
        customer: String,
        /// SKU id.
        #[arg(long)]
        sku: String,
        /// SKU items.
        #[arg(long)]
        qty: u64,
        /// First delivery period (YYYY-MM or index).
        #[arg(long)]
        earliest: String,
        /// Last delivery period (YYYY-MM or index).
        #[arg(long)]
        latest: String,
        /// Price per planning unit, USD.
        #[arg(long)]
        price: i64,
        /// Lateness penalty per unit per period after earliest, USD.
        #[arg(long, default_value_t = 0)]
        penalty: i64,
        /// Substitute generation with value factor, e.g. trn3:0.9 (repeatable).
        #[arg(long = "sub")]
        substitutes: Vec<String>,
    },
    /// Confirm orders' current promises (they become tier-2 protected).
    Confirm {
        /// Order ids.
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Cancel orders.
    Cancel {
        /// Order ids.
        #[arg(required = true)]
        ids: Vec<String>,
        /// Why.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Record a delivery, once it has shipped: not in a period after the current one.
    Deliver {
        /// Order id.
        id: String,
        /// Units shipped (default: the whole order).
        #[arg(long)]
        units: Option<u64>,
        /// Period shipped (YYYY-MM or index); the current period or earlier.
        #[arg(long)]
        period: String,
        /// The current period (YYYY-MM or index); default: this month, clamped into the horizon.
        #[arg(long)]
        now: Option<String>,
    },
    /// Show one order with its plan.
    Show {
        /// Order id.
        id: String,
        /// The current period; default: this month, clamped.
        #[arg(long)]
        now: Option<String>,
    },
}

#[derive(Subcommand)]
enum ContractCmd {
    /// Every commitment of every contract: units committed, delivered and still owed.
    List,
    /// Record units shipped against a delivery commitment, once they have shipped: not in a
    /// period after the current one.
    Deliver {
        /// Contract id.
        contract: String,
        /// The commitment's number in the contract, from 1 (as `contract list` and `plan` show it).
        commitment: u32,
        /// Units shipped (default: all the commitment still owes).
        #[arg(long)]
        units: Option<u64>,
        /// Period shipped (YYYY-MM or index); the current period or earlier.
        #[arg(long)]
        period: String,
        /// The current period (YYYY-MM or index); default: this month, clamped into the horizon.
        #[arg(long)]
        now: Option<String>,
    },
}

#[derive(Subcommand)]
enum ReservationCmd {
    /// Book cloud capacity: units of a generation over [start, end).
    Add {
        /// Reservation id.
        #[arg(long)]
        id: String,
        /// Customer id.
        #[arg(long)]
        customer: String,
        /// Generation id.
        #[arg(long)]
        generation: String,
        /// Units.
        #[arg(long)]
        units: u64,
        /// First period (YYYY-MM or index).
        #[arg(long)]
        start: String,
        /// Period after the last (YYYY-MM or index).
        #[arg(long)]
        end: String,
        /// Price per unit-period, USD.
        #[arg(long)]
        price: i64,
    },
    /// Cancel a reservation.
    Cancel {
        /// Reservation id.
        id: String,
    },
}

#[derive(Subcommand)]
enum SupplyCmd {
    /// Supply per generation and period, with the binding input.
    Show,
    /// Cut supply of a generation in a period.
    Cut {
        /// Generation id.
        #[arg(long)]
        generation: String,
        /// Period (YYYY-MM or index).
        #[arg(long)]
        period: String,
        /// Units removed (1 to 1,000,000,000).
        #[arg(long)]
        units: u64,
        /// Why.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Add supply of a generation in a period.
    Add {
        /// Generation id.
        #[arg(long)]
        generation: String,
        /// Period (YYYY-MM or index).
        #[arg(long)]
        period: String,
        /// Units added (1 to 1,000,000,000).
        #[arg(long)]
        units: u64,
        /// Why.
        #[arg(long, default_value = "")]
        note: String,
    },
}

/// Bad input from the user (exit code 2).
#[derive(Debug)]
struct BadInput(String);
impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for BadInput {}

fn bad(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(BadInput(msg.into()))
}

fn main() {
    allocator::keep_freed_memory();
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve { .. }) {
        quiet_on_closed_pipe();
    }
    if let Err(e) = run(cli) {
        eprintln!("error: {e:#}");
        let code = if e.chain().any(|c| c.downcast_ref::<BadInput>().is_some()) {
            2
        } else {
            1
        };
        std::process::exit(code);
    }
}

/// A command whose reader goes away (`allot history | head`) stops quietly, as other command
/// line tools do, instead of panicking on the failed write: the default action of SIGPIPE is
/// restored (Rust ignores it, so writes fail with EPIPE and `println!` panics). Not for `serve`:
/// a client that disconnects must not stop the server.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default has no preconditions; no handler
    // runs in this process for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// "Now" from the flag or the clock, clamped into the horizon.
fn now_period(book: &Book, flag: &Option<String>) -> Result<Period> {
    match flag {
        Some(s) => book
            .horizon()
            .parse_period(s)
            .map_err(|e| bad(format!("--now: {e}"))),
        None => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_secs() as i64;
            let ym =
                book::YearMonth::of_unix_secs(secs).ok_or_else(|| anyhow!("clock out of range"))?;
            Ok(book.horizon().clamp_period(ym))
        }
    }
}

/// `--period` of a shipment to record: inside the horizon and not after the current period
/// (`--now`, default the clock's month), the rule the API applies with the server's month.
fn shipped_period_arg(book: &Book, s: &str, now: &Option<String>) -> Result<Period> {
    let period = period_arg(book, "period", s)?;
    let now = now_period(book, now)?;
    book::check_shipped_by(book.horizon(), period, now, "the current month").map_err(|m| {
        bad(format!(
            "--period: {m} (the current month is --now, by default this month clamped into \
             the horizon)"
        ))
    })?;
    Ok(period)
}

fn period_arg(book: &Book, name: &str, s: &str) -> Result<Period> {
    book.horizon()
        .parse_period(s)
        .map_err(|e| bad(format!("--{name}: {e}")))
}

/// One `--sub GEN:FACTOR`, read as the order CSV reads a substitute (at most 4 decimal places,
/// never rounded; the book checks the factor's range).
fn parse_substitute(s: &str) -> Result<SubstituteSpec> {
    scenario::parse_substitute(s).map_err(|e| bad(format!("--sub {s:?}: {e}")))
}

/// A spinner that names the planner's stages (hidden when stderr is not a terminal).
/// Wall time of a plan and of each of its stages (build, solve, certify, explain), in ms. The
/// certificate check runs beside the explanations: `certify` is only the wait for the check after them.
pub struct Timing {
    pub total_ms: f64,
    pub stages_ms: [f64; 4],
}

fn plan_with_spinner(book: &Book, now: Period) -> Result<(planner::Plan, Timing)> {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(100));
    let start = Instant::now();
    let mut stages_ms = [0f64; 4];
    let mut mark = (start, None::<usize>);
    let plan = planner::plan_with_progress(book, now, &mut |stage| {
        let now = Instant::now();
        if let Some(k) = mark.1 {
            stages_ms[k] = (now - mark.0).as_secs_f64() * 1e3;
        }
        mark = (now, Some(stage as usize));
        bar.set_message(match stage {
            planner::Stage::Build => "building the planning network",
            planner::Stage::Solve => "solving (network simplex, three tiers)",
            planner::Stage::Certify => "checking the certificate",
            planner::Stage::Explain => "explaining: promises, waitlist, reasons",
        });
    });
    if let Some(k) = mark.1 {
        stages_ms[k] = mark.0.elapsed().as_secs_f64() * 1e3;
    }
    let total_ms = start.elapsed().as_secs_f64() * 1e3;
    bar.finish_and_clear();
    Ok((
        plan.context("planning")?,
        Timing {
            total_ms,
            stages_ms,
        },
    ))
}

fn record_plan(db: &mut BookDb, plan: &planner::Plan) -> Result<()> {
    let record = plan.record(&db.book);
    db.commit_at_head(vec![Event::PlanRecorded(record)])?;
    Ok(())
}

fn print_plan(
    db: &mut BookDb,
    now: &Option<String>,
    json: Option<bool>,
    dry_run: bool,
    waitlist: usize,
) -> Result<planner::Plan> {
    let now = now_period(&db.book, now)?;
    // Recording the plan finds its promises' orders by walking them in order: no order-id index
    // is needed.
    let (plan, timing) = plan_with_spinner(&db.book, now)?;
    let moves = planner::diff(&db.book, &plan);
    if let Some(brief) = json {
        let v = report::plan_json(&db.book, &plan, &timing, &moves, brief);
        let out = std::io::stdout().lock();
        serde_json::to_writer_pretty(std::io::BufWriter::new(out), &v)?;
        println!();
    } else {
        print!(
            "{}",
            report::summary(&db.book, &plan, timing.total_ms, &moves, waitlist)
        );
    }
    if !dry_run {
        record_plan(db, &plan)?;
        if json.is_none() {
            println!(
                "\nplan recorded as event {} in the book's history",
                db.head()
            );
        }
    }
    Ok(plan)
}

fn run(cli: Cli) -> Result<()> {
    let actor = cli.actor.clone();
    let path = cli.db.as_path();
    match cli.command {
        Command::Demo { force, now } => {
            let spec = scenario::demo_spec();
            // Replace an earlier demo freely, but never someone's own book without --force.
            let replace = force
                || !path.exists()
                || BookDb::open(path, &actor)
                    .map(|d| d.book.name() == spec.name)
                    .unwrap_or(false);
            // A file that is not an allot book is refused by `create`, --force or not.
            if !replace && store::SqliteStore::is_store_file(path) {
                bail!(bad(format!(
                    "{} holds a book that is not the demo; pass --force or --db another file",
                    path.display()
                )));
            }
            let mut db = BookDb::create(path, spec, &actor, true)?;
            db.install()?;
            println!("demo book written to {} (scenario from public figures: crates/scenario/demo/demo.toml)\n", path.display());
            print_plan(&mut db, &now, None, false, 10)?;
            println!("\nnext: `allot waitlist`, `allot promise --sku trn3-ultraserver --qty 2`, `allot supply cut --generation trn3 --period 2027-06 --units 20`, `allot plan`");
        }
        Command::Init { file, force } => {
            let spec = scenario::load_scenario(&file).map_err(|e| bad(e.to_string()))?;
            let mut db = BookDb::create(path, spec, &actor, force)
                .map_err(|e| bad(format!("{}: {e:#}", file.display())))?;
            db.snapshot_if_due();
            db.install()?;
            println!(
                "book {:?} created in {}: {} generations, {} orders, {} contracts",
                db.book.name(),
                path.display(),
                db.book.generations().len(),
                db.book.orders().len(),
                db.book.contracts().len()
            );
        }
        Command::Gen {
            orders,
            seed,
            periods,
            generations,
            max_window,
            substitute_pct,
            confirmed_pct,
            force,
        } => {
            let mut p = bookgen::Params::new(orders as usize, seed);
            p.periods = periods;
            p.generations = generations as usize;
            p.max_window = max_window;
            p.substitute_pct = substitute_pct;
            p.confirmed_pct = confirmed_pct;
            let g = bookgen::generate(&p);
            let start = Instant::now();
            let mut db = BookDb::create(path, g.spec, &actor, force)?;
            let written = || -> Result<()> {
                if !g.events.is_empty() {
                    db.commit(g.events)?;
                }
                // A generated book always ends with a snapshot, so it opens without a replay.
                db.ensure_snapshot()?;
                Ok(())
            };
            if let Err(e) = written() {
                // A replaced book stays as it was.
                db.discard();
                return Err(e);
            }
            db.install()?;
            println!(
                "generated book of {} orders (seed {seed}) in {} ({:.1} s; snapshot at event {})",
                db.book.orders().len(),
                path.display(),
                start.elapsed().as_secs_f64(),
                db.head()
            );
        }
        Command::Snapshot => {
            let mut db = BookDb::open(path, &actor)?;
            let start = Instant::now();
            let w = db.snapshot()?;
            println!(
                "snapshot of event {} written to {}: {} bytes, {} orders ({:.2} s)",
                w.seq,
                path.display(),
                w.bytes,
                db.book.orders().len(),
                start.elapsed().as_secs_f64()
            );
        }
        Command::Import { file } => {
            let mut db = BookDb::open(path, &actor)?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let name = file.display().to_string();
            let text = scenario::orders_csv_text(&bytes, &name).map_err(|e| bad(e.to_string()))?;
            // An import is one batch of events, written all or nothing: the store's limit on a
            // batch is the limit on an import, checked before any row is read.
            let (rows, limit) = (scenario::orders_csv_rows(text), db.max_batch_events());
            if rows > limit {
                return Err(bad(format!(
                    "{name}: the file has {} rows of orders; one import takes at most {}: split \
                     the file and import the parts one after another",
                    book::thousands(rows as i64),
                    book::thousands(limit as i64)
                )));
            }
            let specs = scenario::parse_orders_csv(text, &name, db.book.horizon())
                .map_err(|e| bad(e.to_string()))?;
            scenario::check_orders_against(&db.book, &specs, &name)
                .map_err(|e| bad(e.to_string()))?;
            let n = specs.len();
            if n == 0 {
                println!("no orders in {name} (only its header): nothing imported");
                return Ok(());
            }
            let range = db.commit(specs.into_iter().map(Event::OrderPlaced).collect())?;
            println!(
                "imported {n} orders from {name} (events {}..={})",
                range.start(),
                range.end()
            );
        }
        Command::Order(cmd) => order_cmd(path, &actor, cmd)?,
        Command::Contract(cmd) => contract_cmd(path, &actor, cmd)?,
        Command::Reservation(cmd) => {
            let mut db = BookDb::open(path, &actor)?;
            let event = match cmd {
                ReservationCmd::Add {
                    id,
                    customer,
                    generation,
                    units,
                    start,
                    end,
                    price,
                } => {
                    let start = period_arg(&db.book, "start", &start)?;
                    let end = db
                        .book
                        .horizon()
                        .parse_period_end(&end)
                        .map_err(|e| bad(format!("--end: {e}")))?;
                    Event::ReservationPlaced(ReservationSpec {
                        key: id,
                        customer,
                        generation,
                        units,
                        start,
                        end,
                        price_usd_per_unit_period: price,
                    })
                }
                ReservationCmd::Cancel { id } => Event::ReservationCancelled { reservation: id },
            };
            db.commit(vec![event]).map_err(|e| bad(format!("{e:#}")))?;
            println!("recorded as event {}", db.head());
        }
        Command::Supply(cmd) => supply_cmd(path, &actor, cmd)?,
        Command::Plan {
            json,
            brief,
            now,
            dry_run,
            waitlist,
        } => {
            let mut db = BookDb::open(path, &actor)?;
            let plan = print_plan(&mut db, &now, json.then_some(brief), dry_run, waitlist)?;
            // About to exit: the plan and the book are left to the operating system rather than
            // freed piece by piece (~40 ms of wall at 1M orders).
            std::mem::forget(plan);
            db.close_leaving_book();
        }
        Command::Promise {
            sku,
            qty,
            by,
            now,
            json,
        } => {
            let db = BookDb::open(path, &actor)?;
            let book = &db.book;
            let s = book
                .sku_idx(&sku)
                .ok_or_else(|| bad(format!("--sku: unknown SKU {sku:?}")))?;
            if qty.is_none() && by.is_none() {
                bail!(bad("give --qty (earliest period for a quantity) and/or --by (quantity by a period)"));
            }
            let now = now_period(book, &now)?;
            let (plan, _) = plan_with_spinner(book, now)?;
            let by_p = by
                .as_deref()
                .map(|b| period_arg(book, "by", b))
                .transpose()?;
            let start = Instant::now();
            let by_q = by_p.map(|p| plan.atp.sku_quantity_by(s, p));
            let earliest = qty.map(|q| plan.atp.earliest_sku(s, q));
            let query_ns = start.elapsed().as_nanos();
            let month = |p: Period| book.horizon().month_of(p).to_string();
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "sku": sku,
                        "now": month(now),
                        "by": by_p.map(month),
                        "quantity_by": by_q,
                        "qty": qty,
                        "earliest": earliest.flatten().map(month),
                        "query_ns": query_ns,
                    })
                );
            } else {
                if let (Some(p), Some(q)) = (by_p, by_q) {
                    println!(
                        "{q} x {sku} can be promised by {} without moving any existing promise",
                        month(p)
                    );
                }
                if let (Some(q), Some(e)) = (qty, earliest) {
                    match e {
                        Some(p) => println!(
                            "{q} x {sku}: earliest {} without moving any existing promise",
                            month(p)
                        ),
                        None => println!(
                            "{q} x {sku}: not within the horizon without moving existing promises"
                        ),
                    }
                }
            }
        }
        Command::Waitlist { json, now, limit } => {
            let db = BookDb::open(path, &actor)?;
            let now = now_period(&db.book, &now)?;
            let (plan, _) = plan_with_spinner(&db.book, now)?;
            if json {
                let mut v = report::waitlist_json(&db.book, &plan);
                if let (Some(l), Some(a)) = (limit, v.as_array_mut()) {
                    a.truncate(l);
                }
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!(
                    "{} orders waiting (confirmed first, then in order placed)",
                    plan.waitlist.len()
                );
                for &o in plan.waitlist.iter().take(limit.unwrap_or(usize::MAX)) {
                    println!("{}", report::waitlist_line(&db.book, &plan, o));
                }
            }
        }
        Command::History { limit, id, json } => {
            let db = BookDb::open(path, &actor)?;
            let mut entries = db.history(None)?;
            if let Some(id) = &id {
                entries.retain(|e| e.event.mentions(id));
                // Orders, reservations and contracts each have their own ids (and customers
                // and generations theirs): an id may name several items. Every one's events
                // are listed, each labelled with what the id names in it.
                let b = &db.book;
                let named: Vec<&str> = [
                    ("an order", b.order_idx(id).is_some()),
                    (
                        "a reservation",
                        b.reservations().iter().any(|r| &r.key == id),
                    ),
                    ("a contract", b.contracts().iter().any(|c| &c.key == id)),
                    ("a customer", b.customer_idx(id).is_some()),
                    ("a generation", b.generation_idx(id).is_some()),
                ]
                .into_iter()
                .filter_map(|(what, is)| is.then_some(what))
                .collect();
                if named.len() > 1 {
                    let (last, rest) = named.split_last().expect("two or more");
                    eprintln!(
                        "note: {id:?} is the id of {} and {last}: the events of each are listed, \
                         labelled with what the id names in them",
                        rest.join(", ")
                    );
                }
                if entries.is_empty() {
                    if named.is_empty() {
                        // As for other ids that name nothing (`order show`, `token revoke`).
                        bail!(bad(format!(
                            "--id: no events for {id:?}: nothing in the book has that id"
                        )));
                    }
                    eprintln!(
                        "no events for {id:?} since the book was created (it is in the initial book)"
                    );
                }
            }
            if let Some(l) = limit {
                let skip = entries.len().saturating_sub(l);
                entries.drain(..skip);
            }
            for e in &entries {
                let when = book::format_unix_ms(e.at_unix_ms);
                let what = book::describe_event(&db.book, &e.event);
                // With --id: what the id names in the event (an order, a reservation, ...).
                let about = id.as_deref().map(|id| e.event.about(id));
                if json {
                    let mut v = serde_json::json!({"seq": e.seq, "at": when, "actor": e.actor, "kind": e.kind, "what": what});
                    if let Some(a) = &about {
                        v["about"] = serde_json::json!(a);
                    }
                    println!("{v}");
                } else {
                    let label = about
                        .map(|a| format!("[{}] ", a.join(", ")))
                        .unwrap_or_default();
                    println!(
                        "{:>6}  {}  {:<10} {:<20} {label}{}",
                        e.seq, when, e.actor, e.kind, what
                    );
                }
            }
        }
        Command::Network {
            format,
            tier,
            alone,
            now,
            output,
        } => {
            if let Some(o) = &output {
                not_the_book(o, path)?;
            }
            let db = BookDb::open(path, &actor)?;
            let now = now_period(&db.book, &now)?;
            let net = planner::network::build(&db.book, now).context("building the network")?;
            let tier = netio::Tier::from_number(tier).expect("clap checked the range");
            let text = match format {
                NetFormat::Dimacs => {
                    netio::write_dimacs_labeled(&net, tier, &path.display().to_string())
                }
                NetFormat::Mps => {
                    // The optima of the tiers above, as plain cost sums, from the exact plan.
                    let fixed: Vec<i64> = if tier.index() == 0 || alone {
                        Vec::new()
                    } else {
                        let (plan, _) = plan_with_spinner(&db.book, now)?;
                        let obj = certify::objective(
                            &plan.certificate.network,
                            &plan.certificate.solution.flow,
                        );
                        obj.iter()
                            .map(|&v| i64::try_from(v).expect("objectives fit in i64"))
                            .collect()
                    };
                    netio::write_mps(&net, tier, &fixed)
                }
            };
            match output {
                Some(p) => {
                    std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
                    eprintln!(
                        "wrote {} ({} nodes, {} arcs)",
                        p.display(),
                        net.node_count(),
                        net.arc_count()
                    );
                }
                None => print!("{text}"),
            }
        }
        Command::Solve { dimacs, json } => {
            let start = Instant::now();
            let bytes =
                std::fs::read(&dimacs).with_context(|| format!("reading {}", dimacs.display()))?;
            let net = netio::read_dimacs_bytes(&bytes)
                .map_err(|e| bad(format!("{}: {e}", dimacs.display())))?;
            drop(bytes);
            let load_ms = start.elapsed().as_secs_f64() * 1e3;
            let (nodes, arcs) = (net.node_count(), net.arc_count());
            let start = Instant::now();
            // By value: the solver uses the arrays as they are when the file lists the arcs in
            // its order (as `allot network` writes them), instead of copying them.
            let (sol, _) =
                flow::solve_owned(net, None).map_err(|e| anyhow!("{}: {e}", dimacs.display()))?;
            let solve_ms = start.elapsed().as_secs_f64() * 1e3;
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "file": dimacs.display().to_string(),
                        "nodes": nodes, "arcs": arcs,
                        "load_ms": load_ms, "solve_ms": solve_ms,
                        "objective": sol.total_cost, "pivots": sol.pivots,
                    })
                );
            } else {
                println!(
                    "{}: {} nodes, {} arcs; optimal cost {} ({} pivots); load {:.1} ms, solve {:.1} ms",
                    dimacs.display(),
                    nodes,
                    arcs,
                    sol.total_cost,
                    sol.pivots,
                    load_ms,
                    solve_ms
                );
            }
        }
        Command::Serve {
            addr,
            max_body_bytes,
            max_page_size,
            now,
            rate_limit,
            rate_burst,
            log_format,
        } => {
            let filter = tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
            // Log lines are written by a background thread, so no request waits on stderr; the
            // guard flushes what is queued when `serve` returns.
            let (writer, _log_guard) =
                tracing_appender::non_blocking::NonBlockingBuilder::default()
                    .lossy(false)
                    .finish(std::io::stderr());
            let logs = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .with_writer(writer);
            match log_format {
                LogFormat::Text => logs.init(),
                LogFormat::Json => logs
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .init(),
            }
            if !path.exists() {
                bail!(bad(format!(
                    "no book at {} (create one with `allot demo` or `allot init`)",
                    path.display()
                )));
            }
            let mut config = api::Config::new(path);
            config.addr = addr;
            config.max_body_bytes = max_body_bytes as usize;
            config.max_page_size = max_page_size as usize;
            config.rate_limit = match (rate_limit, rate_burst) {
                (0, _) => None,
                (r, b) => Some(
                    api::RateLimit::new(r, b.max(1))
                        .ok_or_else(|| bad("--rate-limit/--rate-burst must be positive"))?,
                ),
            };
            config.now = match now {
                Some(s) => {
                    // Clamped into the horizon of the book served, which may be replaced.
                    Some(
                        book::YearMonth::parse(&s)
                            .ok_or_else(|| bad(format!("--now: {s:?} is not YYYY-MM")))?,
                    )
                }
                None => None,
            };
            let rt = tokio::runtime::Runtime::new().context("starting the runtime")?;
            rt.block_on(async move {
                let bound = api::Bound::new(config)
                    .await
                    .map_err(|e| anyhow!("listening on {addr}: {e}"))?;
                // Port 0 picks a free port: say which, so scripts can find it.
                eprintln!(
                    "allot serving {} on http://{}",
                    path.display(),
                    bound.local_addr().map_err(|e| anyhow!("{e}"))?
                );
                bound
                    .run(shutdown_signal())
                    .await
                    .map_err(|e| anyhow!("{e}"))
            })?;
        }
        Command::Token(cmd) => {
            // Tokens live beside a book: a file that holds none (an empty or unrelated
            // database) is refused as every other command refuses it, before anything is
            // written to it.
            BookDb::open(path, &actor)?.close_leaving_book();
            match cmd {
                TokenCmd::Create { role, customer } => {
                    let role = api::Role::parse(&role).ok_or_else(|| {
                        bad(format!("--role {role:?}: admin, planner or customer"))
                    })?;
                    let t = api::create_token(path, role, customer.as_deref())
                        .map_err(|e| bad(e.to_string()))?;
                    println!(
                        "token {} created; its secret (shown once):\n{}",
                        t.id, t.secret
                    );
                }
                TokenCmd::List => {
                    for t in api::list_tokens(path).map_err(|e| anyhow!("{e}"))? {
                        println!(
                            "{:>4}  {:<8} {:<12} created {}{}",
                            t.id,
                            t.role.as_str(),
                            t.customer.as_deref().unwrap_or("-"),
                            book::format_unix_ms(t.created_at_unix_ms),
                            t.revoked_at_unix_ms
                                .map(|r| format!(", revoked {}", book::format_unix_ms(r)))
                                .unwrap_or_default()
                        );
                    }
                }
                TokenCmd::Revoke { id } => {
                    if api::revoke_token(path, id).map_err(|e| anyhow!("{e}"))? {
                        println!("token {id} revoked");
                    } else {
                        bail!(bad(format!("no active token {id}")));
                    }
                }
            }
        }
        Command::Export { format, output } => {
            if let Some(o) = &output {
                not_the_book(o, path)?;
            }
            let db = BookDb::open(path, &actor)?;
            let text = match format {
                ExportFormat::Toml => scenario::write_scenario(&db.book, scenario::Format::Toml),
                ExportFormat::Json => scenario::write_scenario(&db.book, scenario::Format::Json),
                ExportFormat::Csv => scenario::write_orders_csv(&db.book),
            };
            match output {
                Some(p) => {
                    std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
                    eprintln!("exported to {}", p.display());
                }
                None => print!("{text}"),
            }
        }
    }
    Ok(())
}

/// An `--actor`: 1 to 64 characters, none of them a control character (it is printed, a line
/// per event, by `allot history`).
fn actor_name(s: &str) -> std::result::Result<String, String> {
    if s.trim().is_empty() || s.chars().count() > 64 || s.chars().any(char::is_control) {
        return Err("1 to 64 characters, no control characters (such as a new line)".into());
    }
    Ok(s.to_string())
}

/// Refuses an output file that is the book's own file (or its SQLite log or shared memory):
/// writing there would destroy the book.
fn not_the_book(output: &Path, book: &Path) -> Result<()> {
    // Compared as absolute paths, through the parent directory (the output may not exist yet).
    let resolve = |p: &Path| -> Option<PathBuf> {
        let parent = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.canonicalize().ok()?,
            _ => std::env::current_dir().ok()?,
        };
        Some(parent.join(p.file_name()?))
    };
    let (Some(out), Some(db)) = (resolve(output), resolve(book)) else {
        return Ok(());
    };
    for suffix in ["", "-wal", "-shm"] {
        let mut f = db.clone().into_os_string();
        f.push(suffix);
        if out.as_os_str() == f {
            bail!(bad(format!(
                "-o {}: that is the book's own file; write the output elsewhere",
                output.display()
            )));
        }
    }
    Ok(())
}

fn order_cmd(path: &Path, actor: &str, cmd: OrderCmd) -> Result<()> {
    let mut db = BookDb::open(path, actor)?;
    let events = match cmd {
        OrderCmd::Show { id, now } => {
            let o = db
                .book
                .order_idx(&id)
                .ok_or_else(|| bad(format!("no order {id:?}")))?;
            let now = now_period(&db.book, &now)?;
            let (plan, _) = plan_with_spinner(&db.book, now)?;
            let order = db.book.order_at(o);
            let b = &db.book;
            let m = |p: Period| b.horizon().month_of(p).to_string();
            println!(
                "order {} of {}: {} x {} ({} units), window {}..{}, ${}/unit, status {}",
                order.key,
                b.customer_at(order.customer).key,
                order.quantity,
                b.sku(order.sku).key,
                order.units,
                m(order.earliest),
                m(order.latest),
                planner::thousands(order.price_usd_per_unit),
                order.status.as_str()
            );
            if let Some(c) = order.confirmed {
                println!("confirmed promise: {} units by {}", c.units, m(c.by));
            }
            let p = &plan.orders[o.0 as usize];
            for s in &p.shipments {
                println!(
                    "  plan: {} units of {} in {}",
                    s.units,
                    b.generation(s.generation).key,
                    m(s.period)
                );
            }
            if p.waitlist.is_some() {
                println!("  {}", report::waitlist_line(b, &plan, o));
            }
            return Ok(());
        }
        OrderCmd::Add {
            id,
            customer,
            sku,
            qty,
            earliest,
            latest,
            price,
            penalty,
            substitutes,
        } => {
            let spec = OrderSpec {
                key: id,
                customer,
                sku,
                quantity: qty,
                earliest: period_arg(&db.book, "earliest", &earliest)?,
                latest: period_arg(&db.book, "latest", &latest)?,
                price_usd_per_unit: price,
                lateness_penalty_usd_per_unit_period: penalty,
                substitutes: substitutes
                    .iter()
                    .map(|s| parse_substitute(s))
                    .collect::<Result<_>>()?,
            };
            vec![Event::OrderPlaced(spec)]
        }
        OrderCmd::Confirm { ids } => ids
            .into_iter()
            .map(|order| Event::OrderConfirmed { order })
            .collect(),
        OrderCmd::Cancel { ids, reason } => ids
            .into_iter()
            .map(|order| Event::OrderCancelled {
                order,
                reason: reason.clone(),
            })
            .collect(),
        OrderCmd::Deliver {
            id,
            units,
            period,
            now,
        } => {
            let o = db
                .book
                .order_idx(&id)
                .ok_or_else(|| bad(format!("no order {id:?}")))?;
            let units = units.unwrap_or(db.book.order_at(o).units);
            vec![Event::OrderDelivered {
                order: id,
                units,
                period: shipped_period_arg(&db.book, &period, &now)?,
            }]
        }
    };
    let n = events.len();
    let range = db.commit(events).map_err(|e| bad(format!("{e:#}")))?;
    println!(
        "recorded {n} change(s) as events {}..={}",
        range.start(),
        range.end()
    );
    Ok(())
}

fn contract_cmd(path: &Path, actor: &str, cmd: ContractCmd) -> Result<()> {
    let mut db = BookDb::open(path, actor)?;
    match cmd {
        ContractCmd::List => {
            let b = &db.book;
            let m = |p: Period| b.horizon().month_of(p).to_string();
            for c in b.contracts() {
                println!(
                    "contract {} of {}: {} commitments, shortfall penalty ${}/unit",
                    c.key,
                    b.customer_at(c.customer).key,
                    c.commitments.len(),
                    planner::thousands(c.shortfall_penalty_usd_per_unit)
                );
                for (k, cm) in c.commitments.iter().enumerate() {
                    let g = &b.generation(cm.generation).key;
                    match cm.kind {
                        CommitmentKind::Delivery { earliest, due, .. } => println!(
                            "  {:>2}  delivery {:>9} units of {g:<6} {}..{}: {} delivered, {} owed",
                            k + 1,
                            cm.units,
                            m(earliest),
                            m(due),
                            cm.delivered_units(),
                            cm.owed_units()
                        ),
                        CommitmentKind::Capacity { start, end, .. } => println!(
                            "  {:>2}  capacity {:>9} units of {g:<6} {}..{} (cloud, not shipped)",
                            k + 1,
                            cm.units,
                            m(start),
                            m(Period(end.0.saturating_sub(1).max(start.0)))
                        ),
                    }
                }
            }
            Ok(())
        }
        ContractCmd::Deliver {
            contract,
            commitment,
            units,
            period,
            now,
        } => {
            let Some(index) = commitment.checked_sub(1) else {
                bail!(bad("commitments are numbered from 1"));
            };
            // Default: whatever the commitment still owes (the book refuses what is not one).
            let owed = (db.book.contracts().iter())
                .find(|c| c.key == contract)
                .and_then(|c| c.commitments.get(index as usize))
                .map_or(0, |cm| cm.owed_units());
            let event = Event::CommitmentDelivered {
                contract: contract.clone(),
                commitment: index,
                units: units.unwrap_or(owed),
                period: shipped_period_arg(&db.book, &period, &now)?,
            };
            db.commit(vec![event]).map_err(|e| bad(format!("{e:#}")))?;
            let cm = db
                .book
                .contracts()
                .iter()
                .find(|c| c.key == contract)
                .and_then(|c| c.commitments.get(index as usize))
                .expect("the book accepted the delivery");
            println!(
                "recorded as event {}: contract {contract} commitment {commitment}: {} of {} units \
                 delivered, {} owed; run `allot plan` to re-plan",
                db.head(),
                cm.delivered_units(),
                cm.units,
                cm.owed_units()
            );
            Ok(())
        }
    }
}

fn supply_cmd(path: &Path, actor: &str, cmd: SupplyCmd) -> Result<()> {
    let mut db = BookDb::open(path, actor)?;
    let (generation, period, delta, note) = match cmd {
        SupplyCmd::Show => {
            let b = &db.book;
            let h = b.horizon();
            // The reason beside each month's units: the adjustment that changed them, else the
            // supply plan's binding input.
            let bind = |g: book::GenIdx, t: Period| {
                b.supply_adjustment_label(g, t)
                    .or_else(|| b.supply_binding(g, t).map(|x| x.label()))
                    .unwrap_or("")
            };
            let width = (0..b.generations().len())
                .flat_map(|g| (0..h.periods()).map(move |t| (g, t)))
                .map(|(g, t)| bind(book::GenIdx(g as u16), Period(t)).len())
                .fold(9, usize::max);
            print!("{:<8}", "period");
            for g in b.generations() {
                print!(" {:>w$}", g.key, w = width + 7);
            }
            println!();
            for t in 0..h.periods() {
                print!("{:<8}", h.month_of(Period(t)).to_string());
                for (gi, _) in b.generations().iter().enumerate() {
                    let g = book::GenIdx(gi as u16);
                    let units = b.supply_units(g, Period(t));
                    print!(" {:>6} {:<width$}", units, bind(g, Period(t)));
                }
                println!();
            }
            return Ok(());
        }
        SupplyCmd::Cut {
            generation,
            period,
            units,
            note,
        } => (generation, period, -supply_units_arg(units)?, note),
        SupplyCmd::Add {
            generation,
            period,
            units,
            note,
        } => (generation, period, supply_units_arg(units)?, note),
    };
    let period = period_arg(&db.book, "period", &period)?;
    db.commit(vec![Event::SupplyAdjusted(SupplyAdjustmentSpec {
        generation,
        period,
        delta_units: delta,
        note,
    })])
    .map_err(|e| bad(format!("{e:#}")))?;
    println!(
        "supply adjusted (event {}); run `allot plan` to re-plan",
        db.head()
    );
    Ok(())
}

/// `--units` of `supply cut` / `supply add` as the size of the change: refused unless it is
/// within the book's bound on units (so it fits a signed delta, whatever its sign).
fn supply_units_arg(units: u64) -> Result<i64> {
    match i64::try_from(units) {
        Ok(v) if (1..=book::MAX_UNITS).contains(&units) => Ok(v),
        _ => Err(bad(format!(
            "--units: {units} must be between 1 and {}",
            book::MAX_UNITS
        ))),
    }
}

/// Resolves on Ctrl-C or SIGTERM: the server then stops accepting, finishes in-flight requests
/// and the writes they queued, and exits.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
