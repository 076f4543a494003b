// ethers v6 against a cmt-chain node, used as a dApp would: node ethers.mjs http://127.0.0.1:PORT
import {
  ContractFactory, Contract, JsonRpcProvider, WebSocketProvider, Wallet,
  parseEther, parseUnits, id, isError, verifyMessage, verifyTypedData,
} from "ethers";
import {
  ARTIFACT, CHAIN_ID, DEV_KEYS, UNLOCKED, answered, check, eq, record, rejects, run, stepName, until,
  urls, within,
} from "./lib.mjs";

const { url, wsUrl } = urls();

function watch(provider) {
  provider.on("debug", (e) => {
    if (e.action === "sendRpcPayload") record("request ", e.payload);
    else if (e.action === "receiveRpcResult") record("response", e.result);
    else if (e.action === "receiveRpcError") record("error   ", e.error);
  });
}

async function main() {
  // cacheTimeout -1: ethers shares identical requests made within 250 ms, so with instant mining
  // a second send right after a receipt would reuse the cached eth_getTransactionCount (a client
  // behaviour, the same against any instant-mining node such as anvil).
  const provider = new JsonRpcProvider(url, undefined, { cacheTimeout: -1 });
  watch(provider);
  const wallet = new Wallet(DEV_KEYS[0], provider);

  stepName("getNetwork");
  const network = await provider.getNetwork();
  eq(network.chainId, BigInt(CHAIN_ID), "getNetwork().chainId");

  stepName("getBlockNumber / getBlock");
  const head = await provider.getBlockNumber();
  check(Number.isInteger(head) && head >= 0, `getBlockNumber: ${head}`);
  const latest = await provider.getBlock("latest");
  check(latest.number >= head, `getBlock(latest).number ${latest.number} < getBlockNumber ${head}`);
  check(latest.baseFeePerGas !== null, "latest block has baseFeePerGas");

  stepName("getBalance");
  const balance = await provider.getBalance(wallet.address);
  check(balance > parseEther("1000"), `dev account balance too small: ${balance}`);

  stepName("getFeeData");
  const fee = await provider.getFeeData();
  check(fee.gasPrice !== null && fee.gasPrice >= parseUnits("2", "gwei"),
    `getFeeData().gasPrice should be >= 2 gwei base fee, got ${fee.gasPrice}`);
  check(fee.maxFeePerGas !== null && fee.maxPriorityFeePerGas !== null,
    `getFeeData() should carry EIP-1559 fields: ${JSON.stringify(fee.toJSON())}`);
  check(fee.maxFeePerGas >= latest.baseFeePerGas, "maxFeePerGas >= baseFeePerGas");

  stepName("send CMT (EIP-1559)");
  const recipient = Wallet.createRandom().address;
  const tx = await wallet.sendTransaction({ to: recipient, value: parseEther("1.5") });
  const rcpt = await within(15_000, tx.wait(), "transfer receipt");
  eq(rcpt.status, 1, "transfer receipt.status");
  eq(rcpt.hash, tx.hash, "receipt.hash");
  eq(rcpt.gasUsed, 21000n, "transfer gasUsed");
  eq(rcpt.type, 2, "receipt.type");
  eq(await provider.getBalance(recipient), parseEther("1.5"), "recipient balance");
  const fetched = await provider.getTransaction(tx.hash);
  eq(fetched.hash, tx.hash, "getTransaction().hash");
  eq(fetched.from, wallet.address, "getTransaction().from");
  eq(fetched.blockNumber, rcpt.blockNumber, "getTransaction().blockNumber");
  const block = await provider.getBlock(rcpt.blockNumber, true);
  check(block.prefetchedTransactions.some((t) => t.hash === tx.hash),
    "getBlock(n, true) includes the transfer");

  stepName("send CMT (legacy type 0)");
  const legacy = await wallet.sendTransaction({ to: recipient, value: 1n, type: 0 });
  const legacyRcpt = await within(15_000, legacy.wait(), "legacy receipt");
  eq(legacyRcpt.status, 1, "legacy receipt.status");
  eq(legacyRcpt.type, 0, "legacy receipt.type");

  stepName("estimateGas (transfer)");
  eq(await provider.estimateGas({ from: wallet.address, to: recipient, value: 1n }), 21000n,
    "estimateGas of a plain transfer");

  stepName("deploy EventEmitter with ContractFactory");
  const factory = new ContractFactory(ARTIFACT.abi, ARTIFACT.bytecode, wallet);
  const deployed = await factory.deploy(7n);
  await within(15_000, deployed.waitForDeployment(), "deployment");
  const address = await deployed.getAddress();
  const deployRcpt = await deployed.deploymentTransaction().wait();
  eq(deployRcpt.contractAddress, address, "deploy receipt.contractAddress");
  eq(await provider.getCode(address), ARTIFACT.deployedBytecode, "getCode(contract)");
  const contract = new Contract(address, ARTIFACT.abi, wallet);

  stepName("call value()");
  eq(await contract.value(), 7n, "value() after deploy");

  stepName("estimateGas (contract)");
  const setGas = await contract.set.estimateGas(42n);
  check(setGas > 21000n && setGas < 200000n, `set(42).estimateGas out of range: ${setGas}`);

  stepName("set(42) and parse the event from the receipt");
  const setTx = await contract.set(42n);
  const setRcpt = await within(15_000, setTx.wait(), "set receipt");
  eq(setRcpt.status, 1, "set receipt.status");
  eq(setRcpt.logs.length, 1, "set receipt log count");
  const parsed = setRcpt.logs[0];
  eq(parsed.fragment?.name, "ValueChanged", "receipt log decoded event name");
  eq(parsed.args.who, wallet.address, "ValueChanged.who");
  eq(parsed.args.oldValue, 7n, "ValueChanged.oldValue");
  eq(parsed.args.newValue, 42n, "ValueChanged.newValue");
  eq(await contract.value(), 42n, "value() after set");

  stepName("contract.queryFilter");
  const events = await contract.queryFilter(contract.filters.ValueChanged(wallet.address), 0, "latest");
  eq(events.length, 1, "queryFilter(ValueChanged(who)) count");
  eq(events[0].transactionHash, setTx.hash, "queryFilter event transactionHash");
  eq(events[0].args.newValue, 42n, "queryFilter event newValue");
  const none = await contract.queryFilter(contract.filters.ValueChanged(recipient));
  eq(none.length, 0, "queryFilter with a non-matching indexed topic");

  stepName("emitMany(3) and provider.getLogs with topics");
  const manyRcpt = await (await contract.emitMany(3n)).wait();
  eq(manyRcpt.logs.length, 3, "emitMany(3) receipt logs");
  const pingTopic = id("Ping(uint256)");
  const all = await provider.getLogs({ address, fromBlock: 0, toBlock: "latest" });
  eq(all.length, 4, "getLogs(address) count (1 ValueChanged + 3 Ping)");
  const one = await provider.getLogs({
    address, topics: [pingTopic, "0x" + (1).toString(16).padStart(64, "0")],
    fromBlock: manyRcpt.blockNumber, toBlock: manyRcpt.blockNumber,
  });
  eq(one.length, 1, "getLogs(Ping(1)) count");
  eq(one[0].index, manyRcpt.logs[1].index, "getLogs(Ping(1)) log index");
  const byHash = await provider.getLogs({ blockHash: manyRcpt.blockHash, topics: [pingTopic] });
  eq(byHash.length, 3, "getLogs({blockHash}) count");

  stepName("payable deposit");
  const depRcpt = await (await contract.deposit({ value: 1000n })).wait();
  eq(depRcpt.logs[0].fragment?.name, "Deposited", "deposit event");
  eq(await provider.getBalance(address), 1000n, "contract balance after deposit");

  stepName("reverting call rejects with the reason");
  let err = await rejects(contract.fail.staticCall("boom"), "fail('boom') staticCall");
  check(isError(err, "CALL_EXCEPTION"), `expected CALL_EXCEPTION, got ${err.code}: ${err.message}`);
  eq(err.reason, "boom", "revert reason of fail('boom') via eth_call");
  err = await rejects(contract.fail.send("boom"), "fail('boom').send transaction");
  check(isError(err, "CALL_EXCEPTION"), `expected CALL_EXCEPTION on send, got ${err.code}: ${err.message}`);
  eq(err.reason, "boom", "revert reason of fail('boom') via eth_estimateGas");
  err = await rejects(contract.failCustom.staticCall(), "failCustom()");
  eq(err.revert?.name, "Nope", "custom error name");
  eq(err.revert?.args?.[0], 42n, "custom error argument");
  err = await rejects(contract.panic.staticCall(), "panic()");
  eq(err.revert?.name, "Panic", "panic error name");
  eq(Number(err.revert?.args?.[0]), 1, "panic code");

  stepName("error mapping: insufficient funds, nonce too low");
  const poor = Wallet.createRandom().connect(provider);
  err = await rejects(poor.sendTransaction({ to: recipient, value: 1n }), "send from an empty account");
  check(isError(err, "INSUFFICIENT_FUNDS"),
    `empty account, estimateGas: expected INSUFFICIENT_FUNDS, got ${err.code}: ${err.message}`);
  err = await rejects(poor.sendTransaction({ to: recipient, value: 1n, gasLimit: 21000n }),
    "send raw from an empty account");
  check(isError(err, "INSUFFICIENT_FUNDS"),
    `empty account, sendRawTransaction: expected INSUFFICIENT_FUNDS, got ${err.code}: ${err.message}`);
  err = await rejects(wallet.sendTransaction({ to: recipient, value: 1n, nonce: 0, gasLimit: 21000n }),
    "send with a used nonce");
  check(isError(err, "NONCE_EXPIRED"), `used nonce: expected NONCE_EXPIRED, got ${err.code}: ${err.message}`);

  stepName("JsonRpcSigner: node-side signing with an unlocked dev account");
  const accounts = await provider.listAccounts();
  check(accounts.some((a) => a.address === UNLOCKED.ethers), `eth_accounts lacks ${UNLOCKED.ethers}`);
  const signer = await provider.getSigner(UNLOCKED.ethers);
  const signerTx = await signer.sendTransaction({ to: recipient, value: 5n });
  const signerRcpt = await within(15_000, signerTx.wait(), "eth_sendTransaction receipt");
  eq(signerRcpt.status, 1, "eth_sendTransaction receipt.status");
  eq(signerRcpt.from, UNLOCKED.ethers, "eth_sendTransaction receipt.from");
  const message = "hello cmt-chain";
  eq(verifyMessage(message, await signer.signMessage(message)), UNLOCKED.ethers, "personal_sign recovers");
  const domain = { name: "cmt", version: "1", chainId: CHAIN_ID, verifyingContract: address };
  const types = { Mail: [{ name: "to", type: "address" }, { name: "contents", type: "string" }] };
  const mail = { to: recipient, contents: "hi" };
  eq(verifyTypedData(domain, types, mail, await signer.signTypedData(domain, types, mail)), UNLOCKED.ethers,
    "eth_signTypedData_v4 recovers");

  stepName("WebSocketProvider: chainId, blockNumber, contract event listener");
  const ws = new WebSocketProvider(wsUrl);
  // record the raw frames (ethers' debug events miss some WebSocket traffic, e.g. eth_unsubscribe)
  const socket = ws.websocket;
  const rawSend = socket.send.bind(socket);
  socket.send = (data) => {
    record("request ", String(data));
    return rawSend(data);
  };
  socket.addEventListener("message", (message) => record("response", String(message.data)));
  try {
    eq((await ws.getNetwork()).chainId, BigInt(CHAIN_ID), "ws getNetwork().chainId");
    check((await ws.getBlockNumber()) >= manyRcpt.blockNumber, "ws getBlockNumber");
    const wsContract = new Contract(address, ARTIFACT.abi, ws);
    const subscribed = Promise.all([answered("eth_subscribe"), answered("eth_subscribe")]);
    const events = [];
    await wsContract.on("ValueChanged", (who, oldValue, newValue, event) =>
      events.push({ who, oldValue, newValue, event }));
    const blocks = [];
    ws.on("block", (n) => blocks.push(n));
    // the logs and newHeads subscriptions are live once the node has answered both eth_subscribe
    const ids = await within(10_000, subscribed, "eth_subscribe answers");
    check(ids.every((i) => /^0x[0-9a-f]+$/.test(i)), `eth_subscribe ids: ${ids}`);
    const wsTx = await contract.set(99n);
    const wsRcpt = await wsTx.wait();
    const got = await within(10_000, until(() => events[0]), "ValueChanged (eth_subscribe logs) over WebSocket");
    eq(got.who, wallet.address, "ws event who");
    eq(got.oldValue, 42n, "ws event oldValue");
    eq(got.newValue, 99n, "ws event newValue");
    eq(got.event.log.transactionHash, wsTx.hash, "ws event transactionHash");
    await within(10_000, until(() => blocks.includes(wsRcpt.blockNumber)),
      `block event ${wsRcpt.blockNumber} (eth_subscribe newHeads) over WebSocket; got ${blocks}`);
    eq(events.length, 1, "ValueChanged events received over WebSocket");
    // removing the listeners queues one eth_unsubscribe each; destroy() must not cancel them
    const unsubscribed = Promise.all([answered("eth_unsubscribe"), answered("eth_unsubscribe")]);
    await wsContract.removeAllListeners();
    await ws.removeAllListeners();
    eq((await within(10_000, unsubscribed, "eth_unsubscribe answers")).join(), "true,true",
      "eth_unsubscribe results");
  } finally {
    await ws.destroy();
  }

  stepName("HTTP polling listener (eth_newFilter / eth_getFilterChanges)");
  provider.pollingInterval = 200;
  const installed = answered("eth_newFilter");
  const polled = new Promise((resolve) => {
    contract.once("ValueChanged", (who, oldValue, newValue, event) => resolve({ newValue, event }));
  });
  await within(10_000, installed, "eth_newFilter for the polling listener");
  const pollTx = await contract.set(123n);
  const pollGot = await within(10_000, polled, "ValueChanged over HTTP polling");
  eq(pollGot.newValue, 123n, "polled event newValue");
  eq(pollGot.event.log.transactionHash, pollTx.hash, "polled event transactionHash");
  await contract.removeAllListeners();
  provider.destroy();
}

run(main);
