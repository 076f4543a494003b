// Shared helpers for the client scripts: assertions that exit non-zero with a clear message,
// a global deadline, and a ring buffer of the last JSON-RPC exchanges to print on failure.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const require = createRequire(import.meta.url);

// Dev accounts m/44'/60'/0'/0/0..3 of the "test test ... junk" mnemonic (the first three are
// tests/nodeproc.py DEV_KEYS); each script signs with its own so that nonces never collide.
export const DEV_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", // ethers.mjs
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d", // viem.mjs
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a", // cast.mjs
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6", // forge.mjs
];
// Accounts 4..6 of the same mnemonic, used unlocked (node-side signing, eth_sendTransaction).
export const UNLOCKED = {
  ethers: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
  viem: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
  cast: "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
};
export const CHAIN_ID = 1234;
export const ARTIFACT = require(path.join(HERE, "..", "fixtures", "contracts", "EventEmitter.json"));

const exchanges = [];
const methodById = new Map();
const waiters = [];

/** Resolve with the result of the next answered JSON-RPC call of `method` (seen via record());
 * each answer resolves one waiter, oldest first. */
export function answered(method) {
  return new Promise((resolve) => waiters.push({ method, resolve }));
}

function track(kind, payload) {
  let message;
  try {
    message = typeof payload === "string" ? JSON.parse(payload) : payload;
  } catch {
    return;
  }
  for (const m of [message].flat()) {
    if (!m || typeof m !== "object" || m.id === undefined) continue;
    if (kind.startsWith("request") && m.method) {
      methodById.set(m.id, m.method);
    } else if (kind.startsWith("response") && "result" in m && methodById.has(m.id)) {
      const method = methodById.get(m.id);
      methodById.delete(m.id);
      const waiter = waiters.find((x) => x.method === method);
      if (waiter) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(m.result);
      }
    }
  }
}

/** Remember one JSON-RPC request/response pair (the last 20 are printed on failure; all of
 * them, shortened, as they happen when RPC_TRACE is set). */
export function record(kind, payload) {
  track(kind, payload);
  let text;
  try {
    text = typeof payload === "string" ? payload : JSON.stringify(payload, (_, v) =>
      typeof v === "bigint" ? v.toString() : v);
  } catch {
    text = String(payload);
  }
  if (text.length > 1500) text = text.slice(0, 1500) + "...";
  if (process.env.RPC_TRACE) console.log(`  ${kind}: ${text.slice(0, 300)}`);
  exchanges.push(`${kind}: ${text}`);
  if (exchanges.length > 20) exchanges.shift();
}

let step = "start";
/** Name the step being run, for failure messages. */
export function stepName(name) {
  step = name;
  console.log(`- ${name}`);
}

/** Print a failure with the step, the last JSON-RPC traffic, and exit 1. */
export function die(message, error) {
  console.error(`\nFAIL [${step}]: ${message}`);
  if (error) {
    console.error(error?.stack ?? error);
    if (error?.info) console.error("error.info:", safe(error.info));
  }
  if (exchanges.length) {
    console.error("\nlast JSON-RPC exchanges:");
    for (const line of exchanges) console.error("  " + line);
  }
  process.exit(1);
}

function safe(v) {
  try {
    return JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString() : x));
  } catch {
    return String(v);
  }
}

export function check(cond, message) {
  if (!cond) die(message);
}

export function eq(actual, expected, what) {
  if (actual !== expected) die(`${what}: expected ${safe(expected)}, got ${safe(actual)}`);
}

/** Await `promise` and expect it to reject; return the error. */
export async function rejects(promise, what) {
  try {
    const value = await promise;
    die(`${what}: expected a rejection, got ${safe(value)}`);
  } catch (error) {
    return error;
  }
}

/** Resolve within `ms` or fail the script with `what`. */
export function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolve with the first truthy value of `predicate()`, polled every 50 ms (wrap in within()). */
export async function until(predicate) {
  for (;;) {
    const value = predicate();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Parse argv: the node's http URL (required) and derive its ws URL. */
export function urls() {
  const url = process.argv[2];
  if (!url || !url.startsWith("http")) {
    console.error(`usage: node ${path.basename(process.argv[1])} http://127.0.0.1:PORT`);
    process.exit(2);
  }
  return { url, wsUrl: url.replace(/^http/, "ws") };
}

/** Run `main`, failing on any uncaught error and after a global deadline. */
export function run(main, deadlineMs = 40_000) {
  const timer = setTimeout(() => die(`script did not finish within ${deadlineMs} ms`), deadlineMs);
  process.on("unhandledRejection", (e) => die("unhandled rejection", e));
  main().then(
    () => {
      clearTimeout(timer);
      console.log("OK");
      process.exit(0);
    },
    (e) => die(e?.shortMessage ?? e?.message ?? String(e), e),
  );
}
