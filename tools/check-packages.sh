#!/usr/bin/env bash
# Checks the packages as they would be published: builds them (nx cache), packs each published one
# (tools/pack-packages.sh) and runs publint and @arethetypeswrong/cli (attw, ESM-only profile: the
# packages ship ESM alone, on purpose) on every tarball, then installs core, models and lora from the
# tarballs into a scratch project outside the workspace and runs a LoRA forward there
# (tools/install-test.sh). Any error fails the run. `./tools/test.sh` runs it through nx (cached:
# target tools:check-packages).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export NX_NO_CLOUD=true NX_TUI=false
pnpm exec nx run-many -t build --output-style=static >/dev/null
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
"$root/tools/pack-packages.sh" "$dir" >/dev/null
check() {
  local tgz="$1" name log
  name="$(basename "$tgz" .tgz)"
  log="$(mktemp)"
  if pnpm exec publint run --strict "$tgz" >"$log" 2>&1 && pnpm exec attw --profile esm-only --no-color --format ascii "$tgz" >>"$log" 2>&1; then
    echo "[check-packages] $name: publint ok, attw ok"
  else
    echo "[check-packages] $name: FAILED"; cat "$log"; rm -f "$log"; return 1
  fi
  rm -f "$log"
}
export -f check
ls "$dir"/*.tgz | xargs -P 2 -I{} bash -c 'check "$@"' _ {}
# and what a user who installs only core, models and lora from those tarballs gets
"$root/tools/install-test.sh" "$dir"
