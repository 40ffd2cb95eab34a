//! Scenario files: round trips and error locations.

use crate::{example_book, line_of, spec, EXAMPLE};
use book::{Book, Event, Period, SupplyAdjustmentSpec};
use scenario::{load_scenario, parse_scenario, spec_of, write_scenario, Format};

#[test]
fn example_round_trips_through_toml_and_json() {
    let book = example_book();
    for format in [Format::Toml, Format::Json] {
        let text = write_scenario(&book, format);
        let again = Book::new(spec(&text, format)).unwrap();
        assert_eq!(again, book, "{format:?}:\n{text}");
        // Writing the re-read book gives the same text: the export is a fixed point.
        assert_eq!(write_scenario(&again, format), text);
    }
}

#[test]
fn demo_round_trips_through_toml_and_json() {
    let book = Book::new(scenario::demo_spec()).unwrap();
    for format in [Format::Toml, Format::Json] {
        let text = write_scenario(&book, format);
        assert_eq!(Book::new(spec(&text, format)).unwrap(), book, "{format:?}");
    }
}

#[test]
fn load_picks_the_format_by_extension() {
    let dir = tempfile::tempdir().unwrap();
    let book = example_book();
    for (name, format) in [("a.toml", Format::Toml), ("b.JSON", Format::Json)] {
        let path = dir.path().join(name);
        std::fs::write(&path, write_scenario(&book, format)).unwrap();
        assert_eq!(Book::new(load_scenario(&path).unwrap()).unwrap(), book);
    }
    let missing = load_scenario(&dir.path().join("none.toml")).unwrap_err();
    assert_eq!(missing.line, None);
    assert!(
        missing.to_string().contains("none.toml: cannot read"),
        "{missing}"
    );
    // A file that is not UTF-8 is refused at the line and column of its first bad byte.
    let text = write_scenario(&book, Format::Toml);
    let line = text.lines().position(|l| l.contains("name")).unwrap() + 1;
    let mut bytes = Vec::new();
    for (i, l) in text.lines().enumerate() {
        bytes.extend_from_slice(l.as_bytes());
        if i + 1 == line {
            bytes.extend_from_slice(b" # Soci\xe9t\xe9");
        }
        bytes.push(b'\n');
    }
    let path = dir.path().join("latin1.toml");
    std::fs::write(&path, &bytes).unwrap();
    let err = load_scenario(&path).unwrap_err();
    assert_eq!(err.line, Some(line), "{err}");
    assert!(err.to_string().contains("not valid UTF-8"), "{err}");
}

#[test]
fn export_leaves_history_out_and_folds_supply_adjustments_in() {
    let mut book = example_book();
    let trn2 = book.generation_idx("trn2").unwrap();
    let before = book.supply_units(trn2, Period(2));
    book.apply(Event::OrderCancelled {
        order: "o-1".into(),
        reason: "test".into(),
    })
    .unwrap();
    book.apply(Event::ReservationCancelled {
        reservation: "r-1".into(),
    })
    .unwrap();
    book.apply(Event::SupplyAdjusted(SupplyAdjustmentSpec {
        generation: "trn2".into(),
        period: Period(2),
        delta_units: -3,
        note: "fab excursion".into(),
    }))
    .unwrap();
    let text = write_scenario(&book, Format::Toml);
    assert!(text.contains("# Left out: 1 cancelled orders, 1 cancelled reservations."));
    let again = Book::new(spec(&text, Format::Toml)).unwrap();
    assert_eq!(again.supply_matrix(), book.supply_matrix());
    assert_eq!(again.supply_units(trn2, Period(2)), before - 3);
    let keys = |b: &Book| b.orders().iter().map(|o| o.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&again), ["o-2"]);
    assert!(again.reservations().is_empty());
    let (a, b) = (spec_of(&again), spec_of(&book));
    assert_eq!(
        (a.orders, a.contracts, a.generations),
        (b.orders, b.contracts, b.generations)
    );
}

