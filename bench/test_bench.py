"""Tests of bench.py's writing of BENCHMARKS.md (standard library only; run by test.sh):
`python3 -m unittest discover -s bench -p 'test_*.py'`."""
import json
import os
import tempfile
import unittest

import bench


def sample(solve_ms, wall_s, rss, sys_s=None, objective=-100):
    s = {"solve_ms": solve_ms, "wall_s": wall_s, "rss_mib": rss, "objective": objective}
    if sys_s is not None:
        s["sys_s"] = sys_s
        s["user_s"] = 2 * sys_s
    return s


def results():
    """Two sizes; the larger has two `allot plan` rows, one of them from a run before the CPU
    columns existed (no user/sys times)."""
    def row(name, samples):
        return bench.summarise(name, "what " + name, ["cmd"], samples)

    small = {"orders": 10, "gen_s": 0.1, "mps": None, "solvers": [
        row("allot", [sample(1.0, 0.01, 5, 0.0)]),
        row("OR-Tools", [sample(4.0, 0.04, 6, 0.01)]),
    ]}
    small["checks"] = bench.check(small["solvers"], False)
    big = {"orders": 1000, "gen_s": 1.0, "mps": None, "solvers": [
        row("allot", [sample(10.0, 0.1, 50, 0.01)]),
        row("allot plan", [sample(2500.0, 2.9, 1000, 0.9, 12345.0),
                           sample(2100.0, 2.4, 1010, 0.2, 12345.0)]),
        row("allot plan, recorded", [sample(2200.0, 3.1, 1200, None, 12345.0)]),
        row("OR-Tools", [sample(40.0, 0.4, 60, 0.02)]),
    ]}
    big["checks"] = bench.check(big["solvers"], False)
    return {"machine": {"cpus": 2, "cpu": "Test CPU"}, "started": "2026-11-25 10:00:00",
            "commit": "abc1234", "command": "bash bench/run.sh --runs 2", "duration_s": 125,
            "sizes": [small, big]}


DOC = f"# Benchmarks\n\nBefore.\n\n{bench.BEGIN}\nold table\n{bench.END}\n\nAfter.\n"


class Block(unittest.TestCase):
    def test_says_where_the_run_comes_from_and_lists_the_big_plan_runs(self):
        text = bench.block(results())
        first = text.splitlines()[0]
        for part in ("`bash bench/run.sh --runs 2`", "2026-11-25 10:00:00", "commit abc1234",
                     "2 CPUs (Test CPU)", "in 2 min"):
            self.assertIn(part, first)
        self.assertIn("| orders | solver |", text)
        self.assertIn("| 1,000 | OR-Tools |", text)
        self.assertIn("4.0x", text)  # OR-Tools / allot at 1,000 orders: 40 ms / 10 ms
        self.assertIn("allot plan, 1,000 orders, run by run: 2.500 s stages, 2.90 s wall, "
                      "0.90 s system, 1,000 MiB; 2.100 s stages, 2.40 s wall, 0.20 s system, "
                      "1,010 MiB.", text)
        # A sample without CPU times still renders, without them.
        self.assertIn("allot plan, recorded, 1,000 orders, run by run: 2.200 s stages, "
                      "3.10 s wall, 1,200 MiB.", text)
        self.assertNotIn("allot plan, 10 orders", text)

    def test_gives_a_short_run_in_seconds_and_an_unknown_one_not_at_all(self):
        r = results()
        r["duration_s"] = 45
        self.assertIn(", in 45 s.", bench.block(r).splitlines()[0])
        del r["duration_s"], r["commit"]
        first = bench.block(r).splitlines()[0]
        self.assertIn("commit unknown", first)
        self.assertNotIn(" in ", first.split("CPUs")[1])


class Prefault(unittest.TestCase):
    def test_the_block_says_whether_memory_was_touched_before_the_runs(self):
        r = results()
        self.assertNotIn("prefault", bench.block(r))  # results from before the option
        r["prefault_kib_per_order"] = 2
        second = bench.block(r).splitlines()[1]
        self.assertIn("`bench/prefault.py` touched 2 KiB per order", second)
        r["prefault_kib_per_order"] = 0
        self.assertIn("`--no-prefault`", bench.block(r).splitlines()[1])

    def test_a_runs_prefault_time_is_listed_beside_it(self):
        r = results()
        plan = next(x for x in r["sizes"][1]["solvers"] if x["solver"] == "allot plan")
        plan["samples"][0]["prefault_sys_s"] = 1.25
        self.assertIn("2.90 s wall, 0.90 s system (prefault 1.25 s system), 1,000 MiB; 2.100 s",
                      bench.block(r))

    def test_touches_more_than_any_solvers_peak_and_nothing_when_asked_not_to(self):
        class A:
            no_prefault = False
            prefault_kib_per_order = 2
        a = A()
        self.assertEqual(bench.prefault_mib(a, 10_000), 256)
        self.assertEqual(bench.prefault_mib(a, 1_000_000), 1953)  # OR-Tools peaks at 1,436 MiB
        a.no_prefault = True
        self.assertEqual(bench.prefault_mib(a, 1_000_000), 0)
        self.assertIsNone(bench.prefault(0))

    def test_the_prefault_script_touches_and_reports_its_system_time(self):
        here = os.path.dirname(os.path.abspath(__file__))
        cwd = os.getcwd()
        os.chdir(os.path.dirname(here))  # bench.prefault runs bench/prefault.py from the root
        try:
            t = bench.prefault(8)
        finally:
            os.chdir(cwd)
        self.assertIsInstance(t, float)
        self.assertGreaterEqual(t, 0.0)


class Replace(unittest.TestCase):
    def test_replaces_only_between_the_markers_and_again_the_same(self):
        once = bench.replace_block(DOC, "new table\n")
        self.assertTrue(once.startswith("# Benchmarks\n\nBefore.\n\n" + bench.BEGIN + "\nnew table\n"))
        self.assertTrue(once.endswith(bench.END + "\n\nAfter.\n"))
        self.assertNotIn("old table", once)
        self.assertEqual(bench.replace_block(once, "new table\n"), once)

    def test_refuses_missing_repeated_or_swapped_markers(self):
        for bad in (DOC.replace(bench.BEGIN, ""), DOC.replace(bench.END, ""),
                    DOC + bench.BEGIN, DOC + bench.END,
                    f"{bench.END}\nx\n{bench.BEGIN}\n"):
            with self.assertRaises(ValueError):
                bench.replace_block(bad, "new\n")

    def test_a_file_without_markers_is_left_as_it_was(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "B.md")
            with open(path, "w") as f:
                f.write("# no markers\n")
            with self.assertRaises(ValueError):
                bench.write_benchmarks(path, results())
            with open(path) as f:
                self.assertEqual(f.read(), "# no markers\n")
            self.assertEqual(os.listdir(d), ["B.md"])

    def test_writes_the_block_into_a_file(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "B.md")
            with open(path, "w") as f:
                f.write(DOC)
            bench.write_benchmarks(path, json.loads(json.dumps(results())))
            with open(path) as f:
                text = f.read()
            self.assertIn("commit abc1234", text)
            self.assertTrue(text.startswith("# Benchmarks\n\nBefore.\n"))
            self.assertTrue(text.endswith("After.\n"))
            self.assertEqual(os.listdir(d), ["B.md"])

    def test_the_projects_benchmarks_file_has_its_markers(self):
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "..", "BENCHMARKS.md")) as f:
            bench.replace_block(f.read(), "")


if __name__ == "__main__":
    unittest.main()
