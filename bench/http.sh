#!/usr/bin/env bash
# HTTP load on loopback with wrk (Debian package): available-to-promise queries and durable order
# placements against `allot serve` on a fresh demo book (release build, rate limit off).
# Prints a Markdown table and writes it to bench/out/http.md; also checks that every placement
# wrk saw acknowledged (201) is in the database afterwards.
#
#   bash bench/http.sh [--duration 15] [--threads 2]
#
# Promise queries run at 32 and at 64 connections, placements at 64. The server runs with its
# defaults (access log on, at info, to a file) except the rate limit, which is off.
#
# Note: wrk and the server share this machine's cores; the figures are for both together.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
DURATION=15 THREADS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null 2>&1 || apt-get install -y -qq wrk >/dev/null
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
(cd "$root" && cargo build --release -p allot)
ALLOT="$CARGO_TARGET_DIR/release/allot"
out="$here/out"; mkdir -p "$out"
tmp="$(mktemp -d)"; pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

db="$tmp/book.db"
"$ALLOT" demo --db "$db" --now 2026-12 > /dev/null
TOKEN="$("$ALLOT" token create --db "$db" --role customer --customer lab-a | grep -E '^allot_' | tail -n 1)"
export TOKEN SKU=trn2-server
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$ALLOT" serve --db "$db" --addr "127.0.0.1:$port" --now 2026-12 --rate-limit 0 > "$out/http-server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && break; sleep 0.1; done
# Warm the plan cache (the first promise query plans the book).
curl -fsS -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$port/api/promise?sku=$SKU&qty=1" > /dev/null

run() { # name script connections
  wrk -t"$THREADS" -c"$3" -d"${DURATION}s" --latency -s "$here/http/$2" "http://127.0.0.1:$port" > "$out/wrk-$1.txt" 2>&1
  local rps p50 p99 non2xx reqs
  rps="$(awk '/^Requests\/sec:/ {print $2}' "$out/wrk-$1.txt")"
  p50="$(awk '/^p50_us/ {print $2}' "$out/wrk-$1.txt")"
  p99="$(awk '/^p50_us/ {print $4}' "$out/wrk-$1.txt")"
  non2xx="$(awk '/^non-2xx:/ {print $2}' "$out/wrk-$1.txt")"
  reqs="$(awk '/requests in/ {print $1}' "$out/wrk-$1.txt")"
  printf '| %s | %s | %s | %.0f | %.2f | %.2f | %s |\n' "$1" "$3" "$reqs" "$rps" "$(echo "$p50/1000" | bc -l)" "$(echo "$p99/1000" | bc -l)" "$non2xx"
}
{
  echo "| load (${THREADS} wrk threads, ${DURATION} s each) | connections | requests | req/s | p50 ms | p99 ms | non-2xx |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  run promise promise.lua 32
  run promise-64 promise.lua 64
  run place place.lua 64
} | tee "$out/http.md"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
# Durability: every placement wrk saw acknowledged is in the file after the server stopped.
acked="$(awk '/requests in/ {r=$1} /^non-2xx:/ {n=$2} END {print r-n}' "$out/wrk-place.txt")"
stored="$("$ALLOT" history --db "$db" --json | grep -c '"kind":"order_placed"' || true)"
echo
echo "placements acknowledged (201) by wrk: $acked; order_placed events in the file: $stored"
if [ "$stored" -lt "$acked" ]; then echo "FAIL: acknowledged placements are missing" >&2; exit 1; fi
