//! Scenario files: TOML or JSON, one schema (docs/scenario.md).

use crate::convert::{check_confirmed, spec_from_dto, spec_of, spec_to_dto, At, Style};
use crate::dto::ScenarioDto;
use crate::error::FileError;
use crate::spans::{json_tree, line_col, offset_of, toml_tree, Node, Path, Seg};
use book::{Book, BookError, BookSpec, OrderStatus};
use std::path::Path as FsPath;

/// A scenario file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML (the default).
    Toml,
    /// JSON, same schema.
    Json,
}

impl Format {
    /// JSON for a `.json` extension (any case), TOML otherwise.
    pub fn from_path(path: &FsPath) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Toml,
        }
    }
}

/// Reads and validates a scenario file; the format follows the extension (`.json` or TOML).
pub fn load_scenario(path: &FsPath) -> Result<BookSpec, FileError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| FileError::whole_file(&file, format!("cannot read: {e}")))?;
    // Text that is not UTF-8 is refused at the line and column of its first bad byte.
    let text = crate::orders_csv::orders_csv_text(&bytes, &file)?;
    parse_scenario(text, Format::from_path(path), &file)
}

/// Parses a scenario and validates it with [`Book::new`]; every error names the line and field.
pub fn parse_scenario(text: &str, format: Format, file_name: &str) -> Result<BookSpec, FileError> {
    let doc = Doc {
        text,
        format,
        file: file_name,
    };
    let dto: ScenarioDto = match format {
        Format::Toml => toml::from_str(text).map_err(|e| doc.toml_error(&e))?,
        Format::Json => serde_json::from_str(text).map_err(|e| doc.json_error(&e))?,
    };
    let spec = spec_from_dto(&dto, true).map_err(|at| doc.at_error(&at))?;
    Book::new(spec.clone()).map_err(|e| doc.book_error(&e, &dto))?;
    check_confirmed(&dto, &spec).map_err(|at| doc.at_error(&at))?;
    Ok(spec)
}

/// Writes the book's current content as a scenario file that loads back to an equal book
/// (see [`crate::spec_of`] for what a scenario cannot hold: history and cancelled items).
pub fn write_scenario(book: &Book, format: Format) -> String {
    let spec = spec_of(book);
    let dto = spec_to_dto(&spec, Style::Month(book.horizon()));
    match format {
        Format::Toml => {
            let omitted_orders = (book.orders().iter())
                .filter(|o| o.status == OrderStatus::Cancelled)
                .count();
            let omitted_reservations = book.reservations().iter().filter(|r| r.cancelled).count();
            let mut out = format!(
                "# Scenario exported from book {:?}. Schema: docs/scenario.md.\n",
                book.name()
            );
            if omitted_orders + omitted_reservations > 0 {
                out.push_str(&format!(
                    "# Left out: {omitted_orders} cancelled orders, {omitted_reservations} cancelled reservations.\n"
                ));
            }
            if !book.supply_adjustments().is_empty() {
                out.push_str("# Supply adjustments are folded into explicit supply units.\n");
            }
            out.push('\n');
            out.push_str(&toml::to_string(&dto).expect("scenario DTOs always serialise to TOML"));
            out
        }
        Format::Json => {
            let mut out =
                serde_json::to_string_pretty(&dto).expect("scenario DTOs always serialise to JSON");
            out.push('\n');
            out
        }
    }
}

/// The text being parsed, for locating errors.
struct Doc<'a> {
    text: &'a str,
    format: Format,
    file: &'a str,
}

/// Item sections and the word the domain uses for their objects.
const SECTIONS: [&str; 6] = [
    "generation",
    "sku",
    "customer",
    "contract",
    "order",
    "reservation",
];

impl Doc<'_> {
    fn tree(&self) -> Option<Node> {
        match self.format {
            Format::Toml => toml_tree(self.text),
            Format::Json => json_tree(self.text),
        }
    }

    fn error_at(
        &self,
        offset: Option<usize>,
        object: Option<String>,
        field: Option<String>,
        message: String,
    ) -> FileError {
        let (line, column) = match offset.map(|o| line_col(self.text, o)) {
            Some((l, c)) => (Some(l), Some(c)),
            None => (None, None),
        };
        FileError {
            file: self.file.to_string(),
            line,
            column,
            object,
            field,
            message,
        }
    }

    /// Syntax and type errors from toml: the span gives the place; the tree (when the text is
    /// valid TOML) gives the item and field.
    fn toml_error(&self, e: &toml::de::Error) -> FileError {
        let offset = e.span().map(|s| s.start);
        let message = e.message().trim().to_string();
        self.serde_error(offset, message)
    }

    fn json_error(&self, e: &serde_json::Error) -> FileError {
        let full = e.to_string();
        let message = match full.rfind(" at line ") {
            Some(i) => full[..i].to_string(),
            None => full,
        };
        let offset = (e.line() > 0).then(|| offset_of(self.text, e.line(), e.column()));
        // serde_json reports the position after the offending token; step back onto it.
        let inside = offset.map(|o| {
            let before = self.text[..o].trim_end();
            before.len().saturating_sub(1)
        });
        let mut err = self.serde_error(inside, message);
        if let Some(o) = offset {
            let (l, c) = line_col(self.text, o);
            err.line = Some(l);
            err.column = Some(c);
        }
        err
    }

    fn serde_error(&self, offset: Option<usize>, message: String) -> FileError {
        let (mut object, mut field) = (None, None);
        if let (Some(o), Some(tree)) = (offset, self.tree()) {
            let path = tree.path_at(o);
            (object, field) = describe(&tree, &path);
        }
        for quoted in ["unknown field `", "missing field `", "duplicate field `"] {
            if let Some(rest) = message.strip_prefix(quoted) {
                field = rest.split('`').next().map(str::to_string);
            }
        }
        self.error_at(offset, object, field, message)
    }

    /// Errors of our own conversion: the path names the item and field.
    fn at_error(&self, at: &At) -> FileError {
        let tree = self.tree();
        let (object, field) = tree
            .as_ref()
            .map_or((None, None), |t| describe(t, &at.path));
        let offset = tree.as_ref().map(|t| t.locate(&at.path));
        self.error_at(offset, object, field, at.message.clone())
    }

    /// Errors the domain found: map the object (`order o-17`) back to its item in the file.
    fn book_error(&self, e: &BookError, dto: &ScenarioDto) -> FileError {
        let path = book_error_path(e, dto);
        let offset = self.tree().map(|t| t.locate(&path));
        self.error_at(
            offset,
            Some(e.object.clone()),
            Some(e.field.clone()),
            e.message.clone(),
        )
    }
}

