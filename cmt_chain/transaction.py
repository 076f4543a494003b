"""Signed transactions: decoding from the wire, sender recovery, the frozen record kept for each.

Types 0 (legacy, EIP-155), 1 (EIP-2930), 2 (EIP-1559), 3 (EIP-4844, decoded for imported chains
only) and 4 (EIP-7702). `decode_transaction` checks the encoding and the signature once and keeps
the recovered sender with the transaction, so the pool, the producer and execution never recover it
again. Called by the RPC edge (`eth_sendRawTransaction`), storage (block bodies) and import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import rlp
from coincurve import PublicKey
from eth_hash.auto import keccak
from rlp.codec import encode_raw

from . import errors

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
LEGACY, ACCESS_LIST, DYNAMIC_FEE, BLOB, SET_CODE = 0, 1, 2, 3, 4
MAX_UINT256 = 2**256 - 1


@dataclass(frozen=True, slots=True)
class Authorization:
    """One EIP-7702 authorization tuple; the authority is recovered by execution."""

    chain_id: int
    address: bytes
    nonce: int
    y_parity: int
    r: int
    s: int

    def rlp_fields(self) -> list[Any]:
        return [self.chain_id, self.address, self.nonce, self.y_parity, self.r, self.s]


AccessList = tuple[tuple[bytes, tuple[int, ...]], ...]


@dataclass(frozen=True, slots=True)
class Transaction:
    raw: bytes
    hash: bytes
    sender: bytes
    type: int
    chain_id: int | None
    nonce: int
    gas: int
    to: bytes | None
    value: int
    data: bytes
    max_fee_per_gas: int  # the gas price of types 0 and 1
    max_priority_fee_per_gas: int  # the gas price of types 0 and 1
    v: int  # legacy v, or the y parity of typed transactions
    r: int
    s: int
    access_list: AccessList = ()
    authorization_list: tuple[Authorization, ...] = ()
    max_fee_per_blob_gas: int | None = None
    blob_versioned_hashes: tuple[bytes, ...] = ()

    @property
    def gas_price(self) -> int:
        return self.max_fee_per_gas

    @property
    def is_protected(self) -> bool:
        return self.type != LEGACY or self.v not in (27, 28)

    def effective_gas_price(self, base_fee: int | None) -> int:
        """Return the price per gas the sender pays in a block with this base fee."""
        if base_fee is None or self.type in (LEGACY, ACCESS_LIST):
            return self.max_fee_per_gas
        return min(self.max_fee_per_gas, base_fee + self.max_priority_fee_per_gas)

    def effective_tip(self, base_fee: int) -> int:
        """Return what the block's producer earns per gas above the base fee (may be negative)."""
        return self.effective_gas_price(base_fee) - base_fee

    def max_cost(self) -> int:
        """Return gas * max price + value: what the sender must hold for the pool to accept it."""
        return self.gas * self.max_fee_per_gas + self.value

    def rlp_item(self) -> Any:
        """Return the transaction as an item of a block body: a list (legacy) or bytes (typed)."""
        return rlp.decode(self.raw) if self.type == LEGACY else self.raw

    def contract_address(self) -> bytes | None:
        """Return the address a creation transaction deploys to, else None."""
        if self.to is not None:
            return None
        return keccak(rlp.encode([self.sender, self.nonce]))[12:]


def decode_transaction(raw: bytes, sender: bytes | None = None) -> Transaction:
    """Decode network bytes into a Transaction with its sender recovered.

    Storage passes the `sender` it recorded when the block was made, to skip the recovery.
    """
    if not raw:
        raise errors.InvalidTransactionEncoding("typed transaction too short")
    try:
        if raw[0] >= 0xC0:
            return _decode_legacy(raw, sender)
        if raw[0] in (ACCESS_LIST, DYNAMIC_FEE, BLOB, SET_CODE):
            return _decode_typed(raw, sender)
    except errors.ChainError:
        raise
    except (rlp.DecodingError, rlp.DeserializationError, ValueError, TypeError) as exc:
        raise errors.InvalidTransactionEncoding(f"rlp: {exc}") from None
    raise errors.InvalidTransactionEncoding("transaction type not supported")


def decode_block_item(item: Any) -> Transaction:
    """Decode one entry of a block body's transaction list (a list if legacy, else bytes)."""
    return decode_transaction(rlp.encode(item) if isinstance(item, list) else item)


