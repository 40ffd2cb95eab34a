//! A position tree of a parsed TOML or JSON document, used only to turn an error's path
//! (`order[3].latest`) into a line and column, and an error's offset back into a path.
//!
//! serde gives us typed values but forgets where they came from; `toml::Spanned` keeps
//! positions but does not exist for JSON. So both formats are read a second time, only on
//! error, into this format-neutral tree.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

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
            (Kind::Table(entries), Seg::Key(k)) => entries.iter().find(|(n, _)| n == k).map(|e| &e.1),
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
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    (line, column)
}

/// Byte offset of a 1-based line and column (as serde_json reports them).
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let col_bytes: usize = l.chars().take(column.saturating_sub(1)).map(char::len_utf8).sum();
            return (offset + col_bytes).min(text.len());
        }
        offset += l.len();
    }
    text.len()
}

// ---- TOML: read once more with `toml::Spanned` at every level. ----

struct TNode(toml::Spanned<TKind>);

enum TKind {
    Table(Vec<(String, TNode)>),
    Array(Vec<TNode>),
    Str(String),
    Other,
}

impl<'de> Deserialize<'de> for TNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        toml::Spanned::<TKind>::deserialize(d).map(TNode)
    }
}

impl<'de> Deserialize<'de> for TKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TVisitor)
    }
}

struct TVisitor;

impl<'de> Visitor<'de> for TVisitor {
    type Value = TKind;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any TOML value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<TKind, E> {
        Ok(TKind::Other)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<TKind, E> {
        Ok(TKind::Other)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<TKind, E> {
        Ok(TKind::Other)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<TKind, E> {
        Ok(TKind::Other)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<TKind, E> {
        Ok(TKind::Str(s.to_string()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TKind, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<TNode>()? {
            items.push(n);
        }
        Ok(TKind::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TKind, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<String>()? {
            entries.push((k, map.next_value::<TNode>()?));
        }
        Ok(TKind::Table(entries))
    }
}

fn from_tkind(kind: TKind) -> Kind {
    match kind {
        TKind::Table(e) => Kind::Table(e.into_iter().map(|(k, n)| (k, from_tnode(n))).collect()),
        TKind::Array(a) => Kind::Array(a.into_iter().map(from_tnode).collect()),
        TKind::Str(s) => Kind::Str(s),
        TKind::Other => Kind::Other,
    }
}

fn from_tnode(n: TNode) -> Node {
    let span = n.0.span();
    Node {
        start: span.start,
        end: span.end,
        kind: from_tkind(n.0.into_inner()),
    }
}

/// The position tree of a TOML document, or `None` if it does not parse.
pub(crate) fn toml_tree(text: &str) -> Option<Node> {
    let root: TKind = toml::from_str(text).ok()?;
    Some(Node {
        start: 0,
        end: text.len(),
        kind: from_tkind(root),
    })
}

// ---- JSON: a small scanner over text serde_json already accepted. ----

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

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
    }
    .value()
}
