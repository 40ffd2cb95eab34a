"""Scaling plot from bench/out/results.json: plan time and peak memory against book size.

usage: python bench/plot.py [bench/out/results.json] [docs/scaling.png]
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SERIES = [  # solver name in results.json, label, style
    ("allot plan", "allot plan (3 tiers + certificate)", "o-"),
    ("allot", "allot, value tier (DIMACS)", "s--"),
    ("OR-Tools", "OR-Tools SimpleMinCostFlow, value tier", "^:"),
]


def main(src="bench/out/results.json", dst="docs/scaling.png"):
    res = json.load(open(src))
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, label, style in SERIES:
        pts = sorted(((s["orders"], r) for s in res["sizes"] for r in s["solvers"]
                      if r["solver"] == name and r["runs"] > 0), key=lambda p: p[0])
        if not pts:
            continue
        xs = [n for n, _ in pts]
        ax_t.plot(xs, [r["solve_ms"] / 1e3 for _, r in pts], style, label=label)
        ax_m.plot(xs, [r["rss_mib"] for _, r in pts], style, label=label)
    for ax, title, unit in ((ax_t, "plan / solve time (median of runs)", "seconds"),
                            (ax_m, "peak memory of the process", "MiB (peak RSS)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("orders in the book")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    ax_t.legend(fontsize=8)
    fig.suptitle(f"allot scaling (generated books, seed {res['seed']}; {res['machine']['cpus']} CPUs)")
    fig.tight_layout()
    fig.savefig(dst, dpi=120)
    print(f"wrote {dst}")


if __name__ == "__main__":
    main(*sys.argv[1:])
