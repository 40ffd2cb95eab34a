"""HiGHS (highspy) on an MPS file; prints JSON on stdout.

usage: python bench/peer_highs.py FILE.mps simplex|ipm THREADS
simplex = dual simplex; ipm = interior point (with crossover, HiGHS' default).
Reports load_ms (read the MPS file) apart from solve_ms.
"""
import json
import sys
import time

import highspy


def main(path, method, threads):
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    if method == "simplex":
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("simplex_strategy", 1)  # dual simplex
        if threads > 1:
            h.setOptionValue("parallel", "on")
    else:
        h.setOptionValue("solver", "ipm")
    t0 = time.perf_counter()
    h.readModel(path)
    t1 = time.perf_counter()
    h.run()
    t2 = time.perf_counter()
    status = h.modelStatusToString(h.getModelStatus())
    lp = h.getLp()
    print(json.dumps({
        "load_ms": (t1 - t0) * 1e3,
        "solve_ms": (t2 - t1) * 1e3,
        "objective": h.getInfo().objective_function_value if status == "Optimal" else None,
        "status": status.lower(),
        "rows": lp.num_row_,
        "cols": lp.num_col_,
    }))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
