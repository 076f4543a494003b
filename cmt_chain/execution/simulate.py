"""eth_simulateV1's execution: a sequence of blocks built on a base block, stored nowhere.

`simulate` runs the blocks `cmt_chain/simulate.plan_blocks` planned, each on the state the one
before left (one overlay over the base state, nothing written to the store), as geth's
simulator does: state overrides first, then the fork's pre-block system calls (beacon roots,
block hash history), the calls as transactions that need no signature, then requests and
withdrawals, and a real header (roots, bloom, gas) whose hash later blocks' BLOCKHASH sees.
Without `validation` a call is checked as eth_call checks it (no nonce check; no base fee check
when it names no fee, the base fee then being 0 unless overridden); with it, nonce and base fee
are checked as for a real transaction. Calls share the RPC gas cap and one deadline. The CMT
fee rule and staking hooks are not applied: a simulated block pays fees as Ethereum does.
Called by `node.py`.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import rlp
from eth.exceptions import Revert
from eth.vm.forks.shanghai.withdrawals import Withdrawal as EvmWithdrawal
from eth.vm.spoof import SpoofTransaction
from eth_hash.auto import keccak
from eth_typing import Address
from eth_utils import to_checksum_address

from .. import errors
from ..block import ZERO_HASH, Header
from ..calls import BlockEnv
from ..ordered_trie import ordered_trie_root
from ..receipt import Log, Receipt, combine_blooms
from ..simulate import (
    PlannedBlock,
    SimCallResult,
    SimRequest,
    SimulatedBlock,
    sim_transaction,
    transfer_log,
)
from ..storage.kv import Store
from ..storage.state import StateOverlay
from ..transaction import Transaction
from . import chain_rules, forks
from .accounts import apply_overrides
from .blocks import _requests, _requests_hash
from .calls import _error_text
from .vm import make_state, preprocess, vm_over

UINT64 = 2**64
SELFDESTRUCT = 0xFF


@dataclass(frozen=True, slots=True)
class SimChain:
    """What the simulator needs to know of the chain it builds on."""

    base: Header
    ancestors: tuple[bytes, ...]  # the base's hash first, then its ancestors (BLOCKHASH)
    chain_id: int
    fork_at: Callable[[int, int], str]
    base_fee_after: Callable[[Header, int, int], int | None]
    system_contracts: bool


class _Deadline(Exception):
    """Raised inside the EVM when the simulation passes its deadline."""


_run = threading.local()  # the running simulation's deadline and transfer tracing


class _SimComputation:
    """Mixed into a fork's computation: checks the deadline as gas is spent and, when transfers
    are traced, opens each value-moving frame with geth's transfer log (dropped with the frame
    if it fails, as the frame's own logs are)."""

    def __init__(self, state: Any, message: Any, transaction_context: Any) -> None:
        super().__init__(state, message, transaction_context)  # type: ignore[call-arg]
        plain = message.is_create or message.code_address == message.storage_address
        if (getattr(_run, "transfers", None) is not None and message.value > 0
                and message.should_transfer_value and plain):
            self._transfer_log(bytes(message.sender), bytes(message.storage_address),
                               message.value)

    def _transfer_log(self, sender: bytes, recipient: bytes, value: int) -> None:
        entry = transfer_log(sender, recipient, value)
        self.add_log_entry(  # type: ignore[attr-defined]
            Address(entry.address), tuple(int.from_bytes(t, "big") for t in entry.topics),
            entry.data)
        _run.transfers.add(self._log_entries[-1][0])  # type: ignore[attr-defined]

    def consume_gas(self, amount: int, reason: str) -> None:
        if time.monotonic() > _run.deadline:
            raise _Deadline()
        super().consume_gas(amount, reason)  # type: ignore[misc]


class _SimState:
    """Mixed into a fork's state: the checks are the simulator's own (`_check`), a nonce at
    its maximum wraps as geth's does when nonce checks are off, and the accounts warm from the
    start are the fork's precompiles where they were before any was moved (as geth's)."""

    warm_precompiles: frozenset[Address] = frozenset()

    def is_address_warm(self, address: Address) -> bool:
        return (self._account_db.is_address_warm(address)  # type: ignore[attr-defined]
                or address in self.warm_precompiles)

    def validate_transaction(self, transaction: Any) -> None:
        return None

    def increment_nonce(self, address: Address) -> None:
        self.set_nonce(address, (self.get_nonce(address) + 1) % UINT64)  # type: ignore[attr-defined]

    def get_tip(self, transaction: Any) -> int:
        return max(0, super().get_tip(transaction))  # type: ignore[misc]

    @property
    def blob_base_fee(self) -> int:
        """Return the block's blobBaseFee override, else the fork's price for its excess."""
        override = getattr(self, "blob_base_fee_override", None)
        return override if override is not None else super().blob_base_fee  # type: ignore[misc]


