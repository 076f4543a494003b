"""The py-evm fork in use and the conversions between its objects and the node's.

Everything else in this package builds on it: which VM (Prague), how a node `Transaction` becomes
py-evm's (its sender already recovered), how a state is opened at a root with a block's context,
the fork's pre-block system updates, and how py-evm's messages map onto the node's errors.
"""

from __future__ import annotations

from typing import Any

from eth.db.account import AccountDB
from eth.db.atomic import AtomicDB
from eth.vm.execution_context import ExecutionContext
from eth.vm.forks.prague import PragueVM
from eth.vm.forks.prague.computation import PragueComputation
from eth.vm.forks.prague.state import PragueState
from eth_typing import Address, BlockNumber, Hash32

from .. import errors
from ..calls import BlockEnv
from ..receipt import Log
from ..transaction import Transaction
from .system_sponsor import SPONSOR_ADDRESS, SPONSORSHIP
from .system_staking import STAKING, STAKING_ADDRESS

FORK_VM = PragueVM
BUILDER: Any = FORK_VM.get_transaction_builder()


class CmtComputation(PragueComputation):
    """Prague's computation with the CMT system contracts as extra precompiles."""

    _precompiles = {**PragueComputation.get_precompiles(),
                    Address(STAKING_ADDRESS): STAKING,
                    Address(SPONSOR_ADDRESS): SPONSORSHIP}


class CmtState(PragueState):
    computation_class = CmtComputation


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


def to_evm_transaction(tx: Transaction) -> Any:
    """Return py-evm's signed transaction for `tx`, with the already-recovered sender cached."""
    evm_tx = BUILDER.decode(tx.raw)
    # The signature was verified when `tx` was decoded (its sender recovered): prime py-evm's
    # cached `sender` and skip its second verification, which would cost a full ECDSA recovery.
    evm_tx.__dict__["sender"] = tx.sender
    evm_tx.__dict__["check_signature_validity"] = _signature_checked_at_decode
    return evm_tx


def _signature_checked_at_decode() -> None:
    """Stand in for py-evm's signature check of a transaction whose sender is known."""


def make_state(db: Any, state_root: bytes, env: BlockEnv, state_class: type = CmtState) -> Any:
    """Open a py-evm state at `state_root` in the block context `env`.

    With staking on, the execution coinbase is the staking contract (as the reference's hold
    account), so tips land in the pool it shares out; headers still name the sealing validator.
    """
    context = ExecutionContext(
        coinbase=Address(fee_recipient(db, state_root, env.coinbase)), timestamp=env.timestamp,
        block_number=BlockNumber(env.number), difficulty=0, mix_hash=Hash32(env.prev_randao),
        gas_limit=env.gas_limit, prev_hashes=[Hash32(h) for h in env.ancestor_hashes],
        chain_id=env.chain_id,
        base_fee_per_gas=env.base_fee, excess_blob_gas=0,
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


def preprocess(state: Any, env: BlockEnv, parent_hash: bytes) -> None:
    """Apply the fork's pre-transaction system updates (beacon roots, block hash history)."""
    vm = FORK_VM.__new__(FORK_VM)
    vm._state = state
    stub: Any = _BlockStub(env, parent_hash)
    vm.block_preprocessing(stub)




def evm_log(entry: tuple[bytes, tuple[int, ...], bytes]) -> Log:
    """Return the node's `Log` for one of py-evm's log entries."""
    address, topics, data = entry
    return Log(address=address, topics=tuple(t.to_bytes(32, "big") for t in topics), data=data)
