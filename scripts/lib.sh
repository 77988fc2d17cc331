# Shared helpers for the test, demo and bench scripts. Source it; do not run it.

# start_devserver DATA_DIR [flags...]: starts the devserver on free loopback ports, waits for its
# first stdout line, and sets DEVSERVER_PID, DEVSERVER_HTTP (host:port) and DEVSERVER_S3.
# Several at once: with DEVSERVER_PREFIX=NAME (e.g. `DEVSERVER_PREFIX=FAULTY_503 start_devserver
# ...`) it sets NAME_PID, NAME_HTTP and NAME_S3 instead and leaves DEVSERVER_* alone. Every
# server started either way is remembered; stop_all_devservers stops them all (use it in a trap).
DEVSERVER_ALL_PIDS=${DEVSERVER_ALL_PIDS:-}
start_devserver() {
  local data_dir=$1; shift
  local bin=${DEVSERVER_BIN:-target/server/devserver}
  local out; out=$(mktemp)
  "$bin" --listen 127.0.0.1:0 --s3-listen 127.0.0.1:0 --data-dir "$data_dir" "$@" \
    >"$out" 2>"${DEVSERVER_LOG:-$data_dir.log}" &
  local pid=$!
  DEVSERVER_ALL_PIDS="$DEVSERVER_ALL_PIDS $pid"
  local prefix=${DEVSERVER_PREFIX:-DEVSERVER}
  printf -v "${prefix}_PID" '%s' "$pid"
  local line="" i
  for i in $(seq 1 300); do
    line=$(head -n1 "$out" 2>/dev/null || true)
    [ -n "$line" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "devserver exited early; its log:" >&2; cat "${DEVSERVER_LOG:-$data_dir.log}" >&2; return 1
    fi
    sleep 0.1
  done
  [ -n "$line" ] || { echo "devserver did not start in 30 s" >&2; return 1; }
  printf -v "${prefix}_HTTP" '%s' "$(node -e 'const l=JSON.parse(process.argv[1]); process.stdout.write(l.http)' "$line")"
  printf -v "${prefix}_S3" '%s' "$(node -e 'const l=JSON.parse(process.argv[1]); process.stdout.write(l.s3 || "")' "$line")"
  rm -f "$out"
}

# stop_devserver [PREFIX]: stops the server started with that DEVSERVER_PREFIX (default: the
# unprefixed one).
stop_devserver() {
  local var="${1:-DEVSERVER}_PID"
  local pid=${!var:-}
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  printf -v "$var" '%s' ""
}

# stop_all_devservers: stops every server start_devserver started in this shell.
stop_all_devservers() {
  local pid
  for pid in $DEVSERVER_ALL_PIDS; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  DEVSERVER_ALL_PIDS=""
  DEVSERVER_PID=""
}

# start_gateway [flags...]: starts talk-gateway on a free loopback port (the flags name the
# upstream, origins and the environment variables holding its secrets), waits for its first
# stdout line, and sets GATEWAY_PID and GATEWAY_HTTP (host:port); with GATEWAY_PREFIX=NAME it
# sets NAME_PID and NAME_HTTP instead. Its stdout (the listening line, then one JSON line per
# request) and stderr go to GATEWAY_LOG (default: a temp file). stop_all_gateways stops every
# gateway started in this shell.
GATEWAY_ALL_PIDS=${GATEWAY_ALL_PIDS:-}
start_gateway() {
  local bin=${GATEWAY_BIN:-${CARGO_TARGET_DIR:-target}/server/talk-gateway}
  local log=${GATEWAY_LOG:-$(mktemp)}
  "$bin" --listen 127.0.0.1:0 "$@" >"$log" 2>&1 &
  local pid=$!
  GATEWAY_ALL_PIDS="$GATEWAY_ALL_PIDS $pid"
  local prefix=${GATEWAY_PREFIX:-GATEWAY}
  printf -v "${prefix}_PID" '%s' "$pid"
  local line="" i
  for i in $(seq 1 300); do
    line=$(head -n1 "$log" 2>/dev/null || true)
    case "$line" in *'"listening"'*) break ;; esac
    line=""
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "talk-gateway exited early; its log:" >&2; cat "$log" >&2; return 1
    fi
    sleep 0.1
  done
  [ -n "$line" ] || { echo "talk-gateway did not start in 30 s" >&2; return 1; }
  printf -v "${prefix}_HTTP" '%s' "$(node -e 'const l=JSON.parse(process.argv[1]); process.stdout.write(l.http)' "$line")"
}

# stop_all_gateways: stops every gateway start_gateway started in this shell (SIGTERM: each
# lets its running requests finish).
stop_all_gateways() {
  local pid
  for pid in $GATEWAY_ALL_PIDS; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  GATEWAY_ALL_PIDS=""
}
