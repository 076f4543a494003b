"""Execution: the ONLY package that imports py-evm.

    blocks.py    build_block: a block's transactions in one pass, fees credited, roots computed
    calls.py     call, estimate_gas: throwaway runs with overrides, a gas cap and a deadline
    accounts.py  AccountReader at any state root; genesis_state
    vm.py        the fork (Prague), node <-> py-evm conversions, error mapping
    tracing.py   re-execution with tracer hooks (frames and watched opcodes): blocks, calls
    tracers.py   geth's struct logger and callTracer; prestate.py its prestateTracer;
                 vmtrace.py Parity's vmTrace; opcode_names.py geth's opcode names

Everything it takes and returns is the node's own types (`Transaction`, `Receipt`, `Header`,
`CallResult`, `traces`); py-evm objects never leave this package. Called by `genesis.py`,
`chain.py`, `executor.py`, `node.py` and `replay.py`.
"""

from .accounts import AccountReader, GenesisAccount, genesis_state
from .blocks import EMPTY_REQUESTS_HASH, MIN_TX_GAS, BuiltBlock, build_block
from .calls import call, estimate_gas, revert_data
from .vm import FORK_VM, to_evm_transaction

__all__ = [
    "EMPTY_REQUESTS_HASH", "FORK_VM", "MIN_TX_GAS", "AccountReader", "BuiltBlock",
    "GenesisAccount", "build_block", "call", "estimate_gas", "genesis_state", "revert_data",
    "to_evm_transaction",
]
