# haproxy in front of the API replicas (sourced by cluster.sh). Needs common.sh and cluster_mode.

haproxy_install() { command -v haproxy >/dev/null || apt_install haproxy; }

# haproxy_start PORT REPLICA_PORT... — writes .cluster/haproxy.cfg from the template and starts
# haproxy in the background with its pid in .cluster/run/haproxy.pid.
haproxy_start() {
  local port="$1" cfg="$CLUSTER_DIR/haproxy.cfg" pidfile="$RUN_DIR/haproxy.pid" i=0 replica_port
  shift
  haproxy_install
  if pid_alive "$pidfile" haproxy; then
    echo "    haproxy already running (port $port, pid $(cat "$pidfile"))"
    return
  fi
  {
    sed "s/@PORT@/$port/" "$CLUSTER_SCRIPTS/haproxy.cfg"
    for replica_port in "$@"; do
      i=$((i + 1))
      echo "  server replica-$i 127.0.0.1:$replica_port"
    done
  } >"$cfg"
  haproxy -c -q -f "$cfg" || fail "haproxy rejected $cfg"
  haproxy -D -f "$cfg" -p "$pidfile" >"$LOG_DIR/haproxy.log" 2>&1 ||
    fail "haproxy did not start: see $LOG_DIR/haproxy.log"
  echo "    haproxy started on 127.0.0.1:$port (round robin over $# replicas, config $cfg)"
}

haproxy_stop() { stop_pid "$RUN_DIR/haproxy.pid" haproxy haproxy; }

haproxy_status() {
  if pid_alive "$RUN_DIR/haproxy.pid" haproxy; then
    echo "haproxy    running   pid $(cat "$RUN_DIR/haproxy.pid")   config $CLUSTER_DIR/haproxy.cfg"
  else
    echo "haproxy    stopped"
  fi
}
