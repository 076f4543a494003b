// viem's test client (the anvil and hardhat modes) against a cmt-chain dev node:
// node viem_test_client.mjs http://127.0.0.1:PORT
// Cheats, impersonation, pool control, fee and coinbase setters, snapshot and revert, as a
// Foundry or Hardhat test suite written with viem would use them.
import {
  createPublicClient, createTestClient, createWalletClient, defineChain, http, numberToHex,
  parseEther, parseGwei, publicActions,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { CHAIN_ID, check, eq, record, run, stepName, urls } from "./lib.mjs";

const { url } = urls();
const cmt = defineChain({
  id: CHAIN_ID,
  name: "cmt-chain dev",
  nativeCurrency: { name: "CMT", symbol: "CMT", decimals: 18 },
  rpcUrls: { default: { http: [url] } },
});
const transport = http(url, {
  onFetchRequest: async (request) => record("request ", await request.clone().text()),
  onFetchResponse: async (response) => record("response", await response.clone().text()),
});
const RETURN_SLOT_1 = "0x60015460005260206000f3"; // mstore(0, sload(1)); return(0, 32)

async function cheats(mode) {
  const test = createTestClient({ chain: cmt, mode, transport }).extend(publicActions);
  const stranger = privateKeyToAccount(generatePrivateKey()).address;
  const contract = privateKeyToAccount(generatePrivateKey()).address;

  stepName(`${mode}: setBalance / setNonce`);
  await test.setBalance({ address: stranger, value: parseEther("2") });
  eq(await test.getBalance({ address: stranger }), parseEther("2"), "balance after setBalance");
  await test.setNonce({ address: stranger, nonce: 7 });
  eq(await test.getTransactionCount({ address: stranger }), 7, "nonce after setNonce");

  stepName(`${mode}: setCode / setStorageAt / call`);
  await test.setCode({ address: contract, bytecode: RETURN_SLOT_1 });
  await test.setStorageAt({ address: contract, index: 1, value: numberToHex(99, { size: 32 }) });
  eq(await test.getCode({ address: contract }), RETURN_SLOT_1, "code after setCode");
  const { data } = await test.call({ to: contract });
  eq(BigInt(data), 99n, "call reads the cheated slot");

  stepName(`${mode}: impersonateAccount + sendTransaction without a key`);
  await test.impersonateAccount({ address: stranger });
  const wallet = createWalletClient({ account: stranger, chain: cmt, transport });
  const hash = await wallet.sendTransaction({ to: contract, value: 1000n });
  const receipt = await test.waitForTransactionReceipt({ hash });
  eq(receipt.status, "success", "impersonated transfer status");
  eq(receipt.from.toLowerCase(), stranger.toLowerCase(), "impersonated transfer from");
  eq(await test.getTransactionCount({ address: stranger }), 8, "nonce after the transfer");
  await test.stopImpersonatingAccount({ address: stranger });

  stepName(`${mode}: snapshot / revert`);
  const head = await test.getBlockNumber({ cacheTime: 0 });
  const id = await test.snapshot();
  await test.mine({ blocks: 3 });
  await test.setBalance({ address: stranger, value: 1n });
  eq(await test.getBlockNumber({ cacheTime: 0 }), head + 3n, "head after mine");
  await test.revert({ id });
  eq(await test.getBlockNumber({ cacheTime: 0 }), head, "head after revert");
  check(await test.getBalance({ address: stranger }) > parseEther("1"), "balance after revert");

  stepName(`${mode}: dropTransaction`);
  await test.setAutomine(false);
  const sender = privateKeyToAccount(generatePrivateKey());
  await test.setBalance({ address: sender.address, value: parseEther("1") });
  const signer = createWalletClient({ account: sender, chain: cmt, transport });
  const pooled = await signer.sendTransaction({ to: contract, value: 1n, gas: 21_000n });
  eq((await test.getTxpoolStatus()).pending, 1, "pooled before drop");
  await test.dropTransaction({ hash: pooled });
  eq((await test.getTxpoolStatus()).pending, 0, "pool after drop");
  await test.setAutomine(true);

  stepName(`${mode}: setNextBlockBaseFeePerGas / setCoinbase / setMinGasPrice`);
  const coinbase = privateKeyToAccount(generatePrivateKey()).address;
  await test.setNextBlockBaseFeePerGas({ baseFeePerGas: parseGwei("9") });
  await test.setCoinbase({ address: coinbase });
  await test.mine({ blocks: 1 });
  const block = await test.getBlock();
  eq(block.baseFeePerGas, parseGwei("9"), "base fee of the next block");
  eq(block.miner.toLowerCase(), coinbase.toLowerCase(), "miner after setCoinbase");
  await test.setMinGasPrice({ gasPrice: parseGwei("2") });
}

async function main() {
  const client = createPublicClient({ chain: cmt, transport });
  const validator = await client.request({ method: "eth_coinbase" });
  await cheats("anvil");
  await cheats("hardhat");
  const test = createTestClient({ chain: cmt, mode: "anvil", transport });
  await test.setCoinbase({ address: validator });
}

run(main, 90_000);
