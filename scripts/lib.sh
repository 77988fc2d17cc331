# Shared helpers for the test, demo and bench scripts. Source it; do not run it.

# start_devserver DATA_DIR [flags...]: starts the devserver on free loopback ports, waits for its
# first stdout line, and sets DEVSERVER_PID, DEVSERVER_HTTP (host:port) and DEVSERVER_S3.
start_devserver() {
  local data_dir=$1; shift
  local bin=${DEVSERVER_BIN:-target/server/devserver}
  local out; out=$(mktemp)
  "$bin" --listen 127.0.0.1:0 --s3-listen 127.0.0.1:0 --data-dir "$data_dir" "$@" \
    >"$out" 2>"${DEVSERVER_LOG:-$data_dir.log}" &
  DEVSERVER_PID=$!
  local line="" i
  for i in $(seq 1 300); do
    line=$(head -n1 "$out" 2>/dev/null || true)
    [ -n "$line" ] && break
    if ! kill -0 "$DEVSERVER_PID" 2>/dev/null; then
      echo "devserver exited early; its log:" >&2; cat "${DEVSERVER_LOG:-$data_dir.log}" >&2; return 1
    fi
    sleep 0.1
  done
  [ -n "$line" ] || { echo "devserver did not start in 30 s" >&2; return 1; }
  DEVSERVER_HTTP=$(node -e 'const l=JSON.parse(process.argv[1]); process.stdout.write(l.http)' "$line")
  DEVSERVER_S3=$(node -e 'const l=JSON.parse(process.argv[1]); process.stdout.write(l.s3 || "")' "$line")
  rm -f "$out"
}

stop_devserver() {
  if [ -n "${DEVSERVER_PID:-}" ] && kill -0 "$DEVSERVER_PID" 2>/dev/null; then
    kill "$DEVSERVER_PID" 2>/dev/null || true
    wait "$DEVSERVER_PID" 2>/dev/null || true
  fi
  DEVSERVER_PID=""
}
