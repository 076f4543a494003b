"""Block seals and the proposer schedule: who seals which height, the validator's signature
over a block hash, and its check on import.

Rotation: block h is the turn of the active validator at position h mod n (by address); when it
does not produce, the turn passes to the next in order (`turn_order`), and the staking rules count
the skipped ones as absent.

Headers stay standard Ethereum headers with at most 32 bytes of `extraData` (web3.py refuses
longer ones unless its users add a proof-of-authority middleware), so the seal is not in the
header: it is a 65-byte secp256k1 signature (r, s, y parity) over the block hash, stored with the
block in the same atomic write and carried with it between nodes. The producer calls `seal`;
chain import calls `recover_signer`. Pure functions.
"""

from __future__ import annotations

from coincurve import PrivateKey
from eth_hash.auto import keccak

from . import errors
from .block import Header
from .transaction import recover_sender

VANITY_LENGTH = 32
SEAL_LENGTH = 65


def turn_order(height: int, validators: tuple[bytes, ...]) -> tuple[bytes, ...]:
    """Return the validators in the order they may seal block `height`: scheduled one first.

    Turns go by address, not by rank, so re-ranking at an epoch boundary never reshuffles them:
    over any n consecutive blocks of one set, each validator has exactly one turn.
    """
    if not validators:
        return ()
    ordered = tuple(sorted(validators))
    start = height % len(ordered)
    return ordered[start:] + ordered[:start]


def proposer_for(height: int, validators: tuple[bytes, ...]) -> bytes:
    """Return the validator scheduled to seal block `height`."""
    return turn_order(height, validators)[0]


def vanity(text: bytes) -> bytes:
    """Return extraData for a block: the text, truncated to 32 bytes."""
    return text[:VANITY_LENGTH]


def seal(header: Header, private_key: bytes) -> bytes:
    """Return the validator's signature over the header's hash."""
    return PrivateKey(private_key).sign_recoverable(header.hash, hasher=None)


def recover_signer(header: Header, signature: bytes) -> bytes:
    """Return the address that sealed `header`; raise InvalidBlock if the seal is malformed."""
    if len(signature) != SEAL_LENGTH or signature[64] > 1:
        raise errors.InvalidBlock(f"seal must be {SEAL_LENGTH} bytes with recovery id 0 or 1")
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    try:
        return recover_sender(header.hash, signature[64], r, s)
    except errors.InvalidSender:
        raise errors.InvalidBlock("seal signature does not recover") from None


def address_of(private_key: bytes) -> bytes:
    """Return the Ethereum address of a secp256k1 private key."""
    return keccak(PrivateKey(private_key).public_key.format(compressed=False)[1:])[12:]
