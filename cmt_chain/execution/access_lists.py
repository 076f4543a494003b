"""eth_createAccessList: the EIP-2930 access list of a call, found by running it until it is stable.

As geth does: run the call, note every account and storage slot its opcodes touch (reverted
frames included), run it again with those as its access list (which changes gas and may change
the path), and stop when a run touches nothing new. The sender, the recipient (or the created
address) and the fork's precompiles are warm anyway: they are listed only for their storage
slots. Called by `node.py`.
"""

from __future__ import annotations

import dataclasses
import time

import rlp
from eth_hash.auto import keccak

from .. import errors
from ..calls import NO_OVERRIDES, AccessListResult, BlockEnv, CallOverrides, CallRequest
from ..storage.kv import Store
from ..transaction import AccessList
from . import forks
from .accounts import AccountReader
from .calls import call

MAX_ROUNDS = 64  # each round only adds entries; a call that keeps finding more is cut off here


def create_access_list(store: Store, state_root: bytes, env: BlockEnv, request: CallRequest,
                       gas_cap: int, timeout: float,
                       overrides: CallOverrides = NO_OVERRIDES) -> AccessListResult:
    """Return the access list of the call, the gas it uses with it, and its error if any."""
    deadline = time.monotonic() + timeout
    leave_out = {request.sender, _target(store, state_root, request), *forks.precompiles(env.fork)}
    current = _listed({a: set(keys) for a, keys in request.access_list}, leave_out)
    for _ in range(MAX_ROUNDS):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise errors.CallTimeout(timeout)
        accessed = {a: set(keys) for a, keys in current}
        result = call(store, state_root, env, dataclasses.replace(request, access_list=current),
                      gas_cap, remaining, overrides, accessed)
        found = _listed(accessed, leave_out)
        if found == current:
            break
        current = found
    return AccessListResult(current, result.gas_charged, None if result.success else result.error)


def _target(store: Store, state_root: bytes, request: CallRequest) -> bytes:
    if request.to is not None:
        return request.to
    nonce = request.nonce
    if nonce is None:
        nonce = AccountReader(store, state_root).nonce(request.sender)
    return keccak(rlp.encode([request.sender, nonce]))[12:]


def _listed(accessed: dict[bytes, set[int]], leave_out: set[bytes]) -> AccessList:
    """Return the accesses as an access list in a stable order (addresses, then slots).

    As geth: an account left out still comes with the slots of it that were touched.
    """
    return tuple((address, tuple(sorted(accessed[address])))
                 for address in sorted(accessed)
                 if address not in leave_out or accessed[address])
