#!/usr/bin/env bash
# Starts Velociraptor on this machine: dev services (PostgreSQL, Redis, S3), a build of the apps,
# database migrations, then the API (serving the web UI) and one builder in the background.
# Prints the URL and the admin's credentials. Safe to run again: running processes are reused.
#
# Env:
#   VR_PORT=8080               API/web port (listens on 0.0.0.0); default 8080 + VR_PORT_OFFSET
#   VR_EXTERNAL_SERVICES=1     do not start local services; use the caller's DATABASE_URL,
#                              REDIS_URL, S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY
#                              (S3_BUCKET, S3_REGION optional)
set -euo pipefail
VR_LOG_TAG=start
# shellcheck source=scripts/setup.sh
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

export NX_DAEMON=false NX_TUI=false NX_NO_CLOUD=true

STATE=$VR_ROOT/.state/dev
RUN=$STATE/run
LOGS=$STATE/log
SECRETS=$STATE/secrets
PORT=${VR_PORT:-$((8080 + ${VR_PORT_OFFSET:-0}))}
API_MAIN=$VR_ROOT/dist/apps/api/main.js
BUILDER_MAIN=$VR_ROOT/dist/apps/builder/main.js
API_PID=$RUN/api.pid
BUILDER_PID=$RUN/builder.pid
API_LOG=$LOGS/api.log
BUILDER_LOG=$LOGS/builder.log

mkdir -p "$RUN" "$LOGS" "$STATE/builder/work" "$STATE/builder/cache"
chmod 711 "$VR_ROOT/.state" "$STATE"
touch "$SECRETS"
chmod 600 "$SECRETS"

# A pid file can outlive its process and the pid be reused: check it is still our program.
running_pid() {
  local pidfile=$1 main=$2 pid
  pid=$(vr_pid_from_file "$pidfile") || return 1
  vr_pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$main" || return 1
  printf '%s' "$pid"
}

print_access() {
  local ip
  ip=$(hostname -I 2>/dev/null | awk '{print $1}')
  echo
  echo "Velociraptor is running: http://localhost:$PORT/${ip:+  (from other machines: http://$ip:$PORT/)}"
  echo "  admin user:     admin"
  echo "  admin password: $(vr_kv_get "$SECRETS" ADMIN_PASSWORD)"
  echo "  logs: $API_LOG, $BUILDER_LOG"
  echo "  stop: scripts/stop.sh"
}

if [[ ${VR_EXTERNAL_SERVICES:-} == 1 ]]; then
  for v in DATABASE_URL REDIS_URL S3_ENDPOINT S3_ACCESS_KEY S3_SECRET_KEY; do
    [[ -n ${!v:-} ]] || vr_die "VR_EXTERNAL_SERVICES=1 needs $v to be set"
  done
  export DATABASE_URL REDIS_URL S3_ENDPOINT S3_ACCESS_KEY S3_SECRET_KEY
  export S3_BUCKET=${S3_BUCKET:-velociraptor} S3_REGION=${S3_REGION:-us-east-1}
  vr_log "using external services (VR_EXTERNAL_SERVICES=1)"
else
  "$VR_ROOT/scripts/services.sh" start dev
  set -a
  # shellcheck disable=SC1091
  . "$STATE/services.env"
  set +a
fi

api_pid=$(running_pid "$API_PID" "$API_MAIN" || true)
builder_pid=$(running_pid "$BUILDER_PID" "$BUILDER_MAIN" || true)
if [[ -n $api_pid && -n $builder_pid ]]; then
  vr_log "already running (API pid $api_pid, builder pid $builder_pid)"
  print_access
  exit 0
fi

vr_log "building api, web, builder, vimage"
(cd "$VR_ROOT" && npx nx run-many -t build -p api web builder vimage --outputStyle=static </dev/null) ||
  vr_die "the build failed (see the output above)"

ADMIN_PASSWORD=$(vr_secret "$SECRETS" ADMIN_PASSWORD 20)
SESSION_SECRET=$(vr_secret "$SECRETS" SESSION_SECRET 48)

# The API's environment; the builder gets a narrower one (no database credentials).
api_env() {
  export PORT HOST=0.0.0.0 ADMIN_USERNAME=admin ADMIN_PASSWORD SESSION_SECRET
  export WEB_DIST_DIR=$VR_ROOT/dist/apps/web/browser
}

vr_log "running database migrations"
(
  api_env
  cd "$VR_ROOT" && node "$API_MAIN" migrate </dev/null
) || vr_die "database migrations failed (see the output above)"

# setsid: the daemons must not die with this terminal or on a Ctrl-C in it.
if [[ -z $api_pid ]]; then
  (
    api_env
    cd "$VR_ROOT"
    # Plain log files: no terminal colour codes.
    export NO_COLOR=1
    exec setsid node "$API_MAIN" </dev/null >>"$API_LOG" 2>&1
  ) &
  echo $! >"$API_PID"
  api_pid=$!
  vr_log "API started (pid $api_pid), log $API_LOG"
fi

if [[ -z $builder_pid ]]; then
  (
    unset DATABASE_URL ADMIN_PASSWORD SESSION_SECRET
    export BUILDER_WORK_DIR=$STATE/builder/work BUILDER_CACHE_DIR=$STATE/builder/cache
    cd "$VR_ROOT"
    export NO_COLOR=1
    exec setsid node "$BUILDER_MAIN" </dev/null >>"$BUILDER_LOG" 2>&1
  ) &
  echo $! >"$BUILDER_PID"
  builder_pid=$!
  vr_log "builder started (pid $builder_pid), log $BUILDER_LOG"
fi

vr_log "waiting for http://localhost:$PORT/api/health"
for ((i = 0; i < 120; i++)); do
  curl -fsS -o /dev/null --max-time 2 "http://localhost:$PORT/api/health" 2>/dev/null && break
  vr_pid_alive "$api_pid" || vr_die "the API exited during start-up; see $API_LOG"
  sleep 0.5
done
curl -fsS -o /dev/null --max-time 5 "http://localhost:$PORT/api/health" ||
  vr_die "the API did not answer http://localhost:$PORT/api/health within 60 s; see $API_LOG"
vr_pid_alive "$builder_pid" || vr_die "the builder exited during start-up; see $BUILDER_LOG"

print_access
