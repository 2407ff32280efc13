#!/usr/bin/env bash
# Prepares a machine to build, test and run @peft. Idempotent: a second run only checks.
#
#   1. Node >= 20.19 is required (it is not installed here).
#   2. pnpm (the version in package.json "packageManager") is installed with npm when missing.
#   3. `pnpm install --frozen-lockfile`, skipped when nothing it depends on changed.
#   4. A WebGPU adapter must be usable from Node (Dawn, npm `webgpu`). On Debian bookworm without one,
#      Mesa's lavapipe software Vulkan driver is installed from bookworm-backports (bookworm's own Mesa 22
#      is too old for Dawn).
#   5. Chromium for the browser demo's end-to-end test (examples/browser): Debian's `chromium` package
#      when /usr/bin/chromium is missing (it runs WebGPU on SwiftShader with --enable-unsafe-webgpu).
#
# Environment:
#   PEFT_REQUIRE_WEBGPU=1   fail when no adapter can be made to work (CI sets it); otherwise warn.
#   PEFT_SKIP_GPU_SETUP=1   never touch system packages; only probe and report.
#   PEFT_CHROMIUM=PATH      the Chromium the browser test launches (default /usr/bin/chromium).
#
# Run it directly, or source it from another script to keep the variables it exports (XDG_RUNTIME_DIR, PATH);
# sourcing also leaves the caller in the repository root.

_peft_setup() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  cd "$root" || return 1

  say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
  warn() { printf '\033[1;33m[setup] warning:\033[0m %s\n' "$*" >&2; }
  die() { printf '\033[1;31m[setup] error:\033[0m %s\n' "$*" >&2; return 1; }

  # --- 1. Node -------------------------------------------------------------------------------------
  command -v node >/dev/null 2>&1 || { die "node is not installed; install Node.js 20.19 or newer"; return 1; }
  local node_version
  node_version="$(node -p 'process.versions.node')"
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
    { die "Node $node_version is too old; @peft needs Node 20.19 or newer"; return 1; }
  say "node $node_version"

  # --- 2. pnpm -------------------------------------------------------------------------------------
  local want_pnpm have_pnpm=""
  want_pnpm="$(node -p 'require("./package.json").packageManager.split("@")[1]')"
  command -v pnpm >/dev/null 2>&1 && have_pnpm="$(pnpm --version 2>/dev/null || true)"
  if [ "${have_pnpm%%.*}" != "${want_pnpm%%.*}" ]; then
    say "installing pnpm $want_pnpm with npm (found: ${have_pnpm:-none})"
    local npm_prefix
    npm_prefix="$(npm config get prefix 2>/dev/null)"
    if [ -w "$npm_prefix/lib" ] || [ "$(id -u)" = 0 ]; then
      npm install --global --no-fund --no-audit "pnpm@$want_pnpm" || { die "npm could not install pnpm@$want_pnpm"; return 1; }
    else
      # no root and no writable global prefix: install for this user only
      npm install --global --no-fund --no-audit --prefix "$HOME/.local" "pnpm@$want_pnpm" ||
        { die "npm could not install pnpm@$want_pnpm into ~/.local"; return 1; }
      export PATH="$HOME/.local/bin:$PATH"
    fi
    hash -r
    have_pnpm="$(pnpm --version)" || { die "pnpm is still not on PATH after installing it"; return 1; }
  fi
  say "pnpm $have_pnpm"

  # --- 3. dependencies -----------------------------------------------------------------------------
  # The stamp is a hash of everything `pnpm install` reads; it is written only after a successful install.
  local stamp_file=node_modules/.peft-install-stamp stamp
  local f inputs=()
  for f in pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc packages/*/package.json examples/*/package.json; do
    [ -f "$f" ] && inputs+=("$f")
  done
  stamp="$( { echo "$have_pnpm"; cat "${inputs[@]}"; } | cksum)"
  if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ]; then
    say "dependencies up to date"
  else
    say "pnpm install --frozen-lockfile"
    pnpm install --frozen-lockfile || { die "pnpm install failed (is pnpm-lock.yaml in sync with package.json? run 'pnpm install' and commit the lockfile)"; return 1; }
    printf '%s\n' "$stamp" >"$stamp_file"
  fi

  # --- 5. Chromium (checked first: step 4 returns when it is done) ---------------------------------
  _peft_setup_chromium || return 1

  # --- 4. WebGPU -----------------------------------------------------------------------------------
  if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
    export XDG_RUNTIME_DIR="${TMPDIR:-/tmp}/runtime-$(id -u)"
    mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
    say "XDG_RUNTIME_DIR was unset; using $XDG_RUNTIME_DIR"
  fi

  local probe_out
  if probe_out="$(node tools/webgpu-probe.mjs 2>&1)"; then
    say "$(printf '%s\n' "$probe_out" | grep '^webgpu:')"
    return 0
  fi
  warn "$(printf '%s\n' "$probe_out" | grep '^webgpu:' || printf '%s' "$probe_out")"

  if [ "$(uname -s)" = Linux ] && [ "${PEFT_SKIP_GPU_SETUP:-0}" != 1 ]; then
    _peft_install_lavapipe || true
    if probe_out="$(node tools/webgpu-probe.mjs 2>&1)"; then
      say "$(printf '%s\n' "$probe_out" | grep '^webgpu:')"
      return 0
    fi
    warn "still no WebGPU adapter: $probe_out"
  fi

  if [ "${PEFT_REQUIRE_WEBGPU:-0}" = 1 ]; then
    die "PEFT_REQUIRE_WEBGPU=1 but no WebGPU adapter is usable; see the messages above and CONTRIBUTING.md (WebGPU runtime)"
    return 1
  fi
  warn "no WebGPU adapter: code falls back to the CPU backend with a warning and WebGPU test cases do not run."
  warn "set PEFT_REQUIRE_WEBGPU=1 to make this an error (CI does)."
  return 0
}

