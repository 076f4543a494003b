"""Parsing of JSON-RPC parameters into typed values: the only place hex is parsed.

Each parser takes the raw JSON value and returns a typed value or raises `InvalidParams` with
geth's wording; the dispatcher adds which argument was wrong. Used by `rpc/methods/*`.
"""

from __future__ import annotations

from typing import Any

from cmt_chain.calls import (
    AccountOverride,
    BlockOverride,
    CallOverrides,
    CallRequest,
)
from cmt_chain.logs import LogFilter
from cmt_chain.node import BlockRef

from .errors import InvalidParams

BLOCK_TAGS = ("latest", "earliest", "pending", "safe", "finalized")


def _hex_body(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidParams(f"cannot unmarshal {_json_type(value)} into {what}")
    if not value.startswith(("0x", "0X")):
        raise InvalidParams("hex string without 0x prefix")
    return value[2:]


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), "value")


def quantity(value: Any, bits: int = 256) -> int:
    """Parse a hex quantity ("0x1a"): no leading zeros, at most `bits` bits."""
    body = _hex_body(value, "Go value of type hexutil.Big")
    if not body:
        raise InvalidParams("hex string \"0x\"")
    if len(body) > 1 and body[0] == "0":
        raise InvalidParams("hex number with leading zero digits")
    try:
        number = int(body, 16)
    except ValueError:
        raise InvalidParams("invalid hex string") from None
    if number.bit_length() > bits:
        raise InvalidParams(f"hex number > {bits} bits")
    return number


