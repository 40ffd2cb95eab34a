#!/usr/bin/env bash
# Browser test of the planner dashboard and the customer portal, end to end:
# builds allot, writes the demo book into a temporary directory, cuts some supply (so a re-plan
# moves promises), creates a planner token and a customer token, serves the book on a free port
# with a fixed planning month, and drives headless Chromium through both pages (e2e/browser.mjs).
# Screenshots and the server log go to e2e/artifacts/. Exits non-zero on any failure.
#
# Needs: cargo, curl, node >= 18 with npm, and Chromium at /usr/bin/chromium (installed with apt-get when
# missing; set CHROMIUM to use another binary). Honours CARGO_TARGET_DIR (default: target/).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
ARTIFACTS="${ARTIFACTS:-$here/artifacts}"
NOW="${ALLOT_E2E_NOW:-2026-12}"          # the planning month: fixed, so every run sees the same plan
CUSTOMER_ID="${ALLOT_E2E_CUSTOMER:-colo-a}" # a demo customer with waitlisted orders

E2E_NAME=e2e
# shellcheck source=e2e/common.sh
. "$here/common.sh"

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

build_allot

# ---- A fresh book and a server -------------------------------------------------------------
mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS"/*.png "$ARTIFACTS"/server.log

say "demo book in $tmp (planning month $NOW)"
db="$tmp/book.db"
"$ALLOT" demo --db "$db" --now "$NOW" > "$tmp/demo.txt"
# A supply cut after the recorded plan: the dashboard then has promises that moved, and why.
"$ALLOT" supply cut --db "$db" --generation trn2 --period 2027-04 --units 3000 \
  --note "e2e: HBM shortfall at a supplier" > /dev/null

PLANNER_TOKEN="$(token "$db" --role planner)"
CUSTOMER_TOKEN="$(token "$db" --role customer --customer "$CUSTOMER_ID")"
if [ -z "$PLANNER_TOKEN" ] || [ -z "$CUSTOMER_TOKEN" ]; then
  echo "e2e: could not create the tokens" >&2
  exit 1
fi

say "allot serve (planning month $NOW)"
start_server "$ARTIFACTS/server.log" --db "$db" --now "$NOW"
say "serving on $url"

say "browser test (headless $CHROMIUM)"
ALLOT_URL="$url" PLANNER_TOKEN="$PLANNER_TOKEN" CUSTOMER_TOKEN="$CUSTOMER_TOKEN" \
  CUSTOMER_ID="$CUSTOMER_ID" CHROMIUM="$CHROMIUM" ARTIFACTS="$ARTIFACTS" \
  node "$here/browser.mjs"
