"""A chain's identity and rules: its chain id, fork schedule and fee rule, as pure data.

The node's own chain is Prague from genesis with the CMT fee rule (the base fee goes to the block's
producer and never drops below the minimum gas price). A chain imported from a geth-format
`genesis.json` keeps that file's `config` (chain id, forks by block and by timestamp, blob schedule)
and Ethereum's fee rule (the base fee is burned). `chain.py` asks `fork_at` which fork a block runs
under; `execution/forks.py` maps the fork's name to py-evm's VM; storage keeps `to_json()` in the
data folder so the chain is known again on every start.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from . import errors

# geth's config keys in fork order: (fork name, key, activated by "block" or "time").
FORK_KEYS: tuple[tuple[str, str, str], ...] = (
    ("homestead", "homesteadBlock", "block"),
    ("tangerine_whistle", "eip150Block", "block"),
    ("spurious_dragon", "eip158Block", "block"),
    ("byzantium", "byzantiumBlock", "block"),
    ("constantinople", "constantinopleBlock", "block"),
    ("petersburg", "petersburgBlock", "block"),
    ("istanbul", "istanbulBlock", "block"),
    ("muir_glacier", "muirGlacierBlock", "block"),
    ("berlin", "berlinBlock", "block"),
    ("london", "londonBlock", "block"),
    ("arrow_glacier", "arrowGlacierBlock", "block"),
    ("gray_glacier", "grayGlacierBlock", "block"),
    ("paris", "mergeNetsplitBlock", "block"),
    ("shanghai", "shanghaiTime", "time"),
    ("cancun", "cancunTime", "time"),
    ("prague", "pragueTime", "time"),
)
FORK_NAMES = ("frontier",) + tuple(name for name, _, _ in FORK_KEYS)
# The blob schedule py-evm implements (EIP-4844, EIP-7691): a chain asking for another is refused.
BLOB_SCHEDULE = {"cancun": (3, 6, 3338477), "prague": (6, 9, 5007716)}
INITIAL_BASE_FEE = 1_000_000_000  # EIP-1559: the base fee of the first London block


@dataclass(frozen=True, slots=True)
class ChainSpec:
    """Which fork runs at each block, and whose fee rule applies."""

    chain_id: int
    activations: tuple[tuple[str, str, int], ...] = (("prague", "block", 0),)
    burn_base_fee: bool = False  # Ethereum burns it; the CMT rule pays it to the producer
    geth_config: str = ""  # the genesis.json `config` this came from (JSON), if any

    def fork_at(self, number: int, timestamp: int) -> str:
        """Return the name of the fork a block with this number and timestamp runs under."""
        current = "frontier"
        for name, kind, at in self.activations:
            if (number if kind == "block" else timestamp) >= at:
                current = name
        return current

    def is_london_start(self, number: int, timestamp: int) -> bool:
        """Tell whether this block is the first with a base fee (it gets INITIAL_BASE_FEE)."""
        return number > 0 and not at_least(self.fork_at(number - 1, timestamp), "london") and (
            at_least(self.fork_at(number, timestamp), "london"))

    def to_json(self) -> str:
        return self.geth_config or json.dumps({"chainId": self.chain_id, "cmtChain": True})


def at_least(fork: str, other: str) -> bool:
    """Tell whether `fork` is `other` or a later one."""
    return FORK_NAMES.index(fork) >= FORK_NAMES.index(other)


def cmt_spec(chain_id: int) -> ChainSpec:
    """Return the node's own chain: Prague from genesis, the CMT fee rule."""
    return ChainSpec(chain_id)


def from_json(text: str) -> ChainSpec:
    """Return the spec stored in a data folder (see `to_json`)."""
    config = json.loads(text)
    if config.get("cmtChain"):
        return cmt_spec(int(config["chainId"]))
    return from_geth_config(config)


def from_geth_config(config: Any) -> ChainSpec:
    """Return the spec of a geth genesis `config` object; refuse what py-evm cannot run."""
    if not isinstance(config, dict):
        raise errors.GenesisFileError("config: expected an object")
    chain_id = _number(config, "chainId")
    if chain_id is None or chain_id <= 0:
        raise errors.GenesisFileError("config.chainId: expected a positive integer")
    activations = []
    for name, key, kind in FORK_KEYS:
        at = _number(config, key)
        if at is None and name == "paris" and config.get("terminalTotalDifficulty") == 0:
            at = 0  # merged at genesis
        if at is not None:
            activations.append((name, kind, at))
    _check_order(activations)
    if _number(config, "eip155Block") != _number(config, "eip158Block"):
        raise errors.GenesisFileError(
            "config.eip155Block: must equal eip158Block (py-evm runs them as one fork)")
    if config.get("daoForkSupport") and _number(config, "daoForkBlock") is not None:
        raise errors.GenesisFileError("config.daoForkBlock: the DAO fork is not supported")
    for fork, schedule in (config.get("blobSchedule") or {}).items():
        wanted = BLOB_SCHEDULE.get(fork)
        got = (schedule.get("target"), schedule.get("max"), schedule.get("baseFeeUpdateFraction"))
        if wanted is not None and got != wanted:
            raise errors.GenesisFileError(
                f"config.blobSchedule.{fork}: only {wanted} (target, max, fraction) is supported")
    return ChainSpec(chain_id, tuple(activations), burn_base_fee=True,
                     geth_config=json.dumps(config, sort_keys=True))


def _number(config: dict[str, Any], key: str) -> int | None:
    value = config.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise errors.GenesisFileError(f"config.{key}: expected a non-negative integer")
    return value


def _check_order(activations: list[tuple[str, str, int]]) -> None:
    """Refuse a schedule whose forks switch on out of order (a later fork before an earlier)."""
    last_block = last_time = 0
    for name, kind, at in activations:
        if kind == "block":
            if at < last_block:
                raise errors.GenesisFileError(f"config: {name} activates before an earlier fork")
            last_block = at
        else:
            if at < last_time:
                raise errors.GenesisFileError(f"config: {name} activates before an earlier fork")
            last_time = at
