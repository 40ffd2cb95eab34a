//! The exports round-trip: a tiny generated book's network, written as DIMACS and MPS, read back
//! and solved by a reference method (allot's own network simplex on the re-read DIMACS file; the
//! `microlp` LP solver on the re-read MPS file, tier by tier), gives allot's objectives.

mod mps;

use book::{Book, Period};
use flow::Lex3;
use netio::{read_dimacs, write_dimacs, write_mps, DimacsErrorKind, Tier};
use planner::network::{self, Network, INF};

fn tiny_book(seed: u64, orders: usize) -> Book {
    let mut p = bookgen::Params::new(orders, seed);
    p.periods = 12;
    p.generations = 3;
    p.max_window = 4;
    p.confirmed_pct = 30;
    p.demand_over_supply_pct = 160;
    bookgen::generate(&p).into_book().expect("generated book")
}

fn tiny(seed: u64) -> (Book, Network) {
    let book = tiny_book(seed, 40);
    let net = network::build(&book, Period(0)).expect("network");
    (book, net)
}

/// `sum(flow * cost[k])` of a flow.
fn tier_cost(net: &Network, flow: &[i64], k: usize) -> i64 {
    (0..net.arc_count()).map(|a| flow[a] * net.cost[a][k]).sum()
}

#[test]
fn dimacs_reads_back_the_same_network() {
    let (_, net) = tiny(1);
    let big = netio::uncapacitated(&net);
    for tier in Tier::ALL {
        let text = write_dimacs(&net, tier);
        assert!(text.lines().any(|l| l.starts_with("c tier: ")), "{text}");
        let f = read_dimacs(&text).unwrap();
        assert_eq!(f.node_count(), net.node_count());
        assert_eq!(f.arc_count(), net.arc_count());
        for v in 0..net.node_count() {
            assert_eq!(f.node_supply(flow::NodeId(v as u32)), net.supply[v]);
        }
        for a in 0..net.arc_count() {
            let id = flow::ArcId(a as u32);
            assert_eq!(f.arc_from(id).0, net.from[a]);
            assert_eq!(f.arc_to(id).0, net.to[a]);
            let cap = if net.cap[a] >= INF { big } else { net.cap[a] };
            assert_eq!(f.arc_capacity(id), cap);
            assert_eq!(f.arc_cost(id), net.cost[a][tier.index()]);
        }
    }
}

#[test]
fn value_tier_dimacs_solves_to_the_value_only_optimum() {
    for seed in 1..=4 {
        let (_, net) = tiny(seed);
        let f = read_dimacs(&write_dimacs(&net, Tier::Value)).unwrap();
        let sol = flow::solve(&f).unwrap();
        // Reference: the planner's network with Lex3 costs [0, 0, c3] and its own INF capacities.
        let mut lex: flow::Network<Lex3> = flow::Network::new();
        for &s in &net.supply {
            lex.add_node(s);
        }
        for a in 0..net.arc_count() {
            lex.add_arc(
                flow::NodeId(net.from[a]),
                flow::NodeId(net.to[a]),
                net.cap[a],
                Lex3([0, 0, net.cost[a][2]]),
            );
        }
        let r = flow::solve(&lex).unwrap();
        assert_eq!(sol.total_cost, tier_cost(&net, &r.flow, 2), "seed {seed}");
        assert_eq!(sol.total_cost, r.total_cost.0[2], "seed {seed}");
    }
}

#[test]
fn tier1_dimacs_gives_the_plans_shortfall() {
    for seed in 1..=4 {
        let (book, net) = tiny(seed);
        let plan = planner::plan(&book, Period(0)).unwrap();
        let f = read_dimacs(&write_dimacs(&net, Tier::Commitments)).unwrap();
        let sol = flow::solve(&f).unwrap();
        assert_eq!(
            sol.total_cost + net.offsets[0],
            plan.objectives.commitment_shortfall_usd,
            "seed {seed}"
        );
    }
}

