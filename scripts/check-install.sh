#!/usr/bin/env bash
# The README's install, as a newcomer does it: a fresh clone of this repository's HEAD (with
# ../shared beside it when this checkout has one), `npm ci` with each npm major given (default:
# 10, what Node 20 ships, and 11), then `npx amft info` (no dist/ yet: the amft shim builds it),
# `npx amft predict` on the sample photo and the README's test command on one test file. Fails
# on the first step that fails.
#   scripts/check-install.sh            npm 10 and 11
#   scripts/check-install.sh 10         npm 10 only
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
versions=("${@:-10 11}")
read -r -a versions <<< "${versions[*]}"
work="$(mktemp -d "${TMPDIR:-/tmp}/amft-install-XXXXXX")"
trap 'rm -rf "$work"' EXIT
[ -d "$repo/../shared" ] && ln -s "$(cd "$repo/../shared" && pwd)" "$work/shared"

for v in "${versions[@]}"; do
  echo "== npm $v: fresh clone, npm ci, npx amft" >&2
  rm -rf "$work/repo"
  git clone --quiet --depth 1 "file://$repo" "$work/repo"
  cd "$work/repo"
  start=$SECONDS
  npx -y "npm@$v" ci --no-audit --no-fund --prefer-offline
  test ! -e node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so \
    || { echo "npm $v ran onnxruntime-node's install script (CUDA provider fetched)" >&2; exit 1; }
  test ! -e node_modules/@tensorflow/tfjs-node-gpu/lib \
    || { echo "npm $v ran @tensorflow/tfjs-node-gpu's install script" >&2; exit 1; }
  npx amft info --variant lite
  out="$(npx amft predict examples/astronaut.jpg)"
  echo "$out"
  grep -Eq '^examples/astronaut\.jpg +1 +[0-9,]+ +happy ' <<< "$out" \
    || { echo "npx amft predict did not find the happy face" >&2; exit 1; }
  # the README's test command on one file: tap, tsx and esbuild work without install scripts
  npm test -- test/docker.test.ts | tail -1 | grep -Eq '^[1-9][0-9]* passed, 0 failed' \
    || { echo "npm test failed after npm $v ci" >&2; exit 1; }
  echo "== npm $v: ok ($((SECONDS - start)) s)" >&2
  cd "$repo"
done
