//! Snapshots: the whole book as of one event seq, in a compact binary format, so a large book
//! opens without replaying its log from the first event.
//!
//! A snapshot is a cache of the event fold at its seq; the log stays the truth. A reader that
//! finds a snapshot it cannot use (damaged, of a format version no longer read, refused by
//! [`Book::restore`]) replays the whole log instead ([`crate::load_book`]).
//!
//! # Format (version 4)
//!
//! A 32-byte header, then the body:
//!
//! | bytes | what |
//! |---|---|
//! | 0..8 | magic `allotsnp` |
//! | 8..12 | format version, u32 little-endian ([`SNAPSHOT_VERSION`]) |
//! | 12..16 | reserved, zero |
//! | 16..24 | the event seq the snapshot is of, u64 little-endian |
//! | 24..32 | checksum of the body, u64 little-endian (detects a torn or damaged blob; not cryptographic) |
//!
//! The body lists the book's parts ([`book::BookParts`]) in a fixed order: integers as LEB128
//! varints (signed ones zigzagged), strings and lists prefixed by their length, options and
//! enums by a tag byte. The order list, the bulk of a large book, is the order count, then the
//! number of chunks of 65,536 orders (the last one holds the rest), a table of each chunk's
//! byte length (8-byte little-endian words), then the chunks: a reader finds every chunk
//! without decoding the ones before it, and decodes a large book's chunks on two threads.
//! Decoding checks every length against the bytes left, and every chunk to hold exactly its
//! orders, so garbage is an error and never a panic or a huge allocation; the decoded parts
//! then go through [`Book::restore`], which checks every invariant of the book.
//!
//! When the format changes, bump [`SNAPSHOT_VERSION`]: snapshots of versions no longer read
//! are simply not used (the log is replayed, and a new snapshot written at the next write
//! past the snapshot rule). Version 2 made the last recorded plan's objectives optional (a tag
//! byte before them: a book's promises may be imported, with no objectives computed); version
//! 3 added each commitment's recorded deliveries, after its kind, and the number of contracts
//! the last plan saw, after its supply adjustments seen; version 4 split the order list into
//! chunks. Version 3 is still read (its order list is one run of orders after the count), so
//! that books saved before version 4 open as fast as before.

use book::{
    Book, BookError, BookParts, Commitment, CommitmentKind, Contract, Customer, CustomerIdx,
    CustomerKind, Delivery, FoundryInputs, GenIdx, Generation, Horizon, Order, OrderList,
    OrderStatus, Period, PlanRecord, Promise, PromiseRecord, Reservation, Sku, SkuIdx, Substitute,
    SupplyAdjustment, SupplyInputs, YearMonth,
};

/// The snapshot format version written by [`encode_snapshot`].
pub const SNAPSHOT_VERSION: u32 = 4;

/// The oldest format version still read: version 3 differs from 4 only in its order list (one
/// run of orders, no chunks), so a book saved before 4 still opens from its snapshot.
const OLDEST_VERSION_READ: u32 = 3;

const MAGIC: &[u8; 8] = b"allotsnp";
const HEADER_BYTES: usize = 32;

/// Why a snapshot blob cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// The blob does not start with the snapshot magic.
    #[error("not an allot snapshot")]
    NotASnapshot,
    /// The blob was written in a format version this build does not read.
    #[error(
        "snapshot format version {found} is not supported (this build reads versions {OLDEST_VERSION_READ} to {supported})"
    )]
    Version {
        /// The version in the blob.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
    /// The blob is truncated, fails its checksum, or does not decode.
    #[error("snapshot is damaged: {0}")]
    Damaged(String),
    /// The blob decodes, but the book it holds breaks an invariant.
    #[error("snapshot holds an invalid book: {0}")]
    Invalid(BookError),
}

/// Encodes `book`, which must be the fold of the log up to event `seq`.
pub fn encode_snapshot(book: &Book, seq: u64) -> Vec<u8> {
    encode_version(book, seq, SNAPSHOT_VERSION)
}

