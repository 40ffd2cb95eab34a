#!/usr/bin/env bash
# Baseline plan times (issue 2): the demo and a generated book of 100,000 orders.
# Usage: bash bench/baseline.sh            (writes bench/out/baseline.md and prints it)
# Each figure is the median of 5 runs of `allot plan --dry-run --json` (solve_ms = build +
# solve + certificate check + explanations, as reported by the binary), plus the whole command's
# wall time and peak RSS from /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p allot
BIN=target/release/allot
OUT=bench/out; mkdir -p "$OUT"
runs=5
measure() { # name db
  local name=$1 db=$2 ms=() wall=() rss=()
  for _ in $(seq $runs); do
    /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$BIN" --db "$db" plan --dry-run --json --brief --now 0 > "$OUT/plan.json"
    ms+=("$(python3 -c 'import json;print(json.load(open("'"$OUT"'/plan.json"))["solve_ms"])')")
    read -r w r < "$OUT/time.txt"; wall+=("$w"); rss+=("$r")
  done
  python3 - "$name" "$OUT/plan.json" "${ms[*]}" "${wall[*]}" "${rss[*]}" <<'PY'
import json, statistics, sys
name, plan, ms, wall, rss = sys.argv[1], json.load(open(sys.argv[2])), *[list(map(float, a.split())) for a in sys.argv[3:]]
s = plan["stats"]
print(f"| {name} | {plan['orders_open']} | {s['nodes']:,} | {s['arcs']:,} | {s['pivots']:,} | {statistics.median(ms):.1f} | {statistics.median(wall):.2f} | {max(rss)/1024:.0f} |")
PY
}
"$BIN" --db "$OUT/demo.db" demo --now 2026-12 > /dev/null
"$BIN" --db "$OUT/gen100k.db" gen --orders 100000 --seed 1 --force > /dev/null
{
  echo "| book | open orders | nodes | arcs | pivots | plan ms (median of $runs) | command wall s | peak RSS MiB |"
  echo "|---|---|---|---|---|---|---|---|"
  measure demo "$OUT/demo.db"
  measure "generated 100k (seed 1)" "$OUT/gen100k.db"
} | tee "$OUT/baseline.md"
