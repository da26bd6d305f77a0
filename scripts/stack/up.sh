#!/usr/bin/env bash
# Brings up the real test stack for this checkout (as root) and writes .stack/env:
#   - system libvirtd + virtlogd (only started when not already running),
#   - host 1: an sshd on 127.0.0.1 for root, libvirt qemu:///system,
#   - host 2: an sshd on 127.0.0.2 for the unix user vdhost2, whose own
#     qemu:///session daemon is an independent libvirt,
#   - host 3: a system libvirtd, virtlogd and sshd inside a network + mount namespace of their own,
#     reached over a veth pair (scripts/stack/host3.sh): libvirt networks with DHCP are tested there,
#   - a throwaway PostgreSQL 15 cluster on 127.0.0.1.
# `npm test` (scripts/test.sh) does all of this itself. To run single tests:
#   bash scripts/stack/up.sh && source .stack/env
#   VD_TEST_DB=postgres npx vitest run tests/integration/migrate.test.ts
#   npx next build && npx playwright test          # e2e needs a production build
#   bash scripts/stack/down.sh
# Running up.sh again first tears down this checkout's previous stack. Stacks of
# different checkouts use different ports and state dirs and can run side by side.
set -euo pipefail
# shellcheck source=scripts/stack/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/stack/up.sh must run as root: it starts the system libvirtd, creates the user $HOST2_USER and runs sshd." >&2
  exit 1
fi
for bin in /usr/sbin/libvirtd /usr/sbin/virtlogd /usr/bin/virsh /usr/sbin/sshd /usr/bin/ssh-keygen "$PG_BIN/initdb" "$PG_BIN/pg_ctl"; do
  [ -x "$bin" ] || { echo "missing $bin: run 'npm test' once as root to install the packages (see scripts/test.sh)" >&2; exit 1; }
done

bash "$STACK_ROOT/scripts/stack/down.sh" --quiet
# A half-started stack is torn down again rather than left behind.
trap 'rc=$?; if [ "$rc" -ne 0 ]; then stack_log "up.sh failed, tearing down"; bash "$STACK_ROOT/scripts/stack/down.sh" --quiet; fi' EXIT
mkdir -p "$STACK_DIR" "$STACK_REGISTRY"
chmod 755 "$STACK_DIR" # sshd reads host 2's authorized_keys as vdhost2
printf '%s\n%s\n' "$STACK_DIR" "${VD_STACK_OWNER_PID:-$$}" >"$STACK_REGISTRY/$STACK_ID"

# --- libvirt -----------------------------------------------------------------
# No systemd here: start the daemons ourselves and remember that we did, so
# down.sh stops only what this stack started.
daemon_start() { # NAME
  local name="$1" pidfile="/run/$1.pid" i
  if pid_alive "$pidfile"; then
    stack_log "$name already running (pid $(cat "$pidfile")), using it"
    return 0
  fi
  if "/usr/sbin/$name" -d; then
    for i in $(seq 1 50); do pid_alive "$pidfile" && break; sleep 0.1; done
    pid_alive "$pidfile" || { stack_log "$name did not start"; return 1; }
    cat "$pidfile" >"$STACK_DIR/started-$name"
    stack_log "started $name (pid $(cat "$pidfile"))"
  elif pid_alive "$pidfile"; then
    stack_log "$name was started by someone else meanwhile, using it"
  else
    stack_log "$name failed to start"
    return 1
  fi
}
mkdir -p /var/log/libvirt /run/libvirt
daemon_start virtlogd
daemon_start libvirtd
for i in $(seq 1 100); do
  virsh -q -c qemu:///system uri >/dev/null 2>&1 && break
  [ "$i" -eq 100 ] && { stack_log "libvirtd does not answer on qemu:///system"; exit 1; }
  sleep 0.2
done

getent group kvm >/dev/null || groupadd --system kvm
# QEMU runs as libvirt-qemu (group kvm); the device node is root-only by default.
if [ -c /dev/kvm ]; then
  { chgrp kvm /dev/kvm && chmod 660 /dev/kvm; } || stack_log "warning: cannot give group kvm access to /dev/kvm"
