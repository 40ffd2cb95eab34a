"""The benchmark driver behind bench/run.sh: allot against OR-Tools and HiGHS on the same networks.

For each size it generates a book, exports its planning network (value tier: DIMACS for the
network solvers, MPS for the LP solver), runs every solver as a separate process `runs` times under
/usr/bin/time (peak RSS, and the CPU time spent in the process and in the kernel for it), checks
that the value-tier objectives agree exactly, and writes bench/out/results.json and
bench/out/table.md, and (with --benchmarks) the table between the markers of BENCHMARKS.md.
bench/plot.py draws docs/scaling.png from the JSON.

`bench.py render RESULTS --benchmarks FILE` writes that block again from a results file.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

OUT = "bench/out"
PY = sys.executable
BEGIN = "<!-- bench:begin (written by bench/run.sh; edit outside the markers) -->"
END = "<!-- bench:end -->"


def sh(cmd, **kw):
    print("  $", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)


def measured(cmd, stdout_path, timeout):
    """Runs cmd with stdout to a file; returns (wall s, peak RSS MiB, user CPU s, system CPU s)
    or raises. The system time is mostly the kernel zeroing the fresh memory the run touches:
    on a virtual machine it varies widely from run to run, and it is part of the wall time."""
    tfile = f"{OUT}/time.txt"
    t0 = time.perf_counter()
    with open(stdout_path, "wb") as out:
        subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", tfile, *cmd], stdout=out,
                       stderr=subprocess.DEVNULL, check=True, timeout=timeout)
    wall = time.perf_counter() - t0
    rss_kib, user, system = open(tfile).read().split()[-3:]
    return wall, int(rss_kib) / 1024, float(user), float(system)


def prefault(mib):
    """Touches `mib` MiB in a process of its own right before a measured run (bench/prefault.py
    says why); returns the system time it took, which shows how cold the host's memory was."""
    if mib <= 0:
        return None
    r = subprocess.run([PY, "bench/prefault.py", str(mib)], capture_output=True, text=True,
                       check=True)
    m = re.search(r"([0-9.]+) s system", r.stdout)
    return float(m.group(1)) if m else None


