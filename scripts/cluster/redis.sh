# Redis for the cluster (sourced by cluster.sh): our own port on 127.0.0.1 and data folder.
# Needs common.sh and cluster_mode first.

redis_install() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || apt_install redis-server
}

redis_start() {
  local pidfile="$RUN_DIR/redis.pid" persistence
  redis_install
  REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
  if pid_alive "$pidfile" redis-server; then
    echo "    redis already running (port $REDIS_PORT, pid $(cat "$pidfile"))"
    return
  fi
  mkdir -p "$CLUSTER_DIR/redis"
  # Append-only file for a cluster run by hand; nothing on disk for tests.
  persistence=(--appendonly yes --save "")
  [ "$TEST_MODE" = 1 ] && persistence=(--appendonly no --save "")
  # noeviction: BullMQ's queues must never lose keys under memory pressure.
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes \
    --dir "$CLUSTER_DIR/redis" --daemonize yes --pidfile "$pidfile" \
    --logfile "$LOG_DIR/redis.log" --maxmemory-policy noeviction "${persistence[@]}"
  local i
  for i in $(seq 1 100); do
    [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
  done
  [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] ||
    fail "redis did not answer on port $REDIS_PORT: see $LOG_DIR/redis.log"
  echo "    redis started (port $REDIS_PORT, data in $CLUSTER_DIR/redis, log $LOG_DIR/redis.log)"
}

redis_stop() { stop_pid "$RUN_DIR/redis.pid" redis-server redis; }

redis_status() {
  if pid_alive "$RUN_DIR/redis.pid" redis-server; then
    echo "redis      running   127.0.0.1:$REDIS_PORT   pid $(cat "$RUN_DIR/redis.pid")"
  else
    echo "redis      stopped"
  fi
}
