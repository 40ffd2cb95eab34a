#!/usr/bin/env bash
# Browser test of the planner dashboard and the customer portal, end to end:
# builds allot, writes the demo book into a temporary directory, cuts some supply (so a re-plan
# moves promises), creates a planner token and a customer token, serves the book on a free port
# with a fixed planning month, and drives headless Chromium through both pages (e2e/browser.mjs).
# Screenshots and the server log go to e2e/artifacts/. Exits non-zero on any failure.
#
# Needs: cargo, node >= 18 with npm, and Chromium at /usr/bin/chromium (installed with apt-get when
# missing; set CHROMIUM to use another binary). Honours CARGO_TARGET_DIR (default: target/).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
ARTIFACTS="${ARTIFACTS:-$here/artifacts}"
NOW="${ALLOT_E2E_NOW:-2026-12}"          # the planning month: fixed, so every run sees the same plan
CUSTOMER_ID="${ALLOT_E2E_CUSTOMER:-colo-a}" # a demo customer with waitlisted orders

say() { printf '\n== %s\n' "$*"; }

# ---- What is missing gets installed --------------------------------------------------------
if [ ! -x "$CHROMIUM" ]; then
  say "installing Debian's chromium (not found at $CHROMIUM)"
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get install -y chromium || { $sudo apt-get update && $sudo apt-get install -y chromium; }
  CHROMIUM=/usr/bin/chromium
fi
if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
  say "npm ci (playwright-core)"
  (cd "$here" && npm ci --no-audit --no-fund)
fi

say "cargo build -p allot (target: $CARGO_TARGET_DIR)"
(cd "$root" && cargo build -p allot)
ALLOT="$CARGO_TARGET_DIR/debug/allot"

# ---- A fresh book and a server -------------------------------------------------------------
tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  local rc=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  if [ "$rc" != 0 ]; then echo "e2e: FAILED (exit $rc); see $ARTIFACTS" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS"/*.png "$ARTIFACTS"/server.log

say "demo book in $tmp (planning month $NOW)"
db="$tmp/book.db"
"$ALLOT" demo --db "$db" --now "$NOW" > "$tmp/demo.txt"
# A supply cut after the recorded plan: the dashboard then has promises that moved, and why.
"$ALLOT" supply cut --db "$db" --generation trn2 --period 2027-04 --units 3000 \
  --note "e2e: HBM shortfall at a supplier" > /dev/null

token() { "$ALLOT" token create --db "$db" "$@" | grep -E '^allot_' | tail -n 1; }
PLANNER_TOKEN="$(token --role planner)"
CUSTOMER_TOKEN="$(token --role customer --customer "$CUSTOMER_ID")"
if [ -z "$PLANNER_TOKEN" ] || [ -z "$CUSTOMER_TOKEN" ]; then
  echo "e2e: could not create the tokens" >&2
  exit 1
fi

port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});')"
url="http://127.0.0.1:$port"
say "allot serve on $url"
"$ALLOT" serve --db "$db" --addr "127.0.0.1:$port" --now "$NOW" > "$ARTIFACTS/server.log" 2>&1 &
server_pid=$!

node -e '
  const url = process.argv[1], pid = Number(process.argv[2]);
  const deadline = Date.now() + 30000;
  (async () => {
    for (;;) {
      try { process.kill(pid, 0); } catch { console.error("e2e: the server exited; see artifacts/server.log"); process.exit(1); }
      try { const r = await fetch(url + "/healthz"); if (r.ok) return; } catch {}
      if (Date.now() > deadline) { console.error("e2e: no answer from " + url + "/healthz in 30 s"); process.exit(1); }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
' "$url" "$server_pid"

say "browser test (headless $CHROMIUM)"
ALLOT_URL="$url" PLANNER_TOKEN="$PLANNER_TOKEN" CUSTOMER_TOKEN="$CUSTOMER_TOKEN" \
  CUSTOMER_ID="$CUSTOMER_ID" CHROMIUM="$CHROMIUM" ARTIFACTS="$ARTIFACTS" \
  node "$here/browser.mjs"