# Installs Mesa's lavapipe (libvulkan1 + mesa-vulkan-drivers from bookworm-backports) on Debian bookworm.
_peft_install_lavapipe() {
  local codename="" sudo=""
  [ -r /etc/os-release ] && codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  if ! command -v apt-get >/dev/null 2>&1 || [ "$codename" != bookworm ]; then
    warn "automatic WebGPU set-up knows Debian bookworm only (this is '${codename:-unknown}');"
    warn "install a Vulkan driver with Mesa >= 24 (e.g. mesa-vulkan-drivers) or a GPU driver by hand"
    return 1
  fi
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { warn "installing lavapipe needs root, and sudo is not available"; return 1; }
    sudo="sudo"
  fi

  say "installing Mesa lavapipe (software Vulkan) from bookworm-backports"
  if ! grep -rqsE '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; then
    _peft_add_backports "$sudo" || return 1
  fi
  $sudo apt-get update || { warn "apt-get update failed"; return 1; }
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -t bookworm-backports mesa-vulkan-drivers libvulkan1 ||
    { warn "apt-get install of mesa-vulkan-drivers libvulkan1 failed"; return 1; }
}

# Chromium for the browser test: present, installed with apt (Debian's `chromium`), or a warning; with
# PEFT_REQUIRE_WEBGPU=1 a missing browser is an error, as the test then fails instead of skipping.
_peft_setup_chromium() {
  local chromium="${PEFT_CHROMIUM:-/usr/bin/chromium}" sudo=""
  if [ -x "$chromium" ]; then
    say "chromium: $("$chromium" --version 2>/dev/null || echo "$chromium")"
    return 0
  fi
  if [ "$(uname -s)" = Linux ] && [ "${PEFT_SKIP_GPU_SETUP:-0}" != 1 ] && [ -z "${PEFT_CHROMIUM:-}" ] && command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
    if [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; then
      say "installing Chromium (Debian's chromium) for the browser test"
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 ||
        { $sudo apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends chromium; } ||
        warn "apt-get install chromium failed"
    else
      warn "installing Chromium needs root, and sudo is not available"
    fi
    if [ -x "$chromium" ]; then
      say "chromium: $("$chromium" --version 2>/dev/null || echo "$chromium")"
      return 0
    fi
  fi
  if [ "${PEFT_REQUIRE_WEBGPU:-0}" = 1 ]; then
    die "PEFT_REQUIRE_WEBGPU=1 but there is no Chromium at $chromium for the browser test (install Debian's chromium, or set PEFT_CHROMIUM)"
    return 1
  fi
  warn "no Chromium at $chromium: the browser test (examples/browser) skips its browser cases"
  return 0
}

# Adds the bookworm-backports source, reusing the Debian mirror (and key) the system already uses, in the
# same format as the existing sources (deb822 `.sources` or one-line `.list`).
_peft_add_backports() {
  local sudo="$1" sources=/etc/apt/sources.list.d/debian.sources uri keyring
  if [ -f "$sources" ]; then
    # the stanza whose Suites list plain "bookworm"
    uri="$(awk 'BEGIN{RS=""} /(^|\n)Suites:([^\n]* )?bookworm( |\n|$)/ { if (match($0, /(^|\n)URIs:[ \t]*[^ \t\n]+/)) { s=substr($0,RSTART,RLENGTH); sub(/^\n?URIs:[ \t]*/,"",s); print s; exit } }' "$sources")"
    keyring="$(awk 'BEGIN{RS=""} /(^|\n)Suites:([^\n]* )?bookworm( |\n|$)/ { if (match($0, /(^|\n)Signed-By:[ \t]*[^ \t\n]+/)) { s=substr($0,RSTART,RLENGTH); sub(/^\n?Signed-By:[ \t]*/,"",s); print s; exit } }' "$sources")"
    [ -n "$uri" ] || { warn "no 'Suites: bookworm' stanza with URIs in $sources; add bookworm-backports by hand"; return 1; }
    say "adding /etc/apt/sources.list.d/bookworm-backports.sources (mirror $uri)"
    {
      echo "Types: deb"
      echo "URIs: $uri"
      echo "Suites: bookworm-backports"
      echo "Components: main"
      [ -n "$keyring" ] && echo "Signed-By: $keyring"
    } | $sudo tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
  else
    uri="$(grep -hE '^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?[^[:space:]]+[[:space:]]+bookworm[[:space:]]' \
      /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1 |
      sed -E 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/')"
    [ -n "$uri" ] || { warn "no 'deb <mirror> bookworm' line found in the apt sources; add bookworm-backports by hand"; return 1; }
    say "adding /etc/apt/sources.list.d/bookworm-backports.list (mirror $uri)"
    echo "deb $uri bookworm-backports main" | $sudo tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # executed: fail on the first error
  _peft_setup
  exit $?
fi
# sourced: run without the caller's errexit/nounset/pipefail, restore them, and return the status
# (read from $- and shopt here: `$(set +o)` would run in a subshell, where errexit is already off)
_peft_saved_opts=""
case $- in *e*) _peft_saved_opts+=e ;; esac
case $- in *u*) _peft_saved_opts+=u ;; esac
shopt -qo pipefail && _peft_saved_opts+=p
set +eu +o pipefail
_peft_setup
_peft_status=$?
case $_peft_saved_opts in *e*) set -e ;; esac
case $_peft_saved_opts in *u*) set -u ;; esac
case $_peft_saved_opts in *p*) set -o pipefail ;; esac
unset _peft_saved_opts
return $_peft_status
