// Hardhat 2 (+ @nomicfoundation/hardhat-ethers, ethers v6) against a cmt-chain node: in
// hardhat-project/, `hardhat run scripts/e2e.cjs --network cmt` then `hardhat test --network cmt`,
// exactly as a user runs them (network `cmt` takes its URL from CMT_RPC_URL). Offline: the
// project's config compiles with npm's solc instead of downloading one. Build output goes to a
// temporary folder (HARDHAT_OUT_DIR), so the repository stays clean.
// Usage: node hardhat.mjs http://127.0.0.1:PORT
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { HERE, check, die, record, require, run, stepName, urls } from "./lib.mjs";

const { url } = urls();
const PROJECT = path.join(HERE, "hardhat-project");

function hardhatCli() {
  let dir;
  try {
    dir = path.dirname(require.resolve("hardhat/package.json"));
    require.resolve("@nomicfoundation/hardhat-ethers");
  } catch {
    die("hardhat or @nomicfoundation/hardhat-ethers is not installed: run npm ci --prefix tests/js");
  }
  return path.join(dir, require(path.join(dir, "package.json")).bin.hardhat);
}

async function main() {
  const cli = hardhatCli();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "cmt-hardhat-"));
  process.on("exit", () => fs.rmSync(out, { recursive: true, force: true })); // also on failure
  const env = {
    ...process.env,
    CMT_RPC_URL: url,
    HARDHAT_OUT_DIR: out,
    // no telemetry prompt, no version/banner look-ups on the network, plain output
    CI: "true",
    HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
  const hardhat = (...args) => {
    record("hardhat", args.join(" "));
    const result = spawnSync(process.execPath, [cli, ...args], { cwd: PROJECT, env, encoding: "utf8", timeout: 60_000 });
    if (result.error) die(`hardhat ${args.join(" ")} could not run`, result.error);
    const output = `${result.stdout}${result.stderr ? `\n--- stderr\n${result.stderr}` : ""}`;
    process.stdout.write(output.replace(/^/gm, "    ").trimEnd() + "\n");
    if (result.status !== 0) die(`hardhat ${args.join(" ")} exited ${result.status ?? result.signal} (its output is above)`);
    return result.stdout;
  };

  stepName("hardhat run scripts/e2e.cjs --network cmt (compiles contracts/ first, offline)");
  const script = hardhat("run", "scripts/e2e.cjs", "--network", "cmt");
  check(script.trimEnd().endsWith("OK"), "scripts/e2e.cjs ends with OK");
  check(fs.existsSync(path.join(out, "artifacts", "contracts", "Store.sol", "Store.json")),
    "Hardhat wrote the Store artifact to HARDHAT_OUT_DIR");

  stepName("hardhat test --network cmt (mocha)");
  const tests = hardhat("test", "--network", "cmt");
  const passing = /(\d+) passing/.exec(tests);
  check(passing && Number(passing[1]) >= 4 && !/\d+ failing/.test(tests), "hardhat test: all mocha tests pass");
}

run(main, 110_000);