/// The round trip: MPS per tier, parsed back here and solved with `microlp` tier by tier
/// (each tier's optimum fixed for the next), equals allot's three objectives.
#[test]
fn mps_tier_by_tier_with_microlp_gives_allots_objectives() {
    for seed in 1..=3 {
        let (book, net) = tiny(seed);
        let plan = planner::plan(&book, Period(0)).unwrap();
        let mut fixed: Vec<i64> = Vec::new();
        for tier in Tier::ALL {
            let text = write_mps(&net, tier, &fixed);
            let lp = mps::parse(&text).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"));
            assert_eq!(lp.cols.len(), net.arc_count());
            let opt = lp.solve_min().unwrap();
            assert!(
                (opt - opt.round()).abs() < 1e-6 * opt.abs().max(1.0),
                "seed {seed} tier {}: {opt} not integral",
                tier.number()
            );
            fixed.push(opt.round() as i64);
        }
        let o = &plan.objectives;
        assert_eq!(
            [
                fixed[0] + net.offsets[0],
                fixed[1] + net.offsets[1],
                -fixed[2]
            ],
            [
                o.commitment_shortfall_usd,
                o.promise_lateness_unit_periods,
                o.value_usd
            ],
            "seed {seed}"
        );
        // allot's own flows meet every row of the last LP (so the LP optimum is not an artefact).
        let flows = &plan.certificate.solution.flow;
        assert_eq!(tier_cost(&net, flows, 0), fixed[0]);
        assert_eq!(tier_cost(&net, flows, 1), fixed[1]);
        assert_eq!(tier_cost(&net, flows, 2), fixed[2]);
    }
}

#[test]
fn books_with_shortfall_and_promises_are_covered() {
    // The round trip above is only meaningful if tiers 1 and 2 have something to say.
    let (book, net) = tiny(1);
    assert!(net.offsets[0] > 0, "no commitments in the tiny book");
    assert!(net.offsets[1] > 0, "no confirmed promises in the tiny book");
    assert!(book.orders().len() >= 40);
    // The earlier tiers bind: value alone would be higher, promise lateness alone lower.
    let plan = planner::plan(&book, Period(0)).unwrap();
    let alone = |tier| {
        flow::solve(&read_dimacs(&write_dimacs(&net, tier)).unwrap())
            .unwrap()
            .total_cost
    };
    assert!(-alone(Tier::Value) > plan.objectives.value_usd);
    assert!(alone(Tier::Promises) + net.offsets[1] < plan.objectives.promise_lateness_unit_periods);
}

/// Without earlier optima, the MPS of a tier is that tier alone: the same problem as its DIMACS file.
#[test]
fn single_tier_mps_is_the_dimacs_problem() {
    for seed in 1..=2 {
        let (_, net) = tiny(seed);
        for tier in [Tier::Promises, Tier::Value] {
            let text = write_mps(&net, tier, &[]);
            assert!(!text.contains(" L T1"), "{text}");
            let lp = mps::parse(&text).unwrap();
            let opt = lp.solve_min().unwrap().round() as i64;
            let f = read_dimacs(&write_dimacs(&net, tier)).unwrap();
            assert_eq!(opt, flow::solve(&f).unwrap().total_cost, "seed {seed}");
        }
    }
}

fn err(text: &str) -> (usize, DimacsErrorKind) {
    let e = read_dimacs(text).unwrap_err();
    (e.line, e.kind)
}

