#!/usr/bin/env bash
# Rebuild the benchmark's contract artifacts (scripts/benchlib/contracts/*.json) from their
# Solidity sources with a pinned solc from npm (solc-js), so that the benchmark itself needs no
# compiler. Needs node + npm. Usage:
#   bash scripts/build_bench_contracts.sh
set -euo pipefail

SOLC_VERSION=0.8.28
EVM_VERSION=prague
DIR="$(cd "$(dirname "$0")/benchlib/contracts" && pwd)"
PREFIX="$(mktemp -d)"
trap 'rm -rf "$PREFIX"' EXIT

npm install --silent --no-audit --no-fund --prefix "$PREFIX" "solc@$SOLC_VERSION" >/dev/null

SOLC="$PREFIX/node_modules/solc" SRC_DIR="$DIR" EVM_VERSION="$EVM_VERSION" node - <<'JS'
const fs = require('fs');
const path = require('path');
const solc = require(process.env.SOLC);
const dir = process.env.SRC_DIR;
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.sol')).sort()) {
  const name = path.basename(file, '.sol');
  const input = {
    language: 'Solidity',
    sources: { [file]: { content: fs.readFileSync(path.join(dir, file), 'utf8') } },
    settings: {
      evmVersion: process.env.EVM_VERSION,
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  for (const e of out.errors || []) console.error(e.formattedMessage);
  if ((out.errors || []).some((e) => e.severity === 'error')) process.exit(1);
  const c = out.contracts[file][name];
  const artifact = {
    abi: c.abi,
    bytecode: '0x' + c.evm.bytecode.object,
    deployedBytecode: '0x' + c.evm.deployedBytecode.object,
    compiler: solc.version(),
    evmVersion: process.env.EVM_VERSION,
  };
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(artifact, null, 2) + '\n');
  console.log(`wrote ${name}.json (${solc.version()}, evm ${process.env.EVM_VERSION})`);
}
JS
