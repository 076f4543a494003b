"""The genesis block: the prefunded dev accounts, the configured alloc, the staking contract
with its genesis validators, the preloaded commerce templates (`templates.py`: constructors and
linking calls run in the EVM), and the first header.

`make_genesis(store, config, local_validators)` returns the genesis block and the state it
writes; `chain.py` stores both in one batch when a data folder is new. The same config (and
validator keys) always gives the same genesis hash.
"""

from __future__ import annotations

import dataclasses

from . import execution, fees, staking, templates
from .accounts import dev_accounts
from .block import EMPTY_TRIE_ROOT, ZERO_ADDRESS, ZERO_HASH, Block, Header
from .calls import BlockEnv
from .config import Config, StakingConfig
from .receipt import combine_blooms
from .storage.kv import Store

# Code for system-contract accounts, so wallets and Solidity see a contract there; py-evm runs
# the precompile instead and never executes it (0xfe is INVALID).
SYSTEM_CODE = b"\xfe"


def staking_params(config: StakingConfig) -> staking.Params:
    """Return the staking rules a config sets."""
    return staking.Params(**{f.name: getattr(config, f.name)
                             for f in dataclasses.fields(staking.Params)})


def genesis_staking(config: StakingConfig, local_validators: tuple[bytes, ...],
                    ) -> staking.StakingState:
    """Return the genesis staking state: the configured validators, else the local keys."""
    validators = config.genesis_validators or tuple(
        (address, config.genesis_stake, config.genesis_comp_rate_bps)
        for address in local_validators)
    return staking.genesis(staking_params(config), validators)


def genesis_accounts(config: Config, local_validators: tuple[bytes, ...] = (),
                     ) -> list[execution.GenesisAccount]:
    """Return the dev accounts (in dev mode), the configured alloc and the staking contract.

    The contract's balance is every genesis stake: they are part of the genesis supply.
    """
    genesis = config.genesis
    accounts: dict[bytes, execution.GenesisAccount] = {}
    if config.network.dev:
        for account in dev_accounts(genesis.mnemonic, genesis.dev_accounts):
            accounts[account.address] = execution.GenesisAccount(
                account.address, balance=genesis.dev_balance)
    for address, entry in genesis.alloc:
        accounts[address] = execution.GenesisAccount(
            address, entry.balance, entry.nonce, entry.code, entry.storage)
    if config.staking.enabled:
        state = genesis_staking(config.staking, local_validators)
        accounts[execution.STAKING_ADDRESS] = execution.GenesisAccount(
            execution.STAKING_ADDRESS, balance=staking.total_staked(state), nonce=1,
            code=SYSTEM_CODE, storage=execution.staking_storage(state))
    if config.fees.sponsor_per_sender:
        book = fees.SponsorBook(fees.SponsorLimits(config.fees.sponsor_per_sender,
                                                   config.fees.sponsor_window))
        accounts[execution.SPONSOR_ADDRESS] = execution.GenesisAccount(
            execution.SPONSOR_ADDRESS, nonce=1, code=SYSTEM_CODE,
            storage=execution.sponsor_storage(book))
    return list(accounts.values())


def make_genesis(store: Store, config: Config, local_validators: tuple[bytes, ...] = (),
                 ) -> tuple[Block, dict[bytes, bytes]]:
    """Return the genesis block and the state writes it needs."""
    accounts = genesis_accounts(config, local_validators)
    steps = templates.genesis_steps(config)
    if steps:
        env = BlockEnv(number=0, timestamp=config.genesis.timestamp, coinbase=ZERO_ADDRESS,
                       gas_limit=config.genesis.gas_limit, base_fee=0,
                       chain_id=config.network.chain_id)
        state_root, writes = execution.genesis_state_with_contracts(store, accounts, steps, env)
    else:
        state_root, writes = execution.genesis_state(store, accounts)
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
