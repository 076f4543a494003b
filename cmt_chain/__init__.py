"""cmt-chain: an Ethereum-compatible node for e-commerce, after the CyberMiles (CMT) chain.

```
 wallets / dApps / explorers
        │ HTTP POST, WebSocket (one port)
        ▼
 rpc/   server (aiohttp) → jsonrpc (METHODS table) → methods/* (parse → node → serialize)
        │                       params.py: the only hex parser; serialize.py: the only JSON builder
        ▼
 cmt_chain/node.py   composition root and the narrow backend the RPC layer calls
        │
   txpool ──select──▶ producer ──build──▶ execution/ (py-evm, the only importer) ──▶ state trie
   (validate, order,     │  (executor process)     │                 (StateOverlay, patricia.py)
    replace, evict)      │                         ▼
                      consensus.seal          chain.add_block / import_block
                                                   │  one atomic RocksDB batch: header, body,
                                                   │  receipts, tx index, canonical, head, seal,
                                                   │  state nodes (storage/schema.py)
                                                   ▼
                                              events (NewBlock, NewPendingTx)
                                                   │
                                   filters, WebSocket subscriptions, instant mining
```

Explorers: `replay.py` re-executes stored blocks on their parent state with the tracer hooks of
`execution/tracing.py` (debug_trace*, trace_*, ots_*); `address_index.py` keeps Otterscan's
address history (written with each block; internal calls filled in by tracing before a search).

CMT economics: `staking.py` (DPoS rules) and `fees.py` (gas rules: free lane, sponsorship) are
pure; execution runs them as system contracts (py-evm precompiles at 0x...1000 staking and
0x...1001 sponsorship, state in their storage) and, after each block's transactions, the staking
hook hands fees and the minted award to the validator set. `consensus.turn_order` says whose key
seals the next block; the producer may hold several validator keys.

One writer: only the producer (through `chain.add_block`) and block import mutate the chain;
everything else reads committed state at a block. Domain types (`block`, `transaction`,
`receipt`) are frozen dataclasses; errors are classes in `errors.py` with geth's messages, mapped
to JSON-RPC codes once in `rpc/errors.py`.
"""

import os

# Keccak through pysha3 (C, about 0.7 us a hash) rather than eth-hash's first choice, pycryptodome
# (about 5 us through cffi): a block hashes tens of thousands of trie nodes, addresses and keys.
# Set before anything hashes, here and so in every process (the executor child imports us too).
os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")
