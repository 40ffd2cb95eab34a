//! Order CSV: import, checks against a book, export.

use crate::example_book;
use book::{Book, Event, OrderSpec, Period};
use scenario::{
    check_orders_against, orders_csv_rows, orders_csv_text, parse_orders_csv, write_orders_csv,
};

const HEADER: &str = "id,customer,sku,quantity,earliest,latest,price_usd_per_unit,lateness_penalty_usd_per_unit_period,substitutes";
const GOOD: &str = "o-10,colo-a,trn2-server,3,2027-02,2027-06,300000,4500,trn3:0.9\no-11,ent-a,trn3-server,2,4,9,410000,,";

fn csv_with(row: &str) -> String {
    format!("{HEADER}\n{GOOD}\n{row}\n")
}

#[test]
fn good_csv_parses_and_checks() {
    let book = example_book();
    let specs = parse_orders_csv(
        &csv_with("o-12,lab-a,trn2-ultraserver,1,0,11,320000,0,trn3:1;"),
        "in.csv",
        book.horizon(),
    )
    .map_err(|e| e.to_string());
    // A trailing ';' leaves an empty substitute: refused, at line 4, column substitutes.
    assert!(specs.unwrap_err().starts_with("in.csv:4: substitutes: "));
    let text = csv_with("o-12,lab-a,trn2-ultraserver,1,0,11,320000,0,");
    let specs = parse_orders_csv(&text, "in.csv", book.horizon()).unwrap();
    assert_eq!(specs.len(), 3);
    assert_eq!(specs[0].substitutes[0].value_factor_bp, 9_000);
    assert_eq!(specs[1].lateness_penalty_usd_per_unit_period, 0);
    assert_eq!(specs[1].earliest, Period(4));
    check_orders_against(&book, &specs, "in.csv").unwrap();
}

#[test]
fn optional_columns_may_be_left_out_and_columns_reordered() {
    let book = example_book();
    let text = "sku,id,customer,quantity,earliest,latest,price_usd_per_unit\ntrn2-server,o-9,ent-a,1,2027-01,2027-02,1\n";
    let specs = parse_orders_csv(text, "in.csv", book.horizon()).unwrap();
    assert_eq!(specs[0].key, "o-9");
    assert!(specs[0].substitutes.is_empty());
}

/// A bad third data row: the error is on line `line` and names `column`.
fn check(cases: &[(&str, &str, usize, &str, &str)]) {
    let book = example_book();
    for &(name, row, line, column, message) in cases {
        let text = csv_with(row);
        let err = match parse_orders_csv(&text, "in.csv", book.horizon()) {
            Err(e) => e,
            Ok(specs) => check_orders_against(&book, &specs, "in.csv").expect_err(name),
        };
        assert_eq!(err.line, Some(line), "{name}: {err}");
        assert_eq!(err.field.as_deref(), Some(column), "{name}: {err}");
        assert!(err.message.contains(message), "{name}: {err}");
        assert!(
            err.to_string().starts_with(&format!("in.csv:{line}: ")),
            "{name}: {err}"
        );
    }
}

