"""eth_simulateV1's request object → `SimRequest`: blockStateCalls with their block overrides,
state overrides (movePrecompileToAddress included) and calls, and the three options.

Builds on `params.py`'s parsers (the only hex parser); called through the method table by
`rpc/methods/simulate.py`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cmt_chain.calls import AccountOverride, CallRequest
from cmt_chain.simulate import SimBlock, SimBlockOverride, SimRequest

from . import params as p
from .errors import InvalidParams

_ACCOUNT_KEYS = frozenset({"balance", "nonce", "code", "state", "stateDiff",
                           "movePrecompileToAddress"})
_BLOCK_KEYS = frozenset({"number", "time", "gasLimit", "feeRecipient", "prevRandao",
                         "baseFeePerGas", "blobBaseFee", "withdrawals", "beaconRoot"})


def sim_request(value: Any) -> SimRequest:
    """Parse eth_simulateV1's first parameter."""
    if not isinstance(value, dict):
        raise InvalidParams("expected a simulation object")
    blocks = value.get("blockStateCalls")
    if blocks is None:
        blocks = []
    if not isinstance(blocks, list):
        raise InvalidParams("blockStateCalls must be an array")
    return SimRequest(
        blocks=tuple(_block(entry) for entry in blocks),
        trace_transfers=p.optional_field(value, "traceTransfers", p.boolean) or False,
        validation=p.optional_field(value, "validation", p.boolean) or False,
        full_transactions=p.optional_field(value, "returnFullTransactions", p.boolean) or False)


def _block(value: Any) -> SimBlock:
    if not isinstance(value, dict):
        raise InvalidParams("blockStateCalls entries must be objects")
    calls = value.get("calls") or []
    if not isinstance(calls, list):
        raise InvalidParams("calls must be an array")
    accounts, moves = _state(value.get("stateOverrides"))
    return SimBlock(block=_block_override(value.get("blockOverrides")), accounts=accounts,
                    moves=moves, calls=tuple(_call(call) for call in calls))


def _call(value: Any) -> CallRequest:
    """Parse a call: eth_call's object, with a blob transaction's fields."""
    request = p.call_request(value)
    hashes = value.get("blobVersionedHashes")
    if hashes is None:
        return request
    if not isinstance(hashes, list):
        raise InvalidParams("blobVersionedHashes must be an array")
    return dataclasses.replace(
        request, blob_hashes=tuple(p.hash32(h) for h in hashes),
        max_fee_per_blob_gas=p.optional_field(value, "maxFeePerBlobGas", p.quantity) or 0)


def _block_override(value: Any) -> SimBlockOverride:
    if value is None:
        return SimBlockOverride()
    if not isinstance(value, dict):
        raise InvalidParams("blockOverrides must be an object")
    unknown = set(value) - _BLOCK_KEYS
    if unknown:
        raise InvalidParams(f"blockOverrides: unknown field {sorted(unknown)[0]}")
    withdrawals = value.get("withdrawals") or []
    if not isinstance(withdrawals, list):
        raise InvalidParams("withdrawals: expected an array")
    return SimBlockOverride(
        number=p.optional_field(value, "number", p.quantity),
        timestamp=p.optional_field(value, "time", p.uint64),
        gas_limit=p.optional_field(value, "gasLimit", p.uint64),
        coinbase=p.optional_field(value, "feeRecipient", p.address),
        prev_randao=p.optional_field(value, "prevRandao", p.hash32),
        base_fee=p.optional_field(value, "baseFeePerGas", p.quantity),
        blob_base_fee=p.optional_field(value, "blobBaseFee", p.quantity),
        withdrawals=tuple(p.withdrawal(w) for w in withdrawals))


def _state(value: Any) -> tuple[tuple[tuple[bytes, AccountOverride], ...],
                                tuple[tuple[bytes, bytes], ...]]:
    if value is None:
        return (), ()
    if not isinstance(value, dict):
        raise InvalidParams("stateOverrides must be an object")
    accounts, moves = [], []
    for raw_address, fields in value.items():
        where = p.address(raw_address)
        if not isinstance(fields, dict):
            raise InvalidParams(f"account {raw_address}: expected an object")
        unknown = set(fields) - _ACCOUNT_KEYS
        if unknown:
            raise InvalidParams(f"account {raw_address}: unknown field {sorted(unknown)[0]}")
        if fields.get("state") is not None and fields.get("stateDiff") is not None:
            raise InvalidParams(f"account {raw_address} has both 'state' and 'stateDiff'")
        target = p.optional_field(fields, "movePrecompileToAddress", p.address)
        if target is not None:
            moves.append((where, target))
        accounts.append((where, AccountOverride(
            balance=p.optional_field(fields, "balance", p.quantity),
            nonce=p.optional_field(fields, "nonce", p.uint64),
            code=p.optional_field(fields, "code", p.data),
            state=p.optional_field(fields, "state", p._slots),
            state_diff=p.optional_field(fields, "stateDiff", p._slots) or ())))
    return tuple(accounts), tuple(moves)
