# Shared helpers for the scripts in this folder. Source it; do not run it.
# shellcheck shell=bash

VR_ROOT=${VR_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

# Everything the platform and its local services need from Debian.
VR_APT_PACKAGES=(
  postgresql redis-server ceph-mon ceph-osd radosgw ceph-common uuid-runtime curl
  lxc debootstrap busybox-static zstd pigz xz-utils bzip2 acl attr util-linux chromium
)

vr_log() { printf '[%s] %s\n' "${VR_LOG_TAG:-velociraptor}" "$*" >&2; }
vr_die() {
  printf '[%s] error: %s\n' "${VR_LOG_TAG:-velociraptor}" "$*" >&2
  exit 1
}

vr_require_root() {
  [[ $(id -u) -eq 0 ]] || vr_die "must run as root (it installs packages and runs PostgreSQL/Ceph as system users); try: sudo $0 $*"
}

# Installs only what is missing, so a warm machine never touches apt.
vr_ensure_apt_packages() {
  local missing=() p
  # One dpkg call in the common case where everything is there.
  dpkg -s "$@" >/dev/null 2>&1 && return 0
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  vr_log "installing missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || vr_die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null ||
    vr_die "apt-get install failed for: ${missing[*]}"
}

# Alphanumeric only, so values are safe inside URLs and shell assignments.
vr_random() {
  local n=${1:-32} out=''
  while ((${#out} < n)); do
    out+=$(head -c 256 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')
  done
  printf '%s' "${out:0:n}"
}

vr_pid_alive() {
  local pid=${1:-}
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

vr_pid_from_file() {
  local f=$1 pid
  [[ -f $f ]] || return 1
  pid=$(head -n1 "$f" 2>/dev/null | tr -d '[:space:]')
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  printf '%s' "$pid"
}

# Graceful first (signal, default TERM), SIGKILL after the grace period.
vr_stop_pid() {
  local pid=$1 name=$2 sig=${3:-TERM} grace=${4:-20} i
  vr_pid_alive "$pid" || return 0
  kill -s "$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 5; i++)); do
    vr_pid_alive "$pid" || return 0
    sleep 0.2
  done
  vr_log "$name (pid $pid) ignored SIG$sig for ${grace}s; killing it"
  kill -9 "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    vr_pid_alive "$pid" || return 0
    sleep 0.1
  done
}

# Reads KEY from a KEY=VALUE file without sourcing it (values never hit the environment).
vr_kv_get() {
  local file=$1 key=$2
  [[ -f $file ]] || return 1
  sed -n "s/^${key}=//p" "$file" | tail -n1
}

# Returns the stored value of KEY, generating and storing it once (file mode 600).
vr_secret() {
  local file=$1 key=$2 len=${3:-32} val
  val=$(vr_kv_get "$file" "$key" || true)
  if [[ -z $val ]]; then
    val=$(vr_random "$len")
    (
      umask 077
      printf '%s=%s\n' "$key" "$val" >>"$file"
    )
  fi
  chmod 600 "$file"
  printf '%s' "$val"
}
