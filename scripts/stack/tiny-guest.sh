#!/usr/bin/env bash
# Builds (once) a tiny, real, bootable Linux guest from Debian packages only:
# Debian 12's cloud kernel plus an initramfs holding busybox-static and an /init
# that mounts proc, sys and devtmpfs, prints
#   VIRTDECK-TINY-GUEST READY <kernel version>
# on tty0 (VGA) and ttyS0 (serial), then keeps a shell on ttyS0 and one on tty1.
# Boot it with <kernel>, <initrd> and <cmdline>console=tty0 console=ttyS0</cmdline>
# (128 MiB, no disk); see tests/integration/tiny-guest.test.ts. With a virtio NIC it loads the
# virtio network modules and asks for an address with DHCP (busybox udhcpc), so a libvirt network's
# DHCP server leases it an address (tested on host 3, inside its network namespace).
#
# Output, on stdout (everything else goes to stderr):
#   VD_TEST_TINY_KERNEL=<absolute path>
#   VD_TEST_TINY_INITRD=<absolute path>
# The files live in $VD_TINY_GUEST_DIR (default /var/cache/virtdeck-test/tiny-guest),
# world-readable so both qemu users (libvirt-qemu for qemu:///system, vdhost2 for
# qemu:///session) can open them. They are rebuilt only when missing or when this
# recipe changes (see "stamp"); a cached run takes milliseconds. Needs root for
# the first build (apt-get download); network only for apt.
set -euo pipefail

# The directory carries the recipe generation: checkouts of an older recipe keep their own copy.
OUT="${VD_TINY_GUEST_DIR:-/var/cache/virtdeck-test/tiny-guest-2}"
KERNEL="$OUT/vmlinuz"
INITRD="$OUT/initrd.img"
STAMP="$OUT/stamp"