def lenient_quantity(value: Any) -> int:
    """Parse a 256-bit amount as anvil takes it: hex (leading zeros allowed) or a JSON number."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value < 2**256:
            raise InvalidParams("number out of range for uint256")
        return value
    body = _hex_body(value, "Go value of type hexutil.Big")
    try:
        number = int(body, 16)
    except ValueError:
        raise InvalidParams("invalid hex string") from None
    if number.bit_length() > 256:
        raise InvalidParams("hex number > 256 bits")
    return number


def uint64(value: Any) -> int:
    return quantity(value, 64)


def data(value: Any) -> bytes:
    """Parse hex data ("0x..."), even length."""
    body = _hex_body(value, "Go value of type hexutil.Bytes")
    if len(body) % 2:
        raise InvalidParams("hex string of odd length")
    try:
        return bytes.fromhex(body)
    except ValueError:
        raise InvalidParams("invalid hex string") from None


def fixed(value: Any, length: int, what: str) -> bytes:
    raw = data(value)
    if len(raw) != length:
        raise InvalidParams(f"hex string has length {len(raw) * 2}, want {length * 2} for {what}")
    return raw


def storage_slot(value: Any) -> int:
    """Parse a storage key: hex of at most 32 bytes, zero padding allowed (geth's decodeHash)."""
    body = _hex_body(value, "Go value of type common.Hash")
    if len(body) % 2:
        body = "0" + body
    try:
        raw = bytes.fromhex(body)
    except ValueError:
        raise InvalidParams("invalid hex string") from None
    if len(raw) > 32:
        raise InvalidParams("hex string too long, want at most 32 bytes")
    return int.from_bytes(raw, "big")


def proof_keys(value: Any) -> tuple[tuple[int, bool], ...]:
    """Parse eth_getProof's storage keys: (slot, whether it was written as a full 32 bytes)."""
    if not isinstance(value, list):
        raise InvalidParams(f"cannot unmarshal {_json_type(value)} into Go value of type []string")
    return tuple((storage_slot(key), len(key) == 66) for key in value)


def storage_request(value: Any) -> tuple[tuple[bytes, tuple[int, ...]], ...]:
    """Parse eth_getStorageValues' request: {address: [slot, ...]}."""
    if not isinstance(value, dict):
        raise InvalidParams(f"cannot unmarshal {_json_type(value)} into Go value of type "
                            "map[common.Address][]common.Hash")
    request = []
    for raw_address, slots in value.items():
        if not isinstance(slots, list):
            raise InvalidParams(f"{raw_address}: expected an array of storage slots")
        request.append((address(raw_address), tuple(storage_slot(slot) for slot in slots)))
    return tuple(request)


def uint64_or_decimal(value: Any) -> int:
    """Parse a count sent as a JSON number, a decimal string or a hex quantity."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and not value.startswith(("0x", "0X")):
        if not value.isdigit():
            raise InvalidParams(f"invalid number {value!r}")
        number = int(value)
    else:
        return uint64(value)
    if not 0 <= number < 2**64:
        raise InvalidParams("number out of range for uint64")
    return number


def address(value: Any) -> bytes:
    return fixed(value, 20, "common.Address")


def hash32(value: Any) -> bytes:
    return fixed(value, 32, "common.Hash")


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidParams(f"cannot unmarshal {_json_type(value)} into Go value of type bool")
    return value


def block_ref(value: Any) -> BlockRef:
    """Parse a block tag, a number, or an EIP-1898 object {blockHash|blockNumber}."""
    if isinstance(value, str) and value in BLOCK_TAGS:
        return BlockRef(tag=value)
    if isinstance(value, dict):
        return _block_object(value)
    if isinstance(value, str) and len(value) == 66:
        return BlockRef(tag=None, hash=hash32(value))
    return BlockRef(tag=None, number=_block_number(value))


def _block_number(value: Any) -> int:
    if not isinstance(value, str):
        raise InvalidParams("hex string without 0x prefix")  # geth reads the raw JSON as hex
    number = quantity(value, 64)
    if number > 2**63 - 1:
        raise InvalidParams("block number larger than int64")
    return number


def _block_object(value: dict[str, Any]) -> BlockRef:
    has_hash, has_number = "blockHash" in value, "blockNumber" in value
    if has_hash and has_number:
        raise InvalidParams(
            "cannot specify both BlockHash and BlockNumber, choose one or the other")
    if not has_hash and not has_number:
        raise InvalidParams("must specify either BlockHash or BlockNumber")
    if has_number:
        ref = block_ref(value["blockNumber"])
        if ref.hash is not None:
            raise InvalidParams("blockNumber must be a number or tag")
        return ref
    canonical = value.get("requireCanonical", False)
    return BlockRef(tag=None, hash=hash32(value["blockHash"]),
                    require_canonical=boolean(canonical))


def block_number_or_tag(value: Any) -> BlockRef:
    """Parse a tag or number only (methods like eth_getBlockByNumber take no hash)."""
    ref = block_ref(value)
    if ref.hash is not None:
        raise InvalidParams("invalid block number or tag")
    return ref


def optional_field(obj: dict[str, Any], key: str, parser: Any) -> Any:
    value = obj.get(key)
    if value is None:
        return None
    try:
        return parser(value)
    except InvalidParams as exc:
        raise InvalidParams(f"{key}: {exc.message}") from None


def access_list(value: Any) -> tuple[tuple[bytes, tuple[int, ...]], ...]:
    if not isinstance(value, list):
        raise InvalidParams("accessList must be an array")
    entries = []
    for entry in value:
        if not isinstance(entry, dict):
            raise InvalidParams("accessList entries must be objects")
        keys = entry.get("storageKeys") or []
        if not isinstance(keys, list):
            raise InvalidParams("storageKeys must be an array")
        entries.append((address(entry.get("address")),
                        tuple(int.from_bytes(hash32(k), "big") for k in keys)))
    return tuple(entries)


def call_request(value: Any) -> CallRequest:
    """Parse a transaction call object (eth_call, eth_estimateGas, eth_sendTransaction)."""
    if not isinstance(value, dict):
        raise InvalidParams(f"cannot unmarshal {_json_type(value)} into TransactionArgs")
    input_value = value.get("input")
    if value.get("gasPrice") is not None and (
            value.get("maxFeePerGas") is not None or value.get("maxPriorityFeePerGas") is not None):
        raise InvalidParams("both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified")
    return CallRequest(
        sender=optional_field(value, "from", address) or b"\x00" * 20,
        to=optional_field(value, "to", address),
        gas=optional_field(value, "gas", uint64),
        gas_price=optional_field(value, "gasPrice", quantity),
        max_fee_per_gas=optional_field(value, "maxFeePerGas", quantity),
        max_priority_fee_per_gas=optional_field(value, "maxPriorityFeePerGas", quantity),
        value=optional_field(value, "value", quantity) or 0,
        data=optional_field(value, "input" if input_value is not None else "data", data) or b"",
        access_list=optional_field(value, "accessList", access_list) or (),
        nonce=optional_field(value, "nonce", uint64),
        tx_type=optional_field(value, "type", uint64),
    )


def has_sender(value: Any) -> bool:
    return isinstance(value, dict) and value.get("from") is not None


def data_input_conflict(value: Any) -> bool:
    """Return whether `data` and `input` are both set and differ (geth refuses to send that)."""
    return (isinstance(value, dict) and value.get("data") is not None
            and value.get("input") is not None and value["data"] != value["input"])


def log_filter(value: Any) -> LogFilter:
    """Parse eth_getLogs / eth_newFilter criteria."""
    if not isinstance(value, dict):
        raise InvalidParams(f"cannot unmarshal {_json_type(value)} into FilterCriteria")
    block_hash = optional_field(value, "blockHash", hash32)
    if block_hash is not None and (value.get("fromBlock") is not None
                                   or value.get("toBlock") is not None):
        raise InvalidParams("cannot specify both BlockHash and FromBlock/ToBlock, choose one or "
                            "the other")
    return LogFilter(
        from_block=optional_field(value, "fromBlock", block_number_or_tag),
        to_block=optional_field(value, "toBlock", block_number_or_tag),
        block_hash=block_hash,
        addresses=_addresses(value.get("address")),
        topics=_topics(value.get("topics")),
    )


def _addresses(value: Any) -> frozenset[bytes] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset({address(value)})
    if isinstance(value, list):
        return frozenset(address(item) for item in value)
    raise InvalidParams("address must be an address or an array of addresses")


def _topics(value: Any) -> tuple[frozenset[bytes] | None, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidParams("topics must be an array")
    if len(value) > 4:
        raise InvalidParams("exceed max topics")
    result: list[frozenset[bytes] | None] = []
    for position in value:
        if position is None:
            result.append(None)
        elif isinstance(position, str):
            result.append(frozenset({hash32(position)}))
        elif isinstance(position, list):
            options = [hash32(item) for item in position if item is not None]
            # An empty list, or one holding null, matches any topic (as geth).
            wildcard = not position or len(options) < len(position)
            result.append(None if wildcard else frozenset(options))
        else:
            raise InvalidParams("topics entries must be a hash, null or an array of hashes")
    return tuple(result)


_ACCOUNT_OVERRIDE_KEYS = frozenset({"balance", "nonce", "code", "state", "stateDiff",
                                    "movePrecompileToAddress"})


def state_overrides(value: Any) -> CallOverrides:
    """Parse geth's state override set: {address: {balance, nonce, code, state|stateDiff}}."""
    if not isinstance(value, dict):
        raise InvalidParams(f"cannot unmarshal {_json_type(value)} into StateOverride")
    accounts = []
    for raw_address, fields in value.items():
        where = address(raw_address)
        if not isinstance(fields, dict):
            raise InvalidParams(f"account {raw_address}: expected an object")
        unknown = set(fields) - _ACCOUNT_OVERRIDE_KEYS
        if unknown or "movePrecompileToAddress" in fields:
            name = sorted(unknown)[0] if unknown else "movePrecompileToAddress"
            raise InvalidParams(f"account {raw_address}: unsupported override field {name}")
        if fields.get("state") is not None and fields.get("stateDiff") is not None:
            raise InvalidParams(f"account {raw_address} has both 'state' and 'stateDiff'")
        accounts.append((where, AccountOverride(
            balance=optional_field(fields, "balance", quantity),
            nonce=optional_field(fields, "nonce", uint64),
            code=optional_field(fields, "code", data),
            state=optional_field(fields, "state", _slots),
            state_diff=optional_field(fields, "stateDiff", _slots) or (),
        )))
    return CallOverrides(accounts=tuple(accounts))


def _slots(value: Any) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, dict):
        raise InvalidParams("storage override must be an object of slot: value")
    return tuple((int.from_bytes(hash32(k), "big"), int.from_bytes(hash32(v), "big"))
                 for k, v in value.items())


def block_overrides(value: Any) -> BlockOverride:
    """Parse geth's block overrides: number, time, gasLimit, feeRecipient, prevRandao, baseFee."""
    if not isinstance(value, dict):
        raise InvalidParams(f"cannot unmarshal {_json_type(value)} into BlockOverrides")
    def field(*names: str, parse: Any = uint64) -> Any:
        return next((v for n in names if (v := optional_field(value, n, parse)) is not None),
                    None)

    return BlockOverride(
        number=field("number"), timestamp=field("time"), gas_limit=field("gasLimit"),
        coinbase=field("feeRecipient", "coinbase", parse=address),
        prev_randao=field("prevRandao", "random", parse=hash32),
        base_fee=field("baseFeePerGas", "baseFee", parse=quantity),
    )