fi
# kvm only when QEMU's user can open the device AND libvirt reports kvm for
# x86_64 guests; otherwise TCG. VD_FORCE_DOMAIN_TYPE=qemu|kvm forces a choice
# (not VD_TEST_DOMAIN_TYPE: a shell that sourced an old .stack/env has that).
domain_type="${VD_FORCE_DOMAIN_TYPE:-}"
if [ -z "$domain_type" ]; then
  domain_type=qemu
  qemu_user=root
  id -u libvirt-qemu >/dev/null 2>&1 && qemu_user=libvirt-qemu
  if [ -c /dev/kvm ] && runuser -u "$qemu_user" -- test -r /dev/kvm -a -w /dev/kvm &&
    virsh -q -c qemu:///system domcapabilities --virttype kvm --arch x86_64 2>/dev/null | grep -q '<domain>kvm</domain>'; then
    domain_type=kvm
  fi
fi
case "$domain_type" in kvm | qemu) ;; *) stack_log "VD_FORCE_DOMAIN_TYPE must be kvm or qemu, got '$domain_type'"; exit 1 ;; esac
stack_log "domain type: $domain_type"

# --- host 2's user -----------------------------------------------------------
if ! id -u "$HOST2_USER" >/dev/null 2>&1; then
  # Another checkout's stack may create it at the same moment.
  useradd --create-home --shell /bin/bash --groups kvm "$HOST2_USER" || id -u "$HOST2_USER" >/dev/null
  stack_log "created user $HOST2_USER"
fi
id -nG "$HOST2_USER" | tr ' ' '\n' | grep -qx kvm || usermod -aG kvm "$HOST2_USER"
# useradd leaves the password "!" (locked), and without PAM sshd then refuses
# even key logins ("account is locked"). "*" means: no password, not locked.
if getent shadow "$HOST2_USER" | cut -d: -f2 | grep -q '^!'; then
  usermod -p '*' "$HOST2_USER"
fi
host2_home="$(getent passwd "$HOST2_USER" | cut -d: -f6)"
if [ ! -d "$host2_home" ]; then
  mkdir -p "$host2_home"
  chown "$HOST2_USER:" "$host2_home"
fi
# Both libvirt daemons hand out VNC/SPICE ports from 5900 without knowing of each other, so a
# guest of one can fail to start on a port a guest of the other just took. Real hosts have
# one daemon each; here host 2's session daemon gets its own range.
host2_qemu_conf="$host2_home/.config/libvirt/qemu.conf"
if ! grep -qs '^remote_display_port_min' "$host2_qemu_conf"; then
  runuser -u "$HOST2_USER" -- mkdir -p "$host2_home/.config/libvirt"
  printf 'remote_display_port_min = 15900\nremote_display_port_max = 16899\nremote_websocket_port_min = 16900\nremote_websocket_port_max = 17899\n' |
    runuser -u "$HOST2_USER" -- tee -a "$host2_qemu_conf" >/dev/null
  # A session daemon already running keeps its old settings until it exits (idle timeout).
  pkill -u "$HOST2_USER" -x libvirtd 2>/dev/null || true
fi

# --- sshd × 2 ----------------------------------------------------------------
mkdir -p /run/sshd
chmod 755 /run/sshd