#[test]
fn dimacs_errors_name_their_line() {
    use DimacsErrorKind as K;
    let ok = "c x\np min 2 1\nn 1 3\nn 2 -3\na 1 2 0 5 7\n";
    let f = read_dimacs(ok).unwrap();
    assert_eq!(flow::solve(&f).unwrap().total_cost, 21);

    assert_eq!(err("p max 2 1\n").1, K::NotMin("max".into()));
    assert_eq!(err("c\np min 2\n"), (2, K::Fields("p min NODES ARCS")));
    assert_eq!(err("n 1 3\n"), (1, K::BeforeProblem));
    assert_eq!(err("p min 2 1\np min 2 1\n"), (2, K::DuplicateProblem));
    assert_eq!(
        err("p min 2 1\nn 3 1\n"),
        (2, K::NodeOutOfRange { id: 3, nodes: 2 })
    );
    assert_eq!(err("p min 2 1\nn 1 1\nn 1 2\n"), (3, K::DuplicateNode(1)));
    assert_eq!(err("p min 2 1\n\na 1 2 1 5 7\n"), (3, K::LowerBound(1)));
    assert_eq!(err("p min 2 1\na 1 2 0 -5 7\n"), (2, K::Capacity(-5)));
    assert_eq!(
        err("p min 2 1\na 1 2 0 5 x\n"),
        (
            2,
            K::Number {
                field: "cost",
                text: "x".into()
            }
        )
    );
    assert_eq!(
        err("p min 2 1\na 1 2 0 5 7\na 1 2 0 5 7\n"),
        (3, K::TooManyArcs(1))
    );
    assert_eq!(
        err("c\np min 2 2\na 1 2 0 5 7\n"),
        (
            2,
            K::TooFewArcs {
                declared: 2,
                found: 1
            }
        )
    );
    assert_eq!(err("p min 2 0\nx 1\n"), (2, K::UnknownLine("x".into())));
    assert_eq!(err("c only\n").1, K::NoProblem);
    let e = read_dimacs("p min 2 1\nn 3 1\n").unwrap_err();
    assert_eq!(e.to_string(), "line 2: node 3 outside 1..=2");
}

/// A file that is not UTF-8 is refused at the line and column of its first bad byte, with its
/// offset in the file, as the scenario and order CSV readers refuse one.
#[test]
fn dimacs_bytes_that_are_not_utf8_are_refused_at_their_line() {
    use netio::read_dimacs_bytes;
    let ok = b"c x\np min 2 1\nn 1 3\nn 2 -3\na 1 2 0 5 7\n";
    assert_eq!(
        flow::solve(&read_dimacs_bytes(ok).unwrap())
            .unwrap()
            .total_cost,
        21
    );
    // "c \u{e9}t\u{e9} \xff": the column counts characters, the offset bytes.
    let bad = b"c x\np min 2 1\nc \xc3\xa9t\xc3\xa9 \xff\nn 1 3\n";
    let e = read_dimacs_bytes(bad).unwrap_err();
    assert_eq!(
        (e.line, e.kind.clone()),
        (
            3,
            DimacsErrorKind::NotUtf8 {
                column: 7,
                byte: 22
            }
        )
    );
    assert_eq!(
        e.to_string(),
        "line 3: not valid UTF-8 at column 7 (byte offset 22 in the file); the file must be UTF-8 text"
    );
    // With CRLF line ends, the same line.
    let crlf = b"c x\r\np min 2 1\r\n\xe9\r\n";
    assert_eq!(read_dimacs_bytes(crlf).unwrap_err().line, 3);
}

/// Counts are bounded, and nothing is allocated for what a file merely declares: a 20-byte file
/// declaring billions of nodes or arcs is refused at once instead of exhausting memory.
#[test]
fn dimacs_counts_are_bounded_whatever_the_file_declares() {
    use netio::{MAX_ARCS, MAX_NODES, MAX_UNNAMED_NODES};
    use DimacsErrorKind as K;
    assert_eq!(
        err("p min 4000000000 0\n"),
        (
            1,
            K::TooLarge {
                what: "node count",
                value: 4_000_000_000,
                limit: MAX_NODES
            }
        )
    );
    assert_eq!(
        err(&format!("c\np min 2 {}\n", MAX_ARCS + 1)),
        (
            2,
            K::TooLarge {
                what: "arc count",
                value: MAX_ARCS + 1,
                limit: MAX_ARCS
            }
        )
    );
    // Within the limits, but almost every node named by no line: refused at the p line.
    let e = read_dimacs(&format!("p min {MAX_NODES} 1\na 1 {MAX_NODES} 0 1 1\n")).unwrap_err();
    assert_eq!(
        (e.line, e.kind),
        (
            1,
            K::UnnamedNodes {
                declared: MAX_NODES,
                unnamed: MAX_NODES - 2,
                limit: MAX_UNNAMED_NODES
            }
        )
    );
    // As many arcs as the limit allows, declared by a file that holds one: too few arcs, and
    // no room was reserved for the rest (this would take gigabytes otherwise).
    assert_eq!(
        err(&format!("p min 2 {MAX_ARCS}\na 1 2 0 1 1\n")),
        (
            1,
            K::TooFewArcs {
                declared: MAX_ARCS,
                found: 1
            }
        )
    );
    // Isolated nodes up to the limit are fine (supply 0, no arcs).
    let n = MAX_UNNAMED_NODES + 2;
    let f = read_dimacs(&format!("p min {n} 1\nn 1 2\nn {n} -2\na 1 {n} 0 2 3\n")).unwrap();
    assert_eq!(f.node_count(), n as usize);
    assert_eq!(flow::solve(&f).unwrap().total_cost, 6);
    assert_eq!(
        err(&format!("p min {} 0\n", n + 1)).1,
        K::UnnamedNodes {
            declared: n + 1,
            unnamed: n + 1,
            limit: MAX_UNNAMED_NODES
        }
    );
}

