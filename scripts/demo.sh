#!/usr/bin/env bash
# Demo mode: Atelier with the ComfyUI-protocol simulator standing in for ComfyUI, so every flow
# can be tried without a GPU server. Images are simulated (test patterns), and the UI says so.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

echo "==> building"
pnpm run build

SIM_PORT="${COMFY_SIM_PORT:-8189}"
SIM_DIR="${ATELIER_ROOT_DIR:-$ROOT_DIR}/generated/demo-comfyui"
mkdir -p "$SIM_DIR"
node packages/comfy-sim/dist/cli.js --port "$SIM_PORT" --step-ms "${COMFY_SIM_STEP_MS:-150}" \
  --data-dir "$SIM_DIR" &
SIM_PID=$!
trap 'kill "$SIM_PID" 2>/dev/null || true' EXIT INT TERM

export COMFY_ENABLED=true
export COMFY_API_URL="http://127.0.0.1:$SIM_PORT"
export ATELIER_DEMO=1
echo "==> demo mode: simulated ComfyUI on $COMFY_API_URL, Atelier on http://localhost:${PORT:-3000}"
node apps/api/dist/main.js
