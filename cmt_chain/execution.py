"""Execution: the ONLY module that imports py-evm.

It builds a block in one pass over its transactions (py-evm's per-transaction `apply_transaction`
on a Chain rebuilds the block's tries each call and is quadratic), runs calls and gas estimates,
reads accounts at any state root, and writes the genesis state. Everything it takes and returns is
the node's own types (`Transaction`, `Receipt`, `Header`); py-evm objects never leave this module.
Called by `genesis.py`, `producer.py` (through `chain.py`), and the RPC backend for reads.

CMT fee rule: the base fee is not burned. After a block's transactions run, the block's producer
is credited base fee x gas used, so with py-evm's tip payment it receives every fee paid.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from eth.constants import BLANK_ROOT_HASH
from eth.db.account import AccountDB
from eth.db.atomic import AtomicDB
from eth.exceptions import InsufficientFunds as EvmInsufficientFunds
from eth.exceptions import OutOfGas, Revert, VMError
from eth.vm.execution_context import ExecutionContext
from eth.vm.forks.prague import PragueVM
from eth.vm.forks.prague.computation import PragueComputation
from eth.vm.forks.prague.state import PragueState
from eth.vm.spoof import SpoofTransaction
from eth_typing import Address, BlockNumber, Hash32
from eth_utils import ValidationError

from . import errors
from .block import EMPTY_TRIE_ROOT, Header
from .calls import (
    NO_OVERRIDES,
    AccountOverride,
    BlockEnv,
    CallOverrides,
    CallRequest,
    CallResult,
    decode_revert_reason,
)
from .ordered_trie import ordered_trie_root
from .receipt import Log, Receipt, combine_blooms
from .storage.kv import Store
from .storage.state import StateOverlay, StateView
from .transaction import Transaction

FORK_VM = PragueVM
_BUILDER: Any = FORK_VM.get_transaction_builder()
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
    state = _state(overlay, parent_state_root, env)
    _preprocess(state, env, parent_hash)
    included, receipts, rejected = _execute_all(state, env, transactions, strict)
    gas_used = receipts[-1].cumulative_gas_used if receipts else 0
    if env.base_fee and gas_used:
        state.delta_balance(env.coinbase, env.base_fee * gas_used)
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


def _execute_all(state: PragueState, env: BlockEnv, transactions: Iterable[Transaction],
                 strict: bool) -> tuple[list[Transaction], list[Receipt], list[Rejection]]:
    """Run the transactions in order; return those included, their receipts, the rest."""
    included: list[Transaction] = []
    receipts: list[Receipt] = []
    rejected: list[Rejection] = []
    gas_used = 0
    for tx in transactions:
        if tx.gas > env.gas_limit - gas_used:
            outcome: Receipt | errors.ChainError = errors.GasLimitExceeded()
        else:
            outcome = _apply(state, tx, gas_used)
        if isinstance(outcome, Receipt):
            gas_used = outcome.cumulative_gas_used
            included.append(tx)
            receipts.append(outcome)
            continue
        if strict:
            raise errors.InvalidBlock(f"transaction {tx.hash.hex()}: {outcome}")
        rejected.append((tx, outcome))
        if env.gas_limit - gas_used < MIN_TX_GAS:
            break  # the block is full
    return included, receipts, rejected


def _apply(state: PragueState, tx: Transaction, gas_before: int) -> Receipt | errors.ChainError:
    """Run one transaction; return its receipt, or the reason it cannot be included."""
    evm_tx = to_evm_transaction(tx)
    state.lock_changes()
    snapshot = state.snapshot()
    try:
        computation = state.apply_transaction(evm_tx)
    except ValidationError as exc:
        state.revert(snapshot)
        return _validation_error(str(exc))
    state.commit(snapshot)
    gas_used = FORK_VM.finalize_gas_used(evm_tx, computation)
    return Receipt(
        tx_type=tx.type, status=0 if computation.is_error else 1,
        cumulative_gas_used=gas_before + gas_used, gas_used=gas_used,
        contract_address=tx.contract_address() if not computation.is_error else None,
        logs=tuple(_log(entry) for entry in computation.get_log_entries()),
    )


def _log(entry: tuple[bytes, tuple[int, ...], bytes]) -> Log:
    address, topics, data = entry
    return Log(address=address, topics=tuple(t.to_bytes(32, "big") for t in topics), data=data)


def _validation_error(text: str) -> errors.ChainError:
    """Map py-evm's validation messages onto the node's errors (geth's texts)."""
    lowered = text.lower()
    if "base fee" in lowered:
        return errors.FeeCapTooLow()
    if "nonce" in lowered:
        return errors.NonceTooLow(text)
    if "balance" in lowered or "afford" in lowered:
        return errors.InsufficientFunds()
    if "intrinsic" in lowered or "insufficient gas" in lowered:
        return errors.IntrinsicGasTooLow()
    return errors.InvalidBlock(text)


def to_evm_transaction(tx: Transaction) -> Any:
    """Return py-evm's signed transaction for `tx`, with the already-recovered sender cached."""
    evm_tx = _BUILDER.decode(tx.raw)
    # The signature was verified when `tx` was decoded (its sender recovered): prime py-evm's
    # cached `sender` and skip its second verification, which would cost a full ECDSA recovery.
    evm_tx.__dict__["sender"] = tx.sender
    evm_tx.__dict__["check_signature_validity"] = _signature_checked_at_decode
    return evm_tx


def _signature_checked_at_decode() -> None:
    """Stand in for py-evm's signature check of a transaction whose sender is known."""


def _state(db: Any, state_root: bytes, env: BlockEnv, state_class: type = PragueState) -> Any:
    context = ExecutionContext(
        coinbase=Address(env.coinbase), timestamp=env.timestamp,
        block_number=BlockNumber(env.number), difficulty=0, mix_hash=Hash32(env.prev_randao),
        gas_limit=env.gas_limit, prev_hashes=[Hash32(h) for h in env.ancestor_hashes],
        chain_id=env.chain_id,
        base_fee_per_gas=env.base_fee, excess_blob_gas=0,
    )
    return state_class(AtomicDB(db), context, state_root)


class _BlockStub:
    """The few block fields py-evm's pre-block system updates read."""

    def __init__(self, env: BlockEnv, parent_hash: bytes) -> None:
        self.number = env.number
        self.header = self
        self.timestamp = env.timestamp
        self.parent_hash = parent_hash
        self.parent_beacon_block_root = env.parent_beacon_block_root


def _preprocess(state: Any, env: BlockEnv, parent_hash: bytes) -> None:
    """Apply the fork's pre-transaction system updates (beacon roots, block hash history)."""
    vm = FORK_VM.__new__(FORK_VM)
    vm._state = state
    stub: Any = _BlockStub(env, parent_hash)
    vm.block_preprocessing(stub)


# --- state reads and genesis -------------------------------------------------------------------


class AccountReader:
    """Reads accounts at one state root (any past block: the node is an archive)."""

    def __init__(self, store: Store, state_root: bytes) -> None:
        self._db = AccountDB(AtomicDB(_as_db(StateView(store))), Hash32(state_root))

    def balance(self, address: bytes) -> int:
        return self._db.get_balance(Address(address))

    def nonce(self, address: bytes) -> int:
        return self._db.get_nonce(Address(address))

    def code(self, address: bytes) -> bytes:
        return self._db.get_code(Address(address))

    def storage(self, address: bytes, slot: int) -> int:
        return self._db.get_storage(Address(address), slot)


def _as_db(mapping: StateView) -> Any:
    """Hand a storage mapping to py-evm, which duck-types its databases."""
    return mapping


@dataclass(frozen=True, slots=True)
class GenesisAccount:
    address: bytes
    balance: int = 0
    nonce: int = 0
    code: bytes = b""
    storage: tuple[tuple[int, int], ...] = ()


def genesis_state(store: Store, accounts: Iterable[GenesisAccount],
                  ) -> tuple[bytes, dict[bytes, bytes]]:
    """Write the genesis accounts into a new state; return its root and the writes to store."""
    overlay = StateOverlay(store)
    account_db = AccountDB(AtomicDB(_as_db(overlay)), BLANK_ROOT_HASH)
    for account in accounts:
        address = Address(account.address)
        account_db.set_balance(address, account.balance)
        account_db.set_nonce(address, account.nonce)
        if account.code:
            account_db.set_code(address, account.code)
        for slot, value in account.storage:
            account_db.set_storage(address, slot, value)
    account_db.persist()
    return account_db.state_root, overlay.writes


# --- calls and gas estimation ------------------------------------------------------------------


class _CallDeadline(Exception):
    """Raised inside the EVM when a call passes its deadline; not a VMError, so it unwinds all."""


_deadline = threading.local()


class _DeadlineComputation(PragueComputation):
    """A computation that checks the calling thread's deadline as it spends gas."""

    def consume_gas(self, amount: int, reason: str) -> None:
        limit = getattr(_deadline, "at", None)
        if limit is not None and time.monotonic() > limit:
            raise _CallDeadline()
        super().consume_gas(amount, reason)


class _CallState(PragueState):
    computation_class = _DeadlineComputation


def call(store: Store, state_root: bytes, env: BlockEnv, request: CallRequest,
         gas_cap: int, timeout: float, overrides: CallOverrides = NO_OVERRIDES) -> CallResult:
    """Execute a call on a throwaway copy of the state; nothing is written."""
    _deadline.at = time.monotonic() + timeout
    try:
        return _run_call(store, state_root, overrides.apply_to_env(env), request, gas_cap,
                         overrides.accounts)
    except _CallDeadline:
        raise errors.CallTimeout(timeout) from None
    finally:
        _deadline.at = None


def _run_call(store: Store, state_root: bytes, env: BlockEnv, request: CallRequest,
              gas_cap: int, accounts: tuple[tuple[bytes, AccountOverride], ...]) -> CallResult:
    priced = any(p is not None and p > 0 for p in (
        request.gas_price, request.max_fee_per_gas))
    # As geth: a call that names no price runs without the base fee check (and BASEFEE reads 0).
    call_env = env if priced else _with_base_fee(env, 0)
    state = _state(StateOverlay(store), state_root, call_env, _CallState)
    _override_accounts(state, accounts)
    gas = min(request.gas if request.gas is not None else gas_cap, gas_cap)
    evm_tx = _call_transaction(state, request, gas, env.chain_id)
    if gas < evm_tx.intrinsic_gas:
        raise errors.IntrinsicGasTooLow(f"gas {gas}, minimum needed {evm_tx.intrinsic_gas}")
    try:
        computation = state.apply_transaction(evm_tx)
    except ValidationError as exc:
        raise _call_validation_error(str(exc), request, state, gas) from None
    used = gas - computation.get_gas_remaining()
    if computation.is_error:
        return CallResult(False, computation.output, used, _error_text(computation.error))
    logs = tuple(_log(entry) for entry in computation.get_log_entries())
    return CallResult(True, computation.output, used, logs=logs)


def _override_accounts(state: Any, accounts: tuple[tuple[bytes, AccountOverride], ...]) -> None:
    for raw_address, override in accounts:
        address = Address(raw_address)
        if override.balance is not None:
            state.set_balance(address, override.balance)
        if override.nonce is not None:
            state.set_nonce(address, override.nonce)
        if override.code is not None:
            state.set_code(address, override.code)
        if override.state is not None:
            state.delete_storage(address)
        for slot, value in (override.state or ()) + override.state_diff:
            state.set_storage(address, slot, value)
    state.lock_changes()  # overrides are the call's starting point, not its own writes


def _with_base_fee(env: BlockEnv, base_fee: int) -> BlockEnv:
    return BlockEnv(env.number, env.timestamp, env.coinbase, env.gas_limit, base_fee,
                    env.chain_id, env.prev_randao, env.ancestor_hashes,
                    env.parent_beacon_block_root)


def _call_transaction(state: Any, request: CallRequest, gas: int, chain_id: int) -> Any:
    nonce = request.nonce if request.nonce is not None else state.get_nonce(request.sender)
    to = Address(request.to or b"")
    if request.max_fee_per_gas is not None or request.max_priority_fee_per_gas is not None:
        max_fee = request.max_fee_per_gas or 0
        tip = min(request.max_priority_fee_per_gas or 0, max_fee)
        unsigned = _BUILDER.new_unsigned_dynamic_fee_transaction(
            chain_id, nonce, tip, max_fee, gas, to, request.value, request.data,
            request.access_list)
    elif request.access_list:
        unsigned = _BUILDER.new_unsigned_access_list_transaction(
            chain_id, nonce, request.gas_price or 0, gas, to, request.value, request.data,
            request.access_list)
    else:
        unsigned = _BUILDER.create_unsigned_transaction(
            nonce=nonce, gas_price=request.gas_price or 0, gas=gas, to=to,
            value=request.value, data=request.data)
    return SpoofTransaction(unsigned, from_=request.sender)


def _call_validation_error(text: str, request: CallRequest, state: Any,
                           gas: int) -> errors.ChainError:
    error = _validation_error(text)
    sender = Address(request.sender)
    if isinstance(error, errors.InsufficientFunds):
        price = request.gas_price or request.max_fee_per_gas or 0
        return errors.InsufficientFunds(f"address 0x{request.sender.hex()} have "
                                        f"{state.get_balance(sender)} want "
                                        f"{gas * price + request.value}")
    if isinstance(error, errors.NonceTooLow) and request.nonce is not None:
        current = state.get_nonce(sender)
        detail = f"address 0x{request.sender.hex()}, tx: {request.nonce} state: {current}"
        return errors.NonceTooHigh(detail) if request.nonce > current else errors.NonceTooLow(
            detail)
    if isinstance(error, errors.InvalidBlock):
        return errors.ExecutionFailed(text)
    return error


def _error_text(error: VMError) -> str:
    if isinstance(error, Revert):
        return "execution reverted"
    if isinstance(error, OutOfGas):
        return "out of gas"
    if isinstance(error, EvmInsufficientFunds):
        return "insufficient balance for transfer"
    return str(error) or type(error).__name__


def revert_data(result: CallResult) -> bytes | None:
    """Return the revert payload if the call reverted, else None."""
    return result.output if result.error == "execution reverted" else None


def estimate_gas(store: Store, state_root: bytes, env: BlockEnv, request: CallRequest,
                 gas_cap: int, timeout: float, overrides: CallOverrides = NO_OVERRIDES) -> int:
    """Return the smallest gas limit with which the call succeeds (binary search, as geth)."""
    deadline = time.monotonic() + timeout
    cap = min(request.gas or gas_cap, gas_cap)

    def attempt(gas: int) -> CallResult:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise errors.CallTimeout(timeout)
        probe = CallRequest(**{**_fields(request), "gas": gas})
        try:
            return call(store, state_root, env, probe, gas_cap, remaining, overrides)
        except errors.CallTimeout:
            raise errors.CallTimeout(timeout) from None
        except errors.IntrinsicGasTooLow:
            return CallResult(False, b"", 0, "intrinsic gas too low")

    first = attempt(cap)
    if first.error == "intrinsic gas too low":
        raise errors.GasRequiredExceedsAllowance(str(cap))
    if not first.success:
        if first.error == "execution reverted":
            raise errors.ExecutionReverted(first.output, decode_revert_reason(first.output))
        if first.error == "out of gas":
            raise errors.GasRequiredExceedsAllowance(str(cap))
        raise errors.ExecutionFailed(first.error)
    low, high = max(first.gas_used - 1, MIN_TX_GAS - 1), cap
    optimistic = min(high, (first.gas_used + 2300) * 64 // 63)
    if optimistic < high and attempt(optimistic).success:
        high = optimistic
    while high - low > 1:
        middle = (low + high) // 2
        if attempt(middle).success:
            high = middle
        else:
            low = middle
    return high


def _fields(request: CallRequest) -> dict[str, Any]:
    return {name: getattr(request, name) for name in CallRequest.__slots__}
