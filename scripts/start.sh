#!/usr/bin/env bash
# README command 1: install, build and start Atelier (API + web app in one process, SQLite).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

echo "==> building"
pnpm run build

echo "==> starting Atelier on http://localhost:${PORT:-3000}"
exec node apps/api/dist/main.js