def _selfdestruct(original: Any) -> Any:
    """Wrap SELFDESTRUCT: the balance it sends is a transfer geth's traceTransfers reports."""
    def traced(computation: Any) -> None:
        values = computation._stack.values
        if getattr(_run, "transfers", None) is not None and values:
            top = values[-1]
            word = top if isinstance(top, int) else int.from_bytes(top, "big")
            contract = bytes(computation.msg.storage_address)
            balance = computation.state.get_balance(Address(contract))
            if balance:
                computation._transfer_log(contract, (word % 2**160).to_bytes(20, "big"), balance)
        original(computation=computation)
    return traced


@functools.lru_cache(maxsize=64)
def _state_class(fork: str, system_contracts: bool,
                 layout: tuple[tuple[bytes, bytes], ...] | None = None) -> type:
    """Return the simulator's state class of the fork; `layout` (address, original address)
    places the precompiles when the block's overrides moved or replaced some."""
    base = chain_rules.state_class(fork, system_contracts)
    computation = base.computation_class
    attributes: dict[str, Any] = {"opcodes": {**computation.opcodes,
                                              SELFDESTRUCT: _selfdestruct(
                                                  computation.opcodes[SELFDESTRUCT])}}
    if layout is not None:
        own = computation.get_precompiles()
        attributes["_precompiles"] = {Address(at): own[Address(source)] for at, source in layout}
    sim_computation = type(f"Sim{computation.__name__}", (_SimComputation, computation),
                           attributes)
    return type(f"Sim{base.__name__}", (_SimState, base), {
        "computation_class": sim_computation,
        "warm_precompiles": frozenset(computation.get_precompiles())})


def _precompile_layout(fork: str, system_contracts: bool, block: PlannedBlock,
                       ) -> tuple[tuple[bytes, bytes], ...] | None:
    """Return where the block's precompiles are after its overrides, as geth's: an overridden
    precompile is gone (its override's code runs instead), a moved one answers at its new
    address; None when the overrides touch none."""
    own = {bytes(a) for a in chain_rules.state_class(fork, system_contracts)
           .computation_class.get_precompiles()}
    overridden = {address for address, _ in block.sim.accounts}
    if not overridden & own and not block.sim.moves:
        return None
    layout = {address: address for address in own}  # address -> the original it runs
    moves = dict(block.sim.moves)
    moved_to: set[bytes] = set()
    for address in sorted(overridden):  # geth applies them in address order
        if address in moved_to:
            raise errors.PrecompileMovedTwice(
                f"account {to_checksum_address(address)} has already been overridden by a "
                "precompile")
        source = layout.get(address)
        if address in moves:
            target = moves[address]
            if source is None:
                raise errors.NotAPrecompile(
                    f"account {to_checksum_address(address)} is not a precompile")
            if target in overridden:
                raise errors.SimulationError(
                    f"account {to_checksum_address(target)} is already overridden")
            layout[target] = source
            moved_to.add(target)
        layout.pop(address, None)
    return tuple(sorted(layout.items()))


def simulate(store: Store, chain: SimChain, request: SimRequest,
             planned: tuple[PlannedBlock, ...], gas_cap: int,
             timeout: float) -> tuple[SimulatedBlock, ...]:
    """Run the planned blocks one after another on the base state; return each block built."""
    _run.deadline = time.monotonic() + timeout
    _run.transfers = set() if request.trace_transfers else None
    overlay = StateOverlay(store)
    parent, root, ancestors = chain.base, chain.base.state_root, chain.ancestors
    budget = [gas_cap]
    results = []
    try:
        for block in planned:
            built = _run_block(overlay, root, parent, ancestors, block, chain, request, budget)
            results.append(built)
            parent, root = built.header, built.header.state_root
            ancestors = (parent.hash, *ancestors[:255])
    except _Deadline:
        raise errors.CallTimeout(timeout) from None
    finally:
        _run.transfers = None
    return tuple(results)


