"""The cmt-chain benchmark's library; `scripts/bench.py` is the entry point.

  rpc.py        a small JSON-RPC client over aiohttp: single calls and batches
  nodes.py      the nodes under test (cmt-chain, anvil): start, stop, memory and CPU from /proc
  txs.py        deterministic keys and fast EIP-1559 signing (checked against eth-account)
  load.py       the load engine: submit pre-signed txs in batches, follow the head, check receipts
  workloads.py  one async function per workload, and the registry bench.py runs
  report.py     medians over runs, ratios to anvil, the printed tables and the final JSON
  contracts/    BenchToken.sol and its compiled artifact (scripts/build_bench_contracts.sh)
"""