#[test]
fn explicit_supply_and_compact_series() {
    let text = r#"
name = "explicit"
start = "2027-01"
periods = 4
[[generation]]
id = "g"
name = "G"
unit_name = "server"
chips_per_unit = 8
first_ship = 0
holding_usd_per_unit_period = 1
residual_usd_per_unit = 2
cloud_value_usd_per_unit_period = 3
cloud_demand_units = { value = 10, start = 1, end = "2027-04", growth_per_period = -4 }
[supply]
units = { g = [5, 0, 7, 1] }
"#;
    let s = spec(text, Format::Toml);
    assert_eq!(s.generations[0].cloud_demand_units, [0, 10, 6, 0]);
    assert_eq!(
        s.supply,
        book::SupplyInputs::Explicit(vec![vec![5, 0, 7, 1]])
    );
    let book = Book::new(s).unwrap();
    let out = write_scenario(&book, Format::Toml);
    assert!(out.contains("g = [5, 0, 7, 1]"), "{out}");
    assert_eq!(Book::new(spec(&out, Format::Toml)).unwrap(), book);
}

#[test]
fn decimals_convert_to_basis_points_exactly() {
    let book = example_book();
    let o1 = &book.orders()[0];
    assert_eq!(o1.substitutes[0].value_factor_bp, 9_500);
    let book::SupplyInputs::Foundry(f) = book.supply_inputs() else {
        panic!("foundry supply")
    };
    assert_eq!(f.policy, supply::SplitPolicy::FixedMix(vec![6_250, 3_750]));
    assert_eq!(f.generations[1].yield_ramp().end_bp(), 8_050);
    assert_eq!(f.generations[1].first_ship_period(), 3);
    assert_eq!(f.generations[0].name(), "trn2");
}

/// A broken variant of the example: replace `from` by `to`; the error must be on the line of
/// the last occurrence of `marker` and name `field`.
struct Broken {
    name: &'static str,
    from: &'static str,
    to: &'static str,
    marker: &'static str,
    field: Option<&'static str>,
    message: &'static str,
}

fn check(format: Format, base: &str, cases: &[Broken]) {
    for c in cases {
        assert!(
            base.contains(c.from),
            "{}: {:?} not in base",
            c.name,
            c.from
        );
        let text = base.replacen(c.from, c.to, 1);
        let err = parse_scenario(&text, format, "bad.toml").expect_err(c.name);
        let want_line = line_of(&text, c.marker);
        assert_eq!(err.line, Some(want_line), "{}: {err}", c.name);
        assert_eq!(err.field.as_deref(), c.field, "{}: {err}", c.name);
        assert!(err.message.contains(c.message), "{}: {err}", c.name);
        assert_eq!(err.file, "bad.toml");
        assert!(
            err.to_string()
                .starts_with(&format!("bad.toml:{want_line}: ")),
            "{}: {err}",
            c.name
        );
    }
}

