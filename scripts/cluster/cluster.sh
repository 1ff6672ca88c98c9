#!/usr/bin/env bash
# `npm run cluster`: Atelier's scale-out mode on one machine — Postgres and Redis (installed with
# apt-get when missing), API replicas behind haproxy, and optionally comfy-sim simulators.
#
#   cluster.sh [start] [--sim N] [--replicas N] [--sqlite] [--no-build]
#   cluster.sh stop | status
#   cluster.sh services start|stop|status [--test]   Postgres + Redis only (tests, CI)
#
# Everything lives under .cluster/ (git-ignored): pid files in run/, logs in logs/, the replicas'
# data folder in app/, generated secrets. `stop` signals only the processes its pid files name.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$CLUSTER_SCRIPTS/pg.sh"
source "$CLUSTER_SCRIPTS/redis.sh"
source "$CLUSTER_SCRIPTS/haproxy.sh"

PORT="${PORT:-3000}"
REPLICA_BASE_PORT="${CLUSTER_REPLICA_BASE_PORT:-3100}"
SIM_BASE_PORT="${CLUSTER_SIM_BASE_PORT:-8200}"
BOOT_TIMEOUT_S="${CLUSTER_BOOT_TIMEOUT_S:-90}"

# Writes the URLs to .cluster/env (`set -a; . .cluster/env; set +a`) and prints them.
write_env() {
  local file="$CLUSTER_DIR/env"
  {
    echo "ATELIER_DATABASE_URL=$PG_URL"
    echo "ATELIER_REDIS_URL=$REDIS_URL"
    if [ "$TEST_MODE" = 1 ]; then
      echo "ATELIER_TEST_DATABASE_URL=$PG_URL"
      echo "ATELIER_TEST_REDIS_URL=$REDIS_URL"
    fi
  } >"$file"
  chmod 600 "$file"
  cat "$file"
  echo "(written to $file)"
}

services() {
  local action="${1:-status}" mode=""
  [ "${2:-}" = "--test" ] && mode=test
  cluster_mode "$mode"
  case "$action" in
    start)
      log "starting Postgres and Redis (folder $CLUSTER_DIR)"
      pg_start
      redis_start
      write_env
      ;;
    stop)
      log "stopping Postgres and Redis"
      redis_stop
      pg_stop
      # Test data is thrown away: every CI run starts from empty services.
      if [ "$TEST_MODE" = 1 ] && [ -n "${PG_HOME:-}" ]; then
        rm -rf "$PG_HOME" "$CLUSTER_DIR/redis" "$CLUSTER_DIR/pg.location" "$CLUSTER_DIR/env"
        rmdir "$(dirname "$PG_HOME")" 2>/dev/null || true # the /var/tmp fallback's folder
      fi
      ;;
    status)
      pg_status
      redis_status
      ;;
    *) fail "services takes start, stop or status (got '$action')" ;;
  esac
}

# start_process NAME LOG COMMAND... — runs COMMAND in its own session (Ctrl-C in this terminal or
# the end of `npm run` does not reach it), its pid in run/NAME.pid.
start_process() {
  local name="$1" logfile="$2"
  shift 2
  setsid "$@" >"$logfile" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
}

start_sims() {
  local count="$1" i port
  for i in $(seq 1 "$count"); do
    port=$((SIM_BASE_PORT + i))
    if pid_alive "$RUN_DIR/sim-$i.pid" comfy-sim; then
      echo "    sim-$i already running (port $port)"
      continue
    fi
    mkdir -p "$CLUSTER_DIR/sims/$i"
    start_process "sim-$i" "$LOG_DIR/sim-$i.log" \
      node "$ROOT_DIR/packages/comfy-sim/dist/cli.js" --port "$port" --step-ms 150 \
      --data-dir "$CLUSTER_DIR/sims/$i"
    wait_http "http://127.0.0.1:$port/system_stats" 30 ||
      fail "simulator sim-$i did not answer on port $port: see $LOG_DIR/sim-$i.log"
    echo "    sim-$i on http://127.0.0.1:$port"
  done
}

