#!/usr/bin/env bash
# The benchmark (issue 3): allot against OR-Tools and HiGHS on the same planning networks.
#
#   bash bench/run.sh            # 10k, 30k, 100k, 300k, 1M orders; peers at 10k, 100k, 1M; HiGHS at 10k
#   bash bench/run.sh --quick    # 10k only; HiGHS once, 1 thread (a few minutes)
#   bash bench/run.sh --sizes "10000 100000" --runs 3 --highs-runs 1   (HiGHS: ~1 min a run at 10k)
#   bash bench/run.sh --no-prefault ... # do not touch memory before each run (bench/prefault.py says why it does)
#   bash bench/run.sh --no-update ...   # leave BENCHMARKS.md and docs/scaling.png as they are
#                                       # (the curve goes to bench/out/scaling.png; --quick likewise)
#
# Builds allot in release, installs the pinned peers (bench/requirements.txt) into bench/.venv,
# then bench/bench.py generates each book (`allot gen --seed 1`), exports its value-tier network
# (`allot network`, DIMACS and MPS), runs every solver as its own process (5 runs, peak RSS and
# user/system CPU time from /usr/bin/time), checks that the objectives agree exactly and writes bench/out/results.json,
# bench/out/table.md, and the table (with the command, date, commit and CPU) between the markers of
# BENCHMARKS.md; bench/plot.py draws docs/scaling.png (bench/out/scaling.png with --no-update).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES="10000 30000 100000 300000 1000000"
PEERS="10000 100000 1000000"
HIGHS_THREADS="1 2"
RUNS=5
HIGHS_RUNS=5
UPDATE=1
PREFAULT=()
COMMAND="bash bench/run.sh${*:+ $*}"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) SIZES="10000"; PEERS="10000"; HIGHS_THREADS="1"; HIGHS_RUNS=1; UPDATE=0 ;;
    --no-update) UPDATE=0 ;;
    --no-prefault) PREFAULT=(--no-prefault) ;;
    --sizes) SIZES="$2"; shift ;;
    --runs) RUNS="$2"; HIGHS_RUNS="$2"; shift ;;
    --highs-runs) HIGHS_RUNS="$2"; shift ;;
    *) echo "usage: bash bench/run.sh [--quick] [--no-update] [--sizes \"N ...\"] [--runs R] [--highs-runs R] [--no-prefault]" >&2; exit 2 ;;
  esac
  shift
done

TARGET="${CARGO_TARGET_DIR:-target}"
echo "== building allot (release)"
cargo build --release -q -p allot
# Stand-in for `allot network` / `allot solve` when the binary has no such subcommands.
cargo build --release -q -p netio --example export

VENV=bench/.venv
if [ ! -f "$VENV/.installed" ] || ! cmp -s bench/requirements.txt "$VENV/.installed"; then
  echo "== installing the peers into $VENV (pinned in bench/requirements.txt)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -r bench/requirements.txt
  cp bench/requirements.txt "$VENV/.installed"
fi

mkdir -p bench/out docs
UPDATE_ARGS=()
if [ "$UPDATE" = 1 ]; then
  UPDATE_ARGS=(--benchmarks BENCHMARKS.md)
fi
"$VENV/bin/python" bench/bench.py --bin "$TARGET/release/allot" \
  --example "$TARGET/release/examples/export" \
  --sizes $SIZES --peer-sizes $PEERS --highs-sizes 10000 --highs-threads $HIGHS_THREADS \
  --runs "$RUNS" --highs-runs "$HIGHS_RUNS" --command "$COMMAND" ${PREFAULT[@]+"${PREFAULT[@]}"} \
  ${UPDATE_ARGS[@]+"${UPDATE_ARGS[@]}"}
# The committed curve belongs with the table in BENCHMARKS.md: a run that leaves the table alone
# draws its curve beside its results instead.
if [ "$UPDATE" = 1 ]; then
  "$VENV/bin/python" bench/plot.py bench/out/results.json docs/scaling.png
else
  "$VENV/bin/python" bench/plot.py bench/out/results.json bench/out/scaling.png
fi
