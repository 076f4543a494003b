#!/usr/bin/env bash
# Run Foundry's forge on contracts/ offline, with the pinned npm solc@0.8.28 behind
# tests/js/solc-shim.mjs (forge cannot download compilers here). Needs `npm ci --prefix tests/js` once.
# Usage: bash contracts/forge.sh test [-vv] [--gas-report] ...   (any forge subcommand)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JS="$ROOT/tests/js"
FORGE="$JS/node_modules/@foundry-rs/forge-linux-amd64/bin/forge"
if [[ ! -x "$FORGE" || ! -d "$JS/node_modules/solc" ]]; then
  echo "forge or solc missing: run  npm ci --prefix tests/js" >&2
  exit 1
fi
SHIM_DIR="$(mktemp -d)"
trap 'rm -rf "$SHIM_DIR"' EXIT
# forge --use needs an executable named like solc
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$(command -v node)" "$JS/solc-shim.mjs" >"$SHIM_DIR/solc"
chmod +x "$SHIM_DIR/solc"
cd "$ROOT/contracts"
export NO_COLOR=1 FOUNDRY_DISABLE_NIGHTLY_WARNING=1
cmd="${1:?usage: bash contracts/forge.sh <forge subcommand> [args...]}"; shift
exec "$FORGE" "$cmd" --use "$SHIM_DIR/solc" --offline "$@"
