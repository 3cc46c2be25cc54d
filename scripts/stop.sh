#!/usr/bin/env bash
# Stops what scripts/start.sh started: the API, the builder and (unless VR_EXTERNAL_SERVICES=1)
# the dev services. Data in .state/dev is kept.
set -euo pipefail
VR_LOG_TAG=stop
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
vr_require_root

RUN=$VR_ROOT/.state/dev/run

stop_app() {
  local name=$1 pidfile=$RUN/$1.pid main=$2 pid
  if pid=$(vr_pid_from_file "$pidfile") && vr_pid_alive "$pid" &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$main"; then
    # The builder gets time to hand its running job back to the queue.
    vr_stop_pid "$pid" "$name" TERM 30
    vr_log "$name stopped"
  fi
  rm -f "$pidfile"
}

stop_app builder "$VR_ROOT/dist/apps/builder/main.js"
stop_app api "$VR_ROOT/dist/apps/api/main.js"

if [[ ${VR_EXTERNAL_SERVICES:-} != 1 ]]; then
  "$VR_ROOT/scripts/services.sh" stop dev
fi
