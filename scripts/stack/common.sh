# Shared by up.sh, down.sh and scripts/test.sh (sourced, not run).
# shellcheck shell=bash

STACK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_DIR="$STACK_ROOT/.stack"
# Every stack on this machine registers here, so a stack never stops a
# libvirtd, or deletes vdtest-* domains, that another live stack still uses
# (e.g. /work/main and a clean clone under /tmp running at the same time).
STACK_REGISTRY=/run/virtdeck-test-stacks
STACK_ID="$(printf '%s' "$STACK_DIR" | sha1sum | cut -c1-12)"
PG_BIN=/usr/lib/postgresql/15/bin
HOST2_USER=vdhost2

stack_log() { printf '[stack] %s\n' "$*" >&2; }

# pid_alive PIDFILE: the pid in PIDFILE names a running process.
pid_alive() {
  local pid
  [ -s "$1" ] || return 1
  pid="$(head -n1 "$1" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

# port_free HOST PORT: nothing accepts connections there.
port_free() {
  ! (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# port_pick HOST: a port nobody listens on (callers still retry on bind errors).
port_pick() {
  local port i
  for i in $(seq 1 200); do
    port=$((20000 + RANDOM % 30000))
    if port_free "$1" "$port"; then
      echo "$port"
      return 0
    fi
  done
  stack_log "no free port found on $1"
  return 1
}

# other_stacks_alive: another registered stack (other checkout) is still up;
# sets OTHER_STACK_DIR to it.
other_stacks_alive() {
  local f dir owner
  [ -d "$STACK_REGISTRY" ] || return 1
  for f in "$STACK_REGISTRY"/*; do
    [ -e "$f" ] || continue
    [ "$(basename "$f")" = "$STACK_ID" ] && continue
    # Line 1: the stack dir; line 2: pid of the process bringing it up.
    dir="$(sed -n 1p "$f" 2>/dev/null || true)"
    owner="$(sed -n 2p "$f" 2>/dev/null || true)"
    if { [[ "$owner" =~ ^[0-9]+$ ]] && kill -0 "$owner" 2>/dev/null; } ||
      { [ -n "$dir" ] && { pid_alive "$dir/ssh1/sshd.pid" || pid_alive "$dir/ssh2/sshd.pid"; }; }; then
      OTHER_STACK_DIR="$dir"
      return 0
    fi
    rm -f "$f" # stale registration of a stack that died without down.sh
  done
  return 1
}