/// Magnitudes that would overflow the solver's 64-bit sums are refused at the line that brings
/// them in; before, a total cost beyond `i64` was printed wrapped as the "optimal cost".
#[test]
fn dimacs_magnitudes_that_could_overflow_are_refused_at_their_line() {
    use DimacsErrorKind as K;
    // The reviewer's file: cost 2^62 on 2 nodes, 3 units (3 * 2^62 > i64::MAX).
    let limit = i64::MAX / (8 * 3);
    assert_eq!(
        err("p min 2 1\nn 1 3\nn 2 -3\na 1 2 0 10 4611686018427387904\n"),
        (
            4,
            K::Cost {
                cost: 1 << 62,
                limit,
                nodes: 2
            }
        )
    );
    assert_eq!(
        err(&format!("p min 2 1\na 1 2 0 1 {}\n", -limit - 1)).1,
        K::Cost {
            cost: -limit - 1,
            limit,
            nodes: 2
        }
    );
    // The largest cost accepted solves exactly.
    let f = read_dimacs(&format!("p min 2 1\nn 1 1\nn 2 -1\na 1 2 0 1 {limit}\n")).unwrap();
    assert_eq!(flow::solve(&f).unwrap().total_cost, limit);

    // Each cost within bounds, their sum times the flow not: the line of the arc that tips it.
    let c = limit / 2;
    let text = format!(
        "p min 3 3\nn 1 20\nn 3 -20\na 1 2 0 20 {c}\nc between\na 2 3 0 {inf} {c}\na 1 3 0 20 {c}\n",
        inf = flow::INF_CAP
    );
    let e = read_dimacs(&text).unwrap_err();
    assert_eq!(e.line, 6, "{e}");
    // Flow bound: supply 20 plus the finite capacities 20 and 20; the uncapacitated arc counts
    // 60, and 20 + 60 arcs' worth of `c` is beyond i64::MAX.
    assert_eq!(
        e.kind,
        K::CostTotal {
            bound: i128::from(c) * (20 + 60),
            flow_bound: 60
        }
    );
    assert!(e
        .to_string()
        .starts_with("line 6: the arcs up to this one could cost"));
    // With capacities that keep the sum in range, the same costs are fine.
    let f = read_dimacs(&format!(
        "p min 3 3\nn 1 1\nn 3 -1\na 1 2 0 1 {c}\na 2 3 0 1 {c}\na 1 3 0 1 {c}\n"
    ))
    .unwrap();
    assert_eq!(flow::solve(&f).unwrap().total_cost, c);

    // Positive supplies plus finite capacities must stay below INF_CAP (the solver's bound; a
    // total supply beyond it used to reach the solver's assertion).
    let half = flow::INF_CAP / 2 + 1;
    assert_eq!(
        err(&format!(
            "p min 2 1\nn 1 {half}\nn 2 -{half}\na 1 2 0 {half} 1\n"
        )),
        (4, K::FlowTotal { total: 2 * half })
    );
    assert_eq!(
        err(&format!("p min 2 0\nn 1 {inf}\n", inf = flow::INF_CAP)),
        (
            2,
            K::FlowTotal {
                total: flow::INF_CAP
            }
        )
    );
    // An uncapacitated arc adds nothing to that sum.
    let f = read_dimacs(&format!(
        "p min 2 1\nn 1 {half}\nn 2 -{half}\na 1 2 0 {inf} 1\n",
        inf = flow::INF_CAP
    ))
    .unwrap();
    assert_eq!(flow::solve(&f).unwrap().total_cost, half);
}
