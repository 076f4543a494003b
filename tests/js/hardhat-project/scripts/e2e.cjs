// `npx hardhat run scripts/e2e.cjs --network cmt` (tests/js/hardhat.mjs runs it): Hardhat 2 +
// hardhat-ethers (ethers v6) against a cmt-chain node. Chain id, a CMT transfer with exact balance
// accounting, deploying contracts/Store.sol, calls, a transaction, its event from the receipt and
// from queryFilter, and revert reasons from a require (eth_call, eth_estimateGas, a mined revert).
// Prints "OK" last on success; exits 1 with the failing step and the last JSON-RPC exchanges.
"use strict";

const hre = require("hardhat");
const { stepName, failure, check, eq, rejects, errorText } = require("../support.cjs");

const { ethers } = hre;
const REASON = "Store: 13 is unlucky";
const GWEI = 10n ** 9n;

/** The revert data a failed call carries (ethers' CALL_EXCEPTION or Hardhat's ProviderError). */
function revertData(error) {
  for (let e = error; e && typeof e === "object"; e = e.error ?? e.cause ?? e.parent) {
    if (typeof e.data === "string" && e.data.startsWith("0x")) return e.data;
    if (typeof e.data?.data === "string") return e.data.data;
  }
  return undefined;
}

/** Expect `error` to carry REASON both as text and as ABI-encoded Error(string) revert data. */
function expectReason(error, store, what) {
  const message = errorText(error);
  check(message.includes(REASON), `${what}: the error does not mention "${REASON}": ${message}`);
  const data = revertData(error);
  check(data !== undefined, `${what}: the error carries no revert data (error.data): ${message}`);
  const decoded = store.interface.parseError(data);
  eq(decoded?.name, "Error", `${what}: decoded revert data`);
  eq(decoded.args[0], REASON, `${what}: decoded revert reason`);
}

