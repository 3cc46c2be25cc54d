#!/usr/bin/env bash
# Prepares this machine and checkout for Velociraptor: root and Node checks, Debian packages,
# npm dependencies (only when package-lock.json changed), and the `vimage` command on PATH.
# Run it, or source it from another script (it then only defines and runs vr_setup once).
set -euo pipefail
VR_LOG_TAG=${VR_LOG_TAG:-setup}
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VR_NODE_MIN=20.19.0
VR_LOCK_STAMP=$VR_ROOT/node_modules/.velociraptor-lock-hash

vr_check_node() {
  command -v node >/dev/null 2>&1 || vr_die "Node.js >= $VR_NODE_MIN is required but 'node' is not on PATH"
  local v
  v=$(node -p 'process.versions.node')
  # sort -V puts the smaller version first; if that is not the minimum, node is too old.
  [[ $(printf '%s\n%s\n' "$VR_NODE_MIN" "$v" | sort -V | head -n1) == "$VR_NODE_MIN" ]] ||
    vr_die "Node.js >= $VR_NODE_MIN is required, found $v"
}

# True when npm's own record of the installed tree (node_modules/.package-lock.json) matches
# package-lock.json: someone ran `npm install`, so a destructive `npm ci` would change nothing.
vr_tree_matches_lock() {
  [[ -f $VR_ROOT/node_modules/.package-lock.json ]] || return 1
  node - "$VR_ROOT/package-lock.json" "$VR_ROOT/node_modules/.package-lock.json" <<'JS'
const fs = require('node:fs');
const [lockPath, hiddenPath] = process.argv.slice(2);
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8')).packages ?? {};
const hidden = JSON.parse(fs.readFileSync(hiddenPath, 'utf8')).packages ?? {};
for (const [path, meta] of Object.entries(lock)) {
  if (path === '' || !path.startsWith('node_modules/')) continue;
  const installed = hidden[path];
  // Optional packages for other platforms are legitimately absent.
  if (!installed) { if (meta.optional) continue; process.exit(1); }
  if (installed.version !== meta.version) process.exit(1);
}
for (const path of Object.keys(hidden)) if (!(path in lock)) process.exit(1);
JS
}

vr_npm_install() {
  local hash
  hash=$(sha256sum "$VR_ROOT/package-lock.json" | cut -d' ' -f1)
  if [[ -d $VR_ROOT/node_modules && -f $VR_LOCK_STAMP && $(cat "$VR_LOCK_STAMP") == "$hash" ]]; then
    return 0
  fi
  if [[ -d $VR_ROOT/node_modules ]] && vr_tree_matches_lock; then
    vr_log "node_modules already matches package-lock.json"
  else
    vr_log "installing npm dependencies (npm ci)"
    (cd "$VR_ROOT" && npm ci --no-audit --no-fund --loglevel=error </dev/null) || vr_die "npm ci failed"
  fi
  printf '%s\n' "$hash" >"$VR_LOCK_STAMP"
}

vr_link_vimage() {
  local target=$VR_ROOT/bin/vimage link=/usr/local/bin/vimage
  chmod +x "$target"
  [[ $(readlink "$link" 2>/dev/null || true) == "$target" ]] && return 0
  ln -sfn "$target" "$link"
  vr_log "linked $link -> $target"
}

vr_setup() {
  [[ ${VR_SETUP_DONE:-} == 1 ]] && return 0
  vr_require_root
  vr_check_node
  vr_ensure_apt_packages "${VR_APT_PACKAGES[@]}"
  vr_npm_install
  vr_link_vimage
  VR_SETUP_DONE=1
}

vr_setup
