"""OR-Tools SimpleMinCostFlow on a DIMACS min-cost-flow file; prints JSON on stdout.

usage: python bench/peer_ortools.py FILE.min
Reports load_ms (parse the file and build the solver's graph) apart from solve_ms.
"""
import json
import sys
import time

import numpy as np
from ortools.graph.python import min_cost_flow


def read_dimacs(path):
    """(node count, node ids, supplies, tails, heads, capacities, costs), 0-based ids."""
    nodes, n_lines, a_lines = 0, [], []
    with open(path, "rb") as f:
        for line in f:
            tag = line[:1]
            if tag == b"a":
                a_lines.append(line[2:])
            elif tag == b"n":
                n_lines.append(line[2:])
            elif tag == b"p":
                nodes = int(line.split()[2])
    arcs = np.array(b" ".join(a_lines).split(), dtype=np.int64).reshape(-1, 5)
    sup = np.array(b" ".join(n_lines).split(), dtype=np.int64).reshape(-1, 2)
    return nodes, sup[:, 0] - 1, sup[:, 1], arcs[:, 0] - 1, arcs[:, 1] - 1, arcs[:, 3], arcs[:, 4]


def main(path):
    t0 = time.perf_counter()
    nodes, ids, supplies, tails, heads, caps, costs = read_dimacs(path)
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    smcf.set_nodes_supplies(ids, supplies)
    t1 = time.perf_counter()
    status = smcf.solve()
    t2 = time.perf_counter()
    ok = status == smcf.OPTIMAL
    print(json.dumps({
        "load_ms": (t1 - t0) * 1e3,
        "solve_ms": (t2 - t1) * 1e3,
        "objective": smcf.optimal_cost() if ok else None,
        "status": "optimal" if ok else f"status {status}",
        "nodes": nodes,
        "arcs": int(tails.shape[0]),
    }))


if __name__ == "__main__":
    main(sys.argv[1])
