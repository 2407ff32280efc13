#!/usr/bin/env bash
# Packs every published @peft package (private ones are skipped) into a folder, as `npm publish` would
# upload them: `pnpm pack` turns `workspace:^` ranges into the packages' versions. Build first
# (`pnpm build`); the tarballs contain `dist`.
#
#   tools/pack-packages.sh [DIR]     (default: dist-packages/; the folder is emptied first)
#
# Prints one tarball path per line on stdout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/dist-packages}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
rm -f "$out"/*.tgz
for dir in "$root"/packages/*/; do
  [ -f "$dir/package.json" ] || continue
  if [ "$(node -p "require('$dir/package.json').private === true")" = "true" ]; then continue; fi
  [ -d "$dir/dist" ] || { echo "pack-packages: $dir has no dist; run pnpm build first" >&2; exit 1; }
  (cd "$dir" && pnpm pack --pack-destination "$out" >/dev/null)
done
ls "$out"/*.tgz
