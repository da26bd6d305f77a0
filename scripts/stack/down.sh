#!/usr/bin/env bash
# Stops what scripts/stack/up.sh started for this checkout: both sshds, the
# PostgreSQL cluster (and its files), vdtest-* domains, and libvirtd/virtlogd
# only if up.sh started them. Best effort, idempotent, safe after a failed up.sh:
#   bash scripts/stack/down.sh [--quiet]
set -uo pipefail
# shellcheck source=scripts/stack/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

quiet=no
[ "${1:-}" = "--quiet" ] && quiet=yes
say() { [ "$quiet" = yes ] || stack_log "$@"; }

[ -d "$STACK_DIR" ] || exit 0
[ "$(id -u)" -eq 0 ] || { echo "scripts/stack/down.sh must run as root" >&2; exit 1; }
rm -f "$STACK_DIR/env"

# Another checkout's stack may share libvirtd and the vdhost2 session libvirt.
others=no
if other_stacks_alive; then others=yes; fi

# stop_pid PID NAME: SIGTERM, then SIGKILL after 10 s.
stop_pid() {
  local pid="$1" i
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { say "stopped $2 (pid $pid)"; return 0; }
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null
  say "killed $2 (pid $pid)"
}

# domains_remove LABEL VIRSH...: destroy and undefine every vdtest-* domain.
domains_remove() {
  local label="$1" name
  shift
  for name in $("$@" list --all --name </dev/null 2>/dev/null | grep '^vdtest-'); do
    "$@" destroy "$name" </dev/null >/dev/null 2>&1
    "$@" undefine "$name" --managed-save --snapshots-metadata --checkpoints-metadata --nvram </dev/null >/dev/null 2>&1 ||
      "$@" undefine "$name" </dev/null >/dev/null 2>&1
    say "removed test domain $name ($label)"
  done
}

if [ "$others" = no ]; then
  if pid_alive /run/libvirtd.pid; then
    domains_remove qemu:///system virsh -q -c qemu:///system
  fi
  # Only when host 2's session daemon is running: connecting would spawn one.
  host2_home="$(getent passwd "$HOST2_USER" | cut -d: -f6)"
  if [ -n "$host2_home" ] && pid_alive "$host2_home/.cache/libvirt/libvirtd.pid"; then
    domains_remove "$HOST2_USER qemu:///session" runuser -u "$HOST2_USER" -- env -i HOME="$host2_home" USER="$HOST2_USER" PATH=/usr/bin:/bin \
      virsh -q -c qemu:///session
  fi
else
  say "another test stack is up: leaving vdtest-* domains alone"
fi

bash "$STACK_ROOT/scripts/stack/host3.sh" down || say "host 3: teardown failed"

for n in 1 2; do
  if pid_alive "$STACK_DIR/ssh$n/sshd.pid"; then
    stop_pid "$(cat "$STACK_DIR/ssh$n/sshd.pid")" "sshd $n"
  fi
  rm -f "$STACK_DIR/ssh$n/sshd.pid"
done

if [ -s "$STACK_DIR/pg.dir" ]; then
  pg_root="$(cat "$STACK_DIR/pg.dir")"
  if [ -f "$pg_root/data/postmaster.pid" ]; then
    (cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pg_root/data" stop -m fast -w -t 30 >/dev/null 2>&1) ||
      stop_pid "$(head -n1 "$pg_root/data/postmaster.pid")" postgres
    say "stopped PostgreSQL ($pg_root)"
  fi
  case "$pg_root" in /tmp/vd-pg.*) rm -rf "$pg_root" ;; esac
  rm -f "$STACK_DIR/pg.dir"
fi

# libvirtd before virtlogd; only daemons this stack started, and only when no
# other stack still uses them (then the other stack inherits the duty).
for name in libvirtd virtlogd; do
  marker="$STACK_DIR/started-$name"
  [ -f "$marker" ] || continue
  pid="$(cat "$marker")"
  if [ "$others" = yes ] && [ -n "${OTHER_STACK_DIR:-}" ]; then
    mv "$marker" "$OTHER_STACK_DIR/started-$name"
    say "$name left running for the stack in $OTHER_STACK_DIR"
    continue
  fi
  if [[ "$pid" =~ ^[0-9]+$ ]] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
    stop_pid "$pid" "$name"
  fi
  rm -f "$marker"
done

rm -f "$STACK_REGISTRY/$STACK_ID"
exit 0
