#!/usr/bin/env bash
# `npm test`: the one test command, locally and in CI (.ci/run).
# On a fresh Debian 12 machine, as root: installs missing Debian packages and
# node_modules, starts the real stack (libvirtd, two sshd "hosts", PostgreSQL;
# see scripts/stack/up.sh), runs unit tests, integration tests on PostgreSQL
# and on PGlite, `next build` and the Playwright suite, then stops everything
# it started, also on failure or Ctrl-C. The last line is "N passed, N failed".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/stack/common.sh
source scripts/stack/common.sh

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export NEXT_TELEMETRY_DISABLED=1
export CHECKPOINT_DISABLE=1
export PRISMA_HIDE_UPDATE_MESSAGE=1
export VD_STACK_OWNER_PID=$$

PKGS=(libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils dnsmasq-base iptables openssh-server
  chromium postgresql cpio busybox-static grub-rescue-pc python3-websockify)
# Binaries (or files) the packages above must provide.
BINS=(/usr/sbin/libvirtd /usr/sbin/virtlogd /usr/bin/virsh /usr/bin/qemu-system-x86_64 /usr/bin/qemu-img
  /usr/sbin/dnsmasq /usr/sbin/iptables /usr/sbin/sshd /usr/bin/ssh-keygen /usr/bin/chromium
  "$PG_BIN/initdb" "$PG_BIN/pg_ctl" /usr/bin/cpio /bin/busybox /usr/lib/grub-rescue/grub-rescue-cdrom.iso
  /usr/bin/websockify)

REPORTS="$STACK_DIR/reports"
PHASES=()  # "name seconds status" per phase
FAILED_PHASE=""
T0=$SECONDS

# --- summary and cleanup -------------------------------------------------------
# Sums the test counts of every JSON report that was written. A phase that
# failed without a failing test in its report (collection error, crashed
# runner, broken build) counts as one failure, so a red run never reads "0 failed".
summary_line() {
  node - "$REPORTS" "$FAILED_PHASE" <<'EOF' 2>/dev/null || echo "0 passed, 1 failed"
const fs = require("node:fs");
const path = require("node:path");
const [dir, failedPhase] = process.argv.slice(2);
let passed = 0, failed = 0, failedInReport = 0;
const read = (f) => { try { return JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")); } catch { return null; } };
let files = [];
try { files = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort(); } catch {}
for (const f of files) {
  const r = read(f);
  if (!r) continue;
  let p = 0, x = 0;
  if (r.stats && "expected" in r.stats) {            // Playwright
    p = r.stats.expected + (r.stats.flaky ?? 0);
    x = r.stats.unexpected + (r.errors?.length ?? 0);
  } else if ("numPassedTests" in r) {               // vitest (jest-compatible)
    p = r.numPassedTests;
    x = r.numFailedTests;
    for (const s of r.testResults ?? []) if (s.status === "failed" && !(s.assertionResults ?? []).length) x += 1;
  }
  passed += p; failed += x;
  if (failedPhase && f.startsWith(failedPhase + ".")) failedInReport += x;
}
if (failedPhase && failedInReport === 0) failed += 1;
console.log(`${passed} passed, ${failed} failed`);
EOF
}

finish() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  echo
  echo "== stopping the test stack"
  bash scripts/stack/down.sh
  echo
  echo "== phases"
  local p
  for p in "${PHASES[@]}"; do
    # shellcheck disable=SC2086
    printf '   %-24s %5ss  %s\n' $p
  done
  printf '   %-24s %5ss\n' total $((SECONDS - T0))
  [ -n "$FAILED_PHASE" ] && echo "FAILED in phase: $FAILED_PHASE"
  [ "$rc" -ne 0 ] && [ -z "$FAILED_PHASE" ] && echo "FAILED before the tests could run (exit $rc)"
  summary_line
  exit "$rc"
}
trap finish EXIT
trap 'echo "interrupted"; exit 130' INT
trap 'echo "terminated"; exit 143' TERM

# phase NAME CMD...: runs one step, times it; stops the run on failure.
phase() {
  local name="$1" start=$SECONDS rc=0
  shift
  echo
  echo "== $name: $*"
  "$@" || rc=$?
  if [ "$rc" -ne 0 ]; then
    PHASES+=("$name $((SECONDS - start)) FAILED")
    FAILED_PHASE="$name"
    exit "$rc"
  fi
  PHASES+=("$name $((SECONDS - start)) ok")
}

# --- Debian packages -----------------------------------------------------------
packages_missing() {
  local p status
  for p in "${PKGS[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
    [ "$status" = installed ] || echo "$p"
  done
}

install_packages() {
  local missing=() b
  mapfile -t missing < <(packages_missing)
  for b in "${BINS[@]}"; do
    [ -e "$b" ] || { missing=("${PKGS[@]}"); break; }
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "all Debian packages present"
    return 0
  fi
  local line="apt-get install -y --no-install-recommends ${PKGS[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "Install them as root, then run npm test again (as root: the stack starts libvirtd and sshd):" >&2
    echo "  $line" >&2
    return 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # No init system: keep package scripts from starting daemons (a PostgreSQL
  # cluster on 5432, libvirtd) that this script would then not know about.
  local policy=/usr/sbin/policy-rc.d created_policy=no
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=yes
  fi
  local rc=0
  if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
    apt-get update || rc=$?
  fi
  if [ "$rc" -eq 0 ] && ! apt-get install -y --no-install-recommends "${PKGS[@]}"; then
    # Stale package lists (404s) are the usual cause: refresh once and retry.
    apt-get update && apt-get install -y --no-install-recommends "${PKGS[@]}" || rc=$?
  fi
  [ "$created_policy" = yes ] && rm -f "$policy"
  return "$rc"
}

node_deps() {
  [ -d node_modules ] || npm ci --no-audit --no-fund
  [ -d lib/generated/prisma ] || npx tsx scripts/prisma-generate.ts
}

rm -rf "$REPORTS"
phase packages install_packages
if [ "$(id -u)" -ne 0 ]; then
  echo "npm test must run as root: the stack starts the system libvirtd, sshd and a user '$HOST2_USER'." >&2
  exit 1
fi
phase node-modules node_deps
phase stack-up bash scripts/stack/up.sh
mkdir -p "$REPORTS"
# shellcheck disable=SC1091
source "$STACK_DIR/env"

phase unit npx vitest run --project unit \
  --reporter=default --reporter=json --outputFile.json="$REPORTS/unit.json"
VD_TEST_DB=postgres phase integration-postgres npx vitest run --project integration \
  --reporter=default --reporter=json --outputFile.json="$REPORTS/integration-postgres.json"
VD_TEST_DB=pglite phase integration-pglite npx vitest run --project integration \
  --reporter=default --reporter=json --outputFile.json="$REPORTS/integration-pglite.json"
phase next-build npx next build
VD_E2E_JSON_REPORT="$REPORTS/e2e.json" phase e2e npx playwright test
