#!/usr/bin/env bash
# Compile contracts/src with the pinned solc (npm solc@0.8.28, soljson) and write one artifact per
# template: contracts/artifacts/<Name>.json = {contractName, abi, bytecode, deployedBytecode, compiler,
# evmVersion, optimizer, sourceSha256}. Settings match contracts/foundry.toml (optimizer 200 runs,
# evm prague, no metadata hash / CBOR), so the output is byte-for-byte reproducible.
#
#   bash scripts/build_contracts.sh           # (re)write contracts/artifacts/
#   bash scripts/build_contracts.sh --check   # recompile and fail if the committed artifacts differ
#
# solc comes from tests/js/node_modules (npm ci --prefix tests/js) when it is the pinned version;
# otherwise solc@0.8.28 is installed into a temporary directory from the npm registry.
set -euo pipefail

SOLC_VERSION=0.8.28
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODE="${1:-write}"
case "$MODE" in write | --check) ;; *) echo "usage: $0 [--check]" >&2; exit 2 ;; esac

SOLC_DIR="$ROOT/tests/js/node_modules/solc"
if [[ ! -f "$SOLC_DIR/package.json" ]] ||
  [[ "$(node -p "require('$SOLC_DIR/package.json').version")" != "$SOLC_VERSION" ]]; then
  PREFIX="$(mktemp -d)"
  trap 'rm -rf "$PREFIX"' EXIT
  npm install --silent --no-audit --no-fund --prefix "$PREFIX" "solc@$SOLC_VERSION" >/dev/null
  SOLC_DIR="$PREFIX/node_modules/solc"
fi

SOLC="$SOLC_DIR" ROOT="$ROOT" MODE="$MODE" node - <<'JS'
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const solc = require(process.env.SOLC);
const root = path.join(process.env.ROOT, 'contracts');
const srcDir = path.join(root, 'src');
const outDir = path.join(root, 'artifacts');
const check = process.env.MODE === '--check';

// every .sol under src/ (sorted, paths relative to contracts/) is a compilation source
function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.sol') ? [path.join(dir, e.name)] : []);
}
const files = walk(srcDir).map((f) => path.relative(root, f).split(path.sep).join('/')).sort();
const sources = {};
for (const f of files) sources[f] = { content: fs.readFileSync(path.join(root, f), 'utf8') };
const settings = {
  evmVersion: 'prague',
  optimizer: { enabled: true, runs: 200 },
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};
const out = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings })));
for (const e of out.errors || []) if (e.severity === 'error') console.error(e.formattedMessage);
if ((out.errors || []).some((e) => e.severity === 'error')) process.exit(1);

// the templates: top-level src/<Name>.sol defining contract <Name> with bytecode
const templates = files.filter((f) => /^src\/[^/]+\.sol$/.test(f)).map((f) => [f, path.basename(f, '.sol')]);
const version = solc.version();
const wanted = new Set();
let stale = 0;
if (!check) fs.mkdirSync(outDir, { recursive: true });
for (const [file, name] of templates) {
  const c = out.contracts[file] && out.contracts[file][name];
  if (!c || !c.evm.bytecode.object) continue;
  wanted.add(`${name}.json`);
  const artifact = {
    contractName: name,
    sourceName: `contracts/${file}`,
    abi: c.abi,
    bytecode: '0x' + c.evm.bytecode.object,
    deployedBytecode: '0x' + c.evm.deployedBytecode.object,
    compiler: { name: 'solc', version, evmVersion: settings.evmVersion, optimizer: settings.optimizer,
      metadata: settings.metadata },
    sourceSha256: crypto.createHash('sha256').update(sources[file].content).digest('hex'),
  };
  const text = JSON.stringify(artifact, null, 2) + '\n';
  const target = path.join(outDir, `${name}.json`);
  if (check) {
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
    if (current !== text) { console.error(`stale: contracts/artifacts/${name}.json`); stale++; }
  } else {
    fs.writeFileSync(target, text);
    console.log(`wrote contracts/artifacts/${name}.json (${(c.evm.deployedBytecode.object.length / 2)} bytes runtime)`);
  }
}
for (const f of fs.existsSync(outDir) ? fs.readdirSync(outDir) : []) {
  if (f.endsWith('.json') && !wanted.has(f)) {
    if (check) { console.error(`orphan: contracts/artifacts/${f}`); stale++; } else fs.rmSync(path.join(outDir, f));
  }
}
if (check) {
  if (stale) { console.error(`${stale} artifact(s) out of date: run bash scripts/build_contracts.sh`); process.exit(1); }
  console.log(`artifacts match the sources (${wanted.size} contracts, solc ${version})`);
} else {
  console.log(`solc ${version}, evm ${settings.evmVersion}, optimizer runs ${settings.optimizer.runs}`);
}
JS
