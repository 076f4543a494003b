// Foundry's forge against a cmt-chain node: `forge create` and `forge script --broadcast` of the
// tiny project in forge-project/, compiled offline through solc-shim.mjs (npm `solc`, soljson).
// Usage: node forge.mjs http://127.0.0.1:PORT
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CHAIN_ID, DEV_KEYS, HERE, check, eq, run, stepName, urls } from "./lib.mjs";
import { json, runTool } from "./foundry.mjs";

const { url } = urls();
const KEY = DEV_KEYS[3];

async function main() {
  // work on a copy so that out/, cache/ and broadcast/ never land in the repository
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "cmt-forge-"));
  fs.cpSync(path.join(HERE, "forge-project"), project, { recursive: true });
  process.on("exit", () => fs.rmSync(project, { recursive: true, force: true })); // also on failure
  // forge --use needs an executable: a wrapper that runs solc-shim.mjs with this very node
  const SHIM = path.join(project, "solc");
  fs.writeFileSync(SHIM, `#!/bin/sh\nexec "${process.execPath}" "${path.join(HERE, "solc-shim.mjs")}" "$@"\n`,
    { mode: 0o755 });
  const forge = (...args) =>
    runTool("forge", args, { cwd: project, env: { DEPLOYER_KEY: KEY }, timeout: 60_000 });
  const cast = (sub, ...args) => runTool("cast", [sub, "--rpc-url", url, ...args]);
  const me = runTool("cast", ["wallet", "address", "--private-key", KEY]);
  stepName("forge build (offline, solc from npm)");
  forge("build", "--use", SHIM, "--offline");
  const artifact = json(fs.readFileSync(path.join(project, "out", "Counter.sol", "Counter.json"), "utf8"),
    "forge artifact");
  check(artifact.bytecode?.object?.startsWith("0x60"), "forge build produced Counter bytecode");

  stepName("forge create --broadcast");
  const created = json(forge("create", "src/Counter.sol:Counter", "--use", SHIM, "--offline",
    "--rpc-url", url, "--private-key", KEY, "--broadcast", "--json", "--constructor-args", "5"),
  "forge create --json");
  eq(created.deployer.toLowerCase(), me.toLowerCase(), "forge create deployer");
  const receipt = json(cast("receipt", created.transactionHash, "--json"), "cast receipt");
  eq(receipt.status, "0x1", "forge create receipt status");
  eq(receipt.contractAddress.toLowerCase(), created.deployedTo.toLowerCase(), "receipt contractAddress");
  eq(cast("call", created.deployedTo, "number()(uint256)"), "5", "Counter.number() after forge create");
  eq(cast("code", created.deployedTo), artifact.deployedBytecode.object, "deployed code");

  stepName("forge script --broadcast (deploy + 2 calls)");
  const out = forge("script", "script/Deploy.s.sol:Deploy", "--use", SHIM, "--offline",
    "--rpc-url", url, "--broadcast", "--json");
  const lines = out.split("\n").filter((l) => l.startsWith("{")).map((l) => json(l, "forge script line"));
  const sent = lines.filter((l) => l.tx_hash);
  eq(sent.length, 3, "forge script broadcast transaction count");
  for (const t of sent) {
    eq(t.status, "success", `forge script tx ${t.tx_hash} status`);
    eq(t.chain, CHAIN_ID, "forge script chain");
  }
  const creation = sent.find((t) => t.contract_address);
  check(creation, "forge script reports the Counter creation");
  const counter = creation.contract_address;
  eq(cast("call", counter, "number()(uint256)"), "12", "Counter.number() after forge script");
  const logs = json(cast("logs", "--json", "--from-block", String(creation.block_number), "--address", counter,
    "Incremented(address indexed,uint256)"), "cast logs Incremented");
  eq(logs.length, 2, "Incremented log count");
  const summary = lines.find((l) => l.transactions);
  check(summary && fs.existsSync(summary.transactions), "forge script wrote its broadcast file");
}

run(main, 90_000);
