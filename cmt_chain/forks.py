"""The fork this chain runs (Prague, from genesis) as EIP-7910's eth_config describes it.

Pure data and one rule: the fork's precompiles, system contracts and blob schedule, and the
EIP-2124 fork id (every fork is active at genesis, so it is the CRC32 of the genesis hash with no
fork to fold in). Called by `node.py` for eth_config.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass


def _address(number: int) -> bytes:
    return number.to_bytes(20, "big")


@dataclass(frozen=True, slots=True)
class BlobSchedule:
    target: int
    max: int
    base_fee_update_fraction: int


@dataclass(frozen=True, slots=True)
class ForkConfig:
    """One fork's rules as eth_config reports them."""

    activation_time: int
    blob_schedule: BlobSchedule
    chain_id: int
    fork_id: bytes
    precompiles: tuple[tuple[str, bytes], ...]
    system_contracts: tuple[tuple[str, bytes], ...]


PRAGUE_PRECOMPILES = (
    ("ECREC", _address(0x01)), ("SHA256", _address(0x02)), ("RIPEMD160", _address(0x03)),
    ("ID", _address(0x04)), ("MODEXP", _address(0x05)), ("BN254_ADD", _address(0x06)),
    ("BN254_MUL", _address(0x07)), ("BN254_PAIRING", _address(0x08)),
    ("BLAKE2F", _address(0x09)), ("KZG_POINT_EVALUATION", _address(0x0A)),
    ("BLS12_G1ADD", _address(0x0B)), ("BLS12_G1MSM", _address(0x0C)),
    ("BLS12_G2ADD", _address(0x0D)), ("BLS12_G2MSM", _address(0x0E)),
    ("BLS12_PAIRING_CHECK", _address(0x0F)), ("BLS12_MAP_FP_TO_G1", _address(0x10)),
    ("BLS12_MAP_FP2_TO_G2", _address(0x11)),
)
# Prague's system contracts (EIP-4788, 2935, 7002, 7251). This chain has no beacon-chain
# deposits, so the deposit contract is the zero address, as geth reports for a chain without one.
PRAGUE_SYSTEM_CONTRACTS = (
    ("BEACON_ROOTS_ADDRESS", bytes.fromhex("000f3df6d732807ef1319fb7b8bb8522d0beac02")),
    ("CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS",
     bytes.fromhex("0000bbddc7ce488642fb579f8b00f3a590007251")),
    ("DEPOSIT_CONTRACT_ADDRESS", _address(0)),
    ("HISTORY_STORAGE_ADDRESS", bytes.fromhex("0000f90827f1c53a10cb7a02335b175320002935")),
    ("WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS",
     bytes.fromhex("00000961ef480eb55e80d19ad83579a64c007002")),
)
PRAGUE_BLOBS = BlobSchedule(target=6, max=9, base_fee_update_fraction=5_007_716)
MIN_BLOB_BASE_FEE = 1  # EIP-4844: the blob base fee when excess blob gas is zero


def fork_id(genesis_hash: bytes, activations: tuple[int, ...] = ()) -> bytes:
    """Return the EIP-2124 fork hash: CRC32 of the genesis hash, folded with past forks."""
    checksum = zlib.crc32(genesis_hash)
    for activation in activations:
        checksum = zlib.crc32(activation.to_bytes(8, "big"), checksum)
    return checksum.to_bytes(4, "big")


def current_fork(chain_id: int, genesis_hash: bytes) -> ForkConfig:
    """Return the fork in force: Prague since genesis (no fork is scheduled after it)."""
    return ForkConfig(activation_time=0, blob_schedule=PRAGUE_BLOBS, chain_id=chain_id,
                      fork_id=fork_id(genesis_hash), precompiles=PRAGUE_PRECOMPILES,
                      system_contracts=PRAGUE_SYSTEM_CONTRACTS)
