"""eth_simulateV1 as pure data and rules: the request, the plan of blocks, the simulated calls.

The RPC edge (`rpc/params_simulate.py`) parses a request into `SimRequest`; `plan_blocks` checks
and completes the sequence of blocks as geth does (numbers and timestamps strictly increasing,
defaults of parent + 1 and parent time + 12, gaps filled with empty blocks, at most 256 blocks
past the base); `sim_transaction` turns a call into the unsigned transaction geth puts in the
simulated block (type 2 unless a gas price is named, signature all zero), so that block hashes
come out as geth's. `execution/simulate.py` runs the plan; `node.py` wires the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import rlp
from eth_hash.auto import keccak

from . import errors
from .block import Header, Withdrawal
from .calls import AccountOverride, BlockOverride, CallRequest
from .receipt import Log
from .transaction import BLOB, DYNAMIC_FEE, LEGACY, Transaction

MAX_BLOCKS = 256  # geth's maxSimulateBlocks
MAX_CALLS_PER_BLOCK = 5_000  # geth's maxSimulateCallsPerBlock
MAX_CALLS = 10_000  # geth's maxSimulateTotalCalls
TIMESTAMP_INCREMENT = 12  # seconds between simulated blocks when the request names none
TRANSFER_ADDRESS = bytes.fromhex("eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee")
TRANSFER_TOPIC = bytes.fromhex("ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")


@dataclass(frozen=True, slots=True)
class SimBlockOverride(BlockOverride):
    """What a simulated block sets for itself: a call's block overrides, and the blob base fee
    and withdrawals geth lets eth_simulateV1 set too."""

    blob_base_fee: int | None = None
    withdrawals: tuple[Withdrawal, ...] = ()


@dataclass(frozen=True, slots=True)
class SimBlock:
    """One entry of blockStateCalls: its overrides and its calls, run in order."""

    block: SimBlockOverride = SimBlockOverride()
    accounts: tuple[tuple[bytes, AccountOverride], ...] = ()
    moves: tuple[tuple[bytes, bytes], ...] = ()  # (precompile, new address)
    calls: tuple[CallRequest, ...] = ()


@dataclass(frozen=True, slots=True)
class SimRequest:
    blocks: tuple[SimBlock, ...]
    trace_transfers: bool = False
    validation: bool = False
    full_transactions: bool = False


@dataclass(frozen=True, slots=True)
class PlannedBlock:
    """A block of the simulation with its number and timestamp decided."""

    number: int
    timestamp: int
    sim: SimBlock


@dataclass(frozen=True, slots=True)
class SimCallResult:
    """One call's outcome as eth_simulateV1 reports it."""

    status: int
    output: bytes
    gas_used: int  # what the receipt says (after refunds)
    max_used_gas: int  # the most it held at once (before refunds)
    logs: tuple[Log, ...]
    error: str | None = None  # "execution reverted", "out of gas", ...
    log_indexes: tuple[int, ...] = ()  # each log's index in the block
    logs_emitted: int = 0  # logs the call emitted, those of failed frames included


@dataclass(frozen=True, slots=True)
class SimulatedBlock:
    header: Header
    transactions: tuple[Transaction, ...]
    withdrawals: tuple[Withdrawal, ...] | None
    calls: tuple[SimCallResult, ...] = field(default=())


def check_request(request: SimRequest) -> None:
    """Refuse a request geth refuses before running anything: no blocks, too many blocks or
    calls."""
    if not request.blocks:
        raise errors.SimEmptyInput()
    if len(request.blocks) > MAX_BLOCKS:
        raise errors.SimTooManyBlocks()
    total = 0
    for block in request.blocks:
        if len(block.calls) > MAX_CALLS_PER_BLOCK:
            raise errors.SimTooManyCalls(
                f"too many calls in block: {len(block.calls)} > {MAX_CALLS_PER_BLOCK}")
        total += len(block.calls)
        if total > MAX_CALLS:
            raise errors.SimTooManyCalls(f"too many calls: {total} > {MAX_CALLS}")


