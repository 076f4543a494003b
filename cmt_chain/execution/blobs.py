"""Blob sidecars (EIP-4844): the check that a blob transaction's blobs match its hashes.

A type-3 transaction sent to the node carries its blobs, KZG commitments and proofs beside it
(the network form); the block holds only the versioned hashes. `node.py` calls
`verify_sidecar` before the pool takes such a transaction: each hash must be the commitment's
versioned hash and each proof must prove its blob, with the trusted setup py-evm ships.
"""

from __future__ import annotations

import functools
from typing import Any

import ckzg
from eth.precompiles.point_evaluation import TRUSTED_SETUP_PATH, kzg_to_versioned_hash

from .. import errors
from ..transaction import Transaction


@functools.cache
def _trusted_setup() -> Any:
    return ckzg.load_trusted_setup(TRUSTED_SETUP_PATH, 0)


def verify_sidecar(tx: Transaction) -> None:
    """Raise InvalidBlobSidecar unless the transaction's blobs match its versioned hashes."""
    if tx.blob_sidecar is None:
        raise errors.InvalidBlobSidecar("blob transaction sent without its blobs")
    blobs, commitments, proofs = tx.blob_sidecar
    hashes = tx.blob_versioned_hashes
    if not len(blobs) == len(commitments) == len(proofs) == len(hashes):
        raise errors.InvalidBlobSidecar(
            f"{len(hashes)} hashes, {len(blobs)} blobs, {len(commitments)} commitments, "
            f"{len(proofs)} proofs")
    for index, (commitment, versioned) in enumerate(zip(commitments, hashes, strict=True)):
        if kzg_to_versioned_hash(commitment) != versioned:
            raise errors.InvalidBlobSidecar(f"blob {index}: commitment does not match its hash")
    try:
        valid = ckzg.verify_blob_kzg_proof_batch(
            b"".join(blobs), b"".join(commitments), b"".join(proofs), _trusted_setup())
    except Exception as exc:  # ckzg raises a bare Exception on malformed blobs or points
        raise errors.InvalidBlobSidecar(f"malformed blob data: {exc}") from None
    if not valid:
        raise errors.InvalidBlobSidecar("blob proofs do not verify")
