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

echo "==> API tests on Postgres and Redis (services)"
# The test services (scripts/cluster/README.md): other ports than a hand-run cluster, no fsync, wiped
# on stop. Stopped on exit whatever happens.
stop_services() { bash scripts/cluster/cluster.sh services stop --test >/dev/null 2>&1 || true; }
trap stop_services EXIT
services_up=0
if bash scripts/cluster/cluster.sh services start --test; then
  services_up=1
  # Only the ATELIER_TEST_* URLs reach the tests (each test picks its own database or Redis db).
  (set -a && . "${CLUSTER_DATA_DIR:-$ROOT_DIR/.cluster/test}/env" && set +a && unset ATELIER_DATABASE_URL ATELIER_REDIS_URL &&
    cd apps/api &&
    pnpm exec vitest run -c vitest.services.config.ts --reporter=default --reporter=json \
      --outputFile.json="$ROOT_DIR/test-results/vitest-api-services.json") || status=1
else
  echo "the test services did not start: the services tests did not run"
  status=1
fi

echo "==> API tests on Postgres (the suite again, each test app on a copy of a migrated template database)"
if [ "$services_up" = 1 ]; then
  (set -a && . "${CLUSTER_DATA_DIR:-$ROOT_DIR/.cluster/test}/env" && set +a && unset ATELIER_DATABASE_URL ATELIER_REDIS_URL &&
    cd apps/api &&
    pnpm exec vitest run -c vitest.pg.config.ts --reporter=default --reporter=json \
      --outputFile.json="$ROOT_DIR/test-results/vitest-api-postgres.json") || status=1
else
  echo "the test services did not start: the API tests on Postgres did not run"
fi
stop_services

echo "==> browser tests"
PLAYWRIGHT_JSON_OUTPUT_NAME="$ROOT_DIR/test-results/playwright.json" \
  pnpm --filter @atelier/web exec playwright test --reporter=list,json || status=1

node scripts/test-summary.mjs test-results || status=$?
exit $status
