//! A small free-MPS reader (written here, independently of the writer) and a `microlp` solve.

use microlp::{ComparisonOp, OptimizationDirection, Problem};
use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct Lp {
    /// Constraint rows: name, operator, rhs.
    pub rows: Vec<(String, ComparisonOp, f64)>,
    /// Columns: name, objective coefficient, (row index, coefficient), bounds.
    pub cols: Vec<Col>,
}

#[derive(Debug)]
pub struct Col {
    pub obj: f64,
    pub entries: Vec<(usize, f64)>,
    pub lo: f64,
    pub hi: f64,
}

fn number(s: &str, line: usize) -> Result<f64, String> {
    s.parse()
        .map_err(|_| format!("line {line}: {s:?} is not a number"))
}

pub fn parse(text: &str) -> Result<Lp, String> {
    let mut lp = Lp::default();
    let mut objective: Option<String> = None;
    let mut row_of: HashMap<String, usize> = HashMap::new();
    let mut col_of: HashMap<String, usize> = HashMap::new();
    let mut section = "";
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.starts_with('*') || raw.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = raw.split_whitespace().collect();
        if !raw.starts_with(' ') {
            section = match f[0] {
                "NAME" | "ROWS" | "COLUMNS" | "RHS" | "BOUNDS" | "ENDATA" => f[0],
                s => return Err(format!("line {line}: unknown section {s}")),
            };
            continue;
        }
        match section {
            "ROWS" => {
                let op = match f[0] {
                    "N" => {
                        objective = Some(f[1].to_string());
                        continue;
                    }
                    "L" => ComparisonOp::Le,
                    "G" => ComparisonOp::Ge,
                    "E" => ComparisonOp::Eq,
                    t => return Err(format!("line {line}: row type {t}")),
                };
                row_of.insert(f[1].to_string(), lp.rows.len());
                lp.rows.push((f[1].to_string(), op, 0.0));
            }
            "COLUMNS" => {
                let c = *col_of.entry(f[0].to_string()).or_insert_with(|| {
                    lp.cols.push(Col {
                        obj: 0.0,
                        entries: vec![],
                        lo: 0.0,
                        hi: f64::INFINITY,
                    });
                    lp.cols.len() - 1
                });
                for pair in f[1..].chunks(2) {
                    let v = number(pair[1], line)?;
                    if Some(pair[0]) == objective.as_deref() {
                        lp.cols[c].obj += v;
                    } else {
                        let r = *row_of
                            .get(pair[0])
                            .ok_or(format!("line {line}: unknown row {}", pair[0]))?;
                        lp.cols[c].entries.push((r, v));
                    }
                }
            }
            "RHS" => {
                for pair in f[1..].chunks(2) {
                    let r = *row_of
                        .get(pair[0])
                        .ok_or(format!("line {line}: unknown row {}", pair[0]))?;
                    lp.rows[r].2 = number(pair[1], line)?;
                }
            }
            "BOUNDS" => {
                let c = *col_of
                    .get(f[2])
                    .ok_or(format!("line {line}: unknown column {}", f[2]))?;
                let col = &mut lp.cols[c];
                match f[0] {
                    "UP" => col.hi = number(f[3], line)?,
                    "LO" => col.lo = number(f[3], line)?,
                    "FX" => {
                        col.lo = number(f[3], line)?;
                        col.hi = col.lo
                    }
                    "FR" => {
                        col.lo = f64::NEG_INFINITY;
                        col.hi = f64::INFINITY
                    }
                    t => return Err(format!("line {line}: bound type {t}")),
                }
            }
            s => return Err(format!("line {line}: data in section {s:?}")),
        }
    }
    if section != "ENDATA" {
        return Err("no ENDATA".into());
    }
    Ok(lp)
}

impl Lp {
    /// The minimum of the objective.
    pub fn solve_min(&self) -> Result<f64, String> {
        let mut p = Problem::new(OptimizationDirection::Minimize);
        let vars: Vec<_> = self
            .cols
            .iter()
            .map(|c| p.add_var(c.obj, (c.lo, c.hi)))
            .collect();
        let mut terms: Vec<Vec<(microlp::Variable, f64)>> = vec![vec![]; self.rows.len()];
        for (c, col) in self.cols.iter().enumerate() {
            for &(r, v) in &col.entries {
                terms[r].push((vars[c], v));
            }
        }
        for (r, (_, op, rhs)) in self.rows.iter().enumerate() {
            if terms[r].is_empty() {
                continue;
            }
            p.add_constraint(std::mem::take(&mut terms[r]), *op, *rhs);
        }
        let sol = p
            .solve()
            .map_err(|e| format!("microlp: {e}"))?
            .into_solution()
            .map_err(|_| "microlp interrupted".to_string())?;
        Ok(sol.objective())
    }
}