/// Names the item and field at a path: `(order o-17, latest)`.
fn describe(tree: &Node, path: &[Seg]) -> (Option<String>, Option<String>) {
    let keys = |segs: &[Seg]| {
        let k: Vec<&str> = segs
            .iter()
            .filter_map(|s| match s {
                Seg::Key(k) => Some(k.as_str()),
                Seg::Index(_) => None,
            })
            .collect();
        (!k.is_empty()).then(|| k.join("."))
    };
    match path {
        [Seg::Key(section), Seg::Index(i), rest @ ..] if SECTIONS.contains(&section.as_str()) => {
            let item = tree.get(&path[..2]);
            let id = item.and_then(|n| n.str_at("id"));
            let mut object = match id {
                Some(id) => format!("{section} {id}"),
                None => format!("{section} #{}", i + 1),
            };
            let mut rest = rest;
            if let [Seg::Key(c), Seg::Index(j), tail @ ..] = rest {
                if c == "commitment" {
                    object = format!("{object} commitment {}", j + 1);
                    rest = tail;
                }
            }
            (Some(object), keys(rest))
        }
        [Seg::Key(s), rest @ ..] if s == "supply" => (Some("supply".into()), keys(rest)),
        [] => (None, None),
        _ => (Some("book".into()), keys(path)),
    }
}

/// The path of the item a domain error is about.
fn book_error_path(e: &BookError, dto: &ScenarioDto) -> Path {
    let key = |s: &str| Seg::Key(s.to_string());
    let duplicate = e.message.contains("duplicate");
    let find = |ids: Vec<&str>, id: &str| -> Option<usize> {
        let mut hits = ids
            .iter()
            .enumerate()
            .filter(|(_, x)| **x == id)
            .map(|(i, _)| i);
        let first = hits.next();
        if duplicate {
            hits.next().or(first)
        } else {
            first
        }
    };
    let field = key(&e.field);
    let Some((word, rest)) = e.object.split_once(' ') else {
        return match e.object.as_str() {
            "supply" => vec![key("supply"), field],
            _ if e.field == "generations" => vec![key("generation")],
            _ => vec![field],
        };
    };
    let item = |section: &str, ids: Vec<&str>, id: &str| -> Path {
        match find(ids, id) {
            Some(i) => vec![key(section), Seg::Index(i)],
            None => vec![key(section)],
        }
    };
    let mut path = match word {
        "generation" => item(
            word,
            dto.generations.iter().map(|g| g.id.as_str()).collect(),
            rest,
        ),
        "sku" => item(word, dto.skus.iter().map(|g| g.id.as_str()).collect(), rest),
        "customer" => item(
            word,
            dto.customers.iter().map(|g| g.id.as_str()).collect(),
            rest,
        ),
        "order" => item(
            word,
            dto.orders.iter().map(|g| g.id.as_str()).collect(),
            rest,
        ),
        "reservation" => item(
            word,
            dto.reservations.iter().map(|g| g.id.as_str()).collect(),
            rest,
        ),
        "contract" => {
            let (id, commitment) = match rest.split_once(" commitment ") {
                Some((id, n)) => (id, n.parse::<usize>().ok()),
                None => (rest, None),
            };
            let mut p = item(
                word,
                dto.contracts.iter().map(|g| g.id.as_str()).collect(),
                id,
            );
            if let Some(n) = commitment {
                p.extend([key("commitment"), Seg::Index(n.saturating_sub(1))]);
            }
            p
        }
        "supply" => {
            // "supply of trn2": explicit units of that generation.
            let g = rest.strip_prefix("of ").unwrap_or(rest);
            vec![key("supply"), key("units"), key(g)]
        }
        _ => return Vec::new(),
    };
    if word != "supply" {
        path.push(field);
    }
    path
}