#[test]
fn broken_rows_name_line_and_column() {
    check(&[
        (
            "bad number",
            "o-12,ent-a,trn2-server,ten,0,3,1,0,",
            4,
            "quantity",
            "not a whole number",
        ),
        (
            "negative quantity",
            "o-12,ent-a,trn2-server,-1,0,3,1,0,",
            4,
            "quantity",
            "negative",
        ),
        (
            "bad price",
            "o-12,ent-a,trn2-server,1,0,3,1.5,0,",
            4,
            "price_usd_per_unit",
            "not a whole number",
        ),
        (
            "unknown sku",
            "o-12,ent-a,trn9-server,1,0,3,1,0,",
            4,
            "sku",
            "unknown sku",
        ),
        (
            "unknown customer",
            "o-12,nobody,trn2-server,1,0,3,1,0,",
            4,
            "customer",
            "unknown customer",
        ),
        (
            "missing column",
            "o-12,ent-a,trn2-server,1,0",
            4,
            "latest",
            "missing column",
        ),
        (
            "bad substitute",
            "o-12,ent-a,trn2-server,1,0,3,1,0,trn3-0.9",
            4,
            "substitutes",
            "generation:factor",
        ),
        (
            "too many decimals",
            "o-12,ent-a,trn2-server,1,0,3,1,0,trn3:0.12345",
            4,
            "substitutes",
            "more than 4 decimal places",
        ),
        (
            "unknown substitute",
            "o-12,ent-a,trn2-server,1,0,3,1,0,trn9:0.5",
            4,
            "substitutes",
            "unknown generation",
        ),
        (
            "window outside horizon",
            "o-12,ent-a,trn2-server,1,2026-12,3,1,0,",
            4,
            "earliest",
            "outside the horizon",
        ),
        (
            "index outside horizon",
            "o-12,ent-a,trn2-server,1,0,12,1,0,",
            4,
            "latest",
            "outside the horizon",
        ),
        (
            "bad period",
            "o-12,ent-a,trn2-server,1,soon,3,1,0,",
            4,
            "earliest",
            "neither",
        ),
        (
            "earliest after latest",
            "o-12,ent-a,trn2-server,1,5,3,1,0,",
            4,
            "latest",
            "is before earliest",
        ),
        (
            "duplicate id in the file",
            "o-10,ent-a,trn2-server,1,0,3,1,0,",
            4,
            "id",
            "duplicate",
        ),
        (
            "duplicate of a booked order",
            "o-1,ent-a,trn2-server,1,0,3,1,0,",
            4,
            "id",
            "duplicate",
        ),
    ]);
}

#[test]
fn broken_headers_and_layout() {
    let h = example_book().horizon();
    let err = parse_orders_csv("id,customer,sku,qty\n", "in.csv", h).unwrap_err();
    assert_eq!(
        (err.line, err.column, err.field.as_deref()),
        (Some(1), Some(4), Some("qty"))
    );
    let err =
        parse_orders_csv("id,customer,sku,quantity,earliest,latest\n", "in.csv", h).unwrap_err();
    assert_eq!(
        (err.line, err.field.as_deref()),
        (Some(1), Some("price_usd_per_unit"))
    );
    let err = parse_orders_csv(
        &format!("{HEADER}\n{GOOD}\n\no-12,ent-a,trn2-server,1,0,3,1,0,\n"),
        "in.csv",
        h,
    )
    .unwrap_err();
    // HEADER is line 1, GOOD lines 2-3, the blank line 4.
    assert_eq!(err.line, Some(4), "{err}");
    assert!(err.message.contains("blank line"));
    let err = parse_orders_csv(
        &format!("{HEADER}\no-12,ent-a,trn2-server,1,0,3,1,0,,extra\n"),
        "in.csv",
        h,
    )
    .unwrap_err();
    assert_eq!(err.line, Some(2), "{err}");
    let err = parse_orders_csv("", "in.csv", h).unwrap_err();
    assert_eq!(err.line, Some(1));
}

#[test]
fn write_then_parse_gives_the_open_orders() {
    let mut book = Book::new(scenario::demo_spec()).unwrap();
    let first = book.orders()[0].key.clone();
    book.apply(Event::OrderCancelled {
        order: first,
        reason: String::new(),
    })
    .unwrap();
    let text = write_orders_csv(&book);
    let specs = parse_orders_csv(&text, "out.csv", book.horizon()).unwrap();
    let want: Vec<OrderSpec> = scenario::spec_of(&book).orders;
    assert_eq!(specs, want);
    assert_eq!(specs.len(), book.orders().len() - 1);
    assert!(text.starts_with(HEADER));
    // Into a fresh copy of the demo without orders, the exported orders all check.
    let mut empty = scenario::demo_spec();
    empty.orders.clear();
    check_orders_against(&Book::new(empty).unwrap(), &specs, "out.csv").unwrap();
}

#[test]
fn line_breaks_inside_fields_are_refused_at_their_line() {
    let h = example_book().horizon();
    let text = format!("{HEADER}\n{GOOD}\n\"o-\n12\",ent-a,trn2-server,1,0,3,1,0,\n");
    let err = parse_orders_csv(&text, "in.csv", h).unwrap_err();
    assert_eq!(err.line, Some(4), "{err}");
}

