//! A position tree of a parsed TOML or JSON document, used only to turn an error's path
//! (`order[3].latest`) into a line and column, and an error's offset back into a path.
//!
//! serde gives us typed values but forgets where they came from; `toml::Spanned` keeps
//! positions but does not exist for JSON. So both formats are read a second time, only on
//! error, into this format-neutral tree.

/// One step of a path into a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    /// A table key.
    Key(String),
    /// An array index (0-based).
    Index(usize),
}

impl From<&str> for Seg {
    fn from(s: &str) -> Seg {
        Seg::Key(s.to_string())
    }
}

impl From<usize> for Seg {
    fn from(i: usize) -> Seg {
        Seg::Index(i)
    }
}

/// A path into a document.
pub(crate) type Path = Vec<Seg>;

/// A node: where it starts and ends (byte offsets) and what it holds.
#[derive(Debug)]
pub(crate) struct Node {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

/// What a node holds; scalars keep their text only when they are strings (for item ids).
#[derive(Debug)]
pub(crate) enum Kind {
    Table(Vec<(String, Node)>),
    Array(Vec<Node>),
    Str(String),
    Other,
}

impl Node {
    fn child(&self, seg: &Seg) -> Option<&Node> {
        match (&self.kind, seg) {
            (Kind::Table(entries), Seg::Key(k)) => {
                entries.iter().find(|(n, _)| n == k).map(|e| &e.1)
            }
            (Kind::Array(items), Seg::Index(i)) => items.get(*i),
            _ => None,
        }
    }

    /// The node at `path`, if it exists.
    pub fn get(&self, path: &[Seg]) -> Option<&Node> {
        path.iter().try_fold(self, |n, s| n.child(s))
    }

    /// The start of the deepest node that exists along `path` (the item, when its field is absent).
    pub fn locate(&self, path: &[Seg]) -> usize {
        let mut node = self;
        for s in path {
            match node.child(s) {
                Some(c) => node = c,
                None => break,
            }
        }
        node.start
    }

    /// The path to the deepest node whose span contains `offset`.
    pub fn path_at(&self, offset: usize) -> Path {
        let mut path = Vec::new();
        let mut node = self;
        'descend: loop {
            match &node.kind {
                Kind::Table(entries) => {
                    for (k, c) in entries {
                        if c.start <= offset && offset < c.end.max(c.start + 1) {
                            path.push(Seg::Key(k.clone()));
                            node = c;
                            continue 'descend;
                        }
                    }
                }
                Kind::Array(items) => {
                    for (i, c) in items.iter().enumerate() {
                        if c.start <= offset && offset < c.end.max(c.start + 1) {
                            path.push(Seg::Index(i));
                            node = c;
                            continue 'descend;
                        }
                    }
                }
                _ => {}
            }
            return path;
        }
    }

    /// The string value of key `key` in this table, if any.
    pub fn str_at(&self, key: &str) -> Option<&str> {
        match &self.child(&Seg::Key(key.to_string()))?.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Byte offset of a 1-based line and column (as serde_json reports them).
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let col_bytes: usize = l
                .chars()
                .take(column.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return (offset + col_bytes).min(text.len());
        }
        offset += l.len();
    }
    text.len()
}

// ---- TOML: the spans toml_edit keeps in a parsed document. ----
//
// (`toml::Spanned` cannot be used: it fails on implicit tables such as `foundry` in
// `[supply.foundry.trn2]`, which have no span of their own.)

/// Builds a node from children; a table without a span of its own (implicit, or whose span is
/// only its header) extends over its children.
fn node_over(span: Option<std::ops::Range<usize>>, kind: Kind) -> Node {
    let children: Vec<&Node> = match &kind {
        Kind::Table(e) => e.iter().map(|(_, n)| n).collect(),
        Kind::Array(a) => a.iter().collect(),
        _ => Vec::new(),
    };
    let child_start = children.iter().map(|n| n.start).min();
    let child_end = children.iter().map(|n| n.end).max();
    let start = span.as_ref().map(|s| s.start).or(child_start).unwrap_or(0);
    let end = span
        .as_ref()
        .map(|s| s.end)
        .into_iter()
        .chain(child_end)
        .max()
        .unwrap_or(start);
    Node { start, end, kind }
}

fn from_table_like(t: &dyn toml_edit::TableLike, span: Option<std::ops::Range<usize>>) -> Node {
    let entries = t
        .iter()
        .map(|(k, item)| (k.to_string(), from_item(item)))
        .collect();
    node_over(span, Kind::Table(entries))
}

fn from_value(v: &toml_edit::Value) -> Node {
    match v {
        toml_edit::Value::Array(a) => {
            node_over(a.span(), Kind::Array(a.iter().map(from_value).collect()))
        }
        toml_edit::Value::InlineTable(t) => from_table_like(t, t.span()),
        toml_edit::Value::String(s) => node_over(v.span(), Kind::Str(s.value().clone())),
        _ => node_over(v.span(), Kind::Other),
    }
}

fn from_item(item: &toml_edit::Item) -> Node {
    match item {
        toml_edit::Item::Value(v) => from_value(v),
        toml_edit::Item::Table(t) => from_table_like(t, t.span()),
        toml_edit::Item::ArrayOfTables(a) => node_over(
            a.span(),
            Kind::Array(a.iter().map(|t| from_table_like(t, t.span())).collect()),
        ),
        toml_edit::Item::None => node_over(None, Kind::Other),
    }
}

