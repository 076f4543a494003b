"""Execution: the ONLY package that imports py-evm.

    blocks.py    build_block: a block's transactions in one pass, fees credited, roots computed
    calls.py     call, estimate_gas: throwaway runs with overrides, a gas cap and a deadline
    accounts.py  AccountReader at any state root; genesis_state
    vm.py        the fork (Prague) with the system contracts, node <-> py-evm conversions
    system_staking.py  the staking system contract (precompile at 0x...1000) and block hook
    system_sponsor.py  the sponsorship system contract (0x...1001): deposits paying for calls
    system_storage.py  how system contracts keep their records in storage

Everything it takes and returns is the node's own types (`Transaction`, `Receipt`, `Header`,
`CallResult`); py-evm objects never leave this package. Called by `genesis.py`, `chain.py`,
`executor.py` and `node.py`.
"""

from .accounts import AccountReader, GenesisAccount, genesis_state
from .blocks import EMPTY_REQUESTS_HASH, MIN_TX_GAS, BuiltBlock, build_block
from .calls import call, estimate_gas, revert_data
from .system_sponsor import SPONSOR_ADDRESS, read_book
from .system_sponsor import storage_slots as sponsor_storage
from .system_staking import STAKING_ADDRESS, read_state
from .system_staking import call_data as staking_call_data
from .system_staking import storage_slots as staking_storage
from .vm import FORK_VM, to_evm_transaction

__all__ = [
    "EMPTY_REQUESTS_HASH", "FORK_VM", "MIN_TX_GAS", "AccountReader", "BuiltBlock",
    "STAKING_ADDRESS", "GenesisAccount", "build_block", "read_state", "staking_call_data",
    "SPONSOR_ADDRESS", "read_book", "sponsor_storage",
    "staking_storage", "call", "estimate_gas", "genesis_state", "revert_data",
    "to_evm_transaction",
]
