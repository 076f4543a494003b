"""Block building: runs a block's transactions on its parent state in one pass.

py-evm's per-transaction `apply_transaction` on a Chain rebuilds the block's tries after each
transaction and is quadratic; here every transaction runs on one state, and the transaction and
receipt tries are built once at the end. Called by `chain.py` (through `executor.py` when a block
is produced, directly when one is imported). The block runs under `env.fork` (`forks.py`): the
fork's state class and transaction rules, its proof-of-work rewards, withdrawals, and Prague's
system calls and requests, with the header fields that fork has.

CMT fee rule: the base fee is not burned. After a block's transactions run, the staking hook
(`system_staking.end_block`) hands the block's fees and award to the validator set; on a chain
without staking the block's producer is credited base fee x gas used, so with py-evm's tip
payment it receives every fee paid. Which transactions run free or sponsored, and what each paid,
is `fee_lanes.py`'s. A chain imported from a geth genesis (`env.burn_base_fee`) burns the base
fee, as Ethereum does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import rlp
from eth.vm.forks.prague.constants import (
    DEPOSIT_CONTRACT_ADDRESS,
    DEPOSIT_EVENT_SIGNATURE_HASH,
    DEPOSIT_REQUEST_TYPE,
)
from eth.vm.forks.shanghai.withdrawals import Withdrawal as EvmWithdrawal
from eth_hash.auto import keccak
from eth_typing import Address
from eth_utils import ValidationError
from trie import HexaryTrie

from .. import errors
from ..block import Header, Withdrawal
from ..calls import AccountOverride, BlockEnv
from ..ordered_trie import ordered_trie_root
from ..receipt import Receipt, combine_blooms
from ..storage.kv import Store
from ..storage.state import StateOverlay
from ..transaction import Transaction
from . import forks, system_staking
from .accounts import apply_overrides
from .fee_lanes import FeeTally, FreePairs, count_fees, lane
from .vm import evm_log, make_state, preprocess, to_evm_transaction, validation_error, vm_over

MIN_TX_GAS = 21_000
EMPTY_REQUESTS_HASH = hashlib.sha256(b"").digest()
DEPOSIT_EVENT = bytes(DEPOSIT_EVENT_SIGNATURE_HASH)


@dataclass(frozen=True, slots=True)
class BuiltBlock:
    """A block's header (not yet sealed), its transactions and receipts, and the state it wrote."""

    header: Header
    transactions: tuple[Transaction, ...]
    receipts: tuple[Receipt, ...]
    state_writes: dict[bytes, bytes]
    rejected: tuple[tuple[Transaction, errors.ChainError], ...] = ()
    requests: tuple[bytes, ...] = ()  # EIP-7685 requests (type byte + data), Prague on


# --- blocks -----------------------------------------------------------------------------------


def build_block(
    store: Store,
    parent_state_root: bytes,
    parent_hash: bytes,
    env: BlockEnv,
    transactions: Iterable[Transaction],
    extra_data: bytes = b"",
    strict: bool = False,
    overrides: tuple[tuple[bytes, AccountOverride], ...] = (),
    uncles: tuple[Header, ...] = (),
    withdrawals: tuple[Withdrawal, ...] = (),
) -> BuiltBlock:
    """Execute `transactions` on the parent state in one pass, under `env.fork`; return the block.

    With `strict` (importing a block) any transaction that cannot be included fails the block;
    otherwise (producing) it is left out and reported in `rejected`. `overrides` (dev mode's
    pending cheats) are set on the parent state before anything else runs. `uncles` and
    `withdrawals` are those of an imported block (rewarded, credited).
    """
    overlay = StateOverlay(store)
    fork = env.fork
    state = make_state(overlay, parent_state_root, env)
    if overrides:
        apply_overrides(state, overrides)
    preprocess(state, env, parent_hash)
    included, receipts, rejected, tally = _execute_all(state, env, transactions, strict)
    gas_used = receipts[-1].cumulative_gas_used if receipts else 0
    if not env.burn_base_fee and not system_staking.end_block(
            state, env.number, env.coinbase, tally.credit, tally.paid) and tally.credit:
        state.delta_balance(env.coinbase, tally.credit)
    if forks.has_withdrawals(fork):
        vm_over(state, fork).apply_all_withdrawals([
            EvmWithdrawal(w.index, w.validator_index, Address(w.address), w.amount)
            for w in withdrawals])
    if forks.is_proof_of_work(fork):
        _reward_miners(state, env, uncles)
    requests = _requests(state, fork, receipts) if forks.has_requests(fork) else None
    state.persist()
    # py-evm's HexaryTrie memoizes node encodings in a class-wide cache whose keys hold the
    # trie, and through it this block's whole state overlay: 4,096 entries kept every block's
    # writes alive (gigabytes in a long run). Nothing in it is useful to the next block.
    HexaryTrie._cached_create_node_to_db_mapping.cache_clear()
    header = Header(
        parent_hash=parent_hash, coinbase=env.coinbase, state_root=state.state_root,
        transactions_root=ordered_trie_root([tx.raw for tx in included]),
        receipts_root=ordered_trie_root([r.encode_consensus() for r in receipts]),
        logs_bloom=combine_blooms(r.bloom for r in receipts), number=env.number,
        gas_limit=env.gas_limit, gas_used=gas_used, timestamp=env.timestamp,
        extra_data=extra_data, mix_hash=env.prev_randao, difficulty=env.difficulty,
        uncles_hash=keccak(rlp.encode([u.rlp_fields() for u in uncles])),
        base_fee_per_gas=env.base_fee if forks.has_base_fee(fork) else None,
        withdrawals_root=ordered_trie_root([rlp.encode(w.rlp_fields()) for w in withdrawals])
        if forks.has_withdrawals(fork) else None,
        blob_gas_used=sum(tx.blob_gas for tx in included)
        if forks.has_blobs(fork) else None,
        excess_blob_gas=env.excess_blob_gas if forks.has_blobs(fork) else None,
        parent_beacon_block_root=env.parent_beacon_block_root if forks.has_blobs(fork) else None,
        requests_hash=_requests_hash(requests) if requests is not None else None,
    )
    return BuiltBlock(header, tuple(included), tuple(receipts), overlay.writes, tuple(rejected),
                      requests or ())


