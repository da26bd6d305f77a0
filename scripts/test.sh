#!/usr/bin/env bash
# `npm test`: the one test command, locally and in CI (.ci/run).
# On a fresh Debian 12 machine, as root: installs missing Debian packages and
# node_modules, starts the real stack (libvirtd, two sshd "hosts", PostgreSQL;
# see scripts/stack/up.sh), runs the static checks (scripts/lint.sh), unit tests,
# integration tests on PostgreSQL and on PGlite, `next build` and the Playwright suite, then stops everything
# it started, also on failure or Ctrl-C. The last line is "N passed, N failed".
# To run single tests against the stack, see the header of scripts/stack/up.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/stack/common.sh
source scripts/stack/common.sh

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export NEXT_TELEMETRY_DISABLED=1
export CHECKPOINT_DISABLE=1
export PRISMA_HIDE_UPDATE_MESSAGE=1
export VD_STACK_OWNER_PID=$$ # keeps this stack registered while it comes up

PKGS=(libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils dnsmasq-base iptables iproute2 openssh-server
  chromium postgresql cpio busybox-static grub-rescue-pc python3-websockify libarchive-tools openssl e2fsprogs
  lvm2)
# What those packages must provide; a missing one means: install again.
BINS=(/usr/sbin/libvirtd /usr/sbin/virtlogd /usr/bin/virsh /usr/bin/qemu-system-x86_64 /usr/bin/qemu-img
  /usr/sbin/dnsmasq /usr/sbin/iptables /usr/sbin/ip /usr/bin/nsenter /usr/sbin/sshd /usr/bin/ssh-keygen /usr/bin/chromium
  "$PG_BIN/initdb" "$PG_BIN/pg_ctl" /usr/bin/cpio /bin/busybox /usr/lib/grub-rescue/grub-rescue-cdrom.iso
  /usr/bin/websockify /usr/bin/bsdtar /usr/bin/openssl /usr/sbin/mkfs.ext4 /usr/sbin/lvm)

REPORTS="$STACK_DIR/reports"
PHASES=()        # "name seconds status" per phase
RUN_REPORTS=()   # JSON reports this run asked for
FAILED_PHASE=""
FAILED_REPORT="" # the failing phase's reports (comma-separated), if it writes any
STACK_STARTED=no
T0=$SECONDS

# --- summary and cleanup -------------------------------------------------------
# summary_line EXIT_CODE: sums the test counts of this run's JSON reports. A
# failed run whose failing phase shows no failing test (collection error,
# crashed runner, broken build, missing package) counts one failure, so a red
# run never reads "0 failed".
summary_line() {
  node - "$1" "$FAILED_REPORT" "${RUN_REPORTS[@]}" <<'JS' 2>/dev/null || echo "0 passed, 1 failed"
const fs = require("node:fs");
const [rc, failedReport, ...reports] = process.argv.slice(2);
function counts(file) {
  let r;
  try { r = JSON.parse(fs.readFileSync(file, "utf8")); } catch { return { passed: 0, failed: 0 }; }
  if (r.stats && "expected" in r.stats) { // Playwright
    return { passed: r.stats.expected + (r.stats.flaky ?? 0), failed: r.stats.unexpected + (r.errors?.length ?? 0) };
  }
  let failed = r.numFailedTests ?? 0; // vitest (jest-compatible)
  for (const s of r.testResults ?? []) if (s.status === "failed" && !(s.assertionResults ?? []).length) failed += 1;
  return { passed: r.numPassedTests ?? 0, failed };
}
// The failing tests by name (CI shows only the end of the log): vitest's assertionResults, Playwright's specs.
function failures(file) {
  let r;
  try { r = JSON.parse(fs.readFileSync(file, "utf8")); } catch { return []; }
  const out = [];
  for (const s of r.testResults ?? [])
    for (const a of s.assertionResults ?? [])
      if (a.status === "failed") out.push(`${s.name.replace(/^.*?\/(tests|lib|components)\//, "$1/")}: ${a.fullName ?? a.title}`);
  const walk = (suite, file) => {
    for (const spec of suite.specs ?? [])
      for (const t of spec.tests ?? [])
        if (t.status === "unexpected") out.push(`${suite.file ?? file}: ${spec.title} [${t.projectName}]`);
    for (const s of suite.suites ?? []) walk(s, suite.file ?? file);
  };
  for (const s of r.suites ?? []) walk(s, s.file);
  for (const e of r.errors ?? []) out.push(`error: ${String(e.message ?? e).split("\n")[0].slice(0, 200)}`);
  return out;
}
let passed = 0, failed = 0;
const names = [];
for (const f of reports) { const c = counts(f); passed += c.passed; failed += c.failed; names.push(...failures(f)); }
for (const n of names.slice(0, 20)) console.log(`  failed: ${n}`);
if (names.length > 20) console.log(`  failed: ... and ${names.length - 20} more`);
const failedReports = failedReport ? failedReport.split(",") : [];
if (rc !== "0" && failedReports.reduce((n, f) => n + counts(f).failed, 0) === 0) failed += 1;
console.log(`${passed} passed, ${failed} failed`);
JS
}