/// Encodes `book` in format `version`: 4, or 3 (which tests still write, as older builds did).
fn encode_version(book: &Book, seq: u64, version: u32) -> Vec<u8> {
    debug_assert!((OLDEST_VERSION_READ..=SNAPSHOT_VERSION).contains(&version));
    // About 40 bytes per order: start with room for them.
    let mut w = Writer(Vec::with_capacity(
        HEADER_BYTES + 1024 + 40 * book.orders().len(),
    ));
    w.0.extend_from_slice(&[0; HEADER_BYTES]);
    w.str(book.name());
    let h = book.horizon();
    w.int(h.start().year().into());
    w.uint(h.start().month().into());
    w.uint(h.periods().into());
    w.len(book.generations().len());
    for g in book.generations() {
        w.str(&g.key);
        w.str(&g.name);
        w.str(&g.unit_name);
        w.uint(g.chips_per_unit.into());
        w.uint(g.first_ship.0.into());
        w.int(g.holding_usd_per_unit_period);
        w.int(g.residual_usd_per_unit);
        w.int(g.cloud_value_usd_per_unit_period);
        w.uints(&g.cloud_demand_units);
        w.str(&g.source);
    }
    match book.supply_inputs() {
        SupplyInputs::Explicit(rows) => {
            w.byte(0);
            w.len(rows.len());
            for r in rows {
                w.uints(r);
            }
        }
        SupplyInputs::Foundry(f) => {
            w.byte(1);
            w.len(f.generations.len());
            for g in &f.generations {
                w.str(g.name());
                w.uints(g.wafer_starts_per_period());
                w.uint(g.gross_dies_per_wafer().into());
                let y = g.yield_ramp();
                w.uint(y.start_bp().into());
                w.uint(y.end_bp().into());
                w.uint(y.ramp_periods().into());
                w.uint(y.ramp_start_period().into());
                w.uint(g.lead_time_periods().into());
                w.uint(g.hbm_stacks_per_chip().into());
                w.uint(g.chips_per_unit().into());
                w.uint(g.initial_dies());
                w.uint(g.first_ship_period().into());
            }
            w.uints(f.shared.hbm_stacks_per_period());
            w.uints(f.shared.packaging_chips_per_period());
            w.uint(f.shared.initial_hbm_stacks());
            match &f.policy {
                supply::SplitPolicy::Priority(order) => {
                    w.byte(0);
                    w.len(order.len());
                    for &g in order {
                        w.uint(g as u64);
                    }
                }
                supply::SplitPolicy::FixedMix(shares) => {
                    w.byte(1);
                    w.len(shares.len());
                    for &s in shares {
                        w.uint(s.into());
                    }
                }
            }
        }
    }
    w.len(book.skus().len());
    for s in book.skus() {
        w.str(&s.key);
        w.str(&s.name);
        w.uint(s.generation.0.into());
        w.uint(s.size_units.into());
    }
    w.len(book.customers().len());
    for c in book.customers() {
        w.str(&c.key);
        w.str(&c.name);
        w.byte(match c.kind {
            CustomerKind::Lab => 0,
            CustomerKind::Colo => 1,
            CustomerKind::Enterprise => 2,
            CustomerKind::Other => 3,
        });
    }
    w.len(book.contracts().len());
    for c in book.contracts() {
        w.str(&c.key);
        w.uint(c.customer.0.into());
        w.int(c.shortfall_penalty_usd_per_unit);
        w.len(c.commitments.len());
        for cm in &c.commitments {
            w.uint(cm.generation.0.into());
            w.uint(cm.units);
            match cm.kind {
                CommitmentKind::Delivery {
                    earliest,
                    due,
                    price_usd_per_unit,
                } => {
                    w.byte(0);
                    w.uint(earliest.0.into());
                    w.uint(due.0.into());
                    w.int(price_usd_per_unit);
                }
                CommitmentKind::Capacity {
                    start,
                    end,
                    price_usd_per_unit_period,
                } => {
                    w.byte(1);
                    w.uint(start.0.into());
                    w.uint(end.0.into());
                    w.int(price_usd_per_unit_period);
                }
            }
            w.len(cm.delivered.len());
            for d in &cm.delivered {
                w.uint(d.units);
                w.uint(d.period.0.into());
            }
        }
        w.str(&c.note);
    }
    // The orders in chunks of `ORDER_CHUNK`, after a table of the chunks' byte lengths (fixed
    // 8-byte words, filled in once each chunk is written), so that a reader can decode the
    // chunks on several threads; version 3 wrote them in one run.
    let n = book.orders().len();
    w.len(n);
    let chunked = version >= 4;
    let chunks = n.div_ceil(ORDER_CHUNK);
    let mut table = 0;
    if chunked {
        w.len(chunks);
        table = w.0.len();
        w.0.resize(table + 8 * chunks, 0);
    }
    let mut chunk_start = w.0.len();
    for (i, o) in book.orders().iter().enumerate() {
        w.order(o);
        if chunked && ((i + 1) % ORDER_CHUNK == 0 || i + 1 == n) {
            let k = i / ORDER_CHUNK;
            let bytes = (w.0.len() - chunk_start) as u64;
            w.0[table + 8 * k..table + 8 * k + 8].copy_from_slice(&bytes.to_le_bytes());
            chunk_start = w.0.len();
        }
    }
    w.len(book.reservations().len());
    for r in book.reservations() {
        w.str(&r.key);
        w.uint(r.customer.0.into());
        w.uint(r.generation.0.into());
        w.uint(r.units);
        w.uint(r.start.0.into());
        w.uint(r.end.0.into());
        w.int(r.price_usd_per_unit_period);
        w.byte(r.cancelled.into());
    }
    w.len(book.supply_adjustments().len());
    for a in book.supply_adjustments() {
        w.uint(a.generation.0.into());
        w.uint(a.period.0.into());
        w.int(a.delta_units);
        w.str(&a.note);
    }
    match book.last_plan() {
        None => w.byte(0),
        Some(p) => {
            w.byte(1);
            w.uint(p.now.0.into());
            match p.objectives {
                None => w.byte(0),
                Some(objectives) => {
                    w.byte(1);
                    for o in objectives {
                        w.int(o);
                    }
                }
            }
            w.len(p.promises.len());
            for x in &p.promises {
                w.str(&x.order);
                w.uint(x.units);
                w.uint(x.by.0.into());
            }
            w.uint(p.supply_adjustments_seen.into());
            w.uint(p.contracts_seen.into());
        }
    }
    w.uint(book.events_applied());
    let mut blob = w.0;
    let sum = checksum(&blob[HEADER_BYTES..]);
    blob[0..8].copy_from_slice(MAGIC);
    blob[8..12].copy_from_slice(&version.to_le_bytes());
    blob[16..24].copy_from_slice(&seq.to_le_bytes());
    blob[24..32].copy_from_slice(&sum.to_le_bytes());
    blob
}