def _block_env(parent: Header, ancestors: tuple[bytes, ...], block: PlannedBlock,
               chain: SimChain, validation: bool) -> BlockEnv:
    """Return the context of a simulated block: geth's header rules for simulations."""
    fork = chain.fork_at(block.number, block.timestamp)
    wanted = block.sim.block
    base_fee = wanted.base_fee
    if base_fee is None:
        base_fee = (chain.base_fee_after(parent, block.number, block.timestamp) or 0
                    if validation else 0)
    parent_fork = chain.fork_at(parent.number, parent.timestamp)
    excess = (forks.next_excess_blob_gas(fork, parent.excess_blob_gas, parent.blob_gas_used)
              if forks.has_blobs(fork) and forks.has_blobs(parent_fork) else 0)
    return BlockEnv(
        number=block.number, timestamp=block.timestamp,
        coinbase=wanted.coinbase if wanted.coinbase is not None else parent.coinbase,
        gas_limit=wanted.gas_limit if wanted.gas_limit is not None else parent.gas_limit,
        base_fee=base_fee if forks.has_base_fee(fork) else 0, chain_id=chain.chain_id,
        prev_randao=wanted.prev_randao or ZERO_HASH, ancestor_hashes=ancestors,
        fork=fork, difficulty=parent.difficulty if forks.is_proof_of_work(fork) else 0,
        excess_blob_gas=excess, burn_base_fee=True, system_contracts=chain.system_contracts)


def _run_block(overlay: StateOverlay, root: bytes, parent: Header, ancestors: tuple[bytes, ...],
               block: PlannedBlock, chain: SimChain, request: SimRequest,
               budget: list[int]) -> SimulatedBlock:
    env = _block_env(parent, ancestors, block, chain, request.validation)
    fork = env.fork
    state = make_state(overlay, root, env,
                       _state_class(fork, chain.system_contracts,
                                    _precompile_layout(fork, chain.system_contracts, block)))
    state.blob_base_fee_override = block.sim.block.blob_base_fee
    # Tips go to the block's fee recipient (as geth), not to the staking pool `make_state`
    # names on a chain with staking: simulated blocks follow Ethereum's fee rule.
    state.execution_context._coinbase = Address(env.coinbase)
    apply_overrides(state, block.sim.accounts)
    preprocess(state, env, parent.hash)
    transactions: list[Transaction] = []
    receipts: list[Receipt] = []
    calls: list[SimCallResult] = []
    gas_used = logged = 0
    for call in block.sim.calls:
        tx, receipt, result = _run_call(state, env, call, gas_used, logged, request.validation,
                                        budget)
        gas_used = receipt.cumulative_gas_used
        logged += result.logs_emitted
        transactions.append(tx)
        receipts.append(receipt)
        calls.append(result)
    requests = _requests(state, fork, receipts) if forks.has_requests(fork) else None
    withdrawals = block.sim.block.withdrawals if forks.has_withdrawals(fork) else None
    if withdrawals is not None:
        vm_over(state, fork).apply_all_withdrawals([
            EvmWithdrawal(w.index, w.validator_index, Address(w.address), w.amount)
            for w in withdrawals])
    if forks.is_proof_of_work(fork):  # the engine's finalisation pays the miner
        state.delta_balance(Address(env.coinbase), forks.block_rewards(fork, env.number, ())[0])
    state.persist()
    header = _header(parent, env, state.state_root, transactions, receipts, withdrawals,
                     requests)
    return SimulatedBlock(header, tuple(transactions), withdrawals, tuple(calls))


def _header(parent: Header, env: BlockEnv, state_root: bytes, transactions: list[Transaction],
            receipts: list[Receipt], withdrawals: Any, requests: Any) -> Header:
    fork = env.fork
    return Header(
        parent_hash=parent.hash, coinbase=env.coinbase, state_root=state_root,
        transactions_root=ordered_trie_root([tx.raw for tx in transactions]),
        receipts_root=ordered_trie_root([r.encode_consensus() for r in receipts]),
        logs_bloom=combine_blooms(r.bloom for r in receipts), number=env.number,
        gas_limit=env.gas_limit, gas_used=receipts[-1].cumulative_gas_used if receipts else 0,
        timestamp=env.timestamp, mix_hash=env.prev_randao, difficulty=env.difficulty,
        uncles_hash=keccak(rlp.encode([])),
        base_fee_per_gas=env.base_fee if forks.has_base_fee(fork) else None,
        withdrawals_root=ordered_trie_root([rlp.encode(w.rlp_fields()) for w in withdrawals])
        if withdrawals is not None else None,
        blob_gas_used=sum(tx.blob_gas for tx in transactions) if forks.has_blobs(fork) else None,
        excess_blob_gas=env.excess_blob_gas if forks.has_blobs(fork) else None,
        parent_beacon_block_root=ZERO_HASH if forks.has_blobs(fork) else None,
        requests_hash=_requests_hash(requests) if requests is not None else None)


