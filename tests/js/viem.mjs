// viem 2 against a cmt-chain node, used as a dApp would: node viem.mjs http://127.0.0.1:PORT
import {
  BaseError, ContractFunctionRevertedError, InsufficientFundsError, NonceTooLowError,
  TransactionReceiptNotFoundError, createPublicClient, createWalletClient, defineChain,
  http, parseAbiItem, parseEther, parseGwei, recoverMessageAddress, recoverTypedDataAddress,
  webSocket,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import {
  ARTIFACT, CHAIN_ID, DEV_KEYS, UNLOCKED, answered, check, eq, record, rejects, run, stepName, until,
  urls, within,
} from "./lib.mjs";

const { url, wsUrl } = urls();
const abi = ARTIFACT.abi;

const cmt = defineChain({
  id: CHAIN_ID,
  name: "cmt-chain dev",
  nativeCurrency: { name: "CMT", symbol: "CMT", decimals: 18 },
  rpcUrls: { default: { http: [url], webSocket: [wsUrl] } },
});

const transport = http(url, {
  onFetchRequest: async (request) => record("request ", await request.clone().text()),
  onFetchResponse: async (response) => record("response", await response.clone().text()),
});

/** Return the error of class `cls` inside viem error `error`, or fail. */
function inner(error, cls, what) {
  const found = error instanceof BaseError ? error.walk((e) => e instanceof cls) : null;
  check(found instanceof cls, `${what}: expected ${cls.name} inside, got: ${error?.message ?? error}`);
  return found;
}

/** Return the ContractFunctionRevertedError inside a viem error, or fail. */
function revertOf(error, what) {
  check(error instanceof BaseError, `${what}: expected a viem BaseError, got ${error}`);
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  check(reverted instanceof ContractFunctionRevertedError,
    `${what}: expected ContractFunctionRevertedError inside, got: ${error.message}`);
  return reverted;
}

async function main() {
  const account = privateKeyToAccount(DEV_KEYS[1]);
  const client = createPublicClient({ chain: cmt, transport });
  const wallet = createWalletClient({ account, chain: cmt, transport });

  stepName("getChainId");
  eq(await client.getChainId(), CHAIN_ID, "getChainId");
  eq(await wallet.getChainId(), CHAIN_ID, "walletClient.getChainId");

  stepName("getBalance / getBlock / getTransactionCount");
  const balance = await client.getBalance({ address: account.address });
  check(balance > parseEther("1000"), `dev account balance too small: ${balance}`);
  const latest = await client.getBlock();
  check(latest.baseFeePerGas !== null && latest.baseFeePerGas >= parseGwei("2") / 2n,
    `latest.baseFeePerGas: ${latest.baseFeePerGas}`);
  const number = await client.getBlockNumber({ cacheTime: 0 });
  check(number >= latest.number, `getBlockNumber ${number} < getBlock().number ${latest.number}`);
  const nonce = await client.getTransactionCount({ address: account.address });
  check(Number.isInteger(nonce), `getTransactionCount: ${nonce}`);

  stepName("estimateFeesPerGas / getGasPrice / estimateMaxPriorityFeePerGas");
  const fees = await client.estimateFeesPerGas();
  check(typeof fees.maxFeePerGas === "bigint" && typeof fees.maxPriorityFeePerGas === "bigint",
    `estimateFeesPerGas: ${JSON.stringify(fees, (_, v) => String(v))}`);
  check(fees.maxFeePerGas >= latest.baseFeePerGas, "maxFeePerGas >= baseFeePerGas");
  const legacyFees = await client.estimateFeesPerGas({ type: "legacy" });
  check(legacyFees.gasPrice >= latest.baseFeePerGas, "legacy gasPrice >= baseFeePerGas");
  check((await client.getGasPrice()) >= latest.baseFeePerGas, "getGasPrice >= baseFeePerGas");
  const history = await client.getFeeHistory({ blockCount: 2, rewardPercentiles: [25, 75] });
  check(history.baseFeePerGas.length >= 2, `getFeeHistory.baseFeePerGas: ${history.baseFeePerGas}`);

  stepName("sendTransaction + waitForTransactionReceipt");
  const recipient = privateKeyToAccount(generatePrivateKey()).address;
  const hash = await wallet.sendTransaction({ to: recipient, value: parseEther("2") });
  const rcpt = await client.waitForTransactionReceipt({ hash, timeout: 15_000, pollingInterval: 100 });
  eq(rcpt.status, "success", "transfer receipt.status");
  eq(rcpt.type, "eip1559", "transfer receipt.type");
  eq(rcpt.gasUsed, 21000n, "transfer gasUsed");
  eq(await client.getBalance({ address: recipient }), parseEther("2"), "recipient balance");
  const tx = await client.getTransaction({ hash });
  eq(tx.from.toLowerCase(), account.address.toLowerCase(), "getTransaction.from");
  eq(tx.blockNumber, rcpt.blockNumber, "getTransaction.blockNumber");
  eq(tx.chainId, CHAIN_ID, "getTransaction.chainId");
  const block = await client.getBlock({ blockNumber: rcpt.blockNumber, includeTransactions: true });
  check(block.transactions.some((t) => t.hash === hash), "getBlock(includeTransactions) has the tx");
  const confirmations = await client.getTransactionConfirmations({ hash });
  check(confirmations >= 1n, `getTransactionConfirmations: ${confirmations}`);

  stepName("sendTransaction (legacy and EIP-2930)");
  for (const type of ["legacy", "eip2930"]) {
    const h = await wallet.sendTransaction({ to: recipient, value: 1n, type, accessList: type === "eip2930" ? [] : undefined });
    const r = await client.waitForTransactionReceipt({ hash: h, timeout: 15_000, pollingInterval: 100 });
    eq(r.status, "success", `${type} receipt.status`);
    eq(r.type, type, `${type} receipt.type`);
  }

  stepName("deployContract");
  const deployHash = await wallet.deployContract({ abi, bytecode: ARTIFACT.bytecode, args: [7n] });
  const deployRcpt = await client.waitForTransactionReceipt({ hash: deployHash, timeout: 15_000, pollingInterval: 100 });
  eq(deployRcpt.status, "success", "deploy receipt.status");
  const address = deployRcpt.contractAddress;
  check(address, "deploy receipt has contractAddress");
  eq(await client.getCode({ address }), ARTIFACT.deployedBytecode, "getCode(contract)");

  stepName("readContract");
  eq(await client.readContract({ address, abi, functionName: "value" }), 7n, "value() after deploy");

  stepName("estimateContractGas / simulateContract / writeContract");
  const gas = await client.estimateContractGas({ address, abi, functionName: "set", args: [42n], account });
  check(gas > 21000n && gas < 200000n, `estimateContractGas(set) out of range: ${gas}`);
  const { request } = await client.simulateContract({ address, abi, functionName: "set", args: [42n], account });
  const setHash = await wallet.writeContract(request);
  const setRcpt = await client.waitForTransactionReceipt({ hash: setHash, timeout: 15_000, pollingInterval: 100 });
  eq(setRcpt.status, "success", "set receipt.status");
  eq(setRcpt.logs.length, 1, "set receipt log count");
  eq(await client.readContract({ address, abi, functionName: "value" }), 42n, "value() after set");

  stepName("getLogs / getContractEvents / event filters");
  const valueChanged = parseAbiItem(
    "event ValueChanged(address indexed who, uint256 indexed oldValue, uint256 newValue)");
  const logs = await client.getLogs({
    address, event: valueChanged, args: { who: account.address }, fromBlock: 0n, toBlock: "latest",
  });
  eq(logs.length, 1, "getLogs(ValueChanged, who) count");
  eq(logs[0].args.oldValue, 7n, "getLogs oldValue");
  eq(logs[0].args.newValue, 42n, "getLogs newValue");
  eq(logs[0].transactionHash, setHash, "getLogs transactionHash");
  const noLogs = await client.getLogs({ address, event: valueChanged, args: { who: recipient }, fromBlock: 0n });
  eq(noLogs.length, 0, "getLogs with a non-matching indexed arg");
  // fromBlock given: without it getFilterLogs reads only the then-latest block, as geth does
  const filter = await client.createContractEventFilter({
    address, abi, eventName: "Ping", fromBlock: setRcpt.blockNumber,
  });
  const manyHash = await wallet.writeContract({ address, abi, functionName: "emitMany", args: [3n] });
  const manyRcpt = await client.waitForTransactionReceipt({ hash: manyHash, timeout: 15_000, pollingInterval: 100 });
  const events = await client.getContractEvents({
    address, abi, eventName: "Ping", fromBlock: manyRcpt.blockNumber, toBlock: manyRcpt.blockNumber,
  });
  eq(events.length, 3, "getContractEvents(Ping) count");
  eq(events.map((e) => e.args.i).join(","), "0,1,2", "Ping args in order");
  const onlyOne = await client.getContractEvents({
    address, abi, eventName: "Ping", args: { i: 1n }, blockHash: manyRcpt.blockHash,
  });
  eq(onlyOne.length, 1, "getContractEvents(Ping, i=1, blockHash) count");
  const changes = await client.getFilterChanges({ filter });
  eq(changes.length, 3, "getFilterChanges(Ping filter) count");
  eq(changes[2].args.i, 2n, "getFilterChanges decoded arg");
  eq((await client.getFilterLogs({ filter })).length, 3, "getFilterLogs count");
  check(await client.uninstallFilter({ filter }), "uninstallFilter returned true");

  stepName("simulateContract revert reasons");
  let reverted = revertOf(await rejects(
    client.simulateContract({ address, abi, functionName: "fail", args: ["boom"], account }),
    "simulateContract fail('boom')"), "fail('boom')");
  eq(reverted.reason, "boom", "revert reason via simulateContract");
  reverted = revertOf(await rejects(
    client.readContract({ address, abi, functionName: "fail", args: ["boom"] }),
    "readContract fail('boom')"), "readContract fail('boom')");
  eq(reverted.reason, "boom", "revert reason via readContract");
  reverted = revertOf(await rejects(
    client.simulateContract({ address, abi, functionName: "failCustom", account }),
    "simulateContract failCustom()"), "failCustom()");
  eq(reverted.data?.errorName, "Nope", "custom error name");
  eq(reverted.data?.args?.[0], 42n, "custom error arg");
  reverted = revertOf(await rejects(
    client.estimateContractGas({ address, abi, functionName: "fail", args: ["boom"], account }),
    "estimateContractGas fail('boom')"), "estimateContractGas fail('boom')");
  eq(reverted.reason, "boom", "revert reason via eth_estimateGas");

  stepName("error mapping: insufficient funds, nonce too low, unknown receipt");
  const poor = createWalletClient({ account: privateKeyToAccount(generatePrivateKey()), chain: cmt, transport });
  inner(await rejects(poor.sendTransaction({ to: recipient, value: 1n }), "send from an empty account"),
    InsufficientFundsError, "send from an empty account (eth_estimateGas)");
  inner(await rejects(poor.sendTransaction({ to: recipient, value: 1n, gas: 21000n }),
    "send raw from an empty account"), InsufficientFundsError, "send from an empty account (eth_sendRawTransaction)");
  inner(await rejects(wallet.sendTransaction({ to: recipient, value: 1n, gas: 21000n, nonce: 0 }),
    "send with a used nonce"), NonceTooLowError, "send with a used nonce");
  inner(await rejects(client.getTransactionReceipt({ hash: `0x${"ab".repeat(32)}` }), "unknown receipt"),
    TransactionReceiptNotFoundError, "getTransactionReceipt(unknown hash)");

  stepName("json-rpc account: eth_sendTransaction, personal_sign, eth_signTypedData_v4");
  const addresses = await client.request({ method: "eth_accounts" });
  check(addresses.includes(UNLOCKED.viem.toLowerCase()) || addresses.includes(UNLOCKED.viem),
    `eth_accounts lacks ${UNLOCKED.viem}`);
  const unlocked = createWalletClient({ account: UNLOCKED.viem, chain: cmt, transport });
  const unlockedHash = await unlocked.sendTransaction({ to: recipient, value: 3n });
  const unlockedRcpt = await client.waitForTransactionReceipt({ hash: unlockedHash, timeout: 15_000, pollingInterval: 100 });
  eq(unlockedRcpt.status, "success", "eth_sendTransaction receipt.status");
  eq(unlockedRcpt.from.toLowerCase(), UNLOCKED.viem.toLowerCase(), "eth_sendTransaction receipt.from");
  const message = "hello cmt-chain";
  const signature = await unlocked.signMessage({ message });
  eq(await recoverMessageAddress({ message, signature }), UNLOCKED.viem, "personal_sign recovers");
  check(await client.verifyMessage({ address: UNLOCKED.viem, message, signature }),
    "publicClient.verifyMessage (deployless eth_call)");
  const typed = {
    domain: { name: "cmt", version: "1", chainId: CHAIN_ID, verifyingContract: address },
    types: { Mail: [{ name: "to", type: "address" }, { name: "contents", type: "string" }] },
    primaryType: "Mail",
    message: { to: recipient, contents: "hi" },
  };
  const typedSig = await unlocked.signTypedData(typed);
  eq(await recoverTypedDataAddress({ ...typed, signature: typedSig }), UNLOCKED.viem,
    "eth_signTypedData_v4 recovers");

  stepName("webSocket transport: watchBlocks and watchContractEvent");
  const wsClient = createPublicClient({ chain: cmt, transport: webSocket(wsUrl) });
  try {
    eq(await wsClient.getChainId(), CHAIN_ID, "ws getChainId");
    const unwatch = [];
    const logs = [];
    const blocks = [];
    const failed = [];
    unwatch.push(wsClient.watchContractEvent({
      address, abi, onLogs: (l) => logs.push(...l), onError: (e) => failed.push(e),
    }));
    unwatch.push(wsClient.watchBlocks({ onBlock: (b) => blocks.push(b), onError: (e) => failed.push(e) }));
    // warm up until a Deposited log and a block arrive: both subscriptions are then live
    const live = () => failed.length || (logs.some((l) => l.eventName === "Deposited") && blocks.length);
    for (let i = 0; i < 20 && !live(); i++) {
      await client.waitForTransactionReceipt({
        hash: await wallet.writeContract({ address, abi, functionName: "deposit", value: 1n }),
        timeout: 15_000, pollingInterval: 100,
      });
      await within(1_000, until(live), "warm-up").catch(() => {});
    }
    check(!failed.length, `webSocket subscription error: ${failed[0]?.message}`);
    check(live(), "no Deposited log or block arrived over webSocket after 20 warm-up deposits");
    const wsHash = await wallet.writeContract({ address, abi, functionName: "set", args: [99n] });
    const wsRcpt = await client.waitForTransactionReceipt({ hash: wsHash, timeout: 15_000, pollingInterval: 100 });
    const log = await within(10_000, until(() => logs.find((l) => l.eventName === "ValueChanged")),
      "watchContractEvent (eth_subscribe logs) over webSocket");
    eq(log.args.oldValue, 42n, "ws event oldValue");
    eq(log.args.newValue, 99n, "ws event newValue");
    eq(log.transactionHash, wsHash, "ws event transactionHash");
    const head = await within(10_000, until(() => blocks.find((b) => b.number === wsRcpt.blockNumber)),
      `watchBlocks (eth_subscribe newHeads) block ${wsRcpt.blockNumber} over webSocket`);
    eq(head.hash, wsRcpt.blockHash, "watchBlocks block hash");
    check(head.baseFeePerGas !== null, "ws newHeads block has baseFeePerGas");
    for (const stop of unwatch) stop();
  } finally {
    const rpc = await wsClient.transport.getRpcClient?.();
    rpc?.close?.();
  }

  stepName("HTTP polling: watchContractEvent (eth_newFilter / eth_getFilterChanges)");
  let stopPolling;
  const installed = answered("eth_newFilter");
  const polled = new Promise((resolve, reject) => {
    stopPolling = client.watchContractEvent({
      address, abi, eventName: "ValueChanged", pollingInterval: 200, onLogs: resolve, onError: reject,
    });
  });
  await within(10_000, installed, "eth_newFilter for watchContractEvent");
  const pollHash = await wallet.writeContract({ address, abi, functionName: "set", args: [123n] });
  const [pollLog] = await within(10_000, polled, "watchContractEvent over HTTP polling");
  eq(pollLog.args.newValue, 123n, "polled event newValue");
  eq(pollLog.transactionHash, pollHash, "polled event transactionHash");
  stopPolling();
}

run(main);