async function main() {
  stepName("network cmt, chain id 1234");
  eq(hre.network.name, "cmt", "hardhat network (run with --network cmt)");
  eq(await hre.network.provider.send("eth_chainId"), "0x4d2", "eth_chainId through Hardhat's provider");
  eq((await ethers.provider.getNetwork()).chainId, 1234n, "ethers.provider.getNetwork().chainId");
  const head = await ethers.provider.getBlock("latest");
  check(head && head.number >= 0, "latest block");
  check(head.baseFeePerGas !== null && head.baseFeePerGas >= 2n * GWEI, `base fee >= 2 gwei, got ${head.baseFeePerGas}`);

  stepName("signers from the config's accounts");
  const [dev] = await ethers.getSigners();
  eq(dev.address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "first signer");
  const fee = await ethers.provider.getFeeData();
  check(fee.gasPrice >= 2n * GWEI, `getFeeData().gasPrice >= 2 gwei, got ${fee.gasPrice}`);

  stepName("send 1.5 CMT to a fresh address (EIP-1559, fees filled in by Hardhat)");
  const to = ethers.Wallet.createRandom().address;
  const value = ethers.parseEther("1.5");
  const before = await ethers.provider.getBalance(dev.address);
  check(before > value, `dev balance ${before} covers the transfer`);
  const tx = await dev.sendTransaction({ to, value });
  eq(tx.type, 2, "transfer tx type");
  eq(tx.chainId, 1234n, "transfer tx chainId");
  const receipt = await tx.wait();
  eq(receipt.status, 1, "transfer receipt status");
  eq(receipt.to, to, "transfer receipt to");
  eq(receipt.gasUsed, 21000n, "transfer gasUsed");
  check(receipt.gasPrice >= 2n * GWEI, `effective gas price >= base fee, got ${receipt.gasPrice}`);
  eq(await ethers.provider.getBalance(to), value, "recipient balance");
  const after = await ethers.provider.getBalance(dev.address);
  eq(before - after, value + receipt.gasUsed * receipt.gasPrice, "sender balance drop (value + gasUsed * effectiveGasPrice)");
  const mined = await ethers.provider.getTransaction(tx.hash);
  eq(mined.blockNumber, receipt.blockNumber, "getTransaction().blockNumber");
  eq(mined.value, value, "getTransaction().value");

  stepName("legacy (type 0) transfer with an explicit gas price");
  const legacy = await (await dev.sendTransaction({ to, value: 1n, type: 0, gasPrice: 3n * GWEI })).wait();
  eq(legacy.status, 1, "legacy transfer status");
  eq(legacy.type, 0, "legacy receipt type");
  eq(await ethers.provider.getBalance(to), value + 1n, "recipient balance after the legacy transfer");

  stepName("deploy contracts/Store.sol (artifact compiled by Hardhat with npm solc)");
  const artifact = await hre.artifacts.readArtifact("Store");
  const store = await ethers.deployContract("Store", [7]);
  const deployTx = store.deploymentTransaction();
  await store.waitForDeployment();
  const deployReceipt = await deployTx.wait();
  eq(deployReceipt.status, 1, "deployment status");
  const address = await store.getAddress();
  eq(deployReceipt.contractAddress, address, "receipt contractAddress");
  eq(address, ethers.getCreateAddress({ from: dev.address, nonce: deployTx.nonce }), "CREATE address");
  eq(await ethers.provider.getCode(address), artifact.deployedBytecode, "deployed code");

  stepName("call the contract");
  eq(await store.value(), 7n, "value() after deployment");
  eq(await store.changes(), 0n, "changes() after deployment");
  eq(await ethers.provider.getStorage(address, 0), ethers.toBeHex(7, 32), "storage slot 0");

  stepName("send a transaction: set(42)");
  const setTx = await store.set(42);
  const setReceipt = await setTx.wait();
  eq(setReceipt.status, 1, "set(42) status");
  eq(await store.value(), 42n, "value() after set(42)");
  eq(await store.changes(), 1n, "changes() after set(42)");
  eq(await store.value({ blockTag: deployReceipt.blockNumber }), 7n, "value() at the deployment block");

  stepName("the ValueChanged event from the receipt");
  eq(setReceipt.logs.length, 1, "set(42) log count");
  const [log] = setReceipt.logs;
  eq(log.address, address, "log address");
  check(log instanceof ethers.EventLog, "receipt log decoded against the contract's ABI (EventLog)");
  eq(log.eventName, "ValueChanged", "log event name");
  eq(log.args.who, dev.address, "log args.who");
  eq(log.args.oldValue, 7n, "log args.oldValue");
  eq(log.args.newValue, 42n, "log args.newValue");
  eq(log.transactionHash, setTx.hash, "log transactionHash");
  eq(log.blockNumber, setReceipt.blockNumber, "log blockNumber");
  eq(log.blockHash, setReceipt.blockHash, "log blockHash");

  stepName("the ValueChanged events from queryFilter");
  const all = await store.queryFilter(store.filters.ValueChanged(), deployReceipt.blockNumber, "latest");
  eq(all.length, 2, "ValueChanged count (constructor + set)");
  eq(all[0].args.newValue, 7n, "constructor event newValue");
  eq(all[0].transactionHash, deployTx.hash, "constructor event tx");
  eq(all[1].args.oldValue, 7n, "set event oldValue");
  eq(all[1].args.newValue, 42n, "set event newValue");
  const byTopic = await store.queryFilter(store.filters.ValueChanged(dev.address, 7n), deployReceipt.blockNumber);
  eq(byTopic.length, 1, "ValueChanged(who=dev, oldValue=7) count");
  eq(byTopic[0].transactionHash, setTx.hash, "topic-filtered event tx");
  const none = await store.queryFilter(store.filters.ValueChanged(to), deployReceipt.blockNumber);
  eq(none.length, 0, "ValueChanged(who=stranger) count");
  const inBlock = await ethers.provider.getLogs({ address, blockHash: setReceipt.blockHash });
  eq(inBlock.length, 1, "getLogs({ blockHash }) count");
  eq(inBlock[0].transactionHash, setTx.hash, "getLogs({ blockHash }) tx");

  stepName("revert reason from require: eth_call (staticCall)");
  expectReason(await rejects(store.set.staticCall(13), "set.staticCall(13)"), store, "set.staticCall(13)");

  stepName("revert reason from require: sending set(13) (gas estimation)");
  const nonce = await ethers.provider.getTransactionCount(dev.address, "pending");
  expectReason(await rejects(store.set(13), "set(13)"), store, "set(13)");
  eq(await ethers.provider.getTransactionCount(dev.address, "pending"), nonce, "nonce after a rejected send");

  stepName("a mined revert: set(13) with an explicit gas limit");
  const failing = await store.set(13, { gasLimit: 100_000 });
  const failed = await rejects(failing.wait(), "wait() for a reverted transaction");
  const failedReceipt = await ethers.provider.getTransactionReceipt(failing.hash);
  check(failedReceipt !== null, `receipt of the reverted tx ${failing.hash} (wait() failed with: ${errorText(failed)})`);
  eq(failedReceipt.status, 0, "reverted transaction status");
  eq(failedReceipt.logs.length, 0, "reverted transaction logs");
  eq(await store.value(), 42n, "value() after the reverted transaction");
  eq(await ethers.provider.getTransactionCount(dev.address, "latest"), nonce + 1, "nonce after the mined revert");
}

main().then(
  () => {
    console.log("OK");
    process.exit(0);
  },
  (error) => {
    console.error(error?.constructor?.name === "CheckFailed" ? error.message : failure(errorText(error) || String(error), error).message);
    process.exit(1);
  },
);