def _run_call(state: Any, env: BlockEnv, call: Any, gas_used: int, logged: int,
              validation: bool, budget: list[int]) -> tuple[Transaction, Receipt, SimCallResult]:
    """Run one call as a transaction of the block; return it, its receipt and its result.

    A log's index counts every log emitted in the block before it, those of frames that failed
    included (`logged` before this call), as geth's simulator counts them."""
    nonce = call.nonce if call.nonce is not None else state.get_nonce(Address(call.sender))
    remaining = env.gas_limit - gas_used
    wanted = call.gas if call.gas is not None else remaining
    if remaining < wanted:
        raise errors.SimBlockGasLimitReached(
            f"block gas limit reached: remaining: {remaining}, required: {wanted}")
    gas = min(wanted, budget[0])
    tx = sim_transaction(call, call.sender, nonce, gas, env.chain_id,
                         forks.has_base_fee(env.fork))
    evm_tx = _evm_transaction(tx, call, env.fork)
    _check(state, env, tx, evm_tx, validation)
    state.lock_changes()  # a new transaction: nothing is warm yet
    if getattr(_run, "transfers", None) is not None:
        _run.transfers = set()  # log counters start again with each transaction
    computation = state.apply_transaction(evm_tx)
    charged = forks.vm_class(env.fork).finalize_gas_used(evm_tx, computation)
    if charged > budget[0]:
        raise errors.SimulationError(
            f"RPC gas cap exhausted: need {charged}, remaining {budget[0]}")
    budget[0] -= charged
    post_state = None if forks.has_status_receipts(env.fork) else state.make_state_root()
    receipt, result = _outcome(computation, tx, charged, gas_used + charged, logged, post_state)
    return tx, receipt, result


def _outcome(computation: Any, tx: Transaction, charged: int, cumulative: int, logged: int,
             post_state: bytes | None) -> tuple[Receipt, SimCallResult]:
    """Return a simulated call's receipt (its real logs) and its result (with the transfer
    logs, when traced, and each log's index in the block)."""
    injected: set[int] = getattr(_run, "transfers", None) or set()
    entries = computation.get_raw_log_entries() if not computation.is_error else ()
    failed = computation.is_error
    receipt = Receipt(
        tx_type=tx.type, status=0 if failed else 1, cumulative_gas_used=cumulative,
        gas_used=charged, contract_address=tx.contract_address() if not failed else None,
        logs=tuple(_log(entry) for entry in entries if entry[0] not in injected),
        state_root=post_state)
    error = None
    if failed:
        error = ("execution reverted" if isinstance(computation.error, Revert)
                 else _error_text(computation.error))
    # The most gas the call held: before refunds, or the EIP-7623 floor when that is more.
    most = max(tx.gas - computation.get_gas_remaining(), charged)
    result = SimCallResult(
        status=receipt.status, output=computation.output, gas_used=charged,
        max_used_gas=most, logs=tuple(_log(entry) for entry in entries), error=error,
        log_indexes=tuple(logged + entry[0] for entry in entries),
        logs_emitted=next(computation.transaction_context._log_counter))  # all it emitted
    return receipt, result


def _log(entry: tuple[int, bytes, tuple[int, ...], bytes]) -> Log:
    _, address, topics, data = entry
    return Log(address=bytes(address), topics=tuple(t.to_bytes(32, "big") for t in topics),
               data=data)


