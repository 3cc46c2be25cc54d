#!/usr/bin/env bash
# Local backing services for Velociraptor: PostgreSQL 15, Redis and an S3 server (Ceph radosgw),
# all on 127.0.0.1, state under .state/<profile>/.
#
# Usage: scripts/services.sh start|stop|status|env [dev|test]     (profile defaults to dev)
#   dev   persistent data; PostgreSQL 55432, Redis 56379, S3 57480
#   test  throwaway S3 data (re-initialised whenever it was not running);
#         PostgreSQL 55433, Redis 56380, S3 57481
# Both profiles can run at the same time. `start` writes .state/<profile>/services.env
# (DATABASE_URL, REDIS_URL, S3_*); `env` prints that file's path.
# VR_PORT_OFFSET=N (0-1000, default 0) shifts every port by N, so a second checkout on the
# same machine can run its own services; use the same value for start, stop and status.
set -euo pipefail
VR_LOG_TAG=services
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  echo "usage: $0 start|stop|status|env [dev|test]" >&2
  exit 2
}

CMD=${1:-}
PROFILE=${2:-dev}
case $PROFILE in
  dev)
    PG_PORT=55432 REDIS_PORT=56379 RGW_PORT=57480
    MON_V2_PORT=3300 MON_V1_PORT=6789 OSD_PORT_MIN=6800 OSD_PORT_MAX=6899
    ;;
  test)
    PG_PORT=55433 REDIS_PORT=56380 RGW_PORT=57481
    MON_V2_PORT=3301 MON_V1_PORT=6790 OSD_PORT_MIN=6900 OSD_PORT_MAX=6999
    ;;
  *) usage ;;
esac
OFFSET=${VR_PORT_OFFSET:-0}
[[ $OFFSET =~ ^[0-9]+$ ]] && ((OFFSET <= 1000)) || vr_die "VR_PORT_OFFSET must be a number from 0 to 1000, got '$OFFSET'"
for v in PG_PORT REDIS_PORT RGW_PORT MON_V2_PORT MON_V1_PORT OSD_PORT_MIN OSD_PORT_MAX; do
  printf -v "$v" '%d' $((${!v} + OFFSET))
done

STATE=$VR_ROOT/.state/$PROFILE
SECRETS=$STATE/secrets
ENV_FILE=$STATE/services.env
RUN=$STATE/run
LOGS=$STATE/log

PG_BIN=/usr/lib/postgresql/15/bin
PG_DATA=$STATE/pg
PG_SOCK=$STATE/pg-run
PG_LOG=$LOGS/postgresql.log

REDIS_DIR=$STATE/redis
REDIS_PID=$RUN/redis.pid
REDIS_LOG=$LOGS/redis.log

CEPH_DIR=$STATE/ceph

as_postgres() { runuser -u postgres -- "$@"; }

# Another checkout's services (or anything else) on our port would be mistaken for ours.
require_free_port() {
  local port=$1 what=$2
  if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
    vr_die "port $port ($what, $PROFILE profile) is already in use by another process; stop it first (another checkout's services? try its scripts/services.sh stop $PROFILE)"
  fi
}

# ---------------------------------------------------------------- PostgreSQL

pg_pid() { vr_pid_from_file "$PG_DATA/postmaster.pid"; }

pg_running() {
  local pid
  pid=$(pg_pid) || return 1
  vr_pid_alive "$pid" && "$PG_BIN/pg_isready" -q -h "$PG_SOCK" -p "$PG_PORT"
}

# The cluster lives inside the checkout, so the postgres user must be able to reach it.
# A clone under a private home (e.g. /root) blocks that; grant search-only access there.
pg_ensure_traversable() {
  as_postgres test -x "$STATE" && return 0
  local d=$STATE
  while [[ $d != / ]]; do
    if ! as_postgres test -x "$d"; then
      vr_log "granting the postgres user search (x) access to $d so it can reach $PG_DATA"
      setfacl -m u:postgres:x "$d" || vr_die "cannot grant postgres access to $d; move the checkout to a world-searchable path"
    fi
    d=$(dirname "$d")
  done
}

