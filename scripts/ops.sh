#!/usr/bin/env bash
# `npm run backup -- DIR` / `npm run restore -- DIR`: runs the API's compiled ops script (apps/api/src/ops),
# building the API first when it has not been built. DIR is taken relative to where npm was run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
op="$1"
shift
script="$root/apps/api/dist/ops/$op-main.js"
if [ ! -f "$script" ]; then
  (cd "$root" && pnpm --filter "@atelier/api..." run build >&2)
fi
cd "${INIT_CWD:-$PWD}"
exec node "$script" "$@"
