//! Exports a generated book's planning network, and solves a DIMACS file with allot's solver.
//! A stand-in for `allot network` / `allot solve` (same book, same output), used by `bench/run.sh`
//! when the binary lacks them, and handy on its own:
//!
//! ```sh
//! cargo run --release -p netio --example export -- export --orders 10000 --seed 1 \
//!     --tier 3 --dimacs bench/out/10000.t3.min --mps bench/out/10000.t3.mps
//! cargo run --release -p netio --example export -- solve --dimacs bench/out/10000.t3.min
//! ```
//!
//! `export` builds the book `allot gen --orders N --seed S --periods P` builds, at `--now` (0), and
//! writes the tier's DIMACS and/or single-tier MPS file (`--lex` instead writes the MPS with the
//! earlier tiers' optima fixed, taken from a full plan). `solve` prints
//! `{"load_ms":..,"solve_ms":..,"objective":..,"nodes":..,"arcs":..}` (objective = optimal cost).

use book::Period;
use netio::Tier;
use std::time::Instant;

fn usage() -> ! {
    eprintln!(
        "usage: export export --orders N [--seed S] [--periods P] [--now T] [--tier 1|2|3] \
         [--dimacs FILE] [--mps FILE] [--lex]\n       export solve --dimacs FILE"
    );
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else { usage() };
    let mut opt = std::collections::HashMap::new();
    let mut lex = false;
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--lex" => lex = true,
            "--json" => {}
            k if k.starts_with("--") && i + 1 < args.len() => {
                opt.insert(k[2..].to_string(), args[i + 1].clone());
                i += 1;
            }
            _ => usage(),
        }
        i += 1;
    }
    let num = |k: &str, d: u64| -> u64 {
        opt.get(k)
            .map(|v| v.parse().unwrap_or_else(|_| usage()))
            .unwrap_or(d)
    };
    match cmd.as_str() {
        "export" => {
            let mut p = bookgen::Params::new(num("orders", 10_000) as usize, num("seed", 1));
            p.periods = num("periods", 36) as u32;
            let now = Period(num("now", 0) as u32);
            let tier = Tier::from_number(num("tier", 3) as u32).unwrap_or_else(|| usage());
            let book = bookgen::generate(&p).into_book().expect("generated book");
            let net = planner::network::build(&book, now).expect("network");
            let label = format!("generated, {} orders, seed {}", p.orders, p.seed);
            if let Some(path) = opt.get("dimacs") {
                std::fs::write(path, netio::write_dimacs_labeled(&net, tier, &label))
                    .expect("write DIMACS");
            }
            if let Some(path) = opt.get("mps") {
                let fixed = if lex {
                    earlier_optima(&net, tier)
                } else {
                    vec![]
                };
                std::fs::write(path, netio::write_mps(&net, tier, &fixed)).expect("write MPS");
            }
            eprintln!(
                "{label}: {} nodes, {} arcs, tier {}",
                net.node_count(),
                net.arc_count(),
                tier.number()
            );
        }
        "solve" => {
            let path = opt.get("dimacs").unwrap_or_else(|| usage());
            let t0 = Instant::now();
            let text = std::fs::read_to_string(path).expect("read DIMACS");
            let net = netio::read_dimacs(&text).unwrap_or_else(|e| {
                eprintln!("{path}: {e}");
                std::process::exit(2)
            });
            drop(text);
            let load = t0.elapsed();
            let t1 = Instant::now();
            let sol = flow::solve(&net).expect("solve");
            let solve = t1.elapsed();
            println!(
                "{{\"load_ms\":{:.3},\"solve_ms\":{:.3},\"objective\":{},\"nodes\":{},\"arcs\":{},\"pivots\":{}}}",
                load.as_secs_f64() * 1e3,
                solve.as_secs_f64() * 1e3,
                sol.total_cost,
                net.node_count(),
                net.arc_count(),
                sol.pivots
            );
        }
        _ => usage(),
    }
}

/// The optima (cost sums, without offsets) of the tiers before `tier`, from allot's own
/// lexicographic solve.
fn earlier_optima(net: &planner::network::Network, tier: Tier) -> Vec<i64> {
    let mut lex: flow::Network<flow::Lex3> = flow::Network::new();
    for &s in &net.supply {
        lex.add_node(s);
    }
    for a in 0..net.arc_count() {
        lex.add_arc(
            flow::NodeId(net.from[a]),
            flow::NodeId(net.to[a]),
            net.cap[a],
            flow::Lex3(net.cost[a]),
        );
    }
    let sol = flow::solve(&lex).expect("solve");
    sol.total_cost.0[..tier.index()].to_vec()
}
