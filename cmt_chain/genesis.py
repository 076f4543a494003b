"""The genesis block: the prefunded dev accounts, the configured alloc, the preloaded commerce
templates (`templates.py`: constructors and linking calls run in the EVM), and the first header.

`make_genesis(store, config)` returns the genesis block and the state it writes; `chain.py` stores
both in one batch when a data folder is new. The same config always gives the same genesis hash.
"""

from __future__ import annotations

from . import execution, templates
from .accounts import dev_accounts
from .block import EMPTY_TRIE_ROOT, ZERO_ADDRESS, ZERO_HASH, Block, Header
from .calls import BlockEnv
from .config import Config
from .receipt import combine_blooms
from .storage.kv import Store


def genesis_accounts(config: Config) -> list[execution.GenesisAccount]:
    """Return the dev accounts (in dev mode) followed by the configured alloc."""
    genesis = config.genesis
    accounts: dict[bytes, execution.GenesisAccount] = {}
    if config.network.dev:
        for account in dev_accounts(genesis.mnemonic, genesis.dev_accounts):
            accounts[account.address] = execution.GenesisAccount(
                account.address, balance=genesis.dev_balance)
    for address, entry in genesis.alloc:
        accounts[address] = execution.GenesisAccount(
            address, entry.balance, entry.nonce, entry.code, entry.storage)
    return list(accounts.values())


def make_genesis(store: Store, config: Config) -> tuple[Block, dict[bytes, bytes]]:
    """Return the genesis block and the state writes it needs."""
    steps = templates.genesis_steps(config)
    if steps:
        env = BlockEnv(number=0, timestamp=config.genesis.timestamp, coinbase=ZERO_ADDRESS,
                       gas_limit=config.genesis.gas_limit, base_fee=0,
                       chain_id=config.network.chain_id)
        state_root, writes = execution.genesis_state_with_contracts(
            store, genesis_accounts(config), steps, env)
    else:
        state_root, writes = execution.genesis_state(store, genesis_accounts(config))
    header = Header(
        parent_hash=ZERO_HASH, coinbase=ZERO_ADDRESS, state_root=state_root,
        transactions_root=EMPTY_TRIE_ROOT, receipts_root=EMPTY_TRIE_ROOT,
        logs_bloom=combine_blooms(()), number=0, gas_limit=config.genesis.gas_limit,
        gas_used=0, timestamp=config.genesis.timestamp,
        extra_data=config.genesis.extra_data.encode()[:32],
        base_fee_per_gas=config.genesis.base_fee_per_gas, withdrawals_root=EMPTY_TRIE_ROOT,
        blob_gas_used=0, excess_blob_gas=0, parent_beacon_block_root=ZERO_HASH,
        requests_hash=execution.EMPTY_REQUESTS_HASH,
    )
    return Block(header=header, withdrawals=()), writes