/// `text` parses, or the error's line.
fn blank_line_of(text: &str) -> Result<usize, usize> {
    let h = example_book().horizon();
    match parse_orders_csv(text, "in.csv", h) {
        Ok(specs) => Ok(specs.len()),
        Err(e) => {
            assert!(e.message.contains("blank line"), "{e}");
            Err(e.line.expect("a line"))
        }
    }
}

#[test]
fn blank_lines_are_refused_at_their_physical_line() {
    const ROW: &str = "o-12,ent-a,trn2-server,1,0,3,1,0,";
    // Blank lines 2-4 (before the first order): line 2.
    assert_eq!(blank_line_of(&format!("{HEADER}\n\n\n\n{ROW}\n")), Err(2));
    // One blank line at line 3, between two orders.
    assert_eq!(
        blank_line_of(&format!(
            "{HEADER}\n{ROW}\n\no-13,ent-a,trn2-server,1,0,3,1,0,\n"
        )),
        Err(3)
    );
    // Only spaces is blank too.
    assert_eq!(
        blank_line_of(&format!("{HEADER}\n{ROW}\n   \n{ROW}\n")),
        Err(3)
    );
    // The same with CRLF line ends.
    assert_eq!(
        blank_line_of(&format!("{HEADER}\r\n{ROW}\r\n\r\n{ROW}\r\n")),
        Err(3)
    );
    // A blank first line: the header must be line 1.
    assert_eq!(blank_line_of(&format!("\n{HEADER}\n{ROW}\n")), Err(1));
    assert_eq!(blank_line_of("\n\n"), Err(1));
    // The line break ending the last line is fine, with or without it, LF or CRLF.
    assert_eq!(blank_line_of(&format!("{HEADER}\n{ROW}\n")), Ok(1));
    assert_eq!(blank_line_of(&format!("{HEADER}\n{ROW}")), Ok(1));
    assert_eq!(blank_line_of(&format!("{HEADER}\r\n{ROW}\r\n")), Ok(1));
    assert_eq!(blank_line_of(&format!("{HEADER}\n")), Ok(0));
    // An empty line after it is a blank line: line 3, and line 2 after the header alone.
    assert_eq!(blank_line_of(&format!("{HEADER}\n{ROW}\n\n")), Err(3));
    assert_eq!(blank_line_of(&format!("{HEADER}\n{ROW}\n\n\n")), Err(3));
    assert_eq!(blank_line_of(&format!("{HEADER}\r\n{ROW}\r\n\r\n")), Err(3));
    assert_eq!(blank_line_of(&format!("{HEADER}\n\n")), Err(2));
    // A bad cell after many rows is still reported at its own line.
    let rows: String = (0..500)
        .map(|i| format!("o-{i},ent-a,trn2-server,1,0,3,1,0,\n"))
        .collect();
    let h = example_book().horizon();
    let err = parse_orders_csv(
        &format!("{HEADER}\n{rows}x,ent-a,trn2-server,-1,0,3,1,0,\n"),
        "in.csv",
        h,
    )
    .unwrap_err();
    assert_eq!(
        (err.line, err.field.as_deref()),
        (Some(502), Some("quantity")),
        "{err}"
    );
}

/// A large file parses whole and its last row's error names its line (the time it takes is in
/// BENCHMARKS.md: the line bookkeeping once rescanned the text from its start for every row).
#[test]
fn a_large_file_parses_and_names_the_line_of_its_last_row() {
    let h = example_book().horizon();
    let n = 60_000;
    let rows: String = (0..n)
        .map(|i| format!("im-{i},colo-a,trn2-server,1,2027-02,2027-06,300000,,\n"))
        .collect();
    let text = format!("{HEADER}\n{rows}");
    let specs = parse_orders_csv(&text, "big.csv", h).unwrap();
    assert_eq!(specs.len(), n);
    assert_eq!(specs[n - 1].key, format!("im-{}", n - 1));
    // A blank line after the last row is found at its own line.
    let err = parse_orders_csv(&format!("{text}\n"), "big.csv", h).unwrap_err();
    assert_eq!(err.line, Some(n + 2), "{err}");
}

