#!/usr/bin/env bash
# The whole test suite: lint, unit tests and build of every project, then the integration
# tests against real PostgreSQL/Redis/S3/LXC (test profile services), then the end-to-end tests.
# A failing step does not stop later independent steps; the exit code is non-zero if any failed.
# The last line of output is always: tests: <passed> passed, <failed> failed
#
# Env: VR_KEEP_SERVICES=1  leave the test services running afterwards (they are also left
#                          running when they were already up before this script started).
#      VR_PORT_OFFSET=N     passed to services.sh: another checkout's services hold the ports.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

export NX_DAEMON=false NX_TUI=false NX_NO_CLOUD=true CI=${CI:-true}
RESULTS=$ROOT/.state/test/results
# Hang guards per step; a normal cold run needs well under these.
T_UNIT=${VR_TIMEOUT_UNIT:-1200}
T_INTEGRATION=${VR_TIMEOUT_INTEGRATION:-600}
T_E2E=${VR_TIMEOUT_E2E:-600}

passed=0
failed=0
steps=()
services_started=0

note() { printf '\n[test] %s\n' "$*" >&2; }

summary() {
  printf '\n'
  local s
  for s in "${steps[@]}"; do printf '  %s\n' "$s"; done
  printf 'tests: %d passed, %d failed\n' "$passed" "$failed"
}

stop_services() {
  if ((services_started)); then
    services_started=0
    "$ROOT/scripts/services.sh" stop test >/dev/null 2>&1 ||
      note "could not stop the test services; run: scripts/services.sh stop test"
  fi
}
on_interrupt() {
  note "interrupted"
  local pid
  pid=$(cat "$RESULTS/.step.pid" 2>/dev/null) && kill -TERM "$pid" 2>/dev/null
  exit 130
}
trap stop_services EXIT
trap on_interrupt INT TERM

# Runs one `nx` command with a timeout, keeps its log and adds its results to the totals.
run_nx() {
  local name=$1 limit=$2
  shift 2
  local log=$RESULTS/$name.log rc counts p f started=$SECONDS took
  note "$name: npx nx $*"
  rm -f "$RESULTS/.step.rc"
  # timeout puts nx in its own process group (so a hang kills all of it); its pid is kept
  # for on_interrupt. Waiting on a background pipeline keeps this script able to run traps.
  (
    timeout --kill-after=30 "$limit" npx nx "$@" --outputStyle=static </dev/null 2>&1 &
    echo $! >"$RESULTS/.step.pid"
    wait $!
    echo $? >"$RESULTS/.step.rc"
  ) | tee "$log" &
  wait $!
  rc=$(cat "$RESULTS/.step.rc" 2>/dev/null || echo 1)
  rm -f "$RESULTS/.step.pid"
  counts=$(node "$ROOT/scripts/summarize-tests.mjs" "$log") || counts='0 0'
  read -r p f <<<"$counts"
  if ((rc != 0 && f == 0)); then
    # Nx itself failed, or the step timed out (124/137), without a countable failure.
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  took=$((SECONDS - started))s
  if ((rc == 124 || rc == 137)); then
    steps+=("$name: TIMED OUT after ${limit}s ($p passed, $f failed) - log: $log")
  elif ((rc != 0)); then
    steps+=("$name: FAILED in $took ($p passed, $f failed) - log: $log")
  else
    steps+=("$name: ok in $took ($p passed)")
  fi
}

has_target() {
  local project=$1 target=$2
  npx nx show project "$project" --json 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{process.exit(JSON.parse(s).targets?.[process.argv[1]]?0:1)}catch{process.exit(1)}})' "$target"
}

# ---------------------------------------------------------------- setup

if ! bash "$ROOT/scripts/setup.sh"; then
  failed=$((failed + 1))
  steps+=("setup: FAILED")
  summary
  exit 1
fi
mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.log

services_ok=0
if "$ROOT/scripts/services.sh" status test >/dev/null 2>&1; then
  note "test services were already running; they are reused and left running"
  services_ok=1
elif "$ROOT/scripts/services.sh" start test; then
  [[ ${VR_KEEP_SERVICES:-} == 1 ]] || services_started=1
  services_ok=1
else
  failed=$((failed + 1))
  steps+=("services: FAILED to start (integration and e2e tests skipped)")
fi
if ((services_ok)); then
  set -a
  # shellcheck disable=SC1091
  . "$ROOT/.state/test/services.env"
  set +a
fi

# ---------------------------------------------------------------- steps

run_nx unit "$T_UNIT" run-many -t lint,test,build

# The integration and e2e tests unpack these base images; building them once up front (cached
# in .state/fixtures) keeps the first test that needs them from paying for debootstrap.
note "fixtures: scripts/fixtures/make-base-images.sh all"
if ! "$ROOT/scripts/fixtures/make-base-images.sh" all </dev/null >/dev/null; then
  failed=$((failed + 1))
  steps+=("fixtures: FAILED to build the base images (see the output above)")
fi

if ((services_ok)); then
  run_nx integration "$T_INTEGRATION" run-many -t integration --parallel=1

  if has_target e2e e2e; then
    run_nx e2e "$T_E2E" run-many -t e2e -p e2e
  else
    steps+=("e2e: no e2e target defined yet (nothing run)")
  fi
fi

stop_services
summary
((failed == 0))