#[test]
fn broken_toml_scenarios_name_line_and_field() {
    let q = "quantity = 12";
    check(
        Format::Toml,
        EXAMPLE,
        &[
            Broken {
                name: "syntax error",
                from: q,
                to: "quantity = = 12",
                marker: "quantity = =",
                field: None,
                message: "",
            },
            Broken {
                name: "wrong type",
                from: q,
                to: "quantity = \"twelve\"",
                marker: "twelve",
                field: Some("quantity"),
                message: "invalid type",
            },
            Broken {
                name: "a generation id used twice",
                from: "id = \"trn3\"\nname = \"Trainium3\"",
                to: "id = \"trn2\"\nname = \"Trainium3\"",
                marker: "id = \"trn2\"",
                field: Some("id"),
                message: "generation id \"trn2\" is used twice (also by generation 1 of the file)",
            },
            Broken {
                name: "unknown field",
                from: q,
                to: "quantity = 12\ncolour = \"red\"",
                marker: "colour",
                field: Some("colour"),
                message: "unknown field",
            },
            Broken {
                name: "missing field",
                from: "price_usd_per_unit = 420_000\n",
                to: "",
                marker: "[[order]]",
                field: Some("price_usd_per_unit"),
                message: "missing field",
            },
            Broken {
                name: "unknown sku",
                from: "sku = \"trn3-server\"",
                to: "sku = \"trn9-server\"",
                marker: "trn9-server",
                field: Some("sku"),
                message: "unknown sku",
            },
            Broken {
                name: "earliest after latest",
                from: "latest = \"2027-05\"",
                to: "latest = \"2027-01\"",
                marker: "latest = \"2027-01\"",
                field: Some("latest"),
                message: "is before earliest",
            },
            Broken {
                name: "bad period string",
                from: "earliest = \"2027-02\"\nlatest",
                to: "earliest = \"2027-13\"\nlatest",
                marker: "2027-13",
                field: Some("earliest"),
                message: "neither",
            },
            Broken {
                name: "period outside horizon",
                from: "latest = 8",
                to: "latest = \"2029-01\"",
                marker: "2029-01",
                field: Some("latest"),
                message: "outside the horizon",
            },
            Broken {
                name: "index outside horizon",
                from: "latest = 8",
                to: "latest = 12",
                marker: "latest = 12",
                field: Some("latest"),
                message: "outside the horizon",
            },
            Broken {
                name: "duplicate order id",
                from: "id = \"o-2\"",
                to: "id = \"o-1\"",
                marker: "id = \"o-1\"",
                field: Some("id"),
                message: "duplicate",
            },
            Broken {
                name: "duplicate sku id",
                from: "id = \"trn3-server\"",
                to: "id = \"trn2-server\"",
                marker: "id = \"trn2-server\"",
                field: Some("id"),
                message: "duplicate",
            },
            Broken {
                name: "too many decimals",
                from: "value_factor = 0.95",
                to: "value_factor = 0.95001",
                marker: "0.95001",
                field: Some("substitutes.value_factor"),
                message: "more than 4 decimal places",
            },
            Broken {
                name: "unknown substitute",
                from: "generation = \"trn3\", value",
                to: "generation = \"trn7\", value",
                marker: "trn7",
                field: Some("substitutes"),
                message: "unknown generation",
            },
            Broken {
                name: "customer kind",
                from: "kind = \"colo\"",
                to: "kind = \"hyperscaler\"",
                marker: "hyperscaler",
                field: Some("kind"),
                message: "must be one of",
            },
            Broken {
                name: "commitment due before earliest",
                from: "due = \"2027-06\"",
                to: "due = \"2027-01\"",
                marker: "due = \"2027-01\"",
                field: Some("due"),
                message: "is before earliest",
            },
            Broken {
                name: "commitment field of the other kind",
                from: "end = \"2028-01\"",
                to: "end = \"2028-01\"\ndue = 3",
                marker: "due = 3",
                field: Some("due"),
                message: "is not a field of kind \"capacity\"",
            },
            Broken {
                name: "series too short",
                from: "[40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95]",
                to: "[40, 45]",
                marker: "[40, 45]",
                field: Some("cloud_demand_units"),
                message: "has 2 values",
            },
            Broken {
                name: "shares do not sum",
                from: "trn3 = 37.5",
                to: "trn3 = 30",
                marker: "shares_percent",
                field: Some("shared.shares_percent"),
                message: "sum to 92.5%",
            },
            Broken {
                name: "foundry of unknown generation",
                from: "[supply.foundry.trn3]",
                to: "[supply.foundry.trn9]",
                marker: "[supply.foundry.trn9]",
                field: Some("foundry.trn9"),
                message: "unknown generation",
            },
            Broken {
                name: "bad start",
                from: "start = \"2027-01\"\nperiods",
                to: "start = \"Jan 2027\"\nperiods",
                marker: "Jan 2027",
                field: Some("start"),
                message: "YYYY-MM",
            },
            Broken {
                name: "too many periods",
                from: "periods = 12",
                to: "periods = 500",
                marker: "periods = 500",
                field: Some("periods"),
                message: "between 1 and 120",
            },
        ],
    );
}

