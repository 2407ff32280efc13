#!/usr/bin/env bash
# The test command: set-up (idempotent), then typecheck, lint and every vitest project, then the packed
# packages (tools/check-packages.sh), through nx, and the API docs (typedoc, warnings are errors)
# (cached: unchanged packages are not re-run). Extra arguments go to nx, e.g. `--skip-nx-cache`.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh" || exit 1
export NX_NO_CLOUD=true NX_TUI=false
echo "[test] typecheck, lint, test"
pnpm exec nx run-many -t typecheck lint test "$@"
echo "[test] packages as published: publint, attw, install into a scratch project (tools/check-packages.sh)"
pnpm exec nx run tools:check-packages --output-style=static "$@"
echo "[test] API docs: typedoc over every package, warnings are errors (pnpm run docs)"
pnpm run docs