def _uint(item: Any, name: str, bits: int = 256) -> int:
    if not isinstance(item, bytes):
        raise errors.InvalidTransactionEncoding(f"rlp: {name}: expected an integer")
    if item[:1] == b"\x00":
        raise errors.InvalidTransactionEncoding(f"rlp: {name}: leading zero bytes")
    value = int.from_bytes(item, "big")
    if value >= 2**bits:
        raise errors.InvalidTransactionEncoding(f"rlp: {name}: out of range")
    return value


def _to(item: Any) -> bytes | None:
    if not isinstance(item, bytes) or len(item) not in (0, 20):
        raise errors.InvalidTransactionEncoding("rlp: to: expected an address or empty")
    return item or None


def _data(item: Any) -> bytes:
    if not isinstance(item, bytes):
        raise errors.InvalidTransactionEncoding("rlp: data: expected bytes")
    return item


def _decode_legacy(raw: bytes, known_sender: bytes | None) -> Transaction:
    items = rlp.decode(raw)
    _check_field_count(items, 9, "LegacyTx")
    nonce, gas_price, gas = (_uint(items[i], n, 64 if i != 1 else 256)
                             for i, n in enumerate(("nonce", "gasPrice", "gas")))
    to, value, data = _to(items[3]), _uint(items[4], "value"), _data(items[5])
    v, r, s = _uint(items[6], "v"), _uint(items[7], "r"), _uint(items[8], "s")
    if v in (27, 28):
        chain_id, y_parity = None, v - 27
        signing = encode_raw(items[:6])
    elif v >= 35:
        chain_id, y_parity = (v - 35) // 2, (v - 35) % 2
        signing = encode_raw([*items[:6], _minimal_bytes(chain_id), b"", b""])
    else:
        raise errors.InvalidSender(f"invalid legacy v {v}")
    sender = known_sender or recover_sender(keccak(signing), y_parity, r, s)
    return Transaction(
        raw=raw, hash=keccak(raw), sender=sender, type=LEGACY, chain_id=chain_id, nonce=nonce,
        gas=gas, to=to, value=value, data=data, max_fee_per_gas=gas_price,
        max_priority_fee_per_gas=gas_price, v=v, r=r, s=s,
    )


# Field layout of each typed payload, before the trailing (y_parity, r, s).
_TYPED_LAYOUT = {
    ACCESS_LIST: ("chainId", "nonce", "gasPrice", "gas", "to", "value", "data", "accessList"),
    DYNAMIC_FEE: ("chainId", "nonce", "maxPriorityFeePerGas", "maxFeePerGas", "gas", "to",
                  "value", "data", "accessList"),
    BLOB: ("chainId", "nonce", "maxPriorityFeePerGas", "maxFeePerGas", "gas", "to", "value",
           "data", "accessList", "maxFeePerBlobGas", "blobVersionedHashes"),
    SET_CODE: ("chainId", "nonce", "maxPriorityFeePerGas", "maxFeePerGas", "gas", "to",
               "value", "data", "accessList", "authorizationList"),
}


_GETH_NAMES = {ACCESS_LIST: "AccessListTx", DYNAMIC_FEE: "DynamicFeeTx", BLOB: "BlobTx",
               SET_CODE: "SetCodeTx"}


def _check_field_count(items: Any, expected: int, name: str) -> None:
    """Refuse a payload that is not a list of `expected` items, in geth's words."""
    if not isinstance(items, list):
        raise errors.InvalidTransactionEncoding(f"rlp: expected input list for types.{name}")
    if len(items) < expected:
        raise errors.InvalidTransactionEncoding(f"rlp: too few elements for types.{name}")
    if len(items) > expected:
        raise errors.InvalidTransactionEncoding(
            f"rlp: input list has too many elements for types.{name}")


