#!/usr/bin/env node
// A `solc` command-line stand-in for forge (`forge build --use tests/js/solc-shim.mjs`): answers
// `--version` like native solc and serves `--standard-json` with the npm `solc` package
// (soljson, pinned in package.json), so forge compiles offline without downloading a solc binary.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const solc = require("solc");
const args = process.argv.slice(2);

if (args.includes("--version")) {
  const version = solc.version().replace(".Emscripten.clang", ".Linux.g++");
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${version}\n`);
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  process.stderr.write("solc-shim: only --version and --standard-json are supported\n");
  process.exit(1);
}

function option(name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
const roots = [option("--base-path") ?? process.cwd()];
for (let i = 0; i < args.length; i++) if (args[i] === "--include-path") roots.push(args[i + 1]);

function findImports(importPath) {
  for (const root of roots) {
    const file = path.isAbsolute(importPath) ? importPath : path.join(root, importPath);
    if (fs.existsSync(file)) return { contents: fs.readFileSync(file, "utf8") };
  }
  return { error: `File not found: ${importPath}` };
}

const input = fs.readFileSync(0, "utf8");
process.stdout.write(solc.compile(input, { import: findImports }));
