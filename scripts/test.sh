#!/usr/bin/env bash
# The test command (README, .ci/run): installs what it needs, checks format and lint, runs every test, ends with one plain count line.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh || exit 1
# Format and lint first (biome.jsonc): a finding fails the run before 20 minutes of tests.
# Biome colours even into a pipe: plain text when the log is not a terminal.
colors=(); [ -t 1 ] || colors=(--colors=off)
if ! npm run --silent lint -- "${colors[@]}"; then
  echo "lint: failed (npm run format rewrites the formatting; CONTRIBUTING.md, Style)" >&2
  exit 1
fi
mkdir -p .kiln
report=.kiln/vitest-report.json
rm -f "$report"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
rc=$?
if [ -f "$report" ]; then
  node -e '
    const r = require(process.argv[1]);
    const failed = r.numFailedTests + (r.numFailedTestSuites || 0) - 0;
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
    if (r.numTotalTests === 0) { console.error("no test ran"); process.exit(1); }
  ' "$root/$report" || rc=1
else
  echo "tests: no report written" >&2; rc=1
fi
exit $rc
