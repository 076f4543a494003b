// eth_call state overrides (the optional third parameter, as geth serves it) through viem's
// `call({ stateOverride })` and cast's `call --override-code/--override-balance`:
// node overrides.mjs http://127.0.0.1:PORT
import { createPublicClient, defineChain, http } from "viem";
import { CHAIN_ID, eq, record, run, stepName, urls } from "./lib.mjs";
import { runTool } from "./foundry.mjs";

const { url } = urls();
const TARGET = "0x0000000000000000000000000000000000001234";
const RETURN_42 = "0x602a60005260206000f3"; // mstore(0, 42); return(0, 32)
const RETURN_SELFBALANCE = "0x4760005260206000f3"; // mstore(0, selfbalance()); return(0, 32)
const word = (n) => "0x" + n.toString(16).padStart(64, "0");

async function main() {
  const chain = defineChain({
    id: CHAIN_ID, name: "cmt-chain dev", nativeCurrency: { name: "CMT", symbol: "CMT", decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
  const client = createPublicClient({
    chain,
    transport: http(url, {
      onFetchRequest: async (request) => record("request ", await request.clone().text()),
      onFetchResponse: async (response) => record("response", await response.clone().text()),
    }),
  });

  stepName("viem call with stateOverride code");
  const { data } = await client.call({ to: TARGET, stateOverride: [{ address: TARGET, code: RETURN_42 }] });
  eq(data, word(42), "eth_call result with the code override (0x means the override was ignored)");

  stepName("viem call with stateOverride code + balance");
  const both = await client.call({
    to: TARGET, stateOverride: [{ address: TARGET, code: RETURN_SELFBALANCE, balance: 0x1234n }],
  });
  eq(both.data, word(0x1234), "eth_call SELFBALANCE with a balance override");

  stepName("cast call --override-code");
  eq(runTool("cast", ["call", "--rpc-url", url, TARGET, "--override-code", `${TARGET}:${RETURN_42}`]),
    word(42), "cast call --override-code");
}

run(main);
