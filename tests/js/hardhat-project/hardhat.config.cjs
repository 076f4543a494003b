// Hardhat 2 project for tests/js/hardhat.mjs: network `cmt` is a cmt-chain node (URL from
// CMT_RPC_URL, chain id 1234, the first dev account's key). Offline: solc comes from the npm
// `solc` package pinned in tests/js/package.json instead of Hardhat's compiler download.
// This folder has no package.json of its own: tests/js/package.json says "type": "module",
// hence the .cjs files; modules resolve from tests/js/node_modules.
"use strict";

const path = require("node:path");
const { subtask } = require("hardhat/config");
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require("hardhat/builtin-tasks/task-names");
require("@nomicfoundation/hardhat-ethers");
const { traceHttpProvider } = require("./support.cjs");

traceHttpProvider();

const SOLC_VERSION = "0.8.28";
// m/44'/60'/0'/0/0 of "test test ... junk": 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266, prefunded
const DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

// Hardhat would download solc (native, then wasm) here; hand it npm's soljson instead.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async ({ solcVersion }) => {
  const solc = require("solc"); // loads soljson (~1 s): only when something needs compiling
  const longVersion = solc.version().replace(/\.Emscripten\.clang$/, ""); // 0.8.28+commit.7893614a
  if (!longVersion.startsWith(`${solcVersion}+`)) {
    throw new Error(`solc ${solcVersion} requested, but npm solc is ${longVersion}: ` +
      "keep hardhat.config.cjs and tests/js/package.json in step");
  }
  return { compilerPath: require.resolve("solc/soljson.js"), isSolcJs: true, version: solcVersion, longVersion };
});

// tests/js/hardhat.mjs points these at a temporary folder so that the repository stays clean
const out = process.env.HARDHAT_OUT_DIR;

module.exports = {
  solidity: SOLC_VERSION,
  networks: {
    cmt: {
      url: process.env.CMT_RPC_URL ?? "http://127.0.0.1:8545",
      chainId: 1234,
      accounts: [DEV_KEY],
      timeout: 30_000,
    },
  },
  paths: {
    ...(out ? { artifacts: path.join(out, "artifacts"), cache: path.join(out, "cache") } : {}),
  },
  mocha: { timeout: 30_000 },
};