pg_write_conf() {
  # Rewritten on every start so a change of port or settings here takes effect.
  local f=$PG_DATA/velociraptor.conf
  {
    echo "# Managed by scripts/services.sh; edits are overwritten."
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $PG_PORT"
    echo "unix_socket_directories = '$PG_SOCK'"
    echo "max_connections = 200"
    if [[ $PROFILE == test ]]; then
      # Test data is disposable: trade durability for speed.
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } >"$f"
  chown postgres:postgres "$f"
  chmod 600 "$f"
}

pg_start() {
  [[ -x $PG_BIN/postgres ]] || vr_die "PostgreSQL 15 not found in $PG_BIN"
  pg_ensure_traversable
  mkdir -p "$PG_SOCK"
  chown postgres:postgres "$PG_SOCK"
  chmod 700 "$PG_SOCK"
  if [[ ! -s $PG_DATA/PG_VERSION ]]; then
    vr_log "initialising PostgreSQL cluster in $PG_DATA"
    rm -rf "$PG_DATA"
    mkdir -p "$PG_DATA"
    chown postgres:postgres "$PG_DATA"
    chmod 700 "$PG_DATA"
    as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$LOGS/initdb.log" 2>&1 ||
      vr_die "initdb failed; see $LOGS/initdb.log"
    echo "include_if_exists = 'velociraptor.conf'" >>"$PG_DATA/postgresql.conf"
  fi
  if pg_running; then
    vr_log "PostgreSQL already running (pid $(pg_pid)) on 127.0.0.1:$PG_PORT"
  else
    require_free_port "$PG_PORT" PostgreSQL
    pg_write_conf
    touch "$PG_LOG"
    chown postgres:postgres "$PG_LOG"
    chmod 600 "$PG_LOG"
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null 9>&- ||
      vr_die "PostgreSQL did not start; see $PG_LOG"
    vr_log "PostgreSQL started (pid $(pg_pid)) on 127.0.0.1:$PG_PORT"
  fi
  pg_provision
}

# Role and database; re-applied on each start so the password always matches the secrets file.
pg_provision() {
  local pw createdb=NOCREATEDB
  pw=$(vr_secret "$SECRETS" PG_PASSWORD 32)
  # Tests create throwaway databases.
  [[ $PROFILE == test ]] && createdb=CREATEDB
  # Fed through stdin so the password never appears in a process list.
  as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres >/dev/null <<SQL ||
SELECT 'CREATE ROLE velociraptor LOGIN'
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'velociraptor') \gexec
ALTER ROLE velociraptor WITH LOGIN $createdb PASSWORD '$pw';
SELECT 'CREATE DATABASE velociraptor OWNER velociraptor'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'velociraptor') \gexec
SQL
    vr_die "could not create the velociraptor role/database; see $PG_LOG"
}

pg_stop() {
  local pid
  if pid=$(pg_pid) && vr_pid_alive "$pid"; then
    # SIGINT is PostgreSQL's "fast" shutdown: clients disconnected, data flushed.
    vr_stop_pid "$pid" PostgreSQL INT 60
    vr_log "PostgreSQL stopped"
  fi
}

pg_status() {
  if pg_running; then
    echo "postgresql: running (pid $(pg_pid)) on 127.0.0.1:$PG_PORT"
  else
    echo "postgresql: stopped"
    return 1
  fi
}

# ---------------------------------------------------------------- Redis

redis_running() {
  local pid
  pid=$(vr_pid_from_file "$REDIS_PID") || return 1
  vr_pid_alive "$pid" && [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]
}

redis_start() {
  if redis_running; then
    vr_log "Redis already running (pid $(vr_pid_from_file "$REDIS_PID")) on 127.0.0.1:$REDIS_PORT"
    return 0
  fi
  require_free_port "$REDIS_PORT" Redis
  mkdir -p "$REDIS_DIR"
  chmod 700 "$REDIS_DIR"
  local persist=(--appendonly yes)
  # Test data is disposable: no snapshots, no append-only file.
  [[ $PROFILE == test ]] && persist=(--appendonly no --save '')
  rm -f "$REDIS_PID"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes \
    --daemonize yes --pidfile "$REDIS_PID" --dir "$REDIS_DIR" --logfile "$REDIS_LOG" \
    "${persist[@]}" </dev/null 9>&- || vr_die "redis-server failed to start; see $REDIS_LOG"
  local i
  for ((i = 0; i < 100; i++)); do
    redis_running && break
    sleep 0.1
  done
  redis_running || vr_die "Redis did not answer on 127.0.0.1:$REDIS_PORT; see $REDIS_LOG"
  vr_log "Redis started (pid $(vr_pid_from_file "$REDIS_PID")) on 127.0.0.1:$REDIS_PORT"
}