def with_first_overrides(planned: tuple[PlannedBlock, ...],
                         accounts: tuple[tuple[bytes, AccountOverride], ...],
                         ) -> tuple[PlannedBlock, ...]:
    """Return the plan with `accounts` (dev mode's pending cheats) set before the first
    block's own overrides."""
    if not accounts or not planned:
        return planned
    first = planned[0]
    sim = replace(first.sim, accounts=accounts + first.sim.accounts)
    return (replace(first, sim=sim), *planned[1:])


def plan_blocks(base_number: int, base_timestamp: int,
                blocks: tuple[SimBlock, ...]) -> tuple[PlannedBlock, ...]:
    """Return the blocks to simulate after the base, gaps filled; raise on a bad sequence."""
    planned: list[PlannedBlock] = []
    number, timestamp = base_number, base_timestamp
    for sim in blocks:
        wanted = sim.block.number if sim.block.number is not None else number + 1
        if wanted <= number:
            raise errors.SimBlockNumberOrder(f"block numbers must be in order: {wanted} <= "
                                             f"{number}")
        if wanted - base_number > MAX_BLOCKS:
            raise errors.SimTooManyBlocks()
        for filler in range(number + 1, wanted):
            timestamp += TIMESTAMP_INCREMENT
            planned.append(PlannedBlock(filler, timestamp, SimBlock()))
        if sim.block.timestamp is None:
            wanted_time = timestamp + TIMESTAMP_INCREMENT
        elif sim.block.timestamp <= timestamp:
            raise errors.SimTimestampOrder(
                f"block timestamps must be in order: {sim.block.timestamp} <= {timestamp}")
        else:
            wanted_time = sim.block.timestamp
        number, timestamp = wanted, wanted_time
        planned.append(PlannedBlock(number, timestamp, sim))
    return tuple(planned)


def sim_transaction(call: CallRequest, sender: bytes, nonce: int, gas: int, chain_id: int,
                    london: bool) -> Transaction:
    """Return the unsigned transaction geth records for a simulated call.

    A named gas price (or a block before London) makes it legacy; blob hashes make it an
    EIP-4844 transaction; otherwise it is an EIP-1559 transaction with the fee fields the call
    named (0 where it named none).
    """
    to = call.to or b""
    if call.gas_price is not None or not london:
        price = call.gas_price or 0
        raw = rlp.encode([nonce, price, gas, to, call.value, call.data, 0, 0, 0])
        return Transaction(raw=raw, hash=keccak(raw), sender=sender, type=LEGACY, chain_id=None,
                           nonce=nonce, gas=gas, to=call.to, value=call.value, data=call.data,
                           max_fee_per_gas=price, max_priority_fee_per_gas=price, v=0, r=0,
                           s=0)
    max_fee = call.max_fee_per_gas or 0
    tip = call.max_priority_fee_per_gas or 0
    access = [[address, [slot.to_bytes(32, "big") for slot in slots]]
              for address, slots in call.access_list]
    fields = [chain_id, nonce, tip, max_fee, gas, to, call.value, call.data, access]
    kind = BLOB if call.blob_hashes else DYNAMIC_FEE
    if kind == BLOB:
        fields += [call.max_fee_per_blob_gas or 0, list(call.blob_hashes)]
    raw = bytes([kind]) + rlp.encode([*fields, 0, 0, 0])
    return Transaction(raw=raw, hash=keccak(raw), sender=sender, type=kind,
                       chain_id=chain_id, nonce=nonce, gas=gas, to=call.to, value=call.value,
                       data=call.data, max_fee_per_gas=max_fee, max_priority_fee_per_gas=tip,
                       v=0, r=0, s=0, access_list=call.access_list,
                       max_fee_per_blob_gas=call.max_fee_per_blob_gas if kind == BLOB else None,
                       blob_versioned_hashes=call.blob_hashes)


def transfer_log(sender: bytes, recipient: bytes, value: int) -> Log:
    """Return the ERC-20-like log geth's traceTransfers reports for a value transfer."""
    return Log(address=TRANSFER_ADDRESS, topics=(
        TRANSFER_TOPIC, sender.rjust(32, b"\x00"), recipient.rjust(32, b"\x00")),
        data=value.to_bytes(32, "big"))
