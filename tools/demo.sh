#!/usr/bin/env bash
# The main job: set-up (idempotent), then train a 2-layer MLP on WebGPU and print the loss as it falls.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh" || exit 1
if [ ! -f tools/train-mlp.ts ]; then
  echo "[demo] tools/train-mlp.ts is not in this checkout yet" >&2
  exit 1
fi
exec pnpm demo "$@"