def _reward_miners(state: Any, env: BlockEnv, uncles: tuple[Header, ...]) -> None:
    """Pay a proof-of-work block's miner and its uncles' miners, by the fork's rules."""
    miner, paid = forks.block_rewards(
        env.fork, env.number, tuple((u.number, u.coinbase) for u in uncles))
    state.delta_balance(Address(env.coinbase), miner)
    for coinbase, reward in paid:
        state.delta_balance(Address(coinbase), reward)


def _requests(state: Any, fork: str, receipts: list[Receipt]) -> tuple[bytes, ...]:
    """Run the EIP-7002 and EIP-7251 system calls; return the block's non-empty requests."""
    deposits = b"".join(
        _deposit_request(log.data) for r in receipts for log in r.logs
        if log.address == DEPOSIT_CONTRACT_ADDRESS and log.topics[:1] == (DEPOSIT_EVENT,))
    stub: Any = _RequestsStub()
    vm = vm_over(state, fork)
    vm.process_withdrawal_request_data(stub)
    vm.process_consolidation_request_data(stub)
    return tuple(request for request in [DEPOSIT_REQUEST_TYPE + deposits, *stub.block_requests]
                 if len(request) > 1)


def _requests_hash(requests: tuple[bytes, ...]) -> bytes:
    """Return the EIP-7685 commitment to a block's requests."""
    digest = hashlib.sha256()
    for request in requests:
        digest.update(hashlib.sha256(request).digest())
    return digest.digest()


def _deposit_request(data: bytes) -> bytes:
    """Return an EIP-6110 deposit request from a deposit contract's DepositEvent data."""
    return data[192:240] + data[288:320] + data[352:360] + data[416:512] + data[544:552]


class _RequestsStub:
    """Collects the requests py-evm's Prague system calls append to a block."""

    def __init__(self) -> None:
        self.block_requests: list[bytes] = []


Rejection = tuple[Transaction, errors.ChainError]


def _execute_all(state: Any, env: BlockEnv, transactions: Iterable[Transaction], strict: bool,
                 ) -> tuple[list[Transaction], list[Receipt], list[Rejection], FeeTally]:
    """Run the transactions in order; return those included, their receipts, the rest, and
    the fees they paid."""
    included: list[Transaction] = []
    receipts: list[Receipt] = []
    rejected: list[Rejection] = []
    blob_gas_left = forks.max_blob_gas(env.fork)
    gas_used = 0
    free_pairs: FreePairs = set()
    tally = FeeTally()
    for tx in transactions:
        sponsored, free, refusal = lane(state, env, tx, free_pairs)
        if tx.gas > env.gas_limit - gas_used or tx.blob_gas > blob_gas_left:
            outcome: Receipt | errors.ChainError = errors.GasLimitExceeded()
        else:
            outcome = refusal or _apply(state, env.fork, tx, gas_used, free)
        if isinstance(outcome, Receipt):
            gas_used = outcome.cumulative_gas_used
            blob_gas_left -= tx.blob_gas
            included.append(tx)
            receipts.append(outcome)
            count_fees(state, env, tx, outcome.gas_used, sponsored, tally)
            if free and not sponsored:
                free_pairs.add((tx.sender, tx.to))
            continue
        if strict:
            raise errors.InvalidBlock(f"transaction {tx.hash.hex()}: {outcome}")
        rejected.append((tx, outcome))
        if env.gas_limit - gas_used < MIN_TX_GAS:
            break  # the block is full
    return included, receipts, rejected, tally


def _apply(state: Any, fork: str, tx: Transaction, gas_before: int,
           free: bool = False) -> Receipt | errors.ChainError:
    """Run one transaction; return its receipt, or the reason it cannot be included.

    A free-lane transaction runs with its own price as the base fee, so it pays that price
    (which `fee_lanes.count_fees` credits to the pool) and no more.
    """
    evm_tx = to_evm_transaction(tx, fork)
    state.lock_changes()
    snapshot = state.snapshot()
    # py-evm reads the base fee from the context for its check, the price and the burn alone.
    context: Any = state.execution_context
    block_base_fee = context._base_fee_per_gas
    if free:
        context._base_fee_per_gas = tx.max_fee_per_gas
    try:
        computation = state.apply_transaction(evm_tx)
    except ValidationError as exc:
        state.revert(snapshot)
        return validation_error(str(exc))
    finally:
        context._base_fee_per_gas = block_base_fee
    state.commit(snapshot)
    gas_used = forks.vm_class(fork).finalize_gas_used(evm_tx, computation)
    post_state = None if forks.has_status_receipts(fork) else state.make_state_root()
    return Receipt(
        tx_type=tx.type, status=0 if computation.is_error else 1,
        cumulative_gas_used=gas_before + gas_used, gas_used=gas_used,
        contract_address=tx.contract_address() if not computation.is_error else None,
        logs=tuple(evm_log(entry) for entry in computation.get_log_entries()),
        state_root=post_state,
    )
