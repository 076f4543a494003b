// Foundry's cast against a cmt-chain node, as a user types it: node cast.mjs http://127.0.0.1:PORT
// Also deploys with `cast send --create` (bytecode from tests/fixtures/contracts/EventEmitter.json).
import {
  ARTIFACT, CHAIN_ID, DEV_KEYS, UNLOCKED, check, eq, run, stepName, urls,
} from "./lib.mjs";
import { json, runTool } from "./foundry.mjs";

const { url } = urls();
const KEY = DEV_KEYS[2];
// --rpc-url right after the subcommand: trailing variadic arguments (--create ... ARGS) would take it
const cast = (sub, ...args) => runTool("cast", [sub, "--rpc-url", url, ...args]);
const castFails = (sub, ...args) =>
  runTool("cast", [sub, "--rpc-url", url, ...args], { expectFailure: true });

async function main() {
  const me = runTool("cast", ["wallet", "address", "--private-key", KEY]);

  stepName("cast chain-id");
  eq(cast("chain-id"), String(CHAIN_ID), "cast chain-id");

  stepName("cast block-number");
  const head = Number(cast("block-number"));
  check(Number.isInteger(head) && head >= 0, `cast block-number: ${head}`);

  stepName("cast balance / nonce / gas-price / base-fee");
  const balance = BigInt(cast("balance", me));
  check(balance > 10n ** 21n, `cast balance too small: ${balance}`);
  const nonce = Number(cast("nonce", me));
  check(Number.isInteger(nonce), `cast nonce: ${nonce}`);
  check(BigInt(cast("gas-price")) >= 10n ** 9n, "cast gas-price >= 1 gwei");
  check(BigInt(cast("base-fee")) > 0n, "cast base-fee > 0");

  stepName("cast send --value 1ether");
  const to = runTool("cast", ["wallet", "new", "--json"]);
  const recipient = json(to, "cast wallet new")[0].address;
  const sent = json(cast("send", "--private-key", KEY, recipient, "--value", "1ether", "--json"),
    "cast send --json");
  eq(sent.status, "0x1", "cast send receipt status");
  eq(cast("balance", recipient), "1000000000000000000", "recipient balance after cast send");
  eq(Number(cast("nonce", me)), nonce + 1, "nonce after cast send");

  stepName("cast receipt / cast tx");
  const receipt = json(cast("receipt", sent.transactionHash, "--json"), "cast receipt --json");
  eq(receipt.status, "0x1", "cast receipt status");
  eq(receipt.blockHash, sent.blockHash, "cast receipt blockHash");
  const status = cast("receipt", sent.transactionHash, "status");
  check(["true", "1 (success)"].includes(status), `cast receipt <hash> status: ${status}`);
  const tx = json(cast("tx", sent.transactionHash, "--json"), "cast tx --json");
  eq(tx.from.toLowerCase(), me.toLowerCase(), "cast tx from");
  eq(BigInt(tx.value), 10n ** 18n, "cast tx value");

  stepName("cast send --legacy");
  const legacy = json(cast("send", "--private-key", KEY, recipient, "--value", "1gwei", "--legacy", "--json"),
    "cast send --legacy");
  eq(legacy.status, "0x1", "legacy cast send status");
  eq(legacy.type, "0x0", "legacy cast send type");

  stepName("cast send --create (deploy EventEmitter)");
  const created = json(cast("send", "--private-key", KEY, "--json", "--create", ARTIFACT.bytecode,
    "constructor(uint256)", "7"), "cast send --create");
  eq(created.status, "0x1", "cast send --create status");
  const address = created.contractAddress;
  check(address, "cast send --create receipt has contractAddress");
  eq(cast("code", address), ARTIFACT.deployedBytecode, "cast code");

  stepName("cast call value()(uint256)");
  eq(cast("call", address, "value()(uint256)"), "7", "cast call value() after deploy");

  stepName("cast estimate / cast send set(uint256)");
  const gas = Number(cast("estimate", address, "set(uint256)", "42", "--from", me));
  check(gas > 21000 && gas < 200000, `cast estimate set(42): ${gas}`);
  const setRcpt = json(cast("send", "--private-key", KEY, "--json", address, "set(uint256)", "42"),
    "cast send set");
  eq(setRcpt.status, "0x1", "cast send set status");
  eq(setRcpt.logs.length, 1, "cast send set log count");
  eq(cast("call", address, "value()(uint256)"), "42", "cast call value() after set");
  eq(BigInt(cast("storage", address, "0")), 42n, "cast storage slot 0");

  stepName("cast logs");
  const logs = json(cast("logs", "--json", "--from-block", "0", "--to-block", "latest", "--address", address,
    "ValueChanged(address indexed,uint256 indexed,uint256)"), "cast logs --json");
  eq(logs.length, 1, "cast logs ValueChanged count");
  eq(logs[0].transactionHash, setRcpt.transactionHash, "cast logs transactionHash");
  const byTopic = json(cast("logs", "--json", "--from-block", "0", "--address", address,
    "ValueChanged(address indexed,uint256 indexed,uint256)", me), "cast logs with an indexed arg");
  eq(byTopic.length, 1, "cast logs ValueChanged(who=me) count");
  const none = json(cast("logs", "--json", "--from-block", "0", "--address", address,
    "ValueChanged(address indexed,uint256 indexed,uint256)", recipient), "cast logs non-matching");
  eq(none.length, 0, "cast logs non-matching indexed arg count");

  stepName("cast block latest");
  const block = json(cast("block", "latest", "--json"), "cast block latest --json");
  check(Number(block.number) >= Number(setRcpt.blockNumber), `cast block latest number ${block.number}`);
  check(block.hash && block.baseFeePerGas, "cast block latest has hash and baseFeePerGas");
  eq(cast("block", setRcpt.blockNumber, "--field", "hash"), setRcpt.blockHash, "cast block <n> --field hash");
  const full = json(cast("block", setRcpt.blockNumber, "--full", "--json"), "cast block --full");
  check(full.transactions.some((t) => t.hash === setRcpt.transactionHash), "cast block --full includes the tx");

  stepName("cast call of a reverting function shows the reason");
  const error = castFails("call", address, "fail(string)", "boom");
  check(error.includes("boom"), `cast call fail('boom') should show the reason, got: ${error}`);
  const sendError = castFails("send", "--private-key", KEY, address, "fail(string)", "boom");
  check(sendError.includes("boom"), `cast send fail('boom') should show the reason, got: ${sendError}`);

  stepName("cast send --unlocked (eth_sendTransaction)");
  const unlocked = json(cast("send", "--unlocked", "--from", UNLOCKED.cast, recipient, "--value", "1gwei", "--json"),
    "cast send --unlocked");
  eq(unlocked.status, "0x1", "cast send --unlocked status");
  eq(unlocked.from.toLowerCase(), UNLOCKED.cast.toLowerCase(), "cast send --unlocked from");

  stepName("cast run (replays a mined transaction against the node's state)");
  const replay = cast("run", setRcpt.transactionHash);
  check(replay.includes("ValueChanged") || replay.includes("emit"), `cast run shows the event:\n${replay}`);
  check(replay.includes("Transaction successfully executed"), `cast run succeeded:\n${replay}`);

  stepName("cast rpc");
  eq(json(cast("rpc", "eth_chainId"), "cast rpc eth_chainId"), "0x" + CHAIN_ID.toString(16), "cast rpc eth_chainId");
}

run(main);