sshd_start() { # N ADDRESS USER
  local n="$1" addr="$2" user="$3" dir="$STACK_DIR/ssh$1" port attempt
  rm -rf "$dir"
  mkdir -p "$dir"
  chmod 755 "$dir"
  ssh-keygen -q -t ed25519 -N '' -C "virtdeck-test-host$n" -f "$dir/host_ed25519"
  ssh-keygen -q -t ed25519 -N '' -C "virtdeck-test-client$n" -f "$dir/client_ed25519"
  cp "$dir/client_ed25519.pub" "$dir/authorized_keys"
  chmod 644 "$dir/authorized_keys"
  for attempt in 1 2 3 4 5; do
    port="$(port_pick "$addr")"
    cat >"$dir/sshd_config" <<EOF
# Generated by scripts/stack/up.sh: test host $n, user $user only.
Port $port
ListenAddress $addr
HostKey $dir/host_ed25519
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
AllowUsers $user
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
X11Forwarding no
PrintMotd no
PrintLastLog no
# Test files open many connections in bursts; keep per-connection limits default.
MaxStartups 64
Subsystem sftp internal-sftp
EOF
    # sshd binds before it daemonizes, so a taken port fails here.
    if /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"; then
      for _ in $(seq 1 50); do pid_alive "$dir/sshd.pid" && break; sleep 0.1; done
      if pid_alive "$dir/sshd.pid"; then
        echo "$port" >"$dir/port"
        stack_log "sshd $n on $addr:$port for $user (pid $(cat "$dir/sshd.pid"))"
        return 0
      fi
    fi
    stack_log "sshd $n failed on port $port (attempt $attempt), see $dir/sshd.log"
  done
  return 1
}
sshd_start 1 127.0.0.1 root
sshd_start 2 127.0.0.2 "$HOST2_USER"

fingerprint() { ssh-keygen -l -E sha256 -f "$1" | awk '{print $2}'; }
ssh1_fp="$(fingerprint "$STACK_DIR/ssh1/host_ed25519.pub")"
ssh2_fp="$(fingerprint "$STACK_DIR/ssh2/host_ed25519.pub")"
ssh1_port="$(cat "$STACK_DIR/ssh1/port")"
ssh2_port="$(cat "$STACK_DIR/ssh2/port")"
{
  printf '[127.0.0.1]:%s %s\n' "$ssh1_port" "$(cut -d' ' -f1,2 "$STACK_DIR/ssh1/host_ed25519.pub")"
  printf '[127.0.0.2]:%s %s\n' "$ssh2_port" "$(cut -d' ' -f1,2 "$STACK_DIR/ssh2/host_ed25519.pub")"
} >"$STACK_DIR/known_hosts"

# Fail here, with the sshd log at hand, rather than in the first test.
ssh_check() { # N USER HOST PORT
  local out
  if ! out="$(ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$STACK_DIR/known_hosts" -o ConnectTimeout=10 \
    -i "$STACK_DIR/ssh$1/client_ed25519" -p "$4" "$2@$3" 'echo vd-ok' 2>&1)" || [[ "$out" != *vd-ok* ]]; then
    stack_log "ssh login to $2@$3:$4 failed: $out"
    tail -n 20 "$STACK_DIR/ssh$1/sshd.log" >&2 || true
    return 1
  fi
}
# Every ssh command runs the user's login shell init. A shell killed during root's `pyenv rehash`
# leaves its noclobber lock behind, and every later login then waits 60 s for it: clear a lock that
# no running rehash holds, and say so when logins are slow for any reason.
pyenv_lock=/root/.pyenv/shims/.pyenv-shim
if [ -f "$pyenv_lock" ] && ! pgrep -f pyenv-rehash >/dev/null; then
  stack_log "removing a stale pyenv rehash lock ($pyenv_lock) that stalls every root login"
  rm -f "$pyenv_lock"
fi
ssh_started=$SECONDS
ssh_check 1 root 127.0.0.1 "$ssh1_port"
ssh_check 2 "$HOST2_USER" 127.0.0.2 "$ssh2_port"
if [ $((SECONDS - ssh_started)) -gt 10 ]; then
  stack_log "warning: ssh logins to the test hosts took $((SECONDS - ssh_started)) s; the login shells' startup files are slow"
fi

