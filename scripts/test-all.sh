#!/usr/bin/env bash
# README command 2 (and what .ci/run calls): install everything, then lint, typecheck, unit and
# API tests, and browser tests in Debian's Chromium. Ends with one "N passed, N failed" line.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

if [ ! -x /usr/bin/chromium ]; then
  echo "==> installing Debian's chromium for the browser tests"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi

rm -rf test-results && mkdir -p test-results

echo "==> build";      pnpm run build
echo "==> lint";       pnpm run lint
echo "==> format";     pnpm run format:check
echo "==> typecheck";  pnpm run typecheck
echo "==> unit + API tests"
status=0
for dir in packages/* apps/*; do
  [ -f "$dir/vitest.config.ts" ] || continue
  echo "--- $dir"
  (cd "$dir" && pnpm exec vitest run --reporter=default --reporter=json \
    --outputFile.json="$ROOT_DIR/test-results/vitest-$(basename "$dir").json") || status=1
done

echo "==> browser tests"
PLAYWRIGHT_JSON_OUTPUT_NAME="$ROOT_DIR/test-results/playwright.json" \
  pnpm --filter @atelier/web exec playwright test --reporter=list,json || status=1

node scripts/test-summary.mjs test-results || status=$?
exit $status
