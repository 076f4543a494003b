"""This chain's py-evm state classes: a fork's own, with the CMT system contracts as precompiles.

The staking contract (0x...1000) and the sponsorship contract (0x...1001) are Python
precompiles whose state lives in their accounts' storage. They exist on the node's own chain
only: a chain imported from a geth genesis (`BlockEnv.system_contracts` False) runs the forks as
Ethereum does. Block building (`block_state.py`), calls (`calls.py`) and tracing build on these.
"""

from __future__ import annotations

import functools
from typing import Any

from eth_typing import Address

from . import forks
from .system_sponsor import SPONSOR_ADDRESS, SPONSORSHIP
from .system_staking import STAKING, STAKING_ADDRESS


@functools.cache
def state_class(fork: str, system_contracts: bool = True) -> Any:
    """Return the fork's py-evm state class, with the system contracts if asked."""
    base = forks.vm_class(fork).get_state_class()
    if not system_contracts:
        return base
    computation = base.computation_class
    precompiles = {**computation.get_precompiles(), Address(STAKING_ADDRESS): STAKING,
                   Address(SPONSOR_ADDRESS): SPONSORSHIP}
    with_system = type(f"Cmt{computation.__name__}", (computation,),
                       {"_precompiles": precompiles})
    return type(f"Cmt{base.__name__}", (base,), {"computation_class": with_system})