# One replica at a time, each healthy before the next: the first runs the migrations alone.
start_replica() {
  local index="$1" sims="$2" database="$3"
  local id port pidfile logfile
  id="$(printf "\\x$(printf %x $((96 + index)))")" # 1 → a, 2 → b, …
  port=$((REPLICA_BASE_PORT + index))
  pidfile="$RUN_DIR/replica-$id.pid"
  logfile="$LOG_DIR/replica-$id.log"
  REPLICA_PORTS+=("$port")
  if pid_alive "$pidfile" apps/api/dist/main.js; then
    echo "    replica $id already running (port $port)"
    return
  fi
  local env=(
    PORT="$port"
    ATELIER_REPLICA_ID="$id"
    ATELIER_ROOT_DIR="$CLUSTER_DIR/app"
    ATELIER_TRUST_PROXY=1
    ATELIER_JWT_SECRET="$(secret_file "$CLUSTER_DIR/jwt-secret")"
    ATELIER_ADMIN_PASSWORD="$(secret_file "$CLUSTER_DIR/admin-password")"
    ATELIER_REDIS_URL="$REDIS_URL"
  )
  [ "$database" = postgres ] && env+=(ATELIER_DATABASE_URL="$PG_URL")
  [ "$sims" -gt 0 ] && env+=(COMFY_ENABLED=true COMFY_API_URL="http://127.0.0.1:$((SIM_BASE_PORT + 1))")
  start_process "replica-$id" "$logfile" env "${env[@]}" node "$ROOT_DIR/apps/api/dist/main.js"
  if ! wait_http "http://127.0.0.1:$port/api/health" "$BOOT_TIMEOUT_S"; then
    echo "cluster: replica $id (port $port) was not healthy within $BOOT_TIMEOUT_S s. Its log, $logfile, ends with:" >&2
    tail -n 15 "$logfile" >&2 || true
    echo "(the rest stays up for a look; \`npm run cluster -- stop\` stops everything)" >&2
    exit 1
  fi
  # A build from before Postgres support ignores ATELIER_DATABASE_URL and boots on SQLite: say so.
  if [ "$database" = postgres ] && ! pg_migrated; then
    fail "replica $id is up but created no tables in Postgres: this build does not run on ATELIER_DATABASE_URL yet (issue 16); stop with \`npm run cluster -- stop\`, or try --sqlite"
  fi
  echo "    replica $id on http://127.0.0.1:$port"
}

start() {
  local sims=0 replicas=2 database=postgres build=1 i
  while [ $# -gt 0 ]; do
    case "$1" in
      --sim) sims="${2:?--sim needs a number}"; shift 2 ;;
      --replicas) replicas="${2:?--replicas needs a number}"; shift 2 ;;
      --sqlite) database=sqlite; shift ;;
      --no-build) build=0; shift ;;
      *) fail "unknown option '$1' (start takes --sim N, --replicas N, --sqlite, --no-build)" ;;
    esac
  done
  [[ "$sims" =~ ^[0-9]+$ ]] || fail "--sim takes a number (got '$sims')"
  [[ "$replicas" =~ ^[1-9][0-9]?$ ]] || fail "--replicas takes a number from 1 to 26 (got '$replicas')"
  [ "$replicas" -le 26 ] || fail "--replicas takes a number from 1 to 26"

  if [ "$build" = 1 ]; then
    source "$ROOT_DIR/scripts/bootstrap.sh"
    log "building"
    pnpm run build
  fi
  [ -f "$ROOT_DIR/apps/api/dist/main.js" ] || fail "apps/api/dist/main.js is missing: run without --no-build"

  services start
  mkdir -p "$CLUSTER_DIR/app"
  log "starting $sims simulator(s)"
  start_sims "$sims"
  log "starting $replicas API replica(s) on $database + Redis"
  REPLICA_PORTS=()
  for i in $(seq 1 "$replicas"); do start_replica "$i" "$sims" "$database"; done
  if [ "$sims" -gt 1 ]; then
    local urls=()
    for i in $(seq 2 "$sims"); do urls+=("http://127.0.0.1:$((SIM_BASE_PORT + i))"); done
    node "$CLUSTER_SCRIPTS/register-sims.mjs" "http://127.0.0.1:${REPLICA_PORTS[0]}" \
      "$(cat "$CLUSTER_DIR/admin-password")" "${urls[@]}" || true
  fi
  log "starting haproxy"
  haproxy_start "$PORT" "${REPLICA_PORTS[@]}"
  wait_http "http://127.0.0.1:$PORT/api/health" 30 || fail "no healthy replica behind haproxy on port $PORT"
  echo
  echo "Atelier (scale-out mode) on http://127.0.0.1:$PORT — $replicas replica(s), $sims simulator(s)."
  echo "First admin: admin, password in $CLUSTER_DIR/admin-password (unless the database already had users)."
  echo "Logs in $LOG_DIR; stop everything with: npm run cluster -- stop"
}

stop() {
  cluster_mode
  log "stopping haproxy, replicas and simulators"
  haproxy_stop
  local file name
  for file in "$RUN_DIR"/replica-*.pid; do
    [ -e "$file" ] || continue
    name="$(basename "$file" .pid)"
    stop_pid "$file" apps/api/dist/main.js "$name"
  done
  for file in "$RUN_DIR"/sim-*.pid; do
    [ -e "$file" ] || continue
    name="$(basename "$file" .pid)"
    stop_pid "$file" comfy-sim "$name"
  done
  services stop
}

status() {
  cluster_mode
  services status
  haproxy_status
  local file name
  for file in "$RUN_DIR"/replica-*.pid "$RUN_DIR"/sim-*.pid; do
    [ -e "$file" ] || continue
    name="$(basename "$file" .pid)"
    if pid_alive "$file" node; then
      printf '%-10s running   pid %s   log %s\n' "$name" "$(cat "$file")" "$LOG_DIR/$name.log"
    else
      printf '%-10s exited    log %s\n' "$name" "$LOG_DIR/$name.log"
    fi
  done
}

command="${1:-start}"
[ $# -gt 0 ] && shift
case "$command" in
  start | stop | status) "$command" "$@" ;;
  services) services "$@" ;;
  --*) start "$command" "$@" ;;
  *) fail "unknown command '$command' (start, stop, status or services start|stop|status)" ;;
esac