#[test]
fn broken_json_scenarios_name_line_and_field() {
    let base = write_scenario(&example_book(), Format::Json);
    check(
        Format::Json,
        &base,
        &[
            Broken {
                name: "syntax error",
                from: "\"quantity\": 12,",
                to: "\"quantity\": 12,,",
                marker: "12,,",
                field: None,
                message: "",
            },
            Broken {
                name: "wrong type",
                from: "\"quantity\": 12,",
                to: "\"quantity\": \"twelve\",",
                marker: "twelve",
                field: Some("quantity"),
                message: "invalid type",
            },
            Broken {
                name: "unknown field",
                from: "\"quantity\": 12,",
                to: "\"quantity\": 12,\n      \"colour\": 1,",
                marker: "colour",
                field: Some("colour"),
                message: "unknown field",
            },
            Broken {
                name: "unknown sku",
                from: "\"sku\": \"trn3-server\"",
                to: "\"sku\": \"trn9-server\"",
                marker: "trn9-server",
                field: Some("sku"),
                message: "unknown sku",
            },
            Broken {
                name: "earliest after latest",
                from: "\"latest\": \"2027-05\"",
                to: "\"latest\": \"2027-01\"",
                marker: "\"latest\": \"2027-01\"",
                field: Some("latest"),
                message: "is before earliest",
            },
            Broken {
                name: "bad period string",
                from: "\"earliest\": \"2027-05\"",
                to: "\"earliest\": \"2027-5\"",
                marker: "2027-5\"",
                field: Some("earliest"),
                message: "neither",
            },
            Broken {
                name: "duplicate id",
                from: "\"id\": \"o-2\"",
                to: "\"id\": \"o-1\"",
                marker: "\"id\": \"o-1\"",
                field: Some("id"),
                message: "duplicate",
            },
        ],
    );
}

#[test]
fn error_display_names_file_line_object_and_field() {
    let text = EXAMPLE.replacen("latest = \"2027-05\"", "latest = \"2027-01\"", 1);
    let err = parse_scenario(&text, Format::Toml, "demo.toml").unwrap_err();
    let line = line_of(&text, "latest = \"2027-01\"");
    assert_eq!(
        err.to_string(),
        format!("demo.toml:{line}: order o-1: latest: is before earliest")
    );
    assert_eq!(err.object.as_deref(), Some("order o-1"));
}

#[test]
fn delivered_and_confirmed_orders_are_exported_and_checked_on_load() {
    let mut book = example_book();
    book.apply(Event::OrderDelivered {
        order: "o-1".into(),
        units: 7,
        period: Period(2),
    })
    .unwrap();
    for format in [Format::Toml, Format::Json] {
        let text = write_scenario(&book, format);
        let again = Book::new(spec(&text, format)).unwrap();
        let o = &again.orders()[0];
        assert_eq!(
            (o.key.as_str(), o.status),
            ("o-1", book::OrderStatus::Delivered)
        );
        assert_eq!(o.delivered, book.orders()[0].delivered);
        assert_eq!(write_scenario(&again, format), text, "a fixed point");
    }
    // Written by hand: a confirmed promise and a partial delivery load as such.
    let text = EXAMPLE
        .replacen(
            "substitutes = [{ generation = \"trn3\", value_factor = 0.95 }]",
            "substitutes = [{ generation = \"trn3\", value_factor = 0.95 }]\nconfirmed = { units = 20, by = \"2027-05\" }\ndelivered = { units = 12, period = \"2027-04\" }",
            1,
        )
        .replacen(
            "source = \"a hypothetical enterprise order\"",
            "source = \"a hypothetical enterprise order\"\nconfirmed = { units = 6, by = 8 }",
            1,
        );
    let again = Book::new(spec(&text, Format::Toml)).unwrap();
    let (o1, o2) = (&again.orders()[0], &again.orders()[1]);
    assert_eq!(o1.status, book::OrderStatus::Delivered);
    assert_eq!(
        o1.delivered.map(|d| (d.units, d.period)),
        Some((12, Period(3)))
    );
    assert_eq!(o2.status, book::OrderStatus::Confirmed);
    assert_eq!(o2.confirmed.map(|c| (c.units, c.by)), Some((6, Period(8))));
    // Refused ones name the line of their field.
    for (from, to, message) in [
        ("by = 8 }", "by = 8, late = 1 }", "unknown field `late`"),
        (
            "units = 12, period",
            "units = 21, period",
            "21 must be between 1 and 20",
        ),
        ("units = 6, by", "units = 0, by", "must be between 1 and"),
        ("by = 8 }", "by = 99 }", "outside the horizon"),
    ] {
        let bad = text.replacen(from, to, 1);
        let err = parse_scenario(&bad, Format::Toml, "s.toml").unwrap_err();
        let line = line_of(&bad, to);
        assert_eq!(err.line, Some(line), "{err}");
        assert!(err.to_string().contains(message), "{err}");
    }
}

