"""Node configuration: one frozen dataclass per TOML section, defaults in code.

`load_config(path)` reads a TOML file over the defaults and refuses unknown keys and bad values
with a `ConfigError` that names the key (`txpool.account_slots: expected an integer`). The CLI
(`__main__.py`) calls it once at start; every other module receives the frozen result.
The top-level `config.toml` spells out these same defaults for users to copy and edit.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account.hdaccount.mnemonic import Mnemonic

DEV_MNEMONIC = "test test test test test test test test test test test junk"
ETHER = 10**18
GWEI = 10**9
_UNITS = {"cmt": ETHER, "ether": ETHER, "gwei": GWEI, "wei": 1}


class ConfigError(ValueError):
    """Raised when a config file has an unknown key or a value of the wrong type or range."""


def parse_amount(value: int | str, key: str) -> int:
    """Return wei for `123`, `"123"`, `"0x7b"`, `"1.5 CMT"` or `"2 gwei"`."""
    if isinstance(value, bool):
        raise ConfigError(f"{key}: expected an amount, got a boolean")
    amount = value if isinstance(value, int) else _parse_amount_text(value.strip().lower(), key)
    if amount < 0 or amount >= 2**256:
        raise ConfigError(f"{key}: amount out of range")
    return amount


def _parse_amount_text(text: str, key: str) -> int:
    if text.startswith("0x"):
        try:
            return int(text, 16)
        except ValueError:
            raise ConfigError(f"{key}: bad hex amount {text!r}") from None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([a-z]*)", text)
    if not match or match.group(2) not in ("", *_UNITS):
        raise ConfigError(f"{key}: expected an amount like '10000 CMT', '2 gwei' or wei digits")
    number, unit = match.group(1), match.group(2) or "wei"
    whole, _, frac = number.partition(".")
    scale = _UNITS[unit]
    frac_wei = int(frac.ljust(18, "0")[:18]) * scale // ETHER if frac else 0
    if frac and frac_wei * ETHER != int(frac.ljust(18, "0")[:18]) * scale:
        raise ConfigError(f"{key}: {text!r} is not a whole number of wei")
    return int(whole) * scale + frac_wei


@dataclass(frozen=True)
class NetworkConfig:
    chain_id: int = 1234
    name: str = "cmt-dev"
    dev: bool = True


@dataclass(frozen=True)
class AllocEntry:
    balance: int = 0
    nonce: int = 0
    code: bytes = b""
    storage: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class GenesisConfig:
    timestamp: int = 0
    gas_limit: int = 30_000_000
    base_fee_per_gas: int = 2 * GWEI
    extra_data: str = "CyberMiles for E-commerce"
    mnemonic: str = DEV_MNEMONIC
    dev_accounts: int = 10
    dev_balance: int = 10_000 * ETHER
    alloc: tuple[tuple[bytes, AllocEntry], ...] = ()


@dataclass(frozen=True)
class ValidatorConfig:
    key_file: str = ""  # empty: <data_dir>/validator.key, generated on first start
    extra_key_files: tuple[str, ...] = ()  # more validator keys this node produces with


@dataclass(frozen=True)
class MiningConfig:
    mode: str = "interval"  # "interval", "instant" or "off" (blocks only from dev methods)
    interval: float = 1.0
    empty_blocks: bool = True
    executor: str = "process"  # "process": build blocks on another core; "thread": in-process


@dataclass(frozen=True)
class RpcConfig:
    host: str = "127.0.0.1"
    port: int = 8545
    max_body_bytes: int = 5 * 1024 * 1024
    max_batch: int = 1000
    gas_cap: int = 50_000_000
    evm_timeout: float = 5.0
    filter_timeout: float = 300.0
    max_subscriptions: int = 1000
    cors_origins: tuple[str, ...] = ()  # browser origins allowed to call; "*" for any


@dataclass(frozen=True)
class StorageConfig:
    data_dir: str = "./data"
    sync_writes: bool = True


@dataclass(frozen=True)
class TxpoolConfig:
    account_slots: int = 16
    global_slots: int = 5120
    price_bump: int = 10
    allow_unprotected: bool = False
    max_tx_size: int = 128 * 1024


@dataclass(frozen=True)
class FeesConfig:
    min_gas_price: int = 2 * GWEI
    free_lane_gas_limit: int = 500_000  # gas of a transaction priced below the minimum
    free_lane_slots: int = 100  # such transactions per block; 0 closes the free lane
    sponsor_per_sender: int = 10  # sponsored calls per sender and contract per window; 0: off
    sponsor_window: int = 100  # blocks


@dataclass(frozen=True)
class StakingConfig:
    """DPoS parameters (rates in basis points, 1/10,000), written into the genesis state."""

    enabled: bool = True
    epoch_length: int = 100
    max_validators: int = 19
    backup_validators: int = 5
    self_stake_bps: int = 1_000
    max_comp_rate_bps: int = 10_000
    min_delegation: int = 1_000 * ETHER
    size_threshold_bps: int = 1_200
    unbonding_blocks: int = 60_480
    absence_limit: int = 12
    slash_bps: int = 10
    award_rate_bps: int = 800
    award_base: int = 10**9 * ETHER
    blocks_per_year: int = 3_153_600
    validators_share_bps: int = 9_000
    # Empty: the local validator key alone, with genesis_stake and genesis_comp_rate_bps.
    genesis_validators: tuple[tuple[bytes, int, int], ...] = ()
    genesis_stake: int = 10_000 * ETHER
    genesis_comp_rate_bps: int = 1_000


@dataclass(frozen=True)
class TemplatesConfig:
    """The commerce contracts preloaded at genesis (see `templates.py` for their addresses)."""

    enabled: bool = True
    # Owns Escrow, Marketplace, Disputes and Identity. Empty: the first account of genesis.mnemonic
    # (dev account 0), whose key is public with the default mnemonic: set it on a real network.
    owner: bytes = b""
    fee_bps: int = 250  # marketplace fee in basis points (at most 1000)
    fee_recipient: bytes = b""  # empty: the owner
    dispute_deposit: int = 1 * ETHER  # each party's deposit on a dispute
    arbiter_min_bond: int = 10 * ETHER
    panel_size: int = 3
    response_window: int = 3 * 86_400  # seconds the seller has to answer a dispute
    voting_period: int = 5 * 86_400  # seconds a panel has to vote
    slash_bps: int = 1000  # share of a silent panelist's bond it loses
    token_name: str = "Test Token"
    token_symbol: str = "TST"
    token_decimals: int = 18
    token_supply: int = 1_000_000  # whole tokens minted at genesis
    token_holder: bytes = b""  # empty: the owner


@dataclass(frozen=True)
class Config:
    network: NetworkConfig = field(default_factory=NetworkConfig)
    genesis: GenesisConfig = field(default_factory=GenesisConfig)
    validator: ValidatorConfig = field(default_factory=ValidatorConfig)
    mining: MiningConfig = field(default_factory=MiningConfig)
    rpc: RpcConfig = field(default_factory=RpcConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    txpool: TxpoolConfig = field(default_factory=TxpoolConfig)
    fees: FeesConfig = field(default_factory=FeesConfig)
    templates: TemplatesConfig = field(default_factory=TemplatesConfig)
    staking: StakingConfig = field(default_factory=StakingConfig)

    @property
    def data_dir(self) -> Path:
        return Path(self.storage.data_dir)

    def replace(self, section: str, **changes: Any) -> Config:
        """Return a copy with some fields of one section changed (CLI flags, tests)."""
        current = getattr(self, section)
        return dataclasses.replace(self, **{section: dataclasses.replace(current, **changes)})


_AMOUNT_FIELDS = {
    "genesis.dev_balance", "genesis.base_fee_per_gas", "fees.min_gas_price",
    "templates.dispute_deposit", "templates.arbiter_min_bond",
    "staking.min_delegation", "staking.award_base", "staking.genesis_stake",
}
_ADDRESS_FIELDS = {"templates.owner", "templates.fee_recipient", "templates.token_holder"}
_CHOICES = {"mining.mode": ("interval", "instant", "off"), "mining.executor": ("process", "thread")}
# Inclusive bounds. Chain ids are uint64 (EIP-2294); a block needs room for one transfer.
_RANGES: dict[str, tuple[int, int]] = {
    "rpc.port": (0, 65535),
    "network.chain_id": (1, 2**64 - 1),
    "genesis.gas_limit": (21_000, 2**63 - 1),
    "genesis.timestamp": (0, 2**63 - 1),
    "genesis.dev_accounts": (0, 1000),
    # The contracts' own limits (Marketplace fee cap, Disputes params), checked here with key names.
    "templates.fee_bps": (0, 1000),
    "templates.panel_size": (1, 15),
    "templates.response_window": (3600, 2**32 - 1),
    "templates.voting_period": (3600, 2**32 - 1),
    "templates.slash_bps": (0, 5000),
    "templates.token_decimals": (0, 36),
    "templates.token_supply": (0, 10**36),
    **{f"staking.{name}": (0, 10_000) for name in (
        "self_stake_bps", "max_comp_rate_bps", "size_threshold_bps", "slash_bps",
        "award_rate_bps", "validators_share_bps", "genesis_comp_rate_bps")},
}
_POSITIVE = {
    "network.chain_id", "genesis.gas_limit", "rpc.max_body_bytes", "rpc.max_batch",
    "rpc.gas_cap", "rpc.evm_timeout", "rpc.filter_timeout", "mining.interval",
    "txpool.account_slots", "txpool.global_slots", "txpool.max_tx_size", "rpc.max_subscriptions",
    "staking.epoch_length", "staking.max_validators", "staking.blocks_per_year",
    "staking.self_stake_bps", "staking.absence_limit", "fees.sponsor_window",
}


def load_config(path: str | Path | None) -> Config:
    """Read `path` (TOML) over the defaults; `None` gives the defaults."""
    if path is None:
        return Config()
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return config_from_dict(raw)


def config_from_dict(raw: dict[str, Any]) -> Config:
    """Build a Config from parsed TOML, checking every key and value."""
    sections = {f.name: f for f in dataclasses.fields(Config)}
    built: dict[str, Any] = {}
    for name, body in raw.items():
        if name not in sections:
            raise ConfigError(f"{name}: unknown section (known: {', '.join(sections)})")
        if not isinstance(body, dict):
            raise ConfigError(f"{name}: expected a table")
        section_type = typing.get_type_hints(Config)[name]
        built[name] = _build_section(name, section_type, body)
    config = Config(**built)
    _check_templates(config)
    return config


def _check_templates(config: Config) -> None:
    """Check the template settings that span keys or sections."""
    templates = config.templates
    for key in ("dispute_deposit", "arbiter_min_bond"):
        if not 0 < getattr(templates, key) < 2**128:
            raise ConfigError(f"templates.{key}: must be positive and below 2**128 wei")
    if templates.panel_size % 2 == 0:
        raise ConfigError("templates.panel_size: must be odd")


def _build_section(name: str, section_type: type, body: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(section_type)
    values: dict[str, Any] = {}
    for key, value in body.items():
        dotted = f"{name}.{key}"
        if key not in hints:
            raise ConfigError(f"{dotted}: unknown key (known: {', '.join(hints)})")
        if dotted == "genesis.alloc":
            values[key] = _parse_alloc(value)
        elif dotted in _ADDRESS_FIELDS:
            values[key] = _parse_address(value, dotted) if value != "" else b""
        elif dotted == "staking.genesis_validators":
            values[key] = _parse_genesis_validators(value)
        elif dotted == "validator.extra_key_files":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{dotted}: expected a list of file paths")
            values[key] = tuple(value)
        else:
            values[key] = _check_value(dotted, hints[key], value)
    return section_type(**values)


def _check_value(dotted: str, hint: Any, value: Any) -> Any:
    if dotted in _AMOUNT_FIELDS:
        if not isinstance(value, int | str):
            raise ConfigError(f"{dotted}: expected an amount")
        return parse_amount(value, dotted)
    expected = _plain_type(hint)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ConfigError(f"{dotted}: expected {expected.__name__}, got {type(value).__name__}")
    if dotted in _CHOICES and value not in _CHOICES[dotted]:
        raise ConfigError(f"{dotted}: must be one of {', '.join(_CHOICES[dotted])}")
    if dotted in _POSITIVE and isinstance(value, int | float) and value <= 0:
        raise ConfigError(f"{dotted}: must be positive")
    if isinstance(value, int) and value < 0:
        raise ConfigError(f"{dotted}: must not be negative")
    if dotted in _RANGES and isinstance(value, int):
        low, high = _RANGES[dotted]
        if not low <= value <= high:
            raise ConfigError(f"{dotted}: must be between {low} and {high}")
    if dotted == "rpc.cors_origins":
        return _parse_origins(value, dotted)
    if dotted == "genesis.mnemonic" and not Mnemonic().is_mnemonic_valid(str(value)):
        raise ConfigError(f"{dotted}: not a valid BIP-39 mnemonic")
    return value


def _parse_origins(value: Any, key: str) -> tuple[str, ...]:
    """Check a list of CORS origins: "*" or scheme://host[:port], as a browser sends them."""
    if not isinstance(value, list) or not all(isinstance(o, str) for o in value):
        raise ConfigError(f"{key}: expected a list of origins like \"http://localhost:3000\"")
    for origin in value:
        if origin != "*" and not re.fullmatch(r"[a-z][a-z0-9+.-]*://[^/\s]+", origin.lower()):
            raise ConfigError(f"{key}: {origin!r} is not an origin (scheme://host[:port] or *)")
    return tuple(origin.lower() for origin in value)


