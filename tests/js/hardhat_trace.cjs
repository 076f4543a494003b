// Runs the tracing fixture's transactions on Hardhat's own in-process network (EDR, Prague) and
// prints its debug_traceTransaction struct logs as JSON, for tests/e2e/test_trace_vs_hardhat.py
// to compare with cmt-chain's. Usage: node tests/js/hardhat_trace.cjs <TraceProbe.json>
"use strict";

const path = require("node:path");

process.chdir(path.join(__dirname, "hardhat-project"));
process.env.HARDHAT_NETWORK = "hardhat";
const hre = require("hardhat");
const artifact = require(path.resolve(process.argv[2]));

async function send(provider, tx) {
  let hash;
  try {
    hash = await provider.send("eth_sendTransaction", [tx]);
  } catch (error) { // Hardhat throws on a revert, but mines the transaction all the same
    hash = (await provider.send("eth_getBlockByNumber", ["latest", false])).transactions[0];
  }
  return { hash, receipt: await provider.send("eth_getTransactionReceipt", [hash]) };
}

(async () => {
  const provider = hre.network.provider;
  const [from] = await provider.send("eth_accounts");
  const deployed = await send(provider, { from, data: artifact.bytecode, gas: "0x2dc6c0" });
  const probe = deployed.receipt.contractAddress;
  const out = { probe, traces: [] };
  const calls = [
    { value: "0x5", data: "0xa444f5e9" + "7".padStart(64, "0") }, // run(7)
    { value: "0x9", data: "0xa4874d77" }, // retire()
    { value: "0x0", data: "0xa169ce09" }, // boom()
  ];
  for (const call of calls) {
    const { hash, receipt } = await send(provider, { from, to: probe, gas: "0xf4240", ...call });
    const trace = await provider.send("debug_traceTransaction", [hash, { enableMemory: true }]);
    out.traces.push({ gasUsed: receipt.gasUsed, trace });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
