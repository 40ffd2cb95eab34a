//! Order CSV import and export.
//!
//! Columns (by header name, any order): `id,customer,sku,quantity,earliest,latest,price_usd_per_unit`
//! are required; `lateness_penalty_usd_per_unit_period` (default 0) and `substitutes`
//! (default none; `trn3:0.9;trn4:0.8`) are optional. One order per line: blank lines and
//! line breaks inside quoted fields are refused (at their line; the line break ending the last
//! line is fine, an empty line after it is a blank line), so the n-th order is always on line
//! n + 1 and [`check_orders_against`] can name the line of an order the book refuses.

use crate::convert::order_spec_of;
use crate::dto::{parse_scaled, Decimal};
use crate::error::FileError;
use book::text::line_of_byte;
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

/// The text of an order CSV file read as bytes. Bytes that are not UTF-8 are refused with the
/// line and column (in characters) of the first bad byte, and its offset in the file.
pub fn orders_csv_text<'a>(bytes: &'a [u8], file_name: &str) -> Result<&'a str, FileError> {
    book::text::utf8_text(bytes).map_err(|e| FileError {
        line: Some(e.line),
        column: Some(e.column),
        ..FileError::whole_file(file_name, e.to_string())
    })
}

/// The lines after the header, which is the number of orders in a well-formed file (one order
/// per line; the line break ending the last line does not start another). Cheap enough to check
/// a file's size before reading its rows.
pub fn orders_csv_rows(text: &str) -> usize {
    if text.is_empty() {
        return 0;
    }
    let lines = line_of_byte(text, text.len()) - usize::from(text.ends_with(['\n', '\r']));
    lines.saturating_sub(1)
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
    let blank = |line: usize| FileError {
        line: Some(line),
        ..FileError::whole_file(
            file_name,
            "blank line; blank lines are not allowed (one order per line)",
        )
    };
    let csv_error = |e: csv::Error| {
        // Once, on the way out: the line of the byte the reader stopped at.
        let line = e.position().map(|p| line_of_byte(text, p.byte() as usize));
        FileError {
            line,
            ..FileError::whole_file(file_name, e.to_string())
        }
    };
    let mut lines = Lines {
        bytes: text.as_bytes(),
        next: 0,
        line: 1,
    };
    let mut records = reader.records();
    let header = match records.next() {
        Some(r) => r.map_err(csv_error)?,
        None if text.is_empty() => {
            return Err(err(
                file_name,
                1,
                None,
                "id",
                "the file is empty; a header row is needed",
            ))
        }
        // Only line breaks: the reader skipped them all.
        None => return Err(blank(1)),
    };
    // The header must be line 1.
    lines.take(&header).map_err(blank)?;
    if is_blank(&header) {
        return Err(blank(1));
    }
    if header.iter().any(|f| f.contains(['\n', '\r'])) {
        return Err(FileError {
            line: Some(1),
            ..FileError::whole_file(file_name, "line breaks inside the header are not allowed")
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
    while let Some(rec) = records.next() {
        let rec = rec.map_err(csv_error)?;
        // The n-th record must start on line n + 1: the reader skips empty lines silently.
        let start = lines.next;
        let line = lines.take(&rec).map_err(blank)?;
        if is_blank(&rec) {
            return Err(blank(line));
        }
        // A quoted field may hide a line break from the check below (a break at a field's
        // end is trimmed away) or run to the end of the file unclosed: the reader's offset
        // past the record (beyond this line) and its quotes (an odd number) tell.
        let end = (records.reader().position().byte() as usize).min(text.len());
        if end > lines.next
            || text.as_bytes()[start..end]
                .iter()
                .filter(|&&b| b == b'"')
                .count()
                % 2
                == 1
        {
            return Err(FileError {
                line: Some(line),
                ..FileError::whole_file(
                    file_name,
                    "a quoted field is not closed on its line (one order per line; \
                     line breaks inside fields are not allowed)",
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
    // After the last order only its line break may follow: anything else the reader skipped
    // is blank lines.
    lines.finish().map_err(blank)?;
    Ok(specs)
}

/// Where the reader is in the text, in lines. The csv reader skips empty lines without a word
/// and its own line count does not see them, so each record is checked to start exactly where
/// the line after the previous record starts. Each byte is looked at a bounded number of times,
/// so a file of n bytes costs O(n). A line ends at `\n`, `\r\n` or `\r`, as for the reader.
struct Lines<'a> {
    bytes: &'a [u8],
    /// Byte where the next record should start: just after the previous record's line.
    next: usize,
    /// That line's 1-based number.
    line: usize,
}

impl Lines<'_> {
    /// The line `rec` is on, moving past it; `Err(line)` names a blank line before it.
    fn take(&mut self, rec: &csv::StringRecord) -> Result<usize, usize> {
        let len = self.bytes.len();
        // The reader's offset may point at the empty lines it skipped before the record.
        let mut start = rec
            .position()
            .map_or(self.next, |p| p.byte() as usize)
            .max(self.next);
        while start < len && matches!(self.bytes[start], b'\n' | b'\r') {
            start += 1;
        }
        if start != self.next {
            return Err(self.line);
        }
        let mut end = start;
        while end < len && !matches!(self.bytes[end], b'\n' | b'\r') {
            end += 1;
        }
        if end < len {
            end += if self.bytes[end..].starts_with(b"\r\n") {
                2
            } else {
                1
            };
        }
        let line = self.line;
        self.next = end;
        self.line += 1;
        Ok(line)
    }

    /// After the last record: a line break ending it is fine (`next` is past it); anything
    /// left is blank lines, `Err` names the first.
    fn finish(&self) -> Result<(), usize> {
        if self.next < self.bytes.len() {
            Err(self.line)
        } else {
            Ok(())
        }
    }
}

/// A line of nothing but spaces (the reader trims it to one empty field).
fn is_blank(rec: &csv::StringRecord) -> bool {
    rec.len() == 1 && rec[0].is_empty()
}

/// Parses `trn3:0.9;trn4:0.8` (value factors with at most 4 decimal places).
fn parse_substitutes(v: &str) -> Result<Vec<SubstituteSpec>, String> {
    v.split(';').map(parse_substitute).collect()
}

/// Parses one substitute, `trn3:0.9`: a generation and a value factor with at most 4 decimal
/// places, converted to basis points exactly (anything finer is an error, never rounded). The
/// order CSV's `substitutes` column and the CLI's `--sub` both read substitutes this way.
pub fn parse_substitute(part: &str) -> Result<SubstituteSpec, String> {
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