def _evm_transaction(tx: Transaction, call: Any, fork: str) -> Any:
    """Return py-evm's transaction for a simulated call; its nonce is not read (the checks are
    `_check`'s, py-evm counts the sender's nonce in the state) and may be the maximum, which
    py-evm's transactions refuse, so it is left 0."""
    builder = forks.transaction_builder(fork)
    to = Address(tx.to or b"")
    nonce = 0
    if tx.blob_versioned_hashes:
        unsigned = builder.new_unsigned_blob_transaction(
            tx.chain_id, nonce, tx.max_priority_fee_per_gas, tx.max_fee_per_gas, tx.gas, to,
            tx.value, tx.data, call.access_list, tx.max_fee_per_blob_gas or 0,
            list(tx.blob_versioned_hashes))
    elif tx.type == 2:
        unsigned = builder.new_unsigned_dynamic_fee_transaction(
            tx.chain_id, nonce, tx.max_priority_fee_per_gas, tx.max_fee_per_gas, tx.gas, to,
            tx.value, tx.data, call.access_list)
    elif call.access_list and forks.has_base_fee(fork):
        unsigned = builder.new_unsigned_access_list_transaction(
            0, nonce, tx.gas_price, tx.gas, to, tx.value, tx.data, call.access_list)
    else:
        unsigned = builder.create_unsigned_transaction(
            nonce=nonce, gas_price=tx.gas_price, gas=tx.gas, to=to, value=tx.value,
            data=tx.data)
    return SpoofTransaction(unsigned, from_=Address(tx.sender))


def _check(state: Any, env: BlockEnv, tx: Transaction, evm_tx: Any, validation: bool) -> None:
    """Refuse a call that could not be a transaction of the block (geth's preCheck/buyGas)."""
    sender = Address(tx.sender)
    who = to_checksum_address(tx.sender)
    suffix = f" (supplied gas {tx.gas})"
    if validation:
        _check_nonce(tx.nonce, state.get_nonce(sender), who, suffix)
    _check_fees(state, env, tx, validation, who, suffix)
    blob_fee_cap = tx.max_fee_per_blob_gas or 0
    balance = state.get_balance(sender)
    want = tx.gas * tx.max_fee_per_gas + tx.blob_gas * blob_fee_cap + tx.value
    if balance < want:
        raise errors.SimInsufficientFunds(
            f"err: insufficient funds for gas * price + value: address {who} have {balance} "
            f"want {want}{suffix}")
    if tx.gas < evm_tx.intrinsic_gas:
        raise errors.SimIntrinsicGas(
            f"err: intrinsic gas too low: have {tx.gas}, want {evm_tx.intrinsic_gas}{suffix}")


def _check_nonce(nonce: int, current: int, who: str, suffix: str) -> None:
    if nonce > current:
        raise errors.SimNonceTooHigh(
            f"err: nonce too high: address {who}, tx: {nonce} state: {current}{suffix}")
    if nonce < current:
        raise errors.SimNonceTooLow(
            f"err: nonce too low: address {who}, tx: {nonce} state: {current}{suffix}")
    if current == UINT64 - 1:
        raise errors.SimInvalidTransaction(
            f"err: nonce has max value: address {who}, nonce: {current}{suffix}")


def _check_fees(state: Any, env: BlockEnv, tx: Transaction, validation: bool, who: str,
                suffix: str) -> None:
    """Refuse fee caps below the block's prices: always with validation, otherwise only for
    a call that names a fee (geth's NoBaseFee lets a fee-less call through)."""
    fee_free = not validation and tx.max_fee_per_gas == 0 and tx.max_priority_fee_per_gas == 0
    if forks.has_base_fee(env.fork) and not fee_free:
        if tx.max_priority_fee_per_gas > tx.max_fee_per_gas:
            raise errors.SimTipAboveFeeCap(
                f"err: max priority fee per gas higher than max fee per gas: address {who}, "
                f"maxPriorityFeePerGas: {tx.max_priority_fee_per_gas}, maxFeePerGas: "
                f"{tx.max_fee_per_gas}{suffix}")
        if tx.max_fee_per_gas < env.base_fee:
            raise errors.SimFeeCapTooLow(
                f"err: max fee per gas less than block base fee: address {who}, maxFeePerGas: "
                f"{tx.max_fee_per_gas}, baseFee: {env.base_fee}{suffix}")
    blob_fee_cap = tx.max_fee_per_blob_gas or 0
    if (tx.blob_versioned_hashes and (validation or blob_fee_cap)
            and blob_fee_cap < state.blob_base_fee):
        raise errors.SimInvalidTransaction(
            f"err: max fee per blob gas less than block blob gas fee: address {who} "
            f"blobGasFeeCap: {blob_fee_cap}, blobBaseFee: {state.blob_base_fee}{suffix}")
