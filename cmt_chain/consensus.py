"""Block sealing: the validator's signature over a header, carried in `extraData`.

Headers stay standard Ethereum headers. `extraData` is a 32-byte vanity field followed by a 65-byte
secp256k1 signature (r, s, y parity) over the seal hash: keccak of the header RLP with the signature
left out, as Clique does. The producer calls `seal`; chain import calls `recover_signer`, so the
multi-validator network can verify whose turn a block was. Pure functions over frozen headers.
"""

from __future__ import annotations

from coincurve import PrivateKey
from eth_hash.auto import keccak

from . import errors
from .block import Header
from .transaction import recover_sender

VANITY_LENGTH = 32
SIGNATURE_LENGTH = 65


def vanity(text: bytes) -> bytes:
    """Return the 32-byte vanity prefix: the text, truncated or zero-padded."""
    return text[:VANITY_LENGTH].ljust(VANITY_LENGTH, b"\x00")


def seal_hash(header: Header) -> bytes:
    """Return the hash the validator signs: the header with only the vanity in extraData."""
    return keccak(header.with_changes(extra_data=header.extra_data[:VANITY_LENGTH]).encode())


def seal(header: Header, private_key: bytes) -> Header:
    """Return the header with the validator's signature appended to its extraData."""
    unsigned = header.with_changes(extra_data=vanity(header.extra_data))
    signature = PrivateKey(private_key).sign_recoverable(seal_hash(unsigned), hasher=None)
    return unsigned.with_changes(extra_data=unsigned.extra_data + signature)


def recover_signer(header: Header) -> bytes:
    """Return the address that sealed `header`; raise InvalidBlock if the seal is malformed."""
    extra = header.extra_data
    if len(extra) != VANITY_LENGTH + SIGNATURE_LENGTH:
        raise errors.InvalidBlock(f"extraData must be {VANITY_LENGTH + SIGNATURE_LENGTH} bytes")
    signature = extra[VANITY_LENGTH:]
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    if signature[64] > 1:
        raise errors.InvalidBlock("bad seal recovery id")
    try:
        return recover_sender(seal_hash(header), signature[64], r, s)
    except errors.InvalidSender:
        raise errors.InvalidBlock("seal signature does not recover") from None


def address_of(private_key: bytes) -> bytes:
    """Return the Ethereum address of a secp256k1 private key."""
    return keccak(PrivateKey(private_key).public_key.format(compressed=False)[1:])[12:]