/// Months go up to 9999-12 (`YYYY-MM`): a scenario whose months would go past it (the horizon
/// with the month after it, which an exclusive end may name, or a first ship period or ramp
/// start given as an index) is refused at its line, since its export could not load back.
#[test]
fn months_past_9999_12_are_refused_at_their_line() {
    check(
        Format::Toml,
        EXAMPLE,
        &[
            Broken {
                name: "horizon past 9999-12",
                from: "start = \"2027-01\"\nperiods = 12",
                to: "start = \"9999-01\"\nperiods = 12",
                marker: "periods = 12",
                field: Some("periods"),
                message: "12 periods from 9999-01 run past 9999-12",
            },
            Broken {
                name: "horizon ending just past 9999-12",
                from: "start = \"2027-01\"\nperiods = 12",
                to: "start = \"9999-12\"\nperiods = 1  # the last month",
                marker: "periods = 1  #",
                field: Some("periods"),
                message: "from 9999-12 at most 0 periods",
            },
            Broken {
                name: "first ship index past 9999-12",
                from: "first_ship = 3 ",
                to: "first_ship = 95676 ",
                marker: "first_ship = 95676",
                field: Some("first_ship"),
                message: "period 95676 is the month 10000-01, past 9999-12",
            },
            Broken {
                name: "foundry first ship index past 9999-12",
                from: "lead_time_periods = 2\n",
                to: "lead_time_periods = 2\nfirst_ship = 4000000000\n",
                marker: "first_ship = 4000000000",
                field: Some("foundry.trn3.first_ship"),
                message: "past 9999-12",
            },
            Broken {
                name: "ramp start index past 9999-12",
                from: "ramp_start = \"2027-01\"",
                to: "ramp_start = 100000",
                marker: "ramp_start = 100000",
                field: Some("foundry.trn3.yield_percent.ramp_start"),
                message: "at most period 95675",
            },
            Broken {
                name: "series start index past 9999-12",
                from: "{ value = 10, start = \"2027-04\"",
                to: "{ value = 10, start = 200000",
                marker: "start = 200000",
                field: Some("cloud_demand_units.start"),
                message: "past 9999-12",
            },
        ],
    );
}

/// At the limit: a horizon whose month after it is 9999-12, a generation first shipping in
/// 9999-12 (as an index), exclusive ends at the horizon's end: it loads, exports (TOML and
/// JSON) and loads back to the same book.
#[test]
fn a_book_at_the_9999_12_limit_exports_and_loads_back() {
    let text = r#"
name = "far"
start = "9998-01"
periods = 23

[[generation]]
id = "g1"
name = "G1"
unit_name = "server"
chips_per_unit = 1
first_ship = "9998-01"
holding_usd_per_unit_period = 1
residual_usd_per_unit = 1
cloud_value_usd_per_unit_period = 1

[[generation]]
id = "g2"
name = "G2"
unit_name = "server"
chips_per_unit = 1
first_ship = 23
holding_usd_per_unit_period = 1
residual_usd_per_unit = 1
cloud_value_usd_per_unit_period = 1

[supply]
units = { g1 = 10, g2 = 5 }

[[sku]]
id = "s1"
name = "S1"
generation = "g1"
size_units = 1

[[customer]]
id = "c1"
name = "C1"
kind = "lab"

[[contract]]
id = "k1"
customer = "c1"
shortfall_penalty_usd_per_unit = 10

[[contract.commitment]]
kind = "capacity"
generation = "g1"
units = 2
start = "9999-06"
end = "9999-12"
price_usd_per_unit_period = 5

[[reservation]]
id = "r1"
customer = "c1"
generation = "g2"
units = 1
start = "9999-11"
end = "9999-12"
price_usd_per_unit_period = 3

[[order]]
id = "o1"
customer = "c1"
sku = "s1"
quantity = 2
earliest = "9999-10"
latest = "9999-11"
price_usd_per_unit = 100
confirmed = { units = 2, by = "9999-11" }
"#;
    let book = Book::new(spec(text, Format::Toml)).unwrap();
    let h = book.horizon();
    assert_eq!(h.start().plus(h.periods()).to_string(), "9999-12");
    for format in [Format::Toml, Format::Json] {
        let out = write_scenario(&book, format);
        assert!(out.contains("9999-12"), "{out}");
        let again = Book::new(spec(&out, format)).unwrap_or_else(|e| panic!("{e}:\n{out}"));
        assert_eq!(again, book, "{format:?}:\n{out}");
        assert_eq!(write_scenario(&again, format), out, "a fixed point");
    }
    // One more period and the month after the horizon is 10000-01: refused at `periods`.
    let err = parse_scenario(
        &text.replacen("periods = 23", "periods = 24", 1),
        Format::Toml,
        "far.toml",
    )
    .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("periods"), "{err}");
    assert!(err.to_string().starts_with("far.toml:4: "), "{err}");
}