/// Reads the header of a snapshot blob: its seq, after checking magic, version and checksum.
fn check_header(blob: &[u8]) -> Result<(u64, u32), SnapshotError> {
    if blob.len() < MAGIC.len() || &blob[..MAGIC.len()] != MAGIC {
        return Err(SnapshotError::NotASnapshot);
    }
    if blob.len() < HEADER_BYTES {
        return Err(SnapshotError::Damaged(format!(
            "{} bytes is shorter than the header",
            blob.len()
        )));
    }
    let word = |at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&blob[at..at + 8]);
        u64::from_le_bytes(b)
    };
    let version = u32::from_le_bytes([blob[8], blob[9], blob[10], blob[11]]);
    if !(OLDEST_VERSION_READ..=SNAPSHOT_VERSION).contains(&version) {
        return Err(SnapshotError::Version {
            found: version,
            supported: SNAPSHOT_VERSION,
        });
    }
    let sum = checksum(&blob[HEADER_BYTES..]);
    if sum != word(24) {
        return Err(SnapshotError::Damaged("checksum mismatch".into()));
    }
    Ok((word(16), version))
}

/// Decodes a blob written by [`encode_snapshot`] into the book and the seq it is of.
///
/// Every failure is an error, never a panic: a wrong magic or version, a checksum mismatch, a
/// truncated or garbled body, or parts [`Book::restore`] refuses.
pub fn decode_snapshot(blob: &[u8]) -> Result<(Book, u64), SnapshotError> {
    let (seq, version) = check_header(blob)?;
    let parts = decode_parts(&blob[HEADER_BYTES..], version).map_err(SnapshotError::Damaged)?;
    let book = Book::restore(parts).map_err(SnapshotError::Invalid)?;
    Ok((book, seq))
}