def prefault_mib(a, n):
    """MiB to touch before a run at `n` orders: above every solver's peak (1,436 MiB for
    OR-Tools at 1M orders), at least 256."""
    return 0 if a.no_prefault else max(256, a.prefault_kib_per_order * n // 1024)


def last_json(path):
    """The last line of a file that parses as JSON (solvers may print a banner first)."""
    for line in reversed(open(path, "rb").read().decode().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError(f"{path}: no JSON line")


def plan_fields(path):
    """solve_ms and objectives of `allot plan --json` (read by pattern: the plan of 1M orders is big)."""
    text = open(path, "rb").read()

    def field(name):
        m = re.search(rb'"' + name.encode() + rb'"\s*:\s*(-?[0-9.]+)', text)
        return float(m.group(1)) if m else None

    return {
        "solve_ms": field("solve_ms"),
        "objective": field("tier3_value_usd"),
        "tier1": field("tier1_commitment_shortfall_usd"),
        "tier2": field("tier2_promise_lateness_unit_periods"),
        "nodes": field("nodes"),
        "arcs": field("arcs"),
    }


def has_subcommand(binary, name):
    r = subprocess.run([binary, name, "--help"], capture_output=True)
    return r.returncode == 0


def solvers(a, n, db, dimacs, mps):
    """(name, what, command, parser) for size n."""
    allot_solve = ([a.bin, "solve", "--dimacs", dimacs, "--json"] if a.allot_solve
                   else [a.example, "solve", "--dimacs", dimacs])
    out = [
        ("allot", "value tier, DIMACS", allot_solve, last_json),
        ("allot plan", "3 tiers + certificate, from the book",
         [a.bin, "--db", db, "plan", "--dry-run", "--json", "--brief", "--now", "0"], plan_fields),
        # The same plan, recorded in the book as `allot plan` does (the first run records the
        # generated book's promises anew; the later ones record the same plan again).
        ("allot plan, recorded", "the same, and its promises written to the book",
         [a.bin, "--db", db, "plan", "--json", "--brief", "--now", "0"], plan_fields),
    ]
    if n in a.peer_sizes:
        out.append(("OR-Tools", "SimpleMinCostFlow, DIMACS",
                    [PY, "bench/peer_ortools.py", dimacs], last_json))
    if n in a.highs_sizes:
        for method, label in (("simplex", "dual simplex"), ("ipm", "interior point")):
            for threads in a.highs_threads:
                out.append((f"HiGHS {label} {threads}t", f"{label}, {threads} thread(s), MPS",
                            [PY, "bench/peer_highs.py", mps, method, str(threads)], last_json))
    return out


def run_size(a, n):
    db, dimacs, mps = f"{OUT}/{n}.db", f"{OUT}/{n}.t3.min", f"{OUT}/{n}.t3.mps"
    print(f"== {n} orders", flush=True)
    t0 = time.perf_counter()
    sh([a.bin, "--db", db, "gen", "--orders", str(n), "--seed", str(a.seed), "--force"],
       stdout=subprocess.DEVNULL)
    gen_s = time.perf_counter() - t0
    want_mps = n in a.highs_sizes
    if a.allot_network:
        sh([a.bin, "--db", db, "network", "--format", "dimacs", "--tier", "3", "-o", dimacs])
        if want_mps:
            sh([a.bin, "--db", db, "network", "--format", "mps", "--tier", "3", "--alone", "-o", mps])
    else:  # stand-in: the same generated book, built in process by the netio example
        sh([a.example, "export", "--orders", str(n), "--seed", str(a.seed), "--tier", "3",
            "--dimacs", dimacs] + (["--mps", mps] if want_mps else []))
    rows = []
    for name, what, cmd, parse in solvers(a, n, db, dimacs, mps):
        runs = a.highs_runs if name.startswith("HiGHS") else a.runs
        samples = []
        for i in range(runs):
            stdout = f"{OUT}/{n}.{name.replace(' ', '_')}.out"
            warm_sys = prefault(prefault_mib(a, n))
            try:
                wall, rss, user, system = measured(cmd, stdout, a.timeout)
            except subprocess.TimeoutExpired:
                print(f"  {name}: timed out after {a.timeout} s", flush=True)
                samples.append({"timeout": True})
                break
            r = parse(stdout)
            r.update(wall_s=wall, rss_mib=rss, user_s=user, sys_s=system, prefault_sys_s=warm_sys)
            samples.append(r)
            print(f"  {name} run {i + 1}/{runs}: wall {wall:.2f} s, solve {r['solve_ms']:.0f} ms, "
                  f"CPU {user:.2f} user + {system:.2f} sys s, RSS {rss:.0f} MiB, "
                  f"objective {r['objective']}", flush=True)
        rows.append(summarise(name, what, cmd, samples))
    lex = want_mps and mps_is_lexicographic(mps)
    return {"orders": n, "gen_s": gen_s, "prefault_mib": prefault_mib(a, n),
            "mps": None if not want_mps else
            "tier 3 with tiers 1-2 fixed at allot's optima" if lex else "tier 3 alone",
            "solvers": rows, "checks": check(rows, lex)}


def mps_is_lexicographic(path):
    """Whether the MPS file bounds earlier tiers (rows T1, T2): then its optimum is the plan's value."""
    with open(path) as f:
        for line in f:
            if line.startswith("COLUMNS"):
                return False
            if line.split() == ["L", "T1"]:
                return True
    return False


def summarise(name, what, cmd, samples):
    ok = [s for s in samples if not s.get("timeout")]
    def med(k):
        values = [s[k] for s in ok if s.get(k) is not None]
        return statistics.median(values) if values else None
    objectives = sorted({s["objective"] for s in ok if s.get("objective") is not None})
    return {
        "solver": name, "what": what, "command": " ".join(cmd), "runs": len(ok),
        "timed_out": len(ok) < len(samples),
        "wall_s": med("wall_s"), "load_ms": med("load_ms") if ok and "load_ms" in ok[0] else None,
        "solve_ms": med("solve_ms"), "rss_mib": max((s["rss_mib"] for s in ok), default=None),
        "user_s": med("user_s"), "sys_s": med("sys_s"),
        "objective": objectives[0] if len(objectives) == 1 else objectives or None,
        "samples": samples,
    }


def check(rows, mps_lex):
    """The value-tier objectives of allot, OR-Tools and HiGHS (rounded) agree exactly.

    The DIMACS file is tier 3 alone: its optimum is `allot solve`'s. An MPS file with tiers 1-2
    fixed has the lexicographic optimum instead: minus the value of allot's plan."""
    by = {r["solver"]: r["objective"] for r in rows}
    checks = []
    for r in rows:
        if r["solver"].startswith("allot plan") or r["objective"] is None:
            continue
        lex = r["solver"].startswith("HiGHS") and mps_lex
        ref = -by["allot plan"] if lex else by["allot"]
        obj = r["objective"]
        got = round(obj) if isinstance(obj, float) else obj
        checks.append({"solver": r["solver"], "objective": got,
                       "reference": "-(allot plan value)" if lex else "allot solve",
                       "agrees": ref is not None and got == round(ref)})
    return checks


def fmt(x, scale=1.0, digits=2):
    return "-" if x is None else f"{x * scale:,.{digits}f}"


def table(results):
    lines = [
        "| orders | solver | what | runs | load s | solve s | wall s | CPU user / sys s | "
        "peak RSS MiB | solve / allot | wall / allot | objective (value tier: USD = -objective) |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for size in sorted(results["sizes"], key=lambda s: s["orders"]):
        rows = size["solvers"]
        base = next(r for r in rows if r["solver"] == "allot")
        for r in rows:
            ratio = lambda k: (r[k] / base[k]) if r[k] and base[k] else None
            obj = r["objective"]
            if r["solver"].startswith("allot plan"):
                objs = f"3 tiers; value USD {obj:,.0f}" if obj is not None else "-"
            else:
                ok = next((c["agrees"] for c in size["checks"] if c["solver"] == r["solver"]), False)
                objs = f"{round(obj):,} {'(agrees)' if ok else '(DIFFERS)'}" if obj is not None else "-"
            lines.append(
                f"| {size['orders']:,} | {r['solver']} | {r['what']} | {r['runs']} | "
                f"{fmt(r['load_ms'], 1e-3, 3)} | {fmt(r['solve_ms'], 1e-3, 3)} | {fmt(r['wall_s'])} | "
                f"{fmt(r.get('user_s'))} / {fmt(r.get('sys_s'))} | {fmt(r['rss_mib'], 1, 0)} | {fmt(ratio('solve_ms'), 1, 1)}x | {fmt(ratio('wall_s'), 1, 1)}x | "
                f"{objs}{' (timed out)' if r['timed_out'] else ''} |")
    return "\n".join(lines) + "\n"


def block(results):
    """The generated part of BENCHMARKS.md: where the run comes from, the table, and each run of
    `allot plan` at the largest size."""
    m = results.get("machine", {})
    seconds = results.get("duration_s")
    lines = [
        f"Written by `{results.get('command', 'bash bench/run.sh')}` on {results.get('started', '?')}, "
        f"commit {results.get('commit', 'unknown')}, {m.get('cpus', '?')} CPUs "
        f"({m.get('cpu') or 'CPU model unknown'})"
        + (f", in {seconds:.0f} s" if seconds and seconds < 120 else
           f", in {seconds / 60:.0f} min" if seconds else "") + ".",
    ]
    kib = results.get("prefault_kib_per_order")
    if kib:
        lines.append(
            f"Before every measured run of every solver, `bench/prefault.py` touched {kib} KiB "
            "per order (at least 256 MiB) in a process of its own, so that each run finds its "
            "memory backed by the host (see the notes below the table).")
    elif kib == 0:
        lines.append("Measured without touching memory before the runs (`--no-prefault`).")
    lines += ["", table(results).rstrip("\n")]
    if results["sizes"]:
        big = max(results["sizes"], key=lambda s: s["orders"])
        for r in big["solvers"]:
            runs = [x for x in r["samples"] if not x.get("timeout")]
            if not r["solver"].startswith("allot plan") or not runs:
                continue
            lines.append("")
            lines.append(
                f"{r['solver']}, {big['orders']:,} orders, run by run: "
                + "; ".join(
                    f"{x['solve_ms'] / 1e3:.3f} s stages, {x['wall_s']:.2f} s wall"
                    + (f", {x['sys_s']:.2f} s system" if x.get("sys_s") is not None else "")
                    + (f" (prefault {x['prefault_sys_s']:.2f} s system)"
                       if x.get("prefault_sys_s") is not None else "")
                    + f", {x['rss_mib']:,.0f} MiB"
                    for x in runs)
                + ".")
    return "\n".join(lines) + "\n"


def replace_block(text, new):
    """`text` with the part between the markers replaced by `new`; ValueError when the markers
    are missing, repeated or out of order."""
    if text.count(BEGIN) != 1 or text.count(END) != 1:
        raise ValueError(f"expected the markers {BEGIN!r} and {END!r} once each")
    i = text.index(BEGIN) + len(BEGIN)
    j = text.index(END)
    if j < i:
        raise ValueError(f"{END!r} comes before {BEGIN!r}")
    return text[:i] + "\n" + new + text[j:]


def write_benchmarks(path, results):
    """Replaces the generated block of `path`: the file is written whole or not at all."""
    with open(path) as f:
        text = f.read()
    new = replace_block(text, block(results))
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        f.write(new)
    os.replace(tmp, path)


def provenance():
    """The commit (marked when tracked files have local changes) and the CPU model."""
    def git(*args):
        try:
            r = subprocess.run(["git", *args], capture_output=True, text=True)
        except OSError:
            return None
        return r.stdout.strip() if r.returncode == 0 else None
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += " with local changes"
    cpu = None
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), None)
    except OSError:
        pass
    return commit, cpu


def render_main(argv):
    p = argparse.ArgumentParser(prog="bench.py render",
                                description="Writes the BENCHMARKS.md block from a results file.")
    p.add_argument("results")
    p.add_argument("--benchmarks", required=True)
    a = p.parse_args(argv)
    with open(a.results) as f:
        results = json.load(f)
    try:
        write_benchmarks(a.benchmarks, results)
    except ValueError as e:
        sys.exit(f"{a.benchmarks}: {e}")
    print(f"wrote the block of {a.benchmarks}")


def main():
    if sys.argv[1:2] == ["render"]:
        return render_main(sys.argv[2:])
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--bin", required=True)
    p.add_argument("--example", required=True, help="the netio export example (stand-in)")
    p.add_argument("--sizes", type=int, nargs="+", required=True)
    p.add_argument("--peer-sizes", type=int, nargs="+", required=True)
    p.add_argument("--highs-sizes", type=int, nargs="*", default=[10000])
    p.add_argument("--highs-threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--highs-runs", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--timeout", type=float, default=3600)
    p.add_argument("--prefault-kib-per-order", type=int, default=2,
                   help="before every measured run, touch this many KiB per order (at least 256 "
                        "MiB) in a process of its own (see bench/prefault.py)")
    p.add_argument("--no-prefault", action="store_true", help="measure from whatever memory the "
                   "host holds (no touching before runs)")
    p.add_argument("--benchmarks", help="write the table between the markers of this file")
    p.add_argument("--command", default="bash bench/run.sh", help="the command to cite")
    a = p.parse_args()
    if a.benchmarks:
        # Checked first: a run of many minutes should not end on a file it cannot write.
        try:
            with open(a.benchmarks) as f:
                replace_block(f.read(), "")
        except (OSError, ValueError) as e:
            sys.exit(f"{a.benchmarks}: {e}")
    a.allot_solve = has_subcommand(a.bin, "solve")
    a.allot_network = has_subcommand(a.bin, "network")
    os.makedirs(OUT, exist_ok=True)
    commit, cpu = provenance()
    t_start = time.perf_counter()
    results = {
        "machine": {"cpus": os.cpu_count(), "uname": " ".join(os.uname()), "cpu": cpu},
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "commit": commit, "command": a.command,
        "seed": a.seed, "runs": a.runs, "highs_runs": a.highs_runs,
        "prefault_kib_per_order": 0 if a.no_prefault else a.prefault_kib_per_order,
        "allot_solve": "allot solve" if a.allot_solve else "netio example (stand-in for allot solve)",
        "export": "allot network" if a.allot_network else "netio example (stand-in for allot network)",
        "sizes": [],
    }
    for n in a.sizes:
        results["sizes"].append(run_size(a, n))
        with open(f"{OUT}/results.json", "w") as f:  # after every size: partial results survive
            json.dump(results, f, indent=1)
        with open(f"{OUT}/table.md", "w") as f:
            f.write(table(results))
    results["duration_s"] = time.perf_counter() - t_start
    with open(f"{OUT}/results.json", "w") as f:
        json.dump(results, f, indent=1)
    print(open(f"{OUT}/table.md").read())
    if a.benchmarks:
        write_benchmarks(a.benchmarks, results)
        print(f"wrote the table into {a.benchmarks}")
    bad = [(s["orders"], c["solver"]) for s in results["sizes"] for c in s["checks"] if not c["agrees"]]
    if bad:
        sys.exit(f"objectives differ: {bad}")


if __name__ == "__main__":
    main()
