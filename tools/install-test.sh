#!/usr/bin/env bash
# Installs the packed @peft/core, @peft/models and @peft/lora (and nothing else from the workspace) into
# a scratch project outside it with npm, then runs a LoRA forward there on the CPU backend
# (tools/install-test/lora-forward.mjs). Their other dependencies (webgpu, @huggingface/tokenizers,
# @huggingface/jinja) come from the npm registry or, with a warm cache, from npm's cache
# (--prefer-offline).
#
#   tools/install-test.sh [DIR-WITH-TARBALLS]   (default: build and pack into a temporary folder)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/peft-install-test.XXXXXX")"
trap 'rm -rf "$work"' EXIT
if [ $# -ge 1 ]; then
  tarballs="$(cd "$1" && pwd)"
else
  (cd "$root" && NX_NO_CLOUD=true NX_TUI=false pnpm exec nx run-many -t build -p @peft/core @peft/models @peft/lora --output-style=static >/dev/null)
  tarballs="$work/tarballs"
  "$root/tools/pack-packages.sh" "$tarballs" >/dev/null
fi
app="$work/app"
mkdir -p "$app"
cat >"$app/package.json" <<'JSON'
{ "name": "peft-install-test", "private": true, "type": "module" }
JSON
pick() { ls "$tarballs"/peft-"$1"-*.tgz | head -n 1; }
(cd "$app" && npm install --prefer-offline --no-audit --no-fund --loglevel=error "$(pick core)" "$(pick models)" "$(pick lora)" >/dev/null)
installed="$(cd "$app" && node -p "Object.keys(require('./package.json').dependencies).join(' ')")"
echo "[install-test] installed into $app: $installed"
cp "$root/tools/install-test/lora-forward.mjs" "$app/"
(cd "$app" && node lora-forward.mjs)