# --- PostgreSQL --------------------------------------------------------------
# Outside the checkout: the socket path must stay short, and postgres must own it.
pg_root="$(mktemp -d /tmp/vd-pg.XXXXXX)"
echo "$pg_root" >"$STACK_DIR/pg.dir"
chown postgres:postgres "$pg_root"
chmod 700 "$pg_root"
(cd / && runuser -u postgres -- "$PG_BIN/initdb" -D "$pg_root/data" -U postgres --auth=trust \
  -E UTF8 --locale=C.UTF-8 >"$pg_root/initdb.log" 2>&1) || {
  cat "$pg_root/initdb.log" >&2
  exit 1
}
pg_port=""
for attempt in 1 2 3 4 5; do
  port="$(port_pick 127.0.0.1)"
  # Durability is pointless for a cluster that lives for one run.
  if (cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pg_root/data" -l "$pg_root/server.log" -w -t 60 \
    -o "-p $port -k $pg_root -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null); then
    pg_port="$port"
    break
  fi
  stack_log "PostgreSQL failed on port $port (attempt $attempt)"
  tail -n 5 "$pg_root/server.log" >&2 || true
done
[ -n "$pg_port" ] || exit 1
stack_log "PostgreSQL on 127.0.0.1:$pg_port ($pg_root)"

e2e_port="$(port_pick 127.0.0.1)"

# --- host 3 ----------------------------------------------------------------------
# A system libvirtd in a network + mount namespace of its own, over a veth pair (scripts/stack/host3.sh).
host3_env="$(bash "$STACK_ROOT/scripts/stack/host3.sh" up)"

# --- tiny guest ----------------------------------------------------------------
# A real bootable Linux guest (Debian cloud kernel + busybox initramfs) for the
# console tests; built once into /var/cache/virtdeck-test/tiny-guest, then cached.
if ! tiny_out="$(bash "$STACK_ROOT/scripts/stack/tiny-guest.sh")"; then
  stack_log "building the tiny test guest failed (scripts/stack/tiny-guest.sh, output above); the console tests boot it"
  exit 1
fi
tiny_kernel="$(sed -n 's/^VD_TEST_TINY_KERNEL=//p' <<<"$tiny_out")"
tiny_initrd="$(sed -n 's/^VD_TEST_TINY_INITRD=//p' <<<"$tiny_out")"
if [ ! -s "$tiny_kernel" ] || [ ! -s "$tiny_initrd" ]; then
  stack_log "scripts/stack/tiny-guest.sh reported no kernel/initrd: $tiny_out"
  exit 1
fi

# --- env -----------------------------------------------------------------------
q() { printf '%q' "$1"; }
cat >"$STACK_DIR/env.tmp" <<EOF
# Generated by scripts/stack/up.sh on $(date -u +%FT%TZ). Use: source .stack/env
export VD_TEST_STACK_DIR=$(q "$STACK_DIR")
export VD_TEST_PG_URL=$(q "postgres://postgres@127.0.0.1:$pg_port/postgres")
export VD_TEST_SSH_HOST=127.0.0.1
export VD_TEST_SSH_PORT=$ssh1_port
export VD_TEST_SSH_USER=root
export VD_TEST_SSH_KEY=$(q "$STACK_DIR/ssh1/client_ed25519")
export VD_TEST_SSH_HOSTKEY_SHA256=$(q "$ssh1_fp")
export VD_TEST_LIBVIRT_URI=qemu:///system
export VD_TEST_SSH2_HOST=127.0.0.2
export VD_TEST_SSH2_PORT=$ssh2_port
export VD_TEST_SSH2_USER=$HOST2_USER
export VD_TEST_SSH2_KEY=$(q "$STACK_DIR/ssh2/client_ed25519")
export VD_TEST_SSH2_HOSTKEY_SHA256=$(q "$ssh2_fp")
export VD_TEST_LIBVIRT2_URI=qemu:///session
$host3_env
export VD_TEST_DOMAIN_TYPE=$domain_type
export VD_TEST_TINY_KERNEL=$(q "$tiny_kernel")
export VD_TEST_TINY_INITRD=$(q "$tiny_initrd")
export VD_E2E_PORT=$e2e_port
export VD_E2E_BASE_URL=http://127.0.0.1:$e2e_port
EOF
mv "$STACK_DIR/env.tmp" "$STACK_DIR/env"
stack_log "stack up: source $STACK_DIR/env"