/// A series table whose `end` is before its `start` is refused at its line, not read as an
/// all-zero series; the two are compared as written, even before the horizon.
#[test]
fn a_series_ending_before_it_starts_is_refused() {
    check(
        Format::Toml,
        EXAMPLE,
        &[
            Broken {
                name: "cloud demand end before start",
                from: "{ value = 10, start = \"2027-04\", growth_per_period = 5 }",
                to: "{ value = 10, start = \"2027-04\", end = \"2027-02\", growth_per_period = 5 }",
                marker: "end = \"2027-02\"",
                field: Some("cloud_demand_units.end"),
                message: "\"2027-02\" is before the start \"2027-04\"",
            },
            Broken {
                name: "wafer starts end index before start month",
                from: "{ value = 20, end = \"2027-12\", growth_per_period = 2 }",
                to: "{ value = 20, start = \"2027-06\", end = 3, growth_per_period = 2 }",
                marker: "end = 3",
                field: Some("foundry.trn3.wafer_starts_per_period.end"),
                message: "3 is before the start \"2027-06\"",
            },
            Broken {
                name: "both before the horizon",
                from: "hbm_stacks_per_period = { value = 6_000, growth_per_period = 200 }",
                to: "hbm_stacks_per_period = { value = 6_000, start = \"2026-06\", end = \"2026-03\" }",
                marker: "end = \"2026-03\"",
                field: Some("shared.hbm_stacks_per_period.end"),
                message: "is before the start",
            },
        ],
    );
    // An end equal to the start, or after it, still loads.
    for to in [
        "{ value = 10, start = \"2027-04\", end = \"2027-04\" }",
        "{ value = 10, start = \"2026-04\", end = \"2027-02\" }",
    ] {
        let text = EXAMPLE.replacen(
            "{ value = 10, start = \"2027-04\", growth_per_period = 5 }",
            to,
            1,
        );
        spec(&text, Format::Toml);
    }
}

/// A confirmed promise is one a plan made, and a plan ships an order only inside its window:
/// a `confirmed.by` before the order's earliest month (or after its latest) is refused at its
/// line.
#[test]
fn a_confirmed_promise_outside_the_window_is_refused() {
    let subs = "substitutes = [{ generation = \"trn3\", value_factor = 0.95 }]";
    for (by, message) in [
        (
            "\"2027-01\"",
            "2027-01 is before the order's earliest month 2027-02",
        ),
        ("0", "2027-01 is before the order's earliest month 2027-02"),
        (
            "\"2027-06\"",
            "2027-06 is after the order's latest month 2027-05",
        ),
    ] {
        let to = format!("{subs}\nconfirmed = {{ units = 20, by = {by} }}");
        let text = EXAMPLE.replacen(subs, &to, 1);
        let err = parse_scenario(&text, Format::Toml, "s.toml").unwrap_err();
        let line = line_of(&text, "confirmed = ");
        assert_eq!(err.line, Some(line), "{err}");
        assert_eq!(err.object.as_deref(), Some("order o-1"), "{err}");
        assert_eq!(err.field.as_deref(), Some("confirmed.by"), "{err}");
        assert!(err.message.contains(message), "{err}");
    }
    // Its first and last months are fine.
    for by in ["\"2027-02\"", "\"2027-05\""] {
        let text = EXAMPLE.replacen(
            subs,
            &format!("{subs}\nconfirmed = {{ units = 20, by = {by} }}"),
            1,
        );
        let book = Book::new(spec(&text, Format::Toml)).unwrap();
        assert_eq!(book.orders()[0].status, book::OrderStatus::Confirmed);
    }
}