/// Bytes that are not UTF-8 are refused at the line and column of the first bad byte (lines
/// end as for the rows: `\n`, `\r\n` or `\r`); the error used to name no line.
#[test]
fn invalid_utf8_is_refused_at_its_line_and_column() {
    let good = format!("{HEADER}\n{GOOD}\n");
    assert_eq!(
        orders_csv_text(good.as_bytes(), "in.csv"),
        Ok(good.as_str())
    );
    // Line 4 (HEADER, then GOOD's two lines): "o-1é," then a lone continuation byte.
    let mut bytes = good.clone().into_bytes();
    bytes.extend_from_slice("o-1é,".as_bytes());
    bytes.push(0x80);
    bytes.extend_from_slice(b"x,trn2-server\n");
    let err = orders_csv_text(&bytes, "in.csv").unwrap_err();
    assert_eq!((err.line, err.column), (Some(4), Some(6)), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "in.csv:4: not valid UTF-8 at column 6 (byte offset {} in the file); the file must \
             be UTF-8 text",
            good.len() + "o-1é,".len()
        )
    );
    for (text, line, column) in [
        (&b"\xff"[..], 1, 1),
        (&b"id\r\xc3"[..], 2, 1), // a lone \r ends a line; a truncated sequence
        (&b"id\r\nab\xed\xa0\x80"[..], 2, 3), // \r\n is one break; an encoded surrogate
    ] {
        let err = orders_csv_text(text, "in.csv").unwrap_err();
        assert_eq!(
            (err.line, err.column),
            (Some(line), Some(column)),
            "{text:?}"
        );
    }
}

#[test]
fn rows_are_the_lines_after_the_header() {
    for (text, rows) in [
        ("", 0),
        ("id", 0),
        ("id\n", 0),
        ("id\na", 1),
        ("id\na\n", 1),
        ("id\r\na\r\nb\r\n", 2),
        ("id\ra\rb", 2),
        ("id\na\n\n", 2), // the blank line counts: the parser refuses it anyway
    ] {
        assert_eq!(orders_csv_rows(text), rows, "{text:?}");
    }
    let text = csv_with("o-12,lab-a,trn2-ultraserver,1,0,11,320000,0,");
    let specs = parse_orders_csv(&text, "in.csv", example_book().horizon()).unwrap();
    assert_eq!(orders_csv_rows(&text), specs.len());
}

#[test]
fn quoted_fields_must_close_on_their_line() {
    let h = example_book().horizon();
    let refused = |text: String| {
        let err = parse_orders_csv(&text, "in.csv", h).unwrap_err();
        assert!(err.message.contains("quoted field"), "{err}");
        err.line
    };
    // A line break just before the closing quote is trimmed off the field, yet the record
    // runs onto line 3: refused at line 2, not read as a blank line 3.
    assert_eq!(
        refused(format!(
            "{HEADER}\no-12,ent-a,trn2-server,1,0,3,1,0,\"trn3:0.9\n\"\n"
        )),
        Some(2)
    );
    assert_eq!(
        refused(format!(
            "{HEADER}\no-12,ent-a,trn2-server,1,0,3,1,0,\"trn3:0.9\n\"\n{GOOD}\n"
        )),
        Some(2)
    );
    // A quote never closed runs to the end of the file: refused, never imported.
    assert_eq!(
        refused(format!(
            "{HEADER}\n{GOOD}\no-12,ent-a,trn2-server,1,0,3,1,0,\"trn3:0.9\n"
        )),
        Some(4)
    );
    assert_eq!(
        refused(format!(
            "{HEADER}\no-12,ent-a,trn2-server,1,0,3,1,0,\"trn3:0.9"
        )),
        Some(2)
    );
    // Closed quotes (and doubled ones) are fine.
    let ok = parse_orders_csv(
        &format!("{HEADER}\n\"o-12\",ent-a,trn2-server,1,0,3,1,0,\"trn3:0.9\"\n"),
        "in.csv",
        h,
    )
    .unwrap();
    assert_eq!(ok.len(), 1);
}
