# Shared helpers for the cluster scripts (sourced, not run): paths, ports, apt installs, pid files.

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER_SCRIPTS="$ROOT_DIR/scripts/cluster"

# --test (CI) keeps its own folder and ports so it never meets a cluster someone runs by hand,
# and trades durability for speed (no fsync, no Redis persistence).
cluster_mode() {
  if [ "${1:-}" = "test" ]; then
    TEST_MODE=1
    CLUSTER_DIR="${CLUSTER_DATA_DIR:-$ROOT_DIR/.cluster/test}"
    PG_PORT="${CLUSTER_PG_PORT:-55433}"
    REDIS_PORT="${CLUSTER_REDIS_PORT:-56380}"
  else
    TEST_MODE=0
    CLUSTER_DIR="${CLUSTER_DATA_DIR:-$ROOT_DIR/.cluster}"
    PG_PORT="${CLUSTER_PG_PORT:-55432}"
    REDIS_PORT="${CLUSTER_REDIS_PORT:-56379}"
  fi
  RUN_DIR="$CLUSTER_DIR/run"
  LOG_DIR="$CLUSTER_DIR/logs"
  mkdir -p "$RUN_DIR" "$LOG_DIR"
}

log() { echo "==> $*"; }
fail() {
  echo "cluster: $*" >&2
  exit 1
}

# apt-get as root or through sudo, like the Chromium step in scripts/test-all.sh.
apt_install() {
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  log "installing Debian's $* with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# A secret made once and kept in the cluster folder (mode 600), so restarts reuse it.
secret_file() {
  local file="$1"
  if [ ! -s "$file" ]; then
    (umask 077 && od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$file")
  fi
  cat "$file"
}

# A live process (a zombie whose parent has not reaped it yet counts as gone).
process_running() {
  kill -0 "$1" 2>/dev/null && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null
}

# True when the pid file names a live process whose command line contains $2: a stale pid file
# (after a reboot the number may belong to someone else) never makes us signal a stranger.
pid_alive() {
  local file="$1" pid
  [ -s "$file" ] || return 1
  pid="$(cat "$file")"
  process_running "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2"
}

# SIGTERM the process of a pid file, SIGKILL after 10 s, then remove the file.
stop_pid() {
  local file="$1" match="$2" name="$3" pid i
  if pid_alive "$file" "$match"; then
    pid="$(cat "$file")"
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
      process_running "$pid" || break
      sleep 0.1
    done
    if process_running "$pid"; then
      echo "    $name did not stop within 10 s: SIGKILL"
      kill -9 "$pid" 2>/dev/null || true
    fi
    echo "    stopped $name (pid $pid)"
  fi
  rm -f "$file"
}

# Waits until an HTTP URL answers 200 (one Node process polls: curl may not be installed).
wait_http() {
  node -e '
    const [url, timeoutS] = process.argv.slice(1);
    const deadline = Date.now() + Number(timeoutS) * 1000;
    const poll = () =>
      fetch(url, { signal: AbortSignal.timeout(2000) }).then(
        (r) => (r.ok ? process.exit(0) : retry()),
        retry,
      );
    const retry = () => (Date.now() > deadline ? process.exit(1) : setTimeout(poll, 500));
    poll();
  ' "$1" "$2"
}