def _plain_type(hint: Any) -> type:
    if isinstance(hint, types.UnionType):
        return next(arg for arg in hint.__args__ if arg is not type(None))
    return hint if isinstance(hint, type) else object


def _parse_alloc(value: Any) -> tuple[tuple[bytes, AllocEntry], ...]:
    if not isinstance(value, dict):
        raise ConfigError("genesis.alloc: expected a table of address = { balance = ... }")
    entries = []
    for address_text, body in value.items():
        key = f"genesis.alloc.{address_text}"
        address = _parse_address(address_text, key)
        if not isinstance(body, dict):
            raise ConfigError(f"{key}: expected a table with balance, nonce, code, storage")
        unknown = set(body) - {"balance", "nonce", "code", "storage"}
        if unknown:
            raise ConfigError(f"{key}.{sorted(unknown)[0]}: unknown key")
        entries.append((address, AllocEntry(
            balance=parse_amount(body.get("balance", 0), f"{key}.balance"),
            nonce=_check_value(f"{key}.nonce", int, body.get("nonce", 0)),
            code=_parse_hex(body.get("code", "0x"), f"{key}.code"),
            storage=tuple(
                (_parse_word(k, f"{key}.storage"), _parse_word(v, f"{key}.storage.{k}"))
                for k, v in body.get("storage", {}).items()
            ),
        )))
    return tuple(entries)