fn decode_parts(body: &[u8], version: u32) -> Result<BookParts, String> {
    let mut r = Reader { buf: body, pos: 0 };
    let name = r.str()?;
    let year = i32::try_from(r.int()?).map_err(|_| "year out of range".to_string())?;
    let month = u8::try_from(r.uint()?).map_err(|_| "month out of range".to_string())?;
    let start = YearMonth::new(year, month).ok_or_else(|| format!("bad month {year}-{month}"))?;
    let horizon = Horizon::new(start, r.u32()?);
    let n = r.len(10)?;
    let mut generations = Vec::with_capacity(n);
    for _ in 0..n {
        generations.push(Generation {
            key: r.str()?,
            name: r.str()?,
            unit_name: r.str()?,
            chips_per_unit: r.u32()?,
            first_ship: Period(r.u32()?),
            holding_usd_per_unit_period: r.int()?,
            residual_usd_per_unit: r.int()?,
            cloud_value_usd_per_unit_period: r.int()?,
            cloud_demand_units: r.uints()?,
            source: r.str()?,
        });
    }
    let supply = match r.byte()? {
        0 => {
            let n = r.len(1)?;
            let mut rows = Vec::with_capacity(n);
            for _ in 0..n {
                rows.push(r.uints()?);
            }
            SupplyInputs::Explicit(rows)
        }
        1 => {
            let n = r.len(13)?;
            let mut gens = Vec::with_capacity(n);
            let supply_err = |e: supply::SupplyError| format!("foundry inputs: {e}");
            for _ in 0..n {
                let name = r.str()?;
                let wafers = r.uints()?;
                let gross = r.u32()?;
                let ramp = supply::YieldRamp::new(r.u32()?, r.u32()?, r.u32()?, r.u32()?)
                    .map_err(supply_err)?;
                let lead = r.u32()?;
                let hbm = r.u32()?;
                let chips = r.u32()?;
                let g = supply::GenerationInputs::new(name, wafers, gross, ramp, hbm, chips)
                    .map_err(supply_err)?
                    .with_lead_time_periods(lead)
                    .with_initial_dies(r.uint()?)
                    .with_first_ship_period(r.u32()?);
                gens.push(g);
            }
            let hbm = r.uints()?;
            let packaging = r.uints()?;
            let shared =
                supply::SharedInputs::new(hbm, packaging, r.uint()?).map_err(supply_err)?;
            let policy = match r.byte()? {
                0 => {
                    let n = r.len(1)?;
                    let mut order = Vec::with_capacity(n);
                    for _ in 0..n {
                        order.push(
                            usize::try_from(r.uint()?)
                                .map_err(|_| "priority out of range".to_string())?,
                        );
                    }
                    supply::SplitPolicy::Priority(order)
                }
                1 => {
                    let n = r.len(1)?;
                    let mut shares = Vec::with_capacity(n);
                    for _ in 0..n {
                        shares.push(r.u32()?);
                    }
                    supply::SplitPolicy::FixedMix(shares)
                }
                t => return Err(format!("unknown split policy tag {t}")),
            };
            SupplyInputs::Foundry(Box::new(FoundryInputs {
                generations: gens,
                shared,
                policy,
            }))
        }
        t => return Err(format!("unknown supply tag {t}")),
    };
    let n = r.len(4)?;
    let mut skus = Vec::with_capacity(n);
    for _ in 0..n {
        skus.push(Sku {
            key: r.str()?,
            name: r.str()?,
            generation: GenIdx(r.u16()?),
            size_units: r.u32()?,
        });
    }
    let n = r.len(3)?;
    let mut customers = Vec::with_capacity(n);
    for _ in 0..n {
        customers.push(Customer {
            key: r.str()?,
            name: r.str()?,
            kind: match r.byte()? {
                0 => CustomerKind::Lab,
                1 => CustomerKind::Colo,
                2 => CustomerKind::Enterprise,
                3 => CustomerKind::Other,
                t => return Err(format!("unknown customer kind tag {t}")),
            },
        });
    }
    let n = r.len(5)?;
    let mut contracts = Vec::with_capacity(n);
    for _ in 0..n {
        let key = r.str()?;
        let customer = CustomerIdx(r.u32()?);
        let shortfall_penalty_usd_per_unit = r.int()?;
        let m = r.len(7)?;
        let mut commitments = Vec::with_capacity(m);
        for _ in 0..m {
            let generation = GenIdx(r.u16()?);
            let units = r.uint()?;
            let kind = match r.byte()? {
                0 => CommitmentKind::Delivery {
                    earliest: Period(r.u32()?),
                    due: Period(r.u32()?),
                    price_usd_per_unit: r.int()?,
                },
                1 => CommitmentKind::Capacity {
                    start: Period(r.u32()?),
                    end: Period(r.u32()?),
                    price_usd_per_unit_period: r.int()?,
                },
                t => return Err(format!("unknown commitment kind tag {t}")),
            };
            let d = r.len(2)?;
            let mut delivered = Vec::with_capacity(d);
            for _ in 0..d {
                delivered.push(Delivery {
                    units: r.uint()?,
                    period: Period(r.u32()?),
                });
            }
            commitments.push(Commitment {
                generation,
                units,
                kind,
                delivered,
            });
        }
        contracts.push(Contract {
            key,
            customer,
            shortfall_penalty_usd_per_unit,
            commitments,
            note: r.str()?,
        });
    }
    let n = r.len(14)?;
    let orders = if version < 4 {
        (0..n)
            .map(|_| r.order())
            .collect::<Result<OrderList, String>>()?
    } else {
        r.order_chunks(n)?
    };
    let n = r.len(8)?;
    let mut reservations = Vec::with_capacity(n);
    for _ in 0..n {
        reservations.push(Reservation {
            key: r.str()?,
            customer: CustomerIdx(r.u32()?),
            generation: GenIdx(r.u16()?),
            units: r.uint()?,
            start: Period(r.u32()?),
            end: Period(r.u32()?),
            price_usd_per_unit_period: r.int()?,
            cancelled: r.option()?,
        });
    }
    let n = r.len(4)?;
    let mut supply_adjustments = Vec::with_capacity(n);
    for _ in 0..n {
        supply_adjustments.push(SupplyAdjustment {
            generation: GenIdx(r.u16()?),
            period: Period(r.u32()?),
            delta_units: r.int()?,
            note: r.str()?,
        });
    }
    let last_plan = match r.option()? {
        false => None,
        true => {
            let now = Period(r.u32()?);
            let objectives = if r.option()? {
                Some([r.int()?, r.int()?, r.int()?])
            } else {
                None
            };
            let n = r.len(3)?;
            let mut promises = Vec::with_capacity(n);
            for _ in 0..n {
                promises.push(PromiseRecord {
                    order: r.str()?,
                    units: r.uint()?,
                    by: Period(r.u32()?),
                });
            }
            Some(PlanRecord {
                now,
                objectives,
                promises,
                supply_adjustments_seen: r.u32()?,
                contracts_seen: r.u32()?,
            })
        }
    };
    let events_applied = r.uint()?;
    if r.pos != body.len() {
        return Err(format!(
            "{} bytes left over after the book",
            body.len() - r.pos
        ));
    }
    Ok(BookParts {
        name,
        horizon,
        generations,
        supply,
        skus,
        customers,
        contracts,
        orders,
        reservations,
        supply_adjustments,
        last_plan,
        events_applied,
    })
}