redis_stop() {
  local pid
  if pid=$(vr_pid_from_file "$REDIS_PID") && vr_pid_alive "$pid"; then
    vr_stop_pid "$pid" Redis TERM 30
    vr_log "Redis stopped"
  fi
  rm -f "$REDIS_PID"
}

redis_status() {
  if redis_running; then
    echo "redis: running (pid $(vr_pid_from_file "$REDIS_PID")) on 127.0.0.1:$REDIS_PORT"
  else
    echo "redis: stopped"
    return 1
  fi
}

# ---------------------------------------------------------------- S3 (Ceph radosgw)

s3() {
  local persist=0 ak='' sk=''
  # Dev objects survive restarts; the test cluster is rebuilt whenever it was down.
  [[ $PROFILE == dev ]] && persist=1
  if [[ $1 == start ]]; then
    ak=$(vr_secret "$SECRETS" S3_ACCESS_KEY 20)
    sk=$(vr_secret "$SECRETS" S3_SECRET_KEY 40)
  fi
  CEPH_DIR=$CEPH_DIR CEPH_PERSIST=$persist RGW_PORT=$RGW_PORT \
    MON_V2_PORT=$MON_V2_PORT MON_V1_PORT=$MON_V1_PORT \
    OSD_PORT_MIN=$OSD_PORT_MIN OSD_PORT_MAX=$OSD_PORT_MAX \
    S3_ACCESS_KEY=$ak S3_SECRET_KEY=$sk \
    "$VR_ROOT/scripts/ceph-s3.sh" "$@" 9>&-
}

# ---------------------------------------------------------------- commands

write_env() {
  local tmp=$ENV_FILE.tmp
  (
    umask 077
    cat >"$tmp" <<EOF
DATABASE_URL=postgres://velociraptor:$(vr_kv_get "$SECRETS" PG_PASSWORD)@127.0.0.1:$PG_PORT/velociraptor
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
S3_ACCESS_KEY=$(vr_kv_get "$SECRETS" S3_ACCESS_KEY)
S3_SECRET_KEY=$(vr_kv_get "$SECRETS" S3_SECRET_KEY)
S3_BUCKET=velociraptor
S3_REGION=us-east-1
EOF
  )
  mv -f "$tmp" "$ENV_FILE"
}

prepare_state() {
  mkdir -p "$STATE" "$RUN" "$LOGS"
  # Others may search (the postgres user must reach pg/) but not list; secrets stay 600.
  chmod 711 "$VR_ROOT/.state" "$STATE"
  chmod 700 "$RUN"
  chmod 711 "$LOGS"
  touch "$SECRETS"
  chmod 600 "$SECRETS"
}

# One start/stop at a time per profile: parallel callers (several test runs) would race.
# Daemons are started with fd 9 closed, or they would hold the lock for their lifetime.
with_lock() {
  mkdir -p "$STATE"
  exec 9>"$STATE/.lock"
  flock 9
}

cmd_start() {
  vr_require_root "$@"
  vr_ensure_apt_packages "${VR_APT_PACKAGES[@]}"
  with_lock
  prepare_state
  pg_start
  redis_start
  s3 start
  write_env
  vr_log "$PROFILE services ready; environment in $ENV_FILE"
}

cmd_stop() {
  vr_require_root "$@"
  with_lock
  local rc=0
  s3 stop || rc=1
  redis_stop || rc=1
  pg_stop || rc=1
  vr_log "$PROFILE services stopped"
  return $rc
}

cmd_status() {
  local rc=0
  pg_status || rc=1
  redis_status || rc=1
  s3 status || rc=1
  return $rc
}

case $CMD in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env)
    [[ -f $ENV_FILE ]] || vr_die "$ENV_FILE does not exist yet; run: $0 start $PROFILE"
    echo "$ENV_FILE"
    ;;
  *) usage ;;
esac
