//! Order CSV import and export.
//!
//! Columns (by header name, any order): `id,customer,sku,quantity,earliest,latest,price_usd_per_unit`
//! are required; `lateness_penalty_usd_per_unit_period` (default 0) and `substitutes`
//! (default none; `trn3:0.9;trn4:0.8`) are optional. One order per line: blank lines and
//! line breaks inside quoted fields are refused, so the n-th order is always on line n + 1
//! and [`check_orders_against`] can name the line of an order the book refuses.

use crate::convert::order_spec_of;
use crate::dto::{parse_scaled, Decimal};
use crate::error::FileError;
use book::{Book, Event, Horizon, OrderSpec, Period, SubstituteSpec};

/// The columns in the order `write_orders_csv` writes them.
pub const ORDER_COLUMNS: [&str; 9] = [
    "id",
    "customer",
    "sku",
    "quantity",
    "earliest",
    "latest",
    "price_usd_per_unit",
    "lateness_penalty_usd_per_unit_period",
    "substitutes",
];

/// Columns that may be left out of the header.
const OPTIONAL: [&str; 2] = ["lateness_penalty_usd_per_unit_period", "substitutes"];

fn err(
    file: &str,
    line: usize,
    column: Option<usize>,
    field: &str,
    message: impl Into<String>,
) -> FileError {
    FileError {
        file: file.to_string(),
        line: Some(line),
        column,
        object: None,
        field: Some(field.to_string()),
        message: message.into(),
    }
}

/// Parses orders from CSV with a header row; periods are `YYYY-MM` or indices inside `horizon`.
///
/// Checks each cell's syntax; whether customers, SKUs and generations exist is
/// [`check_orders_against`]'s job.
pub fn parse_orders_csv(
    text: &str,
    file_name: &str,
    horizon: Horizon,
) -> Result<Vec<OrderSpec>, FileError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let csv_error = |e: csv::Error| {
        let line = e.position().map(|p| p.line() as usize);
        FileError {
            line,
            ..FileError::whole_file(file_name, e.to_string())
        }
    };
    let mut records = reader.records();
    let header = match records.next() {
        Some(r) => r.map_err(csv_error)?,
        None => {
            return Err(err(
                file_name,
                1,
                None,
                "id",
                "the file is empty; a header row is needed",
            ))
        }
    };
    let header_line = header.position().map_or(1, |p| p.line() as usize);
    if header_line != 1 {
        return Err(FileError {
            line: Some(header_line),
            ..FileError::whole_file(file_name, "the header must be the first line")
        });
    }
    // Column index of each known column name.
    let mut col: [Option<usize>; 9] = [None; 9];
    for (i, name) in header.iter().enumerate() {
        let Some(k) = ORDER_COLUMNS.iter().position(|c| *c == name) else {
            return Err(err(
                file_name,
                1,
                Some(i + 1),
                name,
                format!(
                    "unknown column; the columns are {}",
                    ORDER_COLUMNS.join(",")
                ),
            ));
        };
        if col[k].is_some() {
            return Err(err(file_name, 1, Some(i + 1), name, "column appears twice"));
        }
        col[k] = Some(i);
    }
    for (k, name) in ORDER_COLUMNS.iter().enumerate() {
        if col[k].is_none() && !OPTIONAL.contains(name) {
            return Err(err(
                file_name,
                1,
                None,
                name,
                "required column is missing from the header",
            ));
        }
    }
    let mut specs = Vec::new();
    for (n, rec) in records.enumerate() {
        let rec = rec.map_err(csv_error)?;
        let line = n + 2;
        let at = rec
            .position()
            .map_or(line, |p| line_at(text, p.byte() as usize));
        if at != line || rec.iter().any(|f| f.contains('\n')) {
            return Err(FileError {
                line: Some(at),
                ..FileError::whole_file(
                    file_name,
                    "blank lines and line breaks inside fields are not allowed (one order per line)",
                )
            });
        }
        if rec.len() > header.len() {
            return Err(FileError {
                line: Some(line),
                ..FileError::whole_file(
                    file_name,
                    format!("has {} fields, the header has {}", rec.len(), header.len()),
                )
            });
        }
        let cell = |k: usize| -> Result<Option<&str>, FileError> {
            match col[k] {
                None => Ok(None),
                Some(i) => match rec.get(i) {
                    Some(v) => Ok(Some(v)),
                    None => Err(err(
                        file_name,
                        line,
                        Some(i + 1),
                        ORDER_COLUMNS[k],
                        "missing column",
                    )),
                },
            }
        };
        let bad =
            |k: usize, m: String| err(file_name, line, col[k].map(|i| i + 1), ORDER_COLUMNS[k], m);
        let text_of =
            |k: usize| -> Result<String, FileError> { Ok(cell(k)?.unwrap_or("").to_string()) };
        let number = |k: usize| -> Result<i64, FileError> {
            match cell(k)? {
                None | Some("") if OPTIONAL.contains(&ORDER_COLUMNS[k]) => Ok(0),
                v => {
                    let v = v.unwrap_or("");
                    v.parse::<i64>()
                        .map_err(|_| bad(k, format!("{v:?} is not a whole number")))
                }
            }
        };
        let period = |k: usize| -> Result<Period, FileError> {
            let v = cell(k)?.unwrap_or("");
            horizon.parse_period(v).map_err(|m| bad(k, m))
        };
        let key = text_of(0)?;
        let customer = text_of(1)?;
        let sku = text_of(2)?;
        let quantity = number(3)?;
        let quantity = u64::try_from(quantity)
            .map_err(|_| bad(3, format!("{quantity} must not be negative")))?;
        let earliest = period(4)?;
        let latest = period(5)?;
        let price_usd_per_unit = number(6)?;
        let lateness_penalty_usd_per_unit_period = number(7)?;
        let substitutes = match cell(8)? {
            None | Some("") => Vec::new(),
            Some(v) => parse_substitutes(v).map_err(|m| bad(8, m))?,
        };
        specs.push(OrderSpec {
            key,
            customer,
            sku,
            quantity,
            earliest,
            latest,
            price_usd_per_unit,
            lateness_penalty_usd_per_unit_period,
            substitutes,
        });
    }
    Ok(specs)
}

