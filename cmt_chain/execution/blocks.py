"""Block building: runs a block's transactions on its parent state in one pass.

py-evm's per-transaction `apply_transaction` on a Chain rebuilds the block's tries after each
transaction and is quadratic; here every transaction runs on one state, and the transaction and
receipt tries are built once at the end. Called by `chain.py` (through `executor.py` when a block
is produced, directly when one is imported).

CMT fee rule: the base fee is not burned. After a block's transactions run, the staking hook
(`system_staking.end_block`) hands the block's fees and award to the validator set; on a chain
without staking the block's producer is credited base fee x gas used, so with py-evm's tip
payment it receives every fee paid.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from eth.vm.forks.prague.state import PragueState
from eth_utils import ValidationError

from .. import errors, fees
from ..block import EMPTY_TRIE_ROOT, Header
from ..calls import BlockEnv
from ..ordered_trie import ordered_trie_root
from ..receipt import Receipt, combine_blooms
from ..storage.kv import Store
from ..storage.state import StateOverlay
from ..transaction import Transaction
from . import system_sponsor, system_staking
from .vm import FORK_VM, evm_log, make_state, preprocess, to_evm_transaction, validation_error

MIN_TX_GAS = 21_000
EMPTY_REQUESTS_HASH = hashlib.sha256(b"").digest()


@dataclass(frozen=True, slots=True)
class BuiltBlock:
    """A block's header (not yet sealed), its transactions and receipts, and the state it wrote."""

    header: Header
    transactions: tuple[Transaction, ...]
    receipts: tuple[Receipt, ...]
    state_writes: dict[bytes, bytes]
    rejected: tuple[tuple[Transaction, errors.ChainError], ...] = ()


# --- blocks -----------------------------------------------------------------------------------


def build_block(
    store: Store,
    parent_state_root: bytes,
    parent_hash: bytes,
    env: BlockEnv,
    transactions: Iterable[Transaction],
    extra_data: bytes = b"",
    strict: bool = False,
) -> BuiltBlock:
    """Execute `transactions` on the parent state in one pass and return the new block.

    With `strict` (importing a block) any transaction that cannot be included fails the block;
    otherwise (producing) it is left out and reported in `rejected`.
    """
    overlay = StateOverlay(store)
    state = make_state(overlay, parent_state_root, env)
    preprocess(state, env, parent_hash)
    included, receipts, rejected, tally = _execute_all(state, env, transactions, strict)
    gas_used = receipts[-1].cumulative_gas_used if receipts else 0
    if not system_staking.end_block(state, env.number, env.coinbase, tally.credit,
                                    tally.paid) and tally.credit:
        state.delta_balance(env.coinbase, tally.credit)
    state.persist()
    header = Header(
        parent_hash=parent_hash, coinbase=env.coinbase, state_root=state.state_root,
        transactions_root=ordered_trie_root([tx.raw for tx in included]),
        receipts_root=ordered_trie_root([r.encode_consensus() for r in receipts]),
        logs_bloom=combine_blooms(r.bloom for r in receipts), number=env.number,
        gas_limit=env.gas_limit, gas_used=gas_used, timestamp=env.timestamp,
        extra_data=extra_data, mix_hash=env.prev_randao, base_fee_per_gas=env.base_fee,
        withdrawals_root=EMPTY_TRIE_ROOT, blob_gas_used=0, excess_blob_gas=0,
        parent_beacon_block_root=env.parent_beacon_block_root,
        requests_hash=EMPTY_REQUESTS_HASH,
    )
    return BuiltBlock(header, tuple(included), tuple(receipts), overlay.writes, tuple(rejected))


Rejection = tuple[Transaction, errors.ChainError]


@dataclass(slots=True)
class _FeeTally:
    credit: int = 0  # the base-fee part py-evm burns, credited back (nothing is burned)
    paid: int = 0  # every fee of the block, sponsors' included


def _execute_all(state: PragueState, env: BlockEnv, transactions: Iterable[Transaction],
                 strict: bool) -> tuple[list[Transaction], list[Receipt], list[Rejection],
                                        _FeeTally]:
    """Run the transactions in order; return those included, their receipts, the rest, and
    the fees they paid."""
    included: list[Transaction] = []
    receipts: list[Receipt] = []
    rejected: list[Rejection] = []
    gas_used = 0
    free_pairs: Pairs = set()
    tally = _FeeTally()
    for tx in transactions:
        sponsored, free, refusal = _lane(state, env, tx, free_pairs)
        if tx.gas > env.gas_limit - gas_used:
            outcome: Receipt | errors.ChainError = errors.GasLimitExceeded()
        else:
            outcome = refusal or _apply(state, tx, gas_used, free)
        if isinstance(outcome, Receipt):
            gas_used = outcome.cumulative_gas_used
            included.append(tx)
            receipts.append(outcome)
            _count_fees(state, env, tx, outcome.gas_used, sponsored, tally)
            if free and not sponsored:
                free_pairs.add((tx.sender, tx.to))
            continue
        if strict:
            raise errors.InvalidBlock(f"transaction {tx.hash.hex()}: {outcome}")
        rejected.append((tx, outcome))
        if env.gas_limit - gas_used < MIN_TX_GAS:
            break  # the block is full
    return included, receipts, rejected, tally


Pairs = set[tuple[bytes, bytes | None]]


def _lane(state: PragueState, env: BlockEnv, tx: Transaction,
          free_pairs: Pairs) -> tuple[bool, bool, errors.ChainError | None]:
    """Return whether a sponsor pays for `tx`, whether it runs free, and why it cannot join.

    A zero-priced call to a sponsored function is paid by its sponsor; when the sponsor cannot
    pay now (deposit, rate limit), or for any other transaction priced below the minimum, the
    free lane's limits apply.
    """
    sponsor, refusal = system_sponsor.sponsor_check(state, tx, env.base_fee, env.number)
    if sponsor is not None and refusal is None:
        return True, True, None
    if not fees.in_free_lane(tx.max_fee_per_gas, env.free_lane):
        return False, False, refusal
    lane_refusal = fees.free_lane_refusal((tx.sender, tx.to), tx.gas, env.free_lane, free_pairs)
    return False, True, (refusal or lane_refusal) if lane_refusal else None


def _count_fees(state: PragueState, env: BlockEnv, tx: Transaction, gas_used: int,
                sponsored: bool, tally: _FeeTally) -> None:
    """Add a transaction's fees to the tally; charge its sponsor, if any."""
    if sponsored:  # the sender paid nothing; the deposit pays the base fee
        tally.paid += system_sponsor.charge(state, tx, env.base_fee * gas_used, env.number)
        return
    tally.credit += fees.lane_base_fee(tx.max_fee_per_gas, env.base_fee, env.free_lane) * gas_used
    tally.paid += tx.effective_gas_price(env.base_fee) * gas_used


def _apply(state: PragueState, tx: Transaction, gas_before: int,
           free: bool = False) -> Receipt | errors.ChainError:
    """Run one transaction; return its receipt, or the reason it cannot be included.

    A free-lane transaction runs with its own price as the base fee, so it pays that price
    (which `_fees` credits to the pool) and no more.
    """
    evm_tx = to_evm_transaction(tx)
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
    gas_used = FORK_VM.finalize_gas_used(evm_tx, computation)
    return Receipt(
        tx_type=tx.type, status=0 if computation.is_error else 1,
        cumulative_gas_used=gas_before + gas_used, gas_used=gas_used,
        contract_address=tx.contract_address() if not computation.is_error else None,
        logs=tuple(evm_log(entry) for entry in computation.get_log_entries()),
    )
