"""The py-evm fork of calls and the conversions between its objects and the node's.

Everything else in this package builds on it: which VM calls run on (Prague), how a node
`Transaction` becomes py-evm's (its sender already recovered), how a state is opened at a root
with a block's context, the fork's pre-block system updates, and how py-evm's messages map onto
the node's errors.
"""

from __future__ import annotations

from typing import Any

from eth.db.account import AccountDB
from eth.db.atomic import AtomicDB
from eth.vm.execution_context import ExecutionContext
from eth.vm.forks.london.transactions import DynamicFeeTransaction
from eth.vm.forks.prague import PragueVM
from eth_typing import Address, BlockNumber, Hash32

from .. import errors
from ..calls import BlockEnv
from ..receipt import Log
from ..transaction import Transaction
from . import forks
from .block_state import block_state_class
from .system_staking import STAKING_ADDRESS

FORK_VM = PragueVM
BUILDER: Any = FORK_VM.get_transaction_builder()
_LEGACY: Any = BUILDER.legacy_signed
_TYPED: Any = BUILDER.typed_transaction
_DYNAMIC_FEE: Any = DynamicFeeTransaction


def validation_error(text: str) -> errors.ChainError:
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


def to_evm_transaction(tx: Transaction, fork: str = "prague") -> Any:
    """Return py-evm's signed transaction for `tx` under `fork`, its known sender cached."""
    built = _from_fields(tx) if fork == "prague" else None
    evm_tx = built or forks.transaction_builder(fork).decode(tx.raw)
    # The signature was verified when `tx` was decoded (its sender recovered): prime py-evm's
    # cached `sender` and skip its second verification, which would cost a full ECDSA recovery.
    evm_tx.__dict__["sender"] = tx.sender
    evm_tx.__dict__["check_signature_validity"] = _signature_checked_at_decode
    return evm_tx


def _from_fields(tx: Transaction) -> Any:
    """Build py-evm's transaction from the fields `tx` already holds, for the common shapes.

    Decoding the raw bytes again through py-evm's sedes costs ten times as much (about 30 us a
    transaction). Plain legacy and EIP-1559 transactions without an access list are rebuilt;
    other shapes (None here) are decoded.
    """
    if tx.access_list:
        return None
    to = tx.to or b""
    if tx.type == 2:
        return _TYPED(2, _DYNAMIC_FEE(
            tx.chain_id, tx.nonce, tx.max_priority_fee_per_gas, tx.max_fee_per_gas, tx.gas, to,
            tx.value, tx.data, (), tx.v, tx.r, tx.s))
    if tx.type == 0:
        return _LEGACY(tx.nonce, tx.max_fee_per_gas, tx.gas, to, tx.value, tx.data, tx.v, tx.r,
                       tx.s)
    return None


def _signature_checked_at_decode() -> None:
    """Stand in for py-evm's signature check of a transaction whose sender is known."""


def make_state(db: Any, state_root: bytes, env: BlockEnv, state_class: type | None = None) -> Any:
    """Open a state at `state_root` in the context of the block `env` (by default the block
    builder's state class of `env.fork`).

    With staking on, the execution coinbase is the staking contract (as the reference's hold
    account), so tips land in the pool it shares out; headers still name the sealing validator.
    """
    state_class = state_class or block_state_class(env.fork, env.system_contracts)
    coinbase = fee_recipient(db, state_root, env.coinbase) if env.system_contracts else (
        env.coinbase)
    context = ExecutionContext(
        coinbase=Address(coinbase), timestamp=env.timestamp,
        block_number=BlockNumber(env.number), difficulty=env.difficulty,
        mix_hash=Hash32(env.prev_randao), gas_limit=env.gas_limit,
        prev_hashes=[Hash32(h) for h in env.ancestor_hashes], chain_id=env.chain_id,
        base_fee_per_gas=env.base_fee if forks.has_base_fee(env.fork) else None,
        excess_blob_gas=env.excess_blob_gas if forks.has_blobs(env.fork) else None,
    )
    return state_class(AtomicDB(db), context, state_root)


_staking_at: dict[bytes, bool] = {}  # state root -> staking on (a storage walk; calls ask often)


def fee_recipient(db: Any, state_root: bytes, coinbase: bytes) -> bytes:
    """Return who receives tips during execution: the staking contract when staking is on."""
    staking_on = _staking_at.get(state_root)
    if staking_on is None:
        accounts = AccountDB(AtomicDB(db), Hash32(state_root))
        staking_on = bool(accounts.get_storage(Address(STAKING_ADDRESS), 0))
        if len(_staking_at) > 1024:
            _staking_at.clear()
        _staking_at[state_root] = staking_on
    return STAKING_ADDRESS if staking_on else coinbase


class _BlockStub:
    """The few block fields py-evm's pre-block system updates read."""

    def __init__(self, env: BlockEnv, parent_hash: bytes) -> None:
        self.number = env.number
        self.header = self
        self.timestamp = env.timestamp
        self.parent_hash = parent_hash
        self.parent_beacon_block_root = env.parent_beacon_block_root


def vm_over(state: Any, fork: str) -> Any:
    """Return the fork's py-evm VM around an open state, for its block-level system steps."""
    vm_class = forks.vm_class(fork)
    vm = vm_class.__new__(vm_class)
    vm._state = state
    return vm


def preprocess(state: Any, env: BlockEnv, parent_hash: bytes) -> None:
    """Apply the fork's pre-transaction system updates (beacon roots, block hash history)."""
    stub: Any = _BlockStub(env, parent_hash)
    vm_over(state, env.fork).block_preprocessing(stub)


def evm_log(entry: tuple[bytes, tuple[int, ...], bytes]) -> Log:
    """Return the node's `Log` for one of py-evm's log entries."""
    address, topics, data = entry
    return Log(address=address, topics=tuple(t.to_bytes(32, "big") for t in topics), data=data)
