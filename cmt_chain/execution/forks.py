"""Forks: each fork name of a `ChainSpec` mapped to py-evm's VM, and the rules that differ by fork.

py-evm has a VM class per Ethereum fork, Frontier to Prague; `blocks.py` asks here for the VM of
the block it builds, the state class and transaction builder that go with it, which optional
header fields the fork has, its proof-of-work rewards, and the next excess blob gas. Nothing here
re-implements a fork's rules: they come from py-evm's classes.
"""

from __future__ import annotations

from typing import Any

from eth._utils.calculations import fake_exponential
from eth.vm.forks import (
    ArrowGlacierVM,
    BerlinVM,
    ByzantiumVM,
    CancunVM,
    ConstantinopleVM,
    FrontierVM,
    GrayGlacierVM,
    HomesteadVM,
    IstanbulVM,
    LondonVM,
    MuirGlacierVM,
    ParisVM,
    PetersburgVM,
    PragueVM,
    ShanghaiVM,
    SpuriousDragonVM,
    TangerineWhistleVM,
)
from eth.vm.forks.cancun.constants import BLOB_BASE_FEE_UPDATE_FRACTION, MIN_BLOB_BASE_FEE
from eth.vm.forks.cancun.constants import MAX_BLOB_GAS_PER_BLOCK as CANCUN_BLOB_MAX
from eth.vm.forks.cancun.constants import TARGET_BLOB_GAS_PER_BLOCK as CANCUN_BLOB_TARGET
from eth.vm.forks.prague.constants import BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE
from eth.vm.forks.prague.constants import MAX_BLOB_GAS_PER_BLOCK as PRAGUE_BLOB_MAX
from eth.vm.forks.prague.constants import TARGET_BLOB_GAS_PER_BLOCK as PRAGUE_BLOB_TARGET

from ..chainspec import at_least

VM_BY_FORK: dict[str, Any] = {
    "frontier": FrontierVM, "homestead": HomesteadVM, "tangerine_whistle": TangerineWhistleVM,
    "spurious_dragon": SpuriousDragonVM, "byzantium": ByzantiumVM,
    "constantinople": ConstantinopleVM, "petersburg": PetersburgVM, "istanbul": IstanbulVM,
    "muir_glacier": MuirGlacierVM, "berlin": BerlinVM, "london": LondonVM,
    "arrow_glacier": ArrowGlacierVM, "gray_glacier": GrayGlacierVM, "paris": ParisVM,
    "shanghai": ShanghaiVM, "cancun": CancunVM, "prague": PragueVM,
}
_BUILDERS: dict[str, Any] = {name: vm.get_transaction_builder() for name, vm in VM_BY_FORK.items()}


def vm_class(fork: str) -> Any:
    """Return py-evm's VM class of a fork."""
    return VM_BY_FORK[fork]


def transaction_builder(fork: str) -> Any:
    return _BUILDERS[fork]


def has_base_fee(fork: str) -> bool:
    return at_least(fork, "london")


def has_withdrawals(fork: str) -> bool:
    return at_least(fork, "shanghai")


def has_blobs(fork: str) -> bool:
    return at_least(fork, "cancun")


def has_requests(fork: str) -> bool:
    return at_least(fork, "prague")


def has_status_receipts(fork: str) -> bool:
    """Tell whether receipts carry a status (Byzantium on) rather than a post-state root."""
    return at_least(fork, "byzantium")


def is_proof_of_work(fork: str) -> bool:
    return not at_least(fork, "paris")


def block_rewards(fork: str, number: int,
                  uncles: tuple[tuple[int, bytes], ...]) -> tuple[int, list[tuple[bytes, int]]]:
    """Return the miner's reward and [(uncle coinbase, reward), ...] of a proof-of-work block.

    `uncles` are (number, coinbase) pairs.
    """
    vm = vm_class(fork)
    miner = vm.get_block_reward() + len(uncles) * vm.get_nephew_reward()
    paid = [(coinbase, vm.get_uncle_reward(number, _UncleStub(uncle_number)))
            for uncle_number, coinbase in uncles]
    return miner, paid


class _UncleStub:
    """The one field of an uncle header py-evm's reward rule reads."""

    def __init__(self, number: int) -> None:
        self.block_number = number


def max_blob_gas(fork: str) -> int:
    """Return the most blob gas a block may use (0 before Cancun)."""
    if not has_blobs(fork):
        return 0
    return PRAGUE_BLOB_MAX if has_requests(fork) else CANCUN_BLOB_MAX


def next_excess_blob_gas(fork: str, parent_excess: int | None, parent_used: int | None) -> int:
    """Return a block's excess blob gas from its parent's (EIP-4844, EIP-7691 targets)."""
    target = PRAGUE_BLOB_TARGET if has_requests(fork) else CANCUN_BLOB_TARGET
    total = (parent_excess or 0) + (parent_used or 0)
    return total - target if total >= target else 0


def blob_base_fee(fork: str, excess_blob_gas: int) -> int:
    """Return the price of blob gas in a block with this excess (EIP-4844, EIP-7691)."""
    fraction = (BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE if has_requests(fork)
                else BLOB_BASE_FEE_UPDATE_FRACTION)
    return fake_exponential(MIN_BLOB_BASE_FEE, excess_blob_gas, fraction)


def precompiles(fork: str) -> tuple[bytes, ...]:
    """Return the addresses of the fork's precompiled contracts."""
    computation = vm_class(fork).get_state_class().computation_class
    return tuple(bytes(address) for address in computation.get_precompiles())