def _decode_typed(raw: bytes, known_sender: bytes | None) -> Transaction:
    tx_type = raw[0]
    layout = _TYPED_LAYOUT[tx_type]
    items = rlp.decode(raw[1:])
    _check_field_count(items, len(layout) + 3, _GETH_NAMES[tx_type])
    fields = dict(zip(layout, items[: len(layout)], strict=True))
    y_parity, r, s = (_uint(items[-3], "yParity"), _uint(items[-2], "r"), _uint(items[-1], "s"))
    if y_parity > 1:
        raise errors.InvalidSender("invalid y parity")
    # the items are decoded bytes and lists: encode them raw, no sedes to infer (a third faster)
    sender = known_sender or recover_sender(
        keccak(raw[:1] + encode_raw(items[: len(layout)])), y_parity, r, s)
    if tx_type == ACCESS_LIST:
        max_fee = tip = _uint(fields["gasPrice"], "gasPrice")
    else:
        tip = _uint(fields["maxPriorityFeePerGas"], "maxPriorityFeePerGas")
        max_fee = _uint(fields["maxFeePerGas"], "maxFeePerGas")
    to = _to(fields["to"])
    if tx_type in (BLOB, SET_CODE) and to is None:
        raise errors.InvalidTransactionEncoding(f"rlp: type {tx_type} transaction cannot create")
    return Transaction(
        raw=raw, hash=keccak(raw), sender=sender, type=tx_type,
        chain_id=_uint(fields["chainId"], "chainId"), nonce=_uint(fields["nonce"], "nonce", 64),
        gas=_uint(fields["gas"], "gas", 64), to=to, value=_uint(fields["value"], "value"),
        data=_data(fields["data"]), max_fee_per_gas=max_fee, max_priority_fee_per_gas=tip,
        v=y_parity, r=r, s=s, access_list=_access_list(fields["accessList"]),
        authorization_list=_authorizations(fields.get("authorizationList", [])),
        max_fee_per_blob_gas=(_uint(fields["maxFeePerBlobGas"], "maxFeePerBlobGas")
                              if tx_type == BLOB else None),
        blob_versioned_hashes=_hashes(fields.get("blobVersionedHashes", [])),
    )


def _access_list(items: Any) -> AccessList:
    if not isinstance(items, list):
        raise errors.InvalidTransactionEncoding("rlp: accessList: expected a list")
    entries = []
    for entry in items:
        if (not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[0], bytes)
                or len(entry[0]) != 20 or not isinstance(entry[1], list)):
            raise errors.InvalidTransactionEncoding("rlp: accessList: bad entry")
        keys = []
        for key in entry[1]:
            if not isinstance(key, bytes) or len(key) != 32:
                raise errors.InvalidTransactionEncoding("rlp: accessList: keys are 32 bytes")
            keys.append(int.from_bytes(key, "big"))
        entries.append((entry[0], tuple(keys)))
    return tuple(entries)


def _authorizations(items: Any) -> tuple[Authorization, ...]:
    if not isinstance(items, list):
        raise errors.InvalidTransactionEncoding("rlp: authorizationList: expected a list")
    result = []
    for item in items:
        if not isinstance(item, list) or len(item) != 6:
            raise errors.InvalidTransactionEncoding("rlp: authorizationList: bad entry")
        address = item[1]
        if not isinstance(address, bytes) or len(address) != 20:
            raise errors.InvalidTransactionEncoding("rlp: authorizationList: bad address")
        result.append(Authorization(
            chain_id=_uint(item[0], "authorization chainId"), address=address,
            nonce=_uint(item[2], "authorization nonce", 64),
            y_parity=_uint(item[3], "authorization yParity", 8),
            r=_uint(item[4], "authorization r"), s=_uint(item[5], "authorization s"),
        ))
    return tuple(result)


def _hashes(items: Any) -> tuple[bytes, ...]:
    if not isinstance(items, list) or any(not isinstance(h, bytes) or len(h) != 32 for h in items):
        raise errors.InvalidTransactionEncoding("rlp: blobVersionedHashes: expected 32-byte hashes")
    return tuple(items)


def _minimal_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def recover_sender(message_hash: bytes, y_parity: int, r: int, s: int) -> bytes:
    """Return the address that signed `message_hash`; refuse high-s and out-of-range values."""
    if not (0 < r < SECP256K1_N and 0 < s <= SECP256K1_N // 2):
        raise errors.InvalidSender("signature values out of range")
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([y_parity])
    try:
        public_key = PublicKey.from_signature_and_message(signature, message_hash, hasher=None)
    except Exception:  # coincurve raises a bare Exception for an unrecoverable signature
        raise errors.InvalidSender("signature does not recover") from None
    return keccak(public_key.format(compressed=False)[1:])[12:]
