#!/usr/bin/env bash
# The main job: set-up (idempotent), then `peft demo`: fine-tune a LoRA adapter on the embedded base
# model and task, show the accuracy before and after, and save the adapter. Extra arguments go to
# `peft demo` (see `pnpm -s peft demo --help`).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh" || exit 1
exec pnpm -s demo "$@"
