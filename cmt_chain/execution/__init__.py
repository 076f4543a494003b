"""Execution: the ONLY package that imports py-evm.

    blocks.py    build_block: a block's transactions in one pass, fees credited, roots computed
    calls.py     call, estimate_gas: throwaway runs with overrides, a gas cap and a deadline
    access_lists.py  create_access_list: a call's EIP-2930 access list, run until stable
    accounts.py  AccountReader at any state root; genesis_state
    genesis_deploy.py  genesis_state_with_contracts: constructors and linking calls run at genesis
    vm.py        the fork of calls (Prague), node <-> py-evm conversions, error mapping
    blobs.py     verify_sidecar: a sent blob transaction's KZG commitments and proofs
    forks.py     each fork name of a chain spec -> py-evm's VM, and what differs by fork
    simulate.py  eth_simulateV1: blocks of calls built on a base block, stored nowhere
    tracing.py   re-execution with tracer hooks (frames and watched opcodes): blocks, calls
    tracers.py   geth's struct logger and callTracer; prestate.py its prestateTracer;
                 vmtrace.py Parity's vmTrace; opcode_names.py geth's opcode names
    system_staking.py  the staking system contract (precompile at 0x...1000) and block hook
    system_sponsor.py  the sponsorship system contract (0x...1001): deposits paying for calls
    system_storage.py  how system contracts keep their records in storage

Everything it takes and returns is the node's own types (`Transaction`, `Receipt`, `Header`,
`CallResult`, `traces`); py-evm objects never leave this package. Called by `genesis.py`,
`chain.py`, `executor.py`, `node.py` and `replay.py`.
"""

from . import blobs, forks
from .access_lists import create_access_list
from .accounts import AccountReader, GenesisAccount, genesis_state
from .blocks import EMPTY_REQUESTS_HASH, MIN_TX_GAS, BuiltBlock, build_block
from .calls import call, estimate_gas, revert_data
from .genesis_deploy import GenesisCall, GenesisDeploy, GenesisStep, genesis_state_with_contracts
from .simulate import SimChain, simulate
from .system_sponsor import SPONSOR_ADDRESS, read_book
from .system_sponsor import storage_slots as sponsor_storage
from .system_staking import STAKING_ADDRESS, read_state
from .system_staking import call_data as staking_call_data
from .system_staking import storage_slots as staking_storage
from .vm import FORK_VM, to_evm_transaction

__all__ = [
    "EMPTY_REQUESTS_HASH", "FORK_VM", "MIN_TX_GAS", "AccountReader", "BuiltBlock",
    "GenesisAccount", "GenesisCall", "GenesisDeploy", "GenesisStep", "SPONSOR_ADDRESS",
    "STAKING_ADDRESS", "SimChain", "blobs", "build_block", "call", "create_access_list",
    "estimate_gas",
    "forks", "genesis_state", "genesis_state_with_contracts", "read_book", "read_state",
    "revert_data", "simulate", "sponsor_storage", "staking_call_data", "staking_storage",
    "to_evm_transaction",
]
