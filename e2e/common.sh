# Shared by e2e/run.sh and e2e/fuzz.sh (sourced, not run): building allot, a temporary directory
# cleaned up on exit (with the server stopped), tokens, and a server on a free port.
# The caller sets `root`, `ARTIFACTS` and `E2E_NAME` (the word its failure message starts with).

say() { printf '\n== %s\n' "$*"; }

# Builds allot (debug) and sets ALLOT to the binary.
build_allot() {
  say "cargo build -p allot (target: $CARGO_TARGET_DIR)"
  (cd "$root" && cargo build -p allot)
  ALLOT="$CARGO_TARGET_DIR/debug/allot"
}

# A fresh temporary directory in `tmp`; on exit the server (if any) is stopped and it is removed.
tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  local rc=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  if [ "$rc" != 0 ]; then echo "$E2E_NAME: FAILED (exit $rc); see $ARTIFACTS" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# token DB ARGS...: creates a token and prints its secret.
token() {
  local db="$1"
  shift
  "$ALLOT" token create --db "$db" "$@" | grep -E '^allot_' | tail -n 1
}

# start_server LOG ARGS...: `allot serve ARGS` on a port the system picks (port 0); sets
# `server_pid` and `url` once /healthz answers (at most 30 s), fails if the server exits first.
start_server() {
  local log="$1"
  shift
  "$ALLOT" serve --addr 127.0.0.1:0 "$@" > "$log" 2>&1 &
  server_pid=$!
  url=""
  for _ in $(seq 1 300); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "$E2E_NAME: the server exited; see $log" >&2
      return 1
    fi
    if [ -z "$url" ]; then
      url="$(grep -oE 'on http://127\.0\.0\.1:[0-9]+' "$log" | head -n 1 | sed 's/^on //' || true)"
    fi
    if [ -n "$url" ] && curl -fsS "$url/healthz" > /dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  echo "$E2E_NAME: no answer from the server in 30 s; see $log" >&2
  return 1
}