finish() {
  local rc=$? p
  trap - EXIT INT TERM
  set +e
  if [ "$STACK_STARTED" = yes ]; then
    echo
    echo "== stopping the test stack"
    bash scripts/stack/down.sh
  fi
  echo
  echo "== phases"
  for p in "${PHASES[@]}"; do
    # shellcheck disable=SC2086
    printf '   %-22s %5ss  %s\n' $p
  done
  printf '   %-22s %5ss\n' total $((SECONDS - T0))
  if [ -n "$FAILED_PHASE" ]; then
    echo "FAILED in phase: $FAILED_PHASE"
  elif [ "$rc" -ne 0 ]; then
    echo "FAILED (exit $rc)"
  fi
  summary_line "$rc"
  exit "$rc"
}
trap finish EXIT
trap 'echo "interrupted"; exit 130' INT
trap 'echo "terminated"; exit 143' TERM

# phase NAME [--report FILE] CMD...: runs one step and times it; the first
# failure ends the run. FILE is the JSON report the step writes.
phase() {
  local name="$1" report="" start=$SECONDS rc=0
  shift
  if [ "$1" = --report ]; then
    report="$2"
    RUN_REPORTS+=("$report")
    shift 2
  fi
  echo
  echo "== $name: $*"
  "$@" || rc=$?
  if [ "$rc" -ne 0 ]; then
    PHASES+=("$name $((SECONDS - start)) FAILED")
    FAILED_PHASE="$name"
    FAILED_REPORT="$report"
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
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "Install them as root, then run npm test as root (the stack starts libvirtd and sshd):" >&2
    echo "  apt-get install -y --no-install-recommends ${PKGS[*]}" >&2
    return 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # No init system: keep maintainer scripts from starting daemons (a PostgreSQL
  # cluster on 5432, libvirtd) that this script would not know to stop.
  local policy=/usr/sbin/policy-rc.d created_policy=no rc=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=yes
  fi
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    apt-get update || rc=$?
  fi
  if [ "$rc" -eq 0 ] && ! apt-get install -y --no-install-recommends "${PKGS[@]}"; then
    # Stale package lists (404s) are the usual cause: refresh once and retry.
    rc=0
    { apt-get update && apt-get install -y --no-install-recommends "${PKGS[@]}"; } || rc=$?
  fi
  if [ "$created_policy" = yes ]; then rm -f "$policy"; fi
  return "$rc"
}

node_deps() {
  [ -d node_modules ] || npm ci --no-audit --no-fund
  [ -d lib/generated/prisma ] || npx tsx scripts/prisma-generate.ts
}

# --- run -----------------------------------------------------------------------
phase packages install_packages
if [ "$(id -u)" -ne 0 ]; then
  echo "npm test must run as root: the stack starts the system libvirtd, sshd and a user '$HOST2_USER'." >&2
  exit 1
fi
phase node-modules node_deps
rm -rf "$REPORTS"
mkdir -p "$REPORTS"
# Static checks first (a minute, no stack): ESLint, the import layers, Prettier. One test per check
# in the summary; a violation fails the run here, before the stack starts.
phase lint --report "$REPORTS/lint.json" bash scripts/lint.sh --report "$REPORTS/lint.json"
STACK_STARTED=yes
phase stack-up bash scripts/stack/up.sh
# shellcheck disable=SC1091
source "$STACK_DIR/env"

vitest_run() { # REPORT-NAME vitest-args...
  local report="$REPORTS/$1.json"
  shift
  npx vitest run "$@" --reporter=default --reporter=json --outputFile.json="$report"
}
phase unit --report "$REPORTS/unit.json" vitest_run unit --project unit
# On PGlite: the files whose subject is the database itself (migrations, accounts, sessions and
# counters, access-control SQL, tasks on pg-boss, tickets and share links, quotas). The files that
# mostly drive the hosts (provisioning, storage, console limits, faults, transport, the route matrix)
# run on PostgreSQL only: on PGlite they repeated the same host work for ~6 minutes.
PGLITE_FILES=(migrate schema-drift accounts two-factor api-tokens audit-filters access-control tasks
  share-links quotas fleet-hosts console-proxy login-limits live-streams housekeeping)
VD_TEST_DB=postgres phase integration-postgres --report "$REPORTS/integration-postgres.json" \
  vitest_run integration-postgres --project integration
VD_TEST_DB=pglite phase integration-pglite --report "$REPORTS/integration-pglite.json" \
  vitest_run integration-pglite --project integration "${PGLITE_FILES[@]/#/tests/integration/}"
# Fault injection on daemons of its own (tests/faults): stops PostgreSQL, kills libvirtd, sshd and the app.
VD_TEST_DB=postgres phase faults --report "$REPORTS/faults.json" \
  vitest_run faults --project faults --passWithNoTests
phase next-build npm run build
VD_E2E_JSON_REPORT="$REPORTS/e2e.json" phase e2e --report "$REPORTS/e2e.json" npx playwright test
