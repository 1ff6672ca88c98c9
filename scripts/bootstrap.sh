#!/usr/bin/env bash
# Installs what Atelier needs on a fresh machine that has only Node.js 20.19+ and npm:
# pnpm (through npm, not corepack: corepack fails against registries without signatures) and the
# workspace's packages. Sourced by start.sh and test-all.sh, so both README commands stay true.
set -euo pipefail

PNPM_VERSION=10.34.9
ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT_DIR"

node_major_minor=$(node -p 'process.versions.node.split(".").slice(0,2).join(".")')
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit((a===20&&b>=19)||(a===22&&b>=13)||a>22?0:1)'; then
  echo "Atelier needs Node.js 20.19+ or 22.13+ (found $node_major_minor)." >&2
  exit 1
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "==> installing pnpm $PNPM_VERSION with npm"
  npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null
  hash -r
fi

# better-sqlite3 compiles from source here (its prebuilt download is unreachable); point
# node-gyp at the machine's Node headers so it does not try to download them either.
if [ -z "${npm_config_nodedir:-}" ]; then
  for dir in /usr /usr/local "$(dirname "$(dirname "$(command -v node)")")"; do
    if [ -f "$dir/include/node/node.h" ]; then export npm_config_nodedir="$dir"; break; fi
  done
fi

echo "==> installing workspace packages (first run compiles better-sqlite3: about 1-2 minutes)"
# pipefail makes the pipeline fail with pnpm; the filter itself never fails (it may print nothing).
pnpm install --frozen-lockfile --reporter=append-only 2>&1 | { grep -vE '^(Progress|\.\.\.)' || true; }