def _parse_genesis_validators(value: Any) -> tuple[tuple[bytes, int, int], ...]:
    key = "staking.genesis_validators"
    if not isinstance(value, list):
        raise ConfigError(f"{key}: expected a list of {{ address, stake, comp_rate_bps }}")
    entries = []
    for index, body in enumerate(value):
        at = f"{key}[{index}]"
        if not isinstance(body, dict) or set(body) - {"address", "stake", "comp_rate_bps"}:
            raise ConfigError(f"{at}: expected {{ address, stake, comp_rate_bps }}")
        if "address" not in body or "stake" not in body:
            raise ConfigError(f"{at}: address and stake are required")
        rate = _check_value(f"{at}.comp_rate_bps", int, body.get("comp_rate_bps", 0))
        if rate > 10_000:
            raise ConfigError(f"{at}.comp_rate_bps: must be between 0 and 10000")
        stake = parse_amount(body["stake"], f"{at}.stake")
        if not stake:
            raise ConfigError(f"{at}.stake: must be positive")
        entries.append((_parse_address(body["address"], f"{at}.address"), stake, rate))
    return tuple(entries)


def _parse_address(text: str, key: str) -> bytes:
    raw = _parse_hex(text, key)
    if len(raw) != 20:
        raise ConfigError(f"{key}: expected a 20-byte hex address")
    return raw


def _parse_hex(text: Any, key: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("0x"):
        raise ConfigError(f"{key}: expected 0x-prefixed hex")
    try:
        return bytes.fromhex(text[2:])
    except ValueError:
        raise ConfigError(f"{key}: bad hex") from None


def _parse_word(value: Any, key: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        word = value
    elif isinstance(value, str):
        word = int.from_bytes(_parse_hex(value, key), "big")
    else:
        raise ConfigError(f"{key}: expected a hex word")
    if not 0 <= word < 2**256:
        raise ConfigError(f"{key}: out of range")
    return word
