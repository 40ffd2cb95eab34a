#!/usr/bin/env bash
# Schema-driven fuzzing of the HTTP API: schemathesis (from PyPI, in its own venv) reads
# /openapi.json from a real server on a fresh demo book and sends generated requests to every
# operation, with a planner token and then with a customer token. Fails on any server error
# (5xx), on a status code, content type or response body the document does not describe.
#
# Needs: cargo, python3 with venv and pip (PyPI reachable). Honours CARGO_TARGET_DIR.
# Env: FUZZ_EXAMPLES (default 40 per operation and phase), FUZZ_SEED (default fixed).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
ARTIFACTS="${ARTIFACTS:-$here/artifacts}"
VENV="${FUZZ_VENV:-$CARGO_TARGET_DIR/fuzz-venv}"
SCHEMATHESIS_VERSION="4.32.5"
EXAMPLES="${FUZZ_EXAMPLES:-40}"
SEED="${FUZZ_SEED:-20261124}"

E2E_NAME=fuzz
# shellcheck source=e2e/common.sh
. "$here/common.sh"

if [ ! -x "$VENV/bin/st" ] || ! "$VENV/bin/pip" show schemathesis 2>/dev/null | grep -q "^Version: $SCHEMATHESIS_VERSION$"; then
  say "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

build_allot
mkdir -p "$ARTIFACTS"

db="$tmp/book.db"
"$ALLOT" demo --db "$db" --now 2026-12 > /dev/null
PLANNER_TOKEN="$(token "$db" --role planner)"
CUSTOMER_TOKEN="$(token "$db" --role customer --customer lab-a)"

# No rate limit here: the fuzzer is meant to be fast, and 429s would hide real answers.
start_server "$ARTIFACTS/fuzz-server.log" --db "$db" --now 2026-12 --rate-limit 0

checks="not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
for who in planner customer; do
  if [ "$who" = planner ]; then t="$PLANNER_TOKEN"; else t="$CUSTOMER_TOKEN"; fi
  say "schemathesis as the $who ($EXAMPLES examples per operation, seed $SEED)"
  "$VENV/bin/st" run "$url/openapi.json" \
    --header "Authorization: Bearer $t" \
    --checks "$checks" \
    --max-examples "$EXAMPLES" \
    --seed "$SEED" \
    --workers 2 \
    --report junit --report-dir "$ARTIFACTS/fuzz-$who"
done
if grep -q "panicked" "$ARTIFACTS/fuzz-server.log"; then
  echo "fuzz: the server log shows a panic" >&2
  exit 1
fi
say "fuzz: no server error, every answer as documented"
