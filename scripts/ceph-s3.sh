#!/usr/bin/env bash
# Single-node Ceph 16 (Debian bookworm packages) with radosgw as a real S3 server on 127.0.0.1:
# one mon, one OSD on a sparse file, no mgr, auth none. Loopback-only; meant for local and test use.
#
# Usage: ceph-s3.sh install | start | stop | status
# Env:
#   CEPH_DIR        state folder (default /tmp/ceph-s3)
#   CEPH_PERSIST    1: initialise once and reuse the mon/OSD data on later starts;
#                   0 (default): wipe and re-initialise whenever the daemons are not all running
#   RGW_PORT        S3 port (7480)
#   MON_V2_PORT / MON_V1_PORT   mon ports (3300 / 6789)
#   OSD_PORT_MIN / OSD_PORT_MAX port range the OSD may bind (6800 / 7300); keep ranges of
#                   concurrently running clusters disjoint
#   S3_ACCESS_KEY / S3_SECRET_KEY  the S3 user's keys, applied when the cluster is initialised
#   OBJECTSTORE     bluestore (default: 20 GiB sparse file) | memstore (RAM, MEMSTORE_BYTES cap)
set -euo pipefail

DIR=${CEPH_DIR:-/tmp/ceph-s3}
PERSIST=${CEPH_PERSIST:-0}
PORT=${RGW_PORT:-7480}
MON_V2=${MON_V2_PORT:-3300}
MON_V1=${MON_V1_PORT:-6789}
OSD_MIN=${OSD_PORT_MIN:-6800}
OSD_MAX=${OSD_PORT_MAX:-7300}
AK=${S3_ACCESS_KEY:-testaccess}
SK=${S3_SECRET_KEY:-testsecret123}
STORE=${OBJECTSTORE:-bluestore}
MEMBYTES=${MEMSTORE_BYTES:-$((8 * 1024 * 1024 * 1024))}
CONF=$DIR/ceph.conf
MON_ADDR="[v2:127.0.0.1:$MON_V2,v1:127.0.0.1:$MON_V1]"
# Marks a cluster whose init ran to the end; anything else is half-made and gets wiped.
READY=$DIR/.initialized

log() { printf '[ceph-s3] %s\n' "$*" >&2; }
die() {
  printf '[ceph-s3] error: %s\n' "$*" >&2
  exit 1
}
ceph_() { timeout 60 ceph -c "$CONF" "$@"; }

install() {
  local missing=() p
  for p in ceph-mon ceph-osd radosgw ceph-common uuid-runtime curl; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
}

pid_of() {
  local f=$DIR/run/$1.pid pid
  [[ -f $f ]] || return 1
  pid=$(tr -d '[:space:]' <"$f")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && printf '%s' "$pid"
}

s3_up() { curl -fs -o /dev/null --max-time 5 "http://127.0.0.1:$PORT/"; }

all_running() {
  pid_of mon >/dev/null && pid_of osd >/dev/null && pid_of rgw >/dev/null && s3_up
}

stop() {
  local p f pid grace
  for p in rgw osd mon; do
    f=$DIR/run/$p.pid
    [[ -f $f ]] || continue
    pid=$(tr -d '[:space:]' <"$f" 2>/dev/null) || continue
    # radosgw keeps no state of its own but lingers ~7 s draining on SIGTERM; do not wait for it.
    case $p in rgw) grace=10 ;; *) grace=150 ;; esac
    if [[ $pid =~ ^[0-9]+$ ]]; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq $grace); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$f"
  done
}