/// Orders per chunk of a snapshot's order list (see [`encode_snapshot`]).
const ORDER_CHUNK: usize = 1 << 16;

/// Where one chunk of orders lies in the body, and how many orders it holds.
struct OrderChunk {
    at: usize,
    bytes: usize,
    orders: usize,
}

/// Decodes the orders of `chunks` (in order) into one list; a large list decodes as two halves,
/// the second on another thread. Each chunk must hold exactly its orders. Of two halves that
/// both fail, the first one's error is reported.
fn decode_orders(body: &[u8], chunks: &[OrderChunk]) -> Result<OrderList, String> {
    let run = |chunks: &[OrderChunk]| -> Result<OrderList, String> {
        let mut list = OrderList::default();
        for c in chunks {
            // Positions in errors are the body's.
            let mut r = Reader {
                buf: &body[..c.at + c.bytes],
                pos: c.at,
            };
            let part = (0..c.orders)
                .map(|_| r.order())
                .collect::<Result<OrderList, String>>()
                .map_err(|e| format!("order chunk at byte {}: {e}", c.at))?;
            if r.pos != c.at + c.bytes {
                return Err(format!(
                    "order chunk at byte {} holds {} bytes after its {} orders",
                    c.at,
                    c.at + c.bytes - r.pos,
                    c.orders
                ));
            }
            list.append(part);
        }
        Ok(list)
    };
    if chunks.len() < 2 || std::thread::available_parallelism().map_or(true, |p| p.get() < 2) {
        return run(chunks);
    }
    let (lo, hi) = chunks.split_at(chunks.len() / 2);
    // A thread the system refuses is no error: the second half is then decoded here too.
    let (lo, hi) = std::thread::scope(|sc| {
        let second = std::thread::Builder::new().spawn_scoped(sc, || run(hi));
        let first = run(lo);
        let second = match second {
            Ok(h) => h.join().expect("snapshot decoding thread"),
            Err(_) => run(hi),
        };
        (first, second)
    });
    let mut list = lo?;
    list.append(hi?);
    Ok(list)
}

/// A 64-bit checksum of `bytes`, a word at a time. Each step is a bijection of the state for a
/// given word, so any change confined to one 8-byte word always changes the result.
fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (bytes.len() as u64) ^ 0x5851_F42D_4C95_7F2D;
    let mut chunks = bytes.chunks_exact(8);
    let mut step = |c: &[u8]| {
        let mut b = [0u8; 8];
        b[..c.len()].copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(b)).wrapping_mul(K).rotate_left(29);
    };
    for c in &mut chunks {
        step(c);
    }
    step(chunks.remainder());
    h ^= h >> 32;
    h = h.wrapping_mul(K);
    h ^ (h >> 29)
}

struct Writer(Vec<u8>);