/// The position tree of a TOML document, or `None` if it does not parse.
pub(crate) fn toml_tree(text: &str) -> Option<Node> {
    let doc = toml_edit::ImDocument::parse(text).ok()?;
    let mut root = from_table_like(doc.as_table(), None);
    root.start = 0;
    root.end = text.len();
    Some(root)
}

// ---- JSON: a small scanner over text serde_json already accepted. ----

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    /// Tables and arrays open around the current value.
    depth: usize,
}

/// Deeper nesting than this is not scanned (no positions: errors are then reported without
/// one), so that a small file of brackets cannot exhaust the stack.
const MAX_JSON_DEPTH: usize = 256;

impl Scanner<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.b.get(self.i) == Some(&c)).then(|| self.i += 1)
    }

    fn string(&mut self) -> Option<String> {
        self.eat(b'"')?;
        let mut out = Vec::new();
        loop {
            let c = *self.b.get(self.i)?;
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let e = *self.b.get(self.i)?;
                    self.i += 1;
                    let ch = match e {
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'u' => {
                            let hex = std::str::from_utf8(self.b.get(self.i..self.i + 4)?).ok()?;
                            self.i += 4;
                            char::from_u32(u32::from_str_radix(hex, 16).ok()?).unwrap_or('\u{fffd}')
                        }
                        other => other as char,
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                _ => out.push(c),
            }
        }
    }

    fn value(&mut self) -> Option<Node> {
        self.ws();
        let start = self.i;
        if matches!(self.b.get(self.i), Some(b'{' | b'[')) {
            if self.depth >= MAX_JSON_DEPTH {
                return None;
            }
            self.depth += 1;
        }
        let node = self.value_at(start);
        if matches!(self.b.get(start), Some(b'{' | b'[')) {
            self.depth -= 1;
        }
        node
    }

    fn value_at(&mut self, start: usize) -> Option<Node> {
        let kind = match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut entries = Vec::new();
                if self.eat(b'}').is_none() {
                    loop {
                        let k = self.string()?;
                        self.eat(b':')?;
                        entries.push((k, self.value()?));
                        if self.eat(b',').is_none() {
                            self.eat(b'}')?;
                            break;
                        }
                    }
                }
                Kind::Table(entries)
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                if self.eat(b']').is_none() {
                    loop {
                        items.push(self.value()?);
                        if self.eat(b',').is_none() {
                            self.eat(b']')?;
                            break;
                        }
                    }
                }
                Kind::Array(items)
            }
            b'"' => Kind::Str(self.string()?),
            _ => {
                while self.i < self.b.len() && !b",}] \t\r\n".contains(&self.b[self.i]) {
                    self.i += 1;
                }
                Kind::Other
            }
        };
        Some(Node {
            start,
            end: self.i,
            kind,
        })
    }
}

/// The position tree of a JSON document, or `None` if it does not scan.
pub(crate) fn json_tree(text: &str) -> Option<Node> {
    Scanner {
        b: text.as_bytes(),
        i: 0,
        depth: 0,
    }
    .value()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brackets nested past the limit give no tree (and no stack overflow); within it, one.
    #[test]
    fn deep_json_nesting_is_not_scanned() {
        let deep = format!("{{\"a\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(json_tree(&deep).is_none());
        let ok = format!("{{\"a\": {}{}}}", "[".repeat(200), "]".repeat(200));
        assert!(json_tree(&ok).is_some());
    }

    fn key(k: &str) -> Seg {
        Seg::Key(k.into())
    }

    #[test]
    fn toml_tree_locates_items_fields_and_implicit_tables() {
        let text = "a = 1\n[[order]]\nid = \"x\"\nq = [1, 2]\n\n[[order]]\nid = \"y\"\n[s.t]\nv = { w = 1 }\n";
        let t = toml_tree(text).unwrap();
        let line = |p: &[Seg]| line_col(text, t.locate(p)).0;
        assert_eq!(line(&[key("order"), Seg::Index(0), key("id")]), 3);
        assert_eq!(line(&[key("order"), Seg::Index(1), key("missing")]), 6);
        assert_eq!(line(&[key("s"), key("t"), key("v"), key("w")]), 9);
        assert_eq!(line(&[key("s")]), 8);
        assert_eq!(
            t.path_at(text.find("2]").unwrap()),
            [key("order"), Seg::Index(0), key("q"), Seg::Index(1)]
        );
        assert_eq!(
            t.get(&[key("order"), Seg::Index(1)]).unwrap().str_at("id"),
            Some("y")
        );
    }

    #[test]
    fn json_tree_locates_items_and_fields() {
        let text =
            "{\n \"order\": [\n  {\"id\": \"a\\\"b\", \"q\": 1},\n  {\"id\": \"c\"}\n ]\n}\n";
        let t = json_tree(text).unwrap();
        assert_eq!(
            t.get(&[key("order"), Seg::Index(0)]).unwrap().str_at("id"),
            Some("a\"b")
        );
        assert_eq!(
            line_col(text, t.locate(&[key("order"), Seg::Index(1), key("id")])).0,
            4
        );
        assert_eq!(
            t.path_at(text.find("1}").unwrap()),
            [key("order"), Seg::Index(0), key("q")]
        );
    }

    #[test]
    fn offsets_and_lines() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, text.find('f').unwrap()), (3, 1));
        assert_eq!(offset_of(text, 2, 4), text.find('\n').unwrap() + 1 + 4);
        assert_eq!(line_col(text, offset_of(text, 3, 1)), (3, 1));
    }
}
