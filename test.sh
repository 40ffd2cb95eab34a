#!/usr/bin/env bash
# Every test: the Rust workspace (unit, property, integration, API, crash tests), the benchmark
# script's writing of BENCHMARKS.md (Python standard library), then the browser test of the
# dashboard and the portal (headless Chromium via Playwright), then the schema-driven fuzz run of
# the HTTP API (schemathesis). Installs Chromium, playwright-core and schemathesis when missing
# (see e2e/run.sh and e2e/fuzz.sh). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"

echo "== cargo test --workspace"
cargo test --workspace --locked
echo "== benchmark script (bench/test_bench.py)"
python3 -m unittest discover -s bench -p 'test_*.py'
echo "== browser test (e2e/run.sh)"
bash e2e/run.sh
echo "== API fuzzing (e2e/fuzz.sh)"
bash e2e/fuzz.sh
echo "== all tests passed"