impl Writer {
    fn byte(&mut self, b: u8) {
        self.0.push(b);
    }
    fn uint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }
    fn int(&mut self, v: i64) {
        self.uint(((v << 1) ^ (v >> 63)) as u64);
    }
    fn len(&mut self, n: usize) {
        self.uint(n as u64);
    }
    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn uints(&mut self, v: &[u64]) {
        self.len(v.len());
        for &x in v {
            self.uint(x);
        }
    }
    /// One order, as [`Reader::order`] reads it.
    fn order(&mut self, o: &Order) {
        self.str(&o.key);
        self.uint(o.customer.0.into());
        self.uint(o.sku.0.into());
        self.uint(o.quantity);
        self.uint(o.units);
        self.uint(o.earliest.0.into());
        self.uint(o.latest.0.into());
        self.int(o.price_usd_per_unit);
        self.int(o.lateness_penalty_usd_per_unit_period);
        self.len(o.substitutes.len());
        for s in &o.substitutes {
            self.uint(s.generation.0.into());
            self.uint(s.value_factor_bp.into());
        }
        self.byte(match o.status {
            OrderStatus::Placed => 0,
            OrderStatus::Promised => 1,
            OrderStatus::Confirmed => 2,
            OrderStatus::Delivered => 3,
            OrderStatus::Cancelled => 4,
        });
        for p in [o.promise, o.confirmed] {
            match p {
                None => self.byte(0),
                Some(p) => {
                    self.byte(1);
                    self.uint(p.units);
                    self.uint(p.by.0.into());
                }
            }
        }
        match o.delivered {
            None => self.byte(0),
            Some(d) => {
                self.byte(1);
                self.uint(d.units);
                self.uint(d.period.0.into());
            }
        }
    }
}