log() { printf '[tiny-guest] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The guest's /init. Changing it changes the recipe hash and triggers a rebuild.
IFS= read -r -d '' INIT <<'INIT_EOF' || true
#!/bin/busybox sh
# virtdeck tiny test guest (scripts/stack/tiny-guest.sh)
/bin/busybox --install -s
export PATH=/sbin:/usr/sbin:/bin:/usr/bin HOME=/root TERM=linux
mkdir -p /proc /sys /dev /tmp /root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
# Keep later kernel messages from scribbling over the shells.
dmesg -n 1
hostname tiny
# Network: virtio modules (the cloud kernel builds them as modules), then DHCP on every NIC.
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net; do
  insmod "/lib/modules/$m.ko" 2>/dev/null
done
ip link set lo up
for nic in /sys/class/net/eth*; do
  [ -e "$nic" ] || continue
  ip link set "${nic##*/}" up
  udhcpc -b -q -i "${nic##*/}" -s /etc/udhcpc.script >/dev/null 2>&1
done
banner="VIRTDECK-TINY-GUEST READY $(uname -r)"
echo "$banner" >/etc/banner
printf '\r\n%s\r\n' "$banner" >/dev/tty0
printf '\r\n%s\r\n' "$banner" >/dev/ttyS0
# shell_loop TTY: an interactive shell with TTY as controlling terminal, forever.
shell_loop() {
  while :; do
    setsid -c sh -c 'export PS1="tiny:\w# "; exec sh -i' <>"/dev/$1" >&0 2>&0
    sleep 1
  done
}
shell_loop ttyS0 &
# tty0 is "the current VT" (tty1 at boot): the shell goes on tty1 itself.
shell_loop tty1 &
# PID 1 must never exit; wait also reaps orphans.
while :; do wait; sleep 60; done
INIT_EOF

RECIPE="recipe=$(printf '%s\n%s\n' "v2" "$INIT" | sha256sum | cut -c1-16)"

cached() {
  [ -s "$KERNEL" ] && [ -s "$INITRD" ] && [ -s "$STAMP" ] && grep -qx "$RECIPE" "$STAMP"
}

print_env() {
  printf 'VD_TEST_TINY_KERNEL=%s\nVD_TEST_TINY_INITRD=%s\n' "$KERNEL" "$INITRD"
}

if cached; then
  log "cached: $(sed -n 's/^kernel=//p' "$STAMP") in $OUT"
  print_env
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "the first build needs root (apt-get download, $OUT); run it once as root"
for bin in apt-get apt-cache dpkg-deb cpio gzip flock sha256sum; do
  command -v "$bin" >/dev/null || die "missing $bin (cpio: apt-get install cpio)"
done

umask 022
mkdir -p "$OUT" # 0755 with this umask, parents included
chmod 755 "$OUT"
# Stacks of several checkouts may come up at once: one builds, the others wait.
exec 9>"$OUT/.lock"
flock -w 600 9 || die "timed out waiting for another build ($OUT/.lock)"
if cached; then
  log "built meanwhile by another run: $(sed -n 's/^kernel=//p' "$STAMP")"
  print_env
  exit 0
fi

t0=$(date +%s%N)
WORK="$(mktemp -d "$OUT/.build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
chmod 755 "$WORK"

apt_updated=no
apt_update_once() {
  [ "$apt_updated" = yes ] && return 1
  apt_updated=yes
  log "apt-get update"
  apt-get update -qq >&2 || die "apt-get update failed"
}

# linux-image-cloud-amd64 depends on exactly one linux-image-6.1.0-<N>-cloud-amd64.
kernel_package() {
  apt-cache depends linux-image-cloud-amd64 2>/dev/null |
    sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n1
}
kpkg="$(kernel_package || true)"
if [ -z "$kpkg" ]; then
  apt_update_once || true
  kpkg="$(kernel_package || true)"
fi
[ -n "$kpkg" ] || die "cannot resolve the cloud kernel: 'apt-cache depends linux-image-cloud-amd64' names no linux-image-*-cloud-amd64"
kver="${kpkg#linux-image-}"
log "kernel package $kpkg"

# apt-get download drops privileges to _apt: give it a directory it may write.
mkdir -p "$WORK/debs"
if id -u _apt >/dev/null 2>&1; then chown _apt "$WORK/debs"; fi
download() {
  (cd "$WORK/debs" && apt-get download -qq "$kpkg" busybox-static >&2)
}
if ! download; then
  # Stale package lists (404) or none at all: refresh once and retry.
  apt_update_once || die "apt-get download $kpkg busybox-static failed"
  kpkg_new="$(kernel_package || true)"
  if [ -n "$kpkg_new" ] && [ "$kpkg_new" != "$kpkg" ]; then
    kpkg="$kpkg_new"
    kver="${kpkg#linux-image-}"
    log "kernel package after apt-get update: $kpkg"
  fi
  download || die "apt-get download $kpkg busybox-static failed"
fi
kdeb="$(ls "$WORK"/debs/"${kpkg}"_*.deb 2>/dev/null | head -n1)"
bdeb="$(ls "$WORK"/debs/busybox-static_*.deb 2>/dev/null | head -n1)"
[ -n "$kdeb" ] && [ -n "$bdeb" ] || die "apt-get download left no .deb for $kpkg or busybox-static"
bver="$(dpkg-deb -f "$bdeb" Version)"

# Only the kernel image is needed (the cloud kernel has 8250, VGA console and
# devtmpfs built in); skip the ~100 MB of modules.
mkdir -p "$WORK/kernel" "$WORK/busybox"
NET_MODULES=(drivers/virtio/virtio.ko drivers/virtio/virtio_ring.ko drivers/virtio/virtio_pci_legacy_dev.ko
  drivers/virtio/virtio_pci_modern_dev.ko drivers/virtio/virtio_pci.ko net/core/failover.ko
  drivers/net/net_failover.ko drivers/net/virtio_net.ko)
dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$WORK/kernel" "./boot/vmlinuz-$kver" \
  "${NET_MODULES[@]/#/./lib/modules/$kver/kernel/}" ||
  die "$kdeb has no ./boot/vmlinuz-$kver or lacks a virtio network module"
dpkg-deb -x "$bdeb" "$WORK/busybox"
[ -x "$WORK/busybox/bin/busybox" ] || die "$bdeb has no bin/busybox"

root="$WORK/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root}
cp "$WORK/busybox/bin/busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
printf '%s\n' "$INIT" >"$root/init"
mkdir -p "$root/lib/modules" "$root/etc"
for m in "${NET_MODULES[@]}"; do cp "$WORK/kernel/lib/modules/$kver/kernel/$m" "$root/lib/modules/"; done
# udhcpc's hook: put the leased address on the interface.
printf '%s\n' '#!/bin/sh' \
  'case "$1" in bound | renew) ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up ;; esac' \
  >"$root/etc/udhcpc.script"
chmod 755 "$root/etc/udhcpc.script"
chmod 755 "$root/init" "$root/bin/busybox"
# No /dev/console needed here: the kernel's built-in initramfs already has it.
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner=0:0 --quiet) |
  gzip -9n >"$WORK/initrd.img"

install -m 0644 "$WORK/kernel/boot/vmlinuz-$kver" "$OUT/.vmlinuz.new"
install -m 0644 "$WORK/initrd.img" "$OUT/.initrd.img.new"
mv -f "$OUT/.vmlinuz.new" "$KERNEL"
mv -f "$OUT/.initrd.img.new" "$INITRD"
printf 'kernel=%s\nbusybox=%s\n%s\n' "$kver" "$bver" "$RECIPE" >"$OUT/.stamp.new"
chmod 644 "$OUT/.stamp.new"
mv -f "$OUT/.stamp.new" "$STAMP"
# Both qemu users must be able to open the files (a parent dir of mode 0700 would hide them).
for u in libvirt-qemu vdhost2; do
  if id -u "$u" >/dev/null 2>&1 && ! runuser -u "$u" -- test -r "$KERNEL" -a -r "$INITRD"; then
    die "$u cannot read $KERNEL / $INITRD: make every directory above $OUT world-searchable (0755)"
  fi
done
log "built kernel $kver + busybox $bver in $((($(date +%s%N) - t0) / 1000000)) ms: $OUT"
print_env
