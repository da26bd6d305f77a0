#!/usr/bin/env bash
# `npm run lint`: the three static checks, each run even when an earlier one fails.
#   eslint      eslint.config.mjs (type-aware rules on server code, size limits for lib/)
#   depcruise   .dependency-cruiser.cjs (the layers of README "Layers", no import cycles)
#   prettier    .prettierrc.json (`npm run format` rewrites the files it lists)
# --report FILE writes a vitest-style JSON report (one test per check) for scripts/test.sh's summary.
# Exit status: 0 when all three pass, 1 otherwise.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

REPORT=""
if [ "${1:-}" = --report ]; then
  REPORT="$2"
fi

BIN=node_modules/.bin
NAMES=(eslint depcruise prettier)
CMDS=(
  "$BIN/eslint --max-warnings=0 ."
  "$BIN/depcruise --config .dependency-cruiser.cjs lib app components server.ts"
  "$BIN/prettier --check --log-level=warn ."
)
STATUS=()
failed=()
for i in "${!NAMES[@]}"; do
  start=$SECONDS
  echo "-- ${NAMES[$i]}: ${CMDS[$i]}"
  if ${CMDS[$i]}; then
    STATUS+=(passed)
  else
    STATUS+=(failed)
    failed+=("${NAMES[$i]}")
  fi
  echo "-- ${NAMES[$i]}: ${STATUS[$i]} ($((SECONDS - start))s)"
done

if [ -n "$REPORT" ]; then
  mkdir -p "$(dirname "$REPORT")"
  node - "$REPORT" "${NAMES[@]}" -- "${STATUS[@]}" <<'JS'
const fs = require("node:fs");
const args = process.argv.slice(2);
const file = args.shift();
const sep = args.indexOf("--");
const names = args.slice(0, sep), status = args.slice(sep + 1);
const assertionResults = names.map((n, i) => ({ title: n, fullName: `lint ${n}`, status: status[i] }));
const numFailedTests = status.filter((s) => s !== "passed").length;
fs.writeFileSync(file, JSON.stringify({
  numPassedTests: status.length - numFailedTests,
  numFailedTests,
  testResults: [{ name: "lint", status: numFailedTests ? "failed" : "passed", assertionResults }],
}, null, 2));
JS
fi

if [ "${#failed[@]}" -gt 0 ]; then
  echo "lint FAILED: ${failed[*]} (fix the lines above; \`npm run format\` rewrites what prettier lists)"
  exit 1
fi
echo "lint ok: eslint, depcruise, prettier"