write_conf() {
  local fsid=$1
  cat >"$CONF" <<EOF
[global]
fsid = $fsid
mon host = $MON_ADDR
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind port min = $OSD_MIN
ms bind port max = $OSD_MAX
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
ms client mode = crc
run dir = $DIR/run
log file = $DIR/log/\$name.log
log to stderr = false
err to stderr = true
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon data avail warn = 2
mon data avail crit = 1
paxos propose interval = 0.1
paxos min wait = 0.01
[mon]
mon data = $DIR/mon/\$cluster-\$id
pid file = $DIR/run/mon.pid
admin socket = $DIR/run/\$name.asok
[osd]
osd data = $DIR/osd/\$cluster-\$id
pid file = $DIR/run/osd.pid
admin socket = $DIR/run/\$name.asok
osd objectstore = $STORE
memstore device bytes = $MEMBYTES
bluestore block create = true
bluestore block size = 21474836480
osd memory target = 1073741824
bluestore cache autotune = false
bluestore cache size = 268435456
[client.rgw.a]
pid file = $DIR/run/rgw.pid
admin socket = $DIR/run/\$name.asok
rgw frontends = beast endpoint=127.0.0.1:$PORT
rgw data = $DIR/rgw
rgw enable usage log = false
rgw thread pool size = 64
rgw gc obj min wait = 30
rgw gc processor period = 30
EOF
}

wait_osd_up() {
  for _ in $(seq 120); do
    ceph_ osd stat 2>/dev/null | grep -q '1 up' && return 0
    sleep 0.5
  done
  die "the OSD did not come up; see $DIR/log"
}

start_rgw_and_wait() {
  radosgw -c "$CONF" -n client.rgw.a
  for _ in $(seq 240); do
    s3_up && return 0
    sleep 0.25
  done
  die "radosgw did not answer on 127.0.0.1:$PORT; see $DIR/log"
}

initialise() {
  stop || true
  rm -rf "$DIR"
  mkdir -p "$DIR"/{run,log,mon/ceph-a,osd/ceph-0}
  chmod 700 "$DIR"
  local fsid uuid
  fsid=$(uuidgen)
  printf '%s\n' "$fsid" >"$DIR/fsid"
  write_conf "$fsid"
  ceph-authtool --create-keyring "$DIR/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --fsid "$fsid" --addv a "$MON_ADDR" "$DIR/monmap" >/dev/null
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/mon.keyring"
  ceph-mon -c "$CONF" -i a
  uuid=$(uuidgen)
  ceph_ osd new "$uuid" >/dev/null # -> osd.0
  ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$uuid" 2>>"$DIR/log/osd-mkfs.log"
  ceph-osd -c "$CONF" -i 0 2>>"$DIR/log/osd-start.log"
  wait_osd_up
  start_rgw_and_wait
  # radosgw-admin only takes keys as arguments; they are visible to root for this one short call.
  timeout 120 radosgw-admin -c "$CONF" user create --uid=velociraptor --display-name=velociraptor \
    --access-key="$AK" --secret-key="$SK" >/dev/null
  touch "$READY"
  log "initialised a new cluster in $DIR; S3 on http://127.0.0.1:$PORT"
}

restart_existing() {
  stop || true
  mkdir -p "$DIR"/{run,log}
  write_conf "$(cat "$DIR/fsid")"
  ceph-mon -c "$CONF" -i a
  ceph-osd -c "$CONF" -i 0 2>>"$DIR/log/osd-start.log"
  wait_osd_up
  start_rgw_and_wait
  log "restarted the existing cluster in $DIR; S3 on http://127.0.0.1:$PORT"
}

require_free_ports() {
  local port
  for port in "$PORT" "$MON_V2" "$MON_V1"; do
    if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
      die "port $port is already in use by another process (another Ceph cluster?)"
    fi
  done
}

start() {
  if all_running; then
    log "already running; S3 on http://127.0.0.1:$PORT"
    return 0
  fi
  stop || true
  require_free_ports
  if [[ $PERSIST == 1 && -f $READY && -f $DIR/fsid ]]; then
    restart_existing
  else
    initialise
  fi
}

status() {
  local p pid rc=0
  for p in mon osd rgw; do
    if pid=$(pid_of "$p"); then
      printf 'ceph %s: running (pid %s)\n' "$p" "$pid"
    else
      printf 'ceph %s: stopped\n' "$p"
      rc=1
    fi
  done
  if s3_up; then
    printf 'S3: answering on http://127.0.0.1:%s\n' "$PORT"
  else
    printf 'S3: not answering on http://127.0.0.1:%s\n' "$PORT"
    rc=1
  fi
  return $rc
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 install|start|stop|status" >&2
    exit 2
    ;;
esac