/// The 1-based line of the record the csv reader says starts at `byte`. The reader's own line
/// count skips blank lines, and its byte offset points at blank lines skipped before the record,
/// so step over those first.
fn line_at(text: &str, byte: usize) -> usize {
    let rest = &text.as_bytes()[byte.min(text.len())..];
    let skipped = rest
        .iter()
        .take_while(|&&b| b == b'\n' || b == b'\r')
        .count();
    let start = byte + skipped;
    1 + text.as_bytes()[..start.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// Parses `trn3:0.9;trn4:0.8` (value factors with at most 4 decimal places).
fn parse_substitutes(v: &str) -> Result<Vec<SubstituteSpec>, String> {
    v.split(';')
        .map(|part| {
            let part = part.trim();
            let (g, f) = part
                .split_once(':')
                .ok_or_else(|| format!("{part:?} must be generation:factor, like trn3:0.9"))?;
            let g = g.trim();
            if g.is_empty() {
                return Err(format!("{part:?} names no generation"));
            }
            let bp = parse_scaled(f, 4)?;
            Ok(SubstituteSpec {
                generation: g.to_string(),
                value_factor_bp: u32::try_from(bp).map_err(|_| format!("{f} is too large"))?,
            })
        })
        .collect()
}

/// Checks that the orders would be accepted by `book`, in file order (so duplicates within
/// the file are found too); a refused order is reported at its CSV line.
pub fn check_orders_against(
    book: &Book,
    specs: &[OrderSpec],
    file_name: &str,
) -> Result<(), FileError> {
    let events: Vec<Event> = specs.iter().cloned().map(Event::OrderPlaced).collect();
    book.validate_all(&events).map_err(|(i, e)| FileError {
        file: file_name.to_string(),
        line: Some(i + 2),
        column: None,
        object: Some(e.object),
        field: Some(e.field),
        message: e.message,
    })
}

/// Writes the book's open orders (placed, promised, confirmed) as CSV with every column;
/// periods as `YYYY-MM`.
pub fn write_orders_csv(book: &Book) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(ORDER_COLUMNS).expect("writing to memory");
    let h = book.horizon();
    for o in book.orders().iter().filter(|o| o.status.is_open()) {
        let s = order_spec_of(book, o);
        let subs: Vec<String> = s
            .substitutes
            .iter()
            .map(|x| {
                format!(
                    "{}:{}",
                    x.generation,
                    Decimal::from_scaled(x.value_factor_bp as u64, 4).0
                )
            })
            .collect();
        w.write_record([
            s.key,
            s.customer,
            s.sku,
            s.quantity.to_string(),
            h.month_of(s.earliest).to_string(),
            h.month_of(s.latest).to_string(),
            s.price_usd_per_unit.to_string(),
            s.lateness_penalty_usd_per_unit_period.to_string(),
            subs.join(";"),
        ])
        .expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("CSV of UTF-8 strings")
}