/// A cursor over the body; every read checks what is left.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| format!("truncated at byte {}", self.pos))?;
        self.pos += 1;
        Ok(b)
    }
    fn uint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            if shift == 63 && b > 1 {
                return Err(format!("integer overflows at byte {}", self.pos));
            }
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(format!("integer too long at byte {}", self.pos))
    }
    fn int(&mut self) -> Result<i64, String> {
        let u = self.uint()?;
        Ok((u >> 1) as i64 ^ -((u & 1) as i64))
    }
    fn u32(&mut self) -> Result<u32, String> {
        let v = self.uint()?;
        u32::try_from(v).map_err(|_| format!("{v} out of range at byte {}", self.pos))
    }
    fn u16(&mut self) -> Result<u16, String> {
        let v = self.uint()?;
        u16::try_from(v).map_err(|_| format!("{v} out of range at byte {}", self.pos))
    }
    fn option(&mut self) -> Result<bool, String> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            t => Err(format!("bad tag {t} at byte {}", self.pos)),
        }
    }
    /// A length of a list whose items take at least `min_bytes` each: it must fit in what is left.
    fn len(&mut self, min_bytes: usize) -> Result<usize, String> {
        let n = self.uint()?;
        let left = (self.buf.len() - self.pos) as u64;
        if n.saturating_mul(min_bytes.max(1) as u64) > left {
            return Err(format!(
                "a list of {n} items at byte {} overruns the blob",
                self.pos
            ));
        }
        Ok(n as usize)
    }
    fn str(&mut self) -> Result<String, String> {
        let n = self.len(1)?;
        let bytes = &self.buf[self.pos..self.pos + n];
        let s = std::str::from_utf8(bytes)
            .map_err(|_| format!("string at byte {} is not UTF-8", self.pos))?;
        self.pos += n;
        Ok(s.to_string())
    }
    fn uints(&mut self) -> Result<Vec<u64>, String> {
        let n = self.len(1)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(self.uint()?);
        }
        Ok(v)
    }
    /// The chunked order list of version 4 (see [`encode_snapshot`]): `n` orders, after their
    /// chunk count and table.
    fn order_chunks(&mut self, n: usize) -> Result<OrderList, String> {
        let body = self.buf;
        let chunks = self.len(8)?;
        if chunks != n.div_ceil(ORDER_CHUNK) {
            return Err(format!(
                "{chunks} order chunks at byte {} for {n} orders (chunks of {ORDER_CHUNK})",
                self.pos
            ));
        }
        // Each chunk's bytes and orders; every chunk must lie within the body.
        let mut spans = Vec::with_capacity(chunks);
        let mut at = self.pos + 8 * chunks;
        for k in 0..chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(&body[self.pos..self.pos + 8]);
            let bytes = u64::from_le_bytes(w);
            self.pos += 8;
            if bytes > (body.len() - at) as u64 {
                return Err(format!(
                    "order chunk {k} of {bytes} bytes at byte {at} overruns the blob"
                ));
            }
            let bytes = bytes as usize;
            spans.push(OrderChunk {
                at,
                bytes,
                orders: ORDER_CHUNK.min(n - k * ORDER_CHUNK),
            });
            at += bytes;
        }
        let orders = decode_orders(body, &spans)?;
        self.pos = at;
        Ok(orders)
    }
    /// One order (the bulk of a snapshot).
    fn order(&mut self) -> Result<Order, String> {
        let key = self.str()?;
        let customer = CustomerIdx(self.u32()?);
        let sku = SkuIdx(self.u32()?);
        let quantity = self.uint()?;
        let units = self.uint()?;
        let earliest = Period(self.u32()?);
        let latest = Period(self.u32()?);
        let price_usd_per_unit = self.int()?;
        let lateness_penalty_usd_per_unit_period = self.int()?;
        let m = self.len(2)?;
        let mut substitutes = Vec::with_capacity(m);
        for _ in 0..m {
            substitutes.push(Substitute {
                generation: GenIdx(self.u16()?),
                value_factor_bp: self.u32()?,
            });
        }
        let status = match self.byte()? {
            0 => OrderStatus::Placed,
            1 => OrderStatus::Promised,
            2 => OrderStatus::Confirmed,
            3 => OrderStatus::Delivered,
            4 => OrderStatus::Cancelled,
            t => return Err(format!("unknown order status tag {t}")),
        };
        let promise = self.promise()?;
        let confirmed = self.promise()?;
        let delivered = match self.option()? {
            false => None,
            true => Some(Delivery {
                units: self.uint()?,
                period: Period(self.u32()?),
            }),
        };
        Ok(Order {
            key,
            customer,
            sku,
            quantity,
            units,
            earliest,
            latest,
            price_usd_per_unit,
            lateness_penalty_usd_per_unit_period,
            substitutes,
            status,
            promise,
            confirmed,
            delivered,
        })
    }

    fn promise(&mut self) -> Result<Option<Promise>, String> {
        Ok(match self.option()? {
            false => None,
            true => Some(Promise {
                units: self.uint()?,
                by: Period(self.u32()?),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> Book {
        Book::new(crate::demo_spec()).expect("the demo book is valid")
    }

    /// Re-seals a body edited by a test so the decoder, not the checksum, meets the damage.
    fn reseal(mut blob: Vec<u8>) -> Vec<u8> {
        let sum = checksum(&blob[HEADER_BYTES..]);
        blob[24..32].copy_from_slice(&sum.to_le_bytes());
        blob
    }

    #[test]
    fn varints_round_trip_at_the_edges() {
        let mut w = Writer(Vec::new());
        let us = [0, 1, 127, 128, 300, u32::MAX as u64, u64::MAX - 1, u64::MAX];
        let is = [0, -1, 1, i64::MIN, i64::MAX, -300];
        for &u in &us {
            w.uint(u);
        }
        for &i in &is {
            w.int(i);
        }
        let mut r = Reader { buf: &w.0, pos: 0 };
        for &u in &us {
            assert_eq!(r.uint().unwrap(), u);
        }
        for &i in &is {
            assert_eq!(r.int().unwrap(), i);
        }
        assert_eq!(r.pos, w.0.len());
        // An eleventh byte, or a tenth above 1, overflows.
        let mut r = Reader {
            buf: &[0xff; 11],
            pos: 0,
        };
        assert!(r.uint().is_err());
    }

    /// The demo book with a recorded plan of one promise and these objectives.
    fn book_with_plan(objectives: Option<[i64; 3]>) -> Book {
        let mut b = book();
        let order = b.orders()[0].key.clone();
        let contracts_seen = b.contracts().len() as u32;
        b.apply(book::Event::PlanRecorded(PlanRecord {
            now: Period(1),
            objectives,
            promises: vec![PromiseRecord {
                order,
                units: 1,
                by: Period(3),
            }],
            supply_adjustments_seen: 0,
            contracts_seen,
        }))
        .expect("the plan record applies");
        b
    }

    #[test]
    fn a_plan_record_without_objectives_round_trips() {
        for objectives in [None, Some([0, 0, 0]), Some([5, -15, 123_456_789_012])] {
            let b = book_with_plan(objectives);
            let (back, _) = decode_snapshot(&encode_snapshot(&b, 3)).unwrap();
            assert_eq!(back.last_plan().unwrap().objectives, objectives);
            assert_eq!(back, b);
        }
    }

    /// A book of several order chunks decodes them on two threads into the book it was; a
    /// chunk table that does not fit its chunks is an error, never a panic; and the same book
    /// saved in version 3 (one run of orders) still reads.
    #[test]
    fn order_chunks_round_trip_and_version_3_still_reads() {
        let book = bookgen::generate(&bookgen::Params::new(ORDER_CHUNK + 5_000, 3))
            .into_book()
            .expect("valid book");
        let blob = encode_snapshot(&book, 9);
        let (back, seq) = decode_snapshot(&blob).unwrap();
        assert_eq!((seq, back == book), (9, true));
        let old = encode_version(&book, 9, 3);
        assert_eq!(u32::from_le_bytes([old[8], old[9], old[10], old[11]]), 3);
        assert!(decode_snapshot(&old).unwrap().0 == book);

        // The chunk table: after the order count (a varint), the chunk count, then one 8-byte
        // length per chunk.
        let n = book.orders().len();
        let mut w = Writer(Vec::new());
        w.len(n);
        w.len(2);
        let pattern = w.0;
        let at = (HEADER_BYTES..blob.len())
            .find(|&i| blob[i..].starts_with(&pattern))
            .expect("the order list")
            + pattern.len();
        let word = |b: &[u8], k: usize| {
            u64::from_le_bytes(b[at + 8 * k..at + 8 * k + 8].try_into().unwrap())
        };
        let (first, second) = (word(&blob, 0), word(&blob, 1));
        let with = |k: usize, v: u64| {
            let mut b = blob.clone();
            b[at + 8 * k..at + 8 * k + 8].copy_from_slice(&v.to_le_bytes());
            decode_snapshot(&reseal(b))
        };
        let mut cases = vec![
            (0, first - 1),
            (0, first + 1),
            (1, second + 1),
            (1, u64::MAX),
            (0, u64::MAX),
            (0, 0),
        ];
        // The second chunk's length in the first one's place (they differ: the chunks hold
        // different numbers of orders).
        assert_ne!(first, second);
        cases.push((0, second));
        for (k, v) in cases {
            match with(k, v) {
                Err(SnapshotError::Damaged(m)) => assert!(m.contains("chunk"), "{m}"),
                other => panic!("chunk {k} of {v} bytes: {other:?}"),
            }
        }
        // A chunk count that does not fit the order count.
        let mut b = blob.clone();
        b[at - 1] = 3;
        assert!(matches!(
            decode_snapshot(&reseal(b)),
            Err(SnapshotError::Damaged(_))
        ));
    }

    #[test]
    fn older_versions_are_not_read() {
        // Versions 1 and 2 lack fields versions 3 and 4 hold: the loader replays the log instead.
        for old in [1u32, 2] {
            let mut blob = encode_snapshot(&book_with_plan(Some([5, -15, 7])), 3);
            blob[8..12].copy_from_slice(&old.to_le_bytes());
            let err = decode_snapshot(&reseal(blob)).unwrap_err();
            assert_eq!(
                err,
                SnapshotError::Version {
                    found: old,
                    supported: SNAPSHOT_VERSION
                }
            );
        }
    }

    #[test]
    fn the_demo_book_round_trips() {
        let b = book();
        let blob = encode_snapshot(&b, 7);
        let (back, seq) = decode_snapshot(&blob).unwrap();
        assert_eq!(seq, 7);
        assert_eq!(back, b);
    }

    /// Every truncation and every single-byte change of the body, re-sealed with a valid
    /// checksum, decodes to an error or to a valid book, and never panics.
    #[test]
    fn damaged_bodies_are_errors_never_panics() {
        let blob = encode_snapshot(&book(), 3);
        for cut in HEADER_BYTES..blob.len() {
            let r = decode_snapshot(&reseal(blob[..cut].to_vec()));
            assert!(r.is_err(), "a body cut at {cut} must not decode");
        }
        for at in HEADER_BYTES..blob.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut b = blob.clone();
                b[at] ^= flip;
                let _ = decode_snapshot(&reseal(b));
            }
        }
    }

    /// Random bodies behind a valid header and checksum: an error (or, by chance, a valid
    /// book), never a panic.
    #[test]
    fn random_bodies_never_panic() {
        let good = encode_snapshot(&book(), 3);
        // A small deterministic generator (xorshift), to need no dependency.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..3_000 {
            let mut blob = good.clone();
            match round % 3 {
                0 => {
                    let cut = HEADER_BYTES + (next() as usize) % (blob.len() - HEADER_BYTES);
                    blob.truncate(cut);
                    let extra = next() % 64;
                    blob.extend((0..extra).map(|_| next() as u8));
                }
                1 => {
                    for _ in 0..1 + next() % 8 {
                        let at = HEADER_BYTES + (next() as usize) % (blob.len() - HEADER_BYTES);
                        blob[at] = next() as u8;
                    }
                }
                _ => {
                    blob.truncate(HEADER_BYTES);
                    let n = next() % 400;
                    blob.extend((0..n).map(|_| next() as u8));
                }
            }
            let _ = decode_snapshot(&blob);
            let _ = decode_snapshot(&reseal(blob));
        }
    }
}
