# Postgres for the cluster (sourced by cluster.sh): our own data folder and port on 127.0.0.1,
# never the machine's default cluster. Needs common.sh and cluster_mode first.

# Debian's binaries, not whatever a PATH symlink points to (a CI machine has no /usr/local/bin ones).
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

pg_install() {
  if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/postgres" ]; then
    apt_install postgresql postgresql-client
  fi
  PG_BIN="$(pg_bin)"
  [ -x "$PG_BIN/postgres" ] || fail "no postgres binary under /usr/lib/postgresql after installing"
}

# Postgres refuses to run as root: as root we run it as the `postgres` user (made by Debian's
# package); otherwise as ourselves.
as_pg() {
  # From /: the postgres user may not be able to enter the current folder (a 0700 checkout).
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# Where the data lives: .cluster/pg when the postgres user can reach it; otherwise (a checkout
# inside a 0700 folder, as .ci/run's mktemp -d) a folder in /var/tmp named after the cluster
# folder. The choice is written down so stop/status find it again.
pg_home() {
  local marker="$CLUSTER_DIR/pg.location" home
  if [ -s "$marker" ]; then
    PG_HOME="$(cat "$marker")"
    return
  fi
  home="$CLUSTER_DIR/pg"
  mkdir -p "$home"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$home"
    if ! runuser -u postgres -- test -w "$home"; then
      rmdir "$home"
      home="/var/tmp/atelier-cluster-$(printf '%s' "$CLUSTER_DIR" | md5sum | cut -c1-12)/pg"
      echo "    the postgres user cannot reach $CLUSTER_DIR: Postgres data goes to $home"
      mkdir -p "$home"
      chmod 755 "$(dirname "$home")"
      chown postgres:postgres "$home"
    fi
  fi
  echo "$home" >"$marker"
  PG_HOME="$home"
}

pg_running() { [ -n "${PG_HOME:-}" ] && as_pg "$PG_BIN/pg_ctl" -D "$PG_HOME/data" status >/dev/null 2>&1; }

# pg_psql [-d DATABASE] ARGS… — psql as the superuser over the local socket (database postgres).
pg_psql() {
  local database=postgres
  if [ "${1:-}" = -d ]; then
    database="$2"
    shift 2
  fi
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_HOME/run" -p "$PG_PORT" -U postgres -d "$database" "$@"
}

# True once an API process has run its migrations in database atelier (TypeORM's table).
pg_migrated() { [ -n "$(pg_psql -d atelier -tAc "SELECT to_regclass('public.migrations')")" ]; }

pg_start() {
  pg_install
  pg_home
  if pg_running; then
    echo "    postgres already running (port $PG_PORT, data in $PG_HOME/data)"
  else
    if [ ! -s "$PG_HOME/data/PG_VERSION" ]; then
      # Local socket: trust (the socket folder is the postgres user's alone); TCP: passwords only.
      as_pg "$PG_BIN/initdb" -D "$PG_HOME/data" -U postgres -E UTF8 --no-locale \
        --auth-local=trust --auth-host=scram-sha-256 >"$LOG_DIR/initdb.log" 2>&1 ||
        fail "initdb failed: see $LOG_DIR/initdb.log"
      as_pg mkdir -p "$PG_HOME/run"
      {
        echo "listen_addresses = '127.0.0.1'"
        echo "port = $PG_PORT"
        echo "unix_socket_directories = '$PG_HOME/run'"
        if [ "$TEST_MODE" = 1 ]; then
          echo "fsync = off"
          echo "synchronous_commit = off"
          echo "full_page_writes = off"
        fi
      } | as_pg tee -a "$PG_HOME/data/postgresql.conf" >/dev/null
    fi
    as_pg "$PG_BIN/pg_ctl" -D "$PG_HOME/data" -l "$PG_HOME/postgres.log" -w -t 60 start >/dev/null ||
      fail "postgres did not start: see $PG_HOME/postgres.log"
    echo "    postgres started (port $PG_PORT, data in $PG_HOME/data, log $PG_HOME/postgres.log)"
  fi
  pg_ensure_database
}

# Role `atelier` (may create databases: the test harness copies a template per test app) owning
# database `atelier`, with a password generated once.
pg_ensure_database() {
  local password
  password="$(secret_file "$CLUSTER_DIR/pg-password")"
  if [ -z "$(pg_psql -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'atelier'")" ]; then
    pg_psql -c "CREATE ROLE atelier LOGIN CREATEDB PASSWORD '$password'"
  fi
  if [ -z "$(pg_psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'atelier'")" ]; then
    pg_psql -c "CREATE DATABASE atelier OWNER atelier"
  fi
  PG_URL="postgres://atelier:$password@127.0.0.1:$PG_PORT/atelier"
}

pg_stop() {
  PG_BIN="$(pg_bin)"
  [ -n "$PG_BIN" ] && [ -s "$CLUSTER_DIR/pg.location" ] || return 0
  pg_home
  if pg_running; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_HOME/data" -m fast -w -t 60 stop >/dev/null
    echo "    stopped postgres"
  fi
}

pg_status() {
  PG_BIN="$(pg_bin)"
  if [ -n "$PG_BIN" ] && [ -s "$CLUSTER_DIR/pg.location" ] && pg_home && pg_running; then
    echo "postgres   running   127.0.0.1:$PG_PORT   data $PG_HOME/data"
  else
    echo "postgres   stopped"
  fi
}
